package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
)

// accountState counts what an admin checks after setting up an account.
type accountState struct{ users, groups, divisions, contactGroups int }

func stateOf(e *runEnv) accountState {
	return accountState{len(e.srv.Users()), len(e.srv.Groups()), len(e.srv.Divisions()), len(e.srv.ContactGroups())}
}

// The must-show: the new-account workbook builds the account in
// one command (its three sheets, in order, one prompt), a rerun writes
// nothing, and undo of the run takes it back, the last job first.
func TestRunWorkbookOfSeveralJobs(t *testing.T) { synctest.Test(t, testRunWorkbookOfSeveralJobs) }

func testRunWorkbookOfSeveralJobs(t *testing.T) {
	e := newMemAccountEnv(t)
	before := stateOf(e)
	book := "../../samples/new-account/new-account.xlsx"
	out := filepath.Join(e.dir, "setup")
	code, text := e.main(nil, "run", book, "--yes", "--tier", "business", "--out", out)
	if code != ExitOK {
		t.Fatalf("run of the workbook: exit %d\n%s", code, text)
	}
	if n := strings.Count(text, "? yes (--yes)"); n != 1 {
		t.Errorf("%d prompts, want one for the three jobs:\n%s", n, text)
	}
	after := stateOf(e)
	if after.users != before.users+8 || after.groups != 4 || after.divisions < 3 || after.contactGroups != 3 {
		t.Errorf("the account after the run: %+v (before %+v), want 8 more users, 4 groups, 3 divisions, 3 contact groups\n%s", after, before, text)
	}
	for _, sub := range []string{"1-new-account-groups", "2-new-account-users", "3-new-account-contacts"} {
		if _, err := os.Stat(filepath.Join(out, sub, "results.csv")); err != nil {
			t.Errorf("no results for %s: %v", sub, err)
		}
	}
	summary, err := os.ReadFile(filepath.Join(out, SummaryCSV))
	if err != nil || strings.Count(string(summary), ",done,") != 3 {
		t.Errorf("summary.csv does not say the three jobs are done:\n%s", summary)
	}

	// --resume of the finished run has nothing to do.
	e.srv.ResetStats()
	code, text = e.main(nil, "run", book, "--yes", "--tier", "business", "--resume", out)
	if code != ExitOK || !strings.Contains(text, "nothing to do") || writes(e.srv.Stats()) != 0 {
		t.Errorf("--resume of the finished run: exit %d, %d writes\n%s", code, writes(e.srv.Stats()), text)
	}

	// A rerun finds everything as asked and writes nothing.
	e.srv.ResetStats()
	code, text = e.main(nil, "run", book, "--yes", "--tier", "business", "--out", filepath.Join(e.dir, "again"))
	if code != ExitOK || writes(e.srv.Stats()) != 0 {
		t.Errorf("rerun: exit %d, %d writes, want 0 and none\n%s", code, writes(e.srv.Stats()), text)
	}

	// Undo, the last job first: the contact groups go before the users
	// that are their members, the users (--allow-delete) before groups.
	code, text = e.main(nil, "undo", out, "--yes", "--allow-delete", "--tier", "business")
	if code != ExitOK {
		t.Fatalf("undo: exit %d\n%s", code, text)
	}
	if c, u := strings.Index(text, "Undo new-account-contacts"), strings.Index(text, "Undo new-account-users"); c < 0 || u < 0 || c > u {
		t.Errorf("undo did not go in reverse order:\n%s", text)
	}
	// Groups and divisions the run created stay until undo deletes what
	// upsert_groups and create_missing made (issue 26 item 2).
	if got := stateOf(e); got.users != before.users || got.contactGroups != before.contactGroups {
		t.Errorf("after undo: %+v, want the users and contact groups of before (%+v)", got, before)
	}
}

// Several job files as one run, given in any order: they run in
// dependency order, and a job that fails stops the jobs that depend on
// it.
func TestRunSeveralJobFilesInDependencyOrder(t *testing.T) {
	synctest.Test(t, testRunSeveralJobFilesInDependencyOrder)
}

