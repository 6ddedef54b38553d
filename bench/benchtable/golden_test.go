package main

import (
	"flag"
	"os"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/sample.golden from the current printTables")

// The tables printed from a saved benchmark output stay byte for byte
// what they were: the sample has a row for every kind of cell (a plan's
// estimate off target, scripts with and without a batch endpoint, process
// RSS, each local-cost task, failed rows, misses, a package failure).
// Only the run's date and the machine line are masked, since they come
// from the clock and the host.
func TestTablesGolden(t *testing.T) {
	in, err := os.Open("testdata/sample.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	var b strings.Builder
	bad := printTables(&b, parse(in, nil), "0.50 0.40 0.30 1/100 999")
	masked := regexp.MustCompile(`(?m)^(## zoombulk benchmarks, |Machine: ).*$`).ReplaceAllString(b.String(), "${1}<masked>")
	if *update {
		if err := os.WriteFile("testdata/sample.golden", []byte(masked), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile("testdata/sample.golden")
	if err != nil {
		t.Fatal(err)
	}
	if masked != string(want) {
		t.Errorf("tables changed; got:\n%s\nwant:\n%s", masked, want)
	}
	// Two API rows under target, one failed; four local rows over target,
	// one failed.
	if bad != 8 {
		t.Errorf("bad rows = %d, want 8", bad)
	}
}
