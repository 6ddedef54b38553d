package sheet

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// corpusOptions are the options some corpus files are read with.
var corpusOptions = map[string]Options{
	"header_row3.csv":     {HeaderRow: 3},
	"formula_escaped.csv": {UnescapeFormulas: true},
}

// csvCorpus lists the text inputs under testdata.
func csvCorpus(t testing.TB) []string {
	t.Helper()
	var files []string
	for _, pat := range []string{"*.csv", "*.tsv", "*.txt"} {
		m, err := filepath.Glob(filepath.Join("testdata", pat))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < 20 {
		t.Fatalf("corpus too small: %v", files)
	}
	return files
}

func TestCSVCorpusGolden(t *testing.T) {
	for _, path := range csvCorpus(t) {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			doc := docFor(t, path, corpusOptions[name])
			for _, row := range doc.Rows {
				if len(row.Cells) != len(doc.Header) {
					t.Errorf("row %d has %d cells, header %d", row.Number, len(row.Cells), len(doc.Header))
				}
			}
			checkGolden(t, name, doc)
		})
	}
}

// TestCSVCorpusFacts spells out the key facts the golden files hold, so a
// careless -update cannot hide a regression.
func TestCSVCorpusFacts(t *testing.T) {
	read := func(name string, opts Options) goldenDoc {
		return docFor(t, filepath.Join("testdata", name), opts)
	}
	cell := func(doc goldenDoc, row, col int) string {
		t.Helper()
		if row >= len(doc.Rows) || col >= len(doc.Rows[row].Cells) {
			t.Fatalf("no cell %d,%d in %+v", row, col, doc)
		}
		return doc.Rows[row].Cells[col]
	}

	if d := read("empty.csv", Options{}); !strings.Contains(d.Error, "empty.csv: the file is empty (") {
		t.Errorf("empty: %q", d.Error)
	}
	if d := read("header_only.csv", Options{}); d.Error != "" || len(d.Rows) != 0 || len(d.Header) != 3 {
		t.Errorf("header only: %+v", d)
	}
	d := read("utf8_bom.csv", Options{})
	if d.Header[0] != "Email" || cell(d, 0, 1) != "José" || d.Format.Encoding != encUTF8BOM {
		t.Errorf("utf-8 bom: %+v", d)
	}
	d = read("utf16le_bom.txt", Options{})
	if d.Header[0] != "Email" || cell(d, 0, 1) != "Zoë" || cell(d, 0, 2) != "Müller" || cell(d, 1, 1) != "김" || d.Format.Delimiter != "\t" {
		t.Errorf("utf-16: %+v", d)
	}
	d = read("cp1252.csv", Options{})
	if cell(d, 0, 1) != "José" || cell(d, 1, 1) != "Zoë" || cell(d, 1, 2) != "Müller" || d.Format.Encoding != encCP1252 || d.Format.Delimiter != ";" {
		t.Errorf("cp1252: %+v", d)
	}
	if got := cell(d, 0, 3); got != "“quoted” – dash €5" {
		t.Errorf("cp1252 punctuation: %q", got)
	}
	d = read("semicolon.csv", Options{})
	if cell(d, 0, 2) != "1,5" || cell(d, 1, 1) != "Smith; Ann" {
		t.Errorf("semicolon: %+v", d)
	}
	d = read("tab.tsv", Options{})
	if d.Format.Delimiter != "\t" || cell(d, 0, 1) != "Smith, Ann" {
		t.Errorf("tsv: %+v", d)
	}
	d = read("ragged.csv", Options{})
	if cell(d, 0, 2) != "" || len(d.Rows[0].Extra) != 0 {
		t.Errorf("short row: %+v", d.Rows[0])
	}
	if got := d.Rows[1].Extra; len(got) != 2 || got[0] != "extra1" || got[1] != "extra2" {
		t.Errorf("long row extra: %q", got)
	}
	if d.Rows[2].Extra != nil {
		t.Errorf("blank extras must be nil: %q", d.Rows[2].Extra)
	}
	d = read("duplicate_headers.csv", Options{})
	if strings.Join(d.Header, "|") != "Email|Name|Name| Email " {
		t.Errorf("duplicate headers: %q", d.Header)
	}
	d = read("blank_lines.csv", Options{})
	if len(d.Rows) != 2 || d.Rows[0].Number != 3 || d.Rows[1].Number != 8 {
		t.Errorf("blank lines: %+v", d.Rows)
	}
	d = read("quoted_newlines.csv", Options{})
	if cell(d, 0, 1) != "1 Main St\nSpringfield" || cell(d, 0, 2) != `say "hi", ok` || d.Rows[1].Number != 4 || cell(d, 1, 1) != "multi\nline\nvalue" {
		t.Errorf("quoted newlines: %+v", d.Rows)
	}
	d = read("stray_quotes.csv", Options{})
	if cell(d, 0, 1) != `Ann "The Boss" Lee` || cell(d, 0, 2) != `5" screen` || cell(d, 1, 1) != "Bob Brown" || cell(d, 1, 2) != `He said "yes"` {
		t.Errorf("stray quotes: %+v", d.Rows)
	}
	d = read("unclosed_quote.csv", Options{})
	if d.Error != `unclosed_quote.csv: row 3, column "Name": a quoted value is never closed: the quote that opens here runs to the end of the file (remove the stray " or add the closing quote)` || len(d.Rows) != 1 {
		t.Errorf("unclosed quote: %+v", d)
	}
	d = read("header_row3.csv", Options{HeaderRow: 3})
	if d.Header[0] != "Email" || d.Rows[0].Number != 4 {
		t.Errorf("header row 3: %+v", d)
	}
	if d := read("blank_header.csv", Options{}); !strings.Contains(d.Error, "row 1: the header row is blank") {
		t.Errorf("blank header: %q", d.Error)
	}
	d = read("lone_cr.csv", Options{})
	if len(d.Rows) != 2 || d.Rows[1].Number != 3 || cell(d, 1, 1) != "B" {
		t.Errorf("lone CR: %+v", d)
	}
	d = read("formula_escaped.csv", Options{UnescapeFormulas: true})
	if cell(d, 0, 1) != "+1 555 0100" || cell(d, 0, 2) != `=HYPERLINK("http://x")` || cell(d, 1, 1) != "-5" || cell(d, 2, 1) != "'plain" || cell(d, 2, 2) != "'=double" {
		t.Errorf("unescape: %+v", d.Rows)
	}
	d = read("trailing_blank_headers.csv", Options{})
	if len(d.Header) != 2 || d.Rows[1].Extra[0] != "late" {
		t.Errorf("trailing blank headers: %+v", d)
	}
	d = read("whitespace_cells.csv", Options{})
	if d.Header[0] != " Email " || cell(d, 0, 0) != "  a@example.com  " {
		t.Errorf("cells must not be trimmed: %+v", d)
	}
}

