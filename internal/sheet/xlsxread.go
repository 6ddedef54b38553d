package sheet

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path"
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

// Size limits for workbook parts, inflated.
const (
	// DefaultMaxInflated caps the inflated size of the sheet being read.
	DefaultMaxInflated = 1 << 30
	// maxSharedStrings caps the shared strings table, which is held in
	// memory.
	maxSharedStrings = 256 << 20
	// maxMetaPart caps workbook.xml, relationships and styles.
	maxMetaPart = 32 << 20
	// bombRatio and bombMinBytes: a part that inflates to more than
	// bombMinBytes at more than bombRatio times its compressed size is a
	// decompression bomb. Real sheet XML compresses 5 to 30 times.
	bombRatio    = 200
	bombMinBytes = 16 << 20
	// maxCellChars is Excel's limit for one cell; a longer cell is not
	// something Excel wrote.
	maxCellChars = 32767
)

// DefaultMaxColumns is how many columns a sheet may have unless
// Options.MaxColumns says otherwise.
const DefaultMaxColumns = 1000

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

// xfInfo is what a cell style means for reading: its number format code
// and date flavour.
type xfInfo struct {
	code   string
	flavor byte
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

// LimitError says an input is over one of the reader's size limits: a
// decompression bomb, a cell larger than Excel allows, too many columns.
// It comes wrapped in an *InputError naming the file.
type LimitError struct {
	What  string // e.g. "inflated size of xl/worksheets/sheet1.xml"
	Limit int64
	Got   int64 // 0 when not known exactly (the limit was crossed)
}

func (e *LimitError) Error() string {
	if e.Got > 0 {
		return fmt.Sprintf("%s is %d, over the limit of %d", e.What, e.Got, e.Limit)
	}
	return fmt.Sprintf("%s is over the limit of %d", e.What, e.Limit)
}

func limitInputError(file string, row int, le *LimitError, msg, hint string) *InputError {
	return &InputError{File: file, Row: row, Msg: msg, Hint: hint, Err: le}
}

func openXLSX(path, name string, opts Options) (r Reader, err error) {
	if isOLE(path) {
		return nil, &InputError{File: name, Msg: "not an .xlsx workbook: it is password-protected or in the old .xls format",
			Hint: "remove the password, or open it in Excel and save it as .xlsx or CSV"}
	}
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, openError(name, err)
	}
	x := &xlsxReader{name: name, opts: opts, zr: zr}
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
	if err := x.load(opts.Sheet); err != nil {
		return nil, err
	}
	if err := x.readHeader(opts.headerRow()); err != nil {
		return nil, err
	}
	return x, nil
}

func isOLE(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var head [8]byte
	if _, err := io.ReadFull(f, head[:]); err != nil {
		return false
	}
	return bytes.Equal(head[:], []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1})
}

func openError(name string, err error) error {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
		return err
	}
	var ie *InputError
	if errors.As(err, &ie) {
		return err
	}
	switch {
	case errors.Is(err, zip.ErrFormat), errors.Is(err, zip.ErrAlgorithm), errors.Is(err, zip.ErrChecksum),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return &InputError{File: name, Msg: "not a valid .xlsx workbook (" + err.Error() + ")",
			Hint: "open it in Excel and save it as .xlsx, or export it as CSV", Err: err}
	}
	return &InputError{File: name, Msg: "the workbook could not be read (" + err.Error() + ")",
		Hint: "open it in Excel and save it again, or export it as CSV", Err: err}
}

// zipFile finds a part by name, case-insensitively (OPC part names are).
func (x *xlsxReader) zipFile(name string) *zip.File {
	name = strings.TrimPrefix(name, "/")
	for _, f := range x.zr.File {
		if strings.EqualFold(f.Name, name) {
			return f
		}
	}
	return nil
}

// openPart inflates a part, refusing it up front when its declared size is
// over limit or looks like a decompression bomb, and cutting it off when it
// inflates to more than limit anyway.
func (x *xlsxReader) openPart(f *zip.File, limit int64) (io.ReadCloser, error) {
	size, packed := f.UncompressedSize64, f.CompressedSize64
	bad := func(le *LimitError) error {
		return limitInputError(x.name, 0, le, "the workbook is too large to read safely: "+le.Error(),
			"a workbook that inflates this much is damaged or a decompression bomb; export the data as CSV")
	}
	if size > uint64(limit) {
		return nil, bad(&LimitError{What: "the inflated size of " + f.Name, Limit: limit, Got: int64(min(size, math.MaxInt64))})
	}
	if size > bombMinBytes && size/max(packed, 1) > bombRatio {
		return nil, bad(&LimitError{What: fmt.Sprintf("the compression ratio of %s (%d bytes from %d)", f.Name, size, packed),
			Limit: bombRatio, Got: int64(size / max(packed, 1))})
	}
	rc, err := f.Open()
	if err != nil {
		return nil, openError(x.name, err)
	}
	return &cappedReader{rc: rc, left: limit, bad: bad, what: "the inflated size of " + f.Name, limit: limit, declared: size}, nil
}

