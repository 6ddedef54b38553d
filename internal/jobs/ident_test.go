package jobs_test

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/zoombulk/zoombulk/internal/jobs"
	"github.com/zoombulk/zoombulk/internal/results"
	"github.com/zoombulk/zoombulk/internal/zoom"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

const deptJob = "version: 1\nname: depts\ninput: in.csv\nfields:\n  email: Email\n  dept: Dept\nsteps:\n  - update_users\n"

var deptRows = [][]string{
	{"alan.turing@acme.example", "Research"},
	{"grace.hopper@acme.example", "Navy"},
	{"ada.lovelace@acme.example", "Engines"},
}

// calls is every call a sandbox answered (the token aside).
func calls(st zoomtest.Stats) int {
	n := 0
	for _, c := range st.Calls {
		n += c
	}
	return n
}

// A run folder belongs to the account it was made on: a resume or an undo
// with the credentials of another account (another ID, or the same ID on
// another host) is refused before any call, naming both accounts.
func TestResumeAndUndoRefuseAnotherAccount(t *testing.T) {
	for _, tc := range []struct {
		name    string
		account string // the second sandbox's account ID ("": the same as the first's)
	}{
		{"another account id", "other-account"},
		{"same id on another host", ""},
	} {
		t.Run(tc.name, zoomtest.Bubble(func(t *testing.T) {
			e := newEnv(t, zoomtest.Options{NoRateLimits: true})
			other := newEnv(t, zoomtest.Options{NoRateLimits: true, AccountID: tc.account})
			if tc.account == "" && other.client.AccountID() != e.client.AccountID() {
				t.Fatalf("the second sandbox's account is %q, want the first's %q", other.client.AccountID(), e.client.AccountID())
			}
			e.writeCSV("in.csv", []string{"Email", "Dept"}, deptRows)
			job := e.write("job.yaml", deptJob)
			run := filepath.Join(e.dir, "run")
			// Stopped as it starts to apply: the journal is open, every row
			// not_run.
			ctx, cancel := context.WithCancel(context.Background())
			if _, err := e.run(ctx, job, run, func(o *jobs.Options) { o.Applying = cancel }); !errors.Is(err, jobs.ErrAborted) {
				t.Fatalf("the stopped run: %v", err)
			}
			startOther := accountState(other.srv)

			other.srv.ResetStats()
			_, err := runWith(t, other.client, job, run, func(o *jobs.Options) { o.Resume = true })
			checkRefused(t, err, e.client, other.client)
			if n := calls(other.srv.Stats()); n != 0 {
				t.Errorf("the refused resume made %d calls on the other account", n)
			}

			// Finished on its own account, the run is undone only there.
			if _, err := e.run(context.Background(), job, run, func(o *jobs.Options) { o.Resume = true }); err != nil {
				t.Fatal(err)
			}
			other.srv.ResetStats()
			_, err = undoWith(t, other.client, run, filepath.Join(run, "undo"), nil)
			checkRefused(t, err, e.client, other.client)
			if n := calls(other.srv.Stats()); n != 0 {
				t.Errorf("the refused undo made %d calls on the other account", n)
			}
			if d := diffState(startOther, accountState(other.srv)); len(d) > 0 {
				t.Errorf("the other account changed:\n%s", strings.Join(d, "\n"))
			}
			if u, _ := e.srv.UserByEmail("alan.turing@acme.example"); u.Dept != "Research" {
				t.Errorf("the run's own account lost the run's change: dept %q", u.Dept)
			}
		}))
	}
}

func checkRefused(t *testing.T, err error, run, used *zoom.Client) {
	t.Helper()
	var acc *jobs.AccountMismatchError
	if !errors.As(err, &acc) {
		t.Fatalf("err = %v, want an AccountMismatchError", err)
	}
	msg := err.Error()
	for _, s := range []string{run.AccountID(), run.APIHost(), used.AccountID(), used.APIHost()} {
		if !strings.Contains(msg, s) {
			t.Errorf("the refusal does not name %q: %s", s, msg)
		}
	}
}

func runWith(t *testing.T, c *zoom.Client, jobPath, out string, tweak func(*jobs.Options)) (*jobs.Summary, error) {
	e := &env{t: t, client: c}
	return e.run(context.Background(), jobPath, out, tweak)
}

