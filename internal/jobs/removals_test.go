package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/zoombulk/zoombulk/internal/jobs"
	"github.com/zoombulk/zoombulk/internal/results"
	"github.com/zoombulk/zoombulk/internal/zoom"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// salesSeed is an account whose group Sales, division EMEA, contact group
// Team and webinar seats hold the 20 users s01..s20@corp.example (all
// licensed, webinar "1"), with n01 and n02 in none of them.
func salesSeed() *zoomtest.Seed {
	s := &zoomtest.Seed{Account: zoomtest.SeedAccount{ID: "acct1", Name: "Corp"}, LicensedSeats: 1000,
		Groups:    []zoomtest.SeedGroup{{Name: "Sales"}, {Name: "Parked"}},
		Divisions: []zoomtest.SeedDivision{{Name: "Main", Main: true}, {Name: "EMEA"}}}
	s.Users = append(s.Users, zoomtest.SeedUser{Email: "owner@corp.example", FirstName: "O", LastName: "Owner", Type: 2, Role: "owner"})
	var team []string
	for i := 1; i <= 20; i++ {
		email := fmt.Sprintf("s%02d@corp.example", i)
		team = append(team, email)
		s.Users = append(s.Users, zoomtest.SeedUser{Email: email, FirstName: "S", LastName: fmt.Sprint(i), Type: 2,
			Groups: []string{"Sales"}, Division: "EMEA", Features: map[string]string{"webinar": "1"}})
	}
	for i := 1; i <= 2; i++ {
		s.Users = append(s.Users, zoomtest.SeedUser{Email: fmt.Sprintf("n%02d@corp.example", i), FirstName: "N", LastName: fmt.Sprint(i), Type: 2})
	}
	s.ContactGroups = []zoomtest.SeedContactGroup{{Name: "Team", Members: team}}
	return s
}

// contactMembers is each contact group's member emails, sorted.
func contactMembers(e *env) map[string][]string {
	byID := map[string]string{}
	for _, u := range e.srv.Users() {
		byID[u.ID] = u.Email
	}
	out := map[string][]string{}
	for _, cg := range e.srv.ContactGroups() {
		var m []string
		for _, id := range cg.MemberIDs {
			m = append(m, byID[id])
		}
		slices.Sort(m)
		out[cg.Name] = m
	}
	return out
}

// syncState is the account as the sync steps see it: every user's
// fields (groups, division, features, assistants) and the contact groups.
func syncState(e *env) map[string]string {
	st := accountState(e.srv)
	for name, m := range contactMembers(e) {
		st["contact group "+name] = strings.Join(m, ";")
	}
	return st
}

