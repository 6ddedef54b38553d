package mapping

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/zoombulk/zoombulk/internal/fuzzy"
	"github.com/zoombulk/zoombulk/internal/sheet"
)

// Spec maps one field to a column, as the job file's `fields` says.
type Spec struct {
	Field  string // catalogue name
	Column string // header in the input, matched trimmed and case-insensitively
	// Values maps cell text (matched trimmed, case-insensitively) to the value
	// sent; a cell matching no key is a row problem listing the keys.
	Values map[string]string
	// Default applies when the cell is empty (HasDefault distinguishes "").
	// For a user who exists already it applies only with DefaultForAll
	// (default_for: all): an empty cell never changes an existing user, so
	// a default such as a Basic license is for the users a run creates.
	Default    string
	HasDefault bool
	// DefaultForAll: the default fills empty cells of existing users too.
	DefaultForAll bool
	// Required: an empty cell (and no default) is a row problem.
	Required bool
	// Transforms apply in order after trimming: "lower", "upper", "title".
	Transforms []string
	// Line is the job file line of this mapping, for errors.
	Line int
}

// A Spec with no Column and a Default gives every row the default: a
// constant field (e.g. `type: {default: 1}`).

// Options shape a mapper.
type Options struct {
	// Clear is the token that clears a field (default "<clear>").
	Clear string
	// File names the input in problems.
	File string
}

// DefaultClear is the clear token when the job names none.
const DefaultClear = "<clear>"

// Mapper turns sheet rows into field values. A Mapper is read-only once
// compiled: Map may be called from several goroutines.
type Mapper struct {
	specs   []compiled
	clear   string
	file    string
	byField map[string]int
}

type transform uint8

const (
	tLower transform = iota + 1
	tUpper
	tTitle
)

// Transforms lists the transform names a Spec accepts.
var Transforms = []string{"lower", "upper", "title"}

type compiled struct {
	f        Field
	col      int    // index in the header; -1: no column (constant default)
	header   string // the header as read
	required bool
	hasDef   bool
	def      string // canonical default
	defAll   bool   // default_for: all
	trans    []transform
	values   []valueKey // nil: no values map
	valueMap map[string]string
	keysMsg  string // the values keys, for problems
}

type valueKey struct{ key, target string } // key: trimmed, as written

// ColumnError is a job error about the input's header: a mapped column that
// does not exist (naming the headers that do), or a mapped header present
// twice. Nothing is sent when one occurs.
type ColumnError struct {
	File    string
	Field   string
	Column  string
	Line    int      // job file line of the mapping
	Headers []string // the headers that exist
	Msg     string
}

func (e *ColumnError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(": ")
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, "job line %d: ", e.Line)
	}
	if e.Field != "" {
		fmt.Fprintf(&b, "field %q: ", e.Field)
	}
	b.WriteString(e.Msg)
	return b.String()
}

// addTransforms adds a field's transforms (lower, upper, title), telling
// fail of each unknown one; it says whether all were known.
func (c *compiled) addTransforms(names []string, fail func(msg string)) bool {
	ok := true
	for _, t := range names {
		switch strings.ToLower(strings.TrimSpace(t)) {
		case "lower":
			c.trans = append(c.trans, tLower)
		case "upper":
			c.trans = append(c.trans, tUpper)
		case "title":
			c.trans = append(c.trans, tTitle)
		default:
			fail(fmt.Sprintf("unknown transform %q (use lower, upper or title)", t))
			ok = false
		}
	}
	return ok
}

