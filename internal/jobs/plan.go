package jobs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/zoombulk/zoombulk/internal/report"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// Plan is what a run will do, decided from reads alone.
type Plan struct {
	Rows    int // data rows in the input
	Invalid int // rows with problems: reported failed, never sent
	Done    int // rows finished by an earlier run (resume)
	Steps   []StepPlan
	// Calls are the writes to come, by rate category.
	Calls            map[zoom.Category]int
	FeatureCalls     int
	FeaturesInterval time.Duration
	// Duration is the time the rate limits imply for the writes.
	Duration time.Duration
	// Reads are the calls the plan itself spent.
	Reads    map[zoom.Category]int64
	Warnings []string
}

// StepPlan counts one step's planned actions.
type StepPlan struct {
	Kind     StepKind
	Actions  map[string]int
	Calls    map[zoom.Category]int
	Duration time.Duration
}

// Writes is the number of write calls the plan needs.
func (p *Plan) Writes() int {
	n := 0
	for _, c := range p.Calls {
		n += c
	}
	return n
}

func (e *engine) plan(ctx context.Context) error {
	before := e.Client.Stats()
	defer func() {
		if e.planned != nil {
			e.planned.Reads = e.Client.Stats().CallsSince(before)
		}
	}()
	keyField := "email"
	if e.Job.Match == "id" {
		keyField = "id"
	}
	var active []*rowRun
	e.rows = make([]*rowRun, len(e.sheet.Rows))
	for i := range e.sheet.Rows {
		row := &e.sheet.Rows[i]
		r := &rowRun{row: row, steps: make([]rowStep, len(e.steps))}
		e.rows[i] = r
		if v, ok := row.Record.Get(keyField); ok {
			r.key = v.Text
		} else if v, ok := row.Record.Get("email"); ok {
			// match: id with create_users lets a new user's id be empty:
			// such a row is found, or created, by its email.
			r.key = v.Text
		}
		if len(row.Record.Problems) > 0 {
			r.invalid = invalidResult(row)
			for j := range r.steps {
				r.steps[j].action = ActSkip
				r.steps[j].result = &StepResult{Outcome: Skipped}
			}
			continue
		}
		if e.restore(r) {
			active = append(active, r)
		}
	}

	dir, err := report.LoadDirectory(ctx, e.Client, e.stepPending(active, MoveGroup), e.stepPending(active, AssignDivision),
		func(warning string) { e.Events.Logf("Warning: %s", warning) })
	if err != nil {
		return err
	}
	e.dir = dir
	if err := e.readUsers(ctx, active); err != nil {
		return err
	}
	if err := e.readSettings(ctx, active); err != nil {
		return err
	}
	for _, r := range active {
		e.decide(r)
	}
	e.planned = e.summarize()
	return ctx.Err()
}

func invalidResult(row *Row) *StepResult {
	probs := row.Record.Problems
	res := &StepResult{Outcome: Failed, Reason: problemText(probs[0]), Hint: probs[0].Hint}
	if len(probs) > 1 {
		parts := make([]string, len(probs))
		for i, p := range probs {
			parts[i] = problemText(p)
		}
		res.Reason = strings.Join(parts, "; ")
	}
	return res
}

// restore carries an earlier run's finished steps over; it reports whether
// the row has work left.
func (e *engine) restore(r *rowRun) bool {
	if e.prior == nil {
		return true
	}
	left := false
	done := e.prior.results[r.row.Index]
	for i, s := range e.steps {
		if res := done[string(s.Kind)]; res != nil && res.Outcome.done() {
			r.steps[i].action = ActDone
			r.steps[i].result = res
			if res.UserID != "" {
				r.userID = res.UserID
			}
			continue
		}
		left = true
	}
	_, r.intent = e.prior.intents[r.row.Index]
	return left
}

// stepPending says whether any active row still has a step of this kind.
func (e *engine) stepPending(rows []*rowRun, kind StepKind) bool {
	i := slices.IndexFunc(e.steps, func(s Step) bool { return s.Kind == kind })
	if i < 0 {
		return false
	}
	for _, r := range rows {
		if r.steps[i].result == nil {
			return true
		}
	}
	return false
}