// Issue 23 item 1: in each kind of exact sync, a row with a misspelt
// email (s20@corp.exampel) fails in the plan, and one with a broken email
// (s19corp.example) fails validation: each holds its target's removals
// back. The real s19 and s20, unlisted because of the typos, stay; the
// adds of the same target still go ahead, and the plan names the rows that
// held the target back.
func TestTypoRowHoldsItsTargetsSyncBack(t *testing.T) {
	listed := func(n int) [][]string {
		var rows [][]string
		for i := 1; i <= n; i++ {
			rows = append(rows, []string{fmt.Sprintf("s%02d@corp.example", i)})
		}
		return rows
	}
	for _, tc := range []struct {
		name   string
		header []string
		value  string // the target cell of every row
		step   string
		added  string // the state key the add changes
	}{
		{name: "group", header: []string{"Email", "Group"}, value: "Sales", step: "move_group: { sync: exact, mode: add }",
			added: "n01@corp.example"},
		{name: "group with fallback", header: []string{"Email", "Group"}, value: "Sales", step: "move_group: { sync: exact, fallback_group: Parked }",
			added: "n01@corp.example"},
		{name: "division", header: []string{"Email", "Division"}, value: "EMEA", step: "assign_division: { sync: exact }",
			added: "n01@corp.example"},
		{name: "contact group", header: []string{"Member", "Contact Group"}, value: "Team", step: "contact_groups: { sync: exact }",
			added: "contact group Team"},
		{name: "feature", header: []string{"Email", "Webinar"}, value: "1", step: "update_features: [ { feature_type: webinar, sync: exact } ]",
			added: "n01@corp.example"},
	} {
		t.Run(tc.name, zoomtest.Bubble(func(t *testing.T) {
			e := newEnv(t, zoomtest.Options{NoRateLimits: true, Seed: salesSeed()})
			rows := listed(18)
			rows = append(rows, []string{"s19corp.example"}, []string{"s20@corp.exampel"}, []string{"n01@corp.example"})
			for i := range rows {
				rows[i] = append(rows[i], tc.value)
			}
			e.writeCSV("in.csv", tc.header, rows)
			field := map[string]string{"Group": "group", "Division": "division", "Contact Group": "contact_group", "Webinar": "webinar"}[tc.header[1]]
			key := map[string]string{"Email": "email", "Member": "member"}[tc.header[0]]
			job := e.write("job.yaml", fmt.Sprintf("version: 1\ninput: in.csv\nfields:\n  %s: %s\n  %s: %s\nsteps:\n  - %s\n",
				key, tc.header[0], field, tc.header[1], tc.step))
			before := syncState(e)
			sum, err := e.run(context.Background(), job, filepath.Join(e.dir, "run"), nil)
			if err != nil {
				t.Fatal(err)
			}
			after := syncState(e)
			// Only the add changed the account: s19 and s20 (unlisted) are
			// where they were.
			var changed []string
			for k, v := range after {
				if before[k] != v {
					changed = append(changed, k)
				}
			}
			if !slices.Equal(changed, []string{tc.added}) {
				t.Errorf("changed %v, want only %s:\n%s", changed, tc.added, strings.Join(diffState(before, after), "\n"))
			}
			if n := sum.Plan.RemovalCount(); n != 0 {
				t.Errorf("the plan holds %d removals (%s), want none", n, sum.Plan.RemovalText())
			}
			warned := slices.ContainsFunc(sum.Plan.Warnings, func(w string) bool {
				return strings.Contains(w, "rows 20 and 21") && strings.Contains(w, "keeps the 2 members no row lists")
			})
			if !warned {
				t.Errorf("no warning names rows 20 and 21 as holding the sync back: %q", sum.Plan.Warnings)
			}
			if len(sum.Plan.Syncs) != 1 || !slices.Equal(sum.Plan.Syncs[0].HeldBy, []int{20, 21}) || sum.Plan.Syncs[0].Unlisted != 2 {
				t.Errorf("plan syncs %+v, want one target held by rows 20 and 21 with 2 unlisted", sum.Plan.Syncs)
			}
			lines := readResults(t, filepath.Join(e.dir, "run"))
			if len(lines) != 21 {
				t.Errorf("%d result rows, want the 21 input rows and no removal row", len(lines))
			}
			for _, typo := range lines[18:20] {
				if typo["zb_status"] != "failed" {
					t.Errorf("the typo row: %v", typo)
				}
			}
		}))
	}
}

// Issue 23 item 1, set_assistants: a row whose listed assistant is
// misspelt fails in the plan, and its user's assistants stay as they are
// (the real assistant is not deleted for being unlisted).
func TestTypoAssistantHoldsTheListBack(t *testing.T) {
	synctest.Test(t, testTypoAssistantHoldsTheListBack)
}

