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

	"github.com/zoombulk/zoombulk/internal/jobs"
	"github.com/zoombulk/zoombulk/internal/zoom"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// dirState lists the account's groups and divisions by name.
func dirState(srv *zoomtest.Server) string {
	var groups, divs []string
	for _, g := range srv.Groups() {
		groups = append(groups, g.Name)
	}
	for _, d := range srv.Divisions() {
		divs = append(divs, d.Name)
	}
	slices.Sort(groups)
	slices.Sort(divs)
	return fmt.Sprintf("groups %v divisions %v", groups, divs)
}

// undoRow is the undo's results row whose zb_target names what.
func undoRow(t *testing.T, dir, target string) map[string]string {
	t.Helper()
	for _, line := range readResults(t, dir) {
		if line["zb_target"] == target {
			return line
		}
	}
	t.Fatalf("no results row for %s in %s", target, dir)
	return nil
}

// Issue 26 item 2: the undo of a create_missing run deletes the groups and
// the division the run created (their members put back first), counts
// the deletions as removals, and keeps one someone has joined since,
// saying why.
func TestUndoDeletesTheGroupsAndDivisionsTheRunCreated(t *testing.T) {
	rows := [][]string{
		{"alan.turing@acme.example", "Platform", "Nordics"},
		{"grace.hopper@acme.example", "Platform", "Nordics"},
		{"priya.patel@acme.example", "Field Ops", "Americas"},
	}
	tests := []struct {
		name string
		// after the run, before the undo
		meanwhile func(t *testing.T, e *env)
		// what the undo leaves of the run's creations
		wantLeft string
		kept     map[string]string // zb_target -> a part of zb_reason
	}{
		{name: "every one is empty after the undo: all deleted", wantLeft: ""},
		{
			name: "someone joined a created group since: it is kept",
			meanwhile: func(t *testing.T, e *env) {
				gid := ""
				for _, g := range e.srv.Groups() {
					if g.Name == "Platform" {
						gid = g.ID
					}
				}
				if _, err := e.client.AddGroupMembers(context.Background(), gid, []zoom.UserRef{{Email: "olivia.owner@acme.example"}}); err != nil {
					t.Fatal(err)
				}
			},
			wantLeft: "Platform",
			kept:     map[string]string{`group "Platform"`: `has 1 member after the undo`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, zoomtest.ParallelBubble(func(t *testing.T) {
			e := newEnv(t, zoomtest.Options{NoRateLimits: true})
			ctx := context.Background()
			users, dirs := accountState(e.srv), dirState(e.srv)
			e.writeCSV("users.csv", []string{"Email", "Group", "Division"}, rows)
			job := e.write("job.yaml", fmt.Sprintf(createMissingJob, "true"))
			run := filepath.Join(e.dir, "run")
			if _, err := e.run(ctx, job, run, nil); err != nil {
				t.Fatal(err)
			}
			if dirState(e.srv) == dirs {
				t.Fatal("the run created nothing")
			}
			if tc.meanwhile != nil {
				tc.meanwhile(t, e)
			}
			// The plan shows the deletions as removals, which max_removals counts.
			dry, err := e.undo(ctx, run, filepath.Join(e.dir, "dry"), func(o *jobs.Options) { o.DryRun = true })
			if err != nil {
				t.Fatal(err)
			}
			wantGroups := pick(tc.wantLeft == "", 2, 1)
			if got := dry.Plan.Removals["group deletion"]; got != wantGroups || dry.Plan.Removals["division deletion"] != 1 {
				t.Errorf("plan removals %v, want %d group deletions and 1 division deletion", dry.Plan.Removals, wantGroups)
			}
			stopped, err := e.undo(ctx, run, filepath.Join(e.dir, "limited"), func(o *jobs.Options) { o.MaxRemovals = "1" })
			if !errors.Is(err, jobs.ErrAborted) || !strings.Contains(stopped.Aborted, "deletion") {
				t.Errorf("undo with --max-removals 1: err %v, aborted %q; want a stop naming the deletions", err, stopped.Aborted)
			}
			if dirState(e.srv) == dirs {
				t.Fatal("the stopped undo deleted something")
			}

			out := filepath.Join(run, "undo")
			if _, err := e.undo(ctx, run, out, nil); err != nil {
				t.Fatal(err)
			}
			want := dirs
			if tc.wantLeft != "" {
				want = strings.Replace(dirs, "Operations ", "Operations "+tc.wantLeft+" ", 1)
			}
			if got := dirState(e.srv); got != want {
				t.Errorf("after the undo: %s\nwant %s", got, want)
			}
			// Everyone but the member who joined since is where they were.
			after := accountState(e.srv)
			delete(after, "olivia.owner@acme.example")
			delete(users, "olivia.owner@acme.example")
			if d := diffState(users, after); len(d) > 0 {
				t.Errorf("after the undo:\n%s", strings.Join(d, "\n"))
			}
			for _, target := range []string{`group "Platform"`, `group "Field Ops"`, `division "Nordics"`} {
				line := undoRow(t, out, target)
				if why, kept := tc.kept[target]; kept {
					if line["zb_status"] != "kept" || !strings.Contains(line["zb_reason"], why) {
						t.Errorf("%s: %s (%s), want kept: %s", target, line["zb_status"], line["zb_reason"], why)
					}
					continue
				}
				if line["zb_status"] != "succeeded" || line["zb_action"] != "delete" {
					t.Errorf("%s: %s/%s (%s), want a succeeded delete", target, line["zb_status"], line["zb_action"], line["zb_reason"])
				}
			}
		}))
	}
}

// A group the run did not create is never deleted, even when the undo
// leaves it empty: only IDs the journal records as created are.
func TestUndoLeavesGroupsTheRunDidNotCreate(t *testing.T) {
	synctest.Test(t, testUndoLeavesGroupsTheRunDidNotCreate)
}

func testUndoLeavesGroupsTheRunDidNotCreate(t *testing.T) {
	e := newEnv(t, zoomtest.Options{NoRateLimits: true})
	ctx := context.Background()
	// An empty group made before the run, and a run that puts a user in it.
	if _, err := e.client.CreateGroup(ctx, "Empty Before"); err != nil {
		t.Fatal(err)
	}
	dirs := dirState(e.srv)
	e.writeCSV("users.csv", []string{"Email", "Group"}, [][]string{{"linus.berg@acme.example", "Empty Before"}})
	job := e.write("job.yaml", "version: 1\ninput: users.csv\nfields: { email: Email, group: Group }\nsteps:\n  - move_group: { to: group, mode: add, create_missing: true }\n")
	run := filepath.Join(e.dir, "run")
	if _, err := e.run(ctx, job, run, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.undo(ctx, run, filepath.Join(run, "undo"), nil); err != nil {
		t.Fatal(err)
	}
	if got := dirState(e.srv); got != dirs {
		t.Errorf("after the undo: %s, want %s", got, dirs)
	}
	if u, _ := e.srv.UserByEmail("linus.berg@acme.example"); len(u.GroupIDs) != 1 {
		t.Errorf("linus is in %v after the undo, want his one group", u.GroupIDs)
	}
}

// The new-account sample (groups, then users with create_missing, then
// contact groups), run on its first-day account and undone in reverse
// order with --allow-delete, leaves the account as it was: users, groups,
// divisions and contact groups (4 groups and 3 divisions were left before
// issue 26).
func TestNewAccountSampleUndoesToTheStart(t *testing.T) {
	synctest.Test(t, testNewAccountSampleUndoesToTheStart)
}

func testNewAccountSampleUndoesToTheStart(t *testing.T) {
	seed, err := zoomtest.LoadSeed("../../samples/new-account/seed/account.yaml")
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, zoomtest.Options{NoRateLimits: true, Seed: seed})
	ctx := context.Background()
	users, contacts, dirs := accountState(e.srv), contactState(e.srv), dirState(e.srv)
	jobsInOrder := []string{"1-groups.yaml", "2-users.yaml", "3-contacts.yaml"}
	var runs []string
	for _, j := range jobsInOrder {
		run := filepath.Join(e.dir, strings.TrimSuffix(j, ".yaml"))
		sum, err := e.run(ctx, filepath.Join("..", "..", "samples", "new-account", j), run, nil)
		if err != nil {
			t.Fatalf("%s: %v", j, err)
		}
		if sum.Counts["succeeded"] == 0 || sum.Counts["failed"] > 0 {
			t.Fatalf("%s: %v", j, sum.Counts)
		}
		runs = append(runs, run)
	}
	if dirState(e.srv) == dirs {
		t.Fatal("the sample created no group or division")
	}
	for i := len(runs) - 1; i >= 0; i-- {
		sum, err := e.undo(ctx, runs[i], filepath.Join(runs[i], "undo"), func(o *jobs.Options) { o.AllowDelete = true })
		if err != nil {
			t.Fatalf("undo of %s: %v", jobsInOrder[i], err)
		}
		if !sum.Counts.AsAsked() {
			t.Errorf("undo of %s: %v", jobsInOrder[i], sum.Counts)
		}
	}
	d := append(diffState(users, accountState(e.srv)), diffState(contacts, contactState(e.srv))...)
	if got := dirState(e.srv); got != dirs {
		d = append(d, "directory: "+got+"\n  want "+dirs)
	}
	if len(d) > 0 {
		t.Errorf("after undoing the sample:\n%s", strings.Join(d, "\n"))
	}
}

// A run that only made groups (upsert_groups, no admins) has no undo.csv
// row: its undo is delete_created alone, and deletes them.
func TestUndoOfUpsertGroupsAloneDeletesThem(t *testing.T) {
	synctest.Test(t, testUndoOfUpsertGroupsAloneDeletesThem)
}

func testUndoOfUpsertGroupsAloneDeletesThem(t *testing.T) {
	e := newEnv(t, zoomtest.Options{NoRateLimits: true})
	ctx := context.Background()
	dirs := dirState(e.srv)
	e.writeCSV("groups.csv", []string{"Group"}, [][]string{{"Platform"}, {"Sales"}, {"Field Ops"}})
	job := e.write("job.yaml", "version: 1\ninput: groups.csv\nfields: { group: Group }\nsteps: [upsert_groups]\n")
	run := filepath.Join(e.dir, "run")
	if _, err := e.run(ctx, job, run, nil); err != nil {
		t.Fatal(err)
	}
	if dirState(e.srv) == dirs {
		t.Fatal("the run created nothing")
	}
	if jobs.NothingToUndo(run) {
		t.Fatal("undo.yaml says there is nothing to undo")
	}
	if _, err := e.undo(ctx, run, filepath.Join(run, "undo"), nil); err != nil {
		t.Fatal(err)
	}
	if got := dirState(e.srv); got != dirs {
		t.Errorf("after the undo: %s, want %s", got, dirs)
	}
}

// The plan of an undo that deletes the groups a run created counts each
// group's calls: the members read again before the delete (Medium) and
// the delete (Light), so the estimate an admin reads is not short.
func TestUndoPlanCountsTheMemberReadBeforeEachDelete(t *testing.T) {
	synctest.Test(t, testUndoPlanCountsTheMemberReadBeforeEachDelete)
}

func testUndoPlanCountsTheMemberReadBeforeEachDelete(t *testing.T) {
	e := newEnv(t, zoomtest.Options{NoRateLimits: true})
	ctx := context.Background()
	e.writeCSV("groups.csv", []string{"Group"}, [][]string{{"Platform"}, {"Sales"}, {"Field Ops"}})
	job := e.write("job.yaml", "version: 1\ninput: groups.csv\nfields: { group: Group }\nsteps: [upsert_groups]\n")
	run := filepath.Join(e.dir, "run")
	if _, err := e.run(ctx, job, run, nil); err != nil {
		t.Fatal(err)
	}
	sum, err := e.undo(ctx, run, filepath.Join(run, "undo"), func(o *jobs.Options) { o.DryRun = true })
	if err != nil {
		t.Fatal(err)
	}
	if sum.Plan == nil {
		t.Fatal("the dry run of the undo has no plan")
	}
	// Sales is in the sandbox already: the run created the other two.
	if got := sum.Plan.Calls[zoom.Light]; got != 2 {
		t.Errorf("Light calls planned = %d, want 2 (one delete a group the run created)", got)
	}
	if got := sum.Plan.Calls[zoom.Medium]; got != 2 {
		t.Errorf("Medium calls planned = %d, want 2 (one member read before each delete)", got)
	}
}

// Issue 26 item 2: an undo gives licenses back before the add-ons that
// need them. On a Zoom that grants add-ons to licensed users only (the
// sandbox's default), undoing a reshuffle that took webinar seats from
// users it downgraded must license them again first; users the run
// upgraded lose their add-ons and their license, and every field ends
// where it started.
func TestUndoGivesLicensesBackBeforeAddOns(t *testing.T) {
	synctest.Test(t, testUndoGivesLicensesBackBeforeAddOns)
}

func testUndoGivesLicensesBackBeforeAddOns(t *testing.T) {
	e := newEnv(t, zoomtest.Options{NoRateLimits: true})
	ctx := context.Background()
	start := accountState(e.srv)
	e.writeCSV("licenses.csv", []string{"Email", "License", "Webinar", "Large Meeting"}, [][]string{
		{"sam.seller@acme.example", "Basic", "None", ""},       // had webinar 1000: downgraded
		{"mark.eting@acme.example", "Basic", "None", "None"},   // had webinar 500 and large 200
		{"priya.patel@acme.example", "Licensed", "500", ""},    // upgraded, given a webinar
		{"tom.nguyen@acme.example", "Licensed", "", "200"},     // upgraded, given large meetings
		{"kenji.sato@acme.example", "Licensed", "1000", "500"}, // licensed already: add-ons only
	})
	data, err := os.ReadFile("../../samples/license-reshuffle/job.yaml")
	if err != nil {
		t.Fatal(err)
	}
	job := e.write("job.yaml", string(data))
	run := filepath.Join(e.dir, "run")
	sum, err := e.run(ctx, job, run, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Counts["succeeded"] != 5 {
		t.Fatalf("the run: %v", sum.Counts)
	}
	undo := filepath.Join(run, "undo")
	usum, err := e.undo(ctx, run, undo, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range readResults(t, undo) {
		if line["zb_status"] != "succeeded" {
			t.Errorf("undo: %s %s at %s (%s)", line["email"], line["zb_status"], line["zb_step"], line["zb_reason"])
		}
	}
	if usum.Counts["succeeded"] != 5 {
		t.Errorf("the undo: %v", usum.Counts)
	}
	if d := diffState(start, accountState(e.srv)); len(d) > 0 {
		yaml, _ := os.ReadFile(filepath.Join(run, "undo.yaml"))
		t.Errorf("after the undo:\n%s\nundo.yaml:\n%s", strings.Join(d, "\n"), yaml)
	}
}

// Two gaps the issue-22 work left in the undo of a move_group sync: a user
// the sync took out of several groups goes back in every one of them, and
// a group that was the user's primary one is made primary again (with or
// without a fallback group, which the undo takes the user out of).
func TestUndoOfGroupSyncPutsBackEveryGroupAndThePrimary(t *testing.T) {
	tests := []struct {
		name string
		step string
		rows [][]string
		// ada (in Engineering, her primary group, and Operations) after the run
		adaAfter []string
	}{
		{
			name:     "taken out of two groups",
			step:     "move_group: { mode: add, sync: exact }",
			rows:     [][]string{{"grace.hopper@acme.example", "Engineering"}, {"adam.admin@acme.example", "Operations"}},
			adaAfter: []string{},
		},
		{
			name:     "taken out of her primary group only",
			step:     "move_group: { mode: add, sync: exact }",
			rows:     [][]string{{"grace.hopper@acme.example", "Engineering"}, {"ada.lovelace@acme.example", "Operations"}},
			adaAfter: []string{"Operations"},
		},
		{
			name:     "moved from her primary group to a fallback",
			step:     "move_group: { mode: add, sync: exact, fallback_group: HR }",
			rows:     [][]string{{"grace.hopper@acme.example", "Engineering"}, {"ada.lovelace@acme.example", "Operations"}},
			adaAfter: []string{"HR", "Operations"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, zoomtest.ParallelBubble(func(t *testing.T) {
			e := newEnv(t, zoomtest.Options{NoRateLimits: true})
			ctx := context.Background()
			start := accountState(e.srv)
			names := map[string]string{}
			for _, g := range e.srv.Groups() {
				names[g.ID] = g.Name
			}
			adaGroups := func() []string {
				u, _ := e.srv.UserByEmail("ada.lovelace@acme.example")
				out := []string{}
				for _, id := range u.GroupIDs {
					out = append(out, names[id])
				}
				return out
			}
			if got := adaGroups(); !slices.Equal(got, []string{"Engineering", "Operations"}) {
				t.Fatalf("the seed has ada in %v", got)
			}
			e.writeCSV("users.csv", []string{"Email", "Group"}, tc.rows)
			job := e.write("job.yaml", "version: 1\ninput: users.csv\nfields: { email: Email, group: Group }\nsteps:\n  - "+tc.step+"\nlimits: { max_removals: 50 }\n")
			run := filepath.Join(e.dir, "run")
			if _, err := e.run(ctx, job, run, nil); err != nil {
				t.Fatal(err)
			}
			if got := adaGroups(); !slices.Equal(got, tc.adaAfter) {
				t.Fatalf("after the run ada is in %v, want %v", got, tc.adaAfter)
			}
			undo := filepath.Join(run, "undo")
			sum, err := e.undo(ctx, run, undo, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !sum.Counts.AsAsked() {
				t.Errorf("the undo: %v", sum.Counts)
			}
			if got := adaGroups(); !slices.Equal(got, []string{"Engineering", "Operations"}) {
				t.Errorf("after the undo ada is in %v, want [Engineering Operations] (Engineering primary)", got)
			}
			if d := diffState(start, accountState(e.srv)); len(d) > 0 {
				data, _ := os.ReadFile(filepath.Join(run, "undo.csv"))
				t.Errorf("after the undo:\n%s\nundo.csv:\n%s", strings.Join(d, "\n"), data)
			}
		}))
	}
}

// A run killed with a group's create in flight (journaled as about to be
// sent, never as made) and resumed: the resume finds the group and
// records it as the run's, so the undo deletes it too.
func TestUndoDeletesAGroupWhoseCreateWasInFlight(t *testing.T) {
	synctest.Test(t, testUndoDeletesAGroupWhoseCreateWasInFlight)
}

func testUndoDeletesAGroupWhoseCreateWasInFlight(t *testing.T) {
	e := newEnv(t, zoomtest.Options{NoRateLimits: true})
	ctx := context.Background()
	users, dirs := accountState(e.srv), dirState(e.srv)
	e.writeCSV("users.csv", []string{"Email", "Group", "Division"}, [][]string{
		{"alan.turing@acme.example", "Platform", "Nordics"},
		{"grace.hopper@acme.example", "Platform", "Nordics"},
	})
	job := e.write("job.yaml", fmt.Sprintf(createMissingJob, "true"))
	run := filepath.Join(e.dir, "run")
	if _, err := e.run(ctx, job, run, nil); err != nil {
		t.Fatal(err)
	}
	// Keep the journal up to the first create's "creating" record: the
	// process died once the create was sent.
	path := filepath.Join(run, "journal.jsonl")
	var kept []string
	for line := range strings.Lines(readFile(t, path)) {
		kept = append(kept, line)
		if strings.Contains(line, `"type":"creating"`) {
			break
		}
	}
	if !strings.Contains(kept[len(kept)-1], `"type":"creating"`) {
		t.Fatal("the journal has no creating record")
	}
	if err := os.WriteFile(path, []byte(strings.Join(kept, "")), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"run.json", "results.csv", "results.xlsx", "failed.csv", jobs.UndoCSV, jobs.UndoYAML} {
		os.Remove(filepath.Join(run, name))
	}
	// The account as that process left it: Platform made, nothing else.
	ids := map[string]string{}
	for _, g := range e.srv.Groups() {
		ids[g.Name] = g.ID
	}
	for _, d := range e.srv.Divisions() {
		ids[d.Name] = d.ID
	}
	for email, div := range map[string]string{"alan.turing@acme.example": "EMEA", "grace.hopper@acme.example": "Americas"} {
		if err := e.client.MoveGroupMember(ctx, ids["Platform"], email, ids["Engineering"]); err != nil {
			t.Fatal(err)
		}
		if _, err := e.client.AssignDivision(ctx, ids[div], []zoom.DivisionUser{{Email: email}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.client.DeleteDivision(ctx, ids["Nordics"]); err != nil {
		t.Fatal(err)
	}
	if d := diffState(users, accountState(e.srv)); len(d) > 0 {
		t.Fatalf("the simulated account:\n%s", strings.Join(d, "\n"))
	}
	if _, err := e.run(ctx, job, run, func(o *jobs.Options) { o.Resume = true }); err != nil {
		t.Fatal(err)
	}
	if _, err := e.undo(ctx, run, filepath.Join(run, "undo"), nil); err != nil {
		t.Fatal(err)
	}
	if got := dirState(e.srv); got != dirs {
		t.Errorf("after the undo: %s, want %s\nundo.yaml:\n%s", got, dirs, readFile(t, filepath.Join(run, jobs.UndoYAML)))
	}
	if d := diffState(users, accountState(e.srv)); len(d) > 0 {
		t.Errorf("after the undo:\n%s", strings.Join(d, "\n"))
	}
}
