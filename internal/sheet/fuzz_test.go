package sheet

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzCSVReader: any bytes in, never a panic; every row has exactly
// len(Header()) cells, valid UTF-8, increasing row numbers; errors are
// *InputError and end the stream.
func FuzzCSVReader(f *testing.F) {
	for _, path := range csvCorpus(f) {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		"", "\n", "\"", "a,\"", "a\r", "\xef\xbb\xbf", "\xff\xfe", "\xfe\xff\x00", "\xff\xfeA\x00\n\x00",
		"a;b\tc,d\n1;2\t3,4\n", "h\n\"\"\"\n", "h\n\"a\"b\"c\n", "h1,h2\n\"x\"\"\ny\",z\n",
		"E\x00m\x00a\x00i\x00l\x00,\x00N\x00\r\x00\n\x00", "x,\x80\x81\x8d\x8f\x90\x9d\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, opts := range []Options{{}, {HeaderRow: 2, UnescapeFormulas: true}} {
			checkCSVStream(t, data, opts)
		}
		if s := string(data); UnescapeFormula(EscapeFormula(s)) != s {
			t.Fatalf("escape round trip broke %q", s)
		}
	})
}

func checkCSVStream(t *testing.T, data []byte, opts Options) {
	t.Helper()
	r, err := NewCSVReader(bytes.NewReader(data), "fuzz.csv", opts)
	if err != nil {
		var ie *InputError
		if !errors.As(err, &ie) {
			t.Fatalf("open: %v is not an *InputError", err)
		}
		return
	}
	defer r.Close()
	h := r.Header()
	if h == nil {
		t.Fatal("nil header")
	}
	for _, c := range h {
		if !utf8.ValidString(c) {
			t.Fatalf("header %q is not UTF-8", c)
		}
	}
	last := 0
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("next: %v is not an *InputError", err)
			}
			if _, err := r.Next(); !errors.Is(err, io.EOF) {
				t.Fatalf("after an error: %v", err)
			}
			return
		}
		if len(row.Cells) != len(h) {
			t.Fatalf("row %d: %d cells, header %d", row.Number, len(row.Cells), len(h))
		}
		if row.Number <= last {
			t.Fatalf("row numbers not increasing: %d after %d", row.Number, last)
		}
		last = row.Number
		if allBlank(row.Cells) && len(row.Extra) == 0 {
			t.Fatalf("blank row %d returned", row.Number)
		}
		for _, c := range append(row.Cells, row.Extra...) {
			if !utf8.ValidString(c) {
				t.Fatalf("row %d: %q is not UTF-8", row.Number, c)
			}
		}
		for _, e := range row.Extra {
			if isBlank(e) {
				t.Fatalf("row %d: blank extra", row.Number)
			}
		}
	}
}

// FuzzCSVRoundTrip: what our CSV writer writes, our reader reads back
// (line breaks inside a value come back as LF).
func FuzzCSVRoundTrip(f *testing.F) {
	for _, s := range append(formulaLikes, "", "a,b", `"q"`, " pad ", "x\r\ny", "x\ry", "José", "'=x", "\n") {
		f.Add(s, "v")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if !utf8.ValidString(a) || !utf8.ValidString(b) || strings.ContainsRune(a+b, 0) {
			t.Skip()
		}
		var buf bytes.Buffer
		w, err := NewCSVWriter(&buf, []Column{{Header: "A"}, {Header: "B"}})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.WriteRow([]Cell{TextCell("x" + a), TextCell(b)}, Plain); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		r, err := NewCSVReader(&buf, "rt.csv", Options{UnescapeFormulas: true})
		if err != nil {
			t.Fatalf("%q: %v", buf.String(), err)
		}
		rows, err := readAll(r)
		if err != nil || len(rows) != 1 {
			t.Fatalf("%q: %v %+v", buf.String(), err, rows)
		}
		norm := func(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }
		if rows[0].Cells[0] != norm("x"+a) || rows[0].Cells[1] != norm(b) {
			t.Fatalf("wrote %q %q, read %q", a, b, rows[0].Cells)
		}
	})
}

