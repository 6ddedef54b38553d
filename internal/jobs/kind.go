package jobs

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/mapping"
	"github.com/zoombulk/zoombulk/internal/results"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// A step kind is one file of this package: what the job file knows of it
// (its options, their defaults and the fields it reads, jobfile.Kind), how
// the plan decides a row (current state + wanted state -> action and field
// changes), what it costs, and how it is applied. The engine around it is
// the same for every kind.
type stepKind interface {
	jobfile.Kind
	// decide plans one row. It sets d.st's action (and changes, patch,
	// target) and moves d.u to the state the step leaves, so later
	// steps see it. It is only called when the row has a user or the
	// kind does not need one (see userOptional).
	decide(d *decision)
	// cost lists the write calls a planned row-step spends.
	cost(r *rowRun, st *rowStep) []callCost
	// apply sends the calls of the rows that have work.
	apply(a *applier, rows []*rowRun)
	// calls lists every Zoom call the kind may make beyond the reads of
	// every plan (PlanReads): the credentials check derives the scopes a
	// job needs from them, and the docs' scopes table is generated from
	// them. A call the kind makes and does not list is a scope no check
	// asks for.
	calls() []call
	// doc is the kind's row of the docs' steps table.
	doc() kindDoc
}

// call is a Zoom call a kind makes.
type call struct {
	zoom.Endpoint
	// plan: a read made while planning (the docs say "plan of").
	plan bool
	// note says in the docs when the kind makes it ("(add)", "with
	// `remove_schedulers: true`").
	note string
	// when, if set, says whether a step with these options makes the call
	// (a step without options, as a list of kind names gives, makes only
	// the calls without a when).
	when func(s jobfile.Step) bool
}

// on is a call made by every step of its kind.
func on(ep zoom.Endpoint, note string) call { return call{Endpoint: ep, note: note} }

// planRead is a read made while planning every step of the kind.
func planRead(ep zoom.Endpoint, note string) call { return call{Endpoint: ep, note: note, plan: true} }

// onlyIf is a call made only by steps whose options say so.
func onlyIf[O any](c call, cond func(o *O) bool) call {
	c.when = func(s jobfile.Step) bool {
		o, ok := s.Options.(*O)
		return ok && cond(o)
	}
	return c
}

// PlanReads are the calls every job's plan makes, whatever its steps:
// the account's users, and a user looked up by ID or address.
func PlanReads() []zoom.Endpoint { return []zoom.Endpoint{zoom.OpListUsers, zoom.OpGetUser} }

// Endpoints lists the calls a job with these steps makes: the plan's
// reads, then each step's calls in step order, once each. A step with no
// options (only its kind known) counts the calls its kind always makes.
func Endpoints(steps []jobfile.Step) []zoom.Endpoint {
	out := PlanReads()
	for _, s := range steps {
		k := stepKinds[s.Kind]
		if k == nil {
			continue
		}
		for _, c := range k.calls() {
			if (c.when == nil || c.when(s)) && !slices.Contains(out, c.Endpoint) {
				out = append(out, c.Endpoint)
			}
		}
	}
	return out
}

// KindCall is a call a kind may make, as the docs' scopes table lists it.
type KindCall struct {
	Kind     jobfile.StepKind
	Endpoint zoom.Endpoint
	Plan     bool   // read while planning
	Note     string // when the kind makes it
}

// KindCalls lists every call of every registered kind, in the order
// StepKinds gives the kinds, whatever the options.
func KindCalls() []KindCall {
	var out []KindCall
	for _, name := range StepKinds() {
		for _, c := range stepKinds[name].calls() {
			out = append(out, KindCall{Kind: name, Endpoint: c.Endpoint, Plan: c.plan, Note: c.note})
		}
	}
	return out
}

// userOptional is implemented by kinds that decide rows whose user is not
// in the account (create makes one; delete has nothing to do). Every other
// kind fails such a row, with no call spent.
type userOptional interface{ userOptional() }

// preparer is implemented by kinds that read more than the users before
// deciding (feature settings).
type preparer interface {
	prepare(ctx context.Context, e *engine, i int, rows []*rowRun) error
}

// allowDeleter is implemented by kinds that delete what they name from the
// account (users, groups, divisions): a run with them is confirmed on the
// command line every time (--allow-delete); an undo has its own rule.
type allowDeleter interface {
	deletes() string // what it does, for the refusal: "removes users"
}

// planWarner is implemented by kinds whose planned actions call for a
// warning in the plan (change_email: renames count against Zoom's daily
// limit, undo included; create_users with if_exists: update downgrades).
type planWarner interface {
	warnings(step jobfile.Step, sp StepPlan) []string
}

// rowChecker is implemented by kinds that check rows beyond their cells
// when the input is read (upload_picture: the files exist and Zoom takes
// them), so validate reports them and the rows are never sent.
type rowChecker interface {
	checkRows(job *jobfile.Job, step jobfile.Step, sh *Sheet)
}

