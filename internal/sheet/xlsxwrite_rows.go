package sheet

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"
)

// A table's data rows do not go through excelize's StreamWriter: it spent
// about 450 ns and a dozen allocations a cell (a cell name, a boxed value,
// the text escaped into a fresh builder, then matched against a regular
// expression), a fifth of the CPU of a 100,000-user export. The rows are
// encoded here, byte for byte as excelize encodes them (a test compares
// the two, and says so when an upgrade of excelize changes its encoding),
// into a spool file of their own; excelize writes the sheet's
// frame (widths, panes, the header row, the autofilter, page setup,
// dropdowns) as before, and when the workbook is zipped the rows are
// spliced in before the frame's </sheetData>.

// spliceRows says whether data rows are encoded here (tests turn it off to
// compare with excelize's own encoding).
var spliceRows = true

// rowSpool holds the encoded data rows of one sheet, in order, as they
// are and compressed. They are compressed as they are written (on the
// other cores, a block at a time, as parallelDeflate does at save), while
// an export waits on the API: at save only the frame is left to compress,
// and the rows, read back, only pass through the zip writer's checksum.
// That took 0.6 s after the last row of a 100,000-user export.
type rowSpool struct {
	f, cf *os.File      // the rows, and compressed
	w     *bufio.Writer // to f
	cw    *bufio.Writer // to cf
	zw    *parallelDeflate
	n     int64  // bytes of rows
	part  string // the sheet's part in the package: xl/worksheets/sheetN.xml
	used  bool   // spliced into the zip
}

func newRowSpool(dir, part string) (*rowSpool, error) {
	f, err := os.CreateTemp(dir, "zoombulk-rows-*.xml")
	if err != nil {
		return nil, fmt.Errorf("sheet: creating a temporary file: %w", err)
	}
	cf, err := os.CreateTemp(dir, "zoombulk-rows-*.deflate")
	if err != nil {
		name := f.Name()
		_ = f.Close()
		_ = os.Remove(name)
		return nil, fmt.Errorf("sheet: creating a temporary file: %w", err)
	}
	s := &rowSpool{f: f, cf: cf, w: bufio.NewWriterSize(f, 64<<10), cw: bufio.NewWriterSize(cf, 64<<10), part: part}
	s.zw = &parallelDeflate{w: s.cw}
	return s, nil
}

func (s *rowSpool) write(b []byte) error {
	if _, err := s.w.Write(b); err != nil {
		return fmt.Errorf("sheet: writing a temporary file: %w", err)
	}
	if _, err := s.zw.Write(b); err != nil {
		return fmt.Errorf("sheet: writing a temporary file: %w", err)
	}
	s.n += int64(len(b))
	return nil
}

// finish writes out what is buffered, compressed to the last row.
func (s *rowSpool) finish() error {
	err := s.w.Flush()
	if err == nil {
		err = s.zw.Flush()
	}
	if err == nil {
		err = s.cw.Flush()
	}
	if err != nil {
		return fmt.Errorf("sheet: writing a temporary file: %w", err)
	}
	return nil
}

func (s *rowSpool) discard() {
	_ = s.zw.Flush() // the blocks being compressed are waited for
	for _, f := range []*os.File{s.f, s.cf} {
		name := f.Name()
		_ = f.Close()
		_ = os.Remove(name)
	}
}

// sheetPart is the package part excelize writes sheet name to: a sheet
// created in a new workbook is xl/worksheets/sheet<its ID>.xml.
func (wb *Workbook) sheetPart(name string) (string, error) {
	for id, n := range wb.f.GetSheetMap() {
		if n == name {
			return "xl/worksheets/sheet" + strconv.Itoa(id) + ".xml", nil
		}
	}
	return "", fmt.Errorf("sheet: sheet %q not found in the workbook", name)
}

// startSpool gives the table's current sheet a row spool.
func (t *xlsxTable) startSpool() error {
	if !spliceRows {
		return nil
	}
	part, err := t.wb.sheetPart(t.name)
	if err != nil {
		return err
	}
	s, err := newRowSpool(t.wb.tmpDir, part)
	if err != nil {
		return err
	}
	t.wb.spools = append(t.wb.spools, s)
	t.spool = s
	if t.refs == nil {
		t.refs = make([]string, len(t.cols))
		for i := range t.refs {
			t.refs[i], _ = excelize.ColumnNumberToName(i + 1)
		}
	}
	return nil
}

