package export

// An export that remembers: `export users` keeps, beside the rows it
// writes, what it wrote (the account, the time, and for each user the ID
// and the exported values), so that the file, edited and run back, sends
// only the cells that differ from the export, and reads only those users to
// check that the account still holds the exported values.
//
// The snapshot is a table of two columns, a kind and a value: a header
// row (the marker and the version), the facts (account, exported, the
// columns remembered, the columns left unread), then one "u" row per
// exported user with its values as written, packed as one CSV record (two
// cells a user rather than twenty: the snapshot costs a 300,000-user
// export seconds, not its time again). Only the columns a job can set are
// remembered, with the Email and User ID that name the user. A workbook keeps
// it in a very hidden sheet, which Excel, LibreOffice and openpyxl carry
// through a save (they keep every sheet and its state; custom XML parts
// are dropped by some of them). A CSV export keeps it in a sidecar file,
// users.csv.zbsnap, in the same CSV form.

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/zoombulk/zoombulk/internal/sheet"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// SnapshotSheet is the very hidden sheet in which an XLSX users export
// keeps what it exported.
const SnapshotSheet = "zoombulk-export"

// SnapshotSuffix ends the name of the sidecar file in which a CSV users
// export keeps what it exported (users.csv.zbsnap).
const SnapshotSuffix = ".zbsnap"

const (
	snapMarker  = "zoombulk-export"
	snapVersion = "1"
	snapUser    = "u" // short: a 300,000-user export writes it as often
)

// Snapshot is what a users export wrote.
type Snapshot struct {
	Account string
	Taken   time.Time
	// Headers are the export's columns it remembers, in order: those a
	// job can set, and the Email and User ID that name the user.
	Headers []string
	// Unread are the columns the export left empty without reading them
	// (Job Title, Location, Language without --details): an edit there
	// cannot be checked against what was exported.
	Unread map[string]bool
	rows   []string       // each user's values, packed as one CSV record
	byKey  map[string]int // lower-cased email and user ID -> row
}

// Len is the number of users exported.
func (s *Snapshot) Len() int { return len(s.rows) }

// Lookup finds an exported user by email (any case) or user ID; values are
// by header, as exported.
func (s *Snapshot) Lookup(key string) (id string, values map[string]string, ok bool) {
	i, ok := s.byKey[strings.ToLower(strings.TrimSpace(key))]
	if !ok {
		return "", nil, false
	}
	rec, err := unpack(s.rows[i])
	if err != nil {
		return "", nil, false // checked when read
	}
	values = make(map[string]string, len(s.Headers))
	for j, h := range s.Headers {
		if j < len(rec) {
			values[h] = rec[j]
		}
	}
	return values[headerOf("id")], values, true
}

// headerOf is the header of the export column with key.
func headerOf(key string) string {
	for _, c := range userColumns {
		if c.Key == key {
			return c.Header
		}
	}
	return ""
}

// forgotten are the columns of the users export no job sets: the
// snapshot leaves them out, which keeps it small (a 300,000-user export
// writes it in about a second).
var forgotten = []string{"type_code", "group_ids", "division_id", "created_at", "last_login_time"}

// remembered says which of an export's columns the snapshot keeps.
func remembered(cols []UserColumn) []int {
	var out []int
	for i, c := range cols {
		if !slices.Contains(forgotten, c.Key) {
			out = append(out, i)
		}
	}
	return out
}

// pack writes values as one CSV record (no line end), as encoding/csv
// reads it back; written by hand, since a csv.Writer a row costs more
// than the row.
func pack(buf *bytes.Buffer, values []string) (string, error) {
	buf.Reset()
	for i, v := range values {
		if i > 0 {
			buf.WriteByte(',')
		}
		if v == "" || !strings.ContainsAny(v, ",\"\r\n") && v[0] != ' ' && v[0] != '\t' {
			buf.WriteString(v)
			continue
		}
		buf.WriteByte('"')
		buf.WriteString(strings.ReplaceAll(v, `"`, `""`))
		buf.WriteByte('"')
	}
	return buf.String(), nil
}

