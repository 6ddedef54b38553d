package mapping

import (
	"strings"
	"testing"
)

// Control characters (a bell, an escape sequence, a line break, DEL, C1)
// in a text value are refused; about_me keeps its line breaks.
func TestControlCharactersRefused(t *testing.T) {
	for _, tc := range []struct {
		field, value, says string
	}{
		{"first_name", "A\x07nn", "(U+0007) at character 2"},
		{"last_name", "Lee\x1b[31m", "(U+001B) at character 4"},
		{"display_name", "Ann\nLee", "U+000A"},
		{"dept", "R\x7fD", "U+007F"},
		{"job_title", "Le\u0085ad", "U+0085"},
		{"first_name", "Zoë", ""},
		{"about_me", "Line one\nline two", ""},
		{"about_me", "Bell\x07", "U+0007"},
	} {
		f, ok := Lookup(tc.field)
		if !ok {
			t.Fatalf("no field %s", tc.field)
		}
		_, p := f.Canonical(tc.value)
		switch {
		case tc.says == "" && p != nil:
			t.Errorf("%s %q: %s", tc.field, tc.value, p.Msg)
		case tc.says != "" && (p == nil || !strings.Contains(p.Msg, tc.says)):
			t.Errorf("%s %q: %v, want a problem saying %q", tc.field, tc.value, p, tc.says)
		}
	}
}
