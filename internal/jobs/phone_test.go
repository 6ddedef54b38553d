package jobs_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// Zoom changes a phone number only with its phone_country (the reference:
// "To update a phone number, you must also provide the phone_country
// field"): the PATCH carries the row's country or the job default, a job
// without either is refused, a row with an empty country cell fails in
// validation, and the undo puts number and country back.
func TestPhoneNumberGoesWithPhoneCountry(t *testing.T) {
	ctx := context.Background()
	rows := [][]string{
		{"grace.hopper@acme.example", "+44 20 7946 0001", "gb"},
		{"alan.turing@acme.example", "+44 20 7946 0002", ""},
		{"kenji.sato@acme.example", "", "JP"},
	}
	for _, tc := range []struct {
		name, fields string
		loadErr      string
		want         map[string]string // email -> phone_number/phone_country after the run
		status       map[string]string
	}{
		{name: "no country mapped", fields: "{ email: Email, phone_number: Phone }", loadErr: "phone_country"},
		{name: "country column", fields: "{ email: Email, phone_number: Phone, phone_country: Country }",
			want:   map[string]string{"grace.hopper@acme.example": "+44 20 7946 0001/GB", "alan.turing@acme.example": "/"},
			status: map[string]string{"grace.hopper@acme.example": "succeeded", "alan.turing@acme.example": "failed", "kenji.sato@acme.example": "succeeded"}},
		{name: "job default", fields: "{ email: Email, phone_number: Phone, phone_country: { column: Country, default: GB } }",
			want:   map[string]string{"grace.hopper@acme.example": "+44 20 7946 0001/GB", "alan.turing@acme.example": "+44 20 7946 0002/GB"},
			status: map[string]string{"grace.hopper@acme.example": "succeeded", "alan.turing@acme.example": "succeeded", "kenji.sato@acme.example": "succeeded"}},
	} {
		t.Run(tc.name, zoomtest.Bubble(func(t *testing.T) {
			e := newEnv(t, zoomtest.Options{NoRateLimits: true})
			// Grace's country is GB already: her PATCH must carry it all
			// the same.
			if err := e.client.UpdateUser(ctx, "grace.hopper@acme.example", map[string]any{"phone_country": "GB"}); err != nil {
				t.Fatal(err)
			}
			start := accountState(e.srv)
			phones := func() map[string]string {
				out := map[string]string{}
				for _, r := range rows {
					u, _ := e.srv.UserByEmail(r[0])
					out[r[0]] = u.PhoneNumber + "/" + u.PhoneCountry
				}
				return out
			}
			before := phones()
			e.writeCSV("phones.csv", []string{"Email", "Phone", "Country"}, rows)
			path := e.write("phones.yaml", "version: 1\ninput: phones.csv\nfields: "+tc.fields+"\nsteps: [update_users]\n")
			if tc.loadErr != "" {
				if _, err := jobfile.Load(path); err == nil || !strings.Contains(err.Error(), tc.loadErr) {
					t.Fatalf("load: %v, want an error naming %s", err, tc.loadErr)
				}
				return
			}
			run := filepath.Join(e.dir, "run")
			if _, err := e.run(ctx, path, run, nil); err != nil {
				t.Fatal(err)
			}
			for _, l := range readResults(t, run) {
				if l["zb_status"] != tc.status[l["Email"]] {
					t.Errorf("%s: %s (%s), want %s", l["Email"], l["zb_status"], l["zb_reason"], tc.status[l["Email"]])
				}
				if l["Email"] == "alan.turing@acme.example" && l["zb_status"] == "failed" && !strings.Contains(l["zb_reason"], "phone_country") {
					t.Errorf("alan's reason %q does not name phone_country", l["zb_reason"])
				}
			}
			for email, want := range tc.want {
				u, _ := e.srv.UserByEmail(email)
				if got := u.PhoneNumber + "/" + u.PhoneCountry; got != want {
					t.Errorf("%s: phone %q, want %q", email, got, want)
				}
			}
			if u, _ := e.srv.UserByEmail("kenji.sato@acme.example"); u.PhoneCountry != "JP" {
				t.Errorf("kenji's country %q, want JP (a country alone is a plain field)", u.PhoneCountry)
			}
			if _, err := e.undo(ctx, run, filepath.Join(run, "undo"), nil); err != nil {
				t.Fatal(err)
			}
			for email, was := range before {
				if got := phones()[email]; got != was {
					t.Errorf("%s after undo: phone %q, want %q", email, got, was)
				}
			}
			if d := diffState(start, accountState(e.srv)); len(d) > 0 {
				t.Errorf("after undo:\n%s", strings.Join(d, "\n"))
			}
		}))
	}
}
