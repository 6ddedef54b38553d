package sheet

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// Kind is the type of a cell to write (and, on a Column, the hint for its
// width and number format).
type Kind int

// Cell kinds.
const (
	Text     Kind = iota // a string, always shown as text (never a formula)
	Number               // a float64
	Integer              // an int64, shown without exponent or separators
	Date                 // a calendar date, yyyy-mm-dd
	DateTime             // a date and time, yyyy-mm-dd hh:mm
	Bool                 // TRUE / FALSE
)

// Cell is one value to write. Use the constructors; the field matching Kind
// holds the value.
type Cell struct {
	Kind Kind
	S    string
	N    float64
	I    int64
	T    time.Time
	B    bool
	// Format is a number format code (e.g. "0.00%", "dd/mm/yyyy") for
	// Number, Integer, Date and DateTime cells in workbooks; "" uses the
	// kind's own format. The XLSX reader sets it from the input cell, so a
	// value written back looks as it did. CSV ignores it.
	Format string
}

// TextCell is a text value. Workbooks cut text at Excel's limit of 32,767
// characters a cell; CSV keeps it whole.
func TextCell(s string) Cell { return Cell{Kind: Text, S: s} }

// IntCell is an integer.
func IntCell(i int64) Cell { return Cell{Kind: Integer, I: i} }

// NumberCell is a number. NaN and infinities are written as empty cells.
func NumberCell(f float64) Cell { return Cell{Kind: Number, N: f} }

// DateCell is the calendar date of t in t's own location; the zero time is
// an empty cell.
func DateCell(t time.Time) Cell { return Cell{Kind: Date, T: t} }

// DateTimeCell is the wall-clock date and time of t in t's own location
// (call t.UTC() or t.In(loc) first to choose); the zero time is an empty
// cell.
func DateTimeCell(t time.Time) Cell { return Cell{Kind: DateTime, T: t} }

// BoolCell is a boolean.
func BoolCell(b bool) Cell { return Cell{Kind: Bool, B: b} }

// EmptyCell is a blank cell (it still takes the row's style).
func EmptyCell() Cell { return Cell{Kind: Text} }

// empty reports whether the cell writes nothing.
func (c Cell) empty() bool {
	switch c.Kind {
	case Text:
		return c.S == ""
	case Number:
		return math.IsNaN(c.N) || math.IsInf(c.N, 0)
	case Date, DateTime:
		return c.T.IsZero()
	}
	return false
}

// String renders the cell as our CSV writer does, without formula escaping:
// numbers in plain decimal, dates as 2006-01-02, date-times as
// 2006-01-02 15:04:05, booleans as TRUE/FALSE.
func (c Cell) String() string {
	if c.empty() {
		return ""
	}
	switch c.Kind {
	case Number:
		return strconv.FormatFloat(c.N, 'f', -1, 64)
	case Integer:
		return strconv.FormatInt(c.I, 10)
	case Date:
		return c.T.Format(time.DateOnly)
	case DateTime:
		return c.T.Format(time.DateTime)
	case Bool:
		if c.B {
			return "TRUE"
		}
		return "FALSE"
	}
	return c.S
}

// formulaChar reports whether c, first in a value, can start a formula in
// Excel, LibreOffice or Google Sheets.
func formulaChar(c byte) bool {
	switch c {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}

// formulaLike reports whether a spreadsheet program opening a CSV would
// evaluate s as a formula. The rule:
//
//   - a leading = or @, tab or CR: always (=HYPERLINK(...), @SUM(...), and
//     the tab/CR tricks that hide a formula behind white space);
//   - a leading + or -: unless what follows is inert, that is either a
//     plain decimal number ("-5", "+3.25": read as a number, nothing is
//     evaluated) or one or more "-"-joined words of letters, digits and
//     underscores, each holding a letter or underscore, none a cell
//     reference (A1, XFD1048576, R1C1) or TRUE/FALSE. That covers Zoom IDs
//     such as "-gbbm4KGTsSvL5zmELDJdw": with no operator, parenthesis,
//     reference, "|" or "!" there is nothing to call, no DDE and no value
//     to fetch, so at worst a program shows it as an unknown name. Anything
//     else ("+1 555 0100", "-2+3", "-A1", "-cmd|' /C calc'!A0") is guarded.
func formulaLike(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case '=', '@', '\t', '\r':
		return true
	case '+', '-':
		return !inertSigned(s[1:])
	}
	return false
}

