package sheet

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// How the XLSX reader gets canonical values out of excelize
//
// excelize's streaming Rows iterator hands back one string per cell, either
// raw or rendered with the cell's number format, and never tells which style
// a cell has. Raw loses dates (a serial number such as 46082), formatted
// loses numbers (General renders 1E+15, "#,##0" renders 6,589,310,093) and
// renders dates in the file's own pattern (03-01-26).
//
// So, before iterating, the reader rewrites the number format of every cell
// style (cellXfs entry) of the opened workbook, in memory only (the file is
// never saved):
//
//   - date and time formats become a private format that prints a marker,
//     a flavour letter and the serial number: "\uFFFFD46082.3958333333";
//     U+FFFF is not allowed in XML, so no text cell can start with it
//     short of a deliberate "_xFFFF_" escape (our writer turns it into
//     U+FFFD);
//     the reader turns that into ISO 8601 itself (date1904 aware);
//   - every other format becomes an id excelize does not know, so excelize
//     returns the value unformatted (numbers in plain decimal, text as is);
//   - elapsed-time formats ([h]:mm:ss) get a marker too and read as a
//     duration, hours unbounded: "30:00:00".
//
// Text cells never show the marker: a one-section number format leaves text
// untouched. This touches excelize internals through exported fields
// (File.Styles.CellXfs.Xf[i].NumFmtID); TestXLSXValues pins the behaviour.

const dateMarker = "\uFFFF"

// xmlMemLimit: workbook parts bigger than this (uncompressed) are read from
// temporary files instead of memory; above all the shared strings table,
// which excelize would otherwise parse whole into memory.
const xmlMemLimit = 4 << 20

// date flavours, the letter after the marker.
const (
	flavorNone    byte = 0
	flavorDate    byte = 'D' // date only
	flavorTime    byte = 'T' // time of day only
	flavorStamp   byte = 'X' // date, plus the time when not midnight
	flavorAuto    byte = 'A' // locale-dependent built-in: date+time, or time below 1
	flavorElapsed byte = 'E' // [h]:mm:ss and friends: a duration, H:MM:SS
)

// noFormat is a number format id excelize knows neither as built-in nor as
// custom, so it returns values unformatted.
const noFormat = -1

type xlsxReader struct {
	name     string
	sheet    string
	f        *excelize.File
	rows     *excelize.Rows
	rowNum   int // the sheet row of the last row returned by rows.Next
	header   []string
	date1904 bool
	done     bool
}

func openXLSX(path, name string, opts Options) (Reader, error) {
	f, err := excelize.OpenFile(path, excelize.Options{UnzipXMLSizeLimit: xmlMemLimit})
	if err != nil {
		return nil, openError(name, err)
	}
	return newXLSXReader(f, name, opts)
}

func openError(name string, err error) error {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
		return err
	}
	switch {
	case errors.Is(err, excelize.ErrWorkbookFileFormat):
		return &InputError{File: name, Msg: "not an .xlsx workbook: it is password-protected or in the old .xls format",
			Hint: "remove the password, or open it in Excel and save it as .xlsx or CSV"}
	case errors.Is(err, zip.ErrFormat), errors.Is(err, zip.ErrAlgorithm), errors.Is(err, zip.ErrChecksum),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return &InputError{File: name, Msg: "not a valid .xlsx workbook (" + err.Error() + ")",
			Hint: "open it in Excel and save it as .xlsx, or export it as CSV"}
	}
	var ie *InputError
	if errors.As(err, &ie) {
		return err
	}
	return &InputError{File: name, Msg: "the workbook could not be read (" + err.Error() + ")",
		Hint: "open it in Excel and save it again, or export it as CSV"}
}

