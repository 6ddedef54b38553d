package jobs

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/zoombulk/zoombulk/internal/results"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// Plan is what a run will do, decided from reads alone.
type Plan struct {
	AccountID string // the account the run writes to
	APIHost   string // and where: api.zoom.us, or a sandbox
	Rows      int    // data rows in the input
	Invalid   int    // rows with problems: reported failed, never sent
	Done      int    // rows finished by an earlier run (resume)
	Failing   int    // rows the plan fails (validation included)
	Steps     []StepPlan
	// Calls are the writes to come, by rate category.
	Calls            map[zoom.Category]int
	FeatureCalls     int
	FeaturesInterval time.Duration
	// Duration is the time the run should take: the rate limits, the
	// workers and the latency measured while planning.
	Duration time.Duration
	// Reads are the calls the plan itself spent.
	Reads map[zoom.Category]int64
	// Planning is the time the plan took (its reads, mostly): on a large
	// account a good part of the whole.
	Planning time.Duration
	// Removals count what the run takes away, by kind (results.Remove*).
	Removals map[string]int
	// Changes are the field-level diff, in row order. A streamed dry run
	// (stream.go) keeps none: its changes go to changes.csv as they come.
	Changes []results.Change
	// ChangeCount is the number of changes (the lines of changes.csv);
	// ChangedRows the rows with a change that is no failure.
	ChangeCount, ChangedRows int
	// FailSample is the first failure of the first failing rows, and
	// RemovalSample the first removals, for the console.
	FailSample, RemovalSample []results.Change
	Warnings                  []string
	// Creations count what the run creates, by kind (group, division,
	// contact group, user): once each, however many rows need it.
	Creations map[string]int
	// Syncs are the targets of the sync steps: their members, those no
	// row lists, the rows that hold a target back, the limit's allowance.
	Syncs []SyncTarget
	// Limit names the removal limit in force, for the plan and prompt.
	Limit string
	// Stop is why the real run stops before any write (over a removal
	// limit) and how to allow it; "" when it goes ahead. A dry run,
	// --check and plan.xlsx say it too.
	Stop string
	// Conflicts are the rows zoombulk apply leaves: changed since the
	// approved plan (applyplan.go).
	Conflicts []PlanConflict
}

// SyncTarget is one target of a sync step (a group, division, contact
// group, feature value or user's assistants).
type SyncTarget struct {
	Step     string // the step: move_group
	What     string // the target: group "Sales"
	Members  int    // its members found by the plan
	Unlisted int    // members no row lists: the sync takes them out (none when held)
	// HeldBy are the rows that name the target and fail in the plan: the
	// sync takes no one out of it in this run.
	HeldBy []int
	// Allowed is how many unlisted removals the limit in force allows
	// here (-1: the limit counts removals over the whole plan).
	Allowed int
}

// Removes is the number of members the target loses in this run.
func (t SyncTarget) Removes() int {
	if len(t.HeldBy) > 0 {
		return 0
	}
	return t.Unlisted
}

// CreationText reads "2 groups, 1 division, 5 users" ("" for none).
func (p *Plan) CreationText() string {
	var parts []string
	for _, k := range []string{kindGroup, kindDivision, kindContactGroup, "user"} {
		if n := p.Creations[k]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, plural(k, n)))
		}
	}
	return strings.Join(parts, ", ")
}

// StepPlan counts one step's planned actions.
type StepPlan struct {
	Kind     string
	Actions  results.ActionCounts
	Calls    map[zoom.Category]int
	Duration time.Duration
	// Removals count what the step takes away, by kind (results.Remove*).
	Removals map[string]int
}

// Writes is the number of write calls the plan needs.
func (p *Plan) Writes() int {
	n := 0
	for _, c := range p.Calls {
		n += c
	}
	return n
}

// RemovalCount is the number of removals of every kind.
func (p *Plan) RemovalCount() int {
	n := 0
	for _, c := range p.Removals {
		n += c
	}
	return n
}

