package sheet

// Regression tests for hostile and unusual inputs, each named after the
// issue item it pins (17.x: reliability under hostile input, 12.x: results
// that keep the input's types, 16.5: streaming). The workbooks are built
// here (they are binary); what the reader makes of them is compared with
// testdata/hostile/*.golden (go test ./internal/sheet -update rewrites).

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// miniParts are the parts of a minimal one-sheet workbook ("Data") around
// sheetXML, as Excel lays them out.
func miniParts(sheetXML string) map[string][]byte {
	return map[string][]byte{
		"[Content_Types].xml": []byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`),
		"_rels/.rels": []byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`),
		"xl/workbook.xml": []byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>`),
		"xl/_rels/workbook.xml.rels": []byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`),
		"xl/worksheets/sheet1.xml": []byte(sheetXML),
	}
}

// sheetRows renders rows 1..n of an Email|Name sheet (header on row 1), with
// row bad replaced by badRow when bad > 0.
func sheetRows(n, bad int, badRow string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n")
	b.WriteString(`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`)
	fmt.Fprintf(&b, `<dimension ref="A1:B%d"/><sheetData>`, n)
	for r := 1; r <= n; r++ {
		if r == bad {
			b.WriteString(badRow)
			continue
		}
		email, name := fmt.Sprintf("user%d@acme.example", r), fmt.Sprintf("User %d", r)
		if r == 1 {
			email, name = "Email", "Name"
		}
		fmt.Fprintf(&b, `<row r="%d"><c r="A%d" t="inlineStr"><is><t>%s</t></is></c><c r="B%d" t="inlineStr"><is><t>%s</t></is></c></row>`,
			r, r, email, r, name)
	}
	b.WriteString(`</sheetData></worksheet>`)
	return b.String()
}

func writeMini(t *testing.T, name, sheetXML string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	writeZip(t, p, miniParts(sheetXML), nil)
	return p
}

// Test17_2BrokenSheetXML: a damaged sheet stops with an error naming the
// file, the sheet and the row, instead of ending early as if the sheet had
// no more rows (today: 2 of 7 rows, no error).
func Test17_2BrokenSheetXML(t *testing.T) {
	full := sheetRows(8, 0, "")
	cut := full[:strings.Index(full, `<row r="5">`)+len(`<row r="5"><c r="A5" t="inlineStr"><is><t>us`)]
	cases := []struct {
		name    string
		xml     string
		wantRow int
	}{
		{"bare_ampersand", sheetRows(8, 4, `<row r="4"><c r="A4" t="inlineStr"><is><t>tom@acme.example</t></is></c><c r="B4" t="inlineStr"><is><t>Tom & Jerry</t></is></c></row>`), 4},
		{"mismatched_tag", sheetRows(8, 4, `<row r="4"><c r="A4" t="inlineStr"><is><t>tom@acme.example</t></is></c><c r="B4" t="inlineStr"><is><t>Tom</t></is></row>`), 4},
		{"cut_short", cut, 5},
		{"unknown_entity", sheetRows(8, 6, `<row r="6"><c r="A6" t="inlineStr"><is><t>a&nbsp;b</t></is></c></row>`), 6},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			name := c.name + ".xlsx"
			p := writeMini(t, name, c.xml)
			doc := docFor(t, p, Options{})
			checkGolden(t, "hostile/"+name, doc)

			r, err := Open(p, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			rows, err := readAll(r)
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("read %d rows and then %v; want an *InputError", len(rows), err)
			}
			if ie.File != name || ie.Sheet != "Data" || ie.Row != c.wantRow {
				t.Errorf("error names file %q sheet %q row %d, want %q \"Data\" %d: %v", ie.File, ie.Sheet, ie.Row, name, c.wantRow, err)
			}
			if len(rows) != c.wantRow-2 {
				t.Errorf("%d rows before the damage, want %d", len(rows), c.wantRow-2)
			}
		})
	}
}

