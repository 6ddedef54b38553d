package jobs_test

import (
	"context"
	"encoding/json"
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
	"github.com/zoombulk/zoombulk/internal/results"
	"github.com/zoombulk/zoombulk/internal/zoom"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// accountState is every user's fields as a user would compare them, by
// email (creation times and logins aside).
func accountState(srv *zoomtest.Server) map[string]string {
	out := map[string]string{}
	for _, u := range srv.Users() {
		feats := make([]string, 0, len(u.Features))
		for k, v := range u.Features {
			feats = append(feats, k+"="+v)
		}
		slices.Sort(feats)
		out[strings.ToLower(u.Email)] = fmt.Sprintf("type=%d status=%s name=%q/%q/%q dept=%q title=%q loc=%q company=%q manager=%q tz=%q lang=%q phone=%q cc=%q pmi=%d groups=%v div=%s feat=%v assistants=%v",
			u.Type, u.Status, u.FirstName, u.LastName, u.DisplayName, u.Dept, u.JobTitle, u.Location, u.Company, u.Manager,
			u.Timezone, u.Language, u.PhoneNumber, u.CostCenter, u.PMI, u.GroupIDs, u.DivisionID, feats, u.Assistants)
	}
	return out
}

// settingsState is every user's settings, as Get user settings answers.
func settingsState(t *testing.T, e *env) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, u := range e.srv.Users() {
		s, err := e.client.GetSettings(context.Background(), u.ID)
		if err != nil {
			t.Fatal(err)
		}
		data, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		out[strings.ToLower(u.Email)] = string(data)
	}
	return out
}