// newXLSXReader takes ownership of f.
func newXLSXReader(f *excelize.File, name string, opts Options) (r Reader, err error) {
	x := &xlsxReader{name: name, f: f}
	defer func() {
		if p := recover(); p != nil {
			err = &InputError{File: name, Msg: fmt.Sprintf("the workbook could not be read (%v)", p),
				Hint: "open it in Excel and save it again, or export it as CSV"}
		}
		if err != nil {
			_ = x.Close()
			r = nil
		}
	}()
	if x.sheet, err = pickSheet(f, name, opts.Sheet); err != nil {
		return nil, err
	}
	if props, perr := f.GetWorkbookProps(); perr == nil && props.Date1904 != nil {
		x.date1904 = *props.Date1904
	}
	prepareStyles(f)
	if x.rows, err = f.Rows(x.sheet); err != nil {
		return nil, openError(name, err)
	}
	if err = x.readHeader(opts.headerRow()); err != nil {
		return nil, err
	}
	return x, nil
}

// pickSheet resolves the sheet to read: the named one (exact, then
// case-insensitive match) or the first visible one.
func pickSheet(f *excelize.File, file, want string) (string, error) {
	list := f.GetSheetList()
	if len(list) == 0 {
		return "", &InputError{File: file, Msg: "the workbook has no sheets"}
	}
	if want == "" {
		for _, s := range list {
			if vis, err := f.GetSheetVisible(s); err == nil && vis {
				return s, nil
			}
		}
		return list[0], nil
	}
	for _, s := range list {
		if s == want {
			return s, nil
		}
	}
	for _, s := range list {
		if strings.EqualFold(strings.TrimSpace(s), strings.TrimSpace(want)) {
			return s, nil
		}
	}
	quoted := make([]string, len(list))
	for i, s := range list {
		quoted[i] = strconv.Quote(s)
	}
	return "", &InputError{File: file, Msg: fmt.Sprintf("no sheet named %q", want),
		Hint: "the workbook has " + strings.Join(quoted, ", ")}
}

func (x *xlsxReader) readHeader(want int) error {
	for x.rowNum < want {
		if !x.rows.Next() {
			if err := x.rows.Error(); err != nil {
				return &InputError{File: x.name, Row: x.rowNum + 1, Msg: "the sheet could not be read (" + err.Error() + ")"}
			}
			if x.rowNum == 0 {
				return &InputError{File: x.name, Msg: fmt.Sprintf("sheet %q is empty", x.sheet),
					Hint: "put the column names in row 1 and the data below, or choose another sheet"}
			}
			return missingHeaderError(x.name, want, x.rowNum)
		}
		x.rowNum++
	}
	cells, err := x.rows.Columns()
	if err != nil {
		return &InputError{File: x.name, Row: x.rowNum, Msg: "the header row could not be read (" + err.Error() + ")"}
	}
	x.fixValues(cells)
	if allBlank(cells) {
		return blankHeaderError(x.name, want)
	}
	x.header = headerFrom(cells)
	return nil
}

func (x *xlsxReader) Header() []string { return x.header }

func (x *xlsxReader) Next() (row Row, err error) {
	defer func() {
		if p := recover(); p != nil {
			x.done = true
			row, err = Row{}, &InputError{File: x.name, Row: x.rowNum, Msg: fmt.Sprintf("the row could not be read (%v)", p),
				Hint: "open the workbook in Excel and save it again, or export it as CSV"}
		}
	}()
	for !x.done {
		if !x.rows.Next() {
			x.done = true
			if err := x.rows.Error(); err != nil {
				return Row{}, &InputError{File: x.name, Row: x.rowNum + 1, Msg: "the sheet could not be read (" + err.Error() + ")"}
			}
			return Row{}, io.EOF
		}
		x.rowNum++
		cells, err := x.rows.Columns()
		if err != nil {
			x.done = true
			return Row{}, &InputError{File: x.name, Row: x.rowNum, Msg: "the row could not be read (" + err.Error() + ")"}
		}
		x.fixValues(cells)
		if allBlank(cells) {
			continue
		}
		return shapeRow(x.rowNum, cells, len(x.header)), nil
	}
	return Row{}, io.EOF
}

