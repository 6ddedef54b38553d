package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/zoombulk/zoombulk/internal/zoom"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// deptJob moves four engineers to the Platform department; Linus is
// listed with his own department, so the plan has four updates.
const deptJob = `version: 1
name: dept
input: dept.csv
fields:
  email: Email
  dept: Department
steps:
  - update_users
`

const deptCSV = `Email,Department
grace.hopper@acme.example,Platform
alan.turing@acme.example,Platform
ada.lovelace@acme.example,Platform
olivia.owner@acme.example,Platform
linus.berg@acme.example,Engineering
`

var deptMovers = []string{"grace.hopper@acme.example", "alan.turing@acme.example", "ada.lovelace@acme.example", "olivia.owner@acme.example"}

// planDept makes the dry run an approver signs: exit 0, run.json records
// the plan.
func planDept(t *testing.T, e *runEnv) (job, plan string) {
	t.Helper()
	e.file("dept.csv", deptCSV)
	job = e.file("job.yaml", deptJob)
	plan = filepath.Join(e.dir, "plan")
	if code, out := e.main(nil, "run", job, "--dry-run", "--tier", "business", "--out", plan); code != ExitOK {
		t.Fatalf("dry run: exit %d\n%s", code, out)
	}
	return job, plan
}

func dept(t *testing.T, e *runEnv, email string) string {
	t.Helper()
	u, ok := e.srv.UserByEmail(email)
	if !ok {
		t.Fatalf("%s is not in the account", email)
	}
	return u.Dept
}

// The case: a dry run, then one user changed through the API,
// then apply: every other row applied, that row conflict (with before,
// now and planned values), writes = planned - 1, and undo of the applied
// plan puts the others back.
func TestApplyLeavesTheRowChangedSinceThePlan(t *testing.T) {
	synctest.Test(t, testApplyLeavesTheRowChangedSinceThePlan)
}

