package jobs

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/mapping"
	"github.com/zoombulk/zoombulk/internal/results"
	"github.com/zoombulk/zoombulk/internal/sheet"
)

// Input is what reading a job's input learns besides its rows: the file,
// its header and mapper, and the rows that are not data.
type Input struct {
	File      string   // the input path
	Name      string   // the .xlsx sheet read ("" for CSV)
	HeaderRow int      // the row the header is on
	Header    []string // as read
	Mapper    *mapping.Mapper
	// Comments are the comment rows (a first cell "#", "# ...", or
	// "##..."), which are not data.
	Comments RowSet
	// Hidden are the hidden rows; with hidden_rows: skip they are not data
	// either.
	Hidden RowSet
	// Merged are the merged ranges whose value was copied into each cell.
	Merged []sheet.MergedRange
}

// Sheet is a job's input, read, mapped and checked.
type Sheet struct {
	Input
	Rows []Row // every data row, in input order (comments and blank rows excluded)
}

// RowSet counts row numbers and keeps the first few, for messages.
type RowSet struct {
	N     int
	First []int // at most rowListShown
}

const rowListShown = 10

func (s *RowSet) add(n int) {
	if len(s.First) < rowListShown {
		s.First = append(s.First, n)
	}
	s.N++
}

// String reads "2, 3, 9 and 4 more".
func (s RowSet) String() string {
	parts := make([]string, len(s.First))
	for i, n := range s.First {
		parts[i] = strconv.Itoa(n)
	}
	out := strings.Join(parts, ", ")
	if s.N > len(s.First) {
		out += fmt.Sprintf(" and %d more", s.N-len(s.First))
	}
	return out
}

// Notes say what the reader did besides reading rows: skipped comments and
// hidden rows, filled merged cells.
func (in *Input) Notes() []string {
	var out []string
	if in.Comments.N > 0 {
		out = append(out, fmt.Sprintf("skipped %d comment rows (first cell \"#\" or \"# ...\"): %s", in.Comments.N, in.Comments))
	}
	if in.Hidden.N > 0 {
		out = append(out, fmt.Sprintf("%d hidden rows: %s", in.Hidden.N, in.Hidden))
	}
	for _, m := range in.Merged {
		out = append(out, fmt.Sprintf("merged cells %s: %q filled into every row of the range", m.Ref, m.Value))
	}
	return out
}

// Row is one data row of the input.
type Row struct {
	Index  int      // 0-based position among the data rows
	Number int      // the sheet's own row number
	Cells  []string // the input cells as read (len(Header))
	// Values are the cells typed as the file had them (XLSX), for reports
	// that keep numbers and dates; nil for CSV.
	Values []sheet.Cell
	Record mapping.Record
}

// ReadOptions override the job's input.
type ReadOptions struct {
	Path  string // --input
	Sheet string // --sheet
}

// ReadSheet reads the job's input and checks every row: the mapping's cell
// checks, each step's required fields (create_users needs email,
// first_name, last_name and type; match: id needs id; ...), and keys
// duplicated within the file (both rows get a problem naming the other).
// File-level errors (unreadable file, missing mapped column) are returned
// as errors (*sheet.InputError, *mapping.ColumnError); row problems are in
// each Row's Record.Problems.
//
// Comment rows (a first cell "#", "# ..." or "##...": a template's example
// rows) are skipped and listed in Comments; "#ops@acme.example" is data.
// Hidden rows are refused unless input.hidden_rows says include or skip. CSV
// cells our own reports escaped against formula injection ('=...) are
// unescaped, so results.csv and failed.csv can be fed back with --input.
// Every row needs the key field (email, or id when match is id; a job with
// create_users and match: id lets the id be empty, for users still to be
// created); create_users also needs email, first_name, last_name and type
// on every row (a default counts). An empty cell of any other step's field
// leaves that row out of the step.
func ReadSheet(job *jobfile.Job, opts ReadOptions) (*Sheet, error) {
	in, err := openInput(job, opts)
	if err != nil {
		return nil, err
	}
	defer in.close()
	s := &Sheet{}
	for {
		row, err := in.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		s.Rows = append(s.Rows, Row{})
		in.check(row, s.Rows[len(s.Rows)-1:])
	}
	if err := in.finish(); err != nil {
		return nil, err
	}
	s.Input = in.Input
	for _, d := range in.dups {
		for _, i := range d.candidates() {
			d.group(&s.Rows[i])
		}
		d.problems(func(i int, p mapping.Problem) {
			s.Rows[i].Record.Problems = append(s.Rows[i].Record.Problems, p)
		})
	}
	return s, nil
}