func undoWith(t *testing.T, c *zoom.Client, runDir, out string, tweak func(*jobs.Options)) (*jobs.Summary, error) {
	e := &env{t: t, client: c}
	return e.undo(context.Background(), runDir, out, tweak)
}

// undo.csv names each user by Zoom user ID next to the email; the undo
// acts on a row only while that ID still has that email.
func TestUndoLeavesAnotherPersonAlone(t *testing.T) {
	for _, tc := range []struct {
		name   string
		after  func(t *testing.T, c *zoom.Client) // what happens to alan after the run
		reason string
		email  string // whose state must be left as after
	}{
		{"email re-created as another user", func(t *testing.T, c *zoom.Client) {
			ctx := context.Background()
			if err := c.DeleteUser(ctx, "alan.turing@acme.example", zoom.DeleteOptions{Action: "delete"}); err != nil {
				t.Fatal(err)
			}
			if _, err := c.CreateUser(ctx, "create", zoom.NewUser{Email: "alan.turing@acme.example", Type: 1, FirstName: "Alan", LastName: "Newman"}); err != nil {
				t.Fatal(err)
			}
			if err := c.UpdateUser(ctx, "alan.turing@acme.example", map[string]any{"dept": "Sales"}); err != nil {
				t.Fatal(err)
			}
		}, "now belongs to another user", "alan.turing@acme.example"},
		{"id now has another email", func(t *testing.T, c *zoom.Client) {
			if err := c.ChangeEmail(context.Background(), "alan.turing@acme.example", "alan.t@acme-corp.example"); err != nil {
				t.Fatal(err)
			}
		}, "now has the email alan.t@acme-corp.example", "alan.t@acme-corp.example"},
	} {
		t.Run(tc.name, zoomtest.Bubble(func(t *testing.T) {
			e := newEnv(t, zoomtest.Options{NoRateLimits: true})
			start := accountState(e.srv)
			e.writeCSV("in.csv", []string{"Email", "Dept"}, deptRows)
			run := filepath.Join(e.dir, "run")
			if _, err := e.run(context.Background(), e.write("job.yaml", deptJob), run, nil); err != nil {
				t.Fatal(err)
			}
			orig, _ := e.srv.UserByEmail("alan.turing@acme.example")
			if !strings.Contains(readFile(t, filepath.Join(run, jobs.UndoCSV)), orig.ID) {
				t.Fatalf("undo.csv does not carry alan's user ID %s:\n%s", orig.ID, readFile(t, filepath.Join(run, jobs.UndoCSV)))
			}
			tc.after(t, e.client)
			after := accountState(e.srv)[tc.email]
			out := filepath.Join(run, "undo")
			sum, err := e.undo(context.Background(), run, out, nil)
			if err != nil {
				t.Fatalf("undo: %v", err)
			}
			if sum.Counts[results.Conflict] != 1 || sum.Counts[results.Succeeded] != 2 {
				t.Errorf("undo rows %v, want 1 conflict and 2 succeeded", sum.Counts)
			}
			lines := readResults(t, out)
			i := slices.IndexFunc(lines, func(m map[string]string) bool { return m["email"] == "alan.turing@acme.example" })
			if lines[i]["zb_status"] != "conflict" || !strings.Contains(lines[i]["zb_reason"], tc.reason) {
				t.Errorf("alan's row: %s %q, want conflict saying %q", lines[i]["zb_status"], lines[i]["zb_reason"], tc.reason)
			}
			if got := accountState(e.srv)[tc.email]; got != after {
				t.Errorf("the undo touched %s:\n before %s\n after  %s", tc.email, after, got)
			}
			for _, who := range []string{"grace.hopper@acme.example", "ada.lovelace@acme.example"} {
				if got := accountState(e.srv)[who]; got != start[who] {
					t.Errorf("%s not put back:\n want %s\n got  %s", who, start[who], got)
				}
			}
		}))
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// editUndo rewrites undo.csv through f (each record, header first).
func editUndo(t *testing.T, run string, f func(recs [][]string) [][]string) {
	t.Helper()
	path := filepath.Join(run, jobs.UndoCSV)
	recs, err := csv.NewReader(strings.NewReader(readFile(t, path))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.WriteAll(f(recs))
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// undo.csv is the run's own file: edited or cut short, it is refused (no
// call) unless --edited, and even then a row pointed at another user is
// left alone.
func TestUndoRefusesAnEditedUndoFile(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(recs [][]string) [][]string
	}{
		{"truncated", func(recs [][]string) [][]string {
			return slices.DeleteFunc(recs, func(r []string) bool { return r[0] == "grace.hopper@acme.example" })
		}},
		{"email pointed at another user", func(recs [][]string) [][]string {
			for _, r := range recs[1:] {
				if r[0] == "grace.hopper@acme.example" {
					r[0] = "linus.berg@acme.example"
				}
			}
			return recs
		}},
	} {
		t.Run(tc.name, zoomtest.Bubble(func(t *testing.T) {
			e := newEnv(t, zoomtest.Options{NoRateLimits: true})
			e.writeCSV("in.csv", []string{"Email", "Dept"}, deptRows)
			run := filepath.Join(e.dir, "run")
			if _, err := e.run(context.Background(), e.write("job.yaml", deptJob), run, nil); err != nil {
				t.Fatal(err)
			}
			editUndo(t, run, tc.edit)
			afterRun := accountState(e.srv)
			e.srv.ResetStats()
			_, err := e.undo(context.Background(), run, filepath.Join(run, "undo"), nil)
			var dirErr *jobs.RunDirError
			if !errors.As(err, &dirErr) || !errors.Is(err, jobs.ErrUndoEdited) {
				t.Fatalf("err = %v, want the edited undo.csv refused", err)
			}
			if n := calls(e.srv.Stats()); n != 0 {
				t.Errorf("the refused undo made %d calls", n)
			}
			sum, _ := e.undo(context.Background(), run, filepath.Join(run, "undo-edited"), func(o *jobs.Options) { o.UndoEdited = true })
			if sum == nil {
				t.Fatal("undo --edited gave no summary")
			}
			state := accountState(e.srv)
			if got := state["linus.berg@acme.example"]; got != afterRun["linus.berg@acme.example"] {
				t.Errorf("undo --edited changed a user the run never touched:\n before %s\n after  %s", afterRun["linus.berg@acme.example"], got)
			}
			if u, _ := e.srv.UserByEmail("alan.turing@acme.example"); u.Dept == "Research" {
				t.Errorf("undo --edited left alan's row (ID and email match the run's) as the run set it\n%s", readFile(t, filepath.Join(run, "undo-edited", "results.csv")))
			}
		}))
	}
}

// --overwrite sets the earlier run's files aside, undo.csv and journal
// included, and that run can still be undone from there.
func TestOverwriteKeepsTheEarlierRunUndoable(t *testing.T) {
	synctest.Test(t, testOverwriteKeepsTheEarlierRunUndoable)
}

func testOverwriteKeepsTheEarlierRunUndoable(t *testing.T) {
	e := newEnv(t, zoomtest.Options{NoRateLimits: true})
	start := accountState(e.srv)
	e.writeCSV("in.csv", []string{"Email", "Dept"}, deptRows)
	job := e.write("job.yaml", deptJob)
	run := filepath.Join(e.dir, "run")
	if _, err := e.run(context.Background(), job, run, nil); err != nil {
		t.Fatal(err)
	}
	e.writeCSV("in.csv", []string{"Email", "Dept"}, [][]string{{"linus.berg@acme.example", "Kernel"}})
	if _, err := e.run(context.Background(), job, run, func(o *jobs.Options) { o.Overwrite = true }); err != nil {
		t.Fatal(err)
	}
	aside, _ := filepath.Glob(filepath.Join(run, "replaced-*"))
	if len(aside) != 1 {
		t.Fatalf("replaced-* folders: %v, want one", aside)
	}
	for _, f := range []string{"run.json", "journal.jsonl", jobs.UndoCSV, jobs.UndoYAML, "results.csv"} {
		if _, err := os.Stat(filepath.Join(aside[0], f)); err != nil {
			t.Errorf("the earlier run's %s was not kept: %v", f, err)
		}
	}
	if !strings.Contains(readFile(t, filepath.Join(run, "results.csv")), "linus.berg") {
		t.Errorf("the new run's results are not in the folder")
	}
	for _, dir := range []string{run, aside[0]} {
		if _, err := e.undo(context.Background(), dir, filepath.Join(dir, "undo"), nil); err != nil {
			t.Fatalf("undo of %s: %v", dir, err)
		}
	}
	if d := diffState(start, accountState(e.srv)); len(d) > 0 {
		t.Errorf("after undoing both runs the account differs from the start:\n%s", strings.Join(d, "\n"))
	}
}

// cutJournal keeps the journal up to (not including) the result line of
// the n-th result record of step, as a kill -9 with that call in flight
// leaves it: the call landed, its result was never written, and the
// files a finished run writes are not there.
func cutJournal(t *testing.T, run, step string, n int) {
	t.Helper()
	path := filepath.Join(run, "journal.jsonl")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	sc := bufio.NewScanner(f)
	seen := 0
	for sc.Scan() {
		line := sc.Text()
		if strings.Contains(line, `"type":"result"`) && strings.Contains(line, `"step":"`+step+`"`) {
			seen++
			if seen == n {
				break
			}
		}
		kept = append(kept, line)
	}
	f.Close()
	if seen < n {
		t.Fatalf("the journal has %d results of %s, want at least %d", seen, step, n)
	}
	if err := os.WriteFile(path, []byte(strings.Join(kept, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"run.json", "results.csv", "results.xlsx", "failed.csv", jobs.UndoCSV, jobs.UndoYAML} {
		os.Remove(filepath.Join(run, name))
	}
}

// A change whose call was in flight when the process died is read back on
// resume and reported as done (never unchanged), and the undo, derived
// from the whole journal, puts it back with the rest.
func TestInFlightChangeIsRecoveredAndUndone(t *testing.T) {
	synctest.Test(t, testInFlightChangeIsRecoveredAndUndone)
}

func testInFlightChangeIsRecoveredAndUndone(t *testing.T) {
	e := newEnv(t, zoomtest.Options{NoRateLimits: true})
	start := accountState(e.srv)
	e.writeCSV("in.csv", []string{"Email", "Dept"}, deptRows)
	job := e.write("job.yaml", deptJob)
	run := filepath.Join(e.dir, "run")
	if _, err := e.run(context.Background(), job, run, func(o *jobs.Options) { o.Concurrency = 1 }); err != nil {
		t.Fatal(err)
	}
	// One worker: alan, grace, ada in turn. Killed with grace's call in
	// flight: it landed, its result line did not, and ada's call was
	// never sent.
	cutJournal(t, run, "update_users", 2)
	if err := e.client.UpdateUser(context.Background(), "ada.lovelace@acme.example", map[string]any{"dept": "Engineering"}); err != nil {
		t.Fatal(err)
	}
	sum, err := e.run(context.Background(), job, run, func(o *jobs.Options) { o.Resume = true })
	if err != nil {
		t.Fatal(err)
	}
	if sum.Counts[results.Succeeded] != 3 || sum.Counts[results.Unchanged] != 0 {
		t.Errorf("after the resume: %v, want all 3 succeeded (the in-flight one found done, not unchanged)", sum.Counts)
	}
	lines := readResults(t, run)
	if g := lines[1]; g["zb_status"] != "succeeded" || g["zb_update_users"] != "succeeded" {
		t.Errorf("grace's row: %v, want succeeded (found done on resume)", g)
	}
	if _, err := e.undo(context.Background(), run, filepath.Join(run, "undo"), nil); err != nil {
		t.Fatalf("undo: %v\n%s", err, readFile(t, filepath.Join(run, jobs.UndoCSV)))
	}
	if d := diffState(start, accountState(e.srv)); len(d) > 0 {
		t.Errorf("after the undo the account differs from the start:\n%s\nundo.csv:\n%s", strings.Join(d, "\n"), readFile(t, filepath.Join(run, jobs.UndoCSV)))
	}
}

// A full disk while the results are written: the run says how to rebuild
// them, the journal is whole, and --resume writes them without a call.
func TestResultsThatCannotBeWrittenKeepTheJournal(t *testing.T) {
	synctest.Test(t, testResultsThatCannotBeWrittenKeepTheJournal)
}

func testResultsThatCannotBeWrittenKeepTheJournal(t *testing.T) {
	e := newEnv(t, zoomtest.Options{NoRateLimits: true})
	e.writeCSV("in.csv", []string{"Email", "Dept"}, deptRows)
	job := e.write("job.yaml", deptJob)
	run := filepath.Join(e.dir, "run")
	// A folder where results.csv goes: its write fails as on a full disk.
	blocker := filepath.Join(run, "results.csv", "x")
	_, err := e.run(context.Background(), job, run, func(o *jobs.Options) {
		o.Applying = func() {
			if err := os.MkdirAll(blocker, 0o755); err != nil {
				t.Fatal(err)
			}
		}
	})
	var resErr *jobs.ResultsError
	if !errors.As(err, &resErr) || !strings.Contains(err.Error(), "--resume "+run) || !strings.Contains(err.Error(), "zoombulk results "+run) {
		t.Fatalf("err = %v, want a ResultsError saying how to rebuild", err)
	}
	journal := readFile(t, filepath.Join(run, "journal.jsonl"))
	if n := strings.Count(journal, `"type":"result"`); n != len(deptRows) {
		t.Errorf("the journal holds %d results, want %d", n, len(deptRows))
	}
	os.RemoveAll(filepath.Join(run, "results.csv"))
	for _, how := range []struct {
		name  string
		tweak func(*jobs.Options)
	}{
		{"zoombulk results", func(o *jobs.Options) { o.Rebuild = true }},
		{"--resume", func(o *jobs.Options) { o.Resume = true }},
	} {
		e.srv.ResetStats()
		c := e.client
		if how.name == "zoombulk results" {
			e.client = nil // no credentials: nothing can be sent
		}
		sum, err := e.run(context.Background(), job, run, how.tweak)
		e.client = c
		if err != nil {
			t.Fatalf("%s: %v", how.name, err)
		}
		if sum.Counts[results.Succeeded] != len(deptRows) || len(readResults(t, run)) != len(deptRows) {
			t.Errorf("%s: rebuilt results: %v, want every row succeeded", how.name, sum.Counts)
		}
		if n := calls(e.srv.Stats()); n != 0 && how.name == "zoombulk results" || writes(e.srv.Stats()) != 0 {
			t.Errorf("%s: rebuilding the results made %d calls (%d writes)", how.name, n, writes(e.srv.Stats()))
		}
	}
	if _, err := e.undo(context.Background(), run, filepath.Join(run, "undo"), nil); err != nil {
		t.Errorf("undo after the rebuild: %v", err)
	}
}

// A member a sync took out, killed with that call in flight: the resume
// finds nothing left to do for them (they are out), and the undo, from
// the journal's intent, still puts them back.
func TestInFlightSyncRemovalIsUndone(t *testing.T) { synctest.Test(t, testInFlightSyncRemovalIsUndone) }

func testInFlightSyncRemovalIsUndone(t *testing.T) {
	e := newEnv(t, zoomtest.Options{NoRateLimits: true})
	start := accountState(e.srv)
	e.writeCSV("in.csv", []string{"Email", "Group"}, [][]string{{"alan.turing@acme.example", "Sales"}})
	job := e.write("job.yaml", "version: 1\nname: sales\ninput: in.csv\nfields:\n  email: Email\n  group: Group\nsteps:\n  - move_group: { to: group, sync: exact }\nlimits: { max_removals: 100 }\n")
	run := filepath.Join(e.dir, "run")
	sum, err := e.run(context.Background(), job, run, func(o *jobs.Options) { o.Concurrency = 1 })
	if err != nil {
		t.Fatal(err)
	}
	// The removal rows come after the input's rows: the last result is
	// one. Every user but alan the run changed was taken out of Sales.
	removed := 0
	after := accountState(e.srv)
	for email, was := range start {
		if after[email] != was && email != "alan.turing@acme.example" {
			removed++
		}
	}
	if removed == 0 {
		t.Fatalf("the sync took no one out of Sales: %v", sum.Counts)
	}
	results := strings.Count(readFile(t, filepath.Join(run, "journal.jsonl")), `"type":"result"`)
	cutJournal(t, run, "move_group", results)
	if _, err := e.run(context.Background(), job, run, func(o *jobs.Options) { o.Resume = true }); err != nil {
		t.Fatal(err)
	}
	if _, err := e.undo(context.Background(), run, filepath.Join(run, "undo"), nil); err != nil {
		t.Fatalf("undo: %v\n%s", err, readFile(t, filepath.Join(run, jobs.UndoCSV)))
	}
	if d := diffState(start, accountState(e.srv)); len(d) > 0 {
		t.Errorf("after the undo the account differs from the start:\n%s\nundo.csv:\n%s", strings.Join(d, "\n"), readFile(t, filepath.Join(run, jobs.UndoCSV)))
	}
}