// RemovalText reads "1 license downgrade, 2 deletions" ("" for none).
func (p *Plan) RemovalText() string {
	var parts []string
	for _, k := range []string{results.RemoveDowngrade, results.RemoveFeature, results.RemoveDeactivate, results.RemoveDisassociate, results.RemoveDelete, results.RemoveGroup, results.RemoveDivision, results.RemoveAssistant, results.RemoveContactMember, results.RemoveContactGroup, results.RemoveGroupAdmin, results.RemoveGroupDelete, results.RemoveDivisionDelete} {
		n := p.Removals[k]
		switch {
		case n == 0:
		case k == results.RemoveDisassociate:
			parts = append(parts, fmt.Sprintf("%d %s to disassociate", n, plural("user", n)))
		default:
			parts = append(parts, fmt.Sprintf("%d %s", n, plural(k, n)))
		}
	}
	return strings.Join(parts, ", ")
}

func plural(word string, n int) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// ActionText reads "create 59, update 1": the writes over every step, in
// the order of results.Actions.
func (p *Plan) ActionText() string {
	total := results.ActionCounts{}
	for _, sp := range p.Steps {
		for a, n := range sp.Actions {
			total[a] += n
		}
	}
	if s := total.Text(results.Action.Writes); s != "" {
		return s
	}
	return "no changes"
}

// plan plans the whole sheet at once (planStreamed: a chunk at a time).
func (e *engine) plan(ctx context.Context) error {
	active, valid := e.newRows(e.sheet.Rows)
	// An edited export: the rows as exported need no read (baseline.go).
	reads, err := e.applyBaseline(active)
	if err != nil {
		return err
	}
	if err := e.loadDirectory(ctx, reads); err != nil {
		return err
	}
	if err := e.decideRows(ctx, active, reads); err != nil {
		return err
	}
	// A sync names every row of the file, those a killed process already
	// finished included: else a resume would take them out again.
	if err := e.planSync(ctx, valid); err != nil {
		return err
	}
	if e.Opts.Apply == nil {
		if err := e.summarizeToSpool(); err != nil {
			return err
		}
		return ctx.Err()
	}
	// zoombulk apply: rows changed since the approved plan are left, and
	// the plan is added up again without them.
	e.planned = e.summarize()
	left, err := e.planConflicts(e.planned)
	if err != nil {
		return err
	}
	if left {
		e.planned = e.summarize()
	}
	e.planned.Conflicts = e.leftRows
	return ctx.Err()
}

// newRows makes the rows' runs (e.rows): a row with problems fails and
// starts no step; active are the rows with work left, valid those and the
// rows an earlier process finished (resume).
func (e *engine) newRows(rows []Row) (active, valid []*rowRun) {
	keyField := e.Job.Key()
	e.rows = make([]*rowRun, len(rows))
	for i := range rows {
		row := &rows[i]
		r := &rowRun{row: row, steps: make([]rowStep, len(e.steps))}
		e.rows[i] = r
		r.key = e.rowKey(row, keyField)
		e.forgiveExported(r)
		if len(row.Record.Problems) > 0 {
			r.invalid = invalidResult(row)
			for j := range r.steps {
				r.steps[j].action = results.ActSkip
				r.steps[j].result = &results.StepResult{Status: results.Skipped, Reason: "the row failed validation"}
			}
			continue
		}
		valid = append(valid, r)
		if e.restore(r) {
			active = append(active, r)
		}
	}
	return active, valid
}

// decideRows reads what the active rows need of the account (the users of
// reads, the steps' own reads) and decides every step of each.
func (e *engine) decideRows(ctx context.Context, active, reads []*rowRun) error {
	if e.Job.RowKey() == nil { // rows that are groups have no user to find
		if err := e.readUsers(ctx, reads); err != nil {
			return err
		}
	}
	for _, r := range reads {
		e.baselineConflicts(r)
	}
	for i, step := range e.steps {
		if p, ok := kindOf(step).(preparer); ok && e.stepPending(reads, i) {
			if err := p.prepare(ctx, e, i, reads); err != nil {
				return err
			}
		}
	}
	for _, r := range active {
		e.decide(r)
	}
	// resume and undo: recovered rows, the undo's people
	return e.afterDecide(ctx, active)
}

