package jobs

import (
	"strings"

	"github.com/zoombulk/zoombulk/internal/results"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// rowRun is one input row on its way through the steps.
type rowRun struct {
	row *Row
	key string // the match key: lower-cased email, or id

	// What the plan found in the account, and what the steps changed.
	user   *zoom.User // nil: no such user (yet)
	userID string
	// listed: user comes from List users, whose answer leaves some
	// profile fields out (those are sent without comparing).
	listed bool
	// base is what the export the input was edited from said of the row
	// (Options.Baseline); nil for other rows.
	base *baseRow

	// invalid is set when the row failed validation: nothing is sent.
	invalid *results.StepResult
	// steps[i] is the plan and the result of step i.
	steps []rowStep
	// settings are the user's feature settings, read when a feature
	// change needs them to tell "already as asked".
	settings *zoom.FeatureSettings
	// intent: an earlier run sent a create for this row and died before
	// it learned the result.
	intent bool
	// unlisted is set on the rows a sync adds: what step syncStep takes
	// the member out of (`group "Sales"`); such a row is no input row.
	unlisted string
	syncStep int
	// dirDelete marks a row of delete_created: a group or division the
	// undone run created, deleted (or kept) by the undo.
	dirDelete bool
}

// rowStep is one step of one row: what the plan decided and what happened.
type rowStep struct {
	action  results.Action
	fail    *results.StepResult // the plan's failure (action ActFail) or why the step will not start (ActSkip)
	changes []fieldChange       // what the step changes, for the plan's diff
	patch   map[string]any      // fields to PATCH (update, or a create's extras)
	target  string              // group or division ID, transfer email
	from    string              // the group a move leaves
	extra   any                 // the kind's own plan (features: *featurePlan)
	result  *results.StepResult // nil until the step ran
	// conflicts are the fields an undo leaves alone because someone
	// changed them after the run (undo runs only).
	conflicts []conflict
	// undoFlags are what the step did to the row beyond its fields, for
	// the before-image (zb_added: a member added), when it succeeds.
	undoFlags []string
	// inflight: an earlier process journaled this change as sent and died
	// before its result; the plan's read of the account says what
	// happened (found done: recovered, never unchanged).
	inflight bool
	// intended: this process journaled the step's intent already.
	intended bool
	// identity is why an undo leaves this row alone: the user with the
	// run's ID no longer has the run's email, or the email is another
	// user's now. Nothing is sent; the row says conflict.
	identity string
	// kept is why an undo keeps what the run created (a contact group
	// given members the run did not add): the step's other work is done,
	// and the row says kept with this reason.
	kept string
	// planConflict is why apply leaves this row: its changes are not the
	// approved plan's any more (applyplan.go). Nothing is sent.
	planConflict string
}

// conflict is a field an undo found changed since the run it undoes.
type conflict struct {
	field, found, set string
	was               string // an edited export: the value exported
}

// fieldChange is one field a step changes: current -> new.
type fieldChange struct {
	field, current, new string
	removal             string // "" or a results.Remove* kind
	// action, when set, is the change's own action in the plan (create
	// for a group a move_group row makes); else the step's.
	action results.Action
	// The before-image, for undo: col is the job field that puts the
	// value back (a profile field, a feature type, status, group,
	// division), was the raw value found (an ID or code, not a display
	// text) and set the raw value the step sets. col is "" for a change
	// no undo restores.
	col, was, set string
}

// resultsOf lists the step results (nil for steps that did not run).
func (r *rowRun) resultsOf() []*results.StepResult {
	out := make([]*results.StepResult, len(r.steps))
	for i := range r.steps {
		out[i] = r.steps[i].result
	}
	return out
}

// ref is the best handle on the row's user: the ID once known.
func (r *rowRun) ref() zoom.UserRef {
	if id := r.knownID(); id != "" {
		return zoom.UserRef{ID: id}
	}
	if r.user != nil {
		return zoom.UserRef{Email: r.user.Email}
	}
	return zoom.UserRef{Email: r.key}
}

// knownID is the user's ID if the run knows it.
func (r *rowRun) knownID() string {
	if r.userID != "" {
		return r.userID
	}
	if r.user != nil {
		return r.user.ID
	}
	return ""
}

// email is the row's user's address, for reports.
func (r *rowRun) email() string {
	if v, ok := r.row.Record.Get("email"); ok {
		return v.Text
	}
	if r.user != nil {
		return r.user.Email
	}
	for _, p := range r.row.Record.Problems {
		if p.Field == "email" {
			return p.Value // as written, for the console and changes.csv
		}
	}
	return ""
}

// currentEmail is the address the row's user has now, as far as the run
// knows (after a change_email, the new one).
func (r *rowRun) currentEmail() string {
	if r.user != nil && r.user.Email != "" {
		return strings.ToLower(r.user.Email)
	}
	return strings.ToLower(r.email())
}

func (r *rowRun) value(field string) (string, bool) {
	v, ok := r.row.Record.Get(field)
	if !ok {
		return "", false
	}
	return v.Text, true
}

func textOf(r *rowRun, field string) string {
	v, _ := r.value(field)
	return v
}
