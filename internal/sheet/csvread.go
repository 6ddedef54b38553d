package sheet

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

const (
	// sniffSize is how much of the file is looked at to choose the encoding
	// and the delimiter (also the size of the read buffers).
	sniffSize = 64 << 10
	// maxRecordBytes caps one CSV record. A bigger record almost always
	// means a quote that is never closed and is swallowing the file.
	maxRecordBytes = 64 << 20
)

// Encoding names reported by Describe.
const (
	encUTF8    = "utf-8"
	encUTF8BOM = "utf-8-bom"
	encUTF16LE = "utf-16le"
	encUTF16BE = "utf-16be"
	encCP1252  = "windows-1252"
)

// NewCSVReader reads CSV from r, which it does not close. name (usually the
// file's base name) is used in errors; a name ending in .tsv makes tab the
// default delimiter. The header row is read before it returns.
func NewCSVReader(r io.Reader, name string, opts Options) (Reader, error) {
	tsv := len(name) >= 4 && bytes.EqualFold([]byte(name[len(name)-4:]), []byte(".tsv"))
	cr, err := newCSVReader(r, name, opts, tsv)
	if err != nil {
		return nil, err
	}
	return cr, nil
}

type csvReader struct {
	name     string
	encoding string
	fallback *utf8Fallback // nil unless the input is read as UTF-8
	opts     Options
	p        *csvParser
	header   []string
	closer   io.Closer
	done     bool
}

func newCSVReader(r io.Reader, name string, opts Options, tsv bool) (*csvReader, error) {
	raw := bufio.NewReaderSize(r, sniffSize)
	dec, enc, fallback, err := decodeInput(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	text := bufio.NewReaderSize(dec, sniffSize)
	head, err := text.Peek(sniffSize)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(head) == 0 {
		return nil, &InputError{
			File: name,
			Msg:  "the file is empty",
			Hint: "save the spreadsheet with a header row first, e.g. Email,First Name,Last Name",
		}
	}
	def := byte(',')
	if tsv {
		def = '\t'
	}
	cr := &csvReader{
		name:     name,
		encoding: enc,
		fallback: fallback,
		opts:     opts,
		p: &csvParser{
			r:     text,
			delim: sniffDelimiter(head, opts.headerRow(), def, tsv),
			line:  1,
			max:   maxRecordBytes,
		},
	}
	if err := cr.readHeader(); err != nil {
		return nil, err
	}
	return cr, nil
}

func (c *csvReader) readHeader() error {
	want := c.opts.headerRow()
	last := 0
	for {
		fields, line, err := c.p.read()
		if errors.Is(err, io.EOF) {
			return missingHeaderError(c.name, want, last)
		}
		if err != nil {
			return c.recordError(err, nil)
		}
		last = line
		if line < want {
			continue
		}
		if line > want || allBlank(fields) {
			return blankHeaderError(c.name, want)
		}
		if c.opts.UnescapeFormulas {
			unescapeAll(fields)
		}
		c.header = headerFrom(fields)
		if what := notASheet(c.header); what != "" {
			// Its lines may be secrets (ZOOM_CLIENT_SECRET=...): no error
			// about missing columns may list them as headers.
			return &InputError{File: c.name, Row: line,
				Msg:  "this does not look like a spreadsheet: its first row reads like " + what + " (its content is not shown)",
				Hint: "name the spreadsheet of users (input.path in the job, or --input)"}
		}
		if max := c.opts.maxColumns(); len(c.header) > max {
			return tooWideError(c.name, line, len(c.header), max)
		}
		return nil
	}
}

func (c *csvReader) Header() []string { return c.header }

func (c *csvReader) Next() (Row, error) {
	for !c.done {
		fields, line, err := c.p.read()
		if err != nil {
			c.done = true
			if errors.Is(err, io.EOF) {
				return Row{}, io.EOF
			}
			return Row{}, c.recordError(err, c.header)
		}
		if allBlank(fields) {
			continue
		}
		if c.opts.UnescapeFormulas {
			unescapeAll(fields)
		}
		if err := checkWidth(c.name, line, fields, c.opts.maxColumns()); err != nil {
			c.done = true
			return Row{}, err
		}
		return shapeRow(line, fields, len(c.header), c.opts, true), nil // read made fields
	}
	return Row{}, io.EOF
}

func (c *csvReader) Close() error {
	c.done = true
	if c.closer == nil {
		return nil
	}
	err := c.closer.Close()
	c.closer = nil
	return err
}

func unescapeAll(fields []string) {
	for i, f := range fields {
		fields[i] = UnescapeFormula(f)
	}
}

// recordError turns a parser error into an *InputError naming the row and,
// when the header is known, the column.
func (c *csvReader) recordError(err error, header []string) error {
	var pe *parseError
	if !errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", c.name, err)
	}
	ie := &InputError{File: c.name, Row: pe.line}
	if pe.field < len(header) {
		ie.Column = header[pe.field]
	}
	switch pe.kind {
	case errUnclosedQuote:
		ie.Msg = "a quoted value is never closed: the quote that opens here runs to the end of the file"
		ie.Hint = `remove the stray " or add the closing quote`
	case errRecordTooBig:
		ie.Msg = fmt.Sprintf("the row is larger than %d MiB", c.p.max>>20)
		ie.Hint = `a quote (") that is never closed is the usual cause`
	}
	return ie
}