func testTypoAssistantHoldsTheListBack(t *testing.T) {
	e := newEnv(t, zoomtest.Options{NoRateLimits: true, Seed: salesSeed()})
	ctx := context.Background()
	if err := e.client.AddAssistants(ctx, "n01@corp.example", []zoom.Assistant{{Email: "s01@corp.example"}, {Email: "s02@corp.example"}}); err != nil {
		t.Fatal(err)
	}
	e.writeCSV("in.csv", []string{"Email", "Assistants"}, [][]string{
		{"n01@corp.example", "s01@corp.example; s02@corp.exampel"},
		{"n02@corp.example", "s03@corp.example"},
	})
	job := e.write("job.yaml", "version: 1\ninput: in.csv\nfields: { email: Email, assistants: Assistants }\nsteps:\n  - set_assistants: { sync: exact }\n")
	before := syncState(e)
	sum, err := e.run(ctx, job, filepath.Join(e.dir, "run"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := assistantsOf(t, e, "n01@corp.example"); got != "s01@corp.example;s02@corp.example" {
		t.Errorf("n01's assistants %q: the typo row removed one", got)
	}
	if got := assistantsOf(t, e, "n02@corp.example"); got != "s03@corp.example" {
		t.Errorf("n02's assistants %q: the other row's add did not go ahead", got)
	}
	if d := diffState(before, syncState(e)); len(d) != 1 || !strings.HasPrefix(d[0], "n02@") {
		t.Errorf("changes beyond n02's add:\n%s", strings.Join(d, "\n"))
	}
	lines := readResults(t, filepath.Join(e.dir, "run"))
	if lines[0]["zb_status"] != "failed" || !strings.Contains(lines[0]["zb_reason"], "s02@corp.exampel") {
		t.Errorf("the typo row: %s (%s)", lines[0]["zb_status"], lines[0]["zb_reason"])
	}
	if len(sum.Plan.Syncs) != 1 || !slices.Equal(sum.Plan.Syncs[0].HeldBy, []int{2}) {
		t.Errorf("plan syncs %+v, want n01's assistants held by row 2", sum.Plan.Syncs)
	}
}

// Issue 23 items 2 and 9: a sync that would take 15 of Sales' 20 members
// out (none of them in the sheet) stops before any write with no limit
// set, and says how to allow it; --max-removals 15 lets it through (also
// over the job's own lower limit), and each removal is its own result row:
// action `remove (not listed)`, the target, no row number.
func TestUnlistedRemovalsNeedConsent(t *testing.T) {
	var rows [][]string
	for i := 1; i <= 5; i++ {
		rows = append(rows, []string{fmt.Sprintf("s%02d@corp.example", i), "Sales"})
	}
	for _, tc := range []struct {
		name, limits, flag string
		stop               string // what the stop says; "" goes ahead
	}{
		{name: "no limit set", stop: "more than the default limit of 10 % of its members allows (2)"},
		{name: "a job limit too low", limits: "limits:\n  max_removals: 14\n", stop: "more than limits.max_removals allows (14)"},
		{name: "a percentage too low", limits: "limits:\n  max_removals: 50%\n", stop: "more than limits.max_removals allows (10)"},
		{name: "--max-removals 15", flag: "15"},
		{name: "--max-removals over the job's limit", limits: "limits:\n  max_removals: 3\n", flag: "15"},
		{name: "--max-removals 75%", flag: "75%"},
		{name: "--max-removals 14", flag: "14", stop: "more than --max-removals allows (14)"},
		{name: "a job limit high enough", limits: "limits:\n  max_removals: 15\n"},
	} {
		t.Run(tc.name, zoomtest.Bubble(func(t *testing.T) {
			e := newEnv(t, zoomtest.Options{NoRateLimits: true, Seed: salesSeed()})
			e.writeCSV("in.csv", []string{"Email", "Group"}, rows)
			job := e.write("job.yaml", "version: 1\ninput: in.csv\nfields:\n  email: Email\n  group: Group\nsteps:\n  - move_group: { sync: exact }\n"+tc.limits)
			before := syncState(e)
			e.srv.ResetStats()
			run := filepath.Join(e.dir, "run")
			sum, err := e.run(context.Background(), job, run, func(o *jobs.Options) { o.MaxRemovals = tc.flag })
			if tc.stop != "" {
				if !errors.Is(err, jobs.ErrAborted) || !strings.Contains(sum.Aborted, tc.stop) || !strings.Contains(sum.Aborted, `group "Sales"`) ||
					!strings.Contains(sum.Aborted, "--max-removals 15") || !strings.Contains(sum.Aborted, "limits.max_removals") {
					t.Fatalf("err %v, aborted %q: want a stop that says %q, names the group and how to allow it", err, sum.Aborted, tc.stop)
				}
				if n := writes(e.srv.Stats()); n != 0 {
					t.Errorf("the stopped run wrote %d calls", n)
				}
				if d := diffState(before, syncState(e)); len(d) > 0 {
					t.Errorf("the stopped run changed the account:\n%s", strings.Join(d, "\n"))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var sales []string
			for _, g := range e.srv.Groups() {
				if g.Name == "Sales" {
					sales = g.MemberIDs
				}
			}
			if len(sales) != 5 {
				t.Errorf("Sales has %d members, want the 5 listed", len(sales))
			}
			lines := readResults(t, run)
			removed := 0
			for _, l := range lines[5:] {
				if l["zb_action"] != "remove (not listed)" || l["zb_target"] != `group "Sales"` || l["zb_row"] != "" || l["zb_status"] != "succeeded" {
					t.Errorf("removal row %v", l)
				}
				removed++
			}
			planned := sum.Plan.Steps[0].Actions[results.ActRemoveUnlisted]
			if removed != 15 || planned != 15 || sum.Plan.Removals[results.RemoveGroup] != 15 {
				t.Errorf("%d removal rows, the plan counted %d (%d group removals), want 15 each", removed, planned, sum.Plan.Removals[results.RemoveGroup])
			}
			if sum.Plan.Rows != 5 {
				t.Errorf("plan rows %d, want the 5 input rows", sum.Plan.Rows)
			}
		}))
	}
}

// Issue 23 item 7: delete_users with action disassociate is called
// disassociate in the plan and changes.csv, never a deletion, and counts
// as a removal (max_removals: 0 stops it).
func TestDisassociateIsNamedAndCounted(t *testing.T) {
	synctest.Test(t, testDisassociateIsNamedAndCounted)
}

func testDisassociateIsNamedAndCounted(t *testing.T) {
	e := newEnv(t, zoomtest.Options{NoRateLimits: true, Seed: salesSeed()})
	e.writeCSV("in.csv", []string{"Email"}, [][]string{{"s01@corp.example"}})
	job := e.write("job.yaml", "version: 1\ninput: in.csv\nfields: { email: Email }\nsteps:\n  - delete_users: { action: disassociate }\nlimits:\n  max_removals: 0\n")
	before := syncState(e)
	run := filepath.Join(e.dir, "run")
	sum, err := e.run(context.Background(), job, run, func(o *jobs.Options) { o.AllowDelete = true })
	if !errors.Is(err, jobs.ErrAborted) || !strings.Contains(sum.Aborted, "1 user to disassociate") || strings.Contains(sum.Aborted, "deletion") {
		t.Fatalf("err %v, aborted %q: want a stop naming the disassociation", err, sum.Aborted)
	}
	if d := diffState(before, syncState(e)); len(d) > 0 {
		t.Errorf("the stopped run changed the account:\n%s", strings.Join(d, "\n"))
	}
	if sum.Plan.Removals[results.RemoveDisassociate] != 1 || sum.Plan.Removals[results.RemoveDelete] != 0 {
		t.Errorf("removals %v", sum.Plan.Removals)
	}
	changes := readCSVFile(t, filepath.Join(run, "changes.csv"))
	if len(changes) != 1 || changes[0]["action"] != "disassociate" || changes[0]["removal"] != "disassociate" {
		t.Errorf("changes.csv %v", changes)
	}
	sum, err = e.run(context.Background(), job, filepath.Join(e.dir, "run2"), func(o *jobs.Options) { o.AllowDelete, o.MaxRemovals = true, "1" })
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := e.srv.UserByEmail("s01@corp.example"); ok {
		t.Errorf("s01 is still in the account")
	}
	if !strings.Contains(sum.Plan.RemovalText(), "1 user to disassociate") {
		t.Errorf("removal text %q", sum.Plan.RemovalText())
	}
}

// Issue 23 item 9: the plan's counts are what the run then creates: three
// divisions named by five rows are three creations (the console plan and
// the prompt show them), and two rows naming one new group in upsert_groups
// ("Alpha" and "alpha ") count one create.
func TestPlanCountsAreWhatIsCreated(t *testing.T) { synctest.Test(t, testPlanCountsAreWhatIsCreated) }

func testPlanCountsAreWhatIsCreated(t *testing.T) {
	e := newEnv(t, zoomtest.Options{NoRateLimits: true, Seed: salesSeed()})
	e.writeCSV("in.csv", []string{"Email", "Division"}, [][]string{
		{"s01@corp.example", "Nordics"}, {"s02@corp.example", "Nordics"}, {"s03@corp.example", "Iberia"},
		{"s04@corp.example", "Benelux"}, {"s05@corp.example", "Iberia"},
	})
	job := e.write("job.yaml", "version: 1\ninput: in.csv\nfields: { email: Email, division: Division }\nsteps:\n  - assign_division: { create_missing: true }\n")
	divisions := len(e.srv.Divisions())
	sum, err := e.run(context.Background(), job, filepath.Join(e.dir, "run"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if made := len(e.srv.Divisions()) - divisions; made != 3 || sum.Plan.Creations["division"] != 3 || sum.Plan.CreationText() != "3 divisions" {
		t.Errorf("created %d divisions; the plan said %v (%q)", made, sum.Plan.Creations, sum.Plan.CreationText())
	}

	e.writeCSV("groups.csv", []string{"Group"}, [][]string{{"Alpha"}, {"Beta"}, {"Gamma"}, {"Sales"}, {"alpha "}})
	job = e.write("groups.yaml", "version: 1\ninput: groups.csv\nfields: { group: Group }\nsteps:\n  - upsert_groups\n")
	groups := len(e.srv.Groups())
	sum, err = e.run(context.Background(), job, filepath.Join(e.dir, "groups"), nil)
	if err != nil {
		t.Fatal(err)
	}
	made := len(e.srv.Groups()) - groups
	if n := sum.Plan.Steps[0].Actions[results.ActCreate]; n != made || made != 3 || sum.Plan.Creations["group"] != 3 {
		t.Errorf("upsert_groups planned create %d (creations %v), created %d; want 3", n, sum.Plan.Creations, made)
	}
}

// Issue 23 item 1: a row whose group the account does not have ("Saels")
// cannot say which group it meant: it holds back every group of the sync,
// so its user (s20, in Sales) is not taken out for being unlisted.
func TestMisspeltTargetHoldsEveryTarget(t *testing.T) {
	synctest.Test(t, testMisspeltTargetHoldsEveryTarget)
}

func testMisspeltTargetHoldsEveryTarget(t *testing.T) {
	e := newEnv(t, zoomtest.Options{NoRateLimits: true, Seed: salesSeed()})
	var rows [][]string
	for i := 1; i <= 19; i++ {
		rows = append(rows, []string{fmt.Sprintf("s%02d@corp.example", i), "Sales"})
	}
	rows = append(rows, []string{"s20@corp.example", "Saels"})
	e.writeCSV("in.csv", []string{"Email", "Group"}, rows)
	job := e.write("job.yaml", "version: 1\ninput: in.csv\nfields: { email: Email, group: Group }\nsteps:\n  - move_group: { sync: exact }\n")
	before := syncState(e)
	sum, err := e.run(context.Background(), job, filepath.Join(e.dir, "run"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if d := diffState(before, syncState(e)); len(d) > 0 {
		t.Errorf("the account changed:\n%s", strings.Join(d, "\n"))
	}
	if len(sum.Plan.Syncs) != 1 || !slices.Equal(sum.Plan.Syncs[0].HeldBy, []int{21}) {
		t.Errorf("plan syncs %+v, want Sales held by row 21", sum.Plan.Syncs)
	}
}
