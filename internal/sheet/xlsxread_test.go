package sheet

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func fixturePath(t *testing.T, date1904 bool) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "users.xlsx")
	writeFixtureXLSX(t, p, date1904)
	return p
}

func TestXLSXGolden(t *testing.T) {
	p := fixturePath(t, false)
	checkGolden(t, "fixture_users.xlsx", docFor(t, p, Options{}))
	checkGolden(t, "fixture_lists.xlsx", docFor(t, p, Options{Sheet: "Lists", HeaderRow: 3}))
}

// TestXLSXValues pins the canonical values, including the excelize
// number-format rewrite described in xlsxread.go.
func TestXLSXValues(t *testing.T) {
	for _, date1904 := range []bool{false, true} {
		doc := docFor(t, fixturePath(t, date1904), Options{})
		if doc.Error != "" {
			t.Fatal(doc.Error)
		}
		if got := strings.Join(doc.Header, "|"); got != "Email|Phone|Seats|Share|Big|Start|Login|Active|Double|Label" {
			t.Fatalf("header %q", got)
		}
		if len(doc.Rows) != 3 || doc.Rows[0].Number != 2 || doc.Rows[1].Number != 5 || doc.Rows[2].Number != 7 {
			t.Fatalf("rows/numbers: %+v", doc.Rows)
		}
		checkFixtureUsers(t, fmt.Sprintf("date1904=%v", date1904), doc)
	}
}

// fixtureUsers is what the "Users" sheet of writeFixtureXLSX reads as.
var fixtureUsers = [][]string{
	{"ann@example.com", "6589310093", "42", "0.5", "1000000000000000", "2026-03-01", "2026-03-01T09:30:00", "TRUE", "13178620186", "VIP"},
	{"bob@example.com", "merged value", "merged value", "0.125", "1234567", "2026-12-31", "-5.5", "FALSE", "3.5", "2026-07-04"},
	{"  cy@example.com ", "00123", "2026-03-01", "14:15:00", "30:00:00", "12345.678", "=not a formula", "text in a date cell", "-0.0001", "0.3"},
}

func checkFixtureUsers(t *testing.T, label string, doc goldenDoc) {
	t.Helper()
	if doc.Error != "" || len(doc.Rows) != len(fixtureUsers) {
		t.Fatalf("%s: %+v", label, doc)
	}
	for i, row := range fixtureUsers {
		for j, w := range row {
			if got := doc.Rows[i].Cells[j]; got != w {
				t.Errorf("%s: row %d %s: got %q, want %q", label, doc.Rows[i].Number, doc.Header[j], got, w)
			}
		}
	}
}

// testdata/libreoffice.xlsx is the generated fixture opened and saved again
// by LibreOffice Calc 7.4: shared strings, LibreOffice's own styles and
// number format ids, formulas it recalculated. It must read the same.
func TestXLSXLibreOfficeFile(t *testing.T) {
	p := filepath.Join("testdata", "libreoffice.xlsx")
	doc := docFor(t, p, Options{})
	checkFixtureUsers(t, "libreoffice", doc)
	checkGolden(t, "libreoffice.xlsx", doc)
	lists := docFor(t, p, Options{Sheet: "Lists", HeaderRow: 3})
	if len(lists.Rows) != 3 || lists.Rows[2].Cells[1] != "2026-03-01" || lists.Rows[0].Extra[0] != "shared text, date style" {
		t.Errorf("lists: %+v", lists)
	}
}

