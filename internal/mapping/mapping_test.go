package mapping

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/zoombulk/zoombulk/internal/sheet"
)

var testHeader = []string{" Email ", "First Name", "Last Name", "License", "Dept", "Webinar", "PMI", "Status", "Whiteboard", "About", "LinkedIn", "Host key", "Display"}

func testSpecs() []Spec {
	return []Spec{
		{Field: "email", Column: "email", Required: true, Line: 3},
		{Field: "first_name", Column: "First Name", Transforms: []string{"title"}},
		{Field: "last_name", Column: "LAST NAME"},
		{Field: "type", Column: "License", Values: map[string]string{"Licensed": "2", " Basic ": "1", "Unassigned": "4"}, Default: "1", HasDefault: true},
		{Field: "dept", Column: "Dept", Transforms: []string{"upper"}},
		{Field: "webinar", Column: "Webinar", Values: map[string]string{"500": "1", "1000": "64", "none": "0"}},
		{Field: "pmi", Column: "PMI"},
		{Field: "status", Column: "Status"},
		{Field: "zoom_whiteboard", Column: "Whiteboard"},
		{Field: "about_me", Column: "About"},
		{Field: "linkedin_url", Column: "LinkedIn"},
		{Field: "host_key", Column: "Host key"},
		{Field: "display_name", Column: "Display"},
	}
}

