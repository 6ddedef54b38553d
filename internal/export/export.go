// Package export writes the account for people: the users, groups,
// divisions, group members and contact groups as CSV or Excel, and the
// summary workbook.
package export

// Account exports: users, groups, divisions, group members, contact groups
// and the summary workbook. This file holds what they share: the output
// file (written under a temporary name and renamed into place, so a failed
// export never leaves a partial file under the final name), the progress
// callback and the errors the command maps to exit codes.

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/zoombulk/zoombulk/internal/sheet"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// Format is the kind of file an export writes.
type Format string

// Export formats.
const (
	CSV  Format = "csv"  // UTF-8 with BOM, one table
	XLSX Format = "xlsx" // Excel workbook
)

// FormatOf picks the format from the file extension (.csv or .xlsx, any
// case); anything else is a *UsageError.
func FormatOf(path string) (Format, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		return CSV, nil
	case ".xlsx":
		return XLSX, nil
	}
	return "", unsupported(path, CSV, XLSX)
}

func unsupported(path string, allowed ...Format) error {
	exts := make([]string, len(allowed))
	for i, f := range allowed {
		exts[i] = "." + string(f)
	}
	ext := filepath.Ext(path)
	what := fmt.Sprintf("unsupported file type %q", ext)
	if ext == "" {
		what = "the file name has no extension"
	}
	return &UsageError{Msg: fmt.Sprintf("%s: %s; this export writes %s", path, what, strings.Join(exts, " or "))}
}

// CheckOutput says, before anything is fetched, whether an export can be
// written to path: the extension is one of allowed (all formats when none
// is given) and the folder exists. Problems are *UsageError.
func CheckOutput(path string, allowed ...Format) (Format, error) {
	if len(allowed) == 0 {
		allowed = []Format{CSV, XLSX}
	}
	if strings.TrimSpace(path) == "" {
		return "", &UsageError{Msg: "no output file: give -o FILE.xlsx or -o FILE.csv"}
	}
	f, err := FormatOf(path)
	if err != nil || !slices.Contains(allowed, f) {
		return "", unsupported(path, allowed...)
	}
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	switch {
	case err != nil:
		return "", &UsageError{Msg: fmt.Sprintf("%s: the folder %s does not exist: create it first", path, dir)}
	case !st.IsDir():
		return "", &UsageError{Msg: fmt.Sprintf("%s: %s is not a folder", path, dir)}
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return "", &UsageError{Msg: fmt.Sprintf("%s is a folder: give a file name", path)}
	}
	return f, nil
}

// UsageError is a problem with what was asked (an unsupported file type, an
// unknown status or field): nothing was fetched or written.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// IsUsage reports whether err is a problem with the request itself (exit
// code 2), as opposed to Zoom or the disk failing.
func IsUsage(err error) bool {
	var u *UsageError
	var n *zoom.UnknownNameError
	return errors.As(err, &u) || errors.As(err, &n)
}

// Progress is how far an export has got. It is passed to the progress
// callback from the writer goroutine after every page (and, with details,
// every few users).
type Progress struct {
	Pages   int // listing pages received
	Listed  int // users received from the listings
	Done    int // users handled: written, filtered out, or read in detail and written
	Rows    int // rows written
	Total   int // users the listings announced (total_records), 0 until known
	Elapsed time.Duration
}

// Result says what an export wrote.
type Result struct {
	Path    string
	Format  Format
	Rows    int // data rows written (the users sheet or table)
	Pages   int // listing pages read
	Elapsed time.Duration
	// Calls are the API calls the export made, by rate-limit category.
	Calls map[zoom.Category]int64
}

// output is a file being written under a temporary name in its final
// folder; commit renames it into place, abort removes it.
type output struct {
	path   string
	format Format
	wb     *sheet.Workbook
	tmp    *sheet.AtomicFile
	table  sheet.TableWriter // the CSV's only table
	done   bool
}

func newOutput(path string, allowed ...Format) (*output, error) {
	f, err := CheckOutput(path, allowed...)
	if err != nil {
		return nil, err
	}
	o := &output{path: path, format: f}
	if f == XLSX {
		o.wb = sheet.NewWorkbook()
		return o, nil
	}
	o.tmp, err = sheet.CreateAtomic(path)
	if err != nil {
		return nil, fmt.Errorf("creating %s: %w", path, err)
	}
	return o, nil
}

// addTable starts a sheet (XLSX) or the file's one table (CSV).
func (o *output) addTable(t sheet.Table) (sheet.TableWriter, error) {
	if o.format == XLSX {
		return o.wb.AddTable(t)
	}
	if o.table != nil {
		return nil, fmt.Errorf("%s: a CSV file holds one table", o.path)
	}
	tw, err := sheet.NewCSVWriter(o.tmp, t.Columns)
	if err != nil {
		return nil, err
	}
	o.table = tw
	return tw, nil
}

// commit writes the file under its final name.
func (o *output) commit() error {
	if o.done {
		return errors.New("report: output already finished")
	}
	o.done = true
	if o.format == XLSX {
		if err := o.wb.SaveAs(o.path); err != nil {
			return fmt.Errorf("writing %s: %w", o.path, err)
		}
		return nil
	}
	if o.table == nil {
		o.tmp.Abort()
		return fmt.Errorf("writing %s: no table was written", o.path)
	}
	err := o.table.Close()
	if err != nil {
		o.tmp.Abort()
	} else {
		err = o.tmp.Commit()
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", o.path, err)
	}
	return nil
}

// abort drops the file; a no-op after commit.
func (o *output) abort() {
	if o.done {
		return
	}
	o.done = true
	if o.wb != nil {
		_ = o.wb.Close()
	}
	if o.tmp != nil {
		o.tmp.Abort()
	}
}
