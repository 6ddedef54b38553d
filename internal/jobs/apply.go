package jobs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/results"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// apply runs the steps in order. stop ends the taking of new work; calls
// already sent finish under a context that stop does not cancel.
func (e *engine) apply(stop context.Context) {
	// Calls on the wire finish whatever happens; calls still waiting for a
	// rate-limit slot or the features gate when the stop comes are not sent.
	calls := zoom.WithStop(context.WithoutCancel(stop), stop.Done())
	if e.Opts.Quit != nil {
		// A second stop cancels the calls in flight too: their rows are
		// not_run, and --resume reads the account to see what they did.
		var cancel context.CancelFunc
		calls, cancel = context.WithCancel(calls)
		defer cancel()
		go func() {
			select {
			case <-e.Opts.Quit:
				cancel()
			case <-calls.Done():
			}
		}()
	}
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
		kindOf(step).apply(&applier{e: e, stop: stop, calls: calls, i: i, step: step}, work)
		e.Events.StepFinished(step)
	}
}

// settled gives a row-step's result when no call is needed: the plan found
// it unchanged or failed, an earlier step failed or was deferred, or the
// step has no work. nil means the step has a call to make.
func (e *engine) settled(r *rowRun, i int) *results.StepResult {
	st := r.steps[i]
	if st.action == results.ActFail {
		return st.fail // the plan failed it: no call, whatever came before
	}
	for j := range i {
		switch res := r.steps[j].result; {
		case res == nil, res.Status == results.NotRun, res.Status == results.Partial:
			return &results.StepResult{Status: results.NotRun}
		case (res.Status == results.Failed || res.Status == results.Skipped) && e.Opts.Undo:
			// An undo's steps are independent: put back what can be.
		case res.Status == results.Failed, res.Status == results.Skipped:
			return &results.StepResult{Status: results.Skipped, Reason: "an earlier step failed"}
		case res.Status == results.Deferred:
			return &results.StepResult{Status: results.Deferred, Reason: res.Reason, Hint: res.Hint}
		}
	}
	switch st.action {
	case results.ActSkip:
		if st.fail != nil {
			return &results.StepResult{Status: results.Skipped, Reason: st.fail.Reason, Hint: st.fail.Hint}
		}
		return &results.StepResult{Status: results.Skipped, Reason: "an earlier step failed"}
	case results.ActUnchanged:
		return &results.StepResult{Status: results.Unchanged, UserID: r.knownID()}
	case results.ActConflict:
		return &results.StepResult{Status: results.Unchanged, UserID: r.knownID()} // record says conflict
	case results.ActKeep:
		if st.fail != nil { // a group or division the run created (delete_created): why it stays
			return &results.StepResult{Status: results.Kept, Reason: st.fail.Reason, Hint: st.fail.Hint}
		}
		return &results.StepResult{Status: results.Kept, UserID: r.knownID(), Reason: "created by the run undone; kept",
			Hint: "undo with --allow-delete to delete the users the run created"}
	case results.ActRecovered:
		if st.inflight && !createsUsers(e.steps[i]) {
			return &results.StepResult{Status: results.Succeeded, UserID: r.knownID(), Reason: "sent by the interrupted run, whose answer was lost: found done on resume"}
		}
		return &results.StepResult{Status: results.Succeeded, UserID: r.knownID(), Reason: "created by the interrupted run (found on resume)"}
	case "":
		return &results.StepResult{Status: results.NotRun}
	}
	return e.deferred()
}

