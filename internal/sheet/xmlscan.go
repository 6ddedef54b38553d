package sheet

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
)

// xmlScanner is a small, strict, streaming XML tokenizer for the parts of a
// workbook that can be large (sheets, shared strings). encoding/xml spends
// most of a sheet's read time on namespace bookkeeping and allocations this
// reader does not need; this one is about four times faster and allocates
// nothing per token. It is strict where it matters for not losing rows
// silently: a bare "&", an unknown entity, a mismatched or unclosed tag and
// a document cut short are errors. It does not resolve namespaces (names
// are compared by local part) and refuses DOCTYPE declarations (no entity
// expansion of any kind).
type xmlScanner struct {
	r     *bufio.Reader
	stack [][]byte // qualified names of the open elements
	pool  [][]byte // spare name buffers
	// the current token
	kind  xmlTok
	qname []byte // start and end: the qualified name
	tag   []byte // start: the raw tag between '<' and '>'
	text  []byte // text: decoded character data
	self  bool   // start: <tag/>, an end token follows
	atEnd bool   // a self-closing tag's end token is pending
	raw   []byte
}

type xmlTok int

const (
	tokText xmlTok = iota + 1
	tokStart
	tokEnd
)

var errXMLCutShort = errors.New("the XML ends before its elements are closed")

func newXMLScanner(r io.Reader) *xmlScanner {
	return &xmlScanner{r: bufio.NewReaderSize(r, 64<<10)}
}

// local is the current name without its namespace prefix.
func (s *xmlScanner) local() []byte {
	if i := bytes.IndexByte(s.qname, ':'); i >= 0 {
		return s.qname[i+1:]
	}
	return s.qname
}

func (s *xmlScanner) is(name string) bool { return string(s.local()) == name }

// next reads the next token; io.EOF at the clean end of the document.
func (s *xmlScanner) next() error {
	if s.atEnd {
		s.atEnd = false
		s.kind = tokEnd
		s.pop()
		return nil
	}
	c, err := s.r.ReadByte()
	if err == io.EOF {
		if len(s.stack) > 0 {
			return errXMLCutShort
		}
		return io.EOF
	}
	if err != nil {
		return err
	}
	if c != '<' {
		_ = s.r.UnreadByte()
		return s.readText()
	}
	c, err = s.r.ReadByte()
	if err != nil {
		return s.eof(err)
	}
	switch c {
	case '/':
		return s.readEnd()
	case '?':
		if err := s.skipTo("?>"); err != nil {
			return err
		}
		return s.next()
	case '!':
		return s.readBang()
	}
	_ = s.r.UnreadByte()
	return s.readStart()
}

func (s *xmlScanner) eof(err error) error {
	if err == io.EOF {
		return errXMLCutShort
	}
	return err
}

// readText reads character data up to the next '<' and decodes entities.
func (s *xmlScanner) readText() error {
	s.raw = s.raw[:0]
	for {
		chunk, err := s.r.ReadSlice('<')
		if err == nil {
			s.raw = append(s.raw, chunk[:len(chunk)-1]...)
			_ = s.r.UnreadByte()
			break
		}
		s.raw = append(s.raw, chunk...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err == io.EOF {
			break // trailing text after the root: checked by next
		}
		return err
	}
	s.kind = tokText
	var err error
	s.text, err = decodeEntities(s.text[:0], s.raw)
	return err
}

// decodeEntities appends raw to dst with the five XML entities and
// character references decoded; any other "&" is an error.
func decodeEntities(dst, raw []byte) ([]byte, error) {
	for {
		i := bytes.IndexByte(raw, '&')
		if i < 0 {
			return append(dst, raw...), nil
		}
		dst = append(dst, raw[:i]...)
		raw = raw[i:]
		j := bytes.IndexByte(raw, ';')
		if j < 0 || j > 12 {
			return dst, fmt.Errorf("a bare %q in the text (it must be written &amp;)", "&")
		}
		ent := raw[1:j]
		switch string(ent) {
		case "amp":
			dst = append(dst, '&')
		case "lt":
			dst = append(dst, '<')
		case "gt":
			dst = append(dst, '>')
		case "quot":
			dst = append(dst, '"')
		case "apos":
			dst = append(dst, '\'')
		default:
			if len(ent) < 2 || ent[0] != '#' {
				return dst, fmt.Errorf("unknown entity &%s;", ent)
			}
			var n uint64
			var err error
			if ent[1] == 'x' {
				n, err = strconv.ParseUint(string(ent[2:]), 16, 32)
			} else {
				n, err = strconv.ParseUint(string(ent[1:]), 10, 32)
			}
			if err != nil || !utf8.ValidRune(rune(n)) {
				return dst, fmt.Errorf("bad character reference &%s;", ent)
			}
			dst = utf8.AppendRune(dst, rune(n))
		}
		raw = raw[j+1:]
	}
}

// readTag reads up to the '>' that closes a tag, honouring quotes.
func (s *xmlScanner) readTag() error {
	s.tag = s.tag[:0]
	var quote byte
	for {
		chunk, err := s.r.ReadSlice('>')
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return s.eof(err)
		}
		start := len(s.tag)
		s.tag = append(s.tag, chunk...)
		for _, c := range s.tag[start:] {
			switch {
			case quote != 0:
				if c == quote {
					quote = 0
				}
			case c == '"' || c == '\'':
				quote = c
			case c == '<':
				return errors.New("a '<' inside a tag")
			}
		}
		if err == nil && quote == 0 {
			s.tag = s.tag[:len(s.tag)-1]
			return nil
		}
		if len(s.tag) > 1<<20 {
			return errors.New("a tag longer than 1 MiB")
		}
	}
}