// cappedReader fails once more than limit bytes came out.
type cappedReader struct {
	rc    io.ReadCloser
	left  int64
	limit int64
	what  string
	bad   func(*LimitError) error
	// declared is the size the zip directory gives; archive/zip answers
	// ErrFormat when the data inflates to more than that.
	declared uint64
}

func (c *cappedReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		return 0, c.bad(&LimitError{What: c.what, Limit: c.limit})
	}
	if int64(len(p)) > c.left+1 {
		p = p[:c.left+1]
	}
	n, err := c.rc.Read(p)
	c.left -= int64(n)
	if errors.Is(err, zip.ErrFormat) {
		return n, c.bad(&LimitError{What: c.what + " (more than the " + strconv.FormatUint(c.declared, 10) + " bytes its zip entry declares)",
			Limit: int64(min(c.declared, math.MaxInt64))})
	}
	if c.left < 0 {
		return n, c.bad(&LimitError{What: c.what, Limit: c.limit})
	}
	return n, err
}

func (c *cappedReader) Close() error { return c.rc.Close() }

func (x *xlsxReader) readPart(name string, limit int64) ([]byte, error) {
	f := x.zipFile(name)
	if f == nil {
		return nil, fs.ErrNotExist
	}
	rc, err := x.openPart(f, limit)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		var ie *InputError
		if errors.As(err, &ie) {
			return nil, err
		}
		return nil, openError(x.name, err)
	}
	return data, nil
}

// bookSheet is a sheet listed in workbook.xml.
type bookSheet struct {
	name, state, rid, path string
}

