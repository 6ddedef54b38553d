package mapping

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/zoombulk/zoombulk/internal/sheet"
)

// FuzzMap feeds random headers and cells through Compile and Map: neither
// may panic, and every problem must be well formed.
func FuzzMap(f *testing.F) {
	f.Add("Email|First Name|License", "jill@example.com|Jill|Licensed", "extra")
	f.Add(" email |email", "a@b|", "")
	f.Add("", "", "")
	f.Add("Email|PMI|Webinar|Whiteboard", "JOSÉ@EXAMPLE.COM|12345678901|500|maybe", "")
	f.Add("Email|Status|LinkedIn", "\u00a0\u200b|<clear>|linkedin.com/in/x", "a|b|c")
	f.Add("Email|About", "a@b.c@d|<b>hi</b>\xff\xfe", "\x00")
	f.Add("E\xffmail|License", "x@y.zz|\u00a0Basic\u00a0", "")
	f.Fuzz(func(t *testing.T, header, cells, extra string) {
		h := strings.Split(header, "|")
		c := strings.Split(cells, "|")
		var ex []string
		if extra != "" {
			ex = strings.Split(extra, "|")
		}
		specs := []Spec{
			{Field: "email", Column: "Email", Required: true},
			{Field: "first_name", Column: "First Name", Transforms: []string{"title", "lower", "upper"}},
			{Field: "type", Column: "License", Values: map[string]string{"Licensed": "2", "Basic": "1"}, Default: "4", HasDefault: true},
			{Field: "pmi", Column: "PMI"},
			{Field: "webinar", Column: "Webinar"},
			{Field: "zoom_whiteboard", Column: "Whiteboard"},
			{Field: "status", Column: "Status"},
			{Field: "linkedin_url", Column: "LinkedIn"},
			{Field: "about_me", Column: "About"},
		}
		// Map only the specs whose column exists once, as Compile requires.
		var use []Spec
		for _, s := range specs {
			n := 0
			for _, x := range h {
				if strings.EqualFold(trim(x), s.Column) {
					n++
				}
			}
			if n == 1 {
				use = append(use, s)
			}
		}
		// Compile on the raw specs must not panic either.
		_, _ = Compile(specs, h, Options{})
		m, err := Compile(use, h, Options{Clear: "<clear>"})
		if err != nil {
			t.Fatalf("Compile: %v", err)
		}
		rec := m.Map(sheet.Row{Number: 7, Cells: c, Extra: ex})
		for _, p := range rec.Problems {
			if p.Row != 7 || p.Kind == "" || p.Msg == "" || p.Kind == "internal" {
				t.Fatalf("bad problem %+v", p)
			}
			if utf8.RuneCountInString(p.Value) > 201 {
				t.Fatalf("problem value not truncated: %d", len(p.Value))
			}
		}
		for name, v := range rec.Values {
			if v.Clear && v.Text != "" {
				t.Fatalf("%s: cleared with text", name)
			}
			if name == "email" && v.Text != strings.ToLower(v.Text) {
				t.Fatalf("email not lower-cased: %q", v.Text)
			}
		}
	})
}