func testApplyLeavesTheRowChangedSinceThePlan(t *testing.T) {
	e := newMemRunEnv(t, zoomtest.Options{NoRateLimits: true})
	_, plan := planDept(t, e)
	changes, err := os.ReadFile(filepath.Join(plan, "changes.csv"))
	if err != nil {
		t.Fatal(err)
	}
	var info struct {
		PlanOnly bool `json:"plan_only"`
		Account  string
		Plan     struct {
			ChangesSHA256 string `json:"changes_sha256"`
			Writes        int    `json:"writes"`
		} `json:"plan"`
	}
	readJSON(t, filepath.Join(plan, "run.json"), &info)
	if !info.PlanOnly || len(info.Plan.ChangesSHA256) != 64 || info.Plan.Writes != 4 {
		t.Fatalf("run.json of the dry run does not record the plan (4 writes, changes.csv's hash): %+v", info)
	}

	// Between approval and apply, someone moves Grace to Research.
	client := zoomtest.NewClient(t, e.srv, nil)
	if err := client.UpdateUser(context.Background(), "grace.hopper@acme.example", map[string]any{"dept": "Research"}); err != nil {
		t.Fatal(err)
	}
	code, out := e.main(nil, "apply", plan, "--check", "--tier", "business")
	if code != ExitDrift || !strings.Contains(out, "1 row changed since the plan") || !strings.Contains(out, `now "Research"`) {
		t.Errorf("apply --check after the change: exit %d, want 5 naming the row\n%s", code, out)
	}

	e.srv.ResetStats()
	code, out = e.main(nil, "apply", plan, "--yes", "--tier", "business")
	if code != ExitPartial {
		t.Fatalf("apply: exit %d, want 1 (a row in conflict)\n%s", code, out)
	}
	if n := writes(e.srv.Stats()); n != info.Plan.Writes-1 {
		t.Errorf("apply sent %d writes, want the plan's %d less the conflict", n, info.Plan.Writes-1)
	}
	if got := dept(t, e, "grace.hopper@acme.example"); got != "Research" {
		t.Errorf("the conflicting row was applied: Grace's department is %q", got)
	}
	for _, m := range deptMovers[1:] {
		if got := dept(t, e, m); got != "Platform" {
			t.Errorf("%s: department %q, want Platform", m, got)
		}
	}
	want := `dept: before the plan "Engineering", now "Research", planned "Platform"`
	if !strings.Contains(out, want) {
		t.Errorf("the output does not show the conflict's three values (%s):\n%s", want, out)
	}
	rows := readResults(t, filepath.Join(plan, "results.csv"))
	if st := rows["grace.hopper@acme.example"]; st[0] != "conflict" || !strings.Contains(st[1], want) {
		t.Errorf("results.csv: Grace's row is %q, want conflict with %s", st, want)
	}
	for _, m := range deptMovers[1:] {
		if st := rows[m]; st[0] != "succeeded" {
			t.Errorf("results.csv: %s is %q, want succeeded", m, st)
		}
	}
	if st := rows["linus.berg@acme.example"]; st[0] != "unchanged" {
		t.Errorf("results.csv: Linus is %q, want unchanged", st)
	}
	// The approved plan's files are kept as signed.
	if now, _ := os.ReadFile(filepath.Join(plan, "changes.csv")); string(now) != string(changes) {
		t.Errorf("apply rewrote the approved changes.csv")
	}
	// Applied once: a second apply is refused, sending nothing.
	e.srv.ResetStats()
	if code, out := e.main(nil, "apply", plan, "--yes", "--tier", "business"); code != ExitUsage || !strings.Contains(out, "applied") || writes(e.srv.Stats()) != 0 {
		t.Errorf("a second apply: exit %d, %d writes\n%s", code, writes(e.srv.Stats()), out)
	}
	// zoombulk results rebuilds the folder's files and keeps the plan's
	// record: still applied, still refused.
	if code, out := e.main(nil, "results", plan); code != ExitPartial {
		t.Errorf("results of the applied plan: exit %d, want 1 (a conflict)\n%s", code, out)
	}
	var rebuilt struct {
		Plan *struct {
			ChangesSHA256 string `json:"changes_sha256"`
		} `json:"plan"`
	}
	readJSON(t, filepath.Join(plan, "run.json"), &rebuilt)
	if rebuilt.Plan == nil || rebuilt.Plan.ChangesSHA256 != info.Plan.ChangesSHA256 {
		t.Errorf("zoombulk results dropped the plan's record from run.json")
	}
	// The plan folder is the run folder: undo puts the three back.
	if code, out := e.main(nil, "undo", plan, "--yes", "--tier", "business"); code != ExitOK {
		t.Fatalf("undo of the applied plan: exit %d\n%s", code, out)
	}
	for _, m := range deptMovers[1:] {
		if got := dept(t, e, m); got != "Engineering" && got != "IT" {
			t.Errorf("after undo %s is in %q", m, got)
		}
	}
	if got := dept(t, e, "grace.hopper@acme.example"); got != "Research" {
		t.Errorf("undo touched the row apply left: %q", got)
	}
}