// load reads workbook.xml, its relationships, the styles and the shared
// strings, picks the sheet and starts streaming it.
func (x *xlsxReader) load(want string) error {
	wbPath := "xl/workbook.xml"
	if rels, err := x.readPart("_rels/.rels", maxMetaPart); err == nil {
		for id, target := range parseRels(rels, "") {
			_ = id
			if strings.HasSuffix(strings.ToLower(target), ".xml") && strings.Contains(strings.ToLower(target), "workbook") {
				wbPath = strings.TrimPrefix(target, "/")
			}
		}
	}
	wbData, err := x.readPart(wbPath, maxMetaPart)
	if errors.Is(err, fs.ErrNotExist) {
		return &InputError{File: x.name, Msg: "not a valid .xlsx workbook (it has no workbook part)",
			Hint: "open it in Excel and save it as .xlsx, or export it as CSV"}
	}
	if err != nil {
		return err
	}
	sheets, date1904, err := parseWorkbook(wbData)
	if err != nil {
		return &InputError{File: x.name, Msg: "the workbook's list of sheets is damaged (" + err.Error() + ")",
			Hint: "open it in Excel and save it again, or export it as CSV"}
	}
	x.date1904 = date1904
	dir := path.Dir(wbPath)
	relsPath := path.Join(dir, "_rels", path.Base(wbPath)+".rels")
	targets := map[string]string{}
	if data, err := x.readPart(relsPath, maxMetaPart); err == nil {
		targets = parseRels(data, dir)
	}
	for i := range sheets {
		if t, ok := targets[sheets[i].rid]; ok {
			sheets[i].path = t
		} else {
			sheets[i].path = path.Join(dir, fmt.Sprintf("worksheets/sheet%d.xml", i+1))
		}
	}
	sh, err := pickSheet(sheets, x.name, want)
	if err != nil {
		return err
	}
	x.sheet = sh.name
	if data, err := x.readPart(path.Join(dir, "styles.xml"), maxMetaPart); err == nil {
		x.xfs = parseStyles(data)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if f := x.zipFile(path.Join(dir, "sharedStrings.xml")); f != nil {
		if err := x.loadSharedStrings(f); err != nil {
			return err
		}
	}
	f := x.zipFile(sh.path)
	if f == nil {
		return &InputError{File: x.name, Msg: fmt.Sprintf("sheet %q is missing from the workbook", sh.name),
			Hint: "open it in Excel and save it again, or export it as CSV"}
	}
	limit := x.opts.MaxInflated
	if limit <= 0 {
		limit = DefaultMaxInflated
	}
	if err := x.scanMerges(f, limit); err != nil {
		return err
	}
	slices.SortStableFunc(x.merges, func(a, b mergeRange) int { return a.r1 - b.r1 })
	if x.part, err = x.openPart(f, limit); err != nil {
		return err
	}
	x.sc = newXMLScanner(x.part)
	return nil
}

// parseRels maps relationship ids to part paths, resolved against dir.
func parseRels(data []byte, dir string) map[string]string {
	out := map[string]string{}
	d := xml.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := d.RawToken()
		if err != nil {
			return out
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "Relationship" {
			var id, target, mode string
			for _, a := range se.Attr {
				switch a.Name.Local {
				case "Id":
					id = a.Value
				case "Target":
					target = a.Value
				case "TargetMode":
					mode = a.Value
				}
			}
			if mode == "External" || target == "" {
				continue
			}
			if strings.HasPrefix(target, "/") {
				out[id] = path.Clean(strings.TrimPrefix(target, "/"))
			} else {
				out[id] = path.Clean(path.Join(dir, target))
			}
		}
	}
}

func parseWorkbook(data []byte) ([]bookSheet, bool, error) {
	var sheets []bookSheet
	date1904 := false
	d := xml.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return sheets, date1904, nil
		}
		if err != nil {
			return nil, false, err
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "workbookPr":
			for _, a := range se.Attr {
				if a.Name.Local == "date1904" {
					date1904 = a.Value == "1" || strings.EqualFold(a.Value, "true")
				}
			}
		case "sheet":
			var s bookSheet
			for _, a := range se.Attr {
				switch {
				case a.Name.Local == "name":
					s.name = a.Value
				case a.Name.Local == "state":
					s.state = a.Value
				case a.Name.Local == "id" && a.Name.Space != "":
					s.rid = a.Value
				}
			}
			sheets = append(sheets, s)
		}
	}
}

// pickSheet resolves the sheet to read: the named one (exact, then
// case-insensitive match) or the first visible one.
func pickSheet(list []bookSheet, file, want string) (bookSheet, error) {
	if len(list) == 0 {
		return bookSheet{}, &InputError{File: file, Msg: "the workbook has no sheets"}
	}
	if want == "" {
		for _, s := range list {
			if s.state == "" || s.state == "visible" {
				return s, nil
			}
		}
		return list[0], nil
	}
	for _, s := range list {
		if s.name == want {
			return s, nil
		}
	}
	for _, s := range list {
		if strings.EqualFold(strings.TrimSpace(s.name), strings.TrimSpace(want)) {
			return s, nil
		}
	}
	quoted := make([]string, len(list))
	for i, s := range list {
		quoted[i] = strconv.Quote(s.name)
	}
	return bookSheet{}, &InputError{File: file, Msg: fmt.Sprintf("no sheet named %q", want),
		Hint: "the workbook has " + strings.Join(quoted, ", ")}
}

// parseStyles returns, per cellXfs entry, its number format code and date
// flavour. Damaged styles leave the rest unformatted rather than failing:
// values then read as plain numbers.
func parseStyles(data []byte) []xfInfo {
	custom := map[int]string{}
	var xfIDs []int
	d := xml.NewDecoder(bytes.NewReader(data))
	inCellXfs := false
	for {
		tok, err := d.RawToken()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "numFmt":
				id, code := -1, ""
				for _, a := range t.Attr {
					switch a.Name.Local {
					case "numFmtId":
						id, _ = strconv.Atoi(a.Value)
					case "formatCode":
						code = a.Value
					}
				}
				if id >= 0 {
					custom[id] = code
				}
			case "cellXfs":
				inCellXfs = true
			case "xf":
				if inCellXfs {
					id := 0
					for _, a := range t.Attr {
						if a.Name.Local == "numFmtId" {
							id, _ = strconv.Atoi(a.Value)
						}
					}
					xfIDs = append(xfIDs, id)
				}
			}
		case xml.EndElement:
			if t.Name.Local == "cellXfs" {
				inCellXfs = false
			}
		}
	}
	out := make([]xfInfo, len(xfIDs))
	for i, id := range xfIDs {
		code, ok := custom[id]
		if !ok {
			code = builtinFormats[id]
		}
		out[i] = xfInfo{code: code, flavor: numFmtFlavor(custom, id)}
	}
	return out
}