// FuzzXLSXReader: any bytes as an .xlsx never panic and every row has
// len(Header()) cells.
func FuzzXLSXReader(f *testing.F) {
	dir := f.TempDir()
	fixture := filepath.Join(dir, "fixture.xlsx")
	writeFixtureXLSX(f, fixture, false)
	data, err := os.ReadFile(fixture)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add(data[:len(data)/2])
	if lo, err := os.ReadFile(filepath.Join("testdata", "libreoffice.xlsx")); err == nil {
		f.Add(lo)
	}
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "fuzz.xlsx")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		r, err := Open(p, Options{})
		if err != nil {
			return
		}
		defer r.Close()
		h := r.Header()
		for {
			row, err := r.Next()
			if err != nil {
				return
			}
			if len(row.Cells) != len(h) {
				t.Fatalf("row %d: %d cells, header %d", row.Number, len(row.Cells), len(h))
			}
		}
	})
}

// FuzzXLSXParts keeps the zip valid and fuzzes the parts our reader leans
// on: the first sheet's XML, the styles (number formats) and the shared
// strings. Never a panic; every row has len(Header()) cells.
func FuzzXLSXParts(f *testing.F) {
	fixture := filepath.Join(f.TempDir(), "fixture.xlsx")
	writeFixtureXLSX(f, fixture, false)
	parts := readZip(f, fixture)
	const sheetPart, stylesPart, sstPart = "xl/worksheets/sheet1.xml", "xl/styles.xml", "xl/sharedStrings.xml"
	f.Add(parts[sheetPart], parts[stylesPart], parts[sstPart])
	f.Add([]byte(`<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="C1" s="3"><v>46082.5</v></c></row><row r="3"><c r="B3" t="s"><v>99</v></c><c r="XFD3" t="b"><v>1</v></c></row></sheetData></worksheet>`),
		[]byte(`<styleSheet><numFmts count="1"><numFmt numFmtId="164" formatCode="[h]:mm;@"/></numFmts><cellXfs count="4"><xf/><xf numFmtId="164"/><xf numFmtId="14"/><xf numFmtId="999"/></cellXfs></styleSheet>`),
		[]byte(`<sst><si><t>Email</t></si><si><r><t>rich</t></r></si></sst>`))
	f.Add([]byte(`<worksheet><sheetData><row r="1048577"><c r="A1"><v>1</v></c></row></sheetData></worksheet>`), []byte{}, []byte{})
	f.Fuzz(func(t *testing.T, sheet, styles, sst []byte) {
		p := filepath.Join(t.TempDir(), "fuzz.xlsx")
		writeZip(t, p, parts, map[string][]byte{sheetPart: sheet, stylesPart: styles, sstPart: sst})
		r, err := Open(p, Options{})
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Logf("not an InputError: %v", err)
			}
			return
		}
		defer r.Close()
		h := r.Header()
		for {
			row, err := r.Next()
			if err != nil {
				return
			}
			if len(row.Cells) != len(h) {
				t.Fatalf("row %d: %d cells, header %d", row.Number, len(row.Cells), len(h))
			}
		}
	})
}

func readZip(t testing.TB, path string) map[string][]byte {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	parts := map[string][]byte{}
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		_ = rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		parts[zf.Name] = b
	}
	return parts
}

func writeZip(t testing.TB, path string, parts, replace map[string][]byte) {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	names := make([]string, 0, len(parts))
	for name := range parts {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		body := parts[name]
		if r, ok := replace[name]; ok {
			body = r
		}
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(body); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// FuzzXLSXRoundTrip: a text cell written by Workbook reads back unchanged
// (characters XML cannot hold come back as U+FFFD) and is never a formula.
func FuzzXLSXRoundTrip(f *testing.F) {
	for _, s := range append(formulaLikes, "_x0041_", " pad ", "a\r\nb", "José", "00123", "1e5", "TRUE", "\x01bell", "\uE000D46082", "\uFFFFD46082") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) || utf8.RuneCountInString(s) > 30000 || isBlank(s) {
			t.Skip()
		}
		wb := NewWorkbook()
		tw, err := wb.AddTable(Table{Name: "T", Columns: []Column{{Header: "Key"}, {Header: "Value"}}})
		if err != nil {
			t.Fatal(err)
		}
		if err := tw.WriteRow([]Cell{TextCell("k"), TextCell(s)}, Plain); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(t.TempDir(), "rt.xlsx")
		if err := wb.SaveAs(p); err != nil {
			t.Fatal(err)
		}
		r, err := Open(p, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		rows, err := readAll(r)
		if err != nil || len(rows) != 1 {
			t.Fatalf("%v %+v", err, rows)
		}
		want := strings.Map(func(r rune) rune {
			if r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || r >= 0x10000 {
				return r
			}
			return '\uFFFD'
		}, s)
		if got := rows[0].Cells[1]; got != want {
			t.Fatalf("wrote %q, read %q", s, got)
		}
	})
}
