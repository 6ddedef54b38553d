package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// Issue 28 item 3: --check prints one line, "N changes: ..." or "in
// sync", and keeps no folder (not in runs/, not in the temporary folder);
// under -q it prints nothing and the exit code says it all.
func TestCheckPrintsOneLineAndKeepsNoFolder(t *testing.T) {
	e := newMemRunEnv(t, zoomtest.Options{NoRateLimits: true})
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	t.Chdir(e.dir)
	jobPath := e.file("job.yaml", createJob)
	e.file("users.csv", hires(3, "Sales"))
	for _, tc := range []struct {
		name  string
		args  []string
		code  int
		lines []string // the output's lines must start with these
	}{
		{"drift", []string{"run", jobPath, "--check"}, ExitDrift, []string{"check hires: 3 changes: account acme-sandbox differs: create 3"}},
		{"drift, quiet", []string{"run", jobPath, "--check", "-q"}, ExitDrift, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, text := e.main(nil, tc.args...)
			var lines []string
			for _, l := range strings.Split(strings.TrimSpace(text), "\n") {
				if l != "" {
					lines = append(lines, l)
				}
			}
			if code != tc.code || len(lines) != len(tc.lines) {
				t.Fatalf("exit %d (want %d), %d lines (want %d):\n%s", code, tc.code, len(lines), len(tc.lines), text)
			}
			for i, want := range tc.lines {
				if !strings.HasPrefix(lines[i], want) {
					t.Errorf("line %q, want it to start with %q", lines[i], want)
				}
			}
		})
	}
	if _, err := os.Stat(filepath.Join(e.dir, "runs")); err == nil {
		t.Errorf("--check left a runs folder")
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("--check left %d entries in the temporary folder", len(left))
	}
	if code, text := e.main(nil, "run", jobPath, "--yes", "-q"); code != ExitOK || text != "" {
		t.Fatalf("run -q: exit %d, printed %q", code, text)
	}
	code, text := e.main(nil, "run", jobPath, "--check")
	if code != ExitOK || strings.TrimSpace(text) != "check hires: in sync: account acme-sandbox matches (3 rows)" {
		t.Errorf("--check after the run: exit %d\n%s", code, text)
	}
}

// -q on set and undo: nothing printed when all goes well, errors still.
func TestQuietSetAndUndo(t *testing.T) { synctest.Test(t, testQuietSetAndUndo) }

func testQuietSetAndUndo(t *testing.T) {
	e := newMemRunEnv(t, zoomtest.Options{NoRateLimits: true})
	out := filepath.Join(e.dir, "set")
	if code, text := e.main(nil, "set", "linus.berg@acme.example", "dept=Quiet", "--yes", "-q", "--out", out); code != ExitOK || text != "" {
		t.Fatalf("set -q: exit %d, printed %q", code, text)
	}
	if code, text := e.main(nil, "undo", out, "--yes", "-q"); code != ExitOK || text != "" {
		t.Fatalf("undo -q: exit %d, printed %q", code, text)
	}
	if u, _ := e.srv.UserByEmail("linus.berg@acme.example"); u.Dept == "Quiet" {
		t.Errorf("the quiet undo did not put the department back")
	}
	if code, text := e.main(nil, "set", "linus.berg@acme.example", "dpt=Quiet", "--yes", "-q"); code != ExitUsage || !strings.Contains(text, `did you mean "dept"`) {
		t.Errorf("set -q with a mistake: exit %d, printed %q", code, text)
	}
}

// run --help lists every exit code run can end with.
func TestRunHelpListsEveryExitCode(t *testing.T) { synctest.Test(t, testRunHelpListsEveryExitCode) }

func testRunHelpListsEveryExitCode(t *testing.T) {
	e := newMemRunEnv(t, zoomtest.Options{NoRateLimits: true})
	_, text := e.main(nil, "run", "--help")
	for _, code := range []int{ExitOK, ExitPartial, ExitUsage, ExitAborted, ExitAuth, ExitDrift} {
		want := []string{"0 all rows", "1 some rows", "2 usage", "3 interrupted", "4 cannot", "5 with --check"}[code]
		if !strings.Contains(strings.Join(strings.Fields(text), " "), want) {
			t.Errorf("run --help does not list exit %d (%q)", code, want)
		}
	}
}