// encodeRow writes a data row to the spool, as excelize's SetRow would
// write it given the values writeRow gives it.
func (t *xlsxTable) encodeRow(cells []Cell, style RowStyle) error {
	b := append(t.buf[:0], `<row r="`...)
	b = strconv.AppendInt(b, int64(t.row), 10)
	b = append(b, `">`...)
	for i := range t.cols {
		c := EmptyCell()
		if i < len(cells) {
			c = cells[i]
		}
		kind := c.Kind
		var (
			typ  string // the t attribute
			num  []byte // a <v> value, when not inline text
			text string // inline text
			val  bool   // a value is written
		)
		switch {
		case c.empty():
			if style == Plain {
				continue
			}
		case c.Kind == Number:
			num, val = appendCellFloat(t.num[:0], c.N), true
		case c.Kind == Integer:
			if c.I > maxExactInt || c.I < -maxExactInt {
				text, kind, typ, val = c.String(), Text, "inlineStr", true
			} else {
				num, val = strconv.AppendInt(t.num[:0], c.I, 10), true
			}
		case c.Kind == Date || c.Kind == DateTime:
			if serial, ok := excelSerial(c.T, c.Kind == Date); ok {
				num, val = appendCellFloat(t.num[:0], serial), true
			} else {
				text, kind, typ, val = c.String(), Text, "inlineStr", true
			}
		case c.Kind == Bool:
			typ, val = "b", true
			if c.B {
				num = append(t.num[:0], '1')
			} else {
				num = append(t.num[:0], '0')
			}
		default:
			text, typ, val = c.S, "inlineStr", true
		}
		if num != nil {
			t.num = num
		}
		format := ""
		if kind == c.Kind {
			format = c.Format
		}
		id, err := t.wb.style(styleKey{row: style, kind: kind, format: format})
		if err != nil {
			return err
		}
		b = append(b, `<c r="`...)
		b = append(b, t.refs[i]...)
		b = strconv.AppendInt(b, int64(t.row), 10)
		b = append(b, '"')
		if id != 0 {
			b = append(b, ` s="`...)
			b = strconv.AppendInt(b, int64(id), 10)
			b = append(b, '"')
		}
		if val && typ != "" {
			b = append(b, ` t="`...)
			b = append(b, typ...)
			b = append(b, '"')
		}
		b = append(b, '>')
		switch {
		case !val:
		case typ == "inlineStr":
			b = appendInlineText(b, text)
		default:
			b = append(b, `<v>`...)
			b = append(b, num...)
			b = append(b, `</v>`...)
		}
		b = append(b, `</c>`...)
	}
	b = append(b, `</row>`...)
	t.buf = b
	return t.spool.write(b)
}

// appendCellFloat is excelize's formatCellFloat(v, -1, 64): as many digits
// as the value needs, cut to Excel's 15 significant ones. (A NaN or an
// infinity never comes here: such a Number cell is empty, and a date's
// serial is finite.)
func appendCellFloat(b []byte, v float64) []byte {
	start := len(b)
	b = strconv.AppendFloat(b, v, 'f', -1, 64)
	if math.Abs(v) == math.MaxFloat64 {
		return b
	}
	str := b[start:]
	const maxPrec = 15
	decimal := bytes.IndexByte(str, '.')
	significant := 0
	for idx := range str {
		if str[idx] < '0' || str[idx] > '9' || significant == 0 && str[idx] == '0' {
			continue
		}
		significant++
		if significant <= maxPrec {
			continue
		}
		if decimal >= 0 && idx > decimal {
			out := str[:idx]
			if len(out) > 0 && out[len(out)-1] == '.' {
				out = out[:len(out)-1]
			}
			return b[:start+len(out)]
		}
		if decimal < 0 {
			decimal = len(str)
		}
		for ; idx < decimal; idx++ {
			str[idx] = '0'
		}
		return b[:start+decimal]
	}
	return b
}

// appendInlineText writes <is><t>…</t></is> as excelize's setInlineStr
// and writeCell do: cut to 32,767 UTF-16 units, xml:space="preserve" when
// it starts or ends with a space, tab or line break, XML-escaped (line
// feeds left as they are), and excelize's _xHHHH_ escaping. Plain ASCII
// text, nearly every cell, is copied as it is.
func appendInlineText(b []byte, s string) []byte {
	if len(s) > totalCellChars && countUTF16(s) > totalCellChars {
		s = truncateUTF16(s, totalCellChars)
	}
	b = append(b, `<is><t`...)
	if s != "" {
		for _, ascii := range []byte{9, 10, 13, 32} {
			if s[0] == ascii || s[len(s)-1] == ascii {
				b = append(b, ` xml:space="preserve"`...)
				break
			}
		}
	}
	b = append(b, '>')
	switch {
	case s == "":
	case plainXML(s):
		b = append(b, s...)
	default:
		var buf strings.Builder
		_ = xml.EscapeText(&buf, []byte(s))
		b = append(b, bstrMarshal(strings.ReplaceAll(buf.String(), "&#xA;", "\n"))...)
	}
	return append(b, `</t></is>`...)
}

// totalCellChars is the most characters (UTF-16 units) a cell holds.
const totalCellChars = excelize.TotalCellChars

// plainXML says whether s is printable ASCII with nothing to escape,
// neither for XML nor as an _xHHHH_ sequence.
func plainXML(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c >= 0x7f:
			return false
		case c == '"' || c == '\'' || c == '&' || c == '<' || c == '>':
			return false
		case c == '_' && i+1 < len(s) && s[i+1] == 'x':
			return false
		}
	}
	return true
}

