// Package results is the one vocabulary of what a run did and will do: the
// status of a row and of a row's step, the planned actions, the field
// changes of a plan, and the files that report them (results.*, failed.csv,
// changes.csv, plan.*). The console, the report files and the exit code all
// reduce rows with the methods here, so they cannot disagree.
package results

import (
	"slices"
	"strconv"
	"strings"
)

// Status is what happened to a row in a step, or to the row as a whole.
type Status string

const (
	Succeeded Status = "succeeded"
	Unchanged Status = "unchanged" // already as asked: no call was spent
	Failed    Status = "failed"
	Partial   Status = "partial"  // some of the work done, the rest did not run (a row's steps, or a step's calls)
	Skipped   Status = "skipped"  // an earlier step of the row failed, or the row cannot finish
	Deferred  Status = "deferred" // a daily limit stopped the step; --resume finishes it
	NotRun    Status = "not_run"  // the run stopped before reaching it
	Conflict  Status = "conflict" // undo: someone changed the field after the run; left as found
	Kept      Status = "kept"     // undo: a user the run created, kept (deleting it needs --allow-delete)
)

// Statuses lists every status in report order.
var Statuses = []Status{Succeeded, Unchanged, Failed, Partial, Skipped, Deferred, NotRun, Conflict, Kept}

// NeedsLook says whether a row (or a row's step) with this status needs
// an admin's look: it failed, did not finish, was deferred or skipped, or
// an undo left it as someone changed it. failed.csv, the Failures sheet,
// the console's "Rows that need a look", --json's failed list, the
// progress counter and the exit code all ask this one method, so the four
// can never disagree again.
func (s Status) NeedsLook() bool {
	switch s {
	case Succeeded, Unchanged, Kept:
		return false
	}
	return true // Failed, Partial, Skipped, Deferred, NotRun, Conflict, and anything unknown
}

// Final says whether a step result is final: a resumed run leaves it
// alone. Skipped is not: whether a step starts is the plan's to decide
// again.
func (s Status) Final() bool {
	switch s {
	case Succeeded, Unchanged, Failed, Conflict, Kept:
		return true
	}
	return false
}

// Action is what the plan decided for a row in a step.
type Action string

const (
	ActCreate     Action = "create"
	ActUpdate     Action = "update"
	ActUnchanged  Action = "unchanged"
	ActFail       Action = "fail"
	ActSkip       Action = "skip"
	ActMove       Action = "move"
	ActAdd        Action = "add"
	ActSetPrimary Action = "set_primary"
	ActAssign     Action = "assign"
	ActActivate   Action = "activate"
	ActDeactivate Action = "deactivate"
	ActDelete     Action = "delete"
	ActDisassoc   Action = "disassociate"
	ActDone       Action = "done"      // finished in an earlier run (resume)
	ActRecovered  Action = "recovered" // an interrupted run's create took effect
	ActRename     Action = "rename"    // change_email: the user moves to a new address
	ActRevoke     Action = "revoke"    // revoke_sso_token: the user is signed out
	ActUpload     Action = "upload"    // upload_picture: a new profile picture
	ActRemove     Action = "remove"    // take the user out of a group
	// ActRemoveUnlisted is what the reports call a sync's removal of a
	// member no input row lists (its own result row, with no row number).
	ActRemoveUnlisted Action = "remove (not listed)"
	ActConflict       Action = "conflict" // undo: changed since the run, left as found
	ActKeep           Action = "keep"     // undo: a created user is kept (no --allow-delete)
)

// Actions lists every action in report order: every summary that lists
// actions (plan.xlsx, the console's plan, --json) walks it, so a new
// action is reported as soon as it is added here (TestActionsListsEvery
// checks that it is).
var Actions = []Action{ActCreate, ActUpdate, ActUnchanged, ActFail, ActSkip, ActMove, ActAdd, ActSetPrimary,
	ActAssign, ActActivate, ActDeactivate, ActDelete, ActDisassoc, ActRename, ActRevoke, ActUpload, ActRemove,
	ActRemoveUnlisted, ActDone, ActRecovered, ActConflict, ActKeep}

// ActionCounts counts rows by planned action.
type ActionCounts map[Action]int

// Text reads "create 3, update 1" in Actions order, with only the actions
// keep accepts (nil: all); an action missing from Actions comes last, by
// name, rather than vanishing. It is "" when nothing is counted.
func (c ActionCounts) Text(keep func(Action) bool) string {
	var parts []string
	add := func(a Action) {
		if n := c[a]; n > 0 && (keep == nil || keep(a)) {
			parts = append(parts, string(a)+" "+strconv.Itoa(n))
		}
	}
	for _, a := range Actions {
		add(a)
	}
	var extra []Action
	for a := range c {
		if !slices.Contains(Actions, a) {
			extra = append(extra, a)
		}
	}
	slices.Sort(extra)
	for _, a := range extra {
		add(a)
	}
	return strings.Join(parts, ", ")
}