func invalidResult(row *Row) *results.StepResult {
	probs := row.Record.Problems
	parts := make([]string, len(probs))
	for i, p := range probs {
		parts[i] = problemText(p)
	}
	return &results.StepResult{Status: results.Failed, Reason: strings.Join(parts, "; "), Hint: probs[0].Hint}
}

// restore carries an earlier run's finished steps over; it reports whether
// the row has work left.
func (e *engine) restore(r *rowRun) bool {
	if e.prior == nil {
		return true
	}
	left := false
	done := e.prior.results[strings.ToLower(r.key)]
	for i, s := range e.steps {
		if res := done[string(s.Kind)]; res != nil && res.Status.Final() {
			r.steps[i].action = results.ActDone
			r.steps[i].result = res
			if res.UserID != "" {
				r.userID = res.UserID
			}
			continue
		}
		left = true
	}
	_, r.intent = e.prior.intents[strings.ToLower(r.key)]
	for i, s := range e.steps {
		r.steps[i].inflight = r.steps[i].result == nil && e.prior.inflight[strings.ToLower(r.key)][string(s.Kind)]
	}
	return left
}

// stepPending says whether any active row still has step i to do.
func (e *engine) stepPending(rows []*rowRun, i int) bool {
	return slices.ContainsFunc(rows, func(r *rowRun) bool { return r.steps[i].result == nil })
}

// loadDirectory reads the groups and divisions when a pending step names
// them.
func (e *engine) loadDirectory(ctx context.Context, rows []*rowRun) error {
	var groups, divisions bool
	for i, step := range e.steps {
		if d, ok := kindOf(step).(directoryUser); ok && e.stepPending(rows, i) {
			g, dv := d.directory()
			groups, divisions = groups || g, divisions || dv
		}
	}
	dir, err := zoom.LoadDirectory(ctx, e.Client, groups, divisions, func(warning string) { e.Events.Logf("Warning: %s", warning) })
	if err != nil {
		return err
	}
	e.dir = dir
	return nil
}

// forRows runs a read per row through the pool. A failed read fails the row's first open step;
// losing the credentials or a daily quota stops the plan.
func (e *engine) forRows(ctx context.Context, rows []*rowRun, cat zoom.Category, read func(context.Context, *rowRun) error) error {
	var mu sync.Mutex
	var fatal error
	forEach(ctx, e.concurrency(cat), rows, func(r *rowRun) {
		err := read(ctx, r)
		if err == nil {
			return
		}
		var daily *zoom.DailyLimitError
		if zoom.CannotConnect(err) || errors.As(err, &daily) || ctx.Err() != nil {
			mu.Lock()
			if fatal == nil {
				fatal = err
			}
			mu.Unlock()
			e.abort("the plan could not read the account")
			return
		}
		for i := range r.steps {
			if r.steps[i].result == nil {
				r.steps[i].action, r.steps[i].fail = results.ActFail, failure(fmt.Errorf("reading the user: %w", err))
				break
			}
		}
	})
	if fatal != nil {
		return fatal
	}
	return ctx.Err()
}

