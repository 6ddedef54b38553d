package results_test

import (
	"testing"

	"github.com/zoombulk/zoombulk/internal/results"
)

// step is a step result with just a status.
func step(s results.Status) *results.StepResult { return &results.StepResult{Status: s} }

// TestReduce: a row's status from its steps' results, and the step the
// report names for it (zb_step), as an admin reads results.csv.
func TestReduce(t *testing.T) {
	const (
		ok  = results.Succeeded
		unc = results.Unchanged
		fai = results.Failed
		par = results.Partial
		ski = results.Skipped
		def = results.Deferred
		nr  = results.NotRun
		con = results.Conflict
		kep = results.Kept
	)
	for _, tc := range []struct {
		name  string
		steps []*results.StepResult
		want  results.Status
		step  int // the step named; -1 for none
	}{
		{"no steps", nil, unc, -1},
		{"one step succeeded", []*results.StepResult{step(ok)}, ok, -1},
		{"every step already as asked", []*results.StepResult{step(unc), step(unc)}, unc, -1},
		{"a change and an unchanged step", []*results.StepResult{step(unc), step(ok)}, ok, -1},
		{"failed in the second step, the rest skipped", []*results.StepResult{step(ok), step(fai), step(ski)}, fai, 1},
		{"the first failure is named", []*results.StepResult{step(fai), step(fai)}, fai, 0},
		{"a failure wins over a deferral before it", []*results.StepResult{step(def), step(fai)}, fai, 1},
		{"a failure wins over steps that did not run", []*results.StepResult{nil, step(fai)}, fai, 1},
		{"deferred by a daily limit", []*results.StepResult{step(def), step(def)}, def, 0},
		{"deferred wins over not run", []*results.StepResult{step(ok), step(nr), step(def)}, def, 2},
		{"stopped after a change: partial", []*results.StepResult{step(ok), step(nr)}, par, 1},
		{"a step that did not run at all (nil) after a change", []*results.StepResult{step(ok), nil}, par, 1},
		{"a step itself partial", []*results.StepResult{step(par), step(ok)}, par, 0},
		{"a partial step names itself, not a later not-run", []*results.StepResult{step(par), step(nr)}, par, 0},
		{"nothing ran", []*results.StepResult{nil, nil}, nr, 0},
		{"not run after an unchanged step", []*results.StepResult{step(unc), step(nr)}, nr, 1},
		{"undo: a field changed since the run", []*results.StepResult{step(ok), step(con)}, con, 1},
		{"undo: a created user kept", []*results.StepResult{step(kep)}, kep, 0},
		{"undo: conflict wins over kept", []*results.StepResult{step(kep), step(con)}, con, 1},
		{"not run wins over a conflict", []*results.StepResult{step(con), step(nr)}, nr, 1},
		{"skipped alone changes nothing", []*results.StepResult{step(ski)}, unc, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := results.Reduce(tc.steps)
			if got.Status != tc.want || got.Step != tc.step {
				t.Fatalf("Reduce = %s at step %d, want %s at step %d", got.Status, got.Step, tc.want, tc.step)
			}
			switch {
			case tc.step < 0 && got.Result != nil:
				t.Errorf("result %+v for a row no step decided", got.Result)
			case tc.step >= 0 && got.Result != tc.steps[tc.step]:
				t.Errorf("result %+v, want the named step's %+v", got.Result, tc.steps[tc.step])
			}
		})
	}
}

// TestReduceKeepsTheFailure: the failed step's own result (HTTP status,
// Zoom's code, reason, hint) is what the report shows.
func TestReduceKeepsTheFailure(t *testing.T) {
	fail := &results.StepResult{Status: results.Failed, HTTPStatus: 404, Code: 1001, Reason: "User does not exist", Hint: "check the email"}
	got := results.Reduce([]*results.StepResult{step(results.Succeeded), fail, step(results.Skipped)})
	if got.Result != fail || got.Result.Code != 1001 {
		t.Fatalf("Reduce kept %+v, want the failure %+v", got.Result, fail)
	}
}

