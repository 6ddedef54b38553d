package export

// An export that remembers: `export users` keeps, beside the rows it
// writes, what it wrote (the account, the time, and for each user the ID
// and the exported values), so that the file, edited and run back, sends
// only the cells that differ from the export, and reads only those users to
// check that the account still holds the exported values.
//
// The snapshot is a table: a header row (a marker cell, then the export's
// headers), three rows of facts (version, account, exported), then one
// "user" row per exported user with the values as written. A workbook keeps
// it in a very hidden sheet, which Excel, LibreOffice and openpyxl carry
// through a save (they keep every sheet and its state; custom XML parts
// are dropped by some of them). A CSV export keeps it in a sidecar file,
// users.csv.zbsnap, in the same CSV form.

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
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
	snapUser    = "user"
)

// Snapshot is what a users export wrote.
type Snapshot struct {
	Account string
	Taken   time.Time
	// Headers are the export's columns, in order.
	Headers []string
	// Unread are the columns the export left empty without reading them
	// (Job Title, Location, Language without --details): an edit there
	// cannot be checked against what was exported.
	Unread map[string]bool
	rows   [][]string     // the values of each user, parallel to Headers
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
	values = make(map[string]string, len(s.Headers))
	for j, h := range s.Headers {
		if j < len(s.rows[i]) {
			values[h] = s.rows[i][j]
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

// index keys the rows by email and user ID.
func (s *Snapshot) index() error {
	email, id := -1, -1
	for i, h := range s.Headers {
		switch h {
		case headerOf("email"):
			email = i
		case headerOf("id"):
			id = i
		}
	}
	if email < 0 && id < 0 {
		return errors.New("it names no user (no Email or User ID column)")
	}
	s.byKey = make(map[string]int, 2*len(s.rows))
	for i, r := range s.rows {
		for _, c := range []int{email, id} {
			if c >= 0 && c < len(r) && strings.TrimSpace(r[c]) != "" {
				s.byKey[strings.ToLower(strings.TrimSpace(r[c]))] = i
			}
		}
	}
	return nil
}

// snapWriter spools the snapshot while the export streams its rows: a
// CSV export's sidecar is written in place (through a temporary name), an
// XLSX export's is copied into the hidden sheet once the users sheet is
// closed (a workbook streams one sheet at a time).
type snapWriter struct {
	file    *sheet.AtomicFile
	w       *csv.Writer
	width   int
	row     []string
	skipped bool // the export names no user: no snapshot
}

// newSnapWriter starts the snapshot of an export to path. An export whose
// columns name no user (no Email, no User ID) keeps none, and an older
// sidecar of that name is removed: it would describe another file.
func newSnapWriter(path string, format Format, headers, unread []string, account string, taken time.Time) (*snapWriter, error) {
	sidecar := path + SnapshotSuffix
	has := func(key string) bool {
		for _, h := range headers {
			if h == headerOf(key) {
				return true
			}
		}
		return false
	}
	if !has("email") && !has("id") {
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
	s := &snapWriter{file: f, w: csv.NewWriter(f), width: len(headers) + 1}
	s.row = make([]string, s.width)
	head := append([]string{snapMarker}, headers...)
	facts := [][]string{head, {"version", snapVersion}, {"account", account}, {"exported", taken.UTC().Format(time.RFC3339)}}
	if len(unread) > 0 {
		facts = append(facts, append([]string{"unread"}, unread...))
	}
	for _, r := range facts {
		if err := s.w.Write(pad(r, s.width)); err != nil {
			f.Abort()
			return nil, err
		}
	}
	return s, nil
}

func pad(r []string, n int) []string {
	for len(r) < n {
		r = append(r, "")
	}
	return r
}

// add records one exported row.
func (s *snapWriter) add(cells []sheet.Cell) error {
	if s.skipped {
		return nil
	}
	s.row[0] = snapUser
	for i, c := range cells {
		s.row[i+1] = c.String()
	}
	return s.w.Write(s.row)
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
	r := csv.NewReader(s.file)
	r.ReuseRecord = true
	head, err := r.Read()
	if err != nil {
		return err
	}
	cols := make([]sheet.Column, len(head))
	for i, h := range head {
		cols[i] = sheet.Column{Header: h, Kind: sheet.Text}
	}
	tw, err := wb.AddTable(sheet.Table{Name: SnapshotSheet, Columns: cols})
	if err != nil {
		return err
	}
	cells := make([]sheet.Cell, len(head))
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		for i := range cells {
			cells[i] = sheet.TextCell(rec[i])
		}
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
		r := csv.NewReader(f)
		r.FieldsPerRecord = -1
		head, err := r.Read()
		if err != nil {
			return nil, false, &SnapshotError{File: side, Msg: err.Error()}
		}
		return readSnapshot(side, head, func() ([]string, int, error) {
			rec, err := r.Read()
			line, _ := r.FieldPos(0)
			return pad(rec, len(head)), line, err
		})
	}
	return nil, false, nil
}

// readSnapshot reads the record's rows: head, then next until io.EOF.
func readSnapshot(file string, head []string, next func() (cells []string, number int, err error)) (*Snapshot, bool, error) {
	if len(head) == 0 || strings.TrimSpace(head[0]) != snapMarker {
		return nil, false, &SnapshotError{File: file, Msg: "its first cell is not " + snapMarker}
	}
	s := &Snapshot{Headers: head[1:], Unread: map[string]bool{}}
	version := ""
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
		switch strings.TrimSpace(c[0]) {
		case snapUser:
			s.rows = append(s.rows, append([]string(nil), c[1:]...))
		case "version":
			version = strings.TrimSpace(c[1])
		case "unread":
			for _, h := range c[1:] {
				if h != "" {
					s.Unread[h] = true
				}
			}
		case "account":
			s.Account = strings.TrimSpace(c[1])
		case "exported":
			t, err := time.Parse(time.RFC3339, strings.TrimSpace(c[1]))
			if err != nil {
				return nil, false, &SnapshotError{File: file, Msg: fmt.Sprintf("row %d: the export time %q is not a time", number, c[1])}
			}
			s.Taken = t
		default:
			return nil, false, &SnapshotError{File: file, Msg: fmt.Sprintf("row %d: %q is not a row of the record", number, c[0])}
		}
	}
	switch {
	case version != snapVersion:
		return nil, false, &SnapshotError{File: file, Msg: fmt.Sprintf("version %q, this zoombulk reads %s", version, snapVersion)}
	case s.Account == "":
		return nil, false, &SnapshotError{File: file, Msg: "it names no account"}
	}
	if err := s.index(); err != nil {
		return nil, false, &SnapshotError{File: file, Msg: err.Error()}
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
