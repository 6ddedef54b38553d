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

// Sheet is a job's input, read, mapped and checked.
type Sheet struct {
	File      string   // the input path
	Name      string   // the .xlsx sheet read ("" for CSV)
	HeaderRow int      // the row the header is on
	Header    []string // as read
	Mapper    *mapping.Mapper
	Rows      []Row // every data row, in input order (comments and blank rows excluded)
	// Comments are the row numbers of comment rows (a first cell "#",
	// "# ...", or "##..."), which are not data.
	Comments []int
	// Hidden are the row numbers of hidden rows; with hidden_rows: skip
	// they are not data either.
	Hidden []int
	// Merged are the merged ranges whose value was copied into each cell.
	Merged []sheet.MergedRange
}

// Notes say what the reader did besides reading rows: skipped comments and
// hidden rows, filled merged cells.
func (s *Sheet) Notes() []string {
	var out []string
	if len(s.Comments) > 0 {
		out = append(out, fmt.Sprintf("skipped %d comment rows (first cell \"#\" or \"# ...\"): %s", len(s.Comments), rowList(s.Comments)))
	}
	if len(s.Hidden) > 0 {
		out = append(out, fmt.Sprintf("%d hidden rows: %s", len(s.Hidden), rowList(s.Hidden)))
	}
	for _, m := range s.Merged {
		out = append(out, fmt.Sprintf("merged cells %s: %q filled into every row of the range", m.Ref, m.Value))
	}
	return out
}

// rowList reads "2, 3, 9 and 4 more".
func rowList(rows []int) string {
	const show = 10
	parts := make([]string, 0, show)
	for _, n := range rows[:min(len(rows), show)] {
		parts = append(parts, strconv.Itoa(n))
	}
	s := strings.Join(parts, ", ")
	if len(rows) > show {
		s += fmt.Sprintf(" and %d more", len(rows)-show)
	}
	return s
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
		return nil, err
	}
	defer r.Close()
	header := r.Header()
	m, err := mapping.Compile(job.Fields, header, mapping.Options{Clear: job.Clear, File: path})
	if err != nil {
		return nil, err
	}
	s := &Sheet{File: path, Name: sheet.Describe(r).Sheet, HeaderRow: max(job.Input.HeaderRow, 1), Header: header, Mapper: m}
	needs := rowNeeds(job)
	// failed.csv fed back keeps the original row numbers in zb_row.
	origRow := columnIndex(header, results.ColRow)
	for {
		row, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch {
		case row.Comment:
			s.Comments = append(s.Comments, row.Number)
			continue
		case row.Hidden && job.Input.HiddenRows == "skip":
			s.Hidden = append(s.Hidden, row.Number)
			continue
		case row.Hidden && job.Input.HiddenRows == "":
			s.Hidden = append(s.Hidden, row.Number)
		}
		rec := m.Map(row)
		for _, n := range needs {
			if _, ok := rec.Values[n.field]; ok || rec.HasProblem(n.field) {
				continue
			}
			rec.Problems = append(rec.Problems, mapping.Problem{Row: row.Number, Column: m.Column(n.field),
				Field: n.field, Kind: mapping.KindMissingField, Msg: n.msg, Hint: n.hint})
		}
		number := row.Number
		if origRow >= 0 {
			if n, err := strconv.Atoi(strings.TrimSpace(row.Cells[origRow])); err == nil && n > 0 {
				number = n
			}
		}
		s.Rows = append(s.Rows, Row{Index: len(s.Rows), Number: number, Cells: row.Cells, Values: row.Values, Record: rec})
	}
	if len(s.Hidden) > 0 && job.Input.HiddenRows == "" {
		return nil, &sheet.InputError{File: filepath.Base(path), Msg: fmt.Sprintf("%d rows are hidden (by a filter or by hand): %s", len(s.Hidden), rowList(s.Hidden)),
			Hint: "show them, or say what to do with them in the job: input: { hidden_rows: skip } or input: { hidden_rows: include }"}
	}
	s.Merged = sheet.Merges(r)
	for _, st := range job.Steps {
		if c, ok := kindOf(st).(rowChecker); ok {
			c.checkRows(job, st, s)
		}
	}
	if rk := job.RowKey(); rk != nil {
		// Rows that are not users (groups, contact group members) are
		// named by their own fields together.
		s.markDuplicates(rk...)
		return s, nil
	}
	key := job.Match
	if key == "" {
		key = "email"
	}
	s.markDuplicates(key)
	if key != "email" && job.HasStep(CreateUsers) {
		s.markDuplicates("email")
	}
	return s, nil
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
	create := job.HasStep(CreateUsers)
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

// markDuplicates gives every row whose field value appears in another row
// a "duplicate" problem naming the other rows. With several fields, rows
// are duplicates when they hold the same values in all of them (a value
// compared without case: group and contact group names are).
func (s *Sheet) markDuplicates(fields ...string) {
	field := fields[0]
	first := make(map[string]int, len(s.Rows))
	var dups map[string][]int
	for i := range s.Rows {
		v, ok := s.Rows[i].Record.Values[field]
		if !ok || v.Clear || v.Text == "" {
			continue
		}
		if len(fields) > 1 {
			key := strings.ToLower(v.Text)
			for _, f := range fields[1:] {
				key += "\x00" + strings.ToLower(s.Rows[i].Record.Values[f].Text)
			}
			v.Text = key
		}
		if j, seen := first[v.Text]; seen {
			if dups == nil {
				dups = map[string][]int{}
			}
			if dups[v.Text] == nil {
				dups[v.Text] = []int{j}
			}
			dups[v.Text] = append(dups[v.Text], i)
			continue
		}
		first[v.Text] = i
	}
	col := s.Mapper.Column(field)
	for value, rows := range dups {
		for _, i := range rows {
			var others []string
			for _, j := range rows {
				if j != i {
					others = append(others, strconv.Itoa(s.Rows[j].Number))
				}
			}
			const show = 5
			list := strings.Join(others[:min(len(others), show)], ", ")
			if len(others) > show {
				list += fmt.Sprintf(" and %d more", len(others)-show)
			}
			word := "row"
			if len(others) > 1 {
				word = "rows"
			}
			row := &s.Rows[i]
			raw := ""
			if idx := columnIndex(s.Header, col); idx >= 0 && idx < len(row.Cells) {
				raw = row.Cells[idx]
			}
			row.Record.Problems = append(row.Record.Problems, mapping.Problem{Row: row.Number, Column: col, Field: field,
				Value: raw, Kind: mapping.KindDuplicate,
				Msg:  fmt.Sprintf("%s %q is also in %s %s", strings.Join(fields, " + "), strings.ReplaceAll(value, "\x00", " / "), word, list),
				Hint: pick(len(fields) > 1, "each one may appear once in a file: delete the extra rows", "each user may appear once in a file: merge the rows or delete the extra ones")})
		}
	}
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
