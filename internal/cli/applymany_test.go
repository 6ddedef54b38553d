package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// twoJobBook writes a workbook of two sheets, each read by a job file
// beside it: dept moves three engineers to Platform (Linus is listed as
// he is), titles gives Grace and Linus new job titles. The plan is 3 + 2
// updates.
func twoJobBook(t *testing.T, e *runEnv) string {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetName("Sheet1", "Dept")
	f.NewSheet("Titles")
	for i, row := range [][]any{{"Email", "Department"}, {"grace.hopper@acme.example", "Platform"}, {"alan.turing@acme.example", "Platform"},
		{"ada.lovelace@acme.example", "Platform"}, {"linus.berg@acme.example", "Engineering"}} {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		f.SetSheetRow("Dept", cell, &row)
	}
	for i, row := range [][]any{{"Email", "Title"}, {"grace.hopper@acme.example", "Rear Admiral"}, {"linus.berg@acme.example", "Kernel Lead"}} {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		f.SetSheetRow("Titles", cell, &row)
	}
	book := filepath.Join(e.dir, "book.xlsx")
	if err := f.SaveAs(book); err != nil {
		t.Fatal(err)
	}
	e.file("dept.yaml", "version: 1\nname: dept\ninput: { path: book.xlsx, sheet: Dept }\nfields:\n  email: Email\n  dept: Department\nsteps:\n  - update_users\n")
	e.file("titles.yaml", "version: 1\nname: titles\ninput: { path: book.xlsx, sheet: Titles }\nfields:\n  email: Email\n  job_title: Title\nsteps:\n  - update_users\n")
	return book
}

// profiles is what an admin compares: each user's department and title.
func profiles(e *runEnv) map[string]string {
	out := map[string]string{}
	for _, u := range e.srv.Users() {
		out[u.Email] = u.Dept + " / " + u.JobTitle
	}
	return out
}

