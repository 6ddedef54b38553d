package sheet

import (
	"archive/zip"
	"bytes"
	"io"
	"math"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

var (
	march1   = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	march1am = time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
)

// formulaLikes are text values spreadsheet programs would evaluate.
var formulaLikes = []string{"=1+1", `=HYPERLINK("http://evil","x")`, "+1 555 0100", "-2+3", "@SUM(A1)", "\tTabbed", "\rCR"}

func TestCSVWriter(t *testing.T) {
	var b bytes.Buffer
	w, err := NewCSVWriter(&b, []Column{{Header: "Email"}, {Header: "Seats"}, {Header: "Note"}, {Header: "=Head"}})
	if err != nil {
		t.Fatal(err)
	}
	rows := [][]Cell{
		{TextCell("a@example.com"), IntCell(42), TextCell("=1+1"), BoolCell(true)},
		{TextCell("b@example.com"), NumberCell(0.5), TextCell("a, \"b\"\nc")},
		{TextCell("c@example.com"), NumberCell(-5), TextCell("-5"), DateCell(march1)},
		{TextCell("d@example.com"), NumberCell(math.NaN()), DateTimeCell(march1am), DateCell(time.Time{})},
		{TextCell("e@example.com"), NumberCell(1e15), TextCell("'=already")},
	}
	for _, r := range rows {
		if err := w.WriteRow(r, Failed); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.WriteRow(make([]Cell, 5), Plain); err == nil {
		t.Error("a row wider than the table must fail")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteRow(nil, Plain); err == nil {
		t.Error("WriteRow after Close must fail")
	}
	want := "\uFEFFEmail,Seats,Note,'=Head\r\n" +
		"a@example.com,42,'=1+1,TRUE\r\n" +
		"b@example.com,0.5,\"a, \"\"b\"\"\nc\",\r\n" +
		"c@example.com,-5,-5,2026-03-01\r\n" +
		"d@example.com,,2026-03-01 09:30:00,\r\n" +
		"e@example.com,1000000000000000,''=already,\r\n"
	if got := b.String(); got != want {
		t.Fatalf("got:\n%q\nwant:\n%q", got, want)
	}

	// Reading our own CSV back with UnescapeFormulas gives the values back.
	r, err := NewCSVReader(strings.NewReader(want), "results.csv", Options{UnescapeFormulas: true})
	if err != nil {
		t.Fatal(err)
	}
	got, err := readAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if r.Header()[3] != "=Head" || got[0].Cells[2] != "=1+1" || got[1].Cells[2] != "a, \"b\"\nc" || got[2].Cells[2] != "-5" || got[4].Cells[2] != "'=already" {
		t.Errorf("read back: %q %+v", r.Header(), got)
	}
}

func TestCSVWriterAllFormulaChars(t *testing.T) {
	var b bytes.Buffer
	w, _ := NewCSVWriter(&b, []Column{{Header: "V"}})
	for _, s := range formulaLikes {
		if err := w.WriteRow([]Cell{TextCell(s)}, Plain); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := NewCSVReader(&b, "v.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := readAll(r)
	if len(rows) != len(formulaLikes) {
		t.Fatalf("%d rows", len(rows))
	}
	for i, row := range rows {
		if !strings.HasPrefix(row.Cells[0], "'") || UnescapeFormula(row.Cells[0]) != formulaLikes[i] {
			t.Errorf("%q written as %q", formulaLikes[i], row.Cells[0])
		}
	}
}

// results builds the workbook the round-trip tests read.
func writeResultsWorkbook(t *testing.T, path string, extraRows int) {
	t.Helper()
	wb := NewWorkbook()
	cols := []Column{
		{Header: "Email"},
		{Header: "Seats", Kind: Integer},
		{Header: "Ratio", Kind: Number},
		{Header: "Start", Kind: Date},
		{Header: "Seen", Kind: DateTime},
		{Header: "Active", Kind: Bool},
		{Header: "Note", Width: 30},
		{Header: "License", Choices: []string{"Basic", "Licensed", "Unassigned"}},
		{Header: "Group", Choices: longChoices()},
		{Header: "Division", Choices: []string{"Sales, EMEA", "APAC"}},
	}
	tw, err := wb.AddTable(Table{Name: "Results", Columns: cols})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wb.AddTable(Table{Name: "Other", Columns: cols}); err == nil {
		t.Error("a second open table must be refused")
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(tw.WriteRow([]Cell{TextCell("ann@example.com"), IntCell(6589310093), NumberCell(0.5), DateCell(march1), DateTimeCell(march1am), BoolCell(true), TextCell("ok"), TextCell("Basic")}, Plain))
	must(tw.WriteRow([]Cell{TextCell("bob@example.com"), IntCell(1234567890123456789), NumberCell(math.Inf(1)), DateCell(time.Time{}), DateTimeCell(march1), BoolCell(false), TextCell("failed: 1005")}, Failed))
	must(tw.WriteRow([]Cell{TextCell("example@example.com")}, Muted))
	for i, s := range formulaLikes {
		must(tw.WriteRow([]Cell{TextCell(s), IntCell(int64(-i)), NumberCell(-5), EmptyCell(), EmptyCell(), EmptyCell(), TextCell(s)}, Warning))
	}
	for i := range extraRows {
		must(tw.WriteRow([]Cell{TextCell("bulk@example.com"), IntCell(int64(i)), NumberCell(float64(i) / 4)}, Plain))
	}
	must(tw.Close())
	must(tw.Close()) // idempotent
	if err := tw.WriteRow(nil, Plain); err == nil {
		t.Error("WriteRow after Close must fail")
	}
	if err := wb.AddChart("Results", Chart{Kind: PieChart, Categories: "A2:A3", Values: "B2:B3"}); err == nil {
		t.Error("a chart on a closed table must be refused")
	}

	sum, err := wb.AddTable(Table{Name: "Summary", Columns: []Column{{Header: "Status"}, {Header: "Rows", Kind: Integer}}})
	must(err)
	for _, r := range []struct {
		s string
		n int64
	}{{"succeeded", 90}, {"failed", 7}, {"skipped", 3}} {
		must(sum.WriteRow([]Cell{TextCell(r.s), IntCell(r.n)}, Plain))
	}
	must(wb.AddChart("Summary", Chart{Kind: BarChart, Title: "Rows by status", Categories: CellRange(1, 2, 1, 4), Values: CellRange(2, 2, 2, 4), Anchor: "D2"}))
	must(wb.AddChart("Charts", Chart{Kind: PieChart, Title: "Share", DataSheet: "Summary", Categories: "A2:A4", Values: "B2:B4"}))
	// The Summary table is left open: SaveAs closes it.
	must(wb.SaveAs(path))
	if err := wb.SaveAs(path); err == nil {
		t.Error("a second SaveAs must fail")
	}
}

func longChoices() []string {
	var c []string
	for i := range 40 {
		c = append(c, "Department of Things number "+string(rune('A'+i%26)))
	}
	return c
}

func TestWorkbookRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "results.xlsx")
	writeResultsWorkbook(t, path, 0)

	// Our own reader: types come back canonical.
	r, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if Describe(r).Sheet != "Results" {
		t.Errorf("first sheet %q", Describe(r).Sheet)
	}
	rows, err := readAll(r)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"ann@example.com", "6589310093", "0.5", "2026-03-01", "2026-03-01T09:30:00", "TRUE", "ok", "Basic", ""},
		{"bob@example.com", "1234567890123456789", "", "", "2026-03-01", "FALSE", "failed: 1005", "", ""},
		{"example@example.com", "", "", "", "", "", "", "", ""},
	}
	for _, s := range formulaLikes {
		want = append(want, []string{s, "", "-5", "", "", "", s, "", ""})
	}
	want[3][1] = "0"
	for i := 4; i < len(want); i++ {
		want[i][1] = "-" + string(rune('0'+i-3))
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d", len(rows), len(want))
	}
	for i := range want {
		if rows[i].Number != i+2 {
			t.Errorf("row %d numbered %d", i, rows[i].Number)
		}
		for j := range want[i] {
			if rows[i].Cells[j] != want[i][j] {
				t.Errorf("row %d col %s: got %q, want %q", rows[i].Number, r.Header()[j], rows[i].Cells[j], want[i][j])
			}
		}
	}

	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := strings.Join(f.GetSheetList(), ","); got != "Results,Summary,Charts,_lists" {
		t.Errorf("sheets %s (the default Sheet1 must be gone)", got)
	}
	if vis, _ := f.GetSheetVisible("_lists"); vis {
		t.Error("the lists sheet must be hidden")
	}
	panes, err := f.GetPanes("Results")
	if err != nil || !panes.Freeze || panes.YSplit != 1 || panes.TopLeftCell != "A2" {
		t.Errorf("panes: %+v %v", panes, err)
	}
	// Formula-like text is an inline string, never a formula.
	for i := range formulaLikes {
		cell, _ := excelize.CoordinatesToCellName(1, 5+i)
		if fo, _ := f.GetCellFormula("Results", cell); fo != "" {
			t.Errorf("%s has formula %q", cell, fo)
		}
		if typ, _ := f.GetCellType("Results", cell); typ != excelize.CellTypeInlineString {
			t.Errorf("%s has type %v", cell, typ)
		}
	}
	// Styles: header bold and filled, failed rows red, warnings amber,
	// muted grey italic, dates with a date format, text with "@".
	styleOf := func(cell string) *excelize.Style {
		t.Helper()
		id, err := f.GetCellStyle("Results", cell)
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	if st := styleOf("A1"); st.Font == nil || !st.Font.Bold || len(st.Fill.Color) == 0 {
		t.Errorf("header style %+v", st)
	}
	if st := styleOf("C3"); len(st.Fill.Color) == 0 || st.Fill.Color[0] != "FFC7CE" {
		t.Errorf("failed row fill %+v (blank cells too)", st.Fill)
	}
	if st := styleOf("I3"); len(st.Fill.Color) == 0 || st.Fill.Color[0] != "FFC7CE" {
		t.Errorf("failed row fill on a trailing blank cell %+v", st.Fill)
	}
	if st := styleOf("A5"); len(st.Fill.Color) == 0 || st.Fill.Color[0] != "FFEB9C" {
		t.Errorf("warning row fill %+v", st.Fill)
	}
	if st := styleOf("A4"); st.Font == nil || !st.Font.Italic || st.Font.Color != "808080" {
		t.Errorf("muted row font %+v", st.Font)
	}
	if st := styleOf("D2"); st.CustomNumFmt == nil || *st.CustomNumFmt != "yyyy-mm-dd" {
		t.Errorf("date format %+v", st)
	}
	if st := styleOf("E2"); st.CustomNumFmt == nil || *st.CustomNumFmt != "yyyy-mm-dd hh:mm" {
		t.Errorf("date-time format %+v", st)
	}
	if st := styleOf("A5"); st.NumFmt != 49 {
		t.Errorf("text format %d", st.NumFmt)
	}
	if w, _ := f.GetColWidth("Results", "G"); w != 30 {
		t.Errorf("explicit width %v", w)
	}
	if w, _ := f.GetColWidth("Results", "A"); w < 25 || w > 35 {
		t.Errorf("auto width of A %v", w)
	}
	if w, _ := f.GetColWidth("Results", "D"); w < 11 {
		t.Errorf("auto width of a date column %v", w)
	}
	dvs, err := f.GetDataValidations("Results")
	// A choice with a comma cannot go in an inline list: it goes on the
	// hidden sheet like a long list.
	if err != nil || len(dvs) != 3 || !strings.Contains(dvs[0].Formula1, "Basic,Licensed,Unassigned") || !strings.Contains(dvs[1].Formula1, "_lists") || !strings.Contains(dvs[2].Formula1, "'_lists'!$B$1:$B$2") {
		for _, d := range dvs {
			t.Logf("%s %s", d.Sqref, d.Formula1)
		}
		t.Errorf("dropdowns %v", err)
	}
	if len(dvs) > 0 && dvs[0].Sqref != "H2:H1048576" {
		t.Errorf("dropdown range %q", dvs[0].Sqref)
	}

	// Raw XML: no <f> anywhere, an autofilter over the written range, a
	// chart part per chart.
	parts := zipParts(t, path)
	var sheets, charts int
	for name, body := range parts {
		if strings.HasPrefix(name, "xl/worksheets/sheet") {
			sheets++
			if strings.Contains(body, "<f>") || strings.Contains(body, "<f ") {
				t.Errorf("%s holds a formula", name)
			}
		}
		if strings.HasPrefix(name, "xl/charts/chart") {
			charts++
		}
	}
	if sheets != 4 || charts != 2 {
		t.Errorf("%d sheets, %d charts", sheets, charts)
	}
	found := false
	for _, body := range parts {
		if strings.Contains(body, `<autoFilter ref="A1:J11"`) || strings.Contains(body, `<autoFilter ref="$A$1:$J$11"`) {
			found = true
		}
	}
	if !found {
		t.Error("no autofilter A1:J11 on Results")
	}
	for name, body := range parts {
		if strings.HasPrefix(name, "xl/worksheets/sheet") && strings.Contains(body, "<cols>") {
			mins := regexp.MustCompile(`<col min="(\d+)"`).FindAllStringSubmatch(body, -1)
			for i := 1; i < len(mins); i++ {
				a, _ := strconv.Atoi(mins[i-1][1])
				b, _ := strconv.Atoi(mins[i][1])
				if a >= b {
					t.Errorf("%s: <col> elements out of order: %v", name, mins)
					break
				}
			}
		}
	}
	if !strings.Contains(parts["xl/workbook.xml"], "_xlnm._FilterDatabase") {
		t.Error("no _FilterDatabase defined name")
	}
	if !strings.Contains(parts["xl/worksheets/sheet2.xml"]+parts["xl/worksheets/sheet1.xml"], `t="inlineStr"><is><t>=1+1</t></is>`) {
		t.Error("=1+1 not written as an inline string")
	}
}

// More rows than the width sample: rows buffered for sizing, then streamed.
func TestWorkbookPastWidthSample(t *testing.T) {
	path := filepath.Join(t.TempDir(), "many.xlsx")
	writeResultsWorkbook(t, path, 3*widthSample)
	r, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rows, err := readAll(r)
	if err != nil {
		t.Fatal(err)
	}
	n := 3 + len(formulaLikes) + 3*widthSample
	if len(rows) != n || rows[n-1].Number != n+1 || rows[n-1].Cells[1] != "299" || rows[n-1].Cells[2] != "74.75" {
		t.Fatalf("%d rows, last %+v", len(rows), rows[len(rows)-1])
	}
}

func TestWorkbookWriteAndEmptyTable(t *testing.T) {
	wb := NewWorkbook()
	tw, err := wb.AddTable(Table{Columns: []Column{{Header: "Email"}, {Header: "Name"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := wb.AddTable(Table{Name: "sheet1", Columns: []Column{{Header: "X"}}}); err == nil {
		t.Error("duplicate sheet name (case-insensitive) must be refused")
	}
	if _, err := wb.AddTable(Table{Name: "Bad/Name", Columns: []Column{{Header: "X"}}}); err == nil {
		t.Error("invalid sheet name must be refused")
	}
	var b bytes.Buffer
	if err := wb.Write(&b); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); len(got) != 1 || got[0] != "Sheet1" {
		t.Errorf("sheets %q", got)
	}
	rows, err := f.GetRows("Sheet1")
	if err != nil || len(rows) != 1 || rows[0][1] != "Name" {
		t.Errorf("rows %q %v", rows, err)
	}
	if _, err := wb.AddTable(Table{Columns: []Column{{Header: "X"}}}); err == nil {
		t.Error("AddTable after Write must fail")
	}
	if err := wb.Close(); err != nil {
		t.Error(err)
	}
}

func zipParts(t *testing.T, path string) map[string]string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	parts := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		parts[f.Name] = string(b)
	}
	return parts
}
