package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// mainClock runs the CLI with a clock that moves step forward at each
// reading, so that signals are as far apart as the test says.
func (e *runEnv) mainClock(sigs chan os.Signal, step time.Duration, args ...string) (int, string) {
	var out bytes.Buffer
	errOut := &lockedBuffer{}
	var mu sync.Mutex
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	stdio := &IO{In: strings.NewReader(""), Out: &out, ErrOut: errOut, Getenv: func(k string) string { return e.env[k] },
		Exit: func(code int) { e.t.Errorf("exited at once with %d", code) }, Transport: e.transport,
		Now: func() time.Time {
			mu.Lock()
			defer mu.Unlock()
			now = now.Add(step)
			return now
		}}
	code := Main(context.Background(), args, stdio, sigs)
	return code, out.String() + errOut.String()
}

// sendAfterCreates sends n signals at once when the sandbox has created
// the first users: the moment it applies the 20th create (the channel
// closes under the sandbox's lock), not at a poll. sigs has room for the n
// signals.
func sendAfterCreates(srv *zoomtest.Server, sigs chan os.Signal, n int) {
	reached := srv.AppliedReached("POST /users", 20)
	go func() {
		<-reached
		for range n {
			sigs <- syscall.SIGTERM
		}
	}()
}

func TestRunStops(t *testing.T) {
	for _, tc := range []struct {
		name     string
		step     time.Duration // how far apart the clock puts the signals
		workbook bool          // results.xlsx written
		says     string
	}{
		// timeout(1) or a process-group kill: two signals at once are one
		// clean stop, with every file.
		{"two signals at once are one stop", time.Millisecond, true, "finishing the calls in flight"},
		// Two stops: the calls in flight are cancelled, results.csv is
		// still written from the journal, the workbook is skipped.
		{"a second stop cancels the calls in flight", 2 * time.Second, false, "results.xlsx was not written"},
	} {
		// In a bubble, in memory: the sandbox's latency passes in virtual
		// time, and the signals go at the 20th create on any machine.
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e := newMemRunEnv(t, zoomtest.Options{Latency: 5 * time.Millisecond})
				jobPath := e.file("job.yaml", createJob)
				e.file("users.csv", hires(200, "Sales"))
				out := filepath.Join(e.dir, "out")
				sigs := make(chan os.Signal, 2)
				sendAfterCreates(e.srv, sigs, 2)
				code, text := e.mainClock(sigs, tc.step, "run", jobPath, "--yes", "--out", out)
				if code != ExitAborted || !strings.Contains(text, tc.says) || !strings.Contains(text, "--resume "+out) {
					t.Fatalf("exit %d, want 3 saying %q and how to resume:\n%s", code, tc.says, text)
				}
				if strings.Contains(text, "Quitting now") {
					t.Errorf("two signals quit at once:\n%s", text)
				}
				lines, err := os.ReadFile(filepath.Join(out, "results.csv"))
				if err != nil {
					t.Fatalf("no results.csv after the stop: %v", err)
				}
				if n := strings.Count(strings.TrimSpace(string(lines)), "\n"); n != 200 {
					t.Errorf("results.csv has %d rows, want 200", n)
				}
				if _, err := os.Stat(filepath.Join(out, "results.xlsx")); (err == nil) != tc.workbook {
					t.Errorf("results.xlsx written: %v, want %v", err == nil, tc.workbook)
				}
				if !tc.workbook && strings.Contains(text, "see results.xlsx") {
					t.Errorf("the summary points to the results.xlsx it did not write:\n%s", text)
				}
				code, text = e.main(nil, "run", jobPath, "--yes", "--resume", out)
				if code != ExitOK {
					t.Fatalf("resume: exit %d\n%s", code, text)
				}
				if n := e.srv.Stats().Applied["POST /users"]; n != 200 {
					t.Errorf("%d users created, want 200", n)
				}
			})
		})
	}
}

// A stop while the plan reads the account sends nothing, says so, and
// leaves no empty run folder.
func TestStopWhilePlanningLeavesNoFolder(t *testing.T) {
	synctest.Test(t, testStopWhilePlanningLeavesNoFolder)
}

func testStopWhilePlanningLeavesNoFolder(t *testing.T) {
	e := newMemRunEnv(t, zoomtest.Options{Latency: 5 * time.Millisecond})
	jobPath := e.file("job.yaml", createJob)
	e.file("users.csv", hires(50, "Sales"))
	out := filepath.Join(e.dir, "out")
	sigs := make(chan os.Signal, 1)
	sigs <- syscall.SIGTERM // there before the plan's first read
	code, text := e.main(sigs, "run", jobPath, "--yes", "--out", out)
	if code != ExitAborted || !strings.Contains(text, "stopped before anything was sent") || strings.Contains(text, "writing the results") {
		t.Fatalf("exit %d, want 3 saying it stopped before anything was sent:\n%s", code, text)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("the stopped run left %s (%s)", out, listDir(t, out))
	}
	if n := writes(e.srv.Stats()); n != 0 {
		t.Errorf("%d writes sent", n)
	}
}

// undo and --resume with another account's credentials: exit 2, both
// accounts named, no call on the other account.
func TestUndoAndResumeWithAnotherAccountExitTwo(t *testing.T) {
	synctest.Test(t, testUndoAndResumeWithAnotherAccountExitTwo)
}

func testUndoAndResumeWithAnotherAccountExitTwo(t *testing.T) {
	a := newMemRunEnv(t, zoomtest.Options{NoRateLimits: true})
	b := newMemRunEnv(t, zoomtest.Options{NoRateLimits: true, AccountID: "second-account"})
	jobPath := a.file("job.yaml", createJob)
	a.file("users.csv", hires(5, "Sales"))
	out := filepath.Join(a.dir, "out")
	if code, text := a.main(nil, "run", jobPath, "--yes", "--out", out); code != ExitOK {
		t.Fatalf("run: exit %d\n%s", code, text)
	}
	for _, args := range [][]string{{"run", jobPath, "--yes", "--resume", out}, {"undo", out, "--yes", "--allow-delete"}} {
		b.srv.ResetStats()
		code, text := b.main(nil, args...)
		if code != ExitUsage || !strings.Contains(text, "second-account") || !strings.Contains(text, a.env["ZOOM_ACCOUNT_ID"]) {
			t.Errorf("%s with the second account: exit %d, want 2 naming both accounts:\n%s", args[0], code, text)
		}
		calls := 0
		for _, n := range b.srv.Stats().Calls {
			calls += n
		}
		if calls != 0 {
			t.Errorf("%s: %d calls on the second account", args[0], calls)
		}
	}
}