// encodingName is what Describe reports: the encoding chosen up front, with
// "+windows-1252" when stray bytes of a UTF-8 file were read as
// Windows-1252.
func (c *csvReader) encodingName() string {
	if c.fallback != nil && c.fallback.used {
		return c.encoding + "+" + encCP1252
	}
	return c.encoding
}

// decodeInput chooses the text encoding from the BOM and the first bytes and
// returns a reader producing UTF-8 (and the UTF-8 fallback transformer, when
// that is the one used).
func decodeInput(raw *bufio.Reader) (io.Reader, string, *utf8Fallback, error) {
	head, err := raw.Peek(sniffSize)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, "", nil, err
	}
	atEOF := len(head) < sniffSize
	utf16 := func(order unicode.Endianness, bom unicode.BOMPolicy) io.Reader {
		return transform.NewReader(raw, unicode.UTF16(order, bom).NewDecoder())
	}
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		_, _ = raw.Discard(3)
		fb := &utf8Fallback{}
		return transform.NewReader(raw, fb), encUTF8BOM, fb, nil
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}):
		return utf16(unicode.LittleEndian, unicode.ExpectBOM), encUTF16LE, nil, nil
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return utf16(unicode.BigEndian, unicode.ExpectBOM), encUTF16BE, nil, nil
	}
	if le, be := looksUTF16(head); le {
		return utf16(unicode.LittleEndian, unicode.IgnoreBOM), encUTF16LE, nil, nil
	} else if be {
		return utf16(unicode.BigEndian, unicode.IgnoreBOM), encUTF16BE, nil, nil
	}
	if !validUTF8Prefix(head, atEOF) {
		return transform.NewReader(raw, charmap.Windows1252.NewDecoder()), encCP1252, nil, nil
	}
	fb := &utf8Fallback{}
	return transform.NewReader(raw, fb), encUTF8, fb, nil
}

// validUTF8Prefix reports whether p is valid UTF-8, allowing a rune cut off
// at the end of p when more input follows.
func validUTF8Prefix(p []byte, atEOF bool) bool {
	if !atEOF {
		// Drop a trailing incomplete rune: look back at most UTFMax-1 bytes
		// for the start of the last rune.
		for i := len(p) - 1; i >= 0 && i >= len(p)-(utf8.UTFMax-1); i-- {
			if utf8.RuneStart(p[i]) {
				if !utf8.FullRune(p[i:]) {
					p = p[:i]
				}
				break
			}
		}
	}
	return utf8.Valid(p)
}

// looksUTF16 spots UTF-16 without a BOM: text that is mostly ASCII leaves a
// zero in every other byte.
func looksUTF16(p []byte) (le, be bool) {
	n := len(p) &^ 1
	if n < 4 {
		return false, false
	}
	var zeroEven, zeroOdd int
	for i := 0; i < n; i += 2 {
		if p[i] == 0 {
			zeroEven++
		}
		if p[i+1] == 0 {
			zeroOdd++
		}
	}
	pairs := n / 2
	le = zeroOdd*10 >= pairs*7 && zeroEven == 0
	be = zeroEven*10 >= pairs*7 && zeroOdd == 0
	return le, be
}

// utf8Fallback passes valid UTF-8 through and decodes each byte that is not
// part of a valid UTF-8 sequence as Windows-1252, so a file that is mostly
// UTF-8 with a few bytes pasted from a Windows program still reads right.
type utf8Fallback struct {
	transform.NopResetter
	used bool // a byte was decoded as Windows-1252
}

