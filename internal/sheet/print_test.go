package sheet

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// Every table prints one page wide, its header row on every page, in the
// orientation its width needs; a chart lies inside its sheet's print area.
func TestPrintSetup(t *testing.T) {
	path := filepath.Join(t.TempDir(), "print.xlsx")
	wb := NewWorkbook()
	wide := make([]Column, 20)
	for i := range wide {
		wide[i] = Column{Header: "Column " + string(rune('A'+i)), Width: 12}
	}
	tables := []Table{
		{Name: "Narrow", Columns: []Column{{Header: "Name"}, {Header: "Count", Kind: Integer}}},
		{Name: "Wide", Columns: wide},
		{Name: "Forced", Columns: []Column{{Header: "Name"}}, Print: Print{Orientation: "landscape", PagesTall: 1}},
		// A dropdown long enough for the hidden lists sheet, which comes
		// last: the print names must still point at the right sheets.
		{Name: "Choices", Columns: []Column{{Header: "Pick", Choices: strings.Split(strings.Repeat("a choice,", 40), ",")}}},
	}
	for _, tb := range tables {
		tw, err := wb.AddTable(tb)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			if err := tw.WriteRow([]Cell{TextCell("row"), IntCell(int64(i))}[:min(2, len(tb.Columns))], Plain); err != nil {
				t.Fatal(err)
			}
		}
		if tb.Name == "Narrow" {
			if err := wb.AddChart("Narrow", Chart{Kind: ColumnChart, Title: "Counts", Categories: "A2:A4", Values: "B2:B4", Anchor: "D2"}); err != nil {
				t.Fatal(err)
			}
		}
		if err := tw.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if err := wb.AddChart("Chart only", Chart{Kind: PieChart, Title: "Shares", DataSheet: "Narrow", Categories: "A2:A4", Values: "B2:B4", Anchor: "B3", Width: 700}); err != nil {
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
	names := map[string]string{} // scope + name → refers to
	for _, dn := range f.GetDefinedName() {
		names[dn.Scope+" "+dn.Name] = dn.RefersTo
	}
	for _, tc := range []struct {
		sheet, orientation string
		tall               int
		titles, area       string
	}{
		{"Narrow", "portrait", 0, "'Narrow'!$1:$1", "'Narrow'!$A$1:$K$18"}, // with its chart, still narrower than a portrait page
		{"Wide", "landscape", 0, "'Wide'!$1:$1", ""},
		{"Forced", "landscape", 1, "'Forced'!$1:$1", ""},
		{"Choices", "portrait", 0, "'Choices'!$1:$1", ""},
		{"Chart only", "landscape", 0, "", "'Chart only'!$A$1:$L$19"},
	} {
		layout, err := f.GetPageLayout(tc.sheet)
		if err != nil {
			t.Fatal(err)
		}
		props, _ := f.GetSheetProps(tc.sheet)
		if props.FitToPage == nil || !*props.FitToPage || layout.FitToWidth == nil || *layout.FitToWidth != 1 || layout.FitToHeight == nil || *layout.FitToHeight != tc.tall {
			t.Errorf("%s: fit to page %v, %v wide, %v tall: want 1 wide, %d tall", tc.sheet, props.FitToPage, layout.FitToWidth, layout.FitToHeight, tc.tall)
		}
		if got := deref(layout.Orientation); got != tc.orientation {
			t.Errorf("%s: orientation %q, want %s", tc.sheet, got, tc.orientation)
		}
		if got := names[tc.sheet+" _xlnm.Print_Titles"]; got != tc.titles {
			t.Errorf("%s: print titles %q, want %q", tc.sheet, got, tc.titles)
		}
		if got := names[tc.sheet+" _xlnm.Print_Area"]; got != tc.area {
			t.Errorf("%s: print area %q, want %q", tc.sheet, got, tc.area)
		}
		if hf, _ := f.GetHeaderFooter(tc.sheet); !strings.Contains(hf.OddFooter, "&P of &N") {
			t.Errorf("%s: footer %q has no page numbers", tc.sheet, hf.OddFooter)
		}
	}
}

func TestPrintOrientationRefused(t *testing.T) {
	wb := NewWorkbook()
	defer wb.Close()
	tw, err := wb.AddTable(Table{Name: "T", Columns: []Column{{Header: "A"}}, Print: Print{Orientation: "sideways"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err == nil || !strings.Contains(err.Error(), "sideways") {
		t.Errorf("closing a table printed sideways: %v", err)
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
