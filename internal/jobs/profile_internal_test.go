package jobs

import (
	"slices"
	"testing"

	"github.com/zoombulk/zoombulk/internal/mapping"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// Every profile field the catalogue says Zoom's answers carry is read off
// zoom.User (so the plan compares it and an unchanged row spends no call),
// and the fields no answer carries are not.
func TestCarriedProfileFieldsAreRead(t *testing.T) {
	var carried []string
	for _, f := range mapping.Catalogue() {
		if f.Target != mapping.Profile {
			continue
		}
		_, read := userFields[f.Name]
		switch {
		case f.Carried != mapping.NotCarried && !read:
			t.Errorf("%s: the catalogue says Zoom answers it as %q, but zoom.User has no field with that json tag", f.Name, f.UserKey())
		case f.Carried == mapping.NotCarried && read:
			t.Errorf("%s: no answer carries it, yet it is read", f.Name)
		}
		if read {
			carried = append(carried, f.Name)
		}
	}
	slices.Sort(carried)
	want := []string{"company", "cost_center", "dept", "display_name", "first_name", "job_title", "language", "last_name",
		"location", "manager", "phone_country", "phone_number", "pmi", "pronouns", "timezone", "type"}
	if !slices.Equal(carried, want) {
		t.Errorf("read fields %v, want %v", carried, want)
	}
}

// A PATCH the plan simulates lands on the zoom.User field an answer fills.
func TestUserFieldsReadAndSetTheUser(t *testing.T) {
	u := &zoom.User{FirstName: "Ada", Dept: "R&D", Type: 2, PMI: 0, PhoneCountry: "GB"}
	tests := []struct {
		field, before, set, after string
		check                     func(*zoom.User) bool
	}{
		{"first_name", "Ada", "Grace", "Grace", func(u *zoom.User) bool { return u.FirstName == "Grace" }},
		{"dept", "R&D", "", "", func(u *zoom.User) bool { return u.Dept == "" }},
		{"type", "2", "1", "1", func(u *zoom.User) bool { return u.Type == 1 }},
		{"pmi", "", "6589310093", "6589310093", func(u *zoom.User) bool { return u.PMI == 6589310093 }},
		{"phone_country", "GB", "US", "US", func(u *zoom.User) bool { return u.PhoneCountry == "US" }},
	}
	for _, tt := range tests {
		if got, ok := currentValue(u, tt.field, false); !ok || got != tt.before {
			t.Errorf("%s before: %q, %v; want %q", tt.field, got, ok, tt.before)
		}
		applyPatch(u, map[string]any{tt.field: tt.set})
		if got, _ := currentValue(u, tt.field, false); got != tt.after || !tt.check(u) {
			t.Errorf("%s after setting %q: reads %q, user %+v", tt.field, tt.set, got, u)
		}
	}
	// A listing leaves out what only Get carries: not compared.
	if _, ok := currentValue(u, "job_title", true); ok {
		t.Error("job_title compared from a listing, which does not carry it")
	}
	if _, ok := currentValue(u, "host_key", false); ok {
		t.Error("host_key compared, but no answer carries it")
	}
}
