package sheet

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// goldenDoc is what a golden file holds: how the input was read, its header
// and rows, or the error.
type goldenDoc struct {
	Format goldenFormat `json:"format"`
	Header []string     `json:"header"`
	Rows   []goldenRow  `json:"rows"`
	Error  string       `json:"error,omitempty"`
}

type goldenFormat struct {
	Kind      string `json:"kind,omitempty"`
	Encoding  string `json:"encoding,omitempty"`
	Delimiter string `json:"delimiter,omitempty"`
	Sheet     string `json:"sheet,omitempty"`
}

type goldenRow struct {
	Number  int      `json:"n"`
	Cells   []string `json:"cells"`
	Extra   []string `json:"extra,omitempty"`
	Hidden  bool     `json:"hidden,omitempty"`
	Comment bool     `json:"comment,omitempty"`
}

// readAll drains r, returning the rows read before any error.
func readAll(r Reader) ([]Row, error) {
	var rows []Row
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return rows, err
		}
		rows = append(rows, row)
	}
}

// docFor opens path and describes what comes out.
func docFor(t *testing.T, path string, opts Options) goldenDoc {
	t.Helper()
	var doc goldenDoc
	r, err := Open(path, opts)
	if err != nil {
		doc.Error = err.Error()
		return doc
	}
	defer r.Close()
	f := Describe(r)
	doc.Format = goldenFormat{Kind: f.Kind, Encoding: f.Encoding, Sheet: f.Sheet}
	if f.Delimiter != 0 {
		doc.Format.Delimiter = string(f.Delimiter)
	}
	doc.Header = r.Header()
	rows, err := readAll(r)
	for _, row := range rows {
		doc.Rows = append(doc.Rows, goldenRow{Number: row.Number, Cells: row.Cells, Extra: row.Extra, Hidden: row.Hidden, Comment: row.Comment})
	}
	if err != nil {
		doc.Error = err.Error()
	}
	return doc
}

// checkGolden compares doc with testdata/<name>.golden, rewriting it with
// -update.
func checkGolden(t *testing.T, name string, doc goldenDoc) {
	t.Helper()
	got, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/sheet -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test ./internal/sheet -update to accept)\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}

// writeFixtureXLSX builds the test workbook at path with excelize:
//
// Sheet "Users" (first):
//
//	row 1  Email | Phone | Seats | Share | Big | Start | Login | Active | Double | Label
//	row 2  numbers as numbers, a date, a date-time, a boolean, a formula with
//	       a cached number, a formula with a cached string
//	row 3  (empty)
//	row 4  (empty)
//	row 5  a merged B5:C5 and styled numbers (percent, #,##0, currency)
//	row 7  text that looks like numbers and dates; a time-only cell
//
// Sheet "Lists": a title in row 1, blank row 2, header on row 3, shared
// strings, a value beyond the header (Extra), a date in row 6.
// Sheet "Hidden" (hidden): unused.
func writeFixtureXLSX(t testing.TB, path string, date1904 bool) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if date1904 {
		yes := true
		if err := f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &yes}); err != nil {
			t.Fatal(err)
		}
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.SetSheetName("Sheet1", "Users"))
	style := func(s *excelize.Style) int {
		id, err := f.NewStyle(s)
		must(err)
		return id
	}
	custom := func(code string) int { return style(&excelize.Style{CustomNumFmt: &code}) }
	isoDate := custom("yyyy-mm-dd")
	usDate := style(&excelize.Style{NumFmt: 14})      // m/d/yy in en-US
	stamp := custom("dd/mm/yyyy hh:mm")               // European date-time
	timeOnly := style(&excelize.Style{NumFmt: 20})    // h:mm
	pct := style(&excelize.Style{NumFmt: 10})         // 0.00%
	thousands := style(&excelize.Style{NumFmt: 3})    // #,##0
	money := custom(`"$"#,##0.00;[Red]-"$"#,##0.00`)  // currency
	textFmt := style(&excelize.Style{NumFmt: 49})     // @
	longDate := custom(`[$-409]dddd, mmmm d, yyyy;@`) // locale-tagged
	elapsed := style(&excelize.Style{NumFmt: 46})     // [h]:mm:ss
	sci := style(&excelize.Style{NumFmt: 11})         // 0.00E+00
	sw, err := f.NewStreamWriter("Users")
	must(err)
	must(sw.MergeCell("B5", "C5"))
	c := func(v any, s int) excelize.Cell { return excelize.Cell{Value: v, StyleID: s} }
	must(sw.SetRow("A1", []any{"Email", "Phone", "Seats", "Share", "Big", "Start", "Login", "Active", "Double", "Label"}))
	date := func(y int, m time.Month, d, hh, mm int) float64 {
		serial, _ := excelSerial(time.Date(y, m, d, hh, mm, 0, 0, time.UTC), false)
		if date1904 {
			serial -= 1462
		}
		return serial
	}
	must(sw.SetRow("A2", []any{
		"ann@example.com",
		6589310093,
		42.0,
		0.5,
		1e15,
		c(date(2026, 3, 1, 0, 0), isoDate),
		c(date(2026, 3, 1, 9, 30), stamp),
		true,
		excelize.Cell{Formula: "B2*2", Value: 13178620186},
		excelize.Cell{Formula: `UPPER("vip")`, Value: "VIP"},
	}))
	must(sw.SetRow("A5", []any{
		"bob@example.com",
		"merged value",
		nil,
		c(0.125, pct),
		c(1234567.0, thousands),
		c(date(2026, 12, 31, 0, 0), usDate),
		c(-5.5, money),
		false,
		3.5,
		c(date(2026, 7, 4, 0, 0), longDate),
	}))
	must(sw.SetRow("A7", []any{
		"  cy@example.com ",
		c("00123", textFmt),
		"2026-03-01",
		c((14*60+15)/1440.0, timeOnly),
		c(1.25, elapsed),
		c(12345.678, sci),
		"=not a formula",
		c("text in a date cell", usDate),
		-0.0001,
		0.1 + 0.2,
	}))
	must(sw.Flush())

	// "Lists" is written in normal mode, so its strings are shared strings
	// (as in files saved by Excel), unlike the inline strings of "Users".
	_, err = f.NewSheet("Lists")
	must(err)
	must(f.SetCellValue("Lists", "A1", "Licence types (do not edit)"))
	must(f.SetSheetRow("Lists", "A3", &[]any{"License", "Type"}))
	must(f.SetSheetRow("Lists", "A4", &[]any{"Basic", 1, "shared text, date style"}))
	must(f.SetCellStyle("Lists", "C4", "C4", usDate))
	must(f.SetSheetRow("Lists", "A5", &[]any{"Licensed", 2}))
	must(f.SetCellValue("Lists", "B6", 46082))
	must(f.SetCellStyle("Lists", "B6", "B6", isoDate))

	_, err = f.NewSheet("Hidden")
	must(err)
	must(f.SetCellValue("Hidden", "A1", "secret"))
	must(f.SetSheetVisible("Hidden", false))
	must(f.SaveAs(path))
}