// builtinFormats are the number formats every workbook has without
// declaring them (ECMA-376 part 1, 18.8.30), in their en-US form.
var builtinFormats = map[int]string{
	0: "General", 1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00",
	9: "0%", 10: "0.00%", 11: "0.00E+00", 12: "# ?/?", 13: "# ??/??",
	14: "mm-dd-yy", 15: "d-mmm-yy", 16: "d-mmm", 17: "mmm-yy",
	18: "h:mm AM/PM", 19: "h:mm:ss AM/PM", 20: "h:mm", 21: "h:mm:ss", 22: "m/d/yy h:mm",
	37: "#,##0 ;(#,##0)", 38: "#,##0 ;[Red](#,##0)", 39: "#,##0.00;(#,##0.00)", 40: "#,##0.00;[Red](#,##0.00)",
	45: "mm:ss", 46: "[h]:mm:ss", 47: "mmss.0", 48: "##0.0E+0", 49: "@",
}

// builtinFormatID is the id of a built-in format code, for writing a read
// cell back with the same (locale-following) built-in format.
func builtinFormatID(code string) (int, bool) {
	for id, c := range builtinFormats {
		if c == code {
			return id, true
		}
	}
	return 0, false
}

func (x *xlsxReader) loadSharedStrings(f *zip.File) error {
	rc, err := x.openPart(f, maxSharedStrings)
	if err != nil {
		return err
	}
	defer rc.Close()
	sc := newXMLScanner(rc)
	var buf []byte
	inSI, inT, inRPh := false, false, false
	for {
		err := sc.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var ie *InputError
			if errors.As(err, &ie) {
				return err
			}
			return &InputError{File: x.name, Msg: "the workbook's shared strings are damaged (" + err.Error() + ")",
				Hint: "open it in Excel and save it again, or export it as CSV", Err: err}
		}
		switch sc.kind {
		case tokStart:
			switch string(sc.local()) {
			case "si":
				inSI, buf = true, buf[:0]
			case "t":
				inT = inSI && !inRPh
			case "rPh":
				inRPh = true
			}
		case tokText:
			if inT {
				buf = append(buf, sc.text...)
				if len(buf) > 4*maxCellChars {
					le := &LimitError{What: fmt.Sprintf("the size of shared string %d", len(x.sst)), Limit: maxCellChars}
					return limitInputError(x.name, 0, le,
						fmt.Sprintf("a text in the workbook holds more than the %d characters Excel allows in a cell", maxCellChars),
						"the workbook is damaged or was not written by a spreadsheet program; export the data as CSV")
				}
			}
		case tokEnd:
			switch string(sc.local()) {
			case "si":
				x.sst = append(x.sst, unescapeOOXML(string(buf)))
				inSI = false
			case "t":
				inT = false
			case "rPh":
				inRPh = false
			}
		}
	}
}

