package jobs

import (
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// Outcome is what happened to a row in a step, or to the row as a whole.
type Outcome string

const (
	Succeeded Outcome = "succeeded"
	Unchanged Outcome = "unchanged" // already as asked: no call was spent
	Failed    Outcome = "failed"
	Skipped   Outcome = "skipped"  // an earlier step failed for this row
	Deferred  Outcome = "deferred" // a daily limit stopped the step; --resume finishes it
	NotRun    Outcome = "not_run"  // the run stopped before reaching it
)

// Outcomes lists every outcome in report order.
var Outcomes = []Outcome{Succeeded, Unchanged, Failed, Skipped, Deferred, NotRun}

// done says whether a step result is final: a resumed run leaves it alone.
func (o Outcome) done() bool {
	switch o {
	case Succeeded, Unchanged, Failed, Skipped:
		return true
	}
	return false
}

// Planned actions, shown in the plan report and the progress.
const (
	ActCreate     = "create"
	ActUpdate     = "update"
	ActUnchanged  = "unchanged"
	ActFail       = "fail"
	ActSkip       = "skip"
	ActMove       = "move"
	ActAdd        = "add"
	ActSetPrimary = "set_primary"
	ActAssign     = "assign"
	ActActivate   = "activate"
	ActDeactivate = "deactivate"
	ActDelete     = "delete"
	ActDone       = "done"      // finished in an earlier run (resume)
	ActRecovered  = "recovered" // an interrupted run's create took effect
)

// StepResult is a row's result in one step.
type StepResult struct {
	Outcome    Outcome `json:"status"`
	HTTPStatus int     `json:"http,omitempty"`
	Code       int     `json:"code,omitempty"`
	Reason     string  `json:"reason,omitempty"`
	Hint       string  `json:"hint,omitempty"`
	UserID     string  `json:"user_id,omitempty"`
}

// rowRun is one input row on its way through the steps.
type rowRun struct {
	row *Row
	key string // the match key: lower-cased email, or id

	// What the plan found in the account, and what the steps changed.
	user   *zoom.User // nil: no such user (yet)
	userID string

	// invalid is set when the row failed validation: nothing is sent.
	invalid *StepResult
	// steps[i] is the plan and the result of step i.
	steps []rowStep
	// settings are the user's feature settings, read when a feature
	// change needs them to tell "already as asked".
	settings *zoom.FeatureSettings
	// features are the feature changes of the update_features step.
	features []featureWant
	// intent: an earlier run sent a create for this row and died before
	// it learned the result.
	intent bool
}

// rowStep is one step of one row: what the plan decided and what happened.
type rowStep struct {
	action string
	fail   *StepResult    // the plan's failure (action ActFail)
	patch  map[string]any // fields to PATCH (update, or a create's extras)
	target string         // group or division ID, status action, transfer email
	from   string         // the group a move leaves
	result *StepResult    // nil until the step ran
}

// final sums a row's step results into its report line: the first
// failure, else the first deferral, else not_run, else succeeded when any
// step changed something, else unchanged.
func (r *rowRun) final(steps []Step) (Outcome, string, *StepResult) {
	if r.invalid != nil {
		return Failed, "validate", r.invalid
	}
	var deferred, notRun, changed *StepResult
	var deferredStep, notRunStep string
	for i, st := range r.steps {
		res := st.result
		switch {
		case res == nil:
			if notRun == nil {
				notRun, notRunStep = &StepResult{Outcome: NotRun}, string(steps[i].Kind)
			}
		case res.Outcome == Failed:
			return Failed, string(steps[i].Kind), res
		case res.Outcome == Deferred && deferred == nil:
			deferred, deferredStep = res, string(steps[i].Kind)
		case res.Outcome == NotRun && notRun == nil:
			notRun, notRunStep = res, string(steps[i].Kind)
		case res.Outcome == Succeeded:
			changed = res
		}
	}
	switch {
	case deferred != nil:
		return Deferred, deferredStep, deferred
	case notRun != nil:
		return NotRun, notRunStep, notRun
	case changed != nil:
		return Succeeded, "", changed
	}
	return Unchanged, "", &StepResult{Outcome: Unchanged}
}

// currentID is the best handle on the row's user: the ID once known.
func (r *rowRun) ref() zoom.UserRef {
	if r.userID != "" {
		return zoom.UserRef{ID: r.userID}
	}
	if r.user != nil && r.user.ID != "" {
		return zoom.UserRef{ID: r.user.ID}
	}
	if r.user != nil {
		return zoom.UserRef{Email: r.user.Email}
	}
	return zoom.UserRef{Email: r.key}
}