func unpack(rec string) ([]string, error) {
	r := csv.NewReader(strings.NewReader(rec))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	out, err := r.Read()
	if err == io.EOF {
		return []string{""}, nil
	}
	return out, err
}

// snapWriter spools the snapshot while the export streams its rows. The
// snapshot is two columns, a kind and a value (a packed CSV record for
// lists): a CSV export's sidecar is written in place (through a temporary
// name), an XLSX export's is copied into the hidden sheet once the users
// sheet is closed (a workbook streams one sheet at a time).
type snapWriter struct {
	file    *sheet.AtomicFile
	w       *csv.Writer
	keep    []int // the columns remembered
	vals    []string
	buf     bytes.Buffer
	skipped bool // the export names no user: no snapshot
}

// newSnapWriter starts the snapshot of an export to path. An export whose
// columns name no user (no Email, no User ID) keeps none, and an older
// sidecar of that name is removed: it would describe another file.
func newSnapWriter(path string, format Format, cols []UserColumn, unread []string, account string, taken time.Time) (*snapWriter, error) {
	sidecar := path + SnapshotSuffix
	keep := remembered(cols)
	var headers []string
	for _, i := range keep {
		headers = append(headers, cols[i].Header)
	}
	if !slices.Contains(headers, headerOf("email")) && !slices.Contains(headers, headerOf("id")) {
		if format == CSV {
			if err := os.Remove(sidecar); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return nil, err
			}
		}
		return &snapWriter{skipped: true}, nil
	}
	// The XLSX's spool sits beside the export too, under a temporary
	// name, and is removed once copied.
	f, err := sheet.CreateAtomic(sidecar)
	if err != nil {
		return nil, fmt.Errorf("creating %s: %w", sidecar, err)
	}
	s := &snapWriter{file: f, w: csv.NewWriter(f), keep: keep, vals: make([]string, len(keep))}
	columns, err := pack(&s.buf, headers)
	if err != nil {
		f.Abort()
		return nil, err
	}
	facts := [][]string{{snapMarker, snapVersion}, {"account", account}, {"exported", taken.UTC().Format(time.RFC3339)}, {"columns", columns}}
	if len(unread) > 0 {
		u, err := pack(&s.buf, unread)
		if err != nil {
			f.Abort()
			return nil, err
		}
		facts = append(facts, []string{"unread", u})
	}
	for _, r := range facts {
		if err := s.w.Write(r); err != nil {
			f.Abort()
			return nil, err
		}
	}
	return s, nil
}

// add records one exported row.
func (s *snapWriter) add(cells []sheet.Cell) error {
	if s.skipped {
		return nil
	}
	for j, i := range s.keep {
		s.vals[j] = cells[i].S // the remembered columns are text
		if cells[i].Kind != sheet.Text {
			s.vals[j] = cells[i].String()
		}
	}
	rec, err := pack(&s.buf, s.vals)
	if err != nil {
		return err
	}
	// Guarded as the export's own CSV cells are: the sidecar is CSV too,
	// and a spreadsheet program that opens it must not evaluate a value.
	return s.w.Write([]string{snapUser, sheet.EscapeFormula(rec)})
}

// commitCSV puts the sidecar in place.
func (s *snapWriter) commitCSV() error {
	if s.skipped {
		return nil
	}
	s.w.Flush()
	if err := s.w.Error(); err != nil {
		s.file.Abort()
		return err
	}
	return s.file.Commit()
}

