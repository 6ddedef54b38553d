package jobs

import (
	"context"

	"go.yaml.in/yaml/v3"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/mapping"
	"github.com/zoombulk/zoombulk/internal/results"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// UpdateUsers sets the mapped profile fields that differ (PATCH
// /users/{id}, Light).
const UpdateUsers jobfile.StepKind = "update_users"

type updateStep struct{}

func init() { register(updateStep{}) }

func (updateStep) Name() jobfile.StepKind { return UpdateUsers }

func (updateStep) ParseOptions(l *jobfile.Loader, key string, n *yaml.Node) (any, bool) {
	if n == nil {
		return nil, true
	}
	return nil, l.Map(n, key, []string{}, func(string, *yaml.Node, *yaml.Node) {})
}

func (updateStep) Fields(jobfile.Step) []string { return nil }

func (updateStep) Check(l *jobfile.Loader, key string, s jobfile.Step) {
	if len(jobfile.ProfileSpecs(l.Job())) == 0 {
		l.AddError(s.Line, key, "update_users has nothing to update: the job maps no profile field",
			"map the profile fields to change (first_name, dept, job_title, ...), or remove the step")
	}
	checkPhoneCountry(l, key, s)
}

func (updateStep) decide(d *decision) {
	pending := d.u.Status == zoom.StatusPending && !d.created
	profileDiff(d, profileFields(d.e.Job), nil)
	switch {
	case len(d.st.patch) == 0:
		d.set(results.ActUnchanged)
	case pending && !d.e.Opts.Undo:
		// (An undo sends it: the run it undoes sent the same PATCH, and
		// if Zoom kept the old value there is nothing to put back.)
		// Zoom answers 204 but keeps the old values: say so rather than
		// report a success that did not happen.
		d.st.changes = nil
		d.fail("the user is pending: Zoom ignores profile updates until the user accepts the invitation",
			"wait for the user to accept, then run the row again")
	default:
		d.set(results.ActUpdate)
	}
}

func (updateStep) cost(_ *rowRun, st *rowStep) []callCost {
	if st.action == results.ActUpdate {
		return []callCost{{cat: zoom.Light}}
	}
	return nil
}

func (updateStep) apply(a *applier, rows []*rowRun) {
	a.perRow(zoom.Light, rows, func(ctx context.Context, r *rowRun, st *rowStep) *results.StepResult {
		if err := a.e.Client.UpdateUser(ctx, r.ref().Key(), st.patch); err != nil {
			return a.e.outcomeOf(err)
		}
		return succeeded()
	})
}

func (updateStep) calls() []call { return []call{on(zoom.OpUpdateUser, "")} }

// An undo puts the profile back with this step: every profile field no
// other kind lists.
func (updateStep) undoFields() []string                   { return nil }
func (updateStep) undoTarget() mapping.Target             { return mapping.Profile }
func (updateStep) undoStep(jobfile.Step, []string) string { return string(UpdateUsers) }

func (updateStep) targets() []mapping.Target        { return []mapping.Target{mapping.Profile} }
func (updateStep) setRank() int                     { return 1 }
func (updateStep) writesProfiles(jobfile.Step) bool { return true }

// doc is the kind's row of docs/jobs.md's steps table.
func (updateStep) doc() kindDoc {
	return kindDoc{
		order:    20,
		options:  "none: every mapped profile field",
		call:     "`PATCH /users/{id}`",
		batching: "one row a call, only the mapped, non-empty fields that differ (a changed `phone_number` always goes with `phone_country`, which Zoom requires: a column or a job default such as `phone_country: { default: US }`)",
		category: "Light",
	}
}