func mustCompile(t testing.TB, specs []Spec, header []string) *Mapper {
	t.Helper()
	m, err := Compile(specs, header, Options{File: "users.csv"})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestCompile(t *testing.T) {
	m := mustCompile(t, testSpecs(), testHeader)
	if got := strings.Join(m.Fields(), ","); !strings.HasPrefix(got, "email,first_name,last_name,type,dept,webinar") {
		t.Errorf("Fields = %s", got)
	}
	if got := m.Column("email"); got != " Email " {
		t.Errorf("Column(email) = %q, want the header as read", got)
	}
	if got := m.Column("group"); got != "" {
		t.Errorf("Column of an unmapped field = %q", got)
	}
}

func TestCompileErrors(t *testing.T) {
	header := []string{"Email", "First Name", "Last Name", "Email ", "Dept"}
	tests := []struct {
		name string
		spec Spec
		want []string // substrings of the error
	}{
		{"missing column", Spec{Field: "email", Column: "E-mail", Line: 7},
			[]string{`users.csv: job line 7: field "email": column "E-mail" is not in the header`, `"Email", "First Name"`, `did you mean "Email"?`}},
		{"missing column, nothing close", Spec{Field: "dept", Column: "Cost centre"},
			[]string{`column "Cost centre" is not in the header; the headers are "Email", "First Name", "Last Name", "Email", "Dept"`}},
		{"duplicate header", Spec{Field: "first_name", Column: "email"},
			[]string{`column "email" appears 2 times in the header (columns A, D)`}},
		{"unknown field", Spec{Field: "firstname", Column: "First Name"}, []string{`unknown field "firstname"; did you mean "first_name"?`}},
		{"bad default", Spec{Field: "type", Column: "Dept", Default: "Pro", HasDefault: true}, []string{`default: "Pro" is not a valid type`}},
		{"bad values target", Spec{Field: "webinar", Column: "Dept", Values: map[string]string{"500": "500"}}, []string{`values: "500": "500" is not a valid webinar`}},
		{"clashing values keys", Spec{Field: "type", Column: "Dept", Values: map[string]string{"Basic": "1", " basic": "1"}}, []string{`are the same once case and spaces are ignored`}},
		{"no column, no default", Spec{Field: "type"}, []string{"no column"}},
		{"bad transform", Spec{Field: "dept", Column: "Dept", Transforms: []string{"snake"}}, []string{`unknown transform "snake"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compile([]Spec{tt.spec}, header, Options{File: "users.csv"})
			if err == nil {
				t.Fatal("no error")
			}
			var ce *ColumnError
			if !errors.As(err, &ce) {
				t.Fatalf("%T is not a *ColumnError", err)
			}
			if ce.Field != tt.spec.Field || len(ce.Headers) != len(header) {
				t.Errorf("ColumnError fields: %+v", ce)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not contain %q", err, w)
				}
			}
		})
	}
	// Several errors at once, joined.
	_, err := Compile([]Spec{{Field: "email", Column: "Mail"}, {Field: "dept", Column: "Department"}, {Field: "email", Column: "Email"}}, header, Options{})
	if err == nil || strings.Count(err.Error(), "\n") != 2 || !strings.Contains(err.Error(), "mapped twice") {
		t.Errorf("want three joined errors, got %v", err)
	}
}

func TestConstantDefault(t *testing.T) {
	m := mustCompile(t, []Spec{{Field: "email", Column: "Email"}, {Field: "type", Default: "Licensed", HasDefault: true}}, []string{"Email"})
	rec := m.Map(sheet.Row{Number: 2, Cells: []string{"a@b.co"}})
	if v, ok := rec.Get("type"); !ok || v.Text != "2" {
		t.Errorf("constant type = %+v %v", v, ok)
	}
	if m.Column("type") != "" {
		t.Error("a constant field has no column")
	}
}

// A default that fills an empty cell is marked, so the engine leaves
// existing users alone; a constant (no column), a written cell and
// default_for: all are not.
func TestDefaultMarksEmptyCells(t *testing.T) {
	m := mustCompile(t, []Spec{{Field: "email", Column: "Email"},
		{Field: "type", Column: "License", Default: "1", HasDefault: true},
		{Field: "dept", Column: "Department", Default: "Sales", HasDefault: true, DefaultForAll: true},
		{Field: "status", Default: "inactive", HasDefault: true}}, []string{"Email", "License", "Department"})
	for _, tc := range []struct {
		cells []string
		field string
		want  Value
	}{
		{[]string{"a@b.co", "", ""}, "type", Value{Text: "1", Default: true}},
		{[]string{"a@b.co", "2", ""}, "type", Value{Text: "2"}},
		{[]string{"a@b.co", "", ""}, "dept", Value{Text: "Sales"}},
		{[]string{"a@b.co", "", ""}, "status", Value{Text: "inactive"}},
	} {
		if v, ok := m.Map(sheet.Row{Number: 2, Cells: tc.cells}).Get(tc.field); !ok || v != tc.want {
			t.Errorf("%v %s = %+v %v, want %+v", tc.cells, tc.field, v, ok, tc.want)
		}
	}
}

// row builds a row of testHeader's width from column -> cell pairs.
func row(n int, kv ...string) sheet.Row {
	cells := make([]string, len(testHeader))
	for i := 0; i+1 < len(kv); i += 2 {
		for j, h := range testHeader {
			if strings.EqualFold(strings.TrimSpace(h), kv[i]) {
				cells[j] = kv[i+1]
			}
		}
	}
	return sheet.Row{Number: n, Cells: cells}
}

func TestMap(t *testing.T) {
	m := mustCompile(t, testSpecs(), testHeader)
	type want struct {
		field string
		text  string // "" with clear false: the field is not set
		clear bool
	}
	tests := []struct {
		name   string
		row    sheet.Row
		values []want
		kind   string // the one problem kind expected, "" for none
		msg    string // substring of the problem's Msg + Hint
	}{
		{"clean", row(2, "email", " Jill@Example.COM ", "first name", "jILL", "license", "licensed", "webinar", " NONE ", "status", "Deactivate", "whiteboard", "yes"),
			[]want{{"email", "jill@example.com", false}, {"first_name", "Jill", false}, {"type", "2", false}, {"webinar", "0", false}, {"status", "inactive", false}, {"zoom_whiteboard", "true", false}}, "", ""},
		{"default when empty", row(3, "email", "a@b.co", "license", "  "), []want{{"type", "1", false}, {"dept", "", false}}, "", ""},
		{"nbsp and zero-width trimmed", row(3, "email", "\u00a0a@b.co\u200b", "dept", "\tsales\u00a0"), []want{{"email", "a@b.co", false}, {"dept", "SALES", false}}, "", ""},
		{"title transform", row(3, "email", "a@b.co", "first name", "mary-jane o'NEIL"), []want{{"first_name", "Mary-Jane O'Neil", false}}, "", ""},
		{"clear", row(4, "email", "a@b.co", "dept", " <CLEAR> ", "display", "<clear>"), []want{{"dept", "", true}, {"display_name", "", true}}, "", ""},
		{"clear not allowed", row(4, "email", "a@b.co", "first name", "<clear>"), nil, KindClear, "first_name cannot be cleared"},
		{"required", row(5, "first name", "Al"), nil, KindRequired, "email is required"},
		{"bad email", row(6, "email", "al@@example.com"), nil, KindEmail, "more than one @"},
		{"email with name", row(6, "email", "Al <al@example.com>"), nil, KindEmail, "address only"},
		{"two emails", row(6, "email", "a@b.co; c@d.co"), nil, KindEmail, "one address per cell"},
		{"email no tld", row(6, "email", "al@localhost"), nil, KindEmail, "domain"},
		{"email accent", row(6, "email", "josé@example.com"), nil, KindEmail, "non-ASCII"},
		{"unmapped value", row(7, "email", "a@b.co", "license", "Pro"), nil, KindUnmapped, `"Pro" is not one of the values the job maps for type — use one of "Basic", "Licensed", "Unassigned"`},
		{"unmapped did you mean", row(7, "email", "a@b.co", "license", "Licenced"), nil, KindUnmapped, `did you mean "Licensed"? The job maps "Basic", "Licensed", "Unassigned"`},
		{"values map is strict", row(7, "email", "a@b.co", "license", "2"), nil, KindUnmapped, "values"},
		{"enum", row(8, "email", "a@b.co", "status", "pending"), nil, KindEnum, "use one of active, inactive"},
		{"enum did you mean", row(8, "email", "a@b.co", "status", "actve"), nil, KindEnum, `did you mean "active"?`},
		{"bool", row(8, "email", "a@b.co", "whiteboard", "maybe"), nil, KindEnum, "use true or false (yes/no, on/off and 1/0 work too)"},
		{"bool off", row(8, "email", "a@b.co", "whiteboard", "OFF"), []want{{"zoom_whiteboard", "false", false}}, "", ""},
		{"pmi", row(9, "email", "a@b.co", "pmi", "6589310093"), []want{{"pmi", "6589310093", false}}, "", ""},
		{"pmi short", row(9, "email", "a@b.co", "pmi", "658931009"), nil, KindLength, "exactly 10 digits"},
		{"pmi excel", row(9, "email", "a@b.co", "pmi", "6.58931E+09"), nil, KindInteger, "format the column as Text"},
		{"host key", row(9, "email", "a@b.co", "host key", "01234"), nil, KindLength, "6 to 10 digits"},
		{"host key leading zero kept", row(9, "email", "a@b.co", "host key", "012345"), []want{{"host_key", "012345", false}}, "", ""},
		{"length in runes", row(10, "email", "a@b.co", "last name", strings.Repeat("é", 64)), []want{{"last_name", strings.Repeat("é", 64), false}}, "", ""},
		{"too long", row(10, "email", "a@b.co", "last name", strings.Repeat("é", 65)), nil, KindLength, "65 characters long; the most Zoom accepts is 64"},
		{"chinese", row(10, "email", "a@b.co", "last name", "欧阳诸葛司马"), nil, KindLength, "6 Chinese characters"},
		{"linkedin", row(11, "email", "a@b.co", "linkedin", "https://example.com/jill"), nil, KindFormat, "linkedin.com"},
		{"linkedin ok", row(11, "email", "a@b.co", "linkedin", "https://www.LinkedIn.com/in/jill"), []want{{"linkedin_url", "https://www.LinkedIn.com/in/jill", false}}, "", ""},
		{"about me link", row(11, "email", "a@b.co", "about", "see https://x.io"), nil, KindFormat, "links or HTML"},
		{"about me html", row(11, "email", "a@b.co", "about", "I <b>like</b> Go"), nil, KindFormat, "links or HTML"},
		{"about me less-than", row(11, "email", "a@b.co", "about", "I <3 Go > Rust"), []want{{"about_me", "I <3 Go > Rust", false}}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := m.Map(tt.row)
			if rec.Row != tt.row.Number {
				t.Errorf("Row = %d", rec.Row)
			}
			for _, w := range tt.values {
				v, ok := rec.Get(w.field)
				if w.text == "" && !w.clear {
					if ok {
						t.Errorf("%s set to %+v, want unset", w.field, v)
					}
					continue
				}
				if !ok || v.Text != w.text || v.Clear != w.clear {
					t.Errorf("%s = %+v (set %v), want %q clear=%v", w.field, v, ok, w.text, w.clear)
				}
			}
			if tt.kind == "" {
				if len(rec.Problems) > 0 {
					t.Errorf("problems: %+v", rec.Problems)
				}
				return
			}
			if len(rec.Problems) != 1 {
				t.Fatalf("want one %s problem, got %+v", tt.kind, rec.Problems)
			}
			p := rec.Problems[0]
			if p.Kind != tt.kind || p.Row != tt.row.Number || p.Field == "" || p.Column == "" || p.Msg == "" || p.Hint == "" {
				t.Errorf("problem %+v", p)
			}
			if got := p.Msg + " — " + p.Hint; !strings.Contains(got, tt.msg) {
				t.Errorf("problem %q\ndoes not contain %q", got, tt.msg)
			}
			if _, ok := rec.Get(p.Field); ok {
				t.Errorf("a field with a problem is set")
			}
		})
	}
}

func TestMapRowShapes(t *testing.T) {
	m := mustCompile(t, testSpecs(), testHeader)
	// Fewer cells than the header (a Row not made by package sheet).
	rec := m.Map(sheet.Row{Number: 2, Cells: []string{"a@b.co"}})
	if len(rec.Problems) != 0 || rec.Values["email"].Text != "a@b.co" || rec.Values["type"].Text != "1" {
		t.Errorf("short row: %+v", rec)
	}
	// Extra cells: one row-level problem.
	r := row(3, "email", "a@b.co")
	r.Extra = []string{"x", " ", "y"}
	rec = m.Map(r)
	if len(rec.Problems) != 1 || rec.Problems[0].Kind != KindExtraCells || rec.Problems[0].Column != "" ||
		!strings.Contains(rec.Problems[0].Msg, `2 cells past the last header: "x", "y"`) {
		t.Errorf("extra cells: %+v", rec.Problems)
	}
	// A long value is truncated in the problem.
	rec = m.Map(row(4, "email", strings.Repeat("x", 500)))
	if n := len([]rune(rec.Problems[0].Value)); n != 201 {
		t.Errorf("problem value is %d characters", n)
	}
	// The nil mapper does not panic.
	var nilMapper *Mapper
	_ = nilMapper.Map(r)
}

func TestMapAllocations(t *testing.T) {
	m := mustCompile(t, testSpecs(), testHeader)
	r := row(2, "email", "jill@example.com", "first name", "Jill", "last name", "Chill", "license", "Licensed", "dept", "ENG", "webinar", "500", "status", "active")
	allocs := testing.AllocsPerRun(200, func() { _ = m.Map(r) })
	// The Values map is the only allocation a clean row needs.
	n := len(m.Fields())
	mapOnly := testing.AllocsPerRun(200, func() {
		v := make(map[string]Value, n)
		for _, f := range m.Fields()[:8] {
			v[f] = Value{}
		}
		sink = v
	}) - 1 // Fields() itself
	if allocs > mapOnly {
		t.Errorf("Map allocates %.0f times a clean row; its Values map %.0f", allocs, mapOnly)
	}
}

var sink map[string]Value

func TestValuesMapLarge(t *testing.T) {
	vals := map[string]string{}
	for i := 0; i < 40; i++ {
		vals["Dept "+strings.Repeat("x", i)] = "D"
	}
	vals["Engineering "] = "Eng"
	m := mustCompile(t, []Spec{{Field: "dept", Column: "Dept", Values: vals}}, []string{"Dept"})
	rec := m.Map(sheet.Row{Number: 2, Cells: []string{" ENGINEERING"}})
	if rec.Values["dept"].Text != "Eng" {
		t.Errorf("large values map: %+v", rec)
	}
	rec = m.Map(sheet.Row{Number: 2, Cells: []string{"Ops"}})
	if len(rec.Problems) != 1 || !strings.Contains(rec.Problems[0].Hint, "(and 21 more)") {
		t.Errorf("unmapped in a large map: %+v", rec.Problems)
	}
}

func TestCanonical(t *testing.T) {
	typ, _ := Lookup("type")
	for in, want := range map[string]string{"1": "1", "Basic": "1", " licensed ": "2", "Unassigned without Meetings Basic": "4", "UNASSIGNED": "4"} {
		if got, p := typ.Canonical(in); p != nil || got != want {
			t.Errorf("type %q -> %q %v, want %q", in, got, p, want)
		}
	}
	if _, p := typ.Canonical("99"); p == nil || !strings.Contains(p.Hint, "1 (Basic), 2 (Licensed), 4 (Unassigned without Meetings Basic)") {
		t.Errorf("type 99: %+v", p)
	}
	cm, _ := Lookup("concurrent_meeting")
	if got, _ := cm.Canonical("plus"); got != "Plus" {
		t.Errorf("concurrent_meeting plus -> %q", got)
	}
	pw, _ := Lookup("password")
	if _, p := pw.Canonical("short"); p == nil || p.Kind != KindLength {
		t.Errorf("short password: %+v", p)
	}
	if got, p := pw.Canonical("Abcdef1x"); p != nil || got != "Abcdef1x" {
		t.Errorf("password: %q %+v", got, p)
	}
	te, _ := Lookup("transfer_email")
	if got, _ := te.Canonical("Boss@Example.com"); got != "boss@example.com" {
		t.Errorf("transfer_email: %q", got)
	}
	if (Field{Name: "x"}).AllowedList() != "" {
		t.Error("AllowedList of a text field")
	}
}

func TestColumnName(t *testing.T) {
	for i, want := range map[int]string{0: "A", 25: "Z", 26: "AA", 27: "AB", 701: "ZZ", 702: "AAA"} {
		if got := columnName(i); got != want {
			t.Errorf("columnName(%d) = %q, want %q", i, got, want)
		}
	}
}

// Issue 17 item 17: a formula's error value is a row problem, not a name.
func TestExcelErrorValuesAreProblems(t *testing.T) {
	m, err := Compile([]Spec{{Field: "email", Column: "Email"}, {Field: "group", Column: "Group"}}, []string{"Email", "Group"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"#DIV/0!", "#N/A", "#ref!", "#NAME?"} {
		rec := m.Map(sheet.Row{Number: 2, Cells: []string{"a@acme.example", bad}})
		if len(rec.Problems) != 1 || rec.Problems[0].Kind != KindExcelError || rec.Problems[0].Column != "Group" {
			t.Errorf("%s: problems %+v, want one excel error in Group", bad, rec.Problems)
		}
	}
	if rec := m.Map(sheet.Row{Number: 2, Cells: []string{"a@acme.example", "#ops"}}); len(rec.Problems) != 0 {
		t.Errorf("#ops is a name: %+v", rec.Problems)
	}
}

// A record reused row after row holds what Map gives each row alone:
// nothing of the rows before.
func TestMapIntoReuses(t *testing.T) {
	m := mustCompile(t, []Spec{{Field: "email", Column: "Email", Required: true}, {Field: "dept", Column: "Dept"}, {Field: "pmi", Column: "PMI"}},
		[]string{"Email", "Dept", "PMI"})
	rows := []sheet.Row{
		{Number: 2, Cells: []string{"a@x.io", "HR", "123"}},
		{Number: 3, Cells: []string{"", "", ""}, Extra: []string{"stray"}},
		{Number: 4, Cells: []string{"B@x.io", "", ""}},
		{Number: 5, Cells: []string{"c@x.io", "Ops", "1234567890"}},
	}
	var rec Record
	for _, row := range rows {
		m.MapInto(row, &rec)
		want := m.Map(row)
		if rec.Row != want.Row || len(rec.Values) != len(want.Values) || fmt.Sprint(rec.Problems) != fmt.Sprint(want.Problems) {
			t.Fatalf("row %d: MapInto %+v, Map %+v", row.Number, rec, want)
		}
		for f, v := range want.Values {
			if rec.Values[f] != v {
				t.Errorf("row %d %s: MapInto %+v, Map %+v", row.Number, f, rec.Values[f], v)
			}
		}
	}
}
