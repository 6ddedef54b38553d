package sheet

import (
	"archive/zip"
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// How the XLSX reader works
//
// The reader opens the workbook's zip itself and streams the chosen sheet's
// XML with encoding/xml, one <row> at a time. It does not use excelize for
// reading because excelize's Rows iterator (a) swallows XML errors, so a
// damaged sheet ends early without a word, (b) hides each cell's type and
// style, (c) inflates every part of the zip into memory or temporary files
// before the first row, which a decompression bomb turns into gigabytes,
// and (d) is about four times slower. Only the small parts are read whole:
// workbook.xml (sheet names, the 1904 date system), its relationships,
// styles.xml (the number format of each cell style) and the shared strings
// table. Every part is checked against size limits before it is inflated,
// and read through a counter, so a zip that lies about its sizes is cut off
// too. No temporary file is ever written.
//
// Values come back as text in canonical form (see the package comment), and
// typed (Row.Values) with the cell's number format code, so a writer can put
// them back as they were.

type xlsxReader struct {
	name     string
	sheet    string
	opts     Options
	zr       *zip.ReadCloser
	part     io.ReadCloser // the sheet's inflated XML
	sc       *xmlScanner
	header   []string
	date1904 bool
	xfs      []xfInfo // per cell style (cellXfs index)
	sst      []string
	merges   []mergeRange // sorted by first row
	mergeAt  int          // merges[:mergeAt] have started
	active   []*mergeRange
	filled   []MergedRange
	hidden   []int // hidden columns, 0-based, as read from <cols>
	rowNum   int   // the sheet row of the last row read
	ended    bool  // </sheetData> seen
	done     bool

	// parse state, reused across rows
	cells  []string
	values []Cell
	vbuf   []byte
	tbuf   []byte
	cref   []byte // the current cell's reference, for errors
}

type mergeRange struct {
	r1, c1, r2, c2 int // 1-based, inclusive
	ref            string
	text           string
	value          Cell
	reported       bool
}

// MergedRange is a merged range whose value the reader copied into every
// cell of the range (inside the header's columns, below the header row).
type MergedRange struct {
	Ref   string // A1-style, e.g. "C5:C9"
	Value string // the value that was copied
}

// scanMerges reads the sheet's <mergeCell ref="..."> elements, which come
// after the rows, with a byte scan (no XML parse) so rows can be filled as
// they stream.
func (x *xlsxReader) scanMerges(f *zip.File, limit int64) error {
	rc, err := x.openPart(f, limit)
	if err != nil {
		return err
	}
	defer rc.Close()
	br := bufio.NewReaderSize(rc, 64<<10)
	for {
		_, err := br.ReadSlice('<')
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil {
			// Damage is reported by the row reader, with its row number.
			return nil
		}
		name, _ := br.Peek(24)
		if i := bytes.IndexByte(name, ':'); i >= 0 && i < 12 {
			name = name[i+1:]
		}
		if !bytes.HasPrefix(name, []byte("mergeCell ")) && !bytes.HasPrefix(name, []byte("mergeCell\t")) {
			continue
		}
		el, err := br.ReadSlice('>')
		if err != nil {
			return nil
		}
		ref := attrOf(el, "ref")
		if m, ok := parseMerge(ref); ok {
			x.merges = append(x.merges, m)
		}
	}
}

// attrOf finds name="value" in the raw bytes of a start tag.
func attrOf(el []byte, name string) string {
	for _, q := range []string{`"`, `'`} {
		key := []byte(" " + name + "=" + q)
		if i := bytes.Index(el, key); i >= 0 {
			rest := el[i+len(key):]
			if j := bytes.IndexByte(rest, q[0]); j >= 0 {
				return string(rest[:j])
			}
		}
	}
	return ""
}

func parseMerge(ref string) (mergeRange, bool) {
	a, b, ok := strings.Cut(ref, ":")
	if !ok {
		return mergeRange{}, false
	}
	c1, r1, err1 := excelize.CellNameToCoordinates(a)
	c2, r2, err2 := excelize.CellNameToCoordinates(b)
	if err1 != nil || err2 != nil {
		return mergeRange{}, false
	}
	if r1 > r2 {
		r1, r2 = r2, r1
	}
	if c1 > c2 {
		c1, c2 = c2, c1
	}
	if r1 == r2 && c1 == c2 {
		return mergeRange{}, false
	}
	return mergeRange{r1: r1, c1: c1, r2: r2, c2: c2, ref: ref}, true
}

func (x *xlsxReader) damaged(row int, err error) *InputError {
	var ie *InputError
	if errors.As(err, &ie) {
		if ie.Row == 0 {
			ie.Row = row
		}
		if ie.Sheet == "" {
			ie.Sheet = x.sheet
		}
		return ie
	}
	msg := "the sheet's XML is damaged (" + err.Error() + "); rows from here on cannot be read"
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, errCutShort) || errors.Is(err, errXMLCutShort) {
		msg = "the sheet ends in the middle of its data (the file is cut short); rows from here on are missing"
	}
	return &InputError{File: x.name, Sheet: x.sheet, Row: row, Msg: msg,
		Hint: "open the workbook in Excel and save it again, or export it as CSV", Err: err}
}

