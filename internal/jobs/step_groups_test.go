package jobs_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/zoombulk/zoombulk/internal/results"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// groupAdmins reads a group's admins' emails through the API.
func groupAdmins(t *testing.T, e *env, name string) []string {
	t.Helper()
	for _, g := range e.srv.Groups() {
		if g.Name == name {
			admins, err := e.client.ListGroupAdmins(context.Background(), g.ID)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, a := range admins {
				out = append(out, a.Email)
			}
			slices.Sort(out)
			return out
		}
	}
	return nil
}

func TestUpsertGroupsAndAdmins(t *testing.T) {
	synctest.Test(t, testUpsertGroupsAndAdmins)
}

func testUpsertGroupsAndAdmins(t *testing.T) {
	e := newEnv(t, zoomtest.Options{NoRateLimits: true})
	e.writeCSV("groups.csv", []string{"Group", "Admin"}, [][]string{
		{"Sales", "adam.admin@acme.example"},
		{"Platform", "grace.hopper@acme.example"},
		{"Platform", "alan.turing@acme.example"},
		{"Field Ops", ""},
		{"Support", "nobody@acme.example"},
	})
	job := e.write("groups.yaml", `version: 1
name: groups
input: groups.csv
fields: { group: Group, email: Admin }
limits: { partial_rows: true }
steps:
  - upsert_groups
  - group_admins
`)
	before := len(e.srv.Groups())
	e.srv.ResetStats()
	out := filepath.Join(e.dir, "first")
	if _, err := e.run(context.Background(), job, out, nil); err != nil {
		t.Fatal(err)
	}
	st := e.srv.Stats()
	if st.Calls["POST /groups"] != 2 {
		t.Errorf("%d group creates, want 2 (Platform once for two rows, Field Ops)", st.Calls["POST /groups"])
	}
	if n := len(e.srv.Groups()); n != before+2 {
		t.Errorf("%d groups, want %d", n, before+2)
	}
	var adds int
	for ep, n := range st.Calls {
		if strings.HasPrefix(ep, "POST /groups/") && strings.HasSuffix(ep, "/admins") {
			adds += n
		}
	}
	if adds != 2 {
		t.Errorf("%d add-admin calls, want 2 (Sales, Platform with both): %v", adds, st.Calls)
	}
	if got := groupAdmins(t, e, "Platform"); strings.Join(got, ",") != "alan.turing@acme.example,grace.hopper@acme.example" {
		t.Errorf("Platform admins %v", got)
	}
	for _, line := range readResults(t, out) {
		want := "succeeded"
		switch {
		case line["Admin"] == "nobody@acme.example":
			want = "failed"
		case line["Group"] == "Sales":
			want = "succeeded" // group unchanged, admin added
		}
		if line["zb_status"] != want && !(line["Admin"] == "nobody@acme.example" && line["zb_status"] == "partial") {
			t.Errorf("%s/%s: %s (%s), want %s", line["Group"], line["Admin"], line["zb_status"], line["zb_reason"], want)
		}
	}

	e.srv.ResetStats()
	out = filepath.Join(e.dir, "rerun")
	if _, err := e.run(context.Background(), job, out, nil); err != nil {
		t.Fatal(err)
	}
	for _, line := range readResults(t, out) {
		if line["Admin"] != "nobody@acme.example" && line["zb_status"] != "unchanged" {
			t.Errorf("rerun %s/%s: %s (%s), want unchanged", line["Group"], line["Admin"], line["zb_status"], line["zb_reason"])
		}
	}
	t.Logf("rerun calls %v", e.srv.Stats().Calls)
	if n := writes(e.srv.Stats()); n != 0 {
		t.Errorf("rerun wrote %d times: %v", n, e.srv.Stats().Calls)
	}
}

func TestUpsertDivisions(t *testing.T) {
	synctest.Test(t, testUpsertDivisions)
}