// readUsers finds each row's user. One paged listing of every status is
// cheaper than a look-up per row once the file has more rows than the
// listing has pages; the users it finds are then read in full only when the
// job writes fields the listing leaves out, or when they are pending
// (listed without an ID).
func (e *engine) readUsers(ctx context.Context, rows []*rowRun) error {
	if len(rows) == 0 {
		return nil
	}
	lookup := rows
	if len(rows) > 20 {
		sum, err := e.Client.UserSummary(ctx)
		if err != nil {
			return fmt.Errorf("reading the user summary: %w", err)
		}
		pages := 3 + (sum.TotalUsers+sum.PendingUsers)/2000
		if len(rows) > pages {
			if lookup, err = e.listUsers(ctx, rows); err != nil {
				return err
			}
		}
	}
	return e.forRows(ctx, lookup, zoom.Light, func(ctx context.Context, r *rowRun) error {
		key := r.key
		if r.user != nil {
			key = r.user.Email
		} else if r.userID != "" {
			key = r.userID
		}
		u, err := e.Client.FindUser(ctx, key)
		if err != nil {
			return err
		}
		r.user = u
		return nil
	})
}

// listUsers reads every user and matches rows; it returns the rows that
// still need a look-up.
func (e *engine) listUsers(ctx context.Context, rows []*rowRun) ([]*rowRun, error) {
	byKey := map[string]*zoom.User{}
	for _, status := range []string{zoom.StatusActive, zoom.StatusInactive, zoom.StatusPending} {
		for u, err := range e.Client.ListUsers(ctx, zoom.ListUsersOptions{Status: status}) {
			if err != nil {
				return nil, fmt.Errorf("listing %s users: %w", status, err)
			}
			u := u
			if e.Job.Match == "id" {
				if u.ID != "" {
					byKey[u.ID] = &u
				}
			} else {
				byKey[strings.ToLower(u.Email)] = &u
			}
		}
	}
	// The listing leaves out some profile fields: a job that writes them
	// reads the existing users in full, but only those.
	detail := needsDetail(e.Job)
	var again []*rowRun
	for _, r := range rows {
		r.user = byKey[r.key]
		switch {
		case r.user == nil && r.intent:
			again = append(again, r) // settle a lost create by asking directly
		case r.user == nil && e.Job.Match == "id":
			again = append(again, r) // pending users are listed without IDs
		case r.user != nil && (r.user.ID == "" || detail):
			again = append(again, r)
		}
	}
	return again, nil
}

// readSettings reads the feature settings of rows whose feature changes
// cannot be judged from the user alone.
func (e *engine) readSettings(ctx context.Context, rows []*rowRun) error {
	i := slices.IndexFunc(e.steps, func(s Step) bool { return s.Kind == UpdateFeatures })
	if i < 0 {
		return nil
	}
	step := e.steps[i]
	var need []*rowRun
	for _, r := range rows {
		if r.user == nil || r.steps[i].result != nil {
			continue
		}
		for _, fs := range step.Features {
			if _, ok := r.row.Record.Get(fs.Value); ok && needsSettings(fs.FeatureType) {
				need = append(need, r)
				break
			}
		}
	}
	return e.forRows(ctx, need, zoom.Medium, func(ctx context.Context, r *rowRun) error {
		s, err := e.Client.GetUserSettings(ctx, r.ref().Key())
		if err != nil {
			return err
		}
		r.settings = &s.Feature
		return nil
	})
}