// bombPart is a deflate stream of head, then n copies of unit, then tail,
// built from independently compressed pieces (each ends with a sync flush,
// so they concatenate into one valid stream): a gigabyte costs a megabyte.
func bombPart(t *testing.T, head string, unit []byte, n int, tail string) (data []byte, crc uint32, size uint64) {
	t.Helper()
	piece := func(p []byte, final bool) []byte {
		var b bytes.Buffer
		w, err := flate.NewWriter(&b, flate.BestCompression)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write(p)
		if final {
			_ = w.Close()
		} else {
			_ = w.Flush()
		}
		return b.Bytes()
	}
	u := piece(unit, false)
	data = append(data, piece([]byte(head), false)...)
	crc = crc32.Update(0, crc32.IEEETable, []byte(head))
	for range n {
		data = append(data, u...)
		crc = crc32.Update(crc, crc32.IEEETable, unit)
	}
	data = append(data, piece([]byte(tail), true)...)
	crc = crc32.Update(crc, crc32.IEEETable, []byte(tail))
	return data, crc, uint64(len(head)) + uint64(n)*uint64(len(unit)) + uint64(len(tail))
}

// writeBomb writes the mini workbook with part replaced by a raw deflate
// stream; declared, when not 0, is the size the zip claims for it.
func writeBomb(t *testing.T, path, part string, data []byte, crc uint32, size, declared uint64, extra map[string][]byte) {
	t.Helper()
	parts := miniParts(sheetRows(3, 0, ""))
	for k, v := range extra {
		parts[k] = v
	}
	delete(parts, part)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	names := make([]string, 0, len(parts))
	for n := range parts {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write(parts[n])
	}
	if declared == 0 {
		declared = size
	}
	w, err := zw.CreateRaw(&zip.FileHeader{Name: part, Method: zip.Deflate, CRC32: crc,
		CompressedSize64: uint64(len(data)), UncompressedSize64: declared})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// Test17_9DecompressionBomb: workbooks of about a megabyte that inflate to
// a gigabyte are refused from the zip directory (or cut off as soon as they
// inflate past what they declared), with a typed error, without writing a
// temporary file. Today excelize inflates them whole: gigabytes of memory
// or temporary files, minutes.
func Test17_9DecompressionBomb(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	unit := bytes.Repeat([]byte("A"), 1<<20)
	const gib = 1024 // units of 1 MiB
	sheetHead := `<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Email</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>`
	sheetTail := `</t></is></c></row></sheetData></worksheet>`
	sstHead := `<sst><si><t>`
	sstTail := `</t></si></sst>`
	sst := func(t *testing.T) map[string][]byte {
		return map[string][]byte{"xl/_rels/workbook.xml.rels": []byte(`<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="x/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="x/sharedStrings" Target="sharedStrings.xml"/></Relationships>`)}
	}
	cases := []struct {
		name, part, head, tail string
		declared               uint64
		units                  int
		extra                  func(*testing.T) map[string][]byte
		wantLimit              bool
	}{
		{name: "sheet_bomb.xlsx", part: "xl/worksheets/sheet1.xml", head: sheetHead, tail: sheetTail, wantLimit: true},
		{name: "giant_cell.xlsx", part: "xl/worksheets/sheet1.xml", head: sheetHead, tail: sheetTail, units: 10, wantLimit: true},
		{name: "giant_shared_string.xlsx", part: "xl/sharedStrings.xml", head: sstHead, tail: sstTail, units: 10, extra: sst, wantLimit: true},
		{name: "ratio_bomb.xlsx", part: "xl/worksheets/sheet1.xml", head: sheetHead, tail: sheetTail, units: 300, wantLimit: true},
		{name: "lying_sheet_bomb.xlsx", part: "xl/worksheets/sheet1.xml", head: sheetHead, tail: sheetTail, declared: 8 << 20, wantLimit: true},
		{name: "sst_bomb.xlsx", part: "xl/sharedStrings.xml", head: sstHead, tail: sstTail, extra: sst, wantLimit: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := gib
			if c.units > 0 {
				n = c.units
			}
			data, crc, size := bombPart(t, c.head, unit, n, c.tail)
			p := filepath.Join(t.TempDir(), c.name)
			var extra map[string][]byte
			if c.extra != nil {
				extra = c.extra(t)
			}
			writeBomb(t, p, c.part, data, crc, size, c.declared, extra)
			if st, _ := os.Stat(p); st.Size() > 5<<20 {
				t.Fatalf("test bomb is %d bytes", st.Size())
			}
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			r, err := Open(p, Options{})
			if err == nil {
				_, err = readAll(r)
				_ = r.Close()
			}
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			var ie *InputError
			if !errors.As(err, &ie) || ie.File != c.name {
				t.Fatalf("got %v, want an *InputError naming %s", err, c.name)
			}
			var le *LimitError
			if c.wantLimit && !errors.As(err, &le) {
				t.Errorf("got %v, want a *LimitError inside", err)
			}
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 256<<20 {
				t.Errorf("allocated %d MiB reading a bomb", grew>>20)
			}
			checkGolden(t, "hostile/"+c.name, goldenDoc{Error: err.Error()})
		})
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

// Test17_9TempFilesOnEveryPath: reading never leaves a temporary file, on
// success, on a read error and when the reader is closed early.
func Test17_9TempFilesOnEveryPath(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	ok := writeMini(t, "ok.xlsx", sheetRows(50, 0, ""))
	bad := writeMini(t, "bad.xlsx", sheetRows(50, 10, `<row r="10"><c>&</c></row>`))
	for _, p := range []string{ok, bad} {
		r, err := Open(p, Options{})
		if err != nil {
			t.Fatal(err)
		}
		_, _ = readAll(r)
		_ = r.Close()
		r, err = Open(p, Options{})
		if err != nil {
			t.Fatal(err)
		}
		_, _ = r.Next()
		_ = r.Close()
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

// Test17_3HiddenRows: rows hidden by hand or by a filter come back with
// Hidden set, and hidden columns are listed, so a job can include, skip or
// refuse them (today they are processed, deletes included, without a word).
func Test17_3HiddenRows(t *testing.T) {
	p := filepath.Join(t.TempDir(), "hidden_rows.xlsx")
	f := excelize.NewFile()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.SetSheetName("Sheet1", "Users"))
	must(f.SetSheetRow("Users", "A1", &[]any{"Email", "Action", "Note"}))
	for i := 2; i <= 7; i++ {
		must(f.SetSheetRow("Users", fmt.Sprintf("A%d", i), &[]any{fmt.Sprintf("u%d@acme.example", i), "delete", "n"}))
	}
	must(f.AutoFilter("Users", "A1:C7", []excelize.AutoFilterOptions{{Column: "B", Expression: "x == keep"}}))
	must(f.SetRowVisible("Users", 3, false)) // hidden by hand
	must(f.SetRowVisible("Users", 6, false)) // filtered out: Excel hides them the same way
	must(f.SetColVisible("Users", "C", false))
	must(f.SaveAs(p))
	must(f.Close())

	checkGolden(t, "hostile/hidden_rows.xlsx", docFor(t, p, Options{}))
	r, err := Open(p, Options{})
	must(err)
	defer r.Close()
	rows, err := readAll(r)
	must(err)
	var hidden []int
	for _, row := range rows {
		if row.Hidden {
			hidden = append(hidden, row.Number)
		}
	}
	if !slices.Equal(hidden, []int{3, 6}) || len(rows) != 6 {
		t.Errorf("hidden rows %v of %d, want [3 6] of 6", hidden, len(rows))
	}
	if got := HiddenColumns(r); !slices.Equal(got, []int{2}) {
		t.Errorf("hidden columns %v, want [2] (Note)", got)
	}
}

// Test17_11MergedCells: a group cell merged over several rows gives its
// value to every row of the range (today only the first row has it), and
// the filled ranges are reported.
func Test17_11MergedCells(t *testing.T) {
	p := filepath.Join(t.TempDir(), "merged_cells.xlsx")
	f := excelize.NewFile()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.SetSheetRow("Sheet1", "A1", &[]any{"Email", "Group", "Dept", "Title"}))
	for i := 2; i <= 7; i++ {
		must(f.SetCellValue("Sheet1", fmt.Sprintf("A%d", i), fmt.Sprintf("u%d@acme.example", i)))
	}
	must(f.SetCellValue("Sheet1", "B2", "Sales"))
	must(f.MergeCell("Sheet1", "B2", "B4"))
	must(f.SetCellValue("Sheet1", "B5", "Ops"))
	must(f.SetCellValue("Sheet1", "C6", "Finance"))
	must(f.MergeCell("Sheet1", "C6", "D7")) // a block: two rows, two columns
	must(f.SaveAs(p))
	must(f.Close())

	checkGolden(t, "hostile/merged_cells.xlsx", docFor(t, p, Options{}))
	r, err := Open(p, Options{})
	must(err)
	defer r.Close()
	rows, err := readAll(r)
	must(err)
	want := [][]string{
		{"u2@acme.example", "Sales", "", ""},
		{"u3@acme.example", "Sales", "", ""},
		{"u4@acme.example", "Sales", "", ""},
		{"u5@acme.example", "Ops", "", ""},
		{"u6@acme.example", "", "Finance", "Finance"},
		{"u7@acme.example", "", "Finance", "Finance"},
	}
	for i, w := range want {
		if i >= len(rows) || !slices.Equal(rows[i].Cells, w) {
			t.Errorf("row %d: got %v, want %v", i+2, rows[i].Cells, w)
		}
	}
	got := Merges(r)
	if len(got) != 2 || got[0] != (MergedRange{Ref: "B2:B4", Value: "Sales"}) || got[1] != (MergedRange{Ref: "C6:D7", Value: "Finance"}) {
		t.Errorf("merges %+v", got)
	}
}

// Test17_12CommentRows: rows whose first cell starts with "#" are returned
// (today they are dropped by the job layer without a trace); only
// conventional comments and the template's example markers are flagged
// Comment, so "#ops@acme.example" is data.
func Test17_12CommentRows(t *testing.T) {
	csv := "Email,Name\r\n#jane.doe@acme.example,Jane\r\n#ops@acme.example,Ops\r\n# a note,\r\n##,x\r\n#,y\r\nreal@acme.example,Real\r\n"
	r, err := NewCSVReader(strings.NewReader(csv), "comments.csv", Options{ExampleMarkers: []string{"#jane.doe@acme.example", "#li.wei@acme.example"}})
	if err != nil {
		t.Fatal(err)
	}
	var comments, data []int
	for row, err := range All(r) {
		if err != nil {
			t.Fatal(err)
		}
		if row.Comment {
			comments = append(comments, row.Number)
		} else {
			data = append(data, row.Number)
		}
	}
	if !slices.Equal(comments, []int{2, 4, 5, 6}) || !slices.Equal(data, []int{3, 7}) {
		t.Errorf("comments %v, data %v; want [2 4 5 6] and [3 7]", comments, data)
	}
	for _, c := range []struct {
		first string
		want  bool
	}{{"#", true}, {" # x", true}, {"#\tx", true}, {"##", true}, {"#ops@acme.example", false}, {"a#b", false}, {"", false}, {" #JANE.doe@acme.example ", true}} {
		if got := IsComment(c.first, []string{"#jane.doe@acme.example"}); got != c.want {
			t.Errorf("IsComment(%q) = %v", c.first, got)
		}
	}
}

// Test17_10ManyColumns: absurd widths are refused at read time with a
// clear, typed error; writing a 10,000-column table sets widths in linear
// time (today one <col> per column, merged in quadratic time: 447 s).
func Test17_10ManyColumns(t *testing.T) {
	header := make([]string, 1500)
	for i := range header {
		header[i] = fmt.Sprintf("C%d", i+1)
	}
	wide := strings.Join(header, ",") + "\r\n" + strings.Repeat("x,", 1499) + "x\r\n"
	_, err := NewCSVReader(strings.NewReader(wide), "wide.csv", Options{})
	var ie *InputError
	var le *LimitError
	if !errors.As(err, &ie) || !errors.As(err, &le) || le.Got != 1500 || le.Limit != DefaultMaxColumns || ie.Row != 1 {
		t.Fatalf("1500 columns: %v", err)
	}
	checkGolden(t, "hostile/wide_header.csv", goldenDoc{Error: err.Error()})
	if r, err := NewCSVReader(strings.NewReader(wide), "wide.csv", Options{MaxColumns: 2000}); err != nil {
		t.Errorf("MaxColumns 2000: %v", err)
	} else if _, err := readAll(r); err != nil {
		t.Errorf("MaxColumns 2000: %v", err)
	}
	// A narrow header over a row of 5,000 filled cells.
	ragged := "Email,Name\r\na@acme.example," + strings.Repeat("x,", 4999) + "x\r\n"
	r, err := NewCSVReader(strings.NewReader(ragged), "ragged.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := readAll(r); !errors.As(err, &le) || !errors.As(err, &ie) || ie.Row != 2 {
		t.Errorf("5000 filled cells: %v", err)
	}
	// XLSX with 1500 header cells.
	var b strings.Builder
	b.WriteString(`<worksheet><sheetData><row r="1">`)
	for i := range 1500 {
		ref, _ := excelize.CoordinatesToCellName(i+1, 1)
		fmt.Fprintf(&b, `<c r="%s" t="inlineStr"><is><t>C%d</t></is></c>`, ref, i)
	}
	b.WriteString(`</row></sheetData></worksheet>`)
	if _, err := Open(writeMini(t, "wide.xlsx", b.String()), Options{}); !errors.As(err, &le) {
		t.Errorf("xlsx 1500 columns: %v", err)
	}

	// Writing 10,000 columns.
	const n = 10000
	cols := make([]Column, n)
	row := make([]Cell, n)
	for i := range cols {
		cols[i] = Column{Header: fmt.Sprintf("Column %d", i+1)}
		row[i] = TextCell(strings.Repeat("v", i%40))
	}
	p := filepath.Join(t.TempDir(), "wide.xlsx")
	wb := NewWorkbook()
	tw, err := wb.AddTable(Table{Name: "Wide", Columns: cols})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := tw.WriteRow(row, Plain); err != nil {
			t.Fatal(err)
		}
	}
	if err := wb.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	sheetXML := string(readZip(t, p)["xl/worksheets/sheet1.xml"])
	if got := strings.Count(sheetXML, "<col "); got > maxSizedColumns {
		t.Errorf("%d <col> elements for %d columns; at most %d expected", got, n, maxSizedColumns)
	}
	r2, err := Open(p, Options{MaxColumns: n})
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	rows, err := readAll(r2)
	if err != nil || len(r2.Header()) != n || len(rows) != 3 || rows[0].Cells[n-1] != row[n-1].S {
		t.Errorf("read back: %d columns, %d rows, %v", len(r2.Header()), len(rows), err)
	}
}

// Test12_5TypedCells: the reader keeps each cell's type and number format,
// and the workbook writer puts them back, so a results workbook shows an
// Employee ID as a number and a Start Date as a date (today both become
// text).
func Test12_5TypedCells(t *testing.T) {
	src := fixturePath(t, false)
	r, err := Open(src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	header := r.Header()
	rows, err := readAll(r)
	_ = r.Close()
	if err != nil {
		t.Fatal(err)
	}
	first := rows[0]
	kinds := []Kind{Text, Number, Number, Number, Number, Date, DateTime, Bool, Number, Text}
	for i, k := range kinds {
		if got := first.Value(i).Kind; got != k {
			t.Errorf("%s: kind %d, want %d", header[i], got, k)
		}
	}
	if v := first.Value(1); v.N != 6589310093 {
		t.Errorf("Phone %+v", v)
	}
	if v := first.Value(5); !v.T.Equal(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)) || v.Format != "yyyy-mm-dd" {
		t.Errorf("Start %+v", v)
	}
	if v := first.Value(6); !v.T.Equal(time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)) || v.Format != "dd/mm/yyyy hh:mm" {
		t.Errorf("Login %+v", v)
	}
	if v := rows[1].Value(3); v.Kind != Number || v.Format != "0.00%" {
		t.Errorf("Share (percent) %+v", v)
	}

	// Write every cell back typed, then check with excelize what Excel sees.
	out := filepath.Join(t.TempDir(), "results.xlsx")
	wb := NewWorkbook()
	cols := make([]Column, len(header))
	for i, h := range header {
		cols[i] = Column{Header: h}
	}
	tw, err := wb.AddTable(Table{Name: "Results", Columns: cols})
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range rows {
		cells := make([]Cell, len(header))
		for i := range cells {
			cells[i] = row.Value(i)
		}
		if err := tw.WriteRow(cells, Plain); err != nil {
			t.Fatal(err)
		}
	}
	if err := wb.SaveAs(out); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, c := range []struct {
		cell, raw, format string
	}{
		{"B2", "6589310093", ""},
		{"F2", "46082", "yyyy-mm-dd"},
		{"G2", "46082.39583333", "dd/mm/yyyy hh:mm"}, // 09:30, to the precision Excel keeps
		{"D3", "0.125", "0.00%"},
		{"F3", "46387", "mm-dd-yy"}, // built-in 14, the locale's short date
	} {
		raw, err := f.GetCellValue("Results", c.cell, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		typ, _ := f.GetCellType("Results", c.cell)
		if typ == excelize.CellTypeInlineString || typ == excelize.CellTypeSharedString {
			t.Errorf("%s written as text", c.cell)
		}
		if !strings.HasPrefix(raw, c.raw) {
			t.Errorf("%s = %q, want %q", c.cell, raw, c.raw)
		}
		if c.format == "" {
			continue
		}
		id, _ := f.GetCellStyle("Results", c.cell)
		st, err := f.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		got := builtinFormats[st.NumFmt]
		if st.CustomNumFmt != nil {
			got = *st.CustomNumFmt
		}
		if got != c.format {
			t.Errorf("%s format %q, want %q", c.cell, got, c.format)
		}
	}
	// And our reader reads the written workbook as it read the source.
	r, err = Open(out, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	again, err := readAll(r)
	if err != nil || len(again) != len(rows) {
		t.Fatalf("%d rows, %v", len(again), err)
	}
	for i := range rows {
		for j := range header {
			a, b := rows[i].Value(j), again[i].Value(j)
			if rows[i].Cells[j] != again[i].Cells[j] || a.Kind != b.Kind || a.Format != b.Format {
				t.Errorf("row %d %s: %q %+v became %q %+v", rows[i].Number, header[j], rows[i].Cells[j], a, again[i].Cells[j], b)
			}
		}
	}
}

// Test12_6FormulaGuardRoundTrip: the CSV writer guards only what a
// spreadsheet would evaluate (a Zoom ID starting with "-" is written as it
// is; today it gets an apostrophe), and the reader strips the guard the
// tool added, including in files written before the rule narrowed.
func Test12_6FormulaGuardRoundTrip(t *testing.T) {
	values := []string{"-gbbm4KGTsSvL5zmELDJdw", "-5", "=1+1", "+1 555 0100", "-2+3", "@SUM(A1)", "'-quoted", "plain", "-A1"}
	var b bytes.Buffer
	w, err := NewCSVWriter(&b, []Column{{Header: "ID"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range values {
		if err := w.WriteRow([]Cell{TextCell(v)}, Plain); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(strings.TrimPrefix(b.String(), "\uFEFF"), "\r\n"), "\r\n")[1:]
	wantRaw := []string{"-gbbm4KGTsSvL5zmELDJdw", "-5", "'=1+1", "'+1 555 0100", "'-2+3", "'@SUM(A1)", "''-quoted", "plain", "'-A1"}
	if !slices.Equal(lines, wantRaw) {
		t.Errorf("written %q\nwant    %q", lines, wantRaw)
	}
	// An export written before (with the ID guarded), edited and fed back.
	old := "\uFEFFID\r\n" + b.String()[len("\uFEFFID\r\n"):] + "'-gbbm4KGTsSvL5zmELDJdw\r\n"
	r, err := NewCSVReader(strings.NewReader(old), "export.csv", Options{UnescapeFormulas: true})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for row, err := range All(r) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, row.Cells[0])
	}
	if want := append(slices.Clone(values), "-gbbm4KGTsSvL5zmELDJdw"); !slices.Equal(got, want) {
		t.Errorf("read back %q\nwant       %q", got, want)
	}
}

// Test16_5Streaming: reading keeps memory flat in the row count (the heap
// after 20,000 rows and after 200,000 rows is about the same), and All
// stops when the loop breaks.
func Test16_5Streaming(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 200,000-row file")
	}
	p := filepath.Join(t.TempDir(), "big.csv")
	var b bytes.Buffer
	b.WriteString("Email,First Name,Last Name,Department\r\n")
	for i := range 200_000 {
		fmt.Fprintf(&b, "user%06d@acme.example,First%d,Last%d,Dept %d\r\n", i, i, i, i%40)
	}
	if err := os.WriteFile(p, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	b = bytes.Buffer{}
	r, err := Open(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	var at20k uint64
	n := 0
	for _, err := range All(r) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if n == 20_000 {
			at20k = heap()
		}
	}
	end := heap()
	if n != 200_000 {
		t.Fatalf("%d rows", n)
	}
	if end > at20k+8<<20 {
		t.Errorf("heap grew from %d KiB at 20,000 rows to %d KiB at 200,000", at20k>>10, end>>10)
	}
	r2, err := Open(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	for row := range All(r2) {
		if row.Number != 2 {
			t.Fatalf("first row %d", row.Number)
		}
		break
	}
	if row, err := r2.Next(); err != nil || row.Number != 3 {
		t.Errorf("after break: row %d, %v", row.Number, err)
	}
}

var _ = io.EOF
