package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// groupNames are the names of a sandbox user's groups.
func groupNames(e *runEnv, ids []string) []string {
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

// Issue 28 item 2: zoombulk set changes one user's fields through the run
// engine: the account changes, the run folder holds the job, the results
// and an undo that puts the old values back.
func TestSetChangesOneUser(t *testing.T) { synctest.Test(t, testSetChangesOneUser) }

func testSetChangesOneUser(t *testing.T) {
	e := newMemRunEnv(t, zoomtest.Options{NoRateLimits: true})
	before, _ := e.srv.UserByEmail("linus.berg@acme.example")
	out := filepath.Join(e.dir, "set1")
	code, text := e.main(nil, "set", "linus.berg@acme.example", "dept=Ops", "type=Licensed", "group=Sales", "--yes", "--out", out)
	if code != ExitOK {
		t.Fatalf("set: exit %d\n%s", code, text)
	}
	after, _ := e.srv.UserByEmail("linus.berg@acme.example")
	if after.Dept != "Ops" || after.Type != 2 || !strings.Contains(strings.Join(groupNames(e, after.GroupIDs), ","), "Sales") {
		t.Fatalf("account after set: dept %q type %d groups %v", after.Dept, after.Type, groupNames(e, after.GroupIDs))
	}
	if !strings.Contains(text, "Apply to account acme-sandbox") {
		t.Errorf("set printed no prompt line naming the account:\n%s", text)
	}
	res := readFile(t, filepath.Join(out, "results.csv"))
	if !strings.Contains(res, "linus.berg@acme.example") || !strings.Contains(res, "succeeded") {
		t.Errorf("results.csv has no succeeded row for the user:\n%s", res)
	}
	for _, f := range []string{setJobFile, setInputFile, "run.json", "undo.csv", "journal.jsonl"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("the set's run folder has no %s: %v", f, err)
		}
	}
	// Taking the license back is a removal: undo --max-removals 0 stops
	// before any write.
	if code, text := e.main(nil, "undo", out, "--yes", "--max-removals", "0"); code != ExitAborted || !strings.Contains(text, "--max-removals") {
		t.Fatalf("undo --max-removals 0 of a license given: exit %d, want %d\n%s", code, ExitAborted, text)
	}
	if u, _ := e.srv.UserByEmail("linus.berg@acme.example"); u.Type != 2 {
		t.Fatalf("the stopped undo changed the license: type %d", u.Type)
	}
	// The undo puts the department and the license back.
	if code, text := e.main(nil, "undo", out, "--yes", "--overwrite"); code != ExitOK {
		t.Fatalf("undo of a set: exit %d\n%s", code, text)
	}
	undone, _ := e.srv.UserByEmail("linus.berg@acme.example")
	if undone.Dept != before.Dept || undone.Type != before.Type {
		t.Errorf("after undo: dept %q type %d, want %q %d", undone.Dept, undone.Type, before.Dept, before.Type)
	}
}

// A license downgrade made with set counts against --max-removals like any
// run's: with 0 allowed the run does not start (exit 3) and the user keeps
// the license; with 1 it goes through.
func TestSetLicenseChangeCountsAsRemoval(t *testing.T) {
	synctest.Test(t, testSetLicenseChangeCountsAsRemoval)
}

func testSetLicenseChangeCountsAsRemoval(t *testing.T) {
	e := newMemRunEnv(t, zoomtest.Options{NoRateLimits: true})
	code, text := e.main(nil, "set", "grace.hopper@acme.example", "type=Basic", "--yes", "--max-removals", "0", "--out", filepath.Join(e.dir, "stopped"))
	if code != ExitAborted || !strings.Contains(text, "--max-removals") {
		t.Fatalf("set over --max-removals 0: exit %d, want %d naming the limit\n%s", code, ExitAborted, text)
	}
	if u, _ := e.srv.UserByEmail("grace.hopper@acme.example"); u.Type != 2 {
		t.Fatalf("the user lost the license although the limit stopped the run: type %d", u.Type)
	}
	code, text = e.main(nil, "set", "grace.hopper@acme.example", "type=Basic", "--yes", "--max-removals", "1", "--out", filepath.Join(e.dir, "allowed"))
	if code != ExitOK {
		t.Fatalf("set within --max-removals 1: exit %d\n%s", code, text)
	}
	if u, _ := e.srv.UserByEmail("grace.hopper@acme.example"); u.Type != 1 {
		t.Errorf("after set type=Basic: type %d, want 1", u.Type)
	}
}

// Mistakes on the command line are usage errors that send nothing and
// leave no folder: an unknown field names the nearest one, a bad value
// lists what the field takes.
func TestSetRefusesBadArguments(t *testing.T) {
	e := newMemRunEnv(t, zoomtest.Options{NoRateLimits: true})
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown field", []string{"set", "linus.berg@acme.example", "deptt=Ops"}, `"deptt" is not a field (did you mean "dept"?)`},
		{"bad value", []string{"set", "linus.berg@acme.example", "type=Licenced"}, "type=Licenced"},
		{"no user", []string{"set", "dept=Ops"}, "name the user"},
		{"no field", []string{"set", "linus.berg@acme.example"}, "say what to change"},
		{"email as a field", []string{"set", "linus.berg@acme.example", "email=x@acme.example"}, "new_email"},
		{"bad limit", []string{"set", "linus.berg@acme.example", "dept=Ops", "--max-failures", "lots"}, "--max-failures"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(e.dir, strings.ReplaceAll(tc.name, " ", "-"))
			code, text := e.main(nil, append(tc.args, "--yes", "--out", out)...)
			if code != ExitUsage || !strings.Contains(text, tc.want) {
				t.Fatalf("exit %d, want %d with %q\n%s", code, ExitUsage, tc.want, text)
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("a refused set left its folder %s", out)
			}
		})
	}
	if n := writes(e.srv.Stats()); n != 0 {
		t.Errorf("refused sets sent %d writes", n)
	}
}