// forRows runs a read per row through the pool. A failed read fails the
// row's first open step; losing the credentials or a daily quota stops
// the plan.
func (e *engine) forRows(ctx context.Context, rows []*rowRun, cat zoom.Category, read func(context.Context, *rowRun) error) error {
	var mu sync.Mutex
	var fatal error
	forEach(ctx, e.concurrency(cat), rows, func(r *rowRun) {
		err := read(ctx, r)
		if err == nil {
			return
		}
		var auth *zoom.AuthError
		var daily *zoom.DailyLimitError
		if errors.As(err, &auth) || errors.As(err, &daily) || ctx.Err() != nil || zoom.HasCode(err, zoom.CodeInvalidToken) {
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
				r.steps[i].action, r.steps[i].fail = ActFail, failure(fmt.Errorf("reading the user: %w", err))
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
// simulating each planned change so later steps see it.
func (e *engine) decide(r *rowRun) {
	var u *zoom.User
	if r.user != nil {
		cp := *r.user
		u = &cp
	}
	created := false // the user is created by this run
	failed := false
	for i, step := range e.steps {
		st := &r.steps[i]
		if st.result != nil {
			if st.result.Outcome == Failed {
				failed = true
			}
			continue
		}
		if failed {
			st.action = ActSkip
			continue
		}
		if st.action == ActFail { // a read failed
			failed = true
			continue
		}
		e.decideStep(r, step, st, &u, &created)
		if st.action == ActFail {
			failed = true
		}
	}
}

func (e *engine) decideStep(r *rowRun, step Step, st *rowStep, up **zoom.User, created *bool) {
	u := *up
	fail := func(res *StepResult) { st.action, st.fail = ActFail, res }
	noUser := func() {
		what := "no user with this email"
		if e.Job.Match == "id" {
			what = "no user with this ID"
		}
		fail(planFailure(what+" in the account", "check the "+e.Job.Match+", or add a create_users step"))
	}
	value := func(field string) (string, bool) {
		v, ok := r.row.Record.Get(field)
		if !ok {
			return "", false
		}
		return v.Text, true
	}
	// wanted is the group or division the row names in the step's `to`
	// field; false means the step is settled (nothing asked, or no user).
	wanted := func() (string, bool) {
		want, ok := value(step.To)
		switch {
		case !ok:
			st.action = ActUnchanged
			return "", false
		case u == nil:
			noUser()
			return "", false
		}
		return want, true
	}
	// unknown fails a name the account does not have, with the nearest.
	unknown := func(err error) {
		var name *report.UnknownNameError
		if errors.As(err, &name) {
			fail(planFailure(fmt.Sprintf("no %s named %q in the account", name.Kind, name.Name), name.Hint()))
			return
		}
		fail(failure(err))
	}

	switch step.Kind {
	case CreateUsers:
		if u != nil {
			switch {
			case r.intent:
				// The interrupted run's create took effect, but the PATCH
				// that sets the rest of a new user's profile may not have:
				// finish it (whatever if_exists says: the user is ours).
				st.patch = profileChanges(r, profileFields(e.Job), u, nil)
				st.action = pick(len(st.patch) > 0, ActUpdate, ActRecovered)
				applyPatch(u, st.patch)
			case step.IfExists == "fail":
				fail(planFailure("a user with this email exists already", "use if_exists: update to update it, or skip to leave it"))
			case step.IfExists == "update":
				st.patch = profileChanges(r, profileFields(e.Job), u, nil)
				st.action = pick(len(st.patch) > 0, ActUpdate, ActUnchanged)
				applyPatch(u, st.patch)
			default:
				st.action = ActUnchanged
			}
			return
		}
		st.action = ActCreate
		st.patch = profileChanges(r, profileFields(e.Job), nil, createFields)
		typ, _ := strconv.Atoi(must(value("type")))
		nu := &zoom.User{Email: textOf(r, "email"), Type: typ, Status: zoom.StatusActive}
		if step.Action == zoom.ActionCreate {
			nu.Status = zoom.StatusPending
		}
		nu.FirstName, _ = value("first_name")
		nu.LastName, _ = value("last_name")
		applyPatch(nu, st.patch)
		*up, *created = nu, true

	case UpdateUsers:
		if u == nil {
			noUser()
			return
		}
		st.patch = profileChanges(r, profileFields(e.Job), u, nil)
		st.action = pick(len(st.patch) > 0, ActUpdate, ActUnchanged)
		applyPatch(u, st.patch)

	case SetStatus:
		want, ok := value(step.Field)
		switch {
		case !ok:
			st.action = ActUnchanged
		case u == nil:
			noUser()
		case u.Status == want:
			st.action = ActUnchanged
		case u.Status == zoom.StatusPending:
			fail(planFailure("the user is pending: Zoom cannot change the status until the user accepts the invitation", "wait for the user to accept, or remove the status from this row"))
		default:
			st.action = pick(want == zoom.StatusInactive, ActDeactivate, ActActivate)
			u.Status = want
		}

	case UpdateFeatures:
		r.features = nil
		for fi, fs := range step.Features {
			want, ok := value(fs.Value)
			if !ok {
				continue
			}
			w := featureWant{feature: fi, value: want, action: ActUpdate}
			if fs.Subscription != "" {
				w.subscription, _ = value(fs.Subscription)
			}
			if u == nil {
				continue
			}
			var same, known bool
			if *created {
				same, known = newUserHasFeature(fs.FeatureType, want, u.Type), true
			} else {
				same, known = featureAsAsked(fs.FeatureType, want, u, r.settings)
			}
			if known && same {
				w.action = ActUnchanged
			} else if fs.FeatureType == "user_type" {
				u.Type, _ = strconv.Atoi(want)
			}
			r.features = append(r.features, w)
		}
		switch {
		case len(r.features) == 0:
			st.action = ActUnchanged
		case u == nil:
			noUser()
		default:
			st.action = ActUnchanged
			for _, w := range r.features {
				if w.action == ActUpdate {
					st.action = ActUpdate
				}
			}
		}

	case MoveGroup:
		want, ok := wanted()
		if !ok {
			return
		}
		g, err := e.dir.Group(want)
		if err != nil {
			unknown(err)
			return
		}
		st.target = g.ID
		groups := u.GroupIDs
		primary := ""
		if len(groups) > 0 {
			primary = groups[0]
		}
		switch step.Mode {
		case "add":
			if slices.Contains(groups, g.ID) {
				st.action = ActUnchanged
				return
			}
			st.action = ActAdd
			u.GroupIDs = append(slices.Clone(groups), g.ID)
		case "set_primary":
			switch {
			case primary == g.ID:
				st.action = ActUnchanged
			case slices.Contains(groups, g.ID):
				st.action, st.from = ActSetPrimary, primary
				u.GroupIDs = append([]string{g.ID}, slices.DeleteFunc(slices.Clone(groups), func(id string) bool { return id == g.ID })...)
			default:
				fail(planFailure("the user is not a member of \""+g.Name+"\"", "use mode: move or add to put the user in the group"))
			}
		default:
			switch {
			case primary == g.ID:
				st.action = ActUnchanged
			case primary == "":
				st.action = ActAdd
				u.GroupIDs = []string{g.ID}
			default:
				st.action, st.from = ActMove, primary
				rest := slices.DeleteFunc(slices.Clone(groups), func(id string) bool { return id == primary || id == g.ID })
				u.GroupIDs = append([]string{g.ID}, rest...)
			}
		}

	case AssignDivision:
		want, ok := wanted()
		if !ok {
			return
		}
		d, err := e.dir.Division(want)
		if err != nil {
			unknown(err)
			return
		}
		st.target = d.ID
		cur := ""
		if len(u.DivisionIDs) > 0 {
			cur = u.DivisionIDs[0]
		}
		if cur == d.ID || cur == "" && d.IsMain {
			st.action = ActUnchanged
			return
		}
		st.action = ActAssign
		u.DivisionIDs = []string{d.ID}

	case DeleteUsers:
		if u == nil {
			st.action = ActUnchanged // nothing to delete: already as asked
			return
		}
		st.action = ActDelete
		if step.TransferEmail != "" {
			st.target, _ = value(step.TransferEmail)
		}
		*up = nil
	}
}

func pick[T any](cond bool, yes, no T) T {
	if cond {
		return yes
	}
	return no
}

func must(s string, _ bool) string { return s }

// summarize counts the plan's actions and the calls and time they imply.
func (e *engine) summarize() *Plan {
	p := &Plan{Rows: len(e.rows), Calls: map[zoom.Category]int{}, FeaturesInterval: e.Client.FeaturesInterval()}
	for _, r := range e.rows {
		switch {
		case r.invalid != nil:
			p.Invalid++
		case e.prior != nil && !slices.ContainsFunc(r.steps, func(s rowStep) bool { return s.result == nil }):
			p.Done++
		}
	}
	creates := 0
	for i, step := range e.steps {
		sp := StepPlan{Kind: step.Kind, Actions: map[string]int{}, Calls: map[zoom.Category]int{}}
		batches := map[string]int{} // batch key -> users
		for _, r := range e.rows {
			if r.invalid != nil {
				continue
			}
			st := r.steps[i]
			act := st.action
			sp.Actions[act]++
			switch act {
			case ActCreate:
				creates++
				sp.Calls[zoom.Light]++
				if len(st.patch) > 0 {
					sp.Calls[zoom.Light]++
				}
			case ActUpdate:
				if step.Kind == UpdateFeatures {
					for _, w := range r.features {
						if w.action == ActUpdate {
							batches[featureKey(w)]++
						}
					}
				} else {
					sp.Calls[zoom.Light]++
				}
			case ActActivate, ActDeactivate, ActDelete:
				sp.Calls[zoom.Light]++
			case ActMove, ActSetPrimary:
				sp.Calls[zoom.Medium]++
			case ActAdd, ActAssign:
				batches[st.target]++
			}
		}
		for _, n := range batches {
			sp.Calls[zoom.Medium] += (n + 29) / 30
		}
		for cat, n := range sp.Calls {
			p.Calls[cat] += n
			if d := time.Duration(float64(n) / e.Client.Rate(cat) * float64(time.Second)); d > sp.Duration {
				sp.Duration = d
			}
		}
		if step.Kind == UpdateFeatures {
			p.FeatureCalls = sp.Calls[zoom.Medium]
			sp.Duration = time.Duration(p.FeatureCalls) * p.FeaturesInterval
		}
		p.Duration += sp.Duration
		p.Steps = append(p.Steps, sp)
	}
	if limit := e.Client.Tier().DailyCreates; creates > limit {
		p.Warnings = append(p.Warnings, fmt.Sprintf("%d users to create, but the %s tier allows %d creates a day: the rest will be deferred; finish them with --resume after 00:00 UTC",
			creates, e.Client.Tier().Name, limit))
	}
	return p
}

func featureKey(w featureWant) string {
	return strconv.Itoa(w.feature) + "\x00" + w.value + "\x00" + w.subscription
}
