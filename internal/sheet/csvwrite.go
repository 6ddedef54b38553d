package sheet

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// RowStyle is how a written row looks in a workbook. CSV ignores it.
type RowStyle int

// Row styles.
const (
	Plain   RowStyle = iota
	Failed           // light red fill
	Warning          // light amber fill
	Muted            // grey italic, e.g. example rows in a template
)

// Table is one sheet to write.
type Table struct {
	Name    string // sheet name (XLSX), ignored for CSV; "" = "Sheet<n>"
	Columns []Column
	// Print shapes the printed sheet (XLSX); the zero value prints one
	// page wide with the header row on every page.
	Print Print
}

// Column is one column of a Table.
type Column struct {
	Header string
	// Width in Excel character units; 0 = automatic from the header, the
	// kind and the first rows written.
	Width float64
	// Kind hints the width and number format; each Cell's own Kind decides
	// how its value is written.
	Kind Kind
	// Choices, when set, adds an in-cell dropdown (data validation, warning
	// style: other values are allowed after a prompt) to the column's data
	// cells in XLSX. Ignored for CSV.
	Choices []string
}

// TableWriter writes the rows of one table, in order.
type TableWriter interface {
	// WriteRow writes one row; len(cells) <= len(Columns), missing cells
	// are blank.
	WriteRow(cells []Cell, style RowStyle) error
	// Close finishes the table (XLSX: flushes the sheet's stream writer).
	// It does not close the underlying io.Writer of a CSV writer.
	Close() error
}

var errClosed = errors.New("sheet: table writer already closed")

type csvWriter struct {
	w      *bufio.Writer
	width  int
	closed bool
	err    error
}

// NewCSVWriter writes a CSV table to w: UTF-8 with a BOM, CRLF line ends,
// the header row first. Text cells (headers included) starting with = + - @
// tab or CR are written through EscapeFormula; numbers, dates (2006-01-02),
// date-times (2006-01-02 15:04:05) and booleans (TRUE/FALSE) as Cell.String
// renders them. Fields holding a comma, a quote, CR or LF, or starting or
// ending with a space, are quoted; CR and LF inside a field are kept as they
// are. Output is buffered: Close flushes it (and does not close w).
func NewCSVWriter(w io.Writer, cols []Column) (TableWriter, error) {
	if len(cols) == 0 {
		return nil, errors.New("sheet: a table needs at least one column")
	}
	cw := &csvWriter{w: bufio.NewWriterSize(w, 64<<10), width: len(cols)}
	cw.w.WriteString("\uFEFF")
	header := make([]Cell, len(cols))
	for i, c := range cols {
		header[i] = TextCell(c.Header)
	}
	if err := cw.WriteRow(header, Plain); err != nil {
		return nil, err
	}
	return cw, nil
}

func (c *csvWriter) WriteRow(cells []Cell, _ RowStyle) error {
	if c.closed {
		return errClosed
	}
	if c.err != nil {
		return c.err
	}
	if len(cells) > c.width {
		return fmt.Errorf("sheet: row has %d cells, the table %d columns", len(cells), c.width)
	}
	for i := range c.width {
		if i > 0 {
			c.w.WriteByte(',')
		}
		if i >= len(cells) {
			continue
		}
		s := cells[i].String()
		if cells[i].Kind == Text {
			s = EscapeFormula(s)
		}
		writeCSVField(c.w, s)
	}
	_, c.err = c.w.WriteString("\r\n")
	return c.err
}

func writeCSVField(w *bufio.Writer, s string) {
	if !strings.ContainsAny(s, ",\"\r\n") && !strings.HasPrefix(s, " ") && !strings.HasSuffix(s, " ") {
		w.WriteString(s)
		return
	}
	w.WriteByte('"')
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			break
		}
		w.WriteString(s[:i+1])
		w.WriteByte('"')
		s = s[i+1:]
	}
	w.WriteString(s)
	w.WriteByte('"')
}

func (c *csvWriter) Close() error {
	if c.closed {
		return nil
	}
	c.closed = true
	if err := c.w.Flush(); c.err == nil {
		c.err = err
	}
	return c.err
}