// decide walks a row through the steps against what the account holds,
// simulating each planned change so later steps see it. A row that fails
// in any step starts no step (unless limits.partial_rows): no create, move
// or feature seat is spent on a row that cannot finish.
func (e *engine) decide(r *rowRun) {
	d := &decision{e: e, r: r}
	if r.user != nil {
		cp := *r.user
		d.u = &cp
	}
	failed := -1
	// A row an earlier run failed starts nothing new: its other steps
	// were not started then either.
	for i := range r.steps {
		if res := r.steps[i].result; res != nil && res.Status == results.Failed {
			failed = i
			break
		}
	}
	for i, step := range e.steps {
		st := &r.steps[i]
		switch {
		case st.result != nil:
			if st.result.Status == results.Failed {
				failed = i
			}
			continue
		case failed >= 0 && !e.Opts.Undo:
			st.action = results.ActSkip
			continue
		case st.action == results.ActFail: // a read failed
			failed = i
			continue
		}
		if e.baselineSettles(r, i, step) {
			continue // an edited export: nothing of this step was edited
		}
		d.step, d.st = step, st
		k := kindOf(step)
		if e.Opts.Undo && e.undoDecide(d) {
			continue
		}
		if _, optional := k.(userOptional); d.u == nil && !optional {
			if d.gone {
				d.fail("an earlier step of this row removes the user", "remove this step or the removal from the row")
			} else {
				d.noUser()
			}
		} else {
			k.decide(d)
			if e.Opts.Undo {
				e.undoConflicts(d)
			}
		}
		if cap(st.changes) > len(st.changes) {
			// The changes stay until the run ends: a row's appends left
			// room for up to twice as many.
			st.changes = slices.Clone(st.changes)
		}
		if st.action == results.ActFail {
			failed = i
		}
	}
	// An undo puts back what it can: its steps are independent.
	if failed < 0 || e.Job.Limits.PartialRows || e.Opts.Undo || r.steps[failed].result != nil {
		return // nothing failed in the plan (a prior run's failure already skips what follows)
	}
	why := r.steps[failed].fail
	stopped := false
	for j := range r.steps {
		st := &r.steps[j]
		if j == failed || st.result != nil || !st.action.Writes() {
			continue
		}
		stopped = true
		st.action, st.changes = results.ActSkip, nil
		st.fail = &results.StepResult{Status: results.Skipped, Reason: "not started: the row fails at " + string(e.steps[failed].Kind),
			Hint: "fix the row and run it again (limits.partial_rows: true runs the other steps anyway)"}
	}
	if stopped {
		cp := *why
		cp.Reason = "not started: " + string(e.steps[failed].Kind) + ": " + why.Reason
		r.steps[failed].fail = &cp
	}
}

// summarize counts the plan's actions, changes and removals, and the calls
// and time they imply, over every row.
func (e *engine) summarize() *Plan {
	t := e.newTally(nil)
	t.add(e.rows)
	return t.finish()
}

// summarizeToSpool summarizes the plan, its changes kept in a file of the
// run folder until the plan's files are written, not in memory.
func (e *engine) summarizeToSpool() error {
	sp, err := newSpool[results.Change](e.Opts.OutDir)
	if err != nil {
		return err
	}
	e.changes = sp
	t := e.newTally(sp.add)
	t.add(e.rows)
	e.planned = t.finish()
	return t.err
}

// planTally adds the plan up row by row: the plan of a whole sheet gives it
// every row at once, a streamed dry run one chunk after another
// (stream.go). finish makes the Plan.
type planTally struct {
	e       *engine
	p       *Plan
	steps   []stepTally
	created map[any]bool // what Creations counted: a new entry, a contact group, a user row
	creates int          // users created
	// emit takes each change in row order; nil keeps them in Plan.Changes.
	emit func(results.Change) error
	err  error // emit's first error
	// The fields sent without comparing, in the order first seen.
	notCompared       int
	notComparedFields []string
}

// stepTally is one step's count so far: batched calls are counted once
// every row is in, so that a chunk boundary never splits a batch.
type stepTally struct {
	sp      StepPlan
	batches map[string]int // batch -> users
	sizes   map[string]int
	cats    map[string]zoom.Category
	counted map[*newEntry]bool // a group or division many rows need is one create
}

func (e *engine) newTally(emit func(results.Change) error) *planTally {
	t := &planTally{e: e, emit: emit, created: map[any]bool{},
		p: &Plan{Calls: map[zoom.Category]int{}, FeaturesInterval: e.Client.FeaturesInterval(),
			Removals: map[string]int{}, Creations: map[string]int{}, AccountID: e.Client.AccountID(), APIHost: e.Client.APIHost()}}
	for _, step := range e.steps {
		t.steps = append(t.steps, stepTally{
			sp:      StepPlan{Kind: string(step.Kind), Actions: results.ActionCounts{}, Calls: map[zoom.Category]int{}, Removals: map[string]int{}},
			batches: map[string]int{}, sizes: map[string]int{}, cats: map[string]zoom.Category{}, counted: map[*newEntry]bool{},
		})
	}
	return t
}