// directoryUser is implemented by kinds that resolve group or division names.
type directoryUser interface {
	directory() (groups, divisions bool)
}

// callCost is the write calls of one row-step in one rate category; batch
// names the call it shares with other rows ("" for a call of its own).
type callCost struct {
	cat   zoom.Category
	batch string
	size  int // users a batched call carries
}

var stepKinds = map[jobfile.StepKind]stepKind{}

// register makes a step kind known to the engine and to job files.
func register(k stepKind) {
	stepKinds[k.Name()] = k
	jobfile.Register(k)
}

func kindOf(s jobfile.Step) stepKind { return stepKinds[s.Kind] }

// StepKinds lists every step kind, in the order they register (StepDocs
// gives the order of the docs' steps table).
func StepKinds() []jobfile.StepKind { return jobfile.Kinds() }

// decision is one row-step being planned.
type decision struct {
	e    *engine
	r    *rowRun
	step jobfile.Step
	st   *rowStep
	// u is the user as the earlier steps leave it (a copy the kind may
	// change); nil when there is none.
	u *zoom.User
	// created: the user is created by this run.
	created bool
	// gone: an earlier step deletes the user.
	gone bool
}

// value is a field of the row as the step uses it (see mapped).
func (d *decision) value(field string) (string, bool) {
	v, ok := d.mapped(field)
	return v.Text, ok
}

// mapped is a field of the row as the step uses it: a default that filled
// an empty cell is left out for a user who exists already, so that an
// empty cell never changes (or takes away) what the user has; the default
// is for the users the run creates, unless the job says default_for: all
// (then the value is not marked Default). A default of a field that says
// how rather than what (a transfer target, a subscription) applies to all.
func (d *decision) mapped(field string) (mapping.Value, bool) {
	v, ok := d.r.row.Record.Get(field)
	if ok && v.Default && d.u != nil && !d.created && !d.r.intent && describesUser(field) {
		return mapping.Value{}, false
	}
	return v, ok
}

// describesUser says whether a field is something a user has (profile,
// license, features, status, groups, division, settings, assistants).
func describesUser(field string) bool {
	f, ok := mapping.Lookup(field)
	if !ok {
		return false
	}
	switch f.Target {
	case mapping.Profile, mapping.Feature, mapping.Status, mapping.Group, mapping.Division, mapping.Setting, mapping.Assistants:
		return true
	}
	return false
}

// fail marks the step failed in the plan: no call will be spent on it.
func (d *decision) fail(reason, hint string) {
	d.st.action, d.st.fail = results.ActFail, planFailure(reason, hint)
}

// failErr fails the step with an error; names the account does not have
// come with the nearest names.
func (d *decision) failErr(err error) {
	var name *zoom.UnknownNameError
	if errors.As(err, &name) {
		d.fail(fmt.Sprintf("no %s named %q in the account", name.Kind, name.Name), name.Hint())
		return
	}
	d.st.action, d.st.fail = results.ActFail, failure(err)
}

// noUser fails a step that needs a user the account does not have.
func (d *decision) noUser() {
	what := "no user with this email in the account"
	if d.e.Job.Match == "id" {
		what = "no user with this ID in the account"
	}
	creator, _, _ := kindWith[userCreator]()
	d.fail(what, "check the "+d.e.Job.Key()+", or add a "+string(creator.Name())+" step before this one")
}

// change records a field the step changes, for the plan's diff.
func (d *decision) change(field, current, new, removal string) {
	d.st.changes = append(d.st.changes, fieldChange{field: field, current: current, new: new, removal: removal})
}

// undoable records the raw values of the change just recorded, for the
// run's before-image: col is the job field an undo job writes to put was
// back, set the value the step leaves. A change on a user this run
// creates needs none: undoing the create deletes the user.
func (d *decision) undoable(col, was, set string) {
	if d.created || len(d.st.changes) == 0 {
		return
	}
	c := &d.st.changes[len(d.st.changes)-1]
	c.col, c.was, c.set = col, was, set
}

// conflictOn leaves a field an undo finds changed since the run it undoes:
// no call, and the row says conflict with both values.
func (d *decision) conflictOn(field, found, set string) {
	d.st.conflicts = append(d.st.conflicts, conflict{field: field, found: found, set: set})
	d.st.action, d.st.changes, d.st.patch = results.ActConflict, nil, nil
}

// undoSet is the value the undone run set in a field (its zb_set_<field>
// column); ok is false outside an undo or when the row has no such cell.
func (d *decision) undoSet(field string) (string, bool) {
	if !d.e.Opts.Undo {
		return "", false
	}
	v, ok := d.e.cell(d.r, undoSetPrefix+field)
	return fromCell(v), ok
}

// set is the step's action.
func (d *decision) set(a results.Action) { d.st.action = a }