// record stores a row-step's result, journals it and counts failures.
func (e *engine) record(r *rowRun, i int, res *results.StepResult) {
	if res.UserID == "" {
		res.UserID = r.knownID()
	}
	if why := r.steps[i].planConflict; why != "" && res.Status == results.Unchanged {
		res.Status, res.Reason, res.Hint = results.Conflict, why,
			"the user changed after the plan was approved: make a new plan (zoombulk run JOB --dry-run) for this row and have it approved"
	} else if why := r.steps[i].identity; why != "" && res.Status == results.Unchanged {
		res.Status, res.Reason, res.Hint = results.Conflict, why,
			"the undo acts only on the user the run changed: check who has the address now, and set the fields by hand if needed"
	} else if cs := r.steps[i].conflicts; len(cs) > 0 && (res.Status == results.Succeeded || res.Status == results.Unchanged) {
		// An undo that put back what it could and left what someone
		// changed since: the row says so, with both values.
		res.Status, res.Reason, res.Hint = results.Conflict, conflictText(cs),
			"the field was changed after the run: set it by hand if the run's value should go"
		if e.Opts.Baseline != nil {
			res.Reason, res.Hint = baselineConflictText(cs), "the account changed since the export: export again and edit that, or set the value by hand"
		}
	} else if why := r.steps[i].kept; why != "" && (res.Status == results.Succeeded || res.Status == results.Unchanged) {
		res.Status, res.Reason, res.Hint = results.Kept, why, "delete it in the web portal if it should go"
	}
	r.steps[i].result = res
	if e.journal != nil {
		if err := e.journal.result(e, r, i, res); err != nil {
			// Without the journal a crash would lose what was done:
			// stop like Ctrl-C, and the report still tells it all.
			e.abort(fmt.Sprintf("the journal could not be written (%v)", err))
		}
	}
	e.Events.RowDone(e.steps[i], res.Status)
	if res.Status == results.Failed {
		e.countFailure()
	}
}

func (e *engine) countFailure() {
	n := e.failures.Add(1)
	if e.maxFailures >= 0 && n > int64(e.maxFailures) {
		e.abort(fmt.Sprintf("more than %d rows failed (%s)", e.maxFailures, e.failuresFrom))
	}
}

// deferred is the result for work a daily limit has stopped, or nil.
func (e *engine) deferred() *results.StepResult {
	e.deferMu.Lock()
	defer e.deferMu.Unlock()
	if e.deferWhy == "" {
		return nil
	}
	return &results.StepResult{Status: results.Deferred, HTTPStatus: 429, Code: 429, Reason: e.deferWhy,
		Hint: "finish it with --resume after " + e.deferUntil.UTC().Format(time.RFC3339)}
}

// outcomeOf turns a call's error into a result; a daily limit defers the
// rest of the step, and a call the stop kept from being sent did not run.
func (e *engine) outcomeOf(err error) *results.StepResult {
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
	if notSent(err) {
		return &results.StepResult{Status: results.NotRun}
	}
	if stoppedUnanswered(e, err) {
		// The stop cut the answer off and the read-back could not settle
		// it: not a failure of the row. --resume reads the account again
		// and finishes (or finds done) what is left.
		return &results.StepResult{Status: results.NotRun, Reason: "the run stopped before Zoom's answer came: --resume checks the account and finishes it",
			TrackingID: zoom.TrackingID(err)}
	}
	res := failure(err)
	if zoom.HasCode(err, zoom.CodeNoLicenses) {
		e.noSeats.CompareAndSwap(nil, res)
	}
	return res
}

// stoppedUnanswered says whether a call's outcome is unknown because the
// run was stopping when its answer was lost. A Ctrl-C is seen on the work
// context at once; its reason is only recorded when apply returns.
// A second stop cancels the work context: a call then ends with
// context.Canceled, whether it still waited for its slot or was on the
// wire, and is not a failure of the row either (resume reads the account
// before it sends anything again).
func stoppedUnanswered(e *engine, err error) bool {
	stopping := e.reason() != "" || e.work != nil && e.work.Err() != nil
	var amb *zoom.AmbiguousError
	return stopping && (errors.As(err, &amb) || errors.Is(err, context.Canceled))
}

// seatsGone is the result for a row that needs a license after Zoom said
// none are left: the row fails with that reason and no call is spent.
func (e *engine) seatsGone(r *rowRun, st *rowStep) *results.StepResult {
	first := e.noSeats.Load()
	if first == nil || !needsSeat(r, st) {
		return nil
	}
	return &results.StepResult{Status: results.Failed, HTTPStatus: first.HTTPStatus, Code: first.Code,
		Reason: "not sent: Zoom answered that no licenses are left (" + first.Reason + ")", Hint: first.Hint}
}

