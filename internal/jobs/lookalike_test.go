package jobs_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/zoombulk/zoombulk/internal/jobs"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// accountGroups lists the account's groups, sorted.
func accountGroups(e *env) []string {
	var out []string
	for _, g := range e.srv.Groups() {
		out = append(out, g.Name)
	}
	slices.Sort(out)
	return out
}

// create_missing makes no name that looks like one the account has or one
// the same run makes: a typo ("Saless"), a Cyrillic "Ѕales", or "sales "
// with a trailing space. A name of its own ("Sales EMEA") is created; one
// the job lists is created even when it looks like another.
func TestCreateMissingRefusesLookAlikes(t *testing.T) {
	e := newEnv(t, zoomtest.Options{NoRateLimits: true})
	e.writeCSV("users.csv", []string{"Email", "Group"}, [][]string{
		{"alan.turing@acme.example", "Saless"},
		{"grace.hopper@acme.example", "Ѕales"}, // Cyrillic DZE
		{"ada.lovelace@acme.example", "sales "},
		{"linus.berg@acme.example", "Sales EMEA"},
		{"priya.patel@acme.example", "Platform"},
		{"tom.nguyen@acme.example", "Platfrom"}, // two new look-alikes: neither is made
	})
	before := accountGroups(e)
	job := e.write("job.yaml", `version: 1
name: lookalikes
input: users.csv
fields: { email: Email, group: Group }
steps:
  - move_group: { to: group, mode: add, create_missing: true }
`)
	out := filepath.Join(e.dir, "run")
	if _, err := e.run(context.Background(), job, out, nil); err != nil {
		t.Fatal(err)
	}
	got := map[string]map[string]string{}
	for _, line := range readResults(t, out) {
		got[line["Email"]] = line
	}
	for _, tc := range []struct{ email, status, reason, hint string }{
		{"alan.turing@acme.example", "failed", `"Saless" looks like the account's group "Sales"`, `did you mean "Sales"?`},
		{"grace.hopper@acme.example", "failed", `"Ѕales" looks like the account's group "Sales"`, `did you mean "Sales"?`},
		{"ada.lovelace@acme.example", "succeeded", "", ""}, // "sales " is Sales itself
		{"linus.berg@acme.example", "succeeded", "", ""},
		{"priya.patel@acme.example", "failed", `looks like the run's new group "Platfrom"`, `did you mean "Platfrom"?`},
		{"tom.nguyen@acme.example", "failed", `looks like the run's new group "Platform"`, `did you mean "Platform"?`},
	} {
		l := got[tc.email]
		if l["zb_status"] != tc.status || !strings.Contains(l["zb_reason"], tc.reason) || !strings.Contains(l["zb_hint"], tc.hint) {
			t.Errorf("%s: %s (%s; %s), want %s (%s; %s)", tc.email, l["zb_status"], l["zb_reason"], l["zb_hint"], tc.status, tc.reason, tc.hint)
		}
	}
	after := accountGroups(e)
	want := slices.Sorted(slices.Values(append(slices.Clone(before), "Sales EMEA")))
	if !slices.Equal(after, want) {
		t.Errorf("groups after the run %q, want %q (only Sales EMEA new)", after, want)
	}
	ada, _ := e.srv.UserByEmail("ada.lovelace@acme.example")
	linus, _ := e.srv.UserByEmail("linus.berg@acme.example")
	if names := groupsOf(e, ada.GroupIDs); !slices.Contains(names, "Sales") {
		t.Errorf("ada's groups %v, want Sales among them", names)
	}
	if names := groupsOf(e, linus.GroupIDs); !slices.Contains(names, "Sales EMEA") {
		t.Errorf("linus's groups %v, want Sales EMEA", names)
	}

	t.Run("a listed name is created even though it looks like another", func(t *testing.T) {
		job := e.write("listed.yaml", `version: 1
name: listed
input: users.csv
fields: { email: Email, group: Group }
steps:
  - move_group: { to: group, mode: add, create_missing: [Platform, Platfrom] }
`)
		out := filepath.Join(e.dir, "listed")
		if _, err := e.run(context.Background(), job, out, nil); err != nil {
			t.Fatal(err)
		}
		status := map[string]string{}
		for _, line := range readResults(t, out) {
			status[line["Group"]] = line["zb_status"] + ": " + line["zb_reason"]
		}
		for _, g := range []string{"Platform", "Platfrom"} {
			if !strings.HasPrefix(status[g], "succeeded") {
				t.Errorf("%s: %s, want succeeded (listed)", g, status[g])
			}
		}
		// Not listed: a missing name is not created at all.
		if !strings.Contains(status["Saless"], `no group named "Saless"`) {
			t.Errorf("Saless: %s, want a plan failure (not listed)", status["Saless"])
		}
		if after := accountGroups(e); !slices.Contains(after, "Platfrom") || slices.Contains(after, "Saless") || slices.Contains(after, "Ѕales") {
			t.Errorf("groups %q: want Platform and Platfrom, no Saless or Ѕales", after)
		}
	})
}