// inertSigned reports whether rest, after a leading + or -, is a plain
// number or words that cannot form a formula (see formulaLike).
func inertSigned(rest string) bool {
	if rest == "" {
		return false
	}
	if plainNumber(rest) {
		return true
	}
	for part := range strings.SplitSeq(rest, "-") {
		if part == "" || strings.EqualFold(part, "TRUE") || strings.EqualFold(part, "FALSE") || cellRefLike(part) {
			return false
		}
		word := false
		for i := 0; i < len(part); i++ {
			c := part[i]
			switch {
			case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
				word = true
			case c >= '0' && c <= '9':
			default:
				return false
			}
		}
		if !word {
			return false
		}
	}
	return true
}

// plainNumber: digits, with at most one '.' between digits.
func plainNumber(s string) bool {
	dot := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
		case c == '.' && !dot && i > 0 && i < len(s)-1:
			dot = true
		default:
			return false
		}
	}
	return s != ""
}

// cellRefLike reports whether s reads as a cell reference: 1-3 letters and
// digits (A1 style), or R<digits>C<digits> (R1C1 style).
func cellRefLike(s string) bool {
	i := 0
	for i < len(s) && (s[i] >= 'A' && s[i] <= 'Z' || s[i] >= 'a' && s[i] <= 'z') {
		i++
	}
	if i >= 1 && i <= 3 && i < len(s) && allDigits(s[i:]) {
		return true
	}
	u := strings.ToUpper(s)
	if strings.HasPrefix(u, "R") {
		if r, c, ok := strings.Cut(u[1:], "C"); ok && (r == "" || allDigits(r)) && (c == "" || allDigits(c)) {
			return true
		}
	}
	return false
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// needsEscape reports whether EscapeFormula guards s: a value a
// spreadsheet would evaluate, or one that starts with apostrophes followed
// by any formula character (those get one more apostrophe, so that
// UnescapeFormula(EscapeFormula(s)) == s for every s).
func needsEscape(s string) bool {
	i := 0
	for i < len(s) && s[i] == '\'' {
		i++
	}
	if i > 0 {
		return i < len(s) && formulaChar(s[i])
	}
	return formulaLike(s)
}

// EscapeFormula prefixes s with an apostrophe when a spreadsheet program
// opening a CSV would evaluate it as a formula (OWASP "CSV injection"; the
// exact rule is formulaLike's: = @ tab CR always, + and - unless what
// follows is a plain number or an ID-like word such as a Zoom user ID).
// So that the escaping can be undone exactly, a value that already starts
// with apostrophes followed by = + - @ tab or CR gets one more apostrophe
// too. Other values are returned as is.
func EscapeFormula(s string) string {
	if needsEscape(s) {
		return "'" + s
	}
	return s
}

// UnescapeFormula undoes EscapeFormula: it strips exactly one leading
// apostrophe when what follows starts with = + - @ tab or CR (possibly
// after more apostrophes). That also undoes the guard of files written
// before the rule narrowed (e.g. "'-gbbm4KGTsSvL5zmELDJdw" reads back as
// the ID). Apply it to cells read back from our own CSV files (see
// Options.UnescapeFormulas).
func UnescapeFormula(s string) string {
	if len(s) < 2 || s[0] != '\'' {
		return s
	}
	j := 1
	for j < len(s) && s[j] == '\'' {
		j++
	}
	if j < len(s) && formulaChar(s[j]) {
		return s[1:]
	}
	return s
}