var errCutShort = errors.New("the sheet XML ends before </sheetData>")

// readRow parses the next <row> into x.cells / x.values, returning its
// number and whether it is hidden; io.EOF after the last row.
func (x *xlsxReader) readRow() (num int, hidden bool, err error) {
	if x.ended {
		return 0, false, io.EOF
	}
	x.cells, x.values = x.cells[:0], x.values[:0]
	inRow := false
	col := 0
	var (
		inV, inT, inIS, inRPh, hasF bool
		ctype                       string
		cstyle                      int
	)
	sc := x.sc
	for {
		if err := sc.next(); err != nil {
			if err == io.EOF {
				err = errCutShort
			}
			return 0, false, x.damaged(x.rowNum+1, err)
		}
		switch sc.kind {
		case tokStart:
			switch string(sc.local()) {
			case "row":
				inRow, col = true, 0
				if num, hidden, err = x.rowStart(); err != nil {
					return 0, false, err
				}
			case "c":
				if !inRow {
					continue
				}
				hasF = false
				x.vbuf, x.tbuf = x.vbuf[:0], x.tbuf[:0]
				if ctype, cstyle, col, err = x.cellStart(num, col); err != nil {
					return 0, false, err
				}
			case "v":
				inV = true
			case "f":
				hasF = true
			case "is":
				inIS = true
			case "t":
				inT = inIS && !inRPh
			case "rPh":
				inRPh = true
			case "col":
				x.noteCol(sc)
			}
		case tokText:
			if err := x.cellText(inV, inT, num); err != nil {
				return 0, false, err
			}
		case tokEnd:
			switch string(sc.local()) {
			case "v":
				inV = false
			case "t":
				inT = false
			case "is":
				inIS = false
			case "rPh":
				inRPh = false
			case "c":
				if !inRow {
					continue
				}
				if err := x.cellEnd(num, col, ctype, cstyle, hasF); err != nil {
					return 0, false, err
				}
			case "row":
				x.rowNum = num
				return num, hidden, nil
			case "sheetData":
				x.ended = true
				return 0, false, io.EOF
			}
		}
	}
}

// rowStart reads a <row>'s number (the one after the last row read when it
// has none) and whether it is hidden.
func (x *xlsxReader) rowStart() (num int, hidden bool, err error) {
	num = x.rowNum + 1
	if v, ok := x.sc.attr("r"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > excelize.TotalRows {
			return 0, false, x.damaged(x.rowNum+1, fmt.Errorf("row number %q", v))
		}
		num = n
	}
	if v, ok := x.sc.attr("hidden"); ok {
		hidden = v == "1" || strings.EqualFold(v, "true")
	}
	if num <= x.rowNum {
		return 0, false, x.damaged(num, fmt.Errorf("row %d comes after row %d", num, x.rowNum))
	}
	return num, hidden, nil
}

// cellStart reads a <c>'s type, style and column (the one after the last
// cell's, prev, when it has no reference), and keeps its reference in
// x.cref for errors. One pass over the attributes: this is the hot path.
func (x *xlsxReader) cellStart(num, prev int) (ctype string, cstyle, col int, err error) {
	var refBytes []byte
	for i := 0; ; {
		key, val, next, ok := x.sc.nextAttr(i)
		if !ok {
			break
		}
		i = next
		switch string(key) {
		case "r":
			refBytes = val
		case "t":
			ctype = cellType(val)
		case "s":
			cstyle = atoiBytes(val)
		}
	}
	col = prev + 1
	if len(refBytes) > 0 {
		c, ok := refColumn(refBytes)
		if !ok {
			return "", 0, 0, x.damaged(num, fmt.Errorf("cell reference %q", refBytes))
		}
		col = c
	}
	x.cref = append(x.cref[:0], refBytes...)
	return ctype, cstyle, col, nil
}

// cellType is a cell's t attribute, with the known types as constants so
// that reading one allocates nothing.
func cellType(val []byte) string {
	switch string(val) {
	case "s":
		return "s"
	case "n", "":
		return ""
	case "inlineStr":
		return "inlineStr"
	case "str":
		return "str"
	case "b":
		return "b"
	case "e":
		return "e"
	}
	return string(val)
}

