package results

import (
	"path/filepath"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/zoombulk/zoombulk/internal/sheet"
)

// The Summary sheet of plan.xlsx and results.xlsx stores numbers, times
// and durations as numbers with a format, so that Excel sorts, sums and
// reformats them; what is not one of those stays text.
func TestSummarySheetTypes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "plan.xlsx")
	wb := sheet.NewWorkbook()
	lines := [][2]string{
		{"Job", "5m"}, // a job's name is text even when it reads like a duration
		{"Rows", "60"},
		{"Started (UTC)", "2026-12-06T14:05:09Z"},
		{"Planned (UTC)", "2026-12-06T15:05:09+01:00"}, // shown in UTC
		{"Finished (UTC)", "not recorded"},
		{"Duration", "1m30.25s"},
		{"Time the limits imply", "26h0m0s"},
		{"Tier", "pro × 0.50"},
	}
	if err := writeSummary(wb, lines); err != nil {
		t.Fatal(err)
	}
	if err := wb.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for i, tc := range []struct {
		shown  string
		number bool
	}{
		{"5m", false},
		{"60", true},
		{"2026-12-06 14:05", true},
		{"2026-12-06 14:05", true},
		{"not recorded", false},
		{"0:01:30", true},
		{"26:00:00", true},
		{"pro × 0.50", false},
	} {
		cell, _ := excelize.CoordinatesToCellName(2, i+2)
		label, _ := f.GetCellValue("Summary", "A"+cell[1:])
		shown, _ := f.GetCellValue("Summary", cell)
		typ, _ := f.GetCellType("Summary", cell)
		isNumber := typ == excelize.CellTypeUnset || typ == excelize.CellTypeNumber
		if shown != tc.shown || isNumber != tc.number {
			t.Errorf("%s: shown %q (number %v), want %q (number %v)", label, shown, isNumber, tc.shown, tc.number)
		}
	}
}