// unescapeOOXML decodes the _xHHHH_ escapes OOXML uses for characters XML
// cannot hold (a literal "_x" is itself escaped as _x005F_x).
func unescapeOOXML(s string) string {
	if !strings.Contains(s, "_x") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if i+7 <= len(s) && s[i] == '_' && s[i+1] == 'x' && s[i+6] == '_' {
			if v, err := strconv.ParseUint(s[i+2:i+6], 16, 16); err == nil {
				b.WriteRune(rune(v))
				i += 7
				continue
			}
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
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
				inRow, num, col = true, x.rowNum+1, 0
				if v, ok := sc.attr("r"); ok {
					n, err := strconv.Atoi(v)
					if err != nil || n < 1 || n > excelize.TotalRows {
						return 0, false, x.damaged(x.rowNum+1, fmt.Errorf("row number %q", v))
					}
					num = n
				}
				if v, ok := sc.attr("hidden"); ok {
					hidden = v == "1" || strings.EqualFold(v, "true")
				}
				if num <= x.rowNum {
					return 0, false, x.damaged(num, fmt.Errorf("row %d comes after row %d", num, x.rowNum))
				}
			case "c":
				if !inRow {
					continue
				}
				ctype, cstyle, hasF = "", 0, false
				x.vbuf, x.tbuf = x.vbuf[:0], x.tbuf[:0]
				// One pass over the attributes: this is the hot path.
				var refBytes []byte
				for i := 0; ; {
					key, val, next, ok := sc.nextAttr(i)
					if !ok {
						break
					}
					i = next
					switch string(key) {
					case "r":
						refBytes = val
					case "t":
						switch string(val) {
						case "s":
							ctype = "s"
						case "n", "":
							ctype = ""
						case "inlineStr":
							ctype = "inlineStr"
						case "str":
							ctype = "str"
						case "b":
							ctype = "b"
						case "e":
							ctype = "e"
						default:
							ctype = string(val)
						}
					case "s":
						cstyle = atoiBytes(val)
					}
				}
				col++
				if len(refBytes) > 0 {
					c, ok := refColumn(refBytes)
					if !ok {
						return 0, false, x.damaged(num, fmt.Errorf("cell reference %q", refBytes))
					}
					col = c
				}
				x.cref = append(x.cref[:0], refBytes...)
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
			if inV {
				x.vbuf = append(x.vbuf, sc.text...)
			} else if inT {
				x.tbuf = append(x.tbuf, sc.text...)
			}
			if len(x.vbuf) > 4*maxCellChars || len(x.tbuf) > 4*maxCellChars {
				cref := string(x.cref)
				le := &LimitError{What: "the size of cell " + cref, Limit: maxCellChars}
				ie := limitInputError(x.name, num, le,
					fmt.Sprintf("cell %s holds more than the %d characters Excel allows in a cell", cref, maxCellChars),
					"the workbook is damaged or was not written by a spreadsheet program; export the data as CSV")
				ie.Sheet = x.sheet
				return 0, false, ie
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
				text, val, err := x.cellValue(ctype, cstyle, x.vbuf, x.tbuf, hasF)
				if err != nil {
					return 0, false, x.damaged(num, fmt.Errorf("cell %s: %w", x.cref, err))
				}
				if text != "" {
					if col > excelize.MaxColumns {
						return 0, false, x.damaged(num, fmt.Errorf("cell reference %q", x.cref))
					}
					for len(x.cells) < col {
						x.cells = append(x.cells, "")
						x.values = append(x.values, Cell{})
					}
					x.cells[col-1], x.values[col-1] = text, val
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

// canonicalAlready reports whether a stored number is already in the form
// canonicalNumber gives (most are: 42, 6589310093, 0.125), which saves
// formatting it twice.
func canonicalAlready(s string) bool {
	if strings.HasPrefix(s, "-") {
		s = s[1:]
	}
	if s == "" || s[0] == '.' || (len(s) > 1 && s[0] == '0' && s[1] != '.') {
		return false
	}
	digits, dot := 0, -1
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && dot < 0:
			dot = i
		default:
			return false
		}
	}
	if dot >= 0 && (dot == len(s)-1 || s[len(s)-1] == '0') {
		return false
	}
	lead := strings.TrimLeft(strings.ReplaceAll(s, ".", ""), "0")
	return digits <= 15 && len(lead) <= 15
}

// excelTime converts a serial date to a UTC time, false outside Excel's
// range.
func excelTime(serial float64, date1904 bool) (time.Time, bool) {
	limit := float64(maxSerial)
	if date1904 {
		limit -= 1462
	}
	if serial < 1 || serial >= limit || math.IsNaN(serial) {
		return time.Time{}, false
	}
	days := math.Floor(serial)
	secs := int(math.Round((serial - days) * 86400))
	var base time.Time
	switch {
	case date1904:
		base = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
	case days < 61:
		if days == 60 {
			return time.Time{}, false // the phantom 1900-02-29
		}
		base = time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC)
	default:
		base = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	}
	return base.AddDate(0, 0, int(days)).Add(time.Duration(secs) * time.Second), true
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

// date flavours of a number format.
const (
	flavorNone    byte = 0
	flavorDate    byte = 'D' // date only
	flavorTime    byte = 'T' // time of day only
	flavorStamp   byte = 'X' // date, plus the time when not midnight
	flavorAuto    byte = 'A' // locale-dependent built-in: date+time, or time below 1
	flavorElapsed byte = 'E' // [h]:mm:ss and friends: a duration, H:MM:SS
)

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

// numFmtFlavor classifies a number format id of the workbook, given its
// custom formats.
func numFmtFlavor(custom map[int]string, id int) byte {
	if code, ok := custom[id]; ok {
		return codeFlavor(code)
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