// What apply refuses, each with exit 2 and no write: an edited
// changes.csv, a plan from another account, a plan older than --max-age,
// a job changed since the plan. A clean plan checks clean (exit 0).
func TestApplyRefuses(t *testing.T) {
	for _, tc := range []struct {
		name  string
		spoil func(t *testing.T, e *runEnv, job, plan string) *runEnv // returns the env apply runs in
		args  []string
		says  string
	}{
		{name: "edited changes.csv", says: "not the file the dry run wrote", spoil: func(t *testing.T, e *runEnv, _, plan string) *runEnv {
			p := filepath.Join(plan, "changes.csv")
			data, _ := os.ReadFile(p)
			os.WriteFile(p, []byte(strings.Replace(string(data), "Platform", "Platforms", 1)), 0o644)
			return e
		}},
		{name: "another account", says: "second-account", spoil: func(t *testing.T, e *runEnv, _, _ string) *runEnv {
			b := newMemRunEnv(t, zoomtest.Options{NoRateLimits: true, AccountID: "second-account"})
			b.dir = e.dir
			return b
		}},
		{name: "too old", says: "--max-age", spoil: func(t *testing.T, e *runEnv, _, plan string) *runEnv {
			ageRunJSON(t, plan, 25*time.Hour)
			return e
		}},
		{name: "older than --max-age 1h", args: []string{"--max-age", "1h"}, says: "up to 1h0m0s old", spoil: func(t *testing.T, e *runEnv, _, plan string) *runEnv {
			ageRunJSON(t, plan, 2*time.Hour)
			return e
		}},
		{name: "job changed", says: "changed since", spoil: func(t *testing.T, e *runEnv, job, _ string) *runEnv {
			os.WriteFile(job, []byte(deptJob+"# edited\n"), 0o644)
			return e
		}},
		{name: "not a plan folder", says: "holds no plan", spoil: func(t *testing.T, e *runEnv, _, plan string) *runEnv {
			os.Remove(filepath.Join(plan, "run.json"))
			return e
		}},
	} {
		t.Run(tc.name, zoomtest.Bubble(func(t *testing.T) {
			e := newMemRunEnv(t, zoomtest.Options{NoRateLimits: true})
			job, plan := planDept(t, e)
			if code, out := e.main(nil, "apply", plan, "--check", "--tier", "business"); code != ExitOK || !strings.Contains(out, "applies cleanly") {
				t.Fatalf("apply --check of a fresh plan: exit %d\n%s", code, out)
			}
			at := tc.spoil(t, e, job, plan)
			at.srv.ResetStats()
			args := append([]string{"apply", plan, "--yes", "--tier", "business"}, tc.args...)
			code, out := at.main(nil, args...)
			if code != ExitUsage || !strings.Contains(out, tc.says) {
				t.Errorf("exit %d, want 2 saying %q:\n%s", code, tc.says, out)
			}
			if n := writes(at.srv.Stats()); n != 0 {
				t.Errorf("%d writes sent", n)
			}
			for _, m := range deptMovers {
				if got := dept(t, e, m); got == "Platform" {
					t.Errorf("%s was moved", m)
				}
			}
		}))
	}
}

// A plan older than the default is applied when --max-age allows it.
func TestApplyMaxAgeAllowsAnOlderPlan(t *testing.T) {
	synctest.Test(t, testApplyMaxAgeAllowsAnOlderPlan)
}

func testApplyMaxAgeAllowsAnOlderPlan(t *testing.T) {
	e := newMemRunEnv(t, zoomtest.Options{NoRateLimits: true})
	_, plan := planDept(t, e)
	ageRunJSON(t, plan, 30*time.Hour)
	if code, out := e.main(nil, "apply", plan, "--yes", "--max-age", "72h", "--tier", "business"); code != ExitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	for _, m := range deptMovers {
		if got := dept(t, e, m); got != "Platform" {
			t.Errorf("%s: department %q, want Platform", m, got)
		}
	}
}

// ageRunJSON moves the plan's time back, as if it were made age ago
// (run.json is not what the hash guards: changes.csv is).
func ageRunJSON(t *testing.T, plan string, age time.Duration) {
	t.Helper()
	p := filepath.Join(plan, "run.json")
	var m map[string]any
	readJSON(t, p, &m)
	m["plan"].(map[string]any)["planned_at"] = time.Now().Add(-age).UTC().Format(time.RFC3339)
	data, _ := json.Marshal(m)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatal(err)
	}
}

// readResults maps each row's email to its zb_status and zb_reason.
func readResults(t *testing.T, path string) map[string][2]string {
	t.Helper()
	rows := exportReadCSV(t, path)
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	out := map[string][2]string{}
	for _, r := range rows[1:] {
		out[r[col["Email"]]] = [2]string{r[col["zb_status"]], r[col["zb_reason"]]}
	}
	return out
}

