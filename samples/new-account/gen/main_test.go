package main

import (
	"slices"
	"testing"

	"github.com/xuri/excelize/v2"
)

// The committed workbook is what the generator writes: edit the generator,
// then run `go run ./samples/new-account/gen` from the repository root.
func TestCommittedWorkbookIsCurrent(t *testing.T) {
	got, err := excelize.OpenFile("../new-account.xlsx")
	if err != nil {
		t.Fatalf("%v (run: go run ./samples/new-account/gen)", err)
	}
	defer got.Close()
	var names []string
	for _, s := range Sheets {
		names = append(names, s.Name)
	}
	if g := got.GetSheetList(); !slices.Equal(g, names) {
		t.Fatalf("sheets %q, want %q (run: go run ./samples/new-account/gen)", g, names)
	}
	for _, s := range Sheets {
		rows, err := got.GetRows(s.Name)
		if err != nil {
			t.Fatal(err)
		}
		for r, want := range s.Rows {
			for len(want) > 0 && want[len(want)-1] == "" {
				want = want[:len(want)-1] // excelize leaves trailing empty cells out
			}
			if r >= len(rows) || !slices.Equal(rows[r], want) {
				t.Errorf("%s row %d differs (run: go run ./samples/new-account/gen)", s.Name, r+1)
			}
		}
		if len(rows) != len(s.Rows) {
			t.Errorf("%s: %d rows, want %d", s.Name, len(rows), len(s.Rows))
		}
	}
}