// TestCountsAndExitCodes: the counts of a run, the line the console and
// the summary print, and the exit code (README: 0 only when every row is
// as asked).
func TestCountsAndExitCodes(t *testing.T) {
	for _, tc := range []struct {
		name   string
		counts results.Counts
		total  int
		asked  bool
		exit   int
		line   string
	}{
		{"empty input", results.Counts{}, 0, true, results.ExitOK, "none"},
		{"all succeeded", results.Counts{results.Succeeded: 3}, 3, true, results.ExitOK, "succeeded 3"},
		{"succeeded and unchanged", results.Counts{results.Unchanged: 2, results.Succeeded: 1}, 3, true, results.ExitOK, "succeeded 1, unchanged 2"},
		{"undo kept created users", results.Counts{results.Succeeded: 1, results.Kept: 2}, 3, true, results.ExitOK, "succeeded 1, kept 2"},
		{"a failed row", results.Counts{results.Succeeded: 58, results.Failed: 2}, 60, false, results.ExitFailed, "succeeded 58, failed 2"},
		{"deferred rows", results.Counts{results.Succeeded: 20, results.Deferred: 10}, 30, false, results.ExitFailed, "succeeded 20, deferred 10"},
		{"partial and not run", results.Counts{results.Partial: 1, results.NotRun: 4}, 5, false, results.ExitFailed, "partial 1, not_run 4"},
		{"undo conflicts", results.Counts{results.Conflict: 1}, 1, false, results.ExitFailed, "conflict 1"},
		{"skipped", results.Counts{results.Skipped: 1, results.Unchanged: 1}, 2, false, results.ExitFailed, "unchanged 1, skipped 1"},
		{"zero counts print nothing", results.Counts{results.Failed: 0, results.Succeeded: 1}, 1, true, results.ExitOK, "succeeded 1"},
		{"every status, in report order", results.Counts{results.Kept: 9, results.Conflict: 8, results.NotRun: 7, results.Deferred: 6,
			results.Skipped: 5, results.Partial: 4, results.Failed: 3, results.Unchanged: 2, results.Succeeded: 1}, 45, false, results.ExitFailed,
			"succeeded 1, unchanged 2, failed 3, partial 4, skipped 5, deferred 6, not_run 7, conflict 8, kept 9"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.counts.Total(); got != tc.total {
				t.Errorf("Total = %d, want %d", got, tc.total)
			}
			if got := tc.counts.AsAsked(); got != tc.asked {
				t.Errorf("AsAsked = %v, want %v", got, tc.asked)
			}
			if got := tc.counts.ExitCode(); got != tc.exit {
				t.Errorf("ExitCode = %d, want %d", got, tc.exit)
			}
			if got := tc.counts.String(); got != tc.line {
				t.Errorf("String = %q, want %q", got, tc.line)
			}
		})
	}
}

// TestExitCodesAreTheREADMEs: the numbers scripts test for do not move.
func TestExitCodesAreTheREADMEs(t *testing.T) {
	for name, tc := range map[string]struct{ got, want int }{
		"ok": {results.ExitOK, 0}, "failed": {results.ExitFailed, 1}, "usage": {results.ExitUsage, 2},
		"aborted": {results.ExitAborted, 3}, "auth": {results.ExitAuth, 4}, "drift": {results.ExitDrift, 5},
	} {
		if tc.got != tc.want {
			t.Errorf("exit code %s = %d, want %d", name, tc.got, tc.want)
		}
	}
}

// TestFinalStatuses: what a resumed run leaves alone (final) and what it
// does again.
func TestFinalStatuses(t *testing.T) {
	final := map[results.Status]bool{results.Succeeded: true, results.Unchanged: true, results.Failed: true, results.Conflict: true, results.Kept: true}
	for _, s := range results.Statuses {
		if got := s.Final(); got != final[s] {
			t.Errorf("%s.Final() = %v, want %v", s, got, final[s])
		}
	}
	if len(results.Statuses) != 9 {
		t.Errorf("%d statuses: a new one needs its place in Reduce, Final and the README", len(results.Statuses))
	}
}

// TestActionsThatWrite: which planned actions spend a write call (the
// plan's call count and the prompt's "N calls" come from it).
func TestActionsThatWrite(t *testing.T) {
	for _, tc := range []struct {
		a    results.Action
		want bool
	}{
		{"", false}, {results.ActUnchanged, false}, {results.ActFail, false}, {results.ActSkip, false},
		{results.ActDone, false}, {results.ActRecovered, false}, {results.ActConflict, false}, {results.ActKeep, false},
		{results.ActCreate, true}, {results.ActUpdate, true}, {results.ActMove, true}, {results.ActAdd, true},
		{results.ActSetPrimary, true}, {results.ActAssign, true}, {results.ActActivate, true}, {results.ActDeactivate, true},
		{results.ActDelete, true}, {results.ActDisassoc, true}, {results.ActRename, true}, {results.ActRevoke, true},
		{results.ActUpload, true}, {results.ActRemove, true},
	} {
		if got := tc.a.Writes(); got != tc.want {
			t.Errorf("Action(%q).Writes() = %v, want %v", tc.a, got, tc.want)
		}
	}
}