func testUpsertDivisions(t *testing.T) {
	e := newEnv(t, zoomtest.Options{NoRateLimits: true})
	e.writeCSV("divisions.csv", []string{"Division", "Description"}, [][]string{
		{"EMEA", "Europe, Middle East and Africa"},
		{"APAC", "Asia and the Pacific"},
		{"Nordics", "Sweden, Norway, Denmark, Finland"},
	})
	job := e.write("divisions.yaml", `version: 1
name: divisions
input: divisions.csv
fields: { division: Division, description: Description }
steps:
  - upsert_divisions
`)
	e.srv.ResetStats()
	out := filepath.Join(e.dir, "first")
	if _, err := e.run(context.Background(), job, out, nil); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"EMEA": "unchanged", "APAC": "succeeded", "Nordics": "succeeded"}
	for _, line := range readResults(t, out) {
		if line["zb_status"] != want[line["Division"]] {
			t.Errorf("%s: %s (%s), want %s", line["Division"], line["zb_status"], line["zb_reason"], want[line["Division"]])
		}
	}
	desc := map[string]string{}
	for _, d := range e.srv.Divisions() {
		desc[d.Name] = d.Description
	}
	if desc["APAC"] != "Asia and the Pacific" || desc["Nordics"] != "Sweden, Norway, Denmark, Finland" {
		t.Errorf("descriptions %v", desc)
	}
	if st := e.srv.Stats(); st.Calls["POST /divisions"] != 1 {
		t.Errorf("calls %v, want one create", st.Calls)
	}
	e.srv.ResetStats()
	out = filepath.Join(e.dir, "rerun")
	if _, err := e.run(context.Background(), job, out, nil); err != nil {
		t.Fatal(err)
	}
	for _, line := range readResults(t, out) {
		if line["zb_status"] != "unchanged" {
			t.Errorf("rerun %s: %s (%s)", line["Division"], line["zb_status"], line["zb_reason"])
		}
	}
	if n := writes(e.srv.Stats()); n != 0 {
		t.Errorf("rerun wrote: %v", e.srv.Stats().Calls)
	}
}

// Issue 15: an undo takes away the admin rights a run gave, and leaves
// the admins the group had before.
func TestUndoOfGroupAdmins(t *testing.T) {
	synctest.Test(t, testUndoOfGroupAdmins)
}

func testUndoOfGroupAdmins(t *testing.T) {
	e := newEnv(t, zoomtest.Options{NoRateLimits: true})
	ctx := context.Background()
	admins := func() string {
		return strings.Join(groupAdmins(t, e, "Sales"), ",") + " | " + strings.Join(groupAdmins(t, e, "Marketing"), ",")
	}
	e.writeCSV("admins.csv", []string{"Group", "Admin"}, [][]string{
		{"Sales", "grace.hopper@acme.example"},
		{"Marketing", "alan.turing@acme.example"},
	})
	job := e.write("admins.yaml", "version: 1\ninput: admins.csv\nfields: { group: Group, email: Admin }\nsteps: [group_admins]\n")
	start := admins()
	run := filepath.Join(e.dir, "run")
	if _, err := e.run(ctx, job, run, nil); err != nil {
		t.Fatal(err)
	}
	if admins() == start {
		t.Fatalf("the run added no admin: %s", start)
	}
	sum, err := e.undo(ctx, run, filepath.Join(run, "undo"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := admins(); got != start {
		t.Errorf("admins after undo %q, want %q", got, start)
	}
	if n := sum.Plan.Removals[results.RemoveGroupAdmin]; n != 2 {
		t.Errorf("the undo's plan counts %d admin removals, want 2", n)
	}
}

// Zoom takes at most 10 admins a call (the OpenAPI file's maxItems): 12
// admins of one group go in two calls and all of them are admins after.
func TestTwelveAdminsOfOneGroupInTwoCalls(t *testing.T) {
	synctest.Test(t, testTwelveAdminsOfOneGroupInTwoCalls)
}

func testTwelveAdminsOfOneGroupInTwoCalls(t *testing.T) {
	e := newEnv(t, zoomtest.Options{NoRateLimits: true})
	var rows [][]string
	var want []string
	for _, u := range e.srv.Users() {
		if len(rows) == 12 {
			break
		}
		if u.Status != "active" || slices.Contains(groupAdmins(t, e, "Sales"), u.Email) {
			continue
		}
		rows = append(rows, []string{"Sales", u.Email})
		want = append(want, strings.ToLower(u.Email))
	}
	if len(rows) != 12 {
		t.Fatalf("the seed has %d users to make admins, want 12", len(rows))
	}
	want = append(want, groupAdmins(t, e, "Sales")...)
	slices.Sort(want)
	e.writeCSV("admins.csv", []string{"Group", "Admin"}, rows)
	job := e.write("admins.yaml", "version: 1\ninput: admins.csv\nfields: { group: Group, email: Admin }\nsteps: [group_admins]\n")
	e.srv.ResetStats()
	out := filepath.Join(e.dir, "run")
	if _, err := e.run(context.Background(), job, out, nil); err != nil {
		t.Fatal(err)
	}
	var adds int
	for ep, n := range e.srv.Stats().Calls {
		if strings.HasPrefix(ep, "POST /groups/") && strings.HasSuffix(ep, "/admins") {
			adds += n
		}
	}
	if adds != 2 {
		t.Errorf("%d add-admin calls, want 2 (10 + 2)", adds)
	}
	for _, line := range readResults(t, out) {
		if line["zb_status"] != "succeeded" {
			t.Errorf("%s: %s (%s)", line["Admin"], line["zb_status"], line["zb_reason"])
		}
	}
	if got := groupAdmins(t, e, "Sales"); !slices.Equal(got, want) {
		t.Errorf("Sales admins %v, want %v", got, want)
	}
}
