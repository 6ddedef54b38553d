package jobs

import (
	"context"
	"fmt"

	"github.com/zoombulk/zoombulk/internal/results"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// remove_schedulers: true on delete_users and on set_status (for the rows
// it deactivates) first makes the leaver no one's scheduling assistant
// (Delete user schedulers, Light). The plan reads each such user's
// schedulers (List user schedulers, Medium) and lists them: each is a
// removal, counted by the limits; a user with none costs no call, so a
// rerun sends nothing.

// removeScheduler is the removal of a leaver's right to schedule for one user.
const removeScheduler = "scheduler removal"

// rowSchedulers are a row's user's schedulers as read in the plan.
type rowSchedulers struct{ emails []string }

// readSchedulers reads the schedulers of the rows' users that want says
// may lose them.
func readSchedulers(ctx context.Context, e *engine, i int, rows []*rowRun, want func(*rowRun) bool) error {
	var need []*rowRun
	for _, r := range rows {
		if r.user != nil && r.steps[i].result == nil && want(r) {
			need = append(need, r)
		}
	}
	return e.forRows(ctx, need, zoom.Medium, func(ctx context.Context, r *rowRun) error {
		ss, err := e.Client.ListSchedulers(ctx, r.ref().Key())
		if err != nil {
			return fmt.Errorf("listing the schedulers of %s: %w", r.user.Email, err)
		}
		rs := &rowSchedulers{}
		for _, s := range ss {
			rs.emails = append(rs.emails, s.Email)
		}
		r.steps[i].extra = rs
		return nil
	})
}

// planSchedulers adds the schedulers a removing row takes away to its plan.
func planSchedulers(d *decision) {
	rs, _ := d.st.extra.(*rowSchedulers)
	if rs == nil {
		return
	}
	for _, email := range rs.emails {
		d.change("scheduler", email, "(removed)", removeScheduler)
	}
}

// schedulersCost is the delete call of a row that has schedulers to lose.
func schedulersCost(st *rowStep) []callCost {
	if rs, _ := st.extra.(*rowSchedulers); rs != nil && len(rs.emails) > 0 && st.action.Writes() {
		return []callCost{{cat: zoom.Light}}
	}
	return nil
}

// removeSchedulers sends the delete before the row's own call; nil when
// there is nothing to remove or it worked.
func removeSchedulers(ctx context.Context, a *applier, r *rowRun, st *rowStep) *results.StepResult {
	rs, _ := st.extra.(*rowSchedulers)
	if rs == nil || len(rs.emails) == 0 {
		return nil
	}
	if err := a.e.Client.DeleteSchedulers(ctx, r.ref().Key()); err != nil {
		return a.e.outcomeOf(err)
	}
	return nil
}

// prepare reads the schedulers of the users set_status deactivates, when
// the step says remove_schedulers.
func (statusStep) prepare(ctx context.Context, e *engine, i int, rows []*rowRun) error {
	o := e.steps[i].Options.(*StatusOptions)
	if !o.RemoveSchedulers {
		return nil
	}
	return readSchedulers(ctx, e, i, rows, func(r *rowRun) bool {
		want, ok := r.value(o.Field)
		return ok && want == zoom.StatusInactive && r.user.Status == zoom.StatusActive
	})
}
