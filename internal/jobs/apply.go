package jobs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/zoombulk/zoombulk/internal/zoom"
)

// apply runs the steps in order. stop ends the taking of new work; calls
// already sent finish under a context that stop does not cancel.
func (e *engine) apply(stop context.Context) {
	calls := context.WithoutCancel(stop)
	for _, r := range e.rows {
		if r.invalid != nil {
			e.countFailure()
		}
	}
	for i, step := range e.steps {
		if stop.Err() != nil {
			return
		}
		e.deferMu.Lock()
		e.deferUntil, e.deferWhy = time.Time{}, ""
		e.deferMu.Unlock()

		var todo []*rowRun
		for _, r := range e.rows {
			if r.invalid == nil && r.steps[i].result == nil {
				todo = append(todo, r)
			}
		}
		e.Events.StepStarted(step, len(todo))
		var work []*rowRun
		for _, r := range todo {
			if res := e.settled(r, i); res != nil {
				e.record(r, i, res)
			} else {
				work = append(work, r)
			}
		}
		switch step.Kind {
		case UpdateFeatures:
			e.applyFeatures(stop, calls, i, step, work)
		case MoveGroup, AssignDivision:
			var single, batched []*rowRun
			for _, r := range work {
				if a := r.steps[i].action; a == ActAdd || a == ActAssign {
					batched = append(batched, r)
				} else {
					single = append(single, r)
				}
			}
			e.applyBatches(stop, calls, i, step, batched)
			e.applyRows(stop, calls, i, step, single, zoom.Medium)
		default:
			e.applyRows(stop, calls, i, step, work, zoom.Light)
		}
		e.Events.StepFinished(step)
	}
}