// cellText keeps the text of a cell's <v> (inV) or its inline string's
// <t> (inT), up to a limit no cell Excel writes comes near.
func (x *xlsxReader) cellText(inV, inT bool, num int) error {
	if inV {
		x.vbuf = append(x.vbuf, x.sc.text...)
	} else if inT {
		x.tbuf = append(x.tbuf, x.sc.text...)
	}
	if len(x.vbuf) > 4*maxCellChars || len(x.tbuf) > 4*maxCellChars {
		return x.cellTooLong(num)
	}
	return nil
}

// cellTooLong is the error for a cell larger than Excel allows.
func (x *xlsxReader) cellTooLong(num int) error {
	cref := string(x.cref)
	le := &LimitError{What: "the size of cell " + cref, Limit: maxCellChars}
	ie := limitInputError(x.name, num, le,
		fmt.Sprintf("cell %s holds more than the %d characters Excel allows in a cell", cref, maxCellChars),
		"the workbook is damaged or was not written by a spreadsheet program; export the data as CSV")
	ie.Sheet = x.sheet
	return ie
}

// cellEnd stores a finished cell's value in its column of the row.
func (x *xlsxReader) cellEnd(num, col int, ctype string, cstyle int, hasF bool) error {
	text, val, err := x.cellValue(ctype, cstyle, x.vbuf, x.tbuf, hasF)
	if err != nil {
		return x.damaged(num, fmt.Errorf("cell %s: %w", x.cref, err))
	}
	if text == "" {
		return nil
	}
	if col > excelize.MaxColumns {
		return x.damaged(num, fmt.Errorf("cell reference %q", x.cref))
	}
	for len(x.cells) < col {
		x.cells = append(x.cells, "")
		x.values = append(x.values, Cell{})
	}
	x.cells[col-1], x.values[col-1] = text, val
	return nil
}