func (t *utf8Fallback) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	for nSrc < len(src) {
		c := src[nSrc]
		if c < utf8.RuneSelf {
			if nDst >= len(dst) {
				return nDst, nSrc, transform.ErrShortDst
			}
			dst[nDst] = c
			nDst++
			nSrc++
			continue
		}
		r, size := utf8.DecodeRune(src[nSrc:])
		if r == utf8.RuneError && size <= 1 {
			if !atEOF && !utf8.FullRune(src[nSrc:]) {
				// Maybe a rune split across buffers: wait for more.
				return nDst, nSrc, transform.ErrShortSrc
			}
			t.used = true
			r = charmap.Windows1252.DecodeByte(c)
			if nDst+utf8.RuneLen(r) > len(dst) {
				return nDst, nSrc, transform.ErrShortDst
			}
			nDst += utf8.EncodeRune(dst[nDst:], r)
			nSrc++
			continue
		}
		if nDst+size > len(dst) {
			return nDst, nSrc, transform.ErrShortDst
		}
		copy(dst[nDst:], src[nSrc:nSrc+size])
		nDst += size
		nSrc += size
	}
	return nDst, nSrc, nil
}

// sniffDelimiter picks ',', ';' or tab: the one found most often outside
// quotes on the header line. Ties and no delimiter at all give def; for .tsv
// files any tab on the header line wins.
func sniffDelimiter(head []byte, headerRow int, def byte, tsv bool) byte {
	var count [256]int
	reached := false
	walkLines(head, func(line int, c byte, quoted bool) bool {
		if line > headerRow {
			return false
		}
		if line == headerRow {
			reached = true
			if !quoted {
				count[c]++
			}
		}
		return true
	})
	if !reached && headerRow > 1 {
		// The header line lies beyond the sniffed prefix: use line 1.
		return sniffDelimiter(head, 1, def, tsv)
	}
	commas, semis, tabs := count[','], count[';'], count['\t']
	if tsv && tabs > 0 {
		return '\t'
	}
	best, n, tie := def, 0, false
	for _, d := range []struct {
		b byte
		n int
	}{{',', commas}, {';', semis}, {'\t', tabs}} {
		switch {
		case d.n > n:
			best, n, tie = d.b, d.n, false
		case d.n == n && n > 0:
			tie = true
		}
	}
	if n == 0 || tie {
		return def
	}
	return best
}

// walkLines calls fn for each byte of head with the 1-based line it is on and
// whether it sits inside a quoted field (quotes open only at the start of a
// field, "" inside quotes is a literal quote, any of , ; tab separates
// fields). A CRLF pair is reported as one '\n'; a lone CR as '\n'. fn returns
// false to stop.
func walkLines(head []byte, fn func(line int, c byte, quoted bool) bool) {
	line := 1
	inQuote, atStart := false, true
	for i := 0; i < len(head); i++ {
		c := head[i]
		if c == '\r' {
			if i+1 < len(head) && head[i+1] == '\n' {
				i++
			}
			c = '\n'
		}
		if inQuote {
			if c == '"' {
				if i+1 < len(head) && head[i+1] == '"' {
					i++
				} else {
					inQuote = false
				}
			}
			if !fn(line, c, true) {
				return
			}
			if c == '\n' {
				line++
			}
			continue
		}
		if c == '"' && atStart {
			inQuote = true
		}
		if !fn(line, c, c == '"' && inQuote) {
			return
		}
		atStart = c == ',' || c == ';' || c == '\t' || c == '\n'
		if c == '\n' {
			line++
		}
	}
}

// parser errors, turned into *InputError by csvReader.
type parseErrorKind int

const (
	errUnclosedQuote parseErrorKind = iota + 1
	errRecordTooBig
)

type parseError struct {
	kind  parseErrorKind
	line  int // where the record (unclosed quote: the field) starts
	field int // 0-based field index
}

func (e *parseError) Error() string {
	return fmt.Sprintf("csv: line %d, field %d: error %d", e.line, e.field+1, e.kind)
}

// csvParser splits decoded UTF-8 text into records the way Excel does.
// Compared with encoding/csv in LazyQuotes mode: text after a closing quote
// is kept literally up to the delimiter (no runaway quoted field), a quote
// never closed is an error, a lone CR ends a line, blank lines come back as
// one empty field (the caller skips them), and records are capped in size.
type csvParser struct {
	r     *bufio.Reader
	delim byte
	line  int // line number of the next unread byte
	max   int
	rec   []byte
	ends  []int
}