func countUTF16(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

func truncateUTF16(s string, length int) string {
	n := 0
	for i, r := range s {
		if n += utf16.RuneLen(r); n > length {
			return s[:i]
		}
	}
	return s
}

var (
	bstrExp       = regexp.MustCompile(`_x[a-fA-F\d]{4}_`)
	bstrEscapeExp = regexp.MustCompile(`x[a-fA-F\d]{4}_`)
)

// bstrMarshal is excelize's: an _xHHHH_ sequence in the text gets its
// underscore escaped, so that it reads back as written.
func bstrMarshal(s string) (result string) {
	matches, l, cursor := bstrExp.FindAllStringSubmatchIndex(s, -1), len(s), 0
	for _, match := range matches {
		result += s[cursor:match[0]]
		subStr := s[match[0]:match[1]]
		if subStr == "_x005F_" {
			cursor = match[1]
			if match[1]+6 <= l && bstrEscapeExp.MatchString(s[match[1]:match[1]+6]) {
				_, err := strconv.Unquote(`"\u` + s[match[1]+1:match[1]+5] + `"`)
				if err == nil {
					result += subStr + "x005F" + subStr
					continue
				}
			}
			result += subStr + "x005F_"
			continue
		}
		if bstrExp.MatchString(subStr) {
			cursor = match[1]
			if _, err := strconv.Unquote(`"\u` + s[match[0]+2:match[1]-1] + `"`); err == nil {
				result += "_x005F" + subStr
				continue
			}
		}
	}
	if cursor < l {
		result += s[cursor:]
	}
	return result
}

// splicer is the zip writer excelize writes the workbook through: the
// parts of sheets with spooled rows get them before their </sheetData>.
type splicer struct {
	zw     *zip.Writer
	spools map[string]*rowSpool
	open   *spliceWriter
	comp   *parallelDeflate // the compressor of the part being written
	err    error
}

func newSplicer(w io.Writer, spools map[string]*rowSpool) *splicer {
	z := &splicer{zw: zip.NewWriter(w), spools: spools}
	z.zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		z.comp = &parallelDeflate{w: w}
		return z.comp, nil
	})
	return z
}

func (z *splicer) Create(name string) (io.Writer, error) {
	if err := z.end(); err != nil {
		return nil, err
	}
	z.comp = nil
	w, err := z.zw.Create(name)
	if err != nil {
		return nil, err
	}
	if s, ok := z.spools[name]; ok {
		if z.comp == nil {
			return nil, fmt.Errorf("sheet: %s is not compressed as the workbook's parts are", name)
		}
		z.open = &spliceWriter{w: w, spool: s, comp: z.comp}
		return z.open, nil
	}
	return w, nil
}

func (z *splicer) AddFS(fsys fs.FS) error { return z.zw.AddFS(fsys) }

func (z *splicer) Close() error {
	if err := z.end(); err != nil {
		return err
	}
	for _, s := range z.spools {
		if !s.used {
			return fmt.Errorf("sheet: the rows of %s were not written", s.part)
		}
	}
	return z.zw.Close()
}

// end checks that the part being written got its rows.
func (z *splicer) end() error {
	if z.err != nil {
		return z.err
	}
	if o := z.open; o != nil {
		z.open = nil
		if !o.spool.used {
			z.err = fmt.Errorf("sheet: %s has no </sheetData> to put its rows before", o.spool.part)
		}
	}
	return z.err
}

var endSheetData = []byte(`</sheetData>`)

// spliceWriter passes a sheet part through, putting the spooled rows
// before </sheetData>, which may come cut between two writes.
type spliceWriter struct {
	w     io.Writer
	spool *rowSpool
	comp  *parallelDeflate // w's compressor
	held  []byte           // the end of the last write, which may begin the tag
}

func (s *spliceWriter) Write(p []byte) (int, error) {
	if s.spool.used {
		return s.w.Write(p)
	}
	data := p
	if len(s.held) > 0 {
		data = append(s.held, p...)
		s.held = nil
	}
	if i := bytes.Index(data, endSheetData); i >= 0 {
		if _, err := s.w.Write(data[:i]); err != nil {
			return 0, err
		}
		if err := s.copyRows(); err != nil {
			return 0, err
		}
		if _, err := s.w.Write(data[i:]); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	keep := min(len(data), len(endSheetData)-1)
	if _, err := s.w.Write(data[:len(data)-keep]); err != nil {
		return 0, err
	}
	s.held = append([]byte(nil), data[len(data)-keep:]...)
	return len(p), nil
}

// copyRows puts the rows in, compressed as they were written; they pass
// through w as they are, for the zip writer's count and CRC, and its
// compressor leaves them.
func (s *spliceWriter) copyRows() error {
	s.spool.used = true
	for _, f := range []*os.File{s.spool.f, s.spool.cf} {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return fmt.Errorf("sheet: reading a temporary file: %w", err)
		}
	}
	if err := s.comp.splice(bufio.NewReaderSize(s.spool.cf, 64<<10), s.spool.n); err != nil {
		return fmt.Errorf("sheet: reading a temporary file: %w", err)
	}
	n, err := io.Copy(s.w, bufio.NewReaderSize(s.spool.f, 64<<10))
	if err == nil && n != s.spool.n {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		return fmt.Errorf("sheet: reading a temporary file: %w", err)
	}
	return nil
}