func (x *xlsxReader) Close() error {
	x.done = true
	var err error
	if x.rows != nil {
		_ = x.rows.Close()
		x.rows = nil
	}
	if x.f != nil {
		err = x.f.Close()
		x.f = nil
	}
	return err
}

// fixValues turns the date markers into ISO text.
func (x *xlsxReader) fixValues(cells []string) {
	for i, c := range cells {
		if strings.HasPrefix(c, dateMarker) || strings.HasPrefix(c, "-"+dateMarker) {
			cells[i] = decodeDateMarker(c, x.date1904)
		}
	}
}

func decodeDateMarker(v string, date1904 bool) string {
	s, neg := v, false
	if strings.HasPrefix(s, "-") {
		s, neg = s[1:], true
	}
	s = strings.TrimPrefix(s, dateMarker)
	if s == "" {
		return v
	}
	flavor, num := s[0], s[1:]
	if strings.HasPrefix(num, "-") {
		num, neg = num[1:], !neg
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return v
	}
	if neg {
		f = -f
	}
	return excelDateString(f, flavor, date1904)
}

// maxSerial is 9999-12-31 plus one day, in the 1900 date system.
const maxSerial = 2958466

// excelDateString renders an Excel serial date as ISO 8601 per flavour.
func excelDateString(serial float64, flavor byte, date1904 bool) string {
	if flavor == flavorElapsed {
		return elapsedString(serial)
	}
	limit := float64(maxSerial)
	if date1904 {
		limit -= 1462
	}
	if serial < 0 || serial >= limit || math.IsNaN(serial) {
		return canonicalNumber(serial)
	}
	days := math.Floor(serial)
	secs := int(math.Round((serial - days) * 86400))
	if secs >= 86400 {
		days++
		secs -= 86400
	}
	clock := fmt.Sprintf("%02d:%02d:%02d", secs/3600, secs/60%60, secs%60)
	if flavor == flavorTime || (days == 0 && !date1904) {
		return clock
	}
	var date string
	switch {
	case date1904:
		date = time.Date(1904, 1, 1+int(days), 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	case days == 60:
		date = "1900-02-29" // Excel's (Lotus's) phantom leap day
	case days < 60:
		date = time.Date(1899, 12, 31+int(days), 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	default:
		date = time.Date(1899, 12, 30+int(days), 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	}
	if flavor == flavorDate || secs == 0 {
		return date
	}
	return date + "T" + clock
}

// elapsedString renders a duration in days as H:MM:SS, hours unbounded.
func elapsedString(days float64) string {
	if math.IsNaN(days) || math.Abs(days) > 1e9 {
		return canonicalNumber(days)
	}
	secs := int64(math.Round(math.Abs(days) * 86400))
	sign := ""
	if days < 0 && secs > 0 {
		sign = "-"
	}
	return fmt.Sprintf("%s%d:%02d:%02d", sign, secs/3600, secs/60%60, secs%60)
}

// canonicalNumber renders f as Excel would in a wide General cell: at most
// 15 significant digits, plain decimal, no exponent.
func canonicalNumber(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	g, _ := strconv.ParseFloat(strconv.FormatFloat(f, 'g', 15, 64), 64)
	return strconv.FormatFloat(g, 'f', -1, 64)
}

// prepareStyles rewrites the number formats of the workbook's cell styles
// (see the comment at the top of this file). It never fails: on any problem
// the workbook keeps its own formats and values come back as excelize
// renders them.
func prepareStyles(f *excelize.File) {
	defer func() { _ = recover() }()
	if _, err := f.GetStyle(0); err != nil && f.Styles == nil {
		return
	}
	if f.Styles == nil || f.Styles.CellXfs == nil {
		return
	}
	n := len(f.Styles.CellXfs.Xf)
	flavors := make([]byte, n)
	for i := range n {
		id := 0
		if p := f.Styles.CellXfs.Xf[i].NumFmtID; p != nil {
			id = *p
		}
		flavors[i] = numFmtFlavor(f, id)
	}
	markerFmt := map[byte]int{}
	for _, fl := range []byte{flavorDate, flavorTime, flavorStamp, flavorAuto, flavorElapsed} {
		code := fmt.Sprintf(`"%s%c"0.###############;"%s%c"-0.###############`, dateMarker, fl, dateMarker, fl)
		style, err := f.NewStyle(&excelize.Style{CustomNumFmt: &code})
		if err != nil || style >= len(f.Styles.CellXfs.Xf) || f.Styles.CellXfs.Xf[style].NumFmtID == nil {
			return
		}
		markerFmt[fl] = *f.Styles.CellXfs.Xf[style].NumFmtID
	}
	for i := range n {
		xf := &f.Styles.CellXfs.Xf[i]
		switch fl := flavors[i]; fl {
		case flavorNone:
			id := noFormat
			xf.NumFmtID = &id
		default:
			id := markerFmt[fl]
			xf.NumFmtID = &id
		}
	}
}

// numFmtFlavor classifies a number format id of the workbook.
func numFmtFlavor(f *excelize.File, id int) byte {
	if f.Styles.NumFmts != nil {
		for _, nf := range f.Styles.NumFmts.NumFmt {
			if nf.NumFmtID == id {
				code := nf.FormatCode
				if nf.FormatCode16 != "" {
					code = nf.FormatCode16
				}
				return codeFlavor(code)
			}
		}
	}
	switch {
	case id >= 14 && id <= 17:
		return flavorDate
	case id >= 18 && id <= 21, id == 45, id == 47:
		return flavorTime
	case id == 22:
		return flavorStamp
	case id == 46:
		return flavorElapsed
	case id >= 27 && id <= 36, id >= 50 && id <= 58, id >= 71 && id <= 81:
		return flavorAuto
	}
	return flavorNone
}

// codeFlavor classifies a number format code by the tokens of its first
// section, skipping literals ("..." \x _x *x) and bracketed parts other than
// elapsed-time ones ([h] [mm] [ss]).
func codeFlavor(code string) byte {
	var hasDate, hasTime, hasM bool
	lower := strings.ToLower(code)
	for i := 0; i < len(lower); i++ {
		c := lower[i]
		switch c {
		case ';':
			i = len(lower) // first section only
			continue
		case '"':
			if j := strings.IndexByte(lower[i+1:], '"'); j >= 0 {
				i += j + 1
			} else {
				i = len(lower)
			}
			continue
		case '\\', '_', '*':
			i++
			continue
		case '[':
			j := strings.IndexByte(lower[i+1:], ']')
			if j < 0 {
				i = len(lower)
				continue
			}
			inner := lower[i+1 : i+1+j]
			if inner != "" && strings.Trim(inner, string(inner[0])) == "" && strings.ContainsAny(inner[:1], "hms") {
				return flavorElapsed
			}
			i += j + 1
			continue
		case 'y', 'd':
			hasDate = true
		case 'e':
			// e+ / e- is scientific notation; a lone e is the era year.
			if i+1 < len(lower) && (lower[i+1] == '+' || lower[i+1] == '-') {
				i++
				continue
			}
			hasDate = true
		case 'h', 's':
			hasTime = true
		case 'm':
			hasM = true
		case 'a':
			if strings.HasPrefix(lower[i:], "am/pm") || strings.HasPrefix(lower[i:], "a/p") {
				hasTime = true
			}
		case 'g':
			if strings.HasPrefix(lower[i:], "general") {
				i += len("general") - 1
				continue
			}
		}
	}
	switch {
	case hasDate && hasTime:
		return flavorStamp
	case hasDate:
		return flavorDate
	case hasTime:
		return flavorTime
	case hasM:
		return flavorDate // "mmm", "mmmm yyyy" without y handled above: months
	}
	return flavorNone
}