// Compile resolves specs against the input's header. Errors are
// *ColumnError (several may be joined with errors.Join).
func Compile(specs []Spec, header []string, opts Options) (*Mapper, error) {
	m := &Mapper{clear: strings.TrimSpace(opts.Clear), file: opts.File, byField: make(map[string]int, len(specs))}
	if m.clear == "" {
		m.clear = DefaultClear
	}
	var errs []error
	fail := func(sp Spec, msg string) {
		errs = append(errs, &ColumnError{File: opts.File, Field: sp.Field, Column: sp.Column, Line: sp.Line,
			Headers: append([]string(nil), header...), Msg: msg})
	}
	seenField := make(map[string]bool, len(specs))
	norm := make([]string, len(header))
	for i, h := range header {
		norm[i] = strings.ToLower(trim(h))
	}
	for _, sp := range specs {
		f, ok := Lookup(sp.Field)
		if !ok {
			msg := fmt.Sprintf("unknown field %q", sp.Field)
			if s := Suggest(sp.Field); s != "" {
				msg += fmt.Sprintf("; did you mean %q?", s)
			}
			fail(sp, msg)
			continue
		}
		if seenField[f.Name] {
			fail(sp, "the field is mapped twice")
			continue
		}
		seenField[f.Name] = true
		c := compiled{f: f, col: -1, required: sp.Required}
		bad := !c.addTransforms(sp.Transforms, func(msg string) { fail(sp, msg) })
		if sp.HasDefault {
			v, p := f.Canonical(sp.Default)
			if p != nil {
				fail(sp, "default: "+p.Msg+"; "+p.Hint)
				bad = true
			}
			c.hasDef, c.def, c.defAll = true, v, sp.DefaultForAll
		}
		if sp.Values != nil {
			keys := make([]string, 0, len(sp.Values))
			for k := range sp.Values {
				keys = append(keys, k)
			}
			sortNatural(keys)
			seen := make(map[string]string, len(keys))
			for _, k := range keys {
				kt := trim(k)
				lk := strings.ToLower(kt)
				if prev, ok := seen[lk]; ok {
					fail(sp, fmt.Sprintf("values: keys %q and %q are the same once case and spaces are ignored", prev, k))
					bad = true
					continue
				}
				seen[lk] = k
				v, p := f.Canonical(sp.Values[k])
				if p != nil {
					fail(sp, fmt.Sprintf("values: %q: %s; %s", k, p.Msg, p.Hint))
					bad = true
					continue
				}
				c.values = append(c.values, valueKey{kt, v})
			}
			if len(c.values) > 16 {
				c.valueMap = make(map[string]string, len(c.values))
				for _, vk := range c.values {
					c.valueMap[strings.ToLower(vk.key)] = vk.target
				}
			}
			c.keysMsg = quoteList(keys, 20)
			if c.values == nil {
				c.values = []valueKey{}
			}
		}
		col := strings.TrimSpace(sp.Column)
		if col == "" {
			if !sp.HasDefault {
				fail(sp, "no column: give the column header, or a default for every row")
				bad = true
			}
		} else {
			want := strings.ToLower(trim(col))
			var at []int
			for i, h := range norm {
				if h == want {
					at = append(at, i)
				}
			}
			switch len(at) {
			case 0:
				msg := fmt.Sprintf("column %q is not in the header; the headers are %s", col, quoteList(header, 40))
				if s := fuzzy.Key(col, nonEmpty(header)); s != "" {
					msg += fmt.Sprintf("; did you mean %q?", trim(s))
				}
				fail(sp, msg)
				bad = true
			case 1:
				c.col, c.header = at[0], header[at[0]]
			default:
				places := make([]string, len(at))
				for i, a := range at {
					places[i] = columnName(a)
				}
				fail(sp, fmt.Sprintf("column %q appears %d times in the header (columns %s): rename all but one",
					col, len(at), strings.Join(places, ", ")))
				bad = true
			}
		}
		if bad {
			continue
		}
		m.byField[f.Name] = len(m.specs)
		m.specs = append(m.specs, c)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return m, nil
}

// Fields lists the mapped field names in job order.
func (m *Mapper) Fields() []string {
	out := make([]string, len(m.specs))
	for i := range m.specs {
		out[i] = m.specs[i].f.Name
	}
	return out
}

// Column returns the input header a field is mapped from.
func (m *Mapper) Column(field string) string {
	i, ok := m.byField[field]
	if !ok {
		return ""
	}
	return m.specs[i].header
}

// Value is one mapped field of one row.
type Value struct {
	// Text is the canonical value to send ("2" for Licensed, a lower-cased
	// email, trimmed text). Empty when Clear is set.
	Text string
	// Clear: the cell held the clear token; send an empty value.
	Clear bool
	// Default: the cell was empty and the value is the job's default, for
	// new users only (Spec.DefaultForAll not set): a user who exists keeps
	// what it has.
	Default bool
}

// Problem is one thing wrong with one cell (or row).
type Problem struct {
	Row    int    // the sheet's row number
	Column string // the header, "" for row-level problems
	Field  string
	Value  string // the cell as read (truncated to 200 characters)
	Kind   string // short, stable: "required", "email", "enum", "length", "integer", "unmapped value", "duplicate", "extra cells", "missing field", "clear", "format" (the Kind* constants)
	Msg    string // what is wrong, in a sentence
	Hint   string // what to do
}

// Problem kinds beyond those listed on Problem.Kind: "clear" (the clear
// token in a field that cannot be cleared) and "format" (a value of the
// right kind in the wrong shape: a LinkedIn URL without linkedin.com, a
// link in about_me).
const (
	KindRequired     = "required"
	KindEmail        = "email"
	KindEnum         = "enum"
	KindLength       = "length"
	KindInteger      = "integer"
	KindUnmapped     = "unmapped value"
	KindDuplicate    = "duplicate"
	KindExtraCells   = "extra cells"
	KindMissingField = "missing field"
	KindClear        = "clear"
	KindFormat       = "format"
	KindExcelError   = "excel error" // a formula's error value (#DIV/0!, #N/A, ...)
)

// Record is one row, mapped.
type Record struct {
	Row      int
	Values   map[string]Value // only fields whose cell (or default) gave a value
	Problems []Problem
}

// Get returns a field's value and whether the row set it.
func (r Record) Get(field string) (Value, bool) { v, ok := r.Values[field]; return v, ok }

// HasProblem says whether the record has a problem on field.
func (r Record) HasProblem(field string) bool {
	for i := range r.Problems {
		if r.Problems[i].Field == field {
			return true
		}
	}
	return false
}

// Map maps one row. It never panics and never fails: problems go in the
// record.
func (m *Mapper) Map(row sheet.Row) Record {
	var rec Record
	m.MapInto(row, &rec)
	return rec
}

// MapInto maps one row into rec, as Map does, reusing rec's Values map and
// Problems slice: for callers that check rows without keeping them.
func (m *Mapper) MapInto(row sheet.Row, rec *Record) {
	rec.Row = row.Number
	rec.Problems = rec.Problems[:0]
	defer func() {
		if r := recover(); r != nil {
			rec.Problems = append(rec.Problems, Problem{Row: row.Number, Kind: "internal",
				Msg: fmt.Sprintf("zoombulk could not check this row: %v", r), Hint: "please report this as a bug"})
		}
	}()
	if m == nil {
		return
	}
	// Values are gathered first so that a new map is made at its exact
	// size: it is most of the memory a kept row costs.
	var buf [24]setValue
	set := buf[:0]
	for i := range m.specs {
		c := &m.specs[i]
		raw := ""
		if c.col >= 0 && c.col < len(row.Cells) {
			raw = row.Cells[c.col]
		}
		v, ok, p := c.cell(raw, m.clear)
		if p != nil {
			p.Row, p.Column, p.Field, p.Value = row.Number, c.header, c.f.Name, truncate(raw, 200)
			rec.Problems = append(rec.Problems, *p)
			continue
		}
		if ok {
			set = append(set, setValue{c.f.Name, v})
		}
	}
	switch {
	case rec.Values != nil:
		clear(rec.Values)
	case len(set) > 0:
		rec.Values = make(map[string]Value, len(set))
	}
	for _, sv := range set {
		rec.Values[sv.name] = sv.v
	}
	if n := countNonEmpty(row.Extra); n > 0 {
		shown := make([]string, 0, 3)
		for _, e := range row.Extra {
			if e = trim(e); e != "" && len(shown) < 3 {
				shown = append(shown, strconv.Quote(truncate(e, 40)))
			}
		}
		more := ""
		if n > len(shown) {
			more = ", ..."
		}
		word := "cells"
		if n == 1 {
			word = "cell"
		}
		rec.Problems = append(rec.Problems, Problem{Row: row.Number, Kind: KindExtraCells,
			Value: truncate(strings.Join(row.Extra, ","), 200),
			Msg:   fmt.Sprintf("the row has %d %s past the last header: %s%s", n, word, strings.Join(shown, ", "), more),
			Hint:  "give those columns a header, or delete the cells"})
	}
}

// excelErrors are the error values a formula leaves in a cell; a workbook
// stores them as text, and they would pass for a name or a value.
var excelErrors = []string{"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA", "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!"}

func excelError(s string) bool {
	if !strings.HasPrefix(s, "#") {
		return false
	}
	for _, e := range excelErrors {
		if strings.EqualFold(s, e) {
			return true
		}
	}
	return false
}

type setValue struct {
	name string
	v    Value
}

// cell maps one cell. set false and p nil: the field is left unchanged.
func (c *compiled) cell(raw, clear string) (v Value, set bool, p *Problem) {
	s := trim(raw)
	if s == "" {
		if c.hasDef {
			// A constant (no column) is not an empty cell: it is meant for
			// every row.
			return Value{Text: c.def, Default: c.col >= 0 && !c.defAll}, true, nil
		}
		if c.required {
			return v, false, &Problem{Kind: KindRequired, Msg: fmt.Sprintf("%s is required but the cell is empty", c.f.Name),
				Hint: "fill it in, or give the field a default in the job file"}
		}
		return v, false, nil
	}
	if excelError(s) {
		return v, false, &Problem{Kind: KindExcelError, Msg: fmt.Sprintf("the cell holds Excel's error value %s, not a %s", s, c.f.Name),
			Hint: "fix the formula behind the cell, or type the value in"}
	}
	if strings.EqualFold(s, clear) {
		if !c.f.Clearable {
			return v, false, &Problem{Kind: KindClear, Msg: fmt.Sprintf("%s cannot be cleared", c.f.Name),
				Hint: "leave the cell empty to keep the current value"}
		}
		return Value{Clear: true}, true, nil
	}
	for _, t := range c.trans {
		switch t {
		case tLower:
			s = strings.ToLower(s)
		case tUpper:
			s = strings.ToUpper(s)
		case tTitle:
			s = title(s)
		}
	}
	if c.values != nil {
		if t, ok := c.lookupValue(s); ok {
			return Value{Text: t}, true, nil
		}
		hint := fmt.Sprintf("use one of %s, or add it under fields.%s.values in the job file", c.keysMsg, c.f.Name)
		if d := c.suggestKey(s); d != "" {
			hint = fmt.Sprintf("did you mean %q? The job maps %s; add others under fields.%s.values", d, c.keysMsg, c.f.Name)
		}
		return v, false, &Problem{Kind: KindUnmapped,
			Msg:  fmt.Sprintf("%q is not one of the values the job maps for %s", truncate(s, 60), c.f.Name),
			Hint: hint}
	}
	t, p := c.f.Canonical(s)
	if p != nil {
		return v, false, p
	}
	return Value{Text: t}, true, nil
}

func (c *compiled) suggestKey(s string) string {
	if len(s) < 4 {
		return ""
	}
	keys := make([]string, len(c.values))
	for i, v := range c.values {
		keys[i] = v.key
	}
	return fuzzy.Key(s, keys)
}

func (c *compiled) lookupValue(s string) (string, bool) {
	if c.valueMap != nil {
		t, ok := c.valueMap[strings.ToLower(s)]
		return t, ok
	}
	for i := range c.values {
		if strings.EqualFold(c.values[i].key, s) {
			return c.values[i].target, true
		}
	}
	return "", false
}

// Canonical checks one value of the field, written as an admin would write
// it in a cell (trimmed, no values map), and returns what is sent to Zoom:
// the canonical code of an Enum (after aliases), "true"/"false" for a Bool,
// a lower-cased email, the trimmed text. On a bad value it returns a
// Problem with Kind, Msg and Hint set (Row, Column, Field and Value left
// for the caller). Job loading uses it for defaults and values targets.
func (f Field) Canonical(value string) (string, *Problem) {
	s := trim(value)
	switch f.Kind {
	case Email:
		return checkEmail(f, s)
	case Integer, Digits:
		return checkInteger(f, s)
	case Enum, Bool:
		return checkEnum(f, s)
	default:
		return checkText(f, s)
	}
}

func checkText(f Field, s string) (string, *Problem) {
	if i, r, ok := controlChar(f, s); ok {
		// A bell, an escape sequence or a stray line break in a name ends
		// up in Zoom's directory, in emails and on terminals that print it.
		return "", &Problem{Kind: KindFormat,
			Msg:  fmt.Sprintf("%s has a control character (U+%04X) at character %d", f.Name, r, i+1),
			Hint: "retype the value; control characters (line breaks, tabs, escapes) are not allowed here"}
	}
	n := runeCount(s)
	if f.MaxLen > 0 && n > f.MaxLen {
		return "", &Problem{Kind: KindLength,
			Msg:  fmt.Sprintf("%s is %d characters long; the most Zoom accepts is %d", f.Name, n, f.MaxLen),
			Hint: fmt.Sprintf("shorten it to %d characters", f.MaxLen)}
	}
	if f.MinLen > 0 && n < f.MinLen {
		return "", &Problem{Kind: KindLength,
			Msg:  fmt.Sprintf("%s is %d characters long; Zoom needs at least %d", f.Name, n, f.MinLen),
			Hint: fmt.Sprintf("use %d to %d characters", f.MinLen, f.MaxLen)}
	}
	if f.maxHan > 0 && !isASCII(s) {
		if h := hanCount(s); h > f.maxHan {
			return "", &Problem{Kind: KindLength,
				Msg:  fmt.Sprintf("%s has %d Chinese characters; Zoom accepts at most %d", f.Name, h, f.maxHan),
				Hint: fmt.Sprintf("shorten it to %d Chinese characters", f.maxHan)}
		}
	}
	if f.contains != "" && !containsFold(s, f.contains) {
		return "", &Problem{Kind: KindFormat,
			Msg:  fmt.Sprintf("%s must contain %q", f.Name, f.contains),
			Hint: "use the full profile address, e.g. https://www.linkedin.com/in/name"}
	}
	if f.noLinks && (containsFold(s, "http://") || containsFold(s, "https://") || containsFold(s, "www.") || hasTag(s)) {
		return "", &Problem{Kind: KindFormat,
			Msg:  fmt.Sprintf("%s may not contain links or HTML", f.Name),
			Hint: "remove the link or the <tags>"}
	}
	return s, nil
}

func checkInteger(f Field, s string) (string, *Problem) {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			hint := "write digits only, with no spaces, dashes or decimal point"
			if strings.ContainsAny(s, "Ee.,") {
				hint = "Excel may have turned it into a number: format the column as Text and type the digits again"
			}
			return "", &Problem{Kind: KindInteger, Msg: fmt.Sprintf("%s must be digits only", f.Name), Hint: hint}
		}
	}
	n := len(s)
	if (f.MaxLen > 0 && n > f.MaxLen) || (f.MinLen > 0 && n < f.MinLen) {
		want := fmt.Sprintf("%d to %d digits", f.MinLen, f.MaxLen)
		if f.MinLen == f.MaxLen {
			want = fmt.Sprintf("exactly %d digits", f.MaxLen)
		} else if f.MinLen == 0 {
			want = fmt.Sprintf("at most %d digits", f.MaxLen)
		}
		return "", &Problem{Kind: KindLength,
			Msg:  fmt.Sprintf("%s has %d digits; Zoom needs %s", f.Name, n, want),
			Hint: "Excel drops leading zeros from numbers: format the column as Text"}
	}
	return s, nil
}

