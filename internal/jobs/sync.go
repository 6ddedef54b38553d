package jobs

import (
	"context"
	"slices"
	"strings"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/mapping"
	"github.com/zoombulk/zoombulk/internal/results"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// Sync modes of the steps that sync (their sync methods are in their step
// files; this file holds what every sync shares).
const (
	SyncAddOnly    = "add_only"    // rows put users in; no one is taken out (default)
	SyncRemoveOnly = "remove_only" // members no row lists are taken out; no one is put in
	SyncExact      = "exact"       // both: the members are exactly the listed users
)

var syncModes = []string{SyncAddOnly, SyncRemoveOnly, SyncExact}

// syncer is implemented by kinds with a sync option: after the rows are
// decided, it lists the members of what the file names (groups, divisions,
// feature values) that no row lists, and plans their removal as rows of
// their own (row number 0 in the reports).
type syncer interface {
	sync(ctx context.Context, e *engine, i int, rows []*rowRun) ([]*rowRun, error)
	// syncs says whether the step, as its options set it, takes anyone
	// out (sync returns no row when it does not).
	syncs(step jobfile.Step) bool
}

// planSync adds the removal rows of every sync step.
func (e *engine) planSync(ctx context.Context, rows []*rowRun) error {
	for i, step := range e.steps {
		s, ok := kindOf(step).(syncer)
		// delete_created plans from the undone run's journal, even when
		// undo.csv has no row left to do (a run that only made groups).
		if !ok || !e.stepPending(rows, i) && !has[dirUndoer](kindOf(step)) {
			continue
		}
		extra, err := s.sync(ctx, e, i, rows)
		if err != nil {
			return err
		}
		e.rows = append(e.rows, extra...)
	}
	return nil
}

// failsInPlan says whether an input row fails in the plan: it has
// problems, a step fails, or an earlier run failed it.
func (r *rowRun) failsInPlan() bool {
	if r.invalid != nil {
		return true
	}
	return slices.ContainsFunc(r.steps, func(st rowStep) bool {
		return st.action == results.ActFail || (st.result != nil && st.result.Status == results.Failed)
	})
}

// anyTarget keys the failing rows whose target the account does not have
// (a misspelt group name): the plan cannot tell which target they meant,
// so they hold back every target of the step.
const anyTarget = "\x00any target"

// heldRows are, for one sync step, the input rows that fail in the plan,
// by the target they name: a target such a row names removes no one in
// this run (the row's user may be the member it would take out).
type heldRows map[string][]int

// heldBy collects the failing input rows of a sync. resolve gives the target a
// row names: named is false when its cell is empty, and target is
// anyTarget when the name matches nothing the account has.
func (e *engine) heldBy(resolve func(r *rowRun) (target string, named bool)) heldRows {
	h := heldRows{}
	for _, r := range e.rows {
		if r.unlisted != "" || !r.failsInPlan() {
			continue
		}
		if t, named := resolve(r); named {
			h[t] = append(h[t], r.row.Number)
		}
	}
	return h
}

// heldByDir is heldBy for a sync into groups or divisions (kind): the
// target of a failing row is the one its field names, found by idOf (named
// takes it too: the target is held back); none for one the run creates
// (it has no one to take out), else any target.
func (e *engine) heldByDir(kind, field string, named listed, idOf func(name string) (string, error)) heldRows {
	return e.heldBy(func(r *rowRun) (string, bool) {
		want, ok := r.value(field)
		if !ok || strings.TrimSpace(want) == "" {
			return "", false
		}
		if id, err := idOf(want); err == nil {
			named.add(id, r)
			return id, true
		}
		if e.plannedEntry(kind, want) != nil {
			return "", false
		}
		return anyTarget, true
	})
}

// of are the rows that hold target back, in row order.
func (h heldRows) of(target string) []int {
	out := append(slices.Clone(h[anyTarget]), h[target]...)
	slices.Sort(out)
	return slices.Compact(out)
}

// syncTarget records what a sync found at a target: its members, those no
// row lists (the removals, or what they would be) and the rows that hold
// it back; the plan prints it and the removal limits read it.
func (e *engine) syncTarget(step jobfile.StepKind, what string, members, unlisted int, held []int) {
	if e.Opts.Undo || unlisted == 0 {
		return // an undo puts back what a run did: no sync limits; and no one unlisted, nothing to hold
	}
	e.syncs = append(e.syncs, SyncTarget{Step: string(step), What: what, Members: members, Unlisted: unlisted, HeldBy: held})
}

// listed is who the rows name for each target of a step (a group,
// division or feature value): user IDs and lower-cased emails.
type listed map[string]map[string]bool

func (l listed) add(target string, r *rowRun) {
	if l[target] == nil {
		l[target] = map[string]bool{}
	}
	l[target][strings.ToLower(r.key)] = true
	if r.user != nil {
		l[target][r.user.ID] = true
		l[target][strings.ToLower(r.user.Email)] = true
	}
}

func (l listed) has(target, id, email string) bool {
	m := l[target]
	return m[id] || m[strings.ToLower(email)]
}

// targets are the listed targets in a stable order.
func (l listed) targets() []string {
	out := make([]string, 0, len(l))
	for t := range l {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

// removalRow is a user no row lists, to be taken out of target by step i:
// the other steps have nothing to do for it.
func (e *engine) removalRow(u zoom.User, i int, target string) *rowRun {
	// The key keeps the journal's results of removals apart from the rows'.
	return e.syncRow(map[string]string{"email": u.Email}, "sync:"+strings.ToLower(u.Email), &u, i, target)
}

// syncRow is a row of a sync's own, with the given fields' cells (what the
// reports show), planned by step i alone: the removal of a member no input
// row lists from target (`group "Sales"`). The reports give it no row
// number and the action `remove (not listed)`.
func (e *engine) syncRow(fields map[string]string, key string, u *zoom.User, i int, target string) *rowRun {
	cells := make([]string, len(e.sheet.Header))
	rec := mapping.Record{Values: map[string]mapping.Value{}}
	for _, spec := range e.Job.Fields {
		v, ok := fields[spec.Field]
		if !ok {
			continue
		}
		rec.Values[spec.Field] = mapping.Value{Text: v}
		for c, h := range e.sheet.Header {
			if strings.EqualFold(strings.TrimSpace(h), strings.TrimSpace(spec.Column)) {
				cells[c] = v
			}
		}
	}
	r := &rowRun{row: &Row{Index: -1, Cells: cells, Record: rec}, key: key, user: u, steps: make([]rowStep, len(e.steps)), unlisted: target, syncStep: i}
	id := ""
	if u != nil {
		id = u.ID
	}
	for j := range r.steps {
		if j != i {
			r.steps[j] = rowStep{action: results.ActUnchanged, result: &results.StepResult{Status: results.Unchanged, UserID: id}}
		}
	}
	return r
}

// syncError is a sync option the account cannot satisfy (an unknown
// fallback): the plan stops before any write.
func syncError(e *engine, i int, err error) error {
	return &jobfile.JobError{File: e.Job.Path, Line: e.steps[i].Line, Key: "steps", Msg: err.Error(),
		Hint: "name a group or division the account has"}
}

// removesUnlisted says whether a sync mode takes out the members no row
// lists (a plan that does needs every row at once: stream.go).
func removesUnlisted(mode string) bool { return mode == SyncExact || mode == SyncRemoveOnly }