// pick is yes when cond holds, else no.
func pick[T any](cond bool, yes, no T) T {
	if cond {
		return yes
	}
	return no
}

// What the engine and the commands ask of a kind instead of naming it.

// targetReader is implemented by kinds that send every mapped field of
// some catalogue targets, whatever their options name (update_users: the
// profile): auto jobs map those columns for them, and an edited export's
// baseline says which of its steps read a field.
type targetReader interface{ targets() []mapping.Target }

// setter is implemented by the kinds that change a field of an existing
// user's as `zoombulk set` and an edited export infer them, one kind per
// target: setRank orders them in the job (the license before the feature
// seats that need it).
type setter interface{ setRank() int }

// ranker is implemented by kinds a multi-job run orders otherwise than
// in the middle (2): groups and divisions exist (0) before users are made
// (1) and put in them (2), then roles and lists (3), and removals last (4).
type ranker interface{ runRank() int }

// profileWriter is implemented by kinds that may update the profile of a
// user who exists (the plan then reads each user's full profile).
type profileWriter interface{ writesProfiles(s jobfile.Step) bool }

// paced is implemented by kinds whose calls Zoom spaces by an interval
// (the features call): the plan's duration and the progress say so.
type paced interface{ pacedByFeatures() }

// KindTargets lists the catalogue targets whose mapped fields a kind
// sends; known is false for a kind that reads only what its options name.
func KindTargets(k jobfile.StepKind) (targets []mapping.Target, known bool) {
	t, ok := stepKinds[k].(targetReader)
	if !ok {
		return nil, false
	}
	return t.targets(), true
}

// SetKinds are the kinds that change a target's fields on existing users,
// in the order a job runs them.
func SetKinds() []jobfile.StepKind {
	var out []jobfile.StepKind
	for _, name := range StepKinds() {
		if has[setter](stepKinds[name]) {
			out = append(out, name)
		}
	}
	slices.SortStableFunc(out, func(a, b jobfile.StepKind) int {
		return stepKinds[a].(setter).setRank() - stepKinds[b].(setter).setRank()
	})
	return out
}

// SetKindFor is the kind that changes the fields of a target on existing
// users (ok false when no kind does).
func SetKindFor(t mapping.Target) (jobfile.StepKind, bool) {
	for _, name := range SetKinds() {
		if ts, _ := KindTargets(name); slices.Contains(ts, t) {
			return name, true
		}
	}
	return "", false
}

// RunRank orders a kind's jobs in a multi-job run (see ranker).
func RunRank(k jobfile.StepKind) int {
	if r, ok := stepKinds[k].(ranker); ok {
		return r.runRank()
	}
	return 2
}

// CreatesUsers says whether a kind creates users.
func CreatesUsers(k jobfile.StepKind) bool { return has[userCreator](stepKinds[k]) }

// Paced says whether Zoom spaces a kind's calls by the features interval.
func Paced(k jobfile.StepKind) bool { return has[paced](stepKinds[k]) }

// createsUsers says whether a step creates users.
func createsUsers(s jobfile.Step) bool { return has[userCreator](kindOf(s)) }

// jobCreatesUsers says whether a job has a step that creates users.
func jobCreatesUsers(job *jobfile.Job) bool { return slices.ContainsFunc(job.Steps, createsUsers) }

// taker is implemented by kinds that take something away a job carried
// into a multi-job run needs trust for (deleting, deactivating): what it
// takes, and, when it takes it only for some values, the field whose
// values say so ("" when it always does).
type taker interface {
	takes(s jobfile.Step) (what, field string)
}

// Takes says what a step takes away (see taker): "" when nothing, and the
// field whose values decide it ("" when the step always does).
func Takes(s jobfile.Step) (what, field string) {
	if t, ok := stepKinds[s.Kind].(taker); ok {
		return t.takes(s)
	}
	return "", ""
}

// kindDoc is a kind's row of docs/jobs.md's steps table, which is
// generated from the kinds (StepDocs).
type kindDoc struct {
	order    int    // the row's place in the table
	options  string // its options, defaults first
	call     string // the API calls it sends
	batching string // how rows share calls, and the limits
	category string // Zoom's rate category
}

// StepDoc is a kind's row of the docs' steps table.
type StepDoc struct {
	Kind                              jobfile.StepKind
	Options, Call, Batching, Category string
}

// StepDocs are the rows of the docs' steps table, one a registered kind,
// in the table's order.
func StepDocs() []StepDoc {
	names := StepKinds()
	slices.SortStableFunc(names, func(a, b jobfile.StepKind) int { return stepKinds[a].doc().order - stepKinds[b].doc().order })
	out := make([]StepDoc, len(names))
	for i, n := range names {
		d := stepKinds[n].doc()
		out[i] = StepDoc{Kind: n, Options: d.options, Call: d.call, Batching: d.batching, Category: d.category}
	}
	return out
}
