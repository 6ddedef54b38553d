package sheet

import (
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"strings"
)

// Options tune how a file is read. The zero value reads the first sheet with
// the headers on row 1.
type Options struct {
	// Sheet is the .xlsx sheet to read (default: the first visible sheet).
	// An unknown name is an InputError listing the sheets that exist.
	// Ignored for CSV.
	Sheet string
	// HeaderRow is the 1-based row holding the headers (default 1); rows
	// above it are ignored. For CSV a row is a line, counted as Row.Number
	// counts them.
	HeaderRow int
	// UnescapeFormulas applies UnescapeFormula to every CSV cell (header
	// cells included), undoing the apostrophe our CSV writer puts before
	// values starting with = + - @ tab or CR. Set it when the input may be
	// one of our own reports (results.csv, failed.csv). Ignored for XLSX,
	// where our writer needs no escaping.
	UnescapeFormulas bool
	// MaxColumns refuses a sheet whose header, or any row, has more
	// non-blank columns than this (0 = DefaultMaxColumns): such widths are
	// damaged or hostile files, and would make every report as wide.
	MaxColumns int
	// MaxInflated caps the inflated size in bytes of the XLSX sheet read
	// (0 = DefaultMaxInflated). Ignored for CSV.
	MaxInflated int64
	// ExampleMarkers are first-cell values (compared trimmed and
	// case-insensitively) that mark a template's example rows; such rows,
	// and conventional comment rows (first cell "#", "# text" or "##..."),
	// come back with Row.Comment set. Other rows whose first cell starts
	// with "#" (e.g. "#ops@acme.example") are ordinary data.
	ExampleMarkers []string
}

func (o Options) maxColumns() int {
	if o.MaxColumns <= 0 {
		return DefaultMaxColumns
	}
	return o.MaxColumns
}

func (o Options) headerRow() int {
	if o.HeaderRow < 1 {
		return 1
	}
	return o.HeaderRow
}

// Row is one data row.
type Row struct {
	// Number is the sheet's own 1-based row number (CSV: the line the
	// record starts on, counting from 1 for the first line, blank lines
	// included), for reports.
	Number int
	// Cells holds exactly len(Header()) cells; short rows are padded with "".
	Cells []string
	// Extra holds the non-empty cells beyond the header width (ragged
	// rows), in order; nil if there are none.
	Extra []string
	// Hidden is set when the row is hidden in the workbook (by a filter or
	// by hand). Always false for CSV.
	Hidden bool
	// Comment is set when the row is a comment or a template example row
	// (see Options.ExampleMarkers). The reader still returns it, so the
	// caller can say which rows it skipped.
	Comment bool
	// Values holds the cells typed as the file had them (XLSX: number,
	// date, date-time, boolean or text, with the cell's number format in
	// Cell.Format), parallel to Cells; nil for CSV. Use Value(i).
	Values []Cell
}

// Value returns cell i typed: Values[i] when the reader kept the type,
// otherwise the text of Cells[i].
func (r Row) Value(i int) Cell {
	if i < len(r.Values) && !r.Values[i].empty() {
		return r.Values[i]
	}
	if i < len(r.Cells) {
		return TextCell(r.Cells[i])
	}
	return EmptyCell()
}

// IsComment reports whether a row with this first cell is a comment:
// "#" alone, "#" followed by white space or by another "#", or one of
// markers (a template's example rows; compared trimmed, ignoring case).
func IsComment(first string, markers []string) bool {
	s := strings.TrimSpace(first)
	if !strings.HasPrefix(s, "#") {
		return false
	}
	if len(s) == 1 || s[1] == '#' || s[1] == ' ' || s[1] == '\t' {
		return true
	}
	for _, m := range markers {
		if strings.EqualFold(s, strings.TrimSpace(m)) {
			return true
		}
	}
	return false
}

// Reader streams the rows of one table.
type Reader interface {
	// Header returns the header cells as in the file (not trimmed; trailing
	// blank cells dropped). Never nil after Open succeeds.
	Header() []string
	// Next returns the next row, or io.EOF after the last one. Rows whose
	// cells are all blank after trimming are skipped, but numbering keeps
	// counting. A malformed row is an *InputError naming it; errors end
	// the stream (the next call returns io.EOF), since what follows a
	// malformed CSV record cannot be trusted.
	Next() (Row, error)
	// Close releases the file. It is safe to call more than once.
	Close() error
}

// Format describes how an input was decoded, for messages such as
// `read users.csv as Windows-1252, ";"-separated`.
type Format struct {
	Kind      string // "csv" or "xlsx"
	Encoding  string // CSV: "utf-8", "utf-8-bom", "utf-16le", "utf-16be" or "windows-1252"; "+windows-1252" is appended when stray bytes of a UTF-8 file were read as Windows-1252 (so far)
	Delimiter rune   // CSV: ',', ';' or '\t'
	Sheet     string // XLSX: the sheet being read
}

// Describe reports how r decodes its input; the zero Format for readers not
// made by this package.
func Describe(r Reader) Format {
	switch r := r.(type) {
	case *csvReader:
		return Format{Kind: "csv", Encoding: r.encodingName(), Delimiter: rune(r.p.delim)}
	case *xlsxReader:
		return Format{Kind: "xlsx", Sheet: r.sheet}
	}
	return Format{}
}

// Merges returns the merged ranges whose value an XLSX reader has copied
// into every cell of the range so far (call it after the last row); nil
// for CSV and for readers not made by this package.
func Merges(r Reader) []MergedRange {
	if x, ok := r.(*xlsxReader); ok {
		return append([]MergedRange(nil), x.filled...)
	}
	return nil
}

