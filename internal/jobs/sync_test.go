package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/jobs"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// bigGroupSeed is an account with a 200-member group "Big", 30 users in no
// group, a group "Parked" and two divisions.
func bigGroupSeed() *zoomtest.Seed {
	s := &zoomtest.Seed{Account: zoomtest.SeedAccount{ID: "acct1", Name: "Acme"}, LicensedSeats: 1000,
		Groups:    []zoomtest.SeedGroup{{Name: "Big"}, {Name: "Parked"}},
		Divisions: []zoomtest.SeedDivision{{Name: "Main", Main: true}, {Name: "EMEA"}}}
	s.Users = append(s.Users, zoomtest.SeedUser{Email: "owner@acme.example", FirstName: "O", LastName: "Owner", Type: 2, Role: "owner"})
	for i := range 200 {
		s.Users = append(s.Users, zoomtest.SeedUser{Email: fmt.Sprintf("member%03d@acme.example", i), FirstName: "M", LastName: "Ember",
			Type: 1, Groups: []string{"Big"}, Division: "EMEA"})
	}
	for i := range 30 {
		s.Users = append(s.Users, zoomtest.SeedUser{Email: fmt.Sprintf("new%02d@acme.example", i), FirstName: "N", LastName: "Ew", Type: 1})
	}
	return s
}

