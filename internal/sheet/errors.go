package sheet

import (
	"strconv"
	"strings"
)

// InputError is a problem with an input file that the user can fix: an empty
// file, a missing sheet, a malformed row. It names the file and, when known,
// the row (the sheet's own 1-based row number) and column (the header name).
// Callers match it with errors.As; it may come back wrapped.
type InputError struct {
	File   string // base name of the file, e.g. "users.csv"
	Sheet  string // XLSX: the sheet, when the problem is inside one (damaged XML); "" otherwise
	Row    int    // 1-based sheet row; 0 when the problem is not about one row
	Column string // header name; "" when unknown or not about one cell
	Msg    string // what is wrong
	Hint   string // what to do about it; may be ""
	Err    error  // the cause, when there is one (e.g. a *LimitError); see Unwrap
}

// Unwrap returns the cause, so errors.As finds a *LimitError.
func (e *InputError) Unwrap() error { return e.Err }

// Error renders `users.csv: row 7, column "Email": <msg> (<hint>)`, leaving
// out the parts that are empty.
func (e *InputError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
	}
	where := ""
	if e.Sheet != "" {
		where = "sheet " + strconv.Quote(e.Sheet)
	}
	if e.Row > 0 {
		if where != "" {
			where += ", "
		}
		where += "row " + strconv.Itoa(e.Row)
	}
	if e.Column != "" {
		if where != "" {
			where += ", "
		}
		where += "column " + strconv.Quote(e.Column)
	}
	if where != "" {
		if b.Len() > 0 {
			b.WriteString(": ")
		}
		b.WriteString(where)
	}
	if e.Msg != "" {
		if b.Len() > 0 {
			b.WriteString(": ")
		}
		b.WriteString(e.Msg)
	}
	if e.Hint != "" {
		if b.Len() > 0 {
			b.WriteString(" ")
		}
		b.WriteString("(" + e.Hint + ")")
	}
	return b.String()
}