// needsSeat says whether a row-step takes a license: a create or an update
// to type 2 (Licensed).
func needsSeat(r *rowRun, st *rowStep) bool {
	if st.action == results.ActCreate && strings.TrimSpace(textOf(r, "type")) == "2" {
		return true
	}
	if v, ok := st.patch["type"]; ok {
		return fmt.Sprint(v) == "2"
	}
	return false
}

// applier is one step being applied: the kinds' apply methods use its
// helpers, so stopping, deferring and recording work the same for all.
type applier struct {
	e     *engine
	stop  context.Context // done: take no new work
	calls context.Context // for calls already started: not cancelled by stop
	i     int
	step  jobfile.Step
}

func (a *applier) record(r *rowRun, res *results.StepResult) { a.e.record(r, a.i, res) }

// perRow makes one call (or two) per row, as many at once as the
// category's limit keeps busy.
func (a *applier) perRow(cat zoom.Category, rows []*rowRun, call func(ctx context.Context, r *rowRun, st *rowStep) *results.StepResult) {
	forEachSized(a.stop, func() int { return a.e.concurrency(cat) }, rows, func(r *rowRun) {
		if res := a.e.deferred(); res != nil {
			a.record(r, res)
			return
		}
		if res := a.e.seatsGone(r, &r.steps[a.i]); res != nil {
			a.record(r, res)
			return
		}
		if !a.intend(r) {
			a.record(r, &results.StepResult{Status: results.NotRun})
			return
		}
		a.record(r, call(a.calls, r, &r.steps[a.i]))
	})
}

// intend journals the row-step's intent with its before-image, before its
// call is sent (once per process). A journal that cannot be written stops
// the run: a change it could not record would be one undo cannot see.
func (a *applier) intend(r *rowRun) bool {
	st := &r.steps[a.i]
	// A features row can be in two batches at once: the lock is held
	// through the write, so neither call goes before the intent is on disk.
	a.e.intentMu.Lock()
	defer a.e.intentMu.Unlock()
	if a.e.journal == nil || st.intended || !st.action.Writes() {
		return true
	}
	st.intended = true
	if err := a.e.journal.changeIntent(a.e, r, a.i); err != nil {
		a.e.abort("the journal could not be written (" + err.Error() + ")")
		return false
	}
	return true
}

// intendAll journals the intents of a batch's rows; false when the journal
// failed (nothing is sent).
func (a *applier) intendAll(rows []*rowRun) bool {
	for _, r := range rows {
		if !a.intend(r) {
			return false
		}
	}
	return true
}

// batch is up to a call's worth of rows that share a target.
type batch struct {
	target string
	rows   []*rowRun
}

// chunk groups rows by key in input order and cuts the groups into calls
// of at most size: every call but the last of a group is full.
func chunk(rows []*rowRun, size int, key func(*rowRun) string) []batch {
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
		for c := range slices.Chunk(groups[k], size) {
			out = append(out, batch{target: k, rows: c})
		}
	}
	return out
}

// batches sends rows grouped by key, size a call. send returns each row's
// result, in the batch's order, or an error for the whole call.
func (a *applier) batches(cat zoom.Category, size int, rows []*rowRun, key func(*rowRun) string,
	send func(ctx context.Context, b batch) ([]*results.StepResult, error)) {
	forEachSized(a.stop, func() int { return a.e.concurrency(cat) }, chunk(rows, size, key), func(b batch) {
		if res := a.e.deferred(); res != nil {
			for _, r := range b.rows {
				cp := *res
				a.record(r, &cp)
			}
			return
		}
		if !a.intendAll(b.rows) {
			for _, r := range b.rows {
				a.record(r, &results.StepResult{Status: results.NotRun})
			}
			return
		}
		out, err := send(a.calls, b)
		if err != nil {
			res := a.e.outcomeOf(err)
			for _, r := range b.rows {
				cp := *res
				a.record(r, &cp)
			}
			return
		}
		for j, r := range b.rows {
			a.record(r, out[j])
		}
	})
}

func succeeded() *results.StepResult { return &results.StepResult{Status: results.Succeeded} }