func checkEnum(f Field, s string) (string, *Problem) {
	for _, a := range f.Allowed {
		if a == s {
			return a, nil
		}
	}
	for _, a := range f.Allowed {
		if strings.EqualFold(a, s) {
			return a, nil
		}
	}
	for k, v := range f.Aliases {
		if strings.EqualFold(k, s) {
			return v, nil
		}
	}
	hint := "use one of " + allowedList(f)
	if f.Kind == Bool {
		hint = "use " + allowedList(f)
	}
	if d := suggestValue(f, s); d != "" {
		hint += fmt.Sprintf("; did you mean %q?", d)
	}
	return "", &Problem{Kind: KindEnum, Msg: fmt.Sprintf("%q is not a valid %s", truncate(s, 60), f.Name), Hint: hint}
}

// AllowedList describes a field's allowed values for people: codes with
// their labels ("1 (Basic), 2 (Licensed), 4 (Unassigned without Meetings
// Basic)"); codes alone when there are many. "" for free-text fields.
func (f Field) AllowedList() string {
	if len(f.Allowed) == 0 {
		return ""
	}
	return allowedList(f)
}

func allowedList(f Field) string {
	parts := make([]string, 0, len(f.Allowed))
	for _, a := range f.Allowed {
		if l := f.Labels[a]; l != "" && len(f.Allowed) <= 13 {
			parts = append(parts, fmt.Sprintf("%s (%s)", a, l))
		} else {
			parts = append(parts, a)
		}
	}
	if f.Kind == Bool {
		return "true or false (yes/no, on/off and 1/0 work too)"
	}
	return strings.Join(parts, ", ")
}