// input is a job's input being read: the reader and what each row is
// checked with. ReadSheet keeps the rows, Validate only their problems;
// both read and check rows here.
type input struct {
	Input
	job     *jobfile.Job
	r       sheet.Reader
	needs   []rowNeed
	origRow int // the zb_row column of our own failed.csv, or -1
	checks  []jobfile.Step
	dups    []*dupFinder
	rows    int // data rows so far
}

// openInput opens the job's input and compiles its mapping.
func openInput(job *jobfile.Job, opts ReadOptions) (*input, error) {
	if job == nil {
		return nil, errors.New("jobs: ReadSheet needs a job")
	}
	path := job.Input.Path
	if opts.Path != "" {
		path = opts.Path
	}
	if path == "" {
		return nil, &jobfile.JobError{File: job.Path, Key: "input", Msg: "the job names no input file",
			Hint: "add input: {path: users.xlsx} to the job, or pass --input FILE"}
	}
	sheetName := job.Input.Sheet
	if opts.Sheet != "" {
		sheetName = opts.Sheet
	}
	r, err := sheet.Open(path, sheet.Options{Sheet: sheetName, HeaderRow: job.Input.HeaderRow, UnescapeFormulas: true})
	if err != nil && errors.Is(err, fs.ErrNotExist) {
		return nil, &sheet.InputError{File: path, Msg: "the input file does not exist", Hint: "check input.path in the job, or the --input path"}
	}
	if err != nil {
		return nil, asInputError(path, err)
	}
	header := r.Header()
	m, err := mapping.Compile(job.Fields, header, mapping.Options{Clear: job.Clear, File: path})
	if err != nil {
		r.Close()
		return nil, err
	}
	in := &input{
		Input: Input{File: path, Name: sheet.Describe(r).Sheet, HeaderRow: max(job.Input.HeaderRow, 1), Header: header, Mapper: m},
		job:   job, r: r, needs: rowNeeds(job),
		// failed.csv fed back keeps the original row numbers in zb_row.
		origRow: columnIndex(header, results.ColRow),
	}
	for _, st := range job.Steps {
		if _, ok := kindOf(st).(rowChecker); ok {
			in.checks = append(in.checks, st)
		}
	}
	for _, fields := range duplicateKeys(job) {
		in.dups = append(in.dups, newDupFinder(fields, m.Column(fields[0]), header))
	}
	return in, nil
}

func (in *input) close() { in.r.Close() }

// next returns the next data row, noting comment and hidden rows; io.EOF
// after the last.
func (in *input) next() (sheet.Row, error) {
	for {
		row, err := in.r.Next()
		if err != nil && err != io.EOF {
			return row, asInputError(in.File, err)
		}
		if err != nil {
			return row, err
		}
		switch {
		case row.Comment:
			in.Comments.add(row.Number)
			continue
		case row.Hidden && in.job.Input.HiddenRows == "skip":
			in.Hidden.add(row.Number)
			continue
		case row.Hidden && in.job.Input.HiddenRows == "":
			in.Hidden.add(row.Number)
		}
		return row, nil
	}
}

// check maps and checks one data row into dst[0] (a one-row view, so that
// the steps' row checks see it as a sheet): the mapping's cell checks, the
// fields every row needs, the steps' own checks; and gives its keys to the
// duplicate check.
func (in *input) check(row sheet.Row, dst []Row) {
	r := &dst[0]
	in.mapRow(row, in.rows, r)
	in.rows++
	for _, n := range in.needs {
		if _, ok := r.Record.Values[n.field]; ok || r.Record.HasProblem(n.field) {
			continue
		}
		r.Record.Problems = append(r.Record.Problems, mapping.Problem{Row: row.Number, Column: in.Mapper.Column(n.field),
			Field: n.field, Kind: mapping.KindMissingField, Msg: n.msg, Hint: n.hint})
	}
	checkPhoneCountryCell(in.Mapper, row.Number, &r.Record)
	if len(in.checks) > 0 {
		view := &Sheet{Input: in.Input, Rows: dst}
		for _, st := range in.checks {
			kindOf(st).(rowChecker).checkRows(in.job, st, view)
		}
	}
	for _, d := range in.dups {
		d.add(r)
	}
}