// Writes says whether the action spends a write call.
func (a Action) Writes() bool {
	switch a {
	case "", ActUnchanged, ActFail, ActSkip, ActDone, ActRecovered, ActConflict, ActKeep:
		return false
	}
	return true
}

// StepResult is a row's result in one step.
type StepResult struct {
	Status     Status `json:"status"`
	HTTPStatus int    `json:"http,omitempty"`
	Code       int    `json:"code,omitempty"`
	Reason     string `json:"reason,omitempty"`
	Hint       string `json:"hint,omitempty"`
	UserID     string `json:"user_id,omitempty"`
	TrackingID string `json:"tracking_id,omitempty"`
}

// RowOutcome is a row's status with the step that decided it.
type RowOutcome struct {
	Status Status
	Step   int         // index of the step that failed, was deferred or did not run; -1 for none
	Result *StepResult // that step's result (nil for succeeded/unchanged rows)
}

// Reduce sums a row's step results (nil: the step did not run) into the
// row's status:
//   - failed when a step failed (the first failure names the step);
//   - deferred when a daily limit deferred a step;
//   - partial when some step changed the account and another did not run;
//   - not_run when a step did not run and none changed anything;
//   - conflict when an undo left a field someone changed since the run;
//   - kept when an undo kept a user the run created;
//   - succeeded when a step changed something, else unchanged.
func Reduce(steps []*StepResult) RowOutcome {
	deferred, notRun, changed, conflict, kept := -1, -1, false, -1, -1
	for i, res := range steps {
		switch {
		case res != nil && res.Status == Conflict:
			if conflict < 0 {
				conflict = i
			}
		case res != nil && res.Status == Kept:
			if kept < 0 {
				kept = i
			}
		case res == nil || res.Status == NotRun:
			if notRun < 0 {
				notRun = i
			}
		case res.Status == Failed:
			return RowOutcome{Status: Failed, Step: i, Result: res}
		case res.Status == Deferred:
			if deferred < 0 {
				deferred = i
			}
		case res.Status == Succeeded:
			changed = true
		case res.Status == Partial:
			changed = true
			if notRun < 0 {
				notRun = i
			}
		}
	}
	switch {
	case deferred >= 0:
		return RowOutcome{Status: Deferred, Step: deferred, Result: steps[deferred]}
	case notRun >= 0 && changed:
		return RowOutcome{Status: Partial, Step: notRun, Result: steps[notRun]}
	case notRun >= 0:
		return RowOutcome{Status: NotRun, Step: notRun, Result: steps[notRun]}
	case conflict >= 0:
		return RowOutcome{Status: Conflict, Step: conflict, Result: steps[conflict]}
	case kept >= 0:
		return RowOutcome{Status: Kept, Step: kept, Result: steps[kept]}
	case changed:
		return RowOutcome{Status: Succeeded, Step: -1}
	}
	return RowOutcome{Status: Unchanged, Step: -1}
}

// Counts counts rows by status.
type Counts map[Status]int

// Total is the number of rows counted.
func (c Counts) Total() int {
	n := 0
	for _, v := range c {
		n += v
	}
	return n
}

// AsAsked says whether no row needs a look: every row ended succeeded or
// unchanged, or kept (a user an undo kept: keeping it was the choice).
func (c Counts) AsAsked() bool {
	for st, n := range c {
		if n > 0 && st.NeedsLook() {
			return false
		}
	}
	return true
}

// Exit codes, as the table of docs/results.md gives them.
const (
	ExitOK      = 0 // every row succeeded or was already as asked
	ExitFailed  = 1 // the run finished and some rows need a look (failed, deferred, not finished, conflict)
	ExitUsage   = 2 // usage, job or input error: nothing was sent
	ExitAborted = 3 // interrupted, stopped by a limit, or declined
	ExitAuth    = 4 // cannot authenticate or cannot reach Zoom
	ExitDrift   = 5 // --check: the account differs from the job
)

// ExitCode is the exit code of a run that finished (not aborted): 0 when
// every row is as asked, 1 when some row needs a look.
func (c Counts) ExitCode() int {
	if c.AsAsked() {
		return ExitOK
	}
	return ExitFailed
}

// String reads "succeeded 3, failed 1" in report order.
func (c Counts) String() string {
	s := ""
	for _, st := range Statuses {
		if n := c[st]; n > 0 {
			if s != "" {
				s += ", "
			}
			s += string(st) + " " + strconv.Itoa(n)
		}
	}
	if s == "" {
		return "none"
	}
	return s
}