func suggestValue(f Field, s string) string {
	var cands []string
	for _, a := range f.Allowed {
		if l := f.Labels[a]; l != "" {
			cands = append(cands, l)
		}
	}
	keys := make([]string, 0, len(f.Aliases))
	for k := range f.Aliases {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	cands = append(cands, keys...)
	cands = append(cands, f.Allowed...)
	c := fuzzy.Key(s, cands)
	if c == "" || len(s) < 3 {
		return ""
	}
	return c
}

func checkEmail(f Field, s string) (string, *Problem) {
	bad := func(msg, hint string) (string, *Problem) {
		return "", &Problem{Kind: KindEmail, Msg: msg, Hint: hint}
	}
	q := truncate(s, 80)
	const hint = "write one address like name@example.com"
	if strings.ContainsAny(s, "<>") || strings.HasPrefix(strings.ToLower(s), "mailto:") {
		return bad(fmt.Sprintf("%q is not a plain email address", q), "write the address only, like name@example.com")
	}
	if strings.ContainsAny(s, ",; \t\r\n") {
		return bad(fmt.Sprintf("%q is not a valid email address: it holds spaces or separators", q),
			"one address per cell, with no spaces")
	}
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return bad(fmt.Sprintf("%q is not a valid email address: it has no @", q), hint)
	}
	local, domain := s[:at], s[at+1:]
	if strings.IndexByte(local, '@') >= 0 {
		return bad(fmt.Sprintf("%q is not a valid email address: it has more than one @", q), hint)
	}
	if len(s) > f.MaxLen && f.MaxLen > 0 {
		return bad(fmt.Sprintf("the email address is %d characters long; Zoom accepts %d", len(s), f.MaxLen), "check the cell")
	}
	if msg, h := emailLocalProblem(q, local, hint); msg != "" {
		return bad(msg, h)
	}
	if msg, h := emailDomainProblem(q, domain, hint); msg != "" {
		return bad(msg, h)
	}
	return strings.ToLower(s), nil
}