// atoiBytes parses a small non-negative decimal; -1 when it is not one.
func atoiBytes(b []byte) int {
	if len(b) == 0 || len(b) > 9 {
		return -1
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// refColumn returns the 1-based column of an A1-style reference.
func refColumn(ref []byte) (int, bool) {
	col, i := 0, 0
	for ; i < len(ref); i++ {
		c := ref[i]
		switch {
		case c >= 'A' && c <= 'Z':
			col = col*26 + int(c-'A') + 1
		case c >= 'a' && c <= 'z':
			col = col*26 + int(c-'a') + 1
		default:
			goto digits
		}
		if col > excelize.MaxColumns {
			return 0, false
		}
	}
digits:
	if i == 0 || i == len(ref) {
		return 0, false
	}
	for ; i < len(ref); i++ {
		if ref[i] < '0' || ref[i] > '9' {
			return 0, false
		}
	}
	return col, true
}

// noteCol records hidden columns from a <col min max hidden> element.
func (x *xlsxReader) noteCol(sc *xmlScanner) {
	v, _ := sc.attr("min")
	lo, _ := strconv.Atoi(v)
	v, _ = sc.attr("max")
	hi, _ := strconv.Atoi(v)
	v, _ = sc.attr("hidden")
	hidden := v == "1" || strings.EqualFold(v, "true")
	if !hidden || lo < 1 {
		return
	}
	hi = min(max(hi, lo), lo+excelize.MaxColumns, excelize.MaxColumns)
	for c := lo; c <= hi; c++ {
		x.hidden = append(x.hidden, c-1)
	}
}

// cellValue renders one cell: canonical text and the typed value.
func (x *xlsxReader) cellValue(ctype string, style int, v, inline []byte, hasF bool) (string, Cell, error) {
	switch ctype {
	case "s":
		i, err := strconv.Atoi(strings.TrimSpace(string(v)))
		if err != nil || i < 0 || i >= len(x.sst) {
			return "", Cell{}, fmt.Errorf("shared string %q does not exist", v)
		}
		return x.sst[i], TextCell(x.sst[i]), nil
	case "inlineStr":
		s := unescapeOOXML(string(inline))
		return s, TextCell(s), nil
	case "str", "e", "d":
		s := string(v)
		if ctype == "str" {
			s = unescapeOOXML(s)
		}
		return s, TextCell(s), nil
	case "b":
		b := strings.TrimSpace(string(v))
		switch b {
		case "1", "true", "TRUE":
			return "TRUE", BoolCell(true), nil
		case "0", "false", "FALSE":
			return "FALSE", BoolCell(false), nil
		}
		return b, TextCell(b), nil
	}
	raw := strings.TrimSpace(string(v))
	if raw == "" {
		return "", Cell{}, nil
	}
	f, err := strconv.ParseFloat(raw, 64)
	if err != nil {
		return raw, TextCell(raw), nil
	}
	var xf xfInfo
	if style >= 0 && style < len(x.xfs) {
		xf = x.xfs[style]
	}
	code := xf.code
	if code == "General" {
		code = ""
	}
	if xf.flavor != flavorNone {
		text := excelDateString(f, xf.flavor, x.date1904)
		c := Cell{Kind: Number, N: f, Format: code}
		if xf.flavor != flavorTime && xf.flavor != flavorElapsed {
			if t, ok := excelTime(f, x.date1904); ok {
				switch len(text) {
				case len(time.DateOnly):
					c = Cell{Kind: Date, T: t, Format: code}
				case len("2006-01-02T15:04:05"):
					c = Cell{Kind: DateTime, T: t, Format: code}
				}
			}
		}
		return text, c, nil
	}
	text := raw
	if !canonicalAlready(raw) {
		text = canonicalNumber(f)
	}
	return text, Cell{Kind: Number, N: f, Format: code}, nil
}

func (x *xlsxReader) readHeader(want int) error {
	for {
		num, _, err := x.readRow()
		if errors.Is(err, io.EOF) {
			if x.rowNum == 0 {
				return &InputError{File: x.name, Msg: fmt.Sprintf("sheet %q is empty", x.sheet),
					Hint: "put the column names in row 1 and the data below, or choose another sheet"}
			}
			return missingHeaderError(x.name, want, x.rowNum)
		}
		if err != nil {
			return err
		}
		if num < want {
			continue
		}
		if num > want || allBlank(x.cells) {
			return blankHeaderError(x.name, want)
		}
		x.header = headerFrom(x.cells)
		if max := x.opts.maxColumns(); len(x.header) > max {
			return tooWideError(x.name, want, len(x.header), max)
		}
		// Merges that start at or above the header are not filled.
		for x.mergeAt < len(x.merges) && x.merges[x.mergeAt].r1 <= want {
			x.mergeAt++
		}
		return nil
	}
}

func (x *xlsxReader) Header() []string { return x.header }

func (x *xlsxReader) Next() (row Row, err error) {
	defer func() {
		if p := recover(); p != nil {
			x.done = true
			row, err = Row{}, &InputError{File: x.name, Sheet: x.sheet, Row: x.rowNum, Msg: fmt.Sprintf("the row could not be read (%v)", p),
				Hint: "open the workbook in Excel and save it again, or export it as CSV"}
		}
	}()
	for !x.done {
		num, hidden, err := x.readRow()
		if err != nil {
			x.done = true
			return Row{}, err
		}
		x.applyMerges(num)
		if allBlank(x.cells) {
			continue
		}
		if err := checkWidth(x.name, num, x.cells, x.opts.maxColumns()); err != nil {
			x.done = true
			return Row{}, err
		}
		row := shapeRow(num, x.cells, len(x.header), x.opts, false)
		row.Hidden = hidden
		row.Values = make([]Cell, len(x.header))
		copy(row.Values, x.values)
		return row, nil
	}
	return Row{}, io.EOF
}

// applyMerges fills the cells of merged ranges on row num from their
// top-left cell.
func (x *xlsxReader) applyMerges(num int) {
	if len(x.merges) == 0 {
		return
	}
	for x.mergeAt < len(x.merges) && x.merges[x.mergeAt].r1 <= num {
		m := &x.merges[x.mergeAt]
		x.mergeAt++
		if m.r2 < num {
			continue // its first row was blank or skipped
		}
		if m.r1 == num && m.c1 <= len(x.cells) {
			m.text, m.value = x.cells[m.c1-1], x.values[m.c1-1]
		}
		x.active = append(x.active, m)
	}
	if len(x.active) == 0 {
		return
	}
	width := len(x.header)
	keep := x.active[:0]
	for _, m := range x.active {
		if m.r2 < num {
			continue
		}
		keep = append(keep, m)
		if m.text == "" || m.c1 > width {
			continue
		}
		hi := min(m.c2, width)
		for len(x.cells) < hi {
			x.cells = append(x.cells, "")
			x.values = append(x.values, Cell{})
		}
		copied := false
		for c := m.c1; c <= hi; c++ {
			if x.cells[c-1] == "" {
				x.cells[c-1], x.values[c-1] = m.text, m.value
				copied = true
			}
		}
		if copied && !m.reported {
			m.reported = true
			x.filled = append(x.filled, MergedRange{Ref: m.ref, Value: m.text})
		}
	}
	x.active = keep
}

func (x *xlsxReader) Close() error {
	x.done = true
	var err error
	if x.part != nil {
		_ = x.part.Close()
		x.part = nil
	}
	if x.zr != nil {
		err = x.zr.Close()
		x.zr = nil
	}
	return err
}

// hiddenColumns lists the hidden columns within the header, 0-based.
func (x *xlsxReader) hiddenColumns() []int {
	var out []int
	for _, c := range x.hidden {
		if c < len(x.header) && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return out
}