// HiddenColumns returns the 0-based indexes (into Header()) of the columns
// the workbook hides; nil for CSV.
func HiddenColumns(r Reader) []int {
	if x, ok := r.(*xlsxReader); ok {
		return x.hiddenColumns()
	}
	return nil
}

// Supported file extensions, for messages.
const supportedKinds = ".csv, .txt, .tsv, .xlsx or .xlsm"

// Open opens the file at path and reads its header row. The kind comes from
// the extension: .csv .txt .tsv are CSV (tab-delimited by default for .tsv),
// .xlsx .xlsm are Excel workbooks; any other extension is an *InputError.
func Open(path string, opts Options) (Reader, error) {
	name := filepath.Base(path)
	ext := strings.ToLower(filepath.Ext(path))
	// A FIFO or a device would block the open or never end (/dev/zero),
	// deaf to Ctrl-C: only regular files (symlinks to them too) are read.
	if st, err := os.Stat(path); err != nil {
		return nil, err
	} else if st.IsDir() {
		return nil, &InputError{File: name, Msg: "this is a folder, not a spreadsheet", Hint: "name the .csv or .xlsx file"}
	} else if !st.Mode().IsRegular() {
		return nil, &InputError{File: name, Msg: "this is not a regular file (" + fileKind(st.Mode()) + ")",
			Hint: "save the data to a .csv or .xlsx file and name that"}
	}
	switch ext {
	case ".csv", ".txt", ".tsv":
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		r, err := newCSVReader(f, name, opts, ext == ".tsv")
		if err != nil {
			_ = f.Close()
			return nil, err
		}
		r.closer = f
		return r, nil
	case ".xlsx", ".xlsm":
		return openXLSX(path, name, opts)
	}
	hint := "save it as CSV or as an Excel workbook (.xlsx)"
	switch ext {
	case ".xls":
		hint = "this is the old Excel 97-2003 format: open it in Excel and save it as .xlsx or CSV"
	case ".ods", ".numbers":
		hint = "export it as .xlsx or CSV"
	}
	kind := fmt.Sprintf("unsupported file type %q", ext)
	if ext == "" {
		kind = "the file name has no extension"
	}
	return nil, &InputError{File: name, Msg: kind + "; supported: " + supportedKinds, Hint: hint}
}

// isBlank reports whether s is empty after trimming white space.
func isBlank(s string) bool {
	return strings.TrimSpace(s) == ""
}

func allBlank(cells []string) bool {
	for _, c := range cells {
		if !isBlank(c) {
			return false
		}
	}
	return true
}

// headerFrom copies the header cells, dropping trailing blank ones.
func headerFrom(cells []string) []string {
	n := len(cells)
	for n > 0 && isBlank(cells[n-1]) {
		n--
	}
	h := make([]string, n)
	copy(h, cells[:n])
	return h
}

// shapeRow fits cells to the header width: padded with "", with the
// non-blank cells beyond the width moved to Extra. It copies the slice
// unless owned (the caller gives it up) and wide enough.
func shapeRow(number int, cells []string, width int, opts Options, owned bool) Row {
	row := Row{Number: number}
	if owned && len(cells) >= width {
		row.Cells = cells[:width:width]
	} else {
		row.Cells = make([]string, width)
		copy(row.Cells, cells)
	}
	if len(cells) > 0 {
		row.Comment = IsComment(cells[0], opts.ExampleMarkers)
	}
	if len(cells) > width {
		for _, c := range cells[width:] {
			if !isBlank(c) {
				row.Extra = append(row.Extra, c)
			}
		}
	}
	return row
}

// checkWidth refuses a row with more non-blank cells than max.
func checkWidth(file string, number int, cells []string, max int) error {
	if len(cells) <= max {
		return nil
	}
	n := 0
	for _, c := range cells {
		if !isBlank(c) {
			n++
		}
	}
	if n <= max {
		return nil
	}
	return limitInputError(file, number, &LimitError{What: "the number of columns", Limit: int64(max), Got: int64(n)},
		fmt.Sprintf("the row has %d filled columns; at most %d are supported", n, max),
		"the file is damaged, or holds something other than one user a row; remove the extra columns")
}

func tooWideError(file string, row, n, max int) error {
	return limitInputError(file, row, &LimitError{What: "the number of columns", Limit: int64(max), Got: int64(n)},
		fmt.Sprintf("the header row has %d columns; at most %d are supported", n, max),
		"remove the columns the job does not use, or check that this is the right header row")
}

func blankHeaderError(file string, row int) *InputError {
	return &InputError{
		File: file,
		Row:  row,
		Msg:  "the header row is blank",
		Hint: fmt.Sprintf("put the column names in row %d, or set the header row to the row that holds them", row),
	}
}

func missingHeaderError(file string, row, last int) *InputError {
	msg := "the file has no rows"
	if last > 0 {
		msg = fmt.Sprintf("the file ends at row %d, before the header row %d", last, row)
	}
	return &InputError{File: file, Msg: msg, Hint: "check the header row setting"}
}

// All ranges over the rest of r's rows, one at a time (memory does not grow
// with the row count), for
//
//	for row, err := range sheet.All(r) {
//		if err != nil { return err }
//		...
//	}
//
// A read error is yielded once, with a zero Row, and ends the loop; io.EOF
// is not an error here. r stays open: the caller closes it.
func All(r Reader) iter.Seq2[Row, error] {
	return func(yield func(Row, error) bool) {
		for {
			row, err := r.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				yield(Row{}, err)
				return
			}
			if !yield(row, nil) {
				return
			}
		}
	}
}

// fileKind names what a path that is not a regular file is.
func fileKind(m os.FileMode) string {
	switch {
	case m&os.ModeNamedPipe != 0:
		return "a named pipe"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeDevice != 0:
		return "a device"
	}
	return "a special file"
}