// add counts rows, in row order.
func (t *planTally) add(rows []*rowRun) {
	for _, r := range rows {
		t.addChanges(r)
	}
	for i := range t.e.steps {
		t.addStep(i, rows)
	}
}

// change records one change of the plan.
func (t *planTally) change(c results.Change) {
	p := t.p
	if c.Current == notCompared {
		t.notCompared++
		if !slices.Contains(t.notComparedFields, c.Field) {
			t.notComparedFields = append(t.notComparedFields, c.Field)
		}
	}
	p.ChangeCount++
	if c.Action == results.ActFail && len(p.FailSample) < planSample && !slices.ContainsFunc(p.FailSample, func(f results.Change) bool { return f.Row == c.Row }) {
		p.FailSample = append(p.FailSample, c)
	}
	if c.Removal != "" && len(p.RemovalSample) < planSample {
		p.RemovalSample = append(p.RemovalSample, c)
	}
	if t.emit == nil {
		p.Changes = append(p.Changes, c)
	} else if t.err == nil {
		t.err = t.emit(c)
	}
}

// planSample is how many failing rows and removals the plan keeps for the
// console (the files have them all).
const planSample = 10

// addChanges counts the row and lists every change the plan makes to it.
func (t *planTally) addChanges(r *rowRun) {
	e, p := t.e, t.p
	changed := false
	// add records one change of the row, with the user it was
	// planned for.
	add := func(c results.Change) {
		c.Row, c.Email = r.row.Number, r.email()
		if r.user != nil {
			c.UserID = r.user.ID
		}
		changed = changed || c.Action != results.ActFail
		t.change(c)
	}
	defer func() {
		if changed {
			p.ChangedRows++
		}
	}()
	if r.unlisted == "" {
		p.Rows++ // the rows a sync adds are no input rows
	}
	switch {
	case r.invalid != nil:
		p.Invalid++
		p.Failing++
		add(results.Change{Step: "validate", Action: results.ActFail, Reason: r.invalid.Reason})
		return
	case e.prior != nil && !slices.ContainsFunc(r.steps, func(s rowStep) bool { return s.result == nil }):
		p.Done++
	}
	if slices.ContainsFunc(r.steps, func(s rowStep) bool { return s.action == results.ActFail }) {
		p.Failing++
	}
	for i, st := range r.steps {
		name := string(e.steps[i].Kind)
		if st.action == results.ActFail {
			add(results.Change{Step: name, Action: results.ActFail, Reason: st.fail.Reason})
			continue
		}
		for _, c := range st.conflicts {
			add(results.Change{Step: name, Action: results.ActConflict, Field: c.field, Current: c.found, New: c.set, Reason: e.conflictReason()})
		}
		for _, c := range st.changes {
			act := pick(c.action != "", c.action, st.action)
			if r.unlisted != "" && !r.dirDelete {
				act = results.ActRemoveUnlisted
			}
			add(results.Change{Step: name, Action: act, Field: c.field, Current: c.current, New: c.new, Removal: c.removal})
			if c.removal != "" {
				p.Removals[c.removal]++
				t.steps[i].sp.Removals[c.removal]++
			}
		}
	}
}

// addStep counts step i's actions, creations and calls over rows.
func (t *planTally) addStep(i int, rows []*rowRun) {
	step, s := t.e.steps[i], &t.steps[i]
	k := kindOf(step)
	for _, r := range rows {
		if r.invalid != nil || (r.unlisted != "" && r.syncStep != i) {
			continue
		}
		st := &r.steps[i]
		switch ne, shared := st.extra.(*newEntry); {
		case r.unlisted != "" && !r.dirDelete:
			s.sp.Actions[results.ActRemoveUnlisted]++
		case st.action == results.ActCreate && shared && s.counted[ne]:
			s.sp.Actions[results.ActUnchanged]++ // an earlier row's create makes it
		default:
			s.sp.Actions[st.action]++
		}
		if ne, ok := st.extra.(*newEntry); ok && st.action == results.ActCreate {
			s.counted[ne] = true
		}
		countCreation(t.p, step, r, st, t.created)
		if st.action == results.ActCreate && createsUsers(step) {
			t.creates++
		}
		for _, c := range k.cost(r, st) {
			if c.batch == "" {
				s.sp.Calls[c.cat]++
				continue
			}
			s.batches[c.batch]++
			s.sizes[c.batch], s.cats[c.batch] = c.size, c.cat
		}
	}
}

