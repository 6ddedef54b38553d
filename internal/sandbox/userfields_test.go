package sandbox

import (
	"strings"
	"testing"
)

// Every text field of the shared table is stored by Update a user and
// checked against its limit, and Create users checks the ones user_info
// carries: the table is what both endpoints walk.
func TestUserTextsAreStoredAndChecked(t *testing.T) {
	s := newTestServer(t, Options{NoRateLimits: true, Seed: seedSmall()})
	c := newClient(t, s)
	valid := map[string]string{"about_me": "Plays the cello.", "linkedin_url": "https://www.linkedin.com/in/ann", "host_key": "123456",
		"phone_country": "NO", "phone_number": "555"}
	for _, f := range userTexts {
		t.Run(f.name, func(t *testing.T) {
			v, ok := valid[f.name]
			if !ok {
				v = "v-" + f.name
			}
			body := map[string]any{f.name: v}
			if f.name == "phone_number" {
				body["phone_country"] = "NO"
			}
			c.ok("PATCH", "/users/u-ann", body, 204, nil)
			u := user{User: s.mustUser(t, "ann@test.example")}
			if got := *f.field(&u); got != v {
				t.Errorf("after PATCH %s=%q the user holds %q", f.name, v, got)
			}
			if f.most > 0 {
				e := wantErr(t, c.do("PATCH", "/users/u-ann", map[string]any{f.name: strings.Repeat("é", f.most+1)}), 400, 300, "")
				if len(e.Errors) != 1 || e.Errors[0].Field != f.name {
					t.Errorf("a %s over %d characters: %+v", f.name, f.most, e)
				}
			}
			if f.create != nil {
				body := createBody("create", "long."+f.name+"@x.example", 1)
				body["user_info"].(map[string]any)[f.name] = strings.Repeat("x", f.most+1)
				e := wantErr(t, c.do("POST", "/users", body), 400, 300, "")
				if len(e.Errors) != 1 || e.Errors[0].Field != "user_info."+f.name {
					t.Errorf("create with a %s over %d characters: %+v", f.name, f.most, e)
				}
			}
		})
	}
	for name, v := range map[string]string{"about_me": "see https://example.com", "linkedin_url": "https://example.com/ann", "host_key": "12ab"} {
		if r := c.do("PATCH", "/users/u-ann", map[string]any{name: v}); r.status != 400 {
			t.Errorf("PATCH %s=%q answered %d, want 400", name, v, r.status)
		}
	}
}
