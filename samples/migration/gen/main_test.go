package main

import (
	"slices"
	"testing"

	"github.com/xuri/excelize/v2"
)

// The committed workbook is what the generator writes: edit the generator,
// then run `go run ./samples/migration/gen` from the repository root (or
// `make templates`).
func TestCommittedWorkbookIsCurrent(t *testing.T) {
	want, err := Build()
	if err != nil {
		t.Fatal(err)
	}
	defer want.Close()
	got, err := excelize.OpenFile("../new-hires.xlsx")
	if err != nil {
		t.Fatalf("%v (run: go run ./samples/migration/gen)", err)
	}
	defer got.Close()
	if g, w := got.GetSheetList(), want.GetSheetList(); !slices.Equal(g, w) {
		t.Fatalf("sheets %q, want %q (run: go run ./samples/migration/gen)", g, w)
	}
	for _, raw := range []bool{false, true} {
		var opts []excelize.Options
		if raw {
			opts = append(opts, excelize.Options{RawCellValue: true})
		}
		g, err := got.GetRows(SheetName, opts...)
		if err != nil {
			t.Fatal(err)
		}
		w, err := want.GetRows(SheetName, opts...)
		if err != nil {
			t.Fatal(err)
		}
		if len(g) != len(w) {
			t.Fatalf("%d rows, want %d (run: go run ./samples/migration/gen)", len(g), len(w))
		}
		for i := range w {
			if !slices.Equal(g[i], w[i]) {
				t.Errorf("row %d: %q, want %q (run: go run ./samples/migration/gen)", i+1, g[i], w[i])
			}
		}
	}
}