// A plan that removes users needs --allow-delete on apply's command line
// too, as on run's: every time.
func TestApplyOfARemovalNeedsAllowDelete(t *testing.T) {
	synctest.Test(t, testApplyOfARemovalNeedsAllowDelete)
}

func testApplyOfARemovalNeedsAllowDelete(t *testing.T) {
	e := newMemRunEnv(t, zoomtest.Options{NoRateLimits: true})
	e.file("leavers.csv", "Email\ntom.nguyen@acme.example\n")
	job := e.file("job.yaml", "version: 1\nname: leavers\ninput: leavers.csv\nfields:\n  email: Email\nsteps:\n  - delete_users: { action: disassociate }\n")
	plan := filepath.Join(e.dir, "plan")
	if code, out := e.main(nil, "run", job, "--dry-run", "--allow-delete", "--tier", "business", "--out", plan); code != ExitOK {
		t.Fatalf("dry run: exit %d\n%s", code, out)
	}
	if code, out := e.main(nil, "apply", plan, "--yes", "--tier", "business"); code != ExitUsage || !strings.Contains(out, "--allow-delete") {
		t.Errorf("apply without --allow-delete: exit %d, want 2 naming the flag\n%s", code, out)
	}
	if _, ok := e.srv.UserByEmail("tom.nguyen@acme.example"); !ok {
		t.Fatalf("the user was removed without --allow-delete")
	}
	if code, out := e.main(nil, "apply", plan, "--yes", "--allow-delete", "--tier", "business"); code != ExitOK {
		t.Fatalf("apply --allow-delete: exit %d\n%s", code, out)
	}
	if _, ok := e.srv.UserByEmail("tom.nguyen@acme.example"); ok {
		t.Errorf("apply --allow-delete left the user in the account")
	}
}

// A sync's removals are part of what is approved: a member who joined
// the group after the plan is not taken out by apply (a conflict); the
// approved removals go ahead.
func TestApplyDoesNotRemoveMembersThePlanDidNotList(t *testing.T) {
	synctest.Test(t, testApplyDoesNotRemoveMembersThePlanDidNotList)
}

func testApplyDoesNotRemoveMembersThePlanDidNotList(t *testing.T) {
	e := newMemRunEnv(t, zoomtest.Options{NoRateLimits: true})
	e.file("sales.csv", "Email,Group\nsam.seller@acme.example,Sales\n")
	job := e.file("job.yaml", "version: 1\nname: sync\ninput: sales.csv\nfields:\n  email: Email\n  group: Group\nsteps:\n  - move_group: { sync: exact, fallback_group: Support }\nlimits:\n  max_removals: 10\n")
	plan := filepath.Join(e.dir, "plan")
	if code, out := e.main(nil, "run", job, "--dry-run", "--tier", "business", "--out", plan); code != ExitOK || !strings.Contains(out, "maria.garcia@acme.example") {
		t.Fatalf("dry run: exit %d, want maria's removal planned\n%s", code, out)
	}
	// Priya joins Sales after the plan.
	client := zoomtest.NewClient(t, e.srv, nil)
	priya, _ := e.srv.UserByEmail("priya.patel@acme.example")
	var sales string
	for _, g := range e.srv.Groups() {
		if g.Name == "Sales" {
			sales = g.ID
		}
	}
	if _, err := client.AddGroupMembers(context.Background(), sales, []zoom.UserRef{{ID: priya.ID}}); err != nil {
		t.Fatal(err)
	}
	code, out := e.main(nil, "apply", plan, "--yes", "--tier", "business")
	if code != ExitPartial || !strings.Contains(out, `member priya.patel@acme.example: conflict: changed since the plan was approved: group: now "Sales", which the plan did not take out`) {
		t.Errorf("apply: exit %d, want 1 with Priya's row a conflict\n%s", code, out)
	}
	in := func(email string) bool {
		u, _ := e.srv.UserByEmail(email)
		return slices.Contains(u.GroupIDs, sales)
	}
	if !in("priya.patel@acme.example") || !in("sam.seller@acme.example") {
		t.Errorf("apply took out Priya (not in the plan) or Sam (listed)")
	}
	if in("maria.garcia@acme.example") || in("kenji.sato@acme.example") {
		t.Errorf("the approved removals did not go ahead")
	}
}