func groupsOf(e *env, ids []string) []string {
	byID := map[string]string{}
	for _, g := range e.srv.Groups() {
		byID[g.ID] = g.Name
	}
	var out []string
	for _, id := range ids {
		out = append(out, byID[id])
	}
	return out
}

// The same holds for divisions (upsert_divisions: the rows are divisions)
// and for contact groups, which contact_groups creates when missing.
func TestLookAlikesOfDivisionsAndContactGroups(t *testing.T) {
	synctest.Test(t, testLookAlikesOfDivisionsAndContactGroups)
}

func testLookAlikesOfDivisionsAndContactGroups(t *testing.T) {
	e := newEnv(t, zoomtest.Options{NoRateLimits: true})
	e.writeCSV("divisions.csv", []string{"Division"}, [][]string{{"ЕМЕА"}, {"Americaz"}, {"Nordics"}})
	job := e.write("divisions.yaml", `version: 1
name: divisions
input: divisions.csv
fields: { division: Division }
steps:
  - upsert_divisions
`)
	out := filepath.Join(e.dir, "divisions")
	if _, err := e.run(context.Background(), job, out, func(o *jobs.Options) {}); err != nil {
		t.Fatal(err)
	}
	status := map[string]string{}
	for _, line := range readResults(t, out) {
		status[line["Division"]] = line["zb_status"] + ": " + line["zb_hint"]
	}
	if !strings.Contains(status["ЕМЕА"], `did you mean "EMEA"?`) || !strings.Contains(status["Americaz"], `did you mean "Americas"?`) ||
		!strings.HasPrefix(status["Nordics"], "succeeded") {
		t.Errorf("results %q: want ЕМЕА and Americaz refused, Nordics created", status)
	}
	var divs []string
	for _, d := range e.srv.Divisions() {
		divs = append(divs, d.Name)
	}
	if len(divs) != 5 || !slices.Contains(divs, "Nordics") {
		t.Errorf("divisions %q, want the four of the seed and Nordics", divs)
	}

	e.writeCSV("contacts.csv", []string{"Contact Group", "Member"}, [][]string{
		{"Londοn Office", "grace.hopper@acme.example"}, // Greek omicron
		{"Berlin Office", "linus.berg@acme.example"},
	})
	job = e.write("contacts.yaml", `version: 1
name: contacts
input: contacts.csv
fields: { contact_group: Contact Group, member: Member }
steps:
  - contact_groups
`)
	out = filepath.Join(e.dir, "contacts")
	if _, err := e.run(context.Background(), job, out, nil); err != nil {
		t.Fatal(err)
	}
	status = map[string]string{}
	for _, line := range readResults(t, out) {
		status[line["Contact Group"]] = line["zb_status"] + ": " + line["zb_hint"]
	}
	if !strings.Contains(status["Londοn Office"], `did you mean "London Office"?`) || !strings.HasPrefix(status["Berlin Office"], "succeeded") {
		t.Errorf("results %q: want the Greek look-alike refused and Berlin Office created", status)
	}
	var cgs []string
	for _, g := range e.srv.ContactGroups() {
		cgs = append(cgs, g.Name)
	}
	slices.Sort(cgs)
	if !slices.Equal(cgs, []string{"Berlin Office", "Leadership", "London Office"}) {
		t.Errorf("contact groups %q, want Berlin Office added only", cgs)
	}
}