// mapRow maps one data row, the index-th, into r, reusing r's record (a
// zero Row for a row that is kept).
func (in *input) mapRow(row sheet.Row, index int, r *Row) {
	number := row.Number
	if in.origRow >= 0 {
		if n, err := strconv.Atoi(strings.TrimSpace(row.Cells[in.origRow])); err == nil && n > 0 {
			number = n
		}
	}
	rec := r.Record
	in.Mapper.MapInto(row, &rec)
	*r = Row{Index: index, Number: number, Cells: row.Cells, Values: row.Values, Record: rec}
}

// finish refuses hidden rows the job says nothing about, and notes the
// merged cells; call it after the last row.
func (in *input) finish() error {
	if in.Hidden.N > 0 && in.job.Input.HiddenRows == "" {
		return &sheet.InputError{File: filepath.Base(in.File), Msg: fmt.Sprintf("%d rows are hidden (by a filter or by hand): %s", in.Hidden.N, in.Hidden),
			Hint: "show them, or say what to do with them in the job: input: { hidden_rows: skip } or input: { hidden_rows: include }"}
	}
	in.Merged = sheet.Merges(in.r)
	return nil
}

// duplicateKeys lists the field sets no two rows may share: the key (email,
// or id with match: id; rows that are not users, such as groups and
// contact group members, are named by their own fields together), and the
// email too when users are created by id.
func duplicateKeys(job *jobfile.Job) [][]string {
	if rk := job.RowKey(); rk != nil {
		return [][]string{rk}
	}
	key := job.Match
	if key == "" {
		key = "email"
	}
	if key != "email" && jobCreatesUsers(job) {
		return [][]string{{key}, {"email"}}
	}
	return [][]string{{key}}
}

// Problems gathers every row problem in row order.
func (s *Sheet) Problems() []mapping.Problem {
	n := 0
	for i := range s.Rows {
		n += len(s.Rows[i].Record.Problems)
	}
	out := make([]mapping.Problem, 0, n)
	for i := range s.Rows {
		out = append(out, s.Rows[i].Record.Problems...)
	}
	return out
}

type rowNeed struct{ field, msg, hint string }

// rowNeeds lists the fields every row must set.
func rowNeeds(job *jobfile.Job) []rowNeed {
	if req := job.RowRequired(); req != nil {
		var out []rowNeed
		for _, f := range req {
			out = append(out, rowNeed{f, fmt.Sprintf("%s is empty, so the row names nothing to work on", f),
				fmt.Sprintf("fill in the %s, or delete the row", f)})
		}
		return out
	}
	key := job.Match
	if key == "" {
		key = "email"
	}
	var out []rowNeed
	has := func(f string) bool {
		for _, n := range out {
			if n.field == f {
				return true
			}
		}
		return false
	}
	create := jobCreatesUsers(job)
	if !(key == "id" && create) {
		out = append(out, rowNeed{key, fmt.Sprintf("%s is empty, so the row names no user", key),
			fmt.Sprintf("fill in the %s, or delete the row", key)})
	}
	if create {
		for _, f := range []string{"email", "first_name", "last_name", "type"} {
			if !has(f) {
				out = append(out, rowNeed{f, fmt.Sprintf("create_users needs %s, but the cell is empty", f),
					"fill it in (a new user cannot be created without it)"})
			}
		}
	}
	return out
}

func columnIndex(header []string, col string) int {
	if col == "" {
		return -1
	}
	for i, h := range header {
		if h == col {
			return i
		}
	}
	return -1
}

// asInputError makes any error reading the input (permission denied, an
// encoding the reader gave up on, a limit) an *sheet.InputError, unless
// it is one already: every such error means nothing was sent, and the
// commands exit 2 for it.
func asInputError(path string, err error) error {
	var in *sheet.InputError
	if errors.As(err, &in) {
		return err
	}
	msg := err.Error()
	var pe *fs.PathError
	if errors.As(err, &pe) {
		msg = "cannot be read: " + pe.Err.Error()
	}
	return &sheet.InputError{File: filepath.Base(path), Msg: msg, Err: err}
}