// copyTo writes the spool into the workbook's very hidden snapshot sheet
// and removes the spool.
func (s *snapWriter) copyTo(wb *sheet.Workbook) error {
	if s.skipped {
		return nil
	}
	defer s.file.Abort()
	s.w.Flush()
	if err := s.w.Error(); err != nil {
		return err
	}
	if _, err := s.file.Seek(0, io.SeekStart); err != nil {
		return err
	}
	r := csv.NewReader(bufio.NewReaderSize(s.file, 1<<16))
	r.ReuseRecord = true
	head, err := r.Read()
	if err != nil {
		return err
	}
	cols := []sheet.Column{{Header: head[0], Kind: sheet.Text}, {Header: head[1], Kind: sheet.Text}}
	tw, err := wb.AddTable(sheet.Table{Name: SnapshotSheet, Columns: cols})
	if err != nil {
		return err
	}
	cells := make([]sheet.Cell, 2)
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		cells[0], cells[1] = sheet.TextCell(rec[0]), sheet.TextCell(sheet.UnescapeFormula(rec[1]))
		if err := tw.WriteRow(cells, sheet.Plain); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return wb.HideSheet(SnapshotSheet)
}

// abort drops the spool; a no-op once committed or copied.
func (s *snapWriter) abort() {
	if s != nil && !s.skipped {
		s.file.Abort()
	}
}

// SnapshotError is a snapshot that is there but cannot be read: the file
// was not saved by a spreadsheet program that keeps it whole.
type SnapshotError struct {
	File string
	Msg  string
}

func (e *SnapshotError) Error() string {
	return fmt.Sprintf("%s: the record of the export it came from cannot be read: %s; export the users again, or run it with --steps STEP,... (every mapped cell is then sent)", e.File, e.Msg)
}

// ReadSnapshot reads what the users export that wrote path exported: from
// its very hidden sheet (XLSX) or its sidecar (CSV). ok is false, with no
// error, when path carries none: it is not such an export.
func ReadSnapshot(path string) (snap *Snapshot, ok bool, err error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".xlsx", ".xlsm":
		has, err := hasSheet(path, SnapshotSheet)
		if err != nil || !has {
			return nil, false, nil // not a workbook we can read: the run says why
		}
		r, err := sheet.Open(path, sheet.Options{Sheet: SnapshotSheet})
		if err != nil {
			return nil, false, &SnapshotError{File: path, Msg: err.Error()}
		}
		defer r.Close()
		return readSnapshot(path, r.Header(), func() ([]string, int, error) {
			row, err := r.Next()
			return row.Cells, row.Number, err
		})
	case ".csv":
		side := path + SnapshotSuffix
		st, err := os.Stat(side)
		if err != nil || !st.Mode().IsRegular() {
			return nil, false, nil
		}
		f, err := os.Open(side)
		if err != nil {
			return nil, false, &SnapshotError{File: side, Msg: err.Error()}
		}
		defer f.Close()
		// encoding/csv, as it was written: the sniffing of the sheet
		// reader could take a value's ";" for the separator.
		r := csv.NewReader(bufio.NewReaderSize(f, 1<<16))
		r.FieldsPerRecord = -1
		head, err := r.Read()
		if err != nil {
			return nil, false, &SnapshotError{File: side, Msg: err.Error()}
		}
		return readSnapshot(side, head, func() ([]string, int, error) {
			rec, err := r.Read()
			line, _ := r.FieldPos(0)
			if len(rec) > 1 {
				rec[1] = sheet.UnescapeFormula(rec[1])
			}
			return rec, line, err
		})
	}
	return nil, false, nil
}