func isNameEnd(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '/' || c == '>'
}

func (s *xmlScanner) readStart() error {
	if err := s.readTag(); err != nil {
		return err
	}
	n := 0
	for n < len(s.tag) && !isNameEnd(s.tag[n]) {
		n++
	}
	if n == 0 {
		return errors.New("a '<' not followed by a tag name")
	}
	s.self = len(s.tag) > 0 && s.tag[len(s.tag)-1] == '/'
	if s.self {
		s.tag = s.tag[:len(s.tag)-1]
	}
	s.push(s.tag[:n])
	s.qname = s.stack[len(s.stack)-1]
	s.kind = tokStart
	s.atEnd = s.self
	return nil
}

func (s *xmlScanner) readEnd() error {
	if err := s.readTag(); err != nil {
		return err
	}
	name := bytes.TrimRight(s.tag, " \t\r\n")
	if len(s.stack) == 0 {
		return fmt.Errorf("a closing </%s> without an opening tag", name)
	}
	top := s.stack[len(s.stack)-1]
	if !bytes.Equal(top, name) {
		return fmt.Errorf("<%s> is closed by </%s>", top, name)
	}
	s.kind = tokEnd
	s.qname = top
	s.pop()
	return nil
}

func (s *xmlScanner) push(name []byte) {
	var buf []byte
	if n := len(s.pool); n > 0 {
		buf, s.pool = s.pool[n-1][:0], s.pool[:n-1]
	}
	s.stack = append(s.stack, append(buf, name...))
}

// pop drops the top name; its buffer stays valid (as s.qname) until the
// next push.
func (s *xmlScanner) pop() {
	n := len(s.stack)
	s.qname = s.stack[n-1]
	s.pool = append(s.pool, s.stack[n-1])
	s.stack = s.stack[:n-1]
}

func (s *xmlScanner) readBang() error {
	head, err := s.r.Peek(2)
	if err != nil {
		return s.eof(err)
	}
	if string(head) == "--" {
		if err := s.skipTo("-->"); err != nil {
			return err
		}
		return s.next()
	}
	head, err = s.r.Peek(7)
	if err == nil && string(head) == "[CDATA[" {
		_, _ = s.r.Discard(7)
		s.text = s.text[:0]
		for {
			c, err := s.r.ReadByte()
			if err != nil {
				return s.eof(err)
			}
			s.text = append(s.text, c)
			if bytes.HasSuffix(s.text, []byte("]]>")) {
				s.text = s.text[:len(s.text)-3]
				s.kind = tokText
				return nil
			}
		}
	}
	return errors.New("a DOCTYPE or other declaration, which workbooks never hold")
}

func (s *xmlScanner) skipTo(end string) error {
	var tail []byte
	for {
		c, err := s.r.ReadByte()
		if err != nil {
			return s.eof(err)
		}
		tail = append(tail, c)
		if len(tail) > len(end) {
			tail = tail[1:]
		}
		if string(tail) == end {
			return nil
		}
	}
}

// nextAttr returns the attribute of the current start tag that starts at
// or after offset i (0 for the first): its local name, its raw value (not
// entity-decoded) and the offset of the next one; false after the last.
func (s *xmlScanner) nextAttr(i int) (key, val []byte, next int, ok bool) {
	t := s.tag
	if i == 0 {
		for i < len(t) && !isNameEnd(t[i]) {
			i++
		}
	}
	for {
		for i < len(t) && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r') {
			i++
		}
		if i >= len(t) {
			return nil, nil, i, false
		}
		start := i
		for i < len(t) && t[i] != '=' && t[i] != ' ' {
			i++
		}
		key = t[start:i]
		for i < len(t) && t[i] != '"' && t[i] != '\'' {
			i++
		}
		if i >= len(t) {
			return nil, nil, i, false
		}
		q := t[i]
		j := bytes.IndexByte(t[i+1:], q)
		if j < 0 {
			return nil, nil, len(t), false
		}
		val = t[i+1 : i+1+j]
		i += j + 2
		if k := bytes.IndexByte(key, ':'); k >= 0 {
			if string(key[:k]) == "xmlns" {
				continue
			}
			key = key[k+1:]
		}
		return key, val, i, true
	}
}

// attr returns the decoded value of the current start tag's attribute with
// this local name, and whether it is there.
func (s *xmlScanner) attr(name string) (string, bool) {
	for i := 0; ; {
		key, val, next, ok := s.nextAttr(i)
		if !ok {
			return "", false
		}
		i = next
		if string(key) != name {
			continue
		}
		if bytes.IndexByte(val, '&') < 0 {
			return string(val), true
		}
		v, err := decodeEntities(nil, val)
		if err != nil {
			return "", false
		}
		return string(v), true
	}
}