func TestCSVBigCell(t *testing.T) {
	big := strings.Repeat("x", 1<<20)
	quoted := strings.Repeat("a,\"b\"\n", 1<<18)
	in := "Email,Note,Quoted\r\na@example.com," + big + ",\"" + strings.ReplaceAll(quoted, `"`, `""`) + "\"\r\nb@example.com,short,x\r\n"
	r, err := NewCSVReader(strings.NewReader(in), "big.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := readAll(r)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Cells[1] != big || rows[0].Cells[2] != quoted {
		t.Fatalf("big cells mangled: %d rows", len(rows))
	}
	if rows[1].Number != 3+(1<<18) {
		t.Errorf("row after a multi-line cell: number %d", rows[1].Number)
	}
}

// TestCSVLateInvalidUTF8: the first 64 KiB are valid UTF-8, a Windows-1252
// byte comes later; it is read as Windows-1252, not dropped or replaced.
func TestCSVLateInvalidUTF8(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("Email,Name\n")
	for b.Len() < 2*sniffSize {
		b.WriteString("someone@example.com,Zoë\n")
	}
	b.WriteString("jose@example.com,Jos\xe9\n")
	b.WriteString("ann@example.com,Ann ✓\n")
	r, err := NewCSVReader(&b, "late.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := readAll(r)
	if err != nil {
		t.Fatal(err)
	}
	n := len(rows)
	if got := rows[n-2].Cells[1]; got != "José" {
		t.Errorf("late cp1252 byte: %q", got)
	}
	if got := rows[n-1].Cells[1]; got != "Ann ✓" {
		t.Errorf("utf-8 after the cp1252 byte: %q", got)
	}
	if got := rows[0].Cells[1]; got != "Zoë" {
		t.Errorf("utf-8: %q", got)
	}
	if got := Describe(r).Encoding; got != "utf-8+windows-1252" {
		t.Errorf("encoding %q", got)
	}
}

// A multi-byte rune split across the 4 KiB transform buffer and the sniff
// window must survive.
func TestCSVRuneAcrossBuffers(t *testing.T) {
	var b strings.Builder
	b.WriteString("Name\n")
	for i := 0; b.Len() < 3*sniffSize; i++ {
		b.WriteString(strings.Repeat("é", i%7+1) + "😀\n")
	}
	r, err := NewCSVReader(strings.NewReader(b.String()), "runes.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := readAll(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range rows {
		if !utf8.ValidString(row.Cells[0]) || !strings.HasSuffix(row.Cells[0], "😀") || strings.ContainsRune(row.Cells[0], utf8.RuneError) {
			t.Fatalf("row %d: %q", row.Number, row.Cells[0])
		}
	}
	if Describe(r).Encoding != encUTF8 {
		t.Errorf("encoding %q", Describe(r).Encoding)
	}
}

func TestCSVUTF16NoBOM(t *testing.T) {
	in := []byte{}
	for _, r := range "Email,Name\r\nzoe@example.com,Zoë\r\n" {
		in = append(in, byte(r), byte(r>>8))
	}
	r, err := NewCSVReader(bytes.NewReader(in), "u16.csv", Options{})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := readAll(r)
	if err != nil || len(rows) != 1 || rows[0].Cells[1] != "Zoë" || r.Header()[0] != "Email" {
		t.Fatalf("%v %+v %q", err, rows, r.Header())
	}
}

func TestCSVRecordTooBig(t *testing.T) {
	in := "Email,Note\na@example.com,\"" + strings.Repeat("x", 5000) + "\nb@example.com,ok\n"
	cr, err := newCSVReader(strings.NewReader(in), "huge.csv", Options{}, false)
	if err != nil {
		t.Fatal(err)
	}
	cr.p.max = 1000
	_, err = cr.Next()
	var ie *InputError
	if !errors.As(err, &ie) || ie.Row != 2 || !strings.Contains(ie.Msg, "larger than") {
		t.Fatalf("want a too-big error on row 2, got %v", err)
	}
	if _, err := cr.Next(); !errors.Is(err, io.EOF) {
		t.Errorf("after an error Next returns io.EOF, got %v", err)
	}
}

func TestCSVHeaderRowOptions(t *testing.T) {
	in := "title\n\nEmail,Name\na@example.com,Ann\n"
	r, err := NewCSVReader(strings.NewReader(in), "t.csv", Options{HeaderRow: 3})
	if err != nil || r.Header()[1] != "Name" {
		t.Fatalf("%v %v", err, r)
	}
	_, err = NewCSVReader(strings.NewReader(in), "t.csv", Options{HeaderRow: 2})
	var ie *InputError
	if !errors.As(err, &ie) || ie.Row != 2 || ie.Msg != "the header row is blank" {
		t.Errorf("blank header row: %v", err)
	}
	_, err = NewCSVReader(strings.NewReader(in), "t.csv", Options{HeaderRow: 9})
	if !errors.As(err, &ie) || !strings.Contains(ie.Msg, "ends at row 4, before the header row 9") {
		t.Errorf("header row beyond the end: %v", err)
	}
}

func TestSniffDelimiter(t *testing.T) {
	cases := []struct {
		head string
		row  int
		tsv  bool
		want byte
	}{
		{"a,b,c\n", 1, false, ','},
		{"a;b;c\n1,5;2,5;3\n", 1, false, ';'},
		{"a\tb\tc\n", 1, false, '\t'},
		{`"x,y";b;c` + "\n", 1, false, ';'},
		{`"x;y;z",b` + "\n", 1, false, ','},
		{"single\n", 1, false, ','},
		{"single\n", 1, true, '\t'},
		{"a,b\tc\n", 1, true, '\t'},
		{"a,b;c\n", 1, false, ','}, // tie: default
		{"Report, March 2026\n\nEmail;Name;Dept\n", 3, false, ';'},
		{"\"multi\nline, title\"\nEmail;Name\n", 3, false, ';'},
		{"Email;Name", 5, false, ';'}, // header beyond the prefix: line 1
	}
	for _, c := range cases {
		def := byte(',')
		if c.tsv {
			def = '\t'
		}
		if got := sniffDelimiter([]byte(c.head), c.row, def, c.tsv); got != c.want {
			t.Errorf("sniffDelimiter(%q, %d, tsv=%v) = %q, want %q", c.head, c.row, c.tsv, got, c.want)
		}
	}
}

func TestInputErrorFormat(t *testing.T) {
	cases := []struct {
		e    InputError
		want string
	}{
		{InputError{File: "users.csv", Row: 7, Column: "Email", Msg: "bad", Hint: "fix it"}, `users.csv: row 7, column "Email": bad (fix it)`},
		{InputError{File: "users.csv", Msg: "the file is empty"}, "users.csv: the file is empty"},
		{InputError{Row: 3, Msg: "bad"}, "row 3: bad"},
		{InputError{Column: "Email", Msg: "bad"}, `column "Email": bad`},
		{InputError{Msg: "bad", Hint: "h"}, "bad (h)"},
	}
	for _, c := range cases {
		if got := c.e.Error(); got != c.want {
			t.Errorf("got %q, want %q", got, c.want)
		}
	}
	var err error = &c0
	var ie *InputError
	if !errors.As(errors.Join(errors.New("x"), err), &ie) {
		t.Error("errors.As through a wrapper")
	}
}

var c0 = InputError{Msg: "x"}

func TestOpenUnsupported(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"users.xls", "users.ods", "users", "users.json"} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Open(p, Options{})
		var ie *InputError
		if !errors.As(err, &ie) || !strings.Contains(ie.Msg, ".csv, .txt, .tsv, .xlsx or .xlsm") {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := Open(filepath.Join(dir, "missing.csv"), Options{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestFormulaEscaping(t *testing.T) {
	for _, s := range []string{"=1+1", "+1 555", "-5+1", "@SUM(A1)", "\tx", "\rx", "-", "+", "-R1C1", "-true", "-ab-12", "--x", "-A1", "-cmd|' /C calc'!A0"} {
		e := EscapeFormula(s)
		if e != "'"+s || UnescapeFormula(e) != s {
			t.Errorf("%q -> %q -> %q", s, e, UnescapeFormula(e))
		}
	}
	for _, s := range []string{"", "plain", "'quoted", "5-3", "a=b", "'", "''", "-5", "+3.25", "-gbbm4KGTsSvL5zmELDJdw", "-abc-def_9", "-_x"} {
		if EscapeFormula(s) != s || UnescapeFormula(s) != s {
			t.Errorf("%q changed: %q / %q", s, EscapeFormula(s), UnescapeFormula(s))
		}
	}
	// Values that already start with apostrophes before a formula character
	// get one more, so the round trip is exact.
	for _, s := range []string{"'=x", "''+1", "'''-"} {
		e := EscapeFormula(s)
		if e != "'"+s || UnescapeFormula(e) != s {
			t.Errorf("%q -> %q -> %q", s, e, UnescapeFormula(e))
		}
	}
}
