package sheet

import (
	"math"
	"strconv"
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

// formulaLike reports whether s starts with a character that makes Excel,
// LibreOffice or Google Sheets treat a typed or imported value as a formula.
func formulaLike(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}

// needsEscape reports whether s starts with a formula character, possibly
// after apostrophes: those strings get one more apostrophe, which keeps
// UnescapeFormula(EscapeFormula(s)) == s for every s.
func needsEscape(s string) bool {
	i := 0
	for i < len(s) && s[i] == '\'' {
		i++
	}
	return formulaLike(s[i:])
}

// EscapeFormula prefixes s with an apostrophe when it starts with = + - @ tab
// or CR (OWASP "CSV injection"), so spreadsheet programs opening a CSV show
// it as text instead of evaluating it. So that the escaping can be undone
// exactly, a value that already starts with apostrophes followed by one of
// those characters gets one more apostrophe too. Other values are returned
// as is.
func EscapeFormula(s string) string {
	if needsEscape(s) {
		return "'" + s
	}
	return s
}

// UnescapeFormula undoes EscapeFormula: it strips exactly one leading
// apostrophe when what follows starts with = + - @ tab or CR (possibly
// after more apostrophes). Apply it to cells read back from our own CSV
// files (see Options.UnescapeFormulas).
func UnescapeFormula(s string) string {
	if len(s) >= 2 && s[0] == '\'' && needsEscape(s[1:]) {
		return s[1:]
	}
	return s
}