// diffState lists the users whose fields differ.
func diffState(want, got map[string]string) []string {
	var out []string
	for k, v := range want {
		if got[k] != v {
			out = append(out, fmt.Sprintf("%s:\n  want %s\n  got  %s", k, v, got[k]))
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok {
			out = append(out, fmt.Sprintf("%s: not in the starting state: %s", k, v))
		}
	}
	slices.Sort(out)
	return out
}

// undo runs the undo job of a run folder.
func (e *env) undo(ctx context.Context, runDir, out string, tweak func(*jobs.Options)) (*jobs.Summary, error) {
	e.t.Helper()
	path, err := jobs.UndoJobPath(runDir)
	if err != nil {
		e.t.Fatal(err)
	}
	job, err := jobfile.Load(path)
	if err != nil {
		data, _ := os.ReadFile(path)
		e.t.Fatalf("%v\n%s", err, data)
	}
	r := &jobs.Runner{Client: e.client, Job: job, Opts: jobs.Options{OutDir: out, Version: "test", Undo: true}}
	if tweak != nil {
		tweak(&r.Opts)
	}
	return r.Run(ctx)
}

func TestUndoLicenseReshuffleRestoresTheAccount(t *testing.T) {
	synctest.Test(t, testUndoLicenseReshuffleRestoresTheAccount)
}

func testUndoLicenseReshuffleRestoresTheAccount(t *testing.T) {
	e := newEnv(t, zoomtest.Options{NoRateLimits: true})
	start := accountState(e.srv)
	run := filepath.Join(e.dir, "run")
	sum, err := e.run(context.Background(), "../../samples/license-reshuffle/job.yaml", run, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Counts["succeeded"] == 0 {
		t.Fatalf("the sample changed nothing: %v", sum.Counts)
	}
	if len(diffState(start, accountState(e.srv))) == 0 {
		t.Fatal("the run left the account as it was")
	}
	usum, err := e.undo(context.Background(), run, filepath.Join(run, "undo"), nil)
	if err != nil {
		data, _ := os.ReadFile(filepath.Join(run, "undo.csv"))
		t.Fatalf("%v\n%s", err, data)
	}
	if d := diffState(start, accountState(e.srv)); len(d) > 0 {
		data, _ := os.ReadFile(filepath.Join(run, "undo.csv"))
		t.Errorf("after undo the account differs from the start:\n%s\nundo.csv:\n%s", strings.Join(d, "\n"), data)
	}
	if !usum.Counts.AsAsked() {
		t.Errorf("undo rows: %v", usum.Counts)
	}
	// Undoing again finds everything as it was: no call.
	before := writes(e.srv.Stats())
	if _, err := e.undo(context.Background(), run, filepath.Join(run, "undo2"), nil); err != nil {
		t.Fatal(err)
	}
	if n := writes(e.srv.Stats()) - before; n != 0 {
		t.Errorf("a second undo spent %d write calls", n)
	}
}

// The migration sample creates users, seats them, and puts them in groups
// and divisions. Its undo keeps the created users unless told to delete
// them; with --allow-delete the account is as it was.
func TestUndoMigrationKeepsOrDeletesCreatedUsers(t *testing.T) {
	synctest.Test(t, testUndoMigrationKeepsOrDeletesCreatedUsers)
}

func testUndoMigrationKeepsOrDeletesCreatedUsers(t *testing.T) {
	e := newEnv(t, zoomtest.Options{NoRateLimits: true})
	start := accountState(e.srv)
	run := filepath.Join(e.dir, "run")
	sum, err := e.run(context.Background(), "../../samples/migration/job.yaml", run, nil)
	if err != nil && sum == nil {
		t.Fatal(err)
	}
	created := len(accountState(e.srv)) - len(start)
	if created == 0 {
		t.Fatal("the migration created no user")
	}

	// Without --allow-delete: every created user is kept, and said so.
	before := writes(e.srv.Stats())
	ksum, err := e.undo(context.Background(), run, filepath.Join(run, "undo"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := ksum.Counts["kept"]; got != created {
		t.Errorf("kept %d rows, want the %d users the run created (%v)", got, created, ksum.Counts)
	}
	if !slices.ContainsFunc(ksum.Plan.Warnings, func(w string) bool { return strings.Contains(w, "will be kept") }) {
		t.Errorf("the undo plan does not say the created users are kept: %q", ksum.Plan.Warnings)
	}
	if n := len(accountState(e.srv)) - len(start); n != created {
		t.Errorf("%d created users left, want %d", n, created)
	}
	if n := writes(e.srv.Stats()) - before; n != 0 {
		t.Errorf("an undo of a migration of new users spent %d write calls without --allow-delete", n)
	}

	// With --allow-delete: the account is as it was.
	if _, err := e.undo(context.Background(), run, filepath.Join(run, "undo-delete"), func(o *jobs.Options) { o.AllowDelete = true }); err != nil {
		t.Fatal(err)
	}
	if d := diffState(start, accountState(e.srv)); len(d) > 0 {
		t.Errorf("after undo --allow-delete the account differs from the start:\n%s", strings.Join(d, "\n"))
	}
}

// A field a third party changed after the run is left as found, and the
// row says conflict with both values; the rest is put back.
func TestUndoLeavesAFieldChangedSinceTheRun(t *testing.T) {
	synctest.Test(t, testUndoLeavesAFieldChangedSinceTheRun)
}

func testUndoLeavesAFieldChangedSinceTheRun(t *testing.T) {
	e := newEnv(t, zoomtest.Options{NoRateLimits: true})
	start := accountState(e.srv)
	e.writeCSV("in.csv", []string{"Email", "Dept", "Title"}, [][]string{
		{"alan.turing@acme.example", "Research", "Fellow"},
		{"grace.hopper@acme.example", "Navy", "Admiral"},
	})
	job := e.write("job.yaml", "version: 1\ninput: in.csv\nfields:\n  email: Email\n  dept: Dept\n  job_title: Title\nsteps:\n  - update_users\n")
	run := filepath.Join(e.dir, "run")
	if _, err := e.run(context.Background(), job, run, nil); err != nil {
		t.Fatal(err)
	}
	// Someone else moves Alan to another department.
	third := e.write("third.yaml", "version: 1\ninput: third.csv\nfields:\n  email: Email\n  dept: Dept\nsteps:\n  - update_users\n")
	e.writeCSV("third.csv", []string{"Email", "Dept"}, [][]string{{"alan.turing@acme.example", "Security"}})
	if _, err := e.run(context.Background(), third, filepath.Join(e.dir, "third"), nil); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(run, "undo")
	sum, err := e.undo(context.Background(), run, out, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Counts["conflict"] != 1 || sum.Counts["succeeded"] != 1 {
		t.Errorf("undo rows %v, want 1 conflict and 1 succeeded", sum.Counts)
	}
	lines := readResults(t, out)
	alan := lines[slices.IndexFunc(lines, func(m map[string]string) bool { return m["email"] == "alan.turing@acme.example" })]
	if alan["zb_status"] != "conflict" || !strings.Contains(alan["zb_reason"], `found "Security"`) || !strings.Contains(alan["zb_reason"], `had set "Research"`) {
		t.Errorf("alan: %s %q", alan["zb_status"], alan["zb_reason"])
	}
	u, _ := e.srv.UserByEmail("alan.turing@acme.example")
	if u.Dept != "Security" {
		t.Errorf("the undo overwrote the third party's dept: %q", u.Dept)
	}
	// The field nobody touched since is put back.
	s, _ := e.srv.UserByEmail("alan.turing@acme.example")
	want := accountState(e.srv)
	if got := start["grace.hopper@acme.example"]; want["grace.hopper@acme.example"] != got {
		t.Errorf("grace not restored:\n want %s\n got  %s", got, want["grace.hopper@acme.example"])
	}
	if strings.Contains(start["alan.turing@acme.example"], "title=\"Fellow\"") || s.JobTitle == "Fellow" {
		t.Errorf("alan's job title was not put back: %q", s.JobTitle)
	}
	changes, _ := os.ReadFile(filepath.Join(out, "changes.csv"))
	if !strings.Contains(string(changes), "conflict") {
		t.Errorf("changes.csv does not list the conflict:\n%s", changes)
	}
	// A conflict needs a look: failed.csv, the console's list and the
	// exit code all say so (failed.csv used to leave it out).
	failed := readCSVFile(t, filepath.Join(out, "failed.csv"))
	if len(failed) != 1 || failed[0]["email"] != "alan.turing@acme.example" {
		t.Errorf("failed.csv lists %v, want alan's conflict alone", failed)
	}
	if len(sum.Failed) != 1 || sum.Failed[0].Status != results.Conflict {
		t.Errorf("the console lists %+v, want alan's conflict", sum.Failed)
	}
	if code := sum.Counts.ExitCode(); code != results.ExitFailed {
		t.Errorf("the undo exits %d, want %d", code, results.ExitFailed)
	}
}

// TestUndoOfEveryStepKind runs each step kind on one row, then the run's
// undo, and checks the account is as it was before the run (and that a
// second undo finds nothing to do). Deleted users cannot come back: both
// plans say so.
func TestUndoOfEveryStepKind(t *testing.T) {
	cases := []struct {
		name  string
		step  string
		email string
		cells map[string]string
		setup func(*env) // the account before the run, when the seed is not it
	}{
		{"create_users/created", "create_users", "nobody@acme.example", map[string]string{"First": "No", "Last": "Body", "License": "1"}, nil},
		{"create_users/if_exists update", "create_users: { if_exists: update }", "linus.berg@acme.example", map[string]string{"First": "Linus", "Last": "Berg", "License": "2", "Dept": "Platform"}, nil},
		{"update_users/profile and type", "update_users", "alan.turing@acme.example", map[string]string{"Dept": "Research", "License": "1"}, nil},
		{"update_users/clear a field", "update_users", "alan.turing@acme.example", map[string]string{"Dept": "<clear>"}, nil},
		{"set_status/deactivate", "set_status", "grace.hopper@acme.example", map[string]string{"Status": "inactive"}, nil},
		{"set_status/activate", "set_status", "fatima.okafor@acme.example", map[string]string{"Status": "active"}, nil},
		{"update_features/user_type", "update_features: [ user_type ]", "linus.berg@acme.example", map[string]string{"Seat": "2"}, nil},
		{"update_features/webinar off", "update_features: [ webinar ]", "sam.seller@acme.example", map[string]string{"Webinar": "0"}, nil},
		{"update_features/webinar on", "update_features: [ webinar ]", "grace.hopper@acme.example", map[string]string{"Webinar": "128"}, nil},
		{"update_features/large_meeting change", "update_features: [ large_meeting ]", "grace.hopper@acme.example", map[string]string{"Large": "256"}, nil},
		{"move_group/move", "move_group", "sam.seller@acme.example", map[string]string{"Group": "Marketing"}, nil},
		{"move_group/no group before", "move_group", "ivy.nogroup@acme.example", map[string]string{"Group": "Marketing"}, nil},
		{"move_group/add", "move_group: { mode: add }", "sam.seller@acme.example", map[string]string{"Group": "Marketing"}, nil},
		{"move_group/set_primary", "move_group: { mode: set_primary }", "ada.lovelace@acme.example", map[string]string{"Group": "Operations"}, nil},
		{"assign_division", "assign_division", "kenji.sato@acme.example", map[string]string{"Division": "EMEA"}, nil},
		{"change_email", "change_email", "alan.turing@acme.example", map[string]string{"New": "alan.t@acme.example", "Dept": "Research"}, nil},
		{"set_assistants/none before", "set_assistants", "grace.hopper@acme.example", map[string]string{"Assistants": "alan.turing@acme.example; ada.lovelace@acme.example"}, nil},
		{"set_assistants/exact", "set_assistants: { sync: exact }", "sam.seller@acme.example", map[string]string{"Assistants": "kenji.sato@acme.example"}, func(e *env) {
			if err := e.client.AddAssistants(context.Background(), "sam.seller@acme.example", []zoom.Assistant{{Email: "maria.garcia@acme.example"}}); err != nil {
				e.t.Fatal(err)
			}
		}},
	}
	header := []string{"Email", "First", "Last", "License", "Dept", "Status", "Group", "Division", "Seat", "Webinar", "Large", "New", "Assistants"}
	for _, c := range cases {
		t.Run(c.name, zoomtest.ParallelBubble(func(t *testing.T) {
			e := newEnv(t, zoomtest.Options{NoRateLimits: true})
			if c.setup != nil {
				c.setup(e)
			}
			start := accountState(e.srv)
			row := []string{c.email}
			for _, h := range header[1:] {
				row = append(row, c.cells[h])
			}
			e.writeCSV("in.csv", header, [][]string{row})
			job := e.write("job.yaml", `version: 1
input: in.csv
fields:
  email: Email
  first_name: First
  last_name: Last
  type: License
  dept: Dept
  status: Status
  group: Group
  division: Division
  user_type: Seat
  webinar: Webinar
  large_meeting: Large
  new_email: New
  assistants: Assistants
steps:
  - `+c.step+"\n")
			run := filepath.Join(e.dir, "run")
			sum, err := e.run(context.Background(), job, run, nil)
			if err != nil {
				t.Fatal(err)
			}
			if sum.Counts["succeeded"] != 1 {
				t.Fatalf("the run did not change the row: %v %v", sum.Counts, sum.Failed)
			}
			if _, err := e.undo(context.Background(), run, filepath.Join(run, "undo"), func(o *jobs.Options) { o.AllowDelete = true }); err != nil {
				t.Fatal(err)
			}
			if d := diffState(start, accountState(e.srv)); len(d) > 0 {
				data, _ := os.ReadFile(filepath.Join(run, "undo.csv"))
				t.Errorf("after undo:\n%s\nundo.csv:\n%s", strings.Join(d, "\n"), data)
			}
			before := writes(e.srv.Stats())
			if _, err := e.undo(context.Background(), run, filepath.Join(run, "undo2"), func(o *jobs.Options) { o.AllowDelete = true }); err != nil {
				t.Fatal(err)
			}
			if n := writes(e.srv.Stats()) - before; n != 0 {
				t.Errorf("a second undo spent %d write calls", n)
			}
		}))
	}

	t.Run("delete_users", zoomtest.ParallelBubble(func(t *testing.T) {
		e := newEnv(t, zoomtest.Options{NoRateLimits: true})
		e.writeCSV("in.csv", []string{"Email"}, [][]string{{"dan.dormant@acme.example"}})
		job := e.write("job.yaml", "version: 1\ninput: in.csv\nfields:\n  email: Email\nsteps:\n  - delete_users\n")
		run := filepath.Join(e.dir, "run")
		sum, err := e.run(context.Background(), job, run, func(o *jobs.Options) { o.AllowDelete = true })
		if err != nil {
			t.Fatal(err)
		}
		cannot := func(ws []string) bool {
			return slices.ContainsFunc(ws, func(w string) bool { return strings.Contains(w, "cannot") })
		}
		if !cannot(sum.Plan.Warnings) {
			t.Errorf("the run's plan does not warn that an undo cannot bring the user back: %q", sum.Plan.Warnings)
		}
		path, err := jobs.UndoJobPath(run)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := os.ReadFile(filepath.Join(run, "undo.csv"))
		if !strings.Contains(string(data), "dan.dormant@acme.example") {
			t.Errorf("undo.csv does not name the deleted user:\n%s", data)
		}
		if _, err := jobfile.Load(path); err == nil {
			t.Log("undo.yaml loads with no step") // the CLI says "nothing to undo" for it
		}
	}))
}

// A run interrupted and resumed records one before-image across both
// parts: its undo puts the account back as it was before the first part.
func TestUndoOfAResumedRun(t *testing.T) {
	t.Parallel()
	synctest.Test(t, testUndoOfAResumedRun)
}

func testUndoOfAResumedRun(t *testing.T) {
	e := newEnv(t, zoomtest.Options{Tier: "business"})
	start := accountState(e.srv)
	rows := mixedRows(e.srv, 40)
	e.writeCSV("users.csv", mixedHeader, rows)
	jobPath := e.write("job.yaml", mixedJob)
	out := filepath.Join(e.dir, "out")
	ctx, cancel := context.WithCancel(context.Background())
	// Stop the run the moment the sandbox has applied its 15th create
	// (the channel closes under the sandbox's lock), not at a poll.
	reached := e.srv.AppliedReached("POST /users", 15)
	go func() {
		select {
		case <-ctx.Done():
			return // the run ended first
		case <-reached:
		}
		cancel()
	}()
	_, err := e.run(ctx, jobPath, out, nil)
	cancel()
	if !errors.Is(err, jobs.ErrAborted) {
		t.Fatalf("err = %v, want ErrAborted", err)
	}
	if _, err := e.run(context.Background(), jobPath, out, func(o *jobs.Options) { o.Resume = true }); err != nil {
		t.Fatal(err)
	}
	if _, err := e.undo(context.Background(), out, filepath.Join(out, "undo"), func(o *jobs.Options) { o.AllowDelete = true }); err != nil {
		t.Fatal(err)
	}
	if d := diffState(start, accountState(e.srv)); len(d) > 0 {
		t.Errorf("after undo of the resumed run:\n%s", strings.Join(d, "\n"))
	}
}

// Issue 15 item 1: settings are in the before-image, and an undo puts them
// back.
func TestUndoOfUpdateSettings(t *testing.T) {
	synctest.Test(t, testUndoOfUpdateSettings)
}

func testUndoOfUpdateSettings(t *testing.T) {
	e := newEnv(t, zoomtest.Options{NoRateLimits: true})
	ctx := context.Background()
	paths := []string{"in_meeting.waiting_room", "recording.auto_recording"}
	read := func() []string {
		s, err := e.client.GetSettings(ctx, "alan.turing@acme.example")
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, p := range paths {
			v, _ := s.Get(p)
			out = append(out, fmt.Sprint(v))
		}
		return out
	}
	start := read()
	want := []string{"true", "cloud"}
	if start[0] == "true" {
		want[0] = "false"
	}
	if start[1] == "cloud" {
		want[1] = "local"
	}
	e.writeCSV("in.csv", []string{"Email", "WR", "Auto"}, [][]string{{"alan.turing@acme.example", want[0], want[1]}})
	job := e.write("job.yaml", "version: 1\ninput: in.csv\nfields: {email: Email, settings.in_meeting.waiting_room: WR, settings.recording.auto_recording: Auto}\nsteps: [update_settings]\n")
	run := filepath.Join(e.dir, "run")
	if _, err := e.run(ctx, job, run, nil); err != nil {
		t.Fatal(err)
	}
	if got := read(); !slices.Equal(got, want) {
		t.Fatalf("after the run: %v, want %v", got, want)
	}
	if _, err := e.undo(ctx, run, filepath.Join(run, "undo"), nil); err != nil {
		t.Fatal(err)
	}
	if got := read(); !slices.Equal(got, start) {
		t.Errorf("after the undo: %v, want the start %v", got, start)
	}
}

// Every sample job that changes users, run on the sample account (the
// sandbox as strict as Zoom: add-ons for licensed users only) and then
// undone (deleting the users it created), leaves every user as it was,
// field for field, features and settings included, and every group,
// division and contact group.
func TestSampleRunsUndoToTheStart(t *testing.T) {
	samples := []string{
		"migration/job.yaml",
		"license-reshuffle/job.yaml",
		"domain-rename/job.yaml",
		"recording-policy/job.yaml",
		"offboarding/deactivate.yaml",
	}
	for _, sample := range samples {
		t.Run(sample, zoomtest.ParallelBubble(func(t *testing.T) {
			e := newEnv(t, zoomtest.Options{NoRateLimits: true})
			ctx := context.Background()
			users, contacts, dirs, settings := accountState(e.srv), contactState(e.srv), dirState(e.srv), settingsState(t, e)
			run := filepath.Join(e.dir, "run")
			sum, err := e.run(ctx, filepath.Join("..", "..", "samples", sample), run, nil)
			if err != nil {
				t.Fatal(err)
			}
			if sum.Counts["succeeded"] == 0 {
				t.Fatalf("the sample changed nothing: %v", sum.Counts)
			}
			if _, err := e.undo(ctx, run, filepath.Join(run, "undo"), func(o *jobs.Options) { o.AllowDelete = true }); err != nil {
				t.Fatal(err)
			}
			d := append(diffState(users, accountState(e.srv)), diffState(contacts, contactState(e.srv))...)
			d = append(d, diffState(settings, settingsState(t, e))...)
			if got := dirState(e.srv); got != dirs {
				d = append(d, "directory: "+got+"\n  want "+dirs)
			}
			if len(d) > 0 {
				data, _ := os.ReadFile(filepath.Join(run, "undo.yaml"))
				t.Errorf("after undo:\n%s\nundo.yaml:\n%s", strings.Join(d, "\n"), data)
			}
		}))
	}
}