func sameProfiles(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	for email, w := range want {
		if got[email] != w {
			t.Errorf("%s: %s is %q, want %q", what, email, got[email], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%s: %d users, want %d", what, len(got), len(want))
	}
}

// planBook makes the dry run of the two-job workbook an approver signs,
// and returns the folder and the calls its plans approve.
func planBook(t *testing.T, e *runEnv) (plan string, approved int) {
	t.Helper()
	book := twoJobBook(t, e)
	plan = filepath.Join(e.dir, "plan")
	if code, out := e.main(nil, "run", book, "--dry-run", "--tier", "business", "--out", plan); code != ExitOK {
		t.Fatalf("dry run of the workbook: exit %d\n%s", code, out)
	}
	for _, sub := range []string{"1-dept", "2-titles"} {
		var info struct {
			PlanOnly bool `json:"plan_only"`
			Plan     *struct {
				Writes int `json:"writes"`
			} `json:"plan"`
		}
		readJSON(t, filepath.Join(plan, sub, "run.json"), &info)
		if !info.PlanOnly || info.Plan == nil {
			t.Fatalf("%s/run.json records no plan for apply: %+v", sub, info)
		}
		approved += info.Plan.Writes
	}
	if approved != 5 {
		t.Fatalf("the plans approve %d calls, want 3 department and 2 title updates", approved)
	}
	return plan, approved
}

// The whole workbook's plan, approved then applied: the account ends as a
// direct run of the workbook leaves it, with the plan's calls and no
// other; the folder is then a run of several jobs (summary.csv, a second
// apply refused, --resume with nothing to do, undo the last job first).
func TestApplyWorkbookOfTwoJobs(t *testing.T) {
	e := newMemRunEnv(t, zoomtest.Options{NoRateLimits: true})
	before := profiles(e)
	plan, approved := planBook(t, e)
	sameProfiles(t, "after the dry run", profiles(e), before)

	e.srv.ResetStats()
	code, out := e.main(nil, "apply", plan, "--dry-run", "--tier", "business")
	if code != ExitOK || strings.Count(out, "the plan applies cleanly") != 2 || writes(e.srv.Stats()) != 0 {
		t.Errorf("apply --dry-run: exit %d, %d writes, want 0 and none, both jobs clean\n%s", code, writes(e.srv.Stats()), out)
	}

	e.srv.ResetStats()
	code, out = e.main(nil, "apply", plan, "--yes", "--tier", "business")
	if code != ExitOK {
		t.Fatalf("apply: exit %d\n%s", code, out)
	}
	if n := strings.Count(out, "? yes (--yes)"); n != 1 || !strings.Contains(out, "to account acme-sandbox") {
		t.Errorf("%d prompts, want one naming the account for both jobs:\n%s", n, out)
	}
	if n := writes(e.srv.Stats()); n != approved {
		t.Errorf("apply sent %d writes, want the plans' %d", n, approved)
	}
	if d, ti := strings.Index(out, "Job 1 of 2: dept"), strings.Index(out, "Job 2 of 2: titles"); d < 0 || ti < d {
		t.Errorf("the jobs are not applied in jobs.json's order:\n%s", out)
	}

	direct := newMemRunEnv(t, zoomtest.Options{NoRateLimits: true})
	if code, out := direct.main(nil, "run", twoJobBook(t, direct), "--yes", "--tier", "business", "--out", filepath.Join(direct.dir, "run")); code != ExitOK {
		t.Fatalf("direct run: exit %d\n%s", code, out)
	}
	sameProfiles(t, "applied plan against a direct run", profiles(e), profiles(direct))

	for _, sub := range []string{"1-dept", "2-titles"} {
		if _, err := os.Stat(filepath.Join(plan, sub, "results.csv")); err != nil {
			t.Errorf("no results for %s: %v", sub, err)
		}
	}
	if summary, err := os.ReadFile(filepath.Join(plan, SummaryCSV)); err != nil || strings.Count(string(summary), ",done,") != 2 {
		t.Errorf("summary.csv does not say both jobs are done (%v):\n%s", err, summary)
	}

	e.srv.ResetStats()
	if code, out := e.main(nil, "apply", plan, "--yes", "--tier", "business"); code != ExitUsage || !strings.Contains(out, "applied") || writes(e.srv.Stats()) != 0 {
		t.Errorf("a second apply: exit %d, %d writes, want 2 and none\n%s", code, writes(e.srv.Stats()), out)
	}
	if code, out := e.main(nil, "run", "--resume", plan, "--yes", "--tier", "business"); code != ExitOK || !strings.Contains(out, "nothing to do") || writes(e.srv.Stats()) != 0 {
		t.Errorf("--resume of the applied folder: exit %d, %d writes\n%s", code, writes(e.srv.Stats()), out)
	}

	code, out = e.main(nil, "undo", plan, "--yes", "--tier", "business")
	if code != ExitOK {
		t.Fatalf("undo: exit %d\n%s", code, out)
	}
	if ti, d := strings.Index(out, "Undo titles"), strings.Index(out, "Undo dept"); ti < 0 || d < ti {
		t.Errorf("undo did not go the last job first:\n%s", out)
	}
	sameProfiles(t, "after undo", profiles(e), before)
}

// A row edited in the account between the dry run and apply is a
// conflict in its job's results and nothing is sent for it; the other
// job's rows, and the other rows of its own, are applied.
func TestApplyWorkbookLeavesTheRowChangedSinceThePlan(t *testing.T) {
	e := newMemRunEnv(t, zoomtest.Options{NoRateLimits: true})
	plan, approved := planBook(t, e)
	client := zoomtest.NewClient(t, e.srv, nil)
	if err := client.UpdateUser(context.Background(), "alan.turing@acme.example", map[string]any{"dept": "Research"}); err != nil {
		t.Fatal(err)
	}

	code, out := e.main(nil, "apply", plan, "--dry-run", "--tier", "business")
	if code != ExitDrift || !strings.Contains(out, "1-dept: 1 row changed since the plan") || !strings.Contains(out, "2-titles: the plan applies cleanly") {
		t.Errorf("apply --dry-run: exit %d, want 5 naming the dept job's row\n%s", code, out)
	}

	e.srv.ResetStats()
	code, out = e.main(nil, "apply", plan, "--yes", "--tier", "business")
	if code != ExitPartial {
		t.Fatalf("apply: exit %d, want 1 (a row in conflict)\n%s", code, out)
	}
	if n := writes(e.srv.Stats()); n != approved-1 {
		t.Errorf("apply sent %d writes, want the plans' %d less the conflict", n, approved-1)
	}
	got := profiles(e)
	want := map[string]string{
		"alan.turing@acme.example":  "Research / Software Engineer",
		"grace.hopper@acme.example": "Platform / Rear Admiral",
		"ada.lovelace@acme.example": "Platform / Engineering Manager",
		"linus.berg@acme.example":   "Engineering / Kernel Lead",
	}
	for email, w := range want {
		if got[email] != w {
			t.Errorf("%s is %q, want %q", email, got[email], w)
		}
	}
	rows := readResults(t, filepath.Join(plan, "1-dept", "results.csv"))
	if st := rows["alan.turing@acme.example"]; st[0] != "conflict" || !strings.Contains(st[1], `now "Research", planned "Platform"`) {
		t.Errorf("1-dept/results.csv: Alan's row is %q, want a conflict with the three values", st)
	}
	summary, _ := os.ReadFile(filepath.Join(plan, SummaryCSV))
	if !strings.Contains(string(summary), "1-dept,failed") || !strings.Contains(string(summary), "2-titles,done") {
		t.Errorf("summary.csv:\n%s", summary)
	}
}

// What apply of a folder of several plans refuses: each exits 2 saying
// why, and nothing reaches the account.
func TestApplyWorkbookRefuses(t *testing.T) {
	for _, tc := range []struct {
		name  string
		spoil func(t *testing.T, e *runEnv, plan string) *runEnv
		says  string
	}{
		{name: "another account", says: "second-account", spoil: func(t *testing.T, e *runEnv, _ string) *runEnv {
			b := newMemRunEnv(t, zoomtest.Options{NoRateLimits: true, AccountID: "second-account"})
			b.dir = e.dir
			return b
		}},
		{name: "the second job's plan edited", says: "job titles: ", spoil: func(t *testing.T, e *runEnv, plan string) *runEnv {
			p := filepath.Join(plan, "2-titles", "changes.csv")
			data, _ := os.ReadFile(p)
			os.WriteFile(p, []byte(strings.Replace(string(data), "Kernel Lead", "Kernel Boss", 1)), 0o644)
			return e
		}},
		{name: "the second job's plan too old", says: "--max-age", spoil: func(t *testing.T, e *runEnv, plan string) *runEnv {
			ageRunJSON(t, filepath.Join(plan, "2-titles"), 25*60*60*1e9)
			return e
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newMemRunEnv(t, zoomtest.Options{NoRateLimits: true})
			before := profiles(e)
			plan, _ := planBook(t, e)
			at := tc.spoil(t, e, plan)
			at.srv.ResetStats()
			code, out := at.main(nil, "apply", plan, "--yes", "--tier", "business")
			if code != ExitUsage || !strings.Contains(out, tc.says) {
				t.Errorf("exit %d, want 2 saying %q:\n%s", code, tc.says, out)
			}
			if n := writes(at.srv.Stats()); n != 0 {
				t.Errorf("%d writes sent", n)
			}
			if tc.name == "another account" {
				// Refused on the plan's account before the account is read.
				if calls := at.srv.Stats().Calls; len(calls) != 0 {
					t.Errorf("calls sent to the other account: %v", calls)
				}
			}
			if strings.Contains(out, "? yes") {
				t.Errorf("asked to apply a refused plan:\n%s", out)
			}
			sameProfiles(t, "after the refusal", profiles(e), before)
		})
	}
}

// run --json of several jobs: one JSON object naming the run folder, the
// account, the outcome and each job with its summary.
func TestRunSeveralJobsJSON(t *testing.T) {
	type report struct {
		Dir      string `json:"dir"`
		Account  string `json:"account"`
		DryRun   bool   `json:"dry_run"`
		ExitCode int    `json:"exit_code"`
		Outcome  string `json:"outcome"`
		Error    string `json:"error"`
		Jobs     []struct {
			Name    string `json:"name"`
			Folder  string `json:"folder"`
			Status  string `json:"status"`
			Summary struct {
				Job      string         `json:"job"`
				Rows     int            `json:"rows"`
				Counts   map[string]int `json:"counts"`
				Planned  map[string]int `json:"planned"`
				ExitCode int            `json:"exit_code"`
			} `json:"summary"`
		} `json:"jobs"`
	}
	e := newMemRunEnv(t, zoomtest.Options{NoRateLimits: true})
	book := twoJobBook(t, e)
	run := func(args ...string) (int, report) {
		t.Helper()
		var out, errOut strings.Builder
		code := Main(t.Context(), append([]string{"run", book, "--json", "--tier", "business"}, args...),
			&IO{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Getenv: func(k string) string { return e.env[k] }, Transport: e.transport}, nil)
		var r report
		if strings.Count(out.String(), "\n") != 1 {
			t.Fatalf("stdout is not one line:\n%s\n%s", out.String(), errOut.String())
		}
		if err := json.Unmarshal([]byte(out.String()), &r); err != nil {
			t.Fatalf("%v:\n%s", err, out.String())
		}
		if r.ExitCode != code {
			t.Errorf("exit_code %d, the process exits %d", r.ExitCode, code)
		}
		return code, r
	}
	check := func(what string, r report, status string, counts string, want ...int) {
		t.Helper()
		if len(r.Jobs) != 2 || r.Jobs[0].Name != "dept" || r.Jobs[1].Name != "titles" || r.Account != "acme-sandbox" {
			t.Fatalf("%s: %+v", what, r)
		}
		for i, j := range r.Jobs {
			n := j.Summary.Planned["update"]
			if counts != "" {
				n = j.Summary.Counts[counts]
			}
			if j.Status != status || n != want[i] || j.Summary.Job != j.Name || j.Folder != filepath.Join(r.Dir, []string{"1-dept", "2-titles"}[i]) {
				t.Errorf("%s: job %d is %+v, want %s with %d %s", what, i+1, j, status, want[i], counts)
			}
		}
	}

	code, r := run("--dry-run", "--out", filepath.Join(e.dir, "plan"))
	if code != ExitOK || !r.DryRun || r.Outcome != "ok" {
		t.Errorf("--dry-run: exit %d, %+v", code, r)
	}
	check("--dry-run", r, "planned", "", 3, 2)

	code, r = run("--check", "--out", filepath.Join(e.dir, "check"))
	if code != ExitDrift || r.Outcome != "differs" {
		t.Errorf("--check: exit %d, outcome %q, want 5 differs", code, r.Outcome)
	}

	code, r = run("--yes", "--out", filepath.Join(e.dir, "run"))
	if code != ExitOK || r.DryRun || r.Outcome != "ok" {
		t.Errorf("run: exit %d, %+v", code, r)
	}
	check("run", r, "done", "succeeded", 3, 2)

	code, r = run("--check", "--out", filepath.Join(e.dir, "check2"))
	if code != ExitOK || r.Outcome != "ok" {
		t.Errorf("--check after the run: exit %d, outcome %q, want 0 ok", code, r.Outcome)
	}

	// A refusal still prints the object, saying why.
	code, r = run("--yes", "--input", "x.csv")
	if code != ExitUsage || r.Outcome != "refused" || !strings.Contains(r.Error, "--input") {
		t.Errorf("--input with several jobs: exit %d, %+v, want 2 refused naming --input", code, r)
	}
}

// The new-account workbook's plan, approved then applied: the users job
// was planned to create the groups the groups job creates first, and
// those approved creations do not make its rows conflicts; the contact
// groups whose member groups did not exist at the plan failed in it, and
// apply leaves them (what the approver saw) instead of sending calls no
// one approved.
func TestApplyNewAccountWorkbook(t *testing.T) {
	e := newMemAccountEnv(t)
	before := stateOf(e)
	plan := filepath.Join(e.dir, "plan")
	if code, out := e.main(nil, "run", "../../samples/new-account/new-account.xlsx", "--dry-run", "--tier", "business", "--out", plan); code != ExitPartial {
		t.Fatalf("dry run: exit %d, want 1 (contact groups of groups not made yet fail)\n%s", code, out)
	}
	code, out := e.main(nil, "apply", plan, "--yes", "--tier", "business")
	if code != ExitPartial {
		t.Fatalf("apply: exit %d, want 1 (the contact groups that failed in the plan left)\n%s", code, out)
	}
	if !strings.Contains(out, "3 rows of new-account-contacts failed in the approved plan") {
		t.Errorf("the prompt does not say the contact groups that failed in the plan stay as approved:\n%s", out)
	}
	after := stateOf(e)
	if after.users != before.users+8 || after.groups != 4 || after.divisions < 3 {
		t.Errorf("the account after apply: %+v (before %+v), want 8 more users, 4 groups, 3 divisions\n%s", after, before, out)
	}
	summary, _ := os.ReadFile(filepath.Join(plan, SummaryCSV))
	for _, want := range []string{"1-new-account-groups,done", "2-new-account-users,done", "3-new-account-contacts,failed"} {
		if !strings.Contains(string(summary), want) {
			t.Errorf("summary.csv does not say %s:\n%s", want, summary)
		}
	}
	rows := readResults(t, filepath.Join(plan, "3-new-account-contacts", "results.csv"))
	conflicts := 0
	for _, st := range rows {
		if st[0] == "conflict" {
			conflicts++
		}
	}
	if conflicts == 0 {
		t.Errorf("no contact group row left as a conflict: %v", rows)
	}
}

// An apply of several plans stopped (Ctrl-C) during its first job exits
// 3, leaves the job after it not run, and is finished by applying the
// folder again: no user created twice, the second job applied, the
// summary done. In a bubble: the sandbox's latency passes in virtual
// time and the stop comes at the 20th create on any machine.
func TestApplySeveralPlansStoppedThenFinished(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newMemRunEnv(t, zoomtest.Options{Latency: 5 * time.Millisecond})
		hiresJob := e.file("hires.yaml", createJob)
		e.file("users.csv", hires(200, "Sales"))
		e.file("dept.csv", deptCSV)
		deptPath := e.file("dept.yaml", deptJob)
		plan := filepath.Join(e.dir, "plan")
		if code, out := e.main(nil, "run", hiresJob, deptPath, "--dry-run", "--out", plan); code != ExitOK {
			t.Fatalf("dry run: exit %d\n%s", code, out)
		}
		var set jobSet
		readJSON(t, filepath.Join(plan, JobsJSON), &set)
		if len(set.Jobs) != 2 {
			t.Fatalf("jobs.json: %+v", set)
		}

		sigs := make(chan os.Signal, 1)
		sendAfterCreates(e.srv, sigs, 1)
		code, out := e.mainClock(sigs, time.Millisecond, "apply", plan, "--yes")
		if code != ExitAborted || !strings.Contains(out, "zoombulk apply "+plan) {
			t.Fatalf("stopped apply: exit %d, want 3 saying how to finish\n%s", code, out)
		}
		summary, _ := os.ReadFile(filepath.Join(plan, SummaryCSV))
		if !strings.Contains(string(summary), "stopped") || !strings.Contains(string(summary), "not run") {
			t.Errorf("summary.csv after the stop, want one job stopped and one not run:\n%s", summary)
		}
		for _, m := range deptMovers {
			if got := dept(t, e, m); got == "Platform" {
				t.Errorf("the job after the stop ran: %s is in Platform", m)
			}
		}

		code, out = e.main(nil, "apply", plan, "--yes")
		if code != ExitOK {
			t.Fatalf("apply again: exit %d, want 0\n%s", code, out)
		}
		if n := e.srv.Stats().Applied["POST /users"]; n != 200 {
			t.Errorf("%d users created over both applies, want the plan's 200 once each", n)
		}
		for _, m := range deptMovers {
			if got := dept(t, e, m); got != "Platform" {
				t.Errorf("%s is in %q, want Platform", m, got)
			}
		}
		summary, _ = os.ReadFile(filepath.Join(plan, SummaryCSV))
		if strings.Count(string(summary), ",done,") != 2 {
			t.Errorf("summary.csv after finishing:\n%s", summary)
		}
	})
}
