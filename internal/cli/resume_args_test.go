package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// Issue 28 item 5: whatever a run was started with (a sheet with --steps,
// zoombulk set), the hint it prints when it stops is a whole command, and
// that command alone (no job, no --steps) finishes the run: the arguments
// are in run.json. The runs here are stopped by --max-failures 0 at their
// first row, a user the account does not have.
func TestResumeHintIsAWholeCommand(t *testing.T) {
	users := []string{"grace.hopper", "alan.turing", "ada.lovelace", "linus.berg", "sam.seller"}
	for _, tc := range []struct {
		name     string
		start    func(e *runEnv, out string) []string
		recorded string // an argument run.json must keep
	}{
		{"a sheet with --steps", func(e *runEnv, out string) []string {
			var b strings.Builder
			b.WriteString("Email,Department\nnobody@acme.example,Dept9\n")
			for _, u := range users {
				fmt.Fprintf(&b, "%s@acme.example,Dept9\n", u)
			}
			return []string{"run", e.file("in.csv", b.String()), "--steps", "update_users"}
		}, "--steps=update_users"},
		{"zoombulk set", func(e *runEnv, out string) []string {
			args := []string{"set", "nobody@acme.example"}
			for _, u := range users {
				args = append(args, "--user", u+"@acme.example")
			}
			return append(args, "dept=Dept9")
		}, "--max-failures=0"},
	} {
		t.Run(tc.name, zoomtest.Bubble(func(t *testing.T) {
			e := newMemRunEnv(t, zoomtest.Options{NoRateLimits: true})
			out := filepath.Join(e.dir, "run")
			args := append(tc.start(e, out), "--max-failures", "0", "--concurrency", "1", "--yes", "--out", out)
			code, text := e.main(nil, args...)
			hint := "Finish with: zoombulk run --resume " + out
			if code != ExitAborted || !strings.Contains(text, hint) || !strings.Contains(text, "more than 0 rows failed (--max-failures)") {
				t.Fatalf("exit %d, want %d with %q\n%s", code, ExitAborted, hint, text)
			}
			var info struct{ Args []string }
			if err := json.Unmarshal([]byte(readFile(t, filepath.Join(out, "run.json"))), &info); err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(info.Args, tc.recorded) || slices.Contains(info.Args, "--yes=true") {
				t.Errorf("run.json args %q: want %q and no --yes", info.Args, tc.recorded)
			}
			changed := 0
			for _, u := range users {
				if got, _ := e.srv.UserByEmail(u + "@acme.example"); got.Dept == "Dept9" {
					changed++
				}
			}
			if changed == len(users) {
				t.Fatalf("the stop left no user to finish")
			}
			// The hint, as printed (plus --yes: no terminal here).
			code, text = e.main(nil, "run", "--resume", out, "--yes")
			if code != ExitPartial {
				t.Fatalf("zoombulk run --resume %s: exit %d, want %d (the missing user fails)\n%s", out, code, ExitPartial, text)
			}
			for _, u := range users {
				if got, _ := e.srv.UserByEmail(u + "@acme.example"); got.Dept != "Dept9" {
					t.Errorf("after the resume %s has dept %q", u, got.Dept)
				}
			}
		}))
	}
}

// A folder without a recorded run cannot be resumed by name alone: the
// message says what to give.
func TestResumeAloneNeedsARun(t *testing.T) { synctest.Test(t, testResumeAloneNeedsARun) }

func testResumeAloneNeedsARun(t *testing.T) {
	e := newMemRunEnv(t, zoomtest.Options{NoRateLimits: true})
	empty := filepath.Join(e.dir, "empty")
	if err := os.MkdirAll(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	if code, text := e.main(nil, "run", "--resume", empty, "--yes"); code != ExitUsage || !strings.Contains(text, "no run to resume") {
		t.Fatalf("exit %d, want %d saying there is no run\n%s", code, ExitUsage, text)
	}
	if code, text := e.main(nil, "run", "--yes"); code != ExitUsage || !strings.Contains(text, "--resume DIR") {
		t.Fatalf("run with no job: exit %d, want %d\n%s", code, ExitUsage, text)
	}
}
