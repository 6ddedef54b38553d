package jobs

import (
	"context"

	"go.yaml.in/yaml/v3"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/mapping"
	"github.com/zoombulk/zoombulk/internal/results"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// SetStatus activates or deactivates users (PUT /users/{id}/status, Light).
const SetStatus jobfile.StepKind = "set_status"

// StatusOptions are set_status' options.
type StatusOptions struct {
	Field string // the field holding active/inactive (default status)
	// RemoveSchedulers: a deactivated user is first made no one's
	// scheduling assistant (see step_schedulers.go).
	RemoveSchedulers bool
}

type statusStep struct{}

func init() { register(statusStep{}) }

func (statusStep) Name() jobfile.StepKind { return SetStatus }

func (statusStep) ParseOptions(l *jobfile.Loader, key string, n *yaml.Node) (any, bool) {
	o := &StatusOptions{Field: "status"}
	if n == nil {
		return o, true
	}
	ok := true
	isMap := l.Map(n, key, []string{"field", "remove_schedulers"}, func(k string, _, vn *yaml.Node) {
		var good bool
		if k == "remove_schedulers" {
			o.RemoveSchedulers, good = l.Bool(vn, key+"."+k)
		} else {
			o.Field, good = l.FieldRef(vn, key+"."+k, func(f mapping.Field) bool { return f.Target == mapping.Status }, "a status field (status)")
		}
		ok = ok && good
	})
	return o, ok && isMap
}

func (statusStep) Fields(s jobfile.Step) []string { return []string{s.Options.(*StatusOptions).Field} }

func (statusStep) Check(*jobfile.Loader, string, jobfile.Step) {}

func (statusStep) decide(d *decision) {
	want, ok := d.value(d.step.Options.(*StatusOptions).Field)
	u := d.u
	switch {
	case !ok || u.Status == want:
		d.set(results.ActUnchanged)
	case u.Status == zoom.StatusPending:
		d.fail("the user is pending: Zoom cannot change the status until the user accepts the invitation",
			"wait for the user to accept, or remove the status from this row")
	default:
		d.set(pick(want == zoom.StatusInactive, results.ActDeactivate, results.ActActivate))
		d.change("status", u.Status, want, pick(want == zoom.StatusInactive, results.RemoveDeactivate, ""))
		d.undoable("status", u.Status, want)
		u.Status = want
		if want == zoom.StatusInactive {
			planSchedulers(d)
		}
	}
}

func (statusStep) cost(_ *rowRun, st *rowStep) []callCost {
	if st.action.Writes() {
		return append([]callCost{{cat: zoom.Light}}, schedulersCost(st)...)
	}
	return nil
}

func (statusStep) apply(a *applier, rows []*rowRun) {
	a.perRow(zoom.Light, rows, func(ctx context.Context, r *rowRun, st *rowStep) *results.StepResult {
		if st.action == results.ActDeactivate {
			if res := removeSchedulers(ctx, a, r, st); res != nil {
				return res
			}
		}
		action := pick(st.action == results.ActDeactivate, zoom.StatusDeactivate, zoom.StatusActivate)
		if err := a.e.Client.SetUserStatus(ctx, r.ref().Key(), action); err != nil {
			return a.e.outcomeOf(err)
		}
		return succeeded()
	})
}

// calls: a deactivated user is first made no one's scheduler when the job says so.
func (statusStep) calls() []call {
	removes := func(o *StatusOptions) bool { return o.RemoveSchedulers }
	return []call{
		on(zoom.OpSetUserStatus, ""),
		onlyIf(planRead(zoom.OpListSchedulers, "with `remove_schedulers: true`"), removes),
		onlyIf(on(zoom.OpDeleteSchedulers, "with `remove_schedulers: true`"), removes),
	}
}

func (statusStep) undoFields() []string                   { return []string{"status"} }
func (statusStep) undoStep(jobfile.Step, []string) string { return string(SetStatus) }

// setRank: `set` puts a reactivation first and a deactivation last, so
// the other changes reach an active user; in an edited export, last.
func (statusStep) targets() []mapping.Target { return []mapping.Target{mapping.Status} }
func (statusStep) setRank() int              { return 8 }

// takes: a status column may deactivate users.
func (statusStep) takes(s jobfile.Step) (what, field string) {
	return "may deactivate users", s.Options.(*StatusOptions).Field
}

// doc is the kind's row of docs/jobs.md's steps table.
func (statusStep) doc() kindDoc {
	return kindDoc{
		order:    30,
		options:  "`field: status`; `remove_schedulers: true` (a deactivated user is first made no one's scheduling assistant: `DELETE /users/{id}/schedulers`, the plan lists each scheduler lost, each a removal; also on `delete_users`)",
		call:     "`PUT /users/{id}/status`",
		batching: "one row a call",
		category: "Light",
	}
}