// readSnapshot reads the record's rows: head (the marker and the
// version), then next until io.EOF.
func readSnapshot(file string, head []string, next func() (cells []string, number int, err error)) (*Snapshot, bool, error) {
	if len(head) < 2 || strings.TrimSpace(head[0]) != snapMarker {
		return nil, false, &SnapshotError{File: file, Msg: "its first cell is not " + snapMarker}
	}
	if v := strings.TrimSpace(head[1]); v != snapVersion {
		return nil, false, &SnapshotError{File: file, Msg: fmt.Sprintf("version %q, this zoombulk reads %s", v, snapVersion)}
	}
	s := &Snapshot{Unread: map[string]bool{}}
	email, id := -1, -1
	for {
		c, number, err := next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, false, &SnapshotError{File: file, Msg: err.Error()}
		}
		if len(c) < 2 {
			return nil, false, &SnapshotError{File: file, Msg: fmt.Sprintf("row %d is cut short", number)}
		}
		kind, value := strings.TrimSpace(c[0]), c[1]
		if kind == snapUser {
			if s.Headers == nil {
				return nil, false, &SnapshotError{File: file, Msg: fmt.Sprintf("row %d: a user before the columns", number)}
			}
			rec, err := unpack(value)
			if err != nil {
				return nil, false, &SnapshotError{File: file, Msg: fmt.Sprintf("row %d: %v", number, err)}
			}
			for _, k := range []int{email, id} {
				if k >= 0 && k < len(rec) && strings.TrimSpace(rec[k]) != "" {
					s.byKey[strings.ToLower(strings.TrimSpace(rec[k]))] = len(s.rows)
				}
			}
			s.rows = append(s.rows, value)
			continue
		}
		switch kind {
		case "columns":
			if s.Headers, err = unpack(value); err != nil {
				return nil, false, &SnapshotError{File: file, Msg: fmt.Sprintf("row %d: %v", number, err)}
			}
			email, id = slices.Index(s.Headers, headerOf("email")), slices.Index(s.Headers, headerOf("id"))
			if email < 0 && id < 0 {
				return nil, false, &SnapshotError{File: file, Msg: "it names no user (no Email or User ID column)"}
			}
			s.byKey = map[string]int{}
		case "unread":
			list, err := unpack(value)
			if err != nil {
				return nil, false, &SnapshotError{File: file, Msg: fmt.Sprintf("row %d: %v", number, err)}
			}
			for _, h := range list {
				if h != "" {
					s.Unread[h] = true
				}
			}
		case "account":
			s.Account = strings.TrimSpace(value)
		case "exported":
			t, err := time.Parse(time.RFC3339, strings.TrimSpace(value))
			if err != nil {
				return nil, false, &SnapshotError{File: file, Msg: fmt.Sprintf("row %d: the export time %q is not a time", number, value)}
			}
			s.Taken = t
		default:
			return nil, false, &SnapshotError{File: file, Msg: fmt.Sprintf("row %d: %q is not a row of the record", number, c[0])}
		}
	}
	switch {
	case s.Account == "":
		return nil, false, &SnapshotError{File: file, Msg: "it names no account"}
	case s.Headers == nil:
		return nil, false, &SnapshotError{File: file, Msg: "it names no columns"}
	}
	return s, true, nil
}

// hasSheet says whether a workbook has a sheet of that name, from its
// workbook part alone (the sheets are not read).
func hasSheet(path, name string) (bool, error) {
	st, err := os.Stat(path)
	if err != nil || !st.Mode().IsRegular() {
		return false, err
	}
	z, err := zip.OpenReader(path)
	if err != nil {
		return false, err
	}
	defer z.Close()
	for _, f := range z.File {
		if f.Name != "xl/workbook.xml" {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return false, err
		}
		defer rc.Close()
		data, err := io.ReadAll(io.LimitReader(rc, 8<<20))
		if err != nil {
			return false, err
		}
		return bytes.Contains(data, []byte(`name="`+name+`"`)), nil
	}
	return false, nil
}

// Current is CurrentValue for the columns the export read.
func (s *Snapshot) Current(u *zoom.User, dir *zoom.Directory, header string) (string, bool) {
	if s.Unread[header] {
		return "", false
	}
	return CurrentValue(u, dir, header)
}

// CurrentValue is what a user read from the account shows in a column of
// the users export, as the export writes it; ok is false for a column the
// user read cannot fill (a setting, or names without the directory).
func CurrentValue(u *zoom.User, dir *zoom.Directory, header string) (string, bool) {
	for _, c := range userColumns {
		if c.Header != header {
			continue
		}
		if (c.Groups || c.Divisions) && dir == nil {
			return "", false
		}
		return c.cell(u, dir).String(), true
	}
	return "", false
}