// A user the account does not have fails its row (exit 1) with the
// reason in the results; the other user named is changed.
func TestSetMissingUser(t *testing.T) { synctest.Test(t, testSetMissingUser) }

func testSetMissingUser(t *testing.T) {
	e := newMemRunEnv(t, zoomtest.Options{NoRateLimits: true})
	out := filepath.Join(e.dir, "missing")
	code, text := e.main(nil, "set", "nobody@acme.example", "--user", "linus.berg@acme.example", "job_title=Engineer", "--yes", "--out", out)
	if code != ExitPartial {
		t.Fatalf("set with a missing user: exit %d, want %d\n%s", code, ExitPartial, text)
	}
	if !strings.Contains(text, "nobody@acme.example") {
		t.Errorf("the summary does not name the missing user:\n%s", text)
	}
	res := readFile(t, filepath.Join(out, "results.csv"))
	for _, line := range strings.Split(res, "\n") {
		if strings.Contains(line, "nobody@acme.example") && !strings.Contains(line, "failed") {
			t.Errorf("the missing user's row is not failed: %s", line)
		}
	}
	if u, _ := e.srv.UserByEmail("linus.berg@acme.example"); u.JobTitle != "Engineer" {
		t.Errorf("the user who exists was not changed: job title %q", u.JobTitle)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// USER may be a Zoom user ID: the job set writes matches by id then.
func TestSetByUserID(t *testing.T) { synctest.Test(t, testSetByUserID) }

func testSetByUserID(t *testing.T) {
	e := newMemRunEnv(t, zoomtest.Options{NoRateLimits: true})
	u, _ := e.srv.UserByEmail("ada.lovelace@acme.example")
	out := filepath.Join(e.dir, "byid")
	if code, text := e.main(nil, "set", u.ID, "location=Lisbon", "--yes", "--out", out); code != ExitOK {
		t.Fatalf("set by ID: exit %d\n%s", code, text)
	}
	if got, _ := e.srv.UserByEmail("ada.lovelace@acme.example"); got.Location != "Lisbon" {
		t.Errorf("location %q after set by ID", got.Location)
	}
	if code, text := e.main(nil, "set", u.ID, "--user", "grace.hopper@acme.example", "location=Lisbon", "--yes"); code != ExitUsage || !strings.Contains(text, "all by email or all by Zoom user ID") {
		t.Errorf("an ID and an email together: exit %d\n%s", code, text)
	}
}

// Completion of set offers the field names after the user.
func TestSetCompletesFieldNames(t *testing.T) { synctest.Test(t, testSetCompletesFieldNames) }

func testSetCompletesFieldNames(t *testing.T) {
	e := newMemRunEnv(t, zoomtest.Options{NoRateLimits: true})
	_, text := e.main(nil, "__complete", "set", "jane@acme.example", "de")
	if !strings.Contains(text, "dept=") {
		t.Errorf("completion of set jane@acme.example de:\n%s", text)
	}
	// email names the user; it is not a field set changes.
	if _, text := e.main(nil, "__complete", "set", "jane@acme.example", "em"); strings.Contains(text, "email=") {
		t.Errorf("completion offers email=:\n%s", text)
	}
}

// set writes its job and input only into a new or empty folder: one with
// anything in it is refused untouched, and an empty folder the admin
// made is left in place when set refuses a value (a new one is removed).
func TestSetOutFolder(t *testing.T) {
	e := newMemRunEnv(t, zoomtest.Options{NoRateLimits: true})
	busy := filepath.Join(e.dir, "busy")
	os.MkdirAll(busy, 0o755)
	e.file("busy/notes.txt", "mine")
	code, text := e.main(nil, "set", "linus.berg@acme.example", "dept=Ops", "--yes", "--out", busy)
	if code != ExitUsage || !strings.Contains(text, busy+" is not empty") {
		t.Errorf("a folder with a file in it: exit %d, want %d saying it is not empty\n%s", code, ExitUsage, text)
	}
	if ents, _ := os.ReadDir(busy); len(ents) != 1 {
		t.Errorf("the refused set changed %s: %v", busy, ents)
	}
	empty := filepath.Join(e.dir, "empty")
	os.MkdirAll(empty, 0o755)
	if code, text := e.main(nil, "set", "linus.berg@acme.example", "type=Licenced", "--yes", "--out", empty); code != ExitUsage {
		t.Errorf("a bad value: exit %d, want %d\n%s", code, ExitUsage, text)
	}
	if ents, err := os.ReadDir(empty); err != nil || len(ents) != 0 {
		t.Errorf("the admin's empty folder after a refused set: %v %v, want it kept, empty", ents, err)
	}
	if n := writes(e.srv.Stats()); n != 0 {
		t.Errorf("refused sets sent %d writes", n)
	}
}