// finish turns the counts into the plan: the batched calls, the time the
// calls take at the limits, and the warnings.
func (t *planTally) finish() *Plan {
	e, p := t.e, t.p
	for i, step := range e.steps {
		s := &t.steps[i]
		sp := s.sp
		for b, n := range s.batches {
			sp.Calls[s.cats[b]] += (n + s.sizes[b] - 1) / s.sizes[b]
		}
		for cat, n := range sp.Calls {
			p.Calls[cat] += n
			sp.Duration = max(sp.Duration, e.estimate(cat, n, e.latencyOf(cat)))
		}
		if has[paced](kindOf(step)) {
			p.FeatureCalls = sp.Calls[zoom.Medium]
			if n := p.FeatureCalls; n > 0 {
				sp.Duration = time.Duration(n-1)*p.FeaturesInterval + e.latencyOf(zoom.Medium)
			}
		}
		p.Duration += sp.Duration
		p.Steps = append(p.Steps, sp)
		if w, ok := kindOf(step).(planWarner); ok {
			p.Warnings = append(p.Warnings, w.warnings(step, sp)...)
		}
	}
	e.planWarnings(p, t.creates)
	if !e.Opts.Undo {
		p.Warnings = append(p.Warnings, notComparedWarning(t.notCompared, t.notComparedFields)...)
	}
	return p
}

// planWarnings adds what an approver should know: the daily creates, the
// undo's limits, the removals, the fields not compared.
func (e *engine) planWarnings(p *Plan, creates int) {
	if limit := e.Client.Tier().DailyCreates; creates > limit {
		reset := time.Now().UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
		p.Warnings = append(p.Warnings, fmt.Sprintf("%d users to create, but the %s tier allows %d creates a day: %d rows will be deferred; finish them with --resume after %s",
			creates, e.Client.Tier().Name, limit, creates-limit, reset.Format(time.RFC3339)))
	}
	p.Warnings = append(p.Warnings, e.undoWarnings()...)
	e.removalLimits(p)
}

// notComparedWarning names the fields sent without comparing (n values):
// the plan cannot show what they hold, and undo cannot put them back.
func notComparedWarning(n int, fields []string) []string {
	if n == 0 {
		return nil
	}
	return []string{fmt.Sprintf("%d %s sent without comparing (%s): Zoom's answers do not carry these fields, so changes.csv shows them as %s and undo cannot put them back",
		n, plural("value", n), strings.Join(fields, ", "), notCompared)}
}

// estimate is the time n calls of a category take: the rate limit, or the
// workers' round trips when latency is the tighter bound, plus the last
// answer.
func (e *engine) estimate(cat zoom.Category, n int, latency time.Duration) time.Duration {
	if n == 0 {
		return 0
	}
	byRate := float64(n-1) / e.Client.Rate(cat)
	byWorkers := float64(n) * latency.Seconds() / float64(e.concurrency(cat))
	return time.Duration(math.Max(byRate, byWorkers)*float64(time.Second)) + latency
}

// rowKey is how the journal and a resume name a row: its row key (rows that
// are not users), else its key field, else its email (match: id with
// create_users lets a new user's id be empty: such a row is found, or
// created, by its email).
func (e *engine) rowKey(row *Row, keyField string) string {
	if rk := e.Job.RowKey(); rk != nil {
		return rowKeyText(row, rk)
	}
	if v, ok := row.Record.Get(keyField); ok {
		return v.Text
	}
	if v, ok := row.Record.Get("email"); ok {
		return v.Text
	}
	return ""
}
