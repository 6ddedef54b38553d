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

// The local costs: validate's rows against their rate and memory
// targets, and reading for run against its budget.
func TestLocalCostRows(t *testing.T) {
	out := `cpu: Test CPU
BenchmarkValidate/csv/1000k-2 	1	2245000000 ns/op	56.00 peak-RSS-MB	445636 rows/s	200000 target-rows/s
BenchmarkValidate/xlsx/300k-2 	1	6457385594 ns/op	160.0 peak-RSS-MB	46458 rows/s	30000 target-rows/s
BenchmarkReadSheet100kCSV-2 	1	900000000 ns/op	0.4333 heap/budget	130.0 peak-heap-MB	111111 rows/s	0.4500 time/budget
`
	var b strings.Builder
	bad := printTables(&b, parse(strings.NewReader(out), nil), "1.00")
	table := b.String()
	for _, want := range []string{
		"| validate, streamed (csv/1000k) | 2.25 s (445636 rows/s) | ≥ 200000 rows/s | 56 MB RSS | 150 MB | yes |",
		"| validate, streamed (xlsx/300k) | 6.46 s (46458 rows/s) | ≥ 30000 rows/s | 160 MB RSS | 150 MB | **no** |",
		"| read for run, every row kept (ReadSheet100kCSV) | 0.90 s (111111 rows/s) | 2.0 s | 130 MB heap | 300 MB | yes |",
	} {
		if !strings.Contains(table, want) {
			t.Errorf("the table lacks %q:\n%s", want, table)
		}
	}
	if bad != 1 {
		t.Errorf("bad rows = %d, want 1 (the XLSX row over its memory target)", bad)
	}
}