func TestXLSXSheets(t *testing.T) {
	p := fixturePath(t, false)
	_, err := Open(p, Options{Sheet: "Nope"})
	var ie *InputError
	if !errors.As(err, &ie) || ie.Msg != `no sheet named "Nope"` || ie.Hint != `the workbook has "Users", "Lists", "Hidden"` {
		t.Fatalf("unknown sheet: %v", err)
	}
	r, err := Open(p, Options{Sheet: "lists", HeaderRow: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if Describe(r).Sheet != "Lists" || r.Header()[0] != "License" {
		t.Errorf("case-insensitive sheet: %+v %q", Describe(r), r.Header())
	}
	rows, err := readAll(r)
	if err != nil || len(rows) != 3 || rows[0].Number != 4 || rows[1].Cells[1] != "2" || rows[2].Cells[1] != "2026-03-01" {
		t.Errorf("lists rows: %v %+v", err, rows)
	}
	if len(rows) > 0 && (len(rows[0].Extra) != 1 || rows[0].Extra[0] != "shared text, date style") {
		t.Errorf("extra beyond the header: %q", rows[0].Extra)
	}
	if _, err := Open(p, Options{Sheet: "Lists", HeaderRow: 2}); !errors.As(err, &ie) || ie.Msg != "the header row is blank" || ie.Row != 2 {
		t.Errorf("blank header row: %v", err)
	}
	if _, err := Open(p, Options{Sheet: "Lists", HeaderRow: 40}); !errors.As(err, &ie) || !strings.Contains(ie.Msg, "ends at row 6") {
		t.Errorf("header beyond the end: %v", err)
	}
	if err := r.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// The default sheet is the first visible one.
func TestXLSXFirstVisibleSheet(t *testing.T) {
	f := excelize.NewFile()
	if err := f.SetCellValue("Sheet1", "A1", "notes"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.NewSheet("Data"); err != nil {
		t.Fatal(err)
	}
	if err := f.SetSheetRow("Data", "A1", &[]any{"Email", "Name"}); err != nil {
		t.Fatal(err)
	}
	idx, _ := f.GetSheetIndex("Data")
	f.SetActiveSheet(idx)
	if err := f.SetSheetVisible("Sheet1", false); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "h.xlsx")
	if err := f.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	r, err := Open(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if Describe(r).Sheet != "Data" || len(r.Header()) != 2 {
		t.Errorf("got sheet %q header %q", Describe(r).Sheet, r.Header())
	}
}

func TestXLSXBadFiles(t *testing.T) {
	dir := t.TempDir()
	cases := map[string][]byte{
		"text.xlsx":  []byte("Email,Name\na@example.com,Ann\n"),
		"empty.xlsx": nil,
		"ole.xlsx":   append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 600)...),
	}
	for name, data := range cases {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Open(p, Options{})
		var ie *InputError
		if !errors.As(err, &ie) || ie.File != name || ie.Hint == "" {
			t.Errorf("%s: %v", name, err)
		}
	}
	// A workbook whose only sheet is empty.
	f := excelize.NewFile()
	p := filepath.Join(dir, "blank.xlsx")
	if err := f.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	_, err := Open(p, Options{})
	var ie *InputError
	if !errors.As(err, &ie) || !strings.Contains(ie.Msg, `sheet "Sheet1" is empty`) {
		t.Errorf("empty sheet: %v", err)
	}
}

func TestCodeFlavor(t *testing.T) {
	cases := map[string]byte{
		"General":                     flavorNone,
		"0.00":                        flavorNone,
		"#,##0":                       flavorNone,
		"0.00E+00":                    flavorNone,
		`"$"#,##0.00`:                 flavorNone,
		`0 "days"`:                    flavorNone,
		`[Red]0.00;[Blue]-0.00`:       flavorNone,
		"@":                           flavorNone,
		"yyyy-mm-dd":                  flavorDate,
		"d-mmm-yy":                    flavorDate,
		"mmm":                         flavorDate,
		`[$-409]dddd, mmmm d, yyyy;@`: flavorDate,
		"dd/mm/yyyy hh:mm":            flavorStamp,
		"m/d/yy h:mm AM/PM":           flavorStamp,
		"h:mm":                        flavorTime,
		"hh:mm:ss AM/PM":              flavorTime,
		"mm:ss.0":                     flavorTime,
		"[h]:mm:ss":                   flavorElapsed,
		"[mm]:ss":                     flavorElapsed,
		`yyyy"年"m"月"d"日"`:             flavorDate,
		`e/m/d`:                       flavorDate,
		`\d\a\y 0`:                    flavorNone,
		`_(* #,##0_);_(* (#,##0);_(* "-"_);_(@_)`: flavorNone,
	}
	for code, want := range cases {
		if got := codeFlavor(code); got != want {
			t.Errorf("codeFlavor(%q) = %q, want %q", code, got, want)
		}
	}
}

func TestExcelDateString(t *testing.T) {
	cases := []struct {
		serial float64
		flavor byte
		d1904  bool
		want   string
	}{
		{46082, flavorDate, false, "2026-03-01"},
		{46082.395833333336, flavorStamp, false, "2026-03-01T09:30:00"},
		{46082.395833333336, flavorDate, false, "2026-03-01"},
		{46082, flavorStamp, false, "2026-03-01"},
		{46082.99999999, flavorStamp, false, "2026-03-02"},
		{0.395833333333333, flavorTime, false, "09:30:00"},
		{0.395833333333333, flavorAuto, false, "09:30:00"},
		{46082.5, flavorTime, false, "12:00:00"},
		{1, flavorDate, false, "1900-01-01"},
		{59, flavorDate, false, "1900-02-28"},
		{60, flavorDate, false, "1900-02-29"},
		{61, flavorDate, false, "1900-03-01"},
		{44620, flavorDate, true, "2026-03-01"},
		{1.25, flavorElapsed, false, "30:00:00"},
		{-0.5, flavorElapsed, true, "-12:00:00"},
		{0, flavorDate, true, "1904-01-01"},
		{-1, flavorDate, false, "-1"},
		{2958466, flavorDate, false, "2958466"},
		{2958465, flavorDate, false, "9999-12-31"},
	}
	for _, c := range cases {
		if got := excelDateString(c.serial, c.flavor, c.d1904); got != c.want {
			t.Errorf("excelDateString(%v, %c, %v) = %q, want %q", c.serial, c.flavor, c.d1904, got, c.want)
		}
	}
}

func TestCanonicalNumber(t *testing.T) {
	cases := map[float64]string{
		6589310093: "6589310093", 42: "42", 3.5: "3.5", 1e15: "1000000000000000",
		0.1 + 0.2: "0.3", 1e-7: "0.0000001", -5.25: "-5.25", 1.2345678901234567e20: "123456789012346000000",
	}
	for f, want := range cases {
		if got := canonicalNumber(f); got != want {
			t.Errorf("canonicalNumber(%v) = %q, want %q", f, got, want)
		}
	}
}

// TestCanonicalAlready: the fast path agrees with canonicalNumber.
func TestCanonicalAlready(t *testing.T) {
	for _, s := range []string{"42", "-42", "0", "0.5", "-0.125", "6589310093", "1000000000000000", "0.1000", "1.", "007", "1E+15",
		"0.30000000000000004", "123456789012345", "1234567890123456", "-0", ".5", "46082.395833333336", "12345.678"} {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			continue
		}
		if canonicalAlready(s) && canonicalNumber(f) != s {
			t.Errorf("%q: fast path says canonical, canonicalNumber gives %q", s, canonicalNumber(f))
		}
	}
}