// An approval is for a person, not for whoever holds the address: a user
// deleted after the plan and re-created with the same email (another Zoom
// user ID, the same department) is a conflict, and apply leaves them as
// they are, although their planned change would read the same.
func TestApplyLeavesARecreatedUser(t *testing.T) { synctest.Test(t, testApplyLeavesARecreatedUser) }

func testApplyLeavesARecreatedUser(t *testing.T) {
	e := newMemRunEnv(t, zoomtest.Options{NoRateLimits: true})
	_, plan := planDept(t, e)
	const grace = "grace.hopper@acme.example"
	before, _ := e.srv.UserByEmail(grace)
	client := zoomtest.NewClient(t, e.srv, nil)
	ctx := context.Background()
	if err := client.DeleteUser(ctx, before.ID, zoom.DeleteOptions{Action: "delete"}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.CreateUser(ctx, "create", zoom.NewUser{Email: grace, Type: 1, FirstName: "Grace", LastName: "Other"}); err != nil {
		t.Fatal(err)
	}
	if err := client.UpdateUser(ctx, grace, map[string]any{"dept": before.Dept}); err != nil {
		t.Fatal(err)
	}
	other, _ := e.srv.UserByEmail(grace)
	if other.ID == before.ID {
		t.Fatal("the sandbox gave the re-created user the same ID")
	}
	code, out := e.main(nil, "apply", plan, "--yes", "--tier", "business")
	if code != ExitPartial {
		t.Fatalf("apply: exit %d, want 1 (the re-created user's row in conflict)\n%s", code, out)
	}
	if got := dept(t, e, grace); got != before.Dept {
		t.Errorf("apply changed the re-created user: department %q, want %q", got, before.Dept)
	}
	rows := readResults(t, filepath.Join(plan, "results.csv"))
	if st := rows[grace]; st[0] != "conflict" || !strings.Contains(st[1], "another Zoom user (ID "+other.ID) {
		t.Errorf("results.csv: the re-created user's row is %q, want conflict naming ID %s", st, other.ID)
	}
	for _, m := range deptMovers[1:] {
		if got := dept(t, e, m); got != "Platform" {
			t.Errorf("%s: department %q, want Platform", m, got)
		}
	}
}

// An apply stopped part way says how to finish it with a command that
// can be pasted as is: a plan folder whose name has a space is quoted.
func TestApplyStoppedSaysHowToFinishQuoted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newMemRunEnv(t, zoomtest.Options{Latency: 5 * time.Millisecond})
		job := e.file("hires.yaml", createJob)
		e.file("users.csv", hires(200, "Sales"))
		plan := filepath.Join(e.dir, "approved plan")
		if code, out := e.main(nil, "run", job, "--dry-run", "--out", plan); code != ExitOK {
			t.Fatalf("dry run: exit %d\n%s", code, out)
		}
		sigs := make(chan os.Signal, 1)
		sendAfterCreates(e.srv, sigs, 1)
		code, out := e.mainClock(sigs, time.Millisecond, "apply", plan, "--yes")
		want := "Finish the approved plan with: " + applyCommand(plan)
		if code != ExitAborted || !strings.Contains(out, want) || !strings.Contains(want, "'"+plan+"'") {
			t.Fatalf("stopped apply: exit %d, want 3 saying %q\n%s", code, want, out)
		}
		if code, out := e.main(nil, "apply", plan, "--yes"); code != ExitOK {
			t.Fatalf("the command it gave: exit %d\n%s", code, out)
		}
		if n := e.srv.Stats().Applied["POST /users"]; n != 200 {
			t.Errorf("%d users created over both applies, want the plan's 200 once each", n)
		}
	})
}