// settled gives a row-step's result when no call is needed: the plan found
// it unchanged or failed, an earlier step failed or was deferred.
func (e *engine) settled(r *rowRun, i int) *StepResult {
	for j := range i {
		switch res := r.steps[j].result; {
		case res == nil:
			return &StepResult{Outcome: NotRun}
		case res.Outcome == Failed, res.Outcome == Skipped:
			return &StepResult{Outcome: Skipped, Reason: "an earlier step failed"}
		case res.Outcome == Deferred:
			return &StepResult{Outcome: Deferred, Reason: res.Reason, Hint: res.Hint}
		case res.Outcome == NotRun:
			return &StepResult{Outcome: NotRun}
		}
	}
	st := r.steps[i]
	switch st.action {
	case ActFail:
		return st.fail
	case ActSkip:
		return &StepResult{Outcome: Skipped, Reason: "an earlier step failed"}
	case ActUnchanged:
		return &StepResult{Outcome: Unchanged, UserID: r.knownID()}
	case ActRecovered:
		return &StepResult{Outcome: Succeeded, UserID: r.knownID(), Reason: "created by the interrupted run (found on resume)"}
	case "":
		return &StepResult{Outcome: NotRun}
	}
	if res := e.deferred(); res != nil {
		return res
	}
	return nil
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

// record stores a row-step's result, journals it and counts failures.
func (e *engine) record(r *rowRun, i int, res *StepResult) {
	if res.UserID == "" {
		res.UserID = r.knownID()
	}
	r.steps[i].result = res
	if e.journal != nil {
		e.journal.result(r, e.steps[i], res)
	}
	e.Events.RowDone(e.steps[i], res.Outcome)
	if res.Outcome == Failed {
		e.countFailure()
	}
}

func (e *engine) countFailure() {
	n := e.failures.Add(1)
	if e.maxFailures > 0 && n > int64(e.maxFailures) {
		e.abort(fmt.Sprintf("more than %d rows failed (limits.max_failures)", e.maxFailures))
	}
}

// deferred is the result for work a daily limit has stopped, or nil.
func (e *engine) deferred() *StepResult {
	e.deferMu.Lock()
	defer e.deferMu.Unlock()
	if e.deferWhy == "" {
		return nil
	}
	return &StepResult{Outcome: Deferred, HTTPStatus: 429, Code: 429, Reason: e.deferWhy,
		Hint: "finish it with --resume after " + e.deferUntil.UTC().Format(time.RFC3339)}
}

// outcomeOf turns a call's error into a result; a daily limit defers the
// rest of the step.
func (e *engine) outcomeOf(err error) *StepResult {
	var daily *zoom.DailyLimitError
	if errors.As(err, &daily) {
		e.deferMu.Lock()
		if e.deferWhy == "" {
			e.deferUntil, e.deferWhy = daily.Reset, daily.Error()
			if daily.Reset.After(e.deferredTo) {
				e.deferredTo = daily.Reset
			}
			e.Events.Logf("%s: deferring the rest of the step", daily.Error())
		}
		e.deferMu.Unlock()
		return e.deferred()
	}
	return failure(err)
}

func (e *engine) applyRows(stop, calls context.Context, i int, step Step, rows []*rowRun, cat zoom.Category) {
	forEach(stop, e.concurrency(cat), rows, func(r *rowRun) {
		if res := e.deferred(); res != nil {
			e.record(r, i, res)
			return
		}
		e.record(r, i, e.perform(calls, r, i, step))
	})
}

// perform makes the one or two calls of a per-row step.
func (e *engine) perform(ctx context.Context, r *rowRun, i int, step Step) *StepResult {
	st := &r.steps[i]
	c := e.Client
	ok := &StepResult{Outcome: Succeeded}
	var err error
	switch st.action {
	case ActCreate:
		v, _ := r.row.Record.Get("type")
		info := zoom.NewUser{Email: textOf(r, "email"), Type: int(asInt(v.Text))}
		info.FirstName = textOf(r, "first_name")
		info.LastName = textOf(r, "last_name")
		info.DisplayName = textOf(r, "display_name")
		info.Password = textOf(r, "password")
		if e.journal != nil {
			e.journal.intent(r, step, info.Email)
		}
		var cu *zoom.CreatedUser
		if cu, err = c.CreateUser(ctx, step.Action, info); err != nil {
			return e.outcomeOf(err)
		}
		r.userID = cu.ID
		ok.UserID = cu.ID
		if cu.Recovered {
			ok.Reason = "the answer was lost; a look-up found the user, created once"
		}
		if len(st.patch) > 0 {
			if err := c.UpdateUser(ctx, cu.ID, st.patch); err != nil {
				res := failure(err)
				res.Reason = "created, but setting the rest of the profile failed: " + res.Reason
				res.UserID = cu.ID
				return res
			}
		}
		return ok
	case ActUpdate:
		err = c.UpdateUser(ctx, r.ref().Key(), st.patch)
	case ActActivate:
		err = c.SetUserStatus(ctx, r.ref().Key(), zoom.StatusActivate)
	case ActDeactivate:
		err = c.SetUserStatus(ctx, r.ref().Key(), zoom.StatusDeactivate)
	case ActDelete:
		err = c.DeleteUser(ctx, r.ref().Key(), zoom.DeleteOptions{Action: step.Action, TransferEmail: st.target})
	case ActMove:
		err = c.MoveGroupMember(ctx, st.from, r.ref().Key(), st.target)
	case ActSetPrimary:
		err = c.SetPrimaryGroup(ctx, st.from, r.ref().Key(), st.target)
	default:
		return &StepResult{Outcome: Failed, Reason: "internal: no call for action " + st.action}
	}
	if err != nil {
		return e.outcomeOf(err)
	}
	return ok
}

func textOf(r *rowRun, field string) string {
	v, _ := r.row.Record.Get(field)
	return v.Text
}

func asInt(s string) int64 {
	var n int64
	fmt.Sscan(s, &n)
	return n
}

// batch is up to 30 rows that go in one call.
type batch struct {
	target string // group or division ID; for features the featureWant key
	rows   []*rowRun
	want   *featureWant // features: the change (value, subscription)
	feat   int
}

// chunk groups rows by key in input order and cuts the groups into calls
// of at most 30: every call but the last of a group is full.
func chunk(rows []*rowRun, key func(*rowRun) string) []batch {
	var order []string
	groups := map[string][]*rowRun{}
	for _, r := range rows {
		k := key(r)
		if _, seen := groups[k]; !seen {
			order = append(order, k)
		}
		groups[k] = append(groups[k], r)
	}
	var out []batch
	for _, k := range order {
		for c := range slices.Chunk(groups[k], 30) {
			out = append(out, batch{target: k, rows: c})
		}
	}
	return out
}

// applyBatches adds rows to groups or divisions, 30 a call.
func (e *engine) applyBatches(stop, calls context.Context, i int, step Step, rows []*rowRun) {
	batches := chunk(rows, func(r *rowRun) string { return r.steps[i].target })
	forEach(stop, e.concurrency(zoom.Medium), batches, func(b batch) {
		if res := e.deferred(); res != nil {
			for _, r := range b.rows {
				e.record(r, i, res)
			}
			return
		}
		var added []string
		var err error
		if step.Kind == MoveGroup {
			refs := make([]zoom.UserRef, len(b.rows))
			for j, r := range b.rows {
				refs[j] = r.ref()
			}
			added, err = e.Client.AddGroupMembers(calls, b.target, refs)
		} else {
			users := make([]zoom.DivisionUser, len(b.rows))
			for j, r := range b.rows {
				users[j] = zoom.DivisionUser(r.ref())
			}
			added, err = e.Client.AssignDivision(calls, b.target, users)
		}
		if err != nil {
			res := e.outcomeOf(err)
			for _, r := range b.rows {
				cp := *res
				e.record(r, i, &cp)
			}
			return
		}
		for _, r := range b.rows {
			if slices.Contains(added, r.knownID()) || e.landed(calls, step.Kind, r, b.target) {
				e.record(r, i, &StepResult{Outcome: Succeeded})
				continue
			}
			what := map[StepKind]string{MoveGroup: "group", AssignDivision: "division"}[step.Kind]
			e.record(r, i, &StepResult{Outcome: Failed, Reason: "Zoom did not list the user among those added to the " + what,
				Hint: "check the user in the web portal and run the failed rows again"})
		}
	})
}

// landed reads back a user a batch call did not list. Zoom lists only the
// users the call itself added, so after a lost answer the retry leaves out
// those the lost attempt added: the user's groups or division tell.
func (e *engine) landed(ctx context.Context, kind StepKind, r *rowRun, target string) bool {
	u, err := e.Client.GetUser(ctx, r.ref().Key())
	if err != nil {
		return false
	}
	if kind == MoveGroup {
		return slices.Contains(u.GroupIDs, target)
	}
	return slices.Contains(u.DivisionIDs, target)
}

// applyFeatures sends the feature changes, grouped by feature, value and
// subscription, 30 users a call, one call per features interval (the
// client keeps the spacing).
func (e *engine) applyFeatures(stop, calls context.Context, i int, step Step, rows []*rowRun) {
	var mu sync.Mutex
	left := map[*rowRun]int{}
	finish := func(r *rowRun) {
		res := &StepResult{Outcome: Unchanged}
		for _, w := range r.features {
			switch {
			case w.outcome == nil:
			case w.outcome.Outcome == Failed || w.outcome.Outcome == Deferred:
				if res.Outcome != Failed {
					res = w.outcome
				}
			case w.outcome.Outcome == Succeeded && res.Outcome == Unchanged:
				res = w.outcome
			}
		}
		e.record(r, i, res)
	}
	var batches []batch
	for fi := range step.Features {
		var these []*rowRun
		for _, r := range rows {
			for wi := range r.features {
				w := &r.features[wi]
				if w.feature != fi {
					continue
				}
				if w.action == ActUpdate {
					these = append(these, r)
					left[r]++
				} else {
					w.outcome = &StepResult{Outcome: Unchanged}
				}
			}
		}
		for _, b := range chunk(these, func(r *rowRun) string { return featureKey(*wantOf(r, fi)) }) {
			b.feat, b.want = fi, wantOf(b.rows[0], fi)
			batches = append(batches, b)
		}
	}
	for _, r := range rows {
		if left[r] == 0 {
			finish(r)
		}
	}
	done := func(r *rowRun, fi int, res *StepResult) {
		mu.Lock()
		wantOf(r, fi).outcome = res
		left[r]--
		last := left[r] == 0
		mu.Unlock()
		if last {
			finish(r)
		}
	}
	// Two workers: one call in flight while the next waits for its slot.
	forEach(stop, 2, batches, func(b batch) {
		if res := e.deferred(); res != nil {
			for _, r := range b.rows {
				done(r, b.feat, res)
			}
			return
		}
		fs := step.Features[b.feat]
		refs := make([]zoom.UserRef, len(b.rows))
		for j, r := range b.rows {
			refs[j] = r.ref()
		}
		out, err := e.Client.UpdateFeatures(calls, zoom.FeatureUpdate{
			FeatureType: fs.FeatureType, FeatureValue: b.want.value, SubscriptionID: b.want.subscription, Users: refs,
		})
		if err != nil {
			res := e.outcomeOf(err)
			for _, r := range b.rows {
				cp := *res
				done(r, b.feat, &cp)
			}
			return
		}
		reason := map[string]string{}
		for _, f := range out.FailDetails {
			for _, id := range f.UserIDs {
				reason[id] = f.Reason
			}
		}
		for _, r := range b.rows {
			id := r.knownID()
			switch why, failed := reason[id]; {
			case slices.Contains(out.SuccessUserIDs, id):
				done(r, b.feat, &StepResult{Outcome: Succeeded})
			case failed && why == zoom.ReasonNoNeed && out.Ambiguous:
				done(r, b.feat, &StepResult{Outcome: Succeeded, Reason: "the answer was lost; Zoom reports the feature already set"})
			case failed && why == zoom.ReasonNoNeed:
				done(r, b.feat, &StepResult{Outcome: Unchanged})
			case failed:
				done(r, b.feat, &StepResult{Outcome: Failed, HTTPStatus: 201, Reason: fs.FeatureType + ": " + why, Hint: featureHints[why]})
			default:
				done(r, b.feat, &StepResult{Outcome: Failed, HTTPStatus: 201, Reason: fs.FeatureType + ": Zoom reported neither success nor failure for this user",
					Hint: "check the user in the web portal and run the failed rows again"})
			}
		}
	})
}

func wantOf(r *rowRun, feature int) *featureWant {
	for i := range r.features {
		if r.features[i].feature == feature {
			return &r.features[i]
		}
	}
	return nil
}
