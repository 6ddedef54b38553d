package cli

import (
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// zoombulk undo RUN_DIR: the plan names the kept users, --dry-run changes
// nothing, --allow-delete deletes the users the run created, and a folder
// without undo.yaml is a usage error.
func TestUndoCommand(t *testing.T) { synctest.Test(t, testUndoCommand) }

func testUndoCommand(t *testing.T) {
	e := newMemRunEnv(t, zoomtest.Options{NoRateLimits: true})
	e.file("users.csv", hires(3, "Sales"))
	job := e.file("job.yaml", createJob)
	run := filepath.Join(e.dir, "run")
	if code, out := e.main(nil, "run", job, "--yes", "--tier", "business", "--out", run); code != ExitOK {
		t.Fatalf("run: exit %d\n%s", code, out)
	}
	users := len(e.srv.Users())

	code, out := e.main(nil, "undo", run, "--dry-run", "--tier", "business")
	if code != ExitOK || !strings.Contains(out, "3 users the run created will be kept") || !strings.Contains(out, "Dry run: nothing was changed") {
		t.Errorf("undo --dry-run: exit %d\n%s", code, out)
	}
	code, out = e.main(nil, "undo", run, "--yes", "--tier", "business", "--out", filepath.Join(e.dir, "kept"))
	if code != ExitOK || !strings.Contains(out, "kept 3") || len(e.srv.Users()) != users {
		t.Errorf("undo without --allow-delete: exit %d, %d users (want %d)\n%s", code, len(e.srv.Users()), users, out)
	}
	code, out = e.main(nil, "undo", run, "--yes", "--allow-delete", "--tier", "business", "--out", filepath.Join(e.dir, "deleted"))
	if code != ExitOK || len(e.srv.Users()) != users-3 {
		t.Errorf("undo --allow-delete: exit %d, %d users (want %d)\n%s", code, len(e.srv.Users()), users-3, out)
	}
	if code, out := e.main(nil, "undo", e.dir, "--yes"); code != ExitUsage || !strings.Contains(out, "undo.yaml") {
		t.Errorf("undo of a folder without undo.yaml: exit %d\n%s", code, out)
	}
}

// A sync's removals are listed before the prompt, each with its user.
func TestSyncRemovalsArePrintedBeforeThePrompt(t *testing.T) {
	synctest.Test(t, testSyncRemovalsArePrintedBeforeThePrompt)
}

func testSyncRemovalsArePrintedBeforeThePrompt(t *testing.T) {
	e := newMemRunEnv(t, zoomtest.Options{NoRateLimits: true})
	e.file("users.csv", "Email,Group\nsam.seller@acme.example,Sales\n")
	job := e.file("job.yaml", "version: 1\nname: sync\ninput: users.csv\nfields:\n  email: Email\n  group: Group\nsteps:\n  - move_group: { sync: exact }\n")
	code, out := e.main(nil, "run", job, "--dry-run", "--tier", "business", "--out", filepath.Join(e.dir, "plan"))
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	for _, want := range []string{"Removals: 2 group removals", "maria.garcia@acme.example move_group: groups Sales -> (removed) (group removal)", "kenji.sato@acme.example"} {
		if !strings.Contains(out, want) {
			t.Errorf("the plan lacks %q:\n%s", want, out)
		}
	}
}

// The undo of a create_missing run names the groups and divisions it will
// delete before the prompt (as removals) and deletes them.
func TestUndoCommandDeletesCreatedGroups(t *testing.T) {
	synctest.Test(t, testUndoCommandDeletesCreatedGroups)
}

func testUndoCommandDeletesCreatedGroups(t *testing.T) {
	e := newMemRunEnv(t, zoomtest.Options{NoRateLimits: true})
	e.file("users.csv", "Email,Group,Division\nalan.turing@acme.example,Platform,Nordics\n")
	job := e.file("job.yaml", "version: 1\nname: cm\ninput: users.csv\nfields: { email: Email, group: Group, division: Division }\n"+
		"steps:\n  - move_group: { create_missing: true }\n  - assign_division: { create_missing: true }\n")
	groups, divs := len(e.srv.Groups()), len(e.srv.Divisions())
	run := filepath.Join(e.dir, "run")
	if code, out := e.main(nil, "run", job, "--yes", "--tier", "business", "--out", run); code != ExitOK || len(e.srv.Groups()) != groups+1 {
		t.Fatalf("run: exit %d\n%s", code, out)
	}
	code, out := e.main(nil, "undo", run, "--dry-run", "--tier", "business")
	if code != ExitOK || !strings.Contains(out, "1 group deletion, 1 division deletion") {
		t.Errorf("undo --dry-run: exit %d, want the deletions among the removals\n%s", code, out)
	}
	code, out = e.main(nil, "undo", run, "--yes", "--tier", "business", "--out", filepath.Join(e.dir, "undo"))
	if code != ExitOK || len(e.srv.Groups()) != groups || len(e.srv.Divisions()) != divs {
		t.Errorf("undo: exit %d, %d groups (want %d), %d divisions (want %d)\n%s", code, len(e.srv.Groups()), groups, len(e.srv.Divisions()), divs, out)
	}
}