func testRunSeveralJobFilesInDependencyOrder(t *testing.T) {
	e := newMemAccountEnv(t)
	dir := "../../samples/new-account/"
	out := filepath.Join(e.dir, "set")
	code, text := e.main(nil, "run", dir+"3-contacts.yaml", dir+"1-groups.yaml", dir+"2-users.yaml", "--dry-run", "--tier", "business", "--out", out)
	if g, u, c := strings.Index(text, "Job 1 of 3: new-account-groups"), strings.Index(text, "Job 2 of 3: new-account-users"), strings.Index(text, "Job 3 of 3: new-account-contacts"); g < 0 || u < g || c < u {
		t.Errorf("the jobs are not planned groups, users, contacts (exit %d):\n%s", code, text)
	}
	if got := stateOf(e); got.groups != 0 || got.contactGroups != 0 {
		t.Errorf("a dry run changed the account: %+v", got)
	}

	// The groups job cannot run (its admin is unknown): the users and
	// contacts jobs, which need it, are not run.
	bad := filepath.Join(e.dir, "groups.yaml")
	os.WriteFile(filepath.Join(e.dir, "groups.csv"), []byte("Group,Admin\nEngineering,nobody@globex.example\n"), 0o644)
	os.WriteFile(bad, []byte("version: 1\nname: groups\ninput: groups.csv\nfields:\n  group: Group\n  email: Admin\nsteps:\n  - upsert_groups\n  - group_admins\n"), 0o644)
	code, text = e.main(nil, "run", dir+"3-contacts.yaml", bad, "--yes", "--tier", "business", "--out", filepath.Join(e.dir, "stopped"))
	if code == ExitOK || !strings.Contains(text, "not run") {
		t.Errorf("a failing first job: exit %d, want the contacts job not run\n%s", code, text)
	}
	if got := stateOf(e); got.contactGroups != 0 {
		t.Errorf("the dependent job ran: %d contact groups", got.contactGroups)
	}

	// --resume with other jobs is refused; with the same jobs it skips
	// the finished job and runs the one left.
	stopped := filepath.Join(e.dir, "stopped")
	if code, text := e.main(nil, "run", dir+"3-contacts.yaml", "--yes", "--tier", "business", "--resume", stopped); code != ExitUsage || !strings.Contains(text, "same jobs") {
		t.Errorf("--resume with other jobs: exit %d, want 2\n%s", code, text)
	}
	code, text = e.main(nil, "run", bad, dir+"3-contacts.yaml", "--yes", "--tier", "business", "--resume", stopped)
	if !strings.Contains(text, "groups finished in an earlier run") || !strings.Contains(text, "Job 2 of 2: new-account-contacts") {
		t.Errorf("--resume: exit %d, want the groups job skipped and the contacts job run\n%s", code, text)
	}
	if got := stateOf(e); got.contactGroups == 0 {
		t.Errorf("--resume did not run the job left: %+v", got)
	}
}

// One prompt for the whole run: declined, nothing is sent.
func TestRunSeveralJobsDeclined(t *testing.T) { synctest.Test(t, testRunSeveralJobsDeclined) }

func testRunSeveralJobsDeclined(t *testing.T) {
	e := newMemAccountEnv(t)
	e.srv.ResetStats()
	code, text := e.mainWith("n\n", "run", "../../samples/new-account/new-account.xlsx", "--tier", "business", "--out", filepath.Join(e.dir, "declined"))
	if code != ExitAborted || strings.Count(text, "[y/N]") != 1 || !strings.Contains(text, "Apply 3 jobs to account globex-sandbox") {
		t.Errorf("declined: exit %d, want 3 after one question for the 3 jobs\n%s", code, text)
	}
	if n := writes(e.srv.Stats()); n != 0 {
		t.Errorf("%d writes after a declined prompt", n)
	}
}