// The file lists 180 of Big's 200 members and 30 users in no group: exact
// sync takes the other 20 out and puts the 30 in, and spends only those
// calls; max_removals: 10 stops it before any call.
func TestSyncExactGroupSpendsOnlyTheChanges(t *testing.T) {
	var rows [][]string
	for i := range 180 {
		rows = append(rows, []string{fmt.Sprintf("member%03d@acme.example", i), "Big"})
	}
	for i := range 30 {
		rows = append(rows, []string{fmt.Sprintf("new%02d@acme.example", i), "Big"})
	}
	for _, tc := range []struct {
		name, options string
		limit         string
		writes        map[string]int // endpoint -> calls
		parked        int            // members in Parked after
		aborted       bool
	}{
		{name: "remove", options: "{ sync: exact }",
			writes: map[string]int{"POST /groups/{groupId}/members": 1, "DELETE /groups/{groupId}/members/{memberId}": 20}},
		{name: "fallback", options: "{ sync: exact, fallback_group: Parked }",
			writes: map[string]int{"POST /groups/{groupId}/members": 1, "PATCH /groups/{groupId}/members/{memberId}": 20}, parked: 20},
		{name: "remove_only", options: "{ sync: remove_only }",
			writes: map[string]int{"DELETE /groups/{groupId}/members/{memberId}": 20}},
		{name: "over max_removals", options: "{ sync: exact }", limit: "limits:\n  max_removals: 10\n", aborted: true},
	} {
		t.Run(tc.name, zoomtest.ParallelBubble(func(t *testing.T) {
			e := newEnv(t, zoomtest.Options{NoRateLimits: true, Seed: bigGroupSeed()})
			e.writeCSV("in.csv", []string{"Email", "Group"}, rows)
			job := e.write("job.yaml", "version: 1\ninput: in.csv\nfields:\n  email: Email\n  group: Group\nsteps:\n  - move_group: "+tc.options+"\n"+tc.limit)
			before := e.srv.Stats()
			sum, err := e.run(context.Background(), job, filepath.Join(e.dir, "run"), nil)
			got := map[string]int{}
			for ep, n := range e.srv.Stats().Calls {
				if !strings.HasPrefix(ep, "GET ") {
					if d := n - before.Calls[ep]; d > 0 {
						got[ep] = d
					}
				}
			}
			if tc.aborted {
				if !errors.Is(err, jobs.ErrAborted) || !strings.Contains(sum.Aborted, "max_removals") {
					t.Fatalf("err %v, aborted %q: want a stop at max_removals", err, sum.Aborted)
				}
				if len(got) > 0 {
					t.Errorf("write calls before the stop: %v", got)
				}
				if n := sum.Plan.Removals["group removal"]; n != 20 {
					t.Errorf("plan removals %d, want 20", n)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.writes) {
				t.Errorf("write calls %v, want %v", got, tc.writes)
			}
			members, parked := 0, 0
			for _, g := range e.srv.Groups() {
				switch g.Name {
				case "Big":
					members = len(g.MemberIDs)
				case "Parked":
					parked = len(g.MemberIDs)
				}
			}
			want := 210
			if tc.name == "remove_only" {
				want = 180
			}
			if members != want || parked != tc.parked {
				t.Errorf("Big has %d members (want %d), Parked %d (want %d)", members, want, parked, tc.parked)
			}
			if tc.name != "remove_only" {
				// The undo takes the 30 out and puts the 20 back.
				if _, err := e.undo(context.Background(), filepath.Join(e.dir, "run"), filepath.Join(e.dir, "undo"), nil); err != nil {
					t.Fatal(err)
				}
				for _, g := range e.srv.Groups() {
					if n := len(g.MemberIDs); g.Name == "Big" && n != 200 || g.Name == "Parked" && n != 0 {
						t.Errorf("after undo %s has %d members", g.Name, n)
					}
				}
				defer func() {
					if t.Failed() {
						data, _ := os.ReadFile(filepath.Join(e.dir, "run", "undo.csv"))
						t.Logf("undo.csv:\n%s", data)
					}
				}()
			}
			lines := readResults(t, filepath.Join(e.dir, "run"))
			removed := slices.IndexFunc(lines, func(m map[string]string) bool { return m["Email"] == "member190@acme.example" })
			if removed < 0 || lines[removed]["zb_status"] != "succeeded" {
				t.Errorf("the results do not report the removal of member190")
			}
		}))
	}
}

// Exact sync of a feature value turns it off for the holders no row lists
// (other values are left alone), and of a division puts the members no row
// lists in the main division; the run's undo puts both back.
func TestSyncExactFeatureAndDivisionAndUndo(t *testing.T) {
	synctest.Test(t, testSyncExactFeatureAndDivisionAndUndo)
}

func testSyncExactFeatureAndDivisionAndUndo(t *testing.T) {
	e := newEnv(t, zoomtest.Options{NoRateLimits: true})
	start := accountState(e.srv)
	e.writeCSV("in.csv", []string{"Email", "Webinar", "Division"}, [][]string{
		{"olivia.owner@acme.example", "1", "EMEA"},
		{"alan.turing@acme.example", "1", "EMEA"}, // Licensed: Zoom grants webinars to Licensed users only
		{"kenji.sato@acme.example", "", "EMEA"},
	})
	job := e.write("job.yaml", `version: 1
input: in.csv
fields:
  email: Email
  webinar: Webinar
  division: Division
steps:
  - update_features: [ { feature_type: webinar, sync: exact } ]
  - assign_division: { sync: exact }
limits:
  max_removals: 10
`)
	run := filepath.Join(e.dir, "run")
	sum, err := e.run(context.Background(), job, run, nil)
	if err != nil {
		t.Fatal(err)
	}
	mark, _ := e.srv.UserByEmail("mark.eting@acme.example")
	sam, _ := e.srv.UserByEmail("sam.seller@acme.example")
	alan, _ := e.srv.UserByEmail("alan.turing@acme.example")
	if mark.Features["webinar"] != "" || sam.Features["webinar"] != "64" || alan.Features["webinar"] != "1" {
		t.Errorf("webinar: mark %q (want off), sam %q (want 64 kept), alan %q (want 1)", mark.Features["webinar"], sam.Features["webinar"], alan.Features["webinar"])
	}
	if sum.Plan.Removals["feature removal"] != 1 {
		t.Errorf("feature removals %d, want 1 (mark)", sum.Plan.Removals["feature removal"])
	}
	var emea []string
	for _, u := range e.srv.Users() {
		if u.DivisionID == divisionID(e, "EMEA") {
			emea = append(emea, u.Email)
		}
	}
	slices.Sort(emea)
	want := []string{"alan.turing@acme.example", "kenji.sato@acme.example", "olivia.owner@acme.example"}
	if !slices.Equal(emea, want) {
		t.Errorf("EMEA members %v, want %v", emea, want)
	}
	if _, err := e.undo(context.Background(), run, filepath.Join(run, "undo"), nil); err != nil {
		t.Fatal(err)
	}
	if d := diffState(start, accountState(e.srv)); len(d) > 0 {
		t.Errorf("after undo:\n%s", strings.Join(d, "\n"))
	}
}

func divisionID(e *env, name string) string {
	for _, d := range e.srv.Divisions() {
		if d.Name == name {
			return d.ID
		}
	}
	return ""
}

func TestSyncOptionsAreChecked(t *testing.T) {
	synctest.Test(t, testSyncOptionsAreChecked)
}

func testSyncOptionsAreChecked(t *testing.T) {
	e := newEnv(t, zoomtest.Options{NoRateLimits: true})
	e.writeCSV("in.csv", []string{"Email", "Group", "Division"}, [][]string{{"a@acme.example", "Sales", "EMEA"}})
	for _, tc := range []struct{ step, says string }{
		{"move_group: { fallback_group: Parked }", "fallback_group"},
		{"assign_division: { fallback_division: Main }", "fallback_division"},
		{"move_group: { sync: everything }", "exact"},
		{"update_features: [ { feature_type: webinar, sync: maybe } ]", "remove_only"},
	} {
		job := e.write("job.yaml", "version: 1\ninput: in.csv\nfields:\n  email: Email\n  group: Group\n  division: Division\n  webinar: Group\nsteps:\n  - "+tc.step+"\n")
		if _, err := jobfile.Load(job); err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%s: %v, want an error naming %s", tc.step, err, tc.says)
		}
	}
}
