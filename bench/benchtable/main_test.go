package main

import (
	"strings"
	"testing"
)

// A failed benchmark prints no metrics: its row must stay in the table,
// marked failed with its message, and count as bad; a row under its
// target is marked **no** and counts too.
func TestFailedAndMissedRowsStay(t *testing.T) {
	out := `goos: linux
cpu: Test CPU
BenchmarkAPI/create_users/pro_0.8/50ms-2 	1	100 ns/op	0 429s	0 at-most	10 bound-s	240 calls	10.1 dur-s	1 met	0.99 ratio	240 rows	30 rss-MB	1 rss-step	0.97 target	9.9 est-s	0.98 est/actual	1 est-met
BenchmarkAPI/update_users/pro_0.8/50ms-2 	1	100 ns/op	0 429s	0 at-most	10 bound-s	240 calls	11 dur-s	0 met	0.90 ratio	240 rows	30 rss-MB	1 rss-step	0.97 target
    steps_test.go:200: MISS update_users/pro_0.8/50ms: ratio 0.900 (want ≥ 0.97), 0 429s (want 0)
--- FAIL: BenchmarkAPI
    --- FAIL: BenchmarkAPI/move_group
        --- FAIL: BenchmarkAPI/move_group/pro_0.8
            --- FAIL: BenchmarkAPI/move_group/pro_0.8/300ms
                harness_test.go:80: move_group: 3 of 32 rows succeeded
FAIL
exit status 1
FAIL	github.com/zoombulk/zoombulk/bench	1.0s
`
	p := parse(strings.NewReader(out), nil)
	var b strings.Builder
	bad := printTables(&b, p, "1.00 1.00 1.00 1/1 1")
	table := b.String()
	if bad != 2 {
		t.Errorf("bad rows = %d, want 2 (a miss and a failure)\n%s", bad, table)
	}
	for _, want := range []string{
		"| create_users | pro, 0.8 | 50ms | 240 | 240 | 10.10 s |",
		"| update_users | pro, 0.8 | 50ms |",
		"| **no** |",
		"| move_group | pro, 0.8 | 300ms | failed: move_group: 3 of 32 rows succeeded |",
		"update_users/pro_0.8/50ms: ratio 0.900",
		"load average at the end (/proc/loadavg): 1.00",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("the table lacks %q:\n%s", want, table)
		}
	}
	if strings.Contains(table, "| API |") || strings.Count(table, "| move_group |") != 1 {
		t.Errorf("the failed parents must not get rows of their own:\n%s", table)
	}
	if len(p.pkgFail) != 1 {
		t.Errorf("package failures %q, want the package's FAIL line alone", p.pkgFail)
	}
}