// read returns the next record and the line it starts on, or io.EOF.
func (p *csvParser) read() ([]string, int, error) {
	p.rec = p.rec[:0]
	p.ends = p.ends[:0]
	start := p.line
	if _, err := p.r.Peek(1); err != nil {
		return nil, start, err
	}
	for {
		field := len(p.ends)
		if next, err := p.r.Peek(1); err == nil && next[0] == '"' {
			_, _ = p.r.ReadByte()
			if err := p.quoted(field); err != nil {
				return nil, start, err
			}
		}
		// The unquoted field, or what follows a closing quote.
		stop, err := p.unquoted()
		if len(p.rec) > p.max {
			return nil, start, &parseError{kind: errRecordTooBig, line: start, field: field}
		}
		p.ends = append(p.ends, len(p.rec))
		if err != nil {
			if errors.Is(err, io.EOF) {
				return p.fields(), start, nil
			}
			return nil, start, err
		}
		if stop == p.delim {
			continue
		}
		if stop == '\r' {
			if next, err := p.r.Peek(1); err == nil && next[0] == '\n' {
				_, _ = p.r.ReadByte()
			}
		}
		p.line++
		return p.fields(), start, nil
	}
}

// unquoted appends the bytes up to the next delimiter, LF or CR to the
// record and consumes and returns that byte; io.EOF at the end of input.
func (p *csvParser) unquoted() (byte, error) {
	for {
		if _, err := p.r.Peek(1); err != nil {
			return 0, err
		}
		buf, _ := p.r.Peek(p.r.Buffered())
		if i := indexStop(buf, p.delim); i >= 0 {
			p.rec = append(p.rec, buf[:i]...)
			c := buf[i]
			_, _ = p.r.Discard(i + 1)
			return c, nil
		}
		p.rec = append(p.rec, buf...)
		_, _ = p.r.Discard(len(buf))
		if len(p.rec) > p.max {
			return 0, nil
		}
	}
}

func indexStop(b []byte, delim byte) int {
	for i, c := range b {
		if c == delim || c == '\n' || c == '\r' {
			return i
		}
	}
	return -1
}

// quoted reads a quoted field after its opening quote, up to and including
// the closing quote.
func (p *csvParser) quoted(field int) error {
	openLine := p.line
	for {
		c, err := p.r.ReadByte()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return &parseError{kind: errUnclosedQuote, line: openLine, field: field}
			}
			return err
		}
		switch c {
		case '"':
			next, err := p.r.Peek(1)
			if err == nil && next[0] == '"' {
				_, _ = p.r.ReadByte()
				p.rec = append(p.rec, '"')
				continue
			}
			return nil
		case '\r':
			p.line++
			if next, err := p.r.Peek(1); err == nil && next[0] == '\n' {
				_, _ = p.r.ReadByte()
				c = '\n'
			}
		case '\n':
			p.line++
		}
		p.rec = append(p.rec, c)
		if len(p.rec) > p.max {
			return &parseError{kind: errRecordTooBig, line: openLine, field: field}
		}
	}
}

// fields splits the record buffer into strings sharing one allocation.
func (p *csvParser) fields() []string {
	s := string(p.rec)
	out := make([]string, len(p.ends))
	prev := 0
	for i, end := range p.ends {
		out[i] = s[prev:end]
		prev = end
	}
	return out
}

// settingLine is a KEY=value line of an environment or config file.
var settingLine = regexp.MustCompile(`^\s*(export\s+)?[A-Za-z_][A-Za-z0-9_.]*\s*=`)

// notASheet says what a header row looks like when it is not one: the
// lines of an environment file, a key or certificate, or binary data; ""
// for a header.
func notASheet(header []string) string {
	settings, cells := 0, 0
	for _, h := range header {
		if isBlank(h) {
			continue
		}
		cells++
		switch {
		case strings.Contains(h, "-----BEGIN "):
			return "a key or certificate"
		case strings.ContainsRune(h, 0):
			return "binary data"
		case settingLine.MatchString(h):
			settings++
		}
	}
	if cells > 0 && settings == cells {
		return "KEY=value settings (an environment or config file)"
	}
	return ""
}
