package jobs

import (
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/zoombulk/zoombulk/internal/jobfile"

	"github.com/xuri/excelize/v2"

	"github.com/zoombulk/zoombulk/internal/mapping"
	"github.com/zoombulk/zoombulk/internal/sheet"
)

const corpusDir = "../../testdata/corpus"

func loadCorpusJob(t testing.TB) *jobfile.Job {
	t.Helper()
	job, err := jobfile.Load(filepath.Join(corpusDir, "job.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return job
}

// problemKinds lists "row:kind:field" for every problem, in order.
func problemKinds(s *Sheet) []string {
	var out []string
	for _, p := range s.Problems() {
		out = append(out, fmt.Sprintf("%d:%s:%s", p.Row, p.Kind, p.Field))
	}
	return out
}

func TestReadSheetCorpus(t *testing.T) {
	job := loadCorpusJob(t)
	s, err := ReadSheet(job, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if s.File != filepath.Join(corpusDir, "bad-input.csv") || len(s.Header) != 12 || s.Mapper == nil {
		t.Errorf("sheet: %s %v", s.File, s.Header)
	}
	var numbers []int
	for i, r := range s.Rows {
		if r.Index != i || len(r.Cells) != 12 || r.Record.Row != r.Number {
			t.Errorf("row %d: %+v", i, r)
		}
		numbers = append(numbers, r.Number)
	}
	// Row 2 is a comment and row 6 is blank.
	if want := []int{3, 4, 5, 7, 8, 9, 10, 11}; !reflect.DeepEqual(numbers, want) {
		t.Errorf("row numbers %v, want %v", numbers, want)
	}
	want := []string{
		"3:duplicate:email",
		"5:email:email", "5:unmapped value:type", "5:unmapped value:webinar", "5:enum:status", "5:length:pmi", "5:enum:zoom_whiteboard",
		"7:missing field:email",
		"8:duplicate:email",
		"9:missing field:last_name",
		"10:extra cells:",
		"11:length:job_title",
	}
	if got := problemKinds(s); !reflect.DeepEqual(got, want) {
		t.Errorf("problems:\n got %q\nwant %q", got, want)
	}
	ps := s.Problems()
	if ps[0].Msg != `email "jill@example.com" is also in row 8` || ps[0].Column != "Email" || ps[0].Value != "jill@example.com" {
		t.Errorf("duplicate: %+v", ps[0])
	}
	if p := ps[7]; p.Column != "Email" || !strings.Contains(p.Msg, "email is empty") {
		t.Errorf("missing key: %+v", p)
	}
	if p := ps[9]; p.Column != "Last Name" || p.Msg != "create_users needs last_name, but the cell is empty" {
		t.Errorf("missing last name: %+v", p)
	}
	bob := s.Rows[1].Record
	for f, v := range map[string]string{"email": "bob@example.com", "first_name": "Bob", "last_name": "Builder", "type": "1", "webinar": "0", "status": "inactive", "zoom_whiteboard": "false"} {
		if got := bob.Values[f]; got.Text != v || got.Clear {
			t.Errorf("bob %s = %+v, want %q", f, got, v)
		}
	}
	dave := s.Rows[6].Record
	if dave.Values["dept"] != (mapping.Value{Clear: true}) || dave.Values["type"].Text != "1" {
		t.Errorf("dave: %+v", dave.Values)
	}
	eve := s.Rows[7].Record
	if eve.Values["first_name"].Text != `Eve "E"` || eve.Values["last_name"].Text != "O'Neil" || eve.Values["dept"].Text != "R&D, Labs" {
		t.Errorf("eve: %+v", eve.Values)
	}
}

// corpusRecords reads the corpus CSV as records, for writing the same
// logical rows as XLSX.
func corpusRecords(t testing.TB) [][]string {
	f, err := os.Open(filepath.Join(corpusDir, "bad-input.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// writeXLSX writes records as a workbook; cells that look like integers
// become numbers, as Excel would store them. Blank records are kept as
// blank rows so that row numbers match the CSV's lines.
func writeXLSX(t testing.TB, path, sheetName string, recs [][]string, blankLines []int) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if sheetName != "Sheet1" {
		if err := f.SetSheetName("Sheet1", sheetName); err != nil {
			t.Fatal(err)
		}
	}
	row := 1
	for _, rec := range recs {
		for containsInt(blankLines, row) {
			row++
		}
		vals := make([]any, len(rec))
		for i, c := range rec {
			if n, err := strconv.ParseInt(c, 10, 64); err == nil && row > 1 {
				vals[i] = n
			} else {
				vals[i] = c
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, row)
		if err := f.SetSheetRow(sheetName, cell, &vals); err != nil {
			t.Fatal(err)
		}
		row++
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
}

func containsInt(list []int, n int) bool {
	for _, x := range list {
		if x == n {
			return true
		}
	}
	return false
}

// The same logical rows read from CSV and from XLSX map to identical
// records and problems.
func TestReadSheetCSVAndXLSXAgree(t *testing.T) {
	job := loadCorpusJob(t)
	fromCSV, err := ReadSheet(job, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	x := filepath.Join(t.TempDir(), "bad-input.xlsx")
	writeXLSX(t, x, "Users", corpusRecords(t), []int{6})
	fromXLSX, err := ReadSheet(job, ReadOptions{Path: x, Sheet: "Users"})
	if err != nil {
		t.Fatal(err)
	}
	if len(fromCSV.Rows) != len(fromXLSX.Rows) {
		t.Fatalf("%d CSV rows, %d XLSX rows", len(fromCSV.Rows), len(fromXLSX.Rows))
	}
	for i := range fromCSV.Rows {
		c, x := fromCSV.Rows[i], fromXLSX.Rows[i]
		if c.Number != x.Number || !reflect.DeepEqual(c.Record.Values, x.Record.Values) {
			t.Errorf("row %d:\n csv  %d %+v\n xlsx %d %+v", i, c.Number, c.Record.Values, x.Number, x.Record.Values)
		}
	}
	if cp, xp := fromCSV.Problems(), fromXLSX.Problems(); !reflect.DeepEqual(cp, xp) {
		t.Errorf("problems differ:\n csv  %+v\n xlsx %+v", cp, xp)
	}
}

func TestReadSheetWindows1252(t *testing.T) {
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "in.csv")
	data := []byte("Email;First Name;Last Name;Department\r\njose@example.com;Jos\xe9;Garc\xeda;Ventas\r\n")
	if err := os.WriteFile(csvPath, data, 0o644); err != nil {
		t.Fatal(err)
	}
	job, err := jobfile.Load(writeJob(t, dir, "j.yaml", "version: 1\ninput: in.csv\nfields: {email: Email, first_name: First Name, last_name: Last Name, dept: Department}\nsteps: [update_users]\n"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := ReadSheet(job, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Rows) != 1 || len(s.Problems()) != 0 {
		t.Fatalf("rows %d problems %+v", len(s.Rows), s.Problems())
	}
	v := s.Rows[0].Record.Values
	if v["first_name"].Text != "José" || v["last_name"].Text != "García" {
		t.Errorf("cp1252: %q %q", v["first_name"].Text, v["last_name"].Text)
	}
}

func TestReadSheetKeys(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	os.WriteFile(in, []byte("User ID,Email,First,Last,License\n"+
		"u1,a@x.io,A,A,Basic\n"+
		",b@x.io,B,B,Basic\n"+ // no id: a user to create
		"u1,c@x.io,C,C,Basic\n"+ // id twice
		",A@X.IO,D,D,Basic\n"+ // email twice (case-insensitively)
		",,E,E,Basic\n"), 0o644)
	job, err := jobfile.Load(writeJob(t, dir, "j.yaml", `version: 1
input: in.csv
match: id
fields: {id: User ID, email: Email, first_name: First, last_name: Last, type: License}
steps: [create_users]
`))
	if err != nil {
		t.Fatal(err)
	}
	s, err := ReadSheet(job, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"2:duplicate:id", "2:duplicate:email", "4:duplicate:id", "5:duplicate:email", "6:missing field:email"}
	if got := problemKinds(s); !reflect.DeepEqual(got, want) {
		t.Errorf("problems:\n got %q\nwant %q", got, want)
	}

	// Without create_users, match: id needs an id on every row.
	job.Steps = []jobfile.Step{{Kind: UpdateUsers}}
	s, err = ReadSheet(job, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want = []string{"2:duplicate:id", "3:missing field:id", "4:duplicate:id", "5:missing field:id", "6:missing field:id"}
	if got := problemKinds(s); !reflect.DeepEqual(got, want) {
		t.Errorf("problems:\n got %q\nwant %q", got, want)
	}
}

func TestReadSheetThreeDuplicates(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("Email\n")
	for i := 0; i < 8; i++ {
		b.WriteString("same@x.io\n")
	}
	os.WriteFile(filepath.Join(dir, "in.csv"), []byte(b.String()), 0o644)
	job, err := jobfile.Load(writeJob(t, dir, "j.yaml", "version: 1\ninput: in.csv\nfields: {email: Email, dept: {default: X}}\nsteps: [update_users]\n"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := ReadSheet(job, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ps := s.Problems()
	if len(ps) != 8 || ps[0].Msg != `email "same@x.io" is also in rows 3, 4, 5, 6, 7 and 2 more` || ps[7].Msg != `email "same@x.io" is also in rows 2, 3, 4, 5, 6 and 2 more` {
		t.Errorf("%d problems: %q / %q", len(ps), ps[0].Msg, ps[len(ps)-1].Msg)
	}
}

func TestReadSheetErrors(t *testing.T) {
	job := loadCorpusJob(t)

	// A mapped column that is not there.
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	os.WriteFile(in, []byte("E-mail,First Name\nx@y.io,X\n"), 0o644)
	_, err := ReadSheet(job, ReadOptions{Path: in})
	var ce *mapping.ColumnError
	if !errors.As(err, &ce) || ce.Column != "Email" || !strings.Contains(err.Error(), `did you mean "E-mail"?`) {
		t.Errorf("missing column: %v", err)
	}

	// An unreadable file.
	_, err = ReadSheet(job, ReadOptions{Path: filepath.Join(dir, "users.ods")})
	var ie *sheet.InputError
	if !errors.As(err, &ie) {
		t.Errorf("unsupported file: %T %v", err, err)
	}
	if _, err = ReadSheet(job, ReadOptions{Path: filepath.Join(dir, "nope.csv")}); err == nil {
		t.Error("missing file: no error")
	}

	// No input at all.
	j2 := *job
	j2.Input.Path = ""
	_, err = ReadSheet(&j2, ReadOptions{})
	var je *jobfile.JobError
	if !errors.As(err, &je) || !strings.Contains(err.Error(), "--input") {
		t.Errorf("no input: %v", err)
	}

	// The XLSX sheet override, and a header on row 2.
	x := filepath.Join(dir, "in.xlsx")
	recs := [][]string{{"Exported 2026-11-27"}, {"Email", "First Name"}, {"z@y.io", "Zed"}}
	writeXLSX(t, x, "Second", recs, nil)
	j3 := &jobfile.Job{Match: "email", Clear: "<clear>", Input: jobfile.Input{Path: x, HeaderRow: 2},
		Fields: []mapping.Spec{{Field: "email", Column: "Email"}, {Field: "first_name", Column: "First Name"}}, Steps: []jobfile.Step{{Kind: UpdateUsers}}}
	s, err := ReadSheet(j3, ReadOptions{Sheet: "Second"})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Rows) != 1 || s.Rows[0].Number != 3 || s.Rows[0].Record.Values["first_name"].Text != "Zed" {
		t.Errorf("header row 2: %+v", s.Rows)
	}
	if _, err := ReadSheet(j3, ReadOptions{Sheet: "Nope"}); !errors.As(err, &ie) {
		t.Errorf("unknown sheet: %v", err)
	}
}

// Our own failed.csv (formula-like cells escaped with an apostrophe) reads
// back as written.
func TestReadSheetUnescapesOurCSV(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "failed.csv")
	f, _ := os.Create(in)
	w, err := sheet.NewCSVWriter(f, []sheet.Column{{Header: "Email"}, {Header: "Department"}})
	if err != nil {
		t.Fatal(err)
	}
	w.WriteRow([]sheet.Cell{sheet.TextCell("a@b.io"), sheet.TextCell("-Sales+")}, sheet.Plain)
	w.Close()
	f.Close()
	job, err := jobfile.Load(writeJob(t, dir, "j.yaml", "version: 1\ninput: failed.csv\nfields: {email: Email, dept: Department}\nsteps: [update_users]\n"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := ReadSheet(job, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Rows[0].Record.Values["dept"].Text; got != "-Sales+" {
		t.Errorf("dept = %q", got)
	}
}

func writeJob(t testing.TB, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