// emailLocalProblem says what is wrong with the part before the @ (the
// message and hint; "" when nothing is). q is the address for messages.
func emailLocalProblem(q, local, hint string) (string, string) {
	if local == "" || len(local) > 64 || local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return fmt.Sprintf("%q is not a valid email address: the part before @ is not valid", q), hint
	}
	for i := 0; i < len(local); i++ {
		if !localChar(local[i]) {
			if local[i] >= 0x80 {
				return fmt.Sprintf("%q is not a valid email address: it has non-ASCII letters before the @", q),
					"Zoom needs an ASCII address; check for accents or look-alike characters"
			}
			return fmt.Sprintf("%q is not a valid email address: %q is not allowed before the @", q, local[i]), hint
		}
	}
	return "", ""
}

// emailDomainProblem says what is wrong with the domain after the @.
func emailDomainProblem(q, domain, hint string) (string, string) {
	if domain == "" || len(domain) > 253 || !strings.Contains(domain, ".") {
		return fmt.Sprintf("%q is not a valid email address: the domain after @ is not valid", q), hint
	}
	last := ""
	for rest := domain; ; {
		l := rest
		i := strings.IndexByte(rest, '.')
		if i >= 0 {
			l, rest = rest[:i], rest[i+1:]
		}
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return fmt.Sprintf("%q is not a valid email address: the domain after @ is not valid", q), hint
		}
		for j := 0; j < len(l); j++ {
			c := l[j]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				if c >= 0x80 {
					return fmt.Sprintf("%q is not a valid email address: the domain has non-ASCII letters", q),
						"write the domain in its xn-- (punycode) form"
				}
				return fmt.Sprintf("%q is not a valid email address: the domain after @ is not valid", q), hint
			}
		}
		if i < 0 {
			last = l
			break
		}
	}
	if len(last) < 2 || isDigits(last) {
		return fmt.Sprintf("%q is not a valid email address: the domain does not end in a top-level domain", q), hint
	}
	return "", ""
}

func localChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-/=?^_`{|}~.", c) >= 0
}

// trim removes spaces at both ends, including non-breaking and zero-width
// spaces and a stray byte-order mark.
func trim(s string) string {
	if s == "" {
		return s
	}
	if c := s[0]; c > ' ' && c < 0x80 {
		if c := s[len(s)-1]; c > ' ' && c < 0x80 {
			return s
		}
	}
	return strings.TrimFunc(s, func(r rune) bool {
		switch r {
		case ' ', '\t', '\n', '\r', '\v', '\f', 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000,
			0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF:
			return true
		}
		return r >= 0x2000 && r <= 0x200A
	})
}

// title upper-cases the first letter of each word and lower-cases the rest:
// "mary-jane o'NEIL" -> "Mary-Jane O'Neil".
func title(s string) string {
	if isTitled(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	start := true
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if start {
				b.WriteRune(unicode.ToUpper(r))
			} else {
				b.WriteRune(unicode.ToLower(r))
			}
			start = false
			continue
		}
		b.WriteRune(r)
		start = true // after a space, hyphen or apostrophe: O'Neil, Mary-Jane
	}
	return b.String()
}

func isTitled(s string) bool {
	start := true
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if start && unicode.ToUpper(r) != r || !start && unicode.ToLower(r) != r {
				return false
			}
			start = false
			continue
		}
		start = true
	}
	return true
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := 0
	for j := range s {
		if i == n {
			return s[:j] + "…"
		}
		i++
	}
	return s
}

func runeCount(s string) int {
	n := 0
	for range s {
		n++
	}
	return n
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func hanCount(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x2E80 && r <= 0x9FFF || r >= 0xF900 && r <= 0xFAFF || r >= 0x20000 && r <= 0x3FFFF {
			n++
		}
	}
	return n
}

func containsFold(s, sub string) bool {
	n := len(sub)
	for i := 0; i+n <= len(s); i++ {
		if strings.EqualFold(s[i:i+n], sub) {
			return true
		}
	}
	return false
}

func hasTag(s string) bool {
	i := strings.IndexByte(s, '<')
	if i < 0 || i+1 >= len(s) {
		return false
	}
	c := s[i+1]
	return (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '/' || c == '!') && strings.IndexByte(s[i:], '>') > 0
}

func countNonEmpty(ss []string) int {
	n := 0
	for _, s := range ss {
		if trim(s) != "" {
			n++
		}
	}
	return n
}

func nonEmpty(ss []string) []string {
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		if trim(s) != "" {
			out = append(out, s)
		}
	}
	return out
}

// quoteList quotes up to max items: "a", "b", "c" (and 4 more).
func quoteList(items []string, max int) string {
	var b strings.Builder
	n := 0
	for _, it := range items {
		it = trim(it)
		if it == "" {
			continue
		}
		if n == max {
			fmt.Fprintf(&b, " (and %d more)", countNonEmpty(items)-max)
			break
		}
		if n > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Quote(it))
		n++
	}
	if n == 0 {
		return "(none)"
	}
	return b.String()
}

// sortNatural sorts numbers by value, before words: "500", "1000", "none".
func sortNatural(ss []string) {
	sort.Slice(ss, func(i, j int) bool {
		a, b := trim(ss[i]), trim(ss[j])
		na, ea := strconv.ParseFloat(a, 64)
		nb, eb := strconv.ParseFloat(b, 64)
		switch {
		case ea == nil && eb == nil && na != nb:
			return na < nb
		case ea == nil && eb != nil:
			return true
		case ea != nil && eb == nil:
			return false
		}
		return strings.ToLower(a) < strings.ToLower(b)
	})
}

// columnName gives a 0-based column index as a spreadsheet letter: 0 -> A.
func columnName(i int) string {
	name := ""
	for i++; i > 0; i = (i - 1) / 26 {
		name = string(rune('A'+(i-1)%26)) + name
	}
	return name
}

// controlChar finds the first control character (C0, DEL, C1) in a text
// value: its position in characters, and the character. A field with
// lineBreaks may hold line breaks.
func controlChar(f Field, s string) (int, rune, bool) {
	i := 0
	for _, r := range s {
		if unicode.IsControl(r) && !(f.lineBreaks && (r == '\n' || r == '\r')) {
			return i, r, true
		}
		i++
	}
	return 0, 0, false
}
