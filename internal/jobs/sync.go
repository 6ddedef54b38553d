package jobs

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/mapping"
	"github.com/zoombulk/zoombulk/internal/results"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// Sync modes of move_group, assign_division and update_features.
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

func (groupStep) sync(ctx context.Context, e *engine, i int, rows []*rowRun) ([]*rowRun, error) {
	o := e.steps[i].Options.(*GroupOptions)
	if o.Sync == SyncAddOnly || o.Sync == "" {
		return nil, nil
	}
	var fallback *zoom.Group
	if o.Fallback != "" {
		g, err := e.dir.Group(o.Fallback)
		if err != nil {
			return nil, syncError(e, i, fmt.Errorf("fallback_group: %w", err))
		}
		fallback = &g
	}
	named, leaving := listed{}, listed{}
	for _, r := range rows {
		st := &r.steps[i]
		want, ok := r.value(o.To)
		if !ok || st.action == results.ActFail {
			continue
		}
		g, err := e.dir.Group(want)
		if err != nil {
			continue
		}
		named.add(g.ID, r)
		if st.action == results.ActMove && st.from != "" {
			leaving.add(st.from, r) // the row's own move takes the user out
		}
	}
	held := e.heldByDir(kindGroup, o.To, named, func(name string) (string, error) { g, err := e.dir.Group(name); return g.ID, err })
	// groupsOf reads a member's groups once (the first is the primary):
	// the before-image says which group a removal took, whether it was
	// the primary one, and whether the fallback is new to the user.
	seen := map[string][]string{}
	groupsOf := func(id string) ([]string, error) {
		if g, ok := seen[id]; ok {
			return g, nil
		}
		u, err := e.Client.GetUser(ctx, id)
		if err != nil {
			return nil, err
		}
		seen[id] = u.GroupIDs
		return u.GroupIDs, nil
	}
	var out []*rowRun
	for _, gid := range named.targets() {
		if fallback != nil && fallback.ID == gid {
			continue // its members would be moved into it: nothing to take out
		}
		what := fmt.Sprintf("group %q", e.dir.GroupName(gid))
		hold := held.of(gid)
		members, unlisted := 0, 0
		for m, err := range e.Client.ListGroupMembers(ctx, gid) {
			if err != nil {
				return nil, fmt.Errorf("listing the members of group %q: %w", e.dir.GroupName(gid), err)
			}
			members++
			if named.has(gid, m.ID, m.Email) || leaving.has(gid, m.ID, m.Email) {
				continue
			}
			unlisted++
			if len(hold) > 0 {
				continue
			}
			groups, err := groupsOf(m.ID)
			if err != nil {
				return nil, fmt.Errorf("reading the groups of %s, a member of group %q: %w", m.Email, e.dir.GroupName(gid), err)
			}
			r := e.removalRow(zoom.User{ID: m.ID, Email: m.Email, Type: m.Type, GroupIDs: groups}, i, what)
			st := &r.steps[i]
			d := &decision{e: e, r: r, step: e.steps[i], st: st}
			// The before-image names the group (marked when it was the
			// user's primary one) and, with a fallback new to the user,
			// the fallback: the undo puts the user back in every group a
			// sync took them out of, makes the primary one primary again
			// and takes them out of the fallback.
			was := gid + pick(len(groups) > 0 && groups[0] == gid, primaryMark, "")
			if fallback != nil {
				st.action, st.from, st.target = results.ActMove, gid, fallback.ID
				d.change("group", e.dir.GroupName(gid), fallback.Name, results.RemoveGroup)
				d.undoable(colGroupRemoved, was, pick(slices.Contains(groups, fallback.ID), undoRemoved, fallback.ID))
			} else {
				st.action, st.target = results.ActRemove, gid
				d.change("groups", e.dir.GroupName(gid), "(removed)", results.RemoveGroup)
				d.undoable(colGroupRemoved, was, undoRemoved)
			}
			out = append(out, r)
		}
		e.syncTarget(e.steps[i].Kind, what, members, unlisted, hold)
	}
	return out, nil
}

func (divisionStep) sync(ctx context.Context, e *engine, i int, rows []*rowRun) ([]*rowRun, error) {
	o := e.steps[i].Options.(*DivisionOptions)
	if o.Sync == SyncAddOnly || o.Sync == "" {
		return nil, nil
	}
	fallback := mainDivision(e.dir)
	if o.Fallback != "" {
		v, err := e.dir.Division(o.Fallback)
		if err != nil {
			return nil, syncError(e, i, fmt.Errorf("fallback_division: %w", err))
		}
		fallback = v.ID
	}
	if fallback == "" {
		return nil, syncError(e, i, fmt.Errorf("sync: %s needs a division to put removed members in, and the account has no main division", o.Sync))
	}
	named := listed{}
	for _, r := range rows {
		want, ok := r.value(o.To)
		if !ok || r.steps[i].action == results.ActFail {
			continue
		}
		if v, err := e.dir.Division(want); err == nil {
			named.add(v.ID, r)
		}
	}
	held := e.heldByDir(kindDivision, o.To, named, func(name string) (string, error) { v, err := e.dir.Division(name); return v.ID, err })
	var out []*rowRun
	for _, did := range named.targets() {
		if did == fallback {
			continue // everyone not elsewhere is in it: no one can be taken out
		}
		what := fmt.Sprintf("division %q", e.dir.DivisionName(did))
		hold := held.of(did)
		members, unlisted := 0, 0
		for m, err := range e.Client.ListDivisionMembers(ctx, did) {
			if err != nil {
				return nil, fmt.Errorf("listing the members of division %q: %w", e.dir.DivisionName(did), err)
			}
			members++
			if named.has(did, m.ID, m.Email) {
				continue
			}
			unlisted++
			if len(hold) > 0 {
				continue
			}
			r := e.removalRow(zoom.User{ID: m.ID, Email: m.Email}, i, what)
			st := &r.steps[i]
			d := &decision{e: e, r: r, step: e.steps[i], st: st}
			st.action, st.target = results.ActAssign, fallback
			d.change("division", e.dir.DivisionName(did), e.dir.DivisionName(fallback), results.RemoveDivision)
			d.undoable("division", did, fallback)
			out = append(out, r)
		}
		e.syncTarget(e.steps[i].Kind, what, members, unlisted, hold)
	}
	return out, nil
}

// undoRemoved is the value a sync that took a user out of a group (with no
// fallback) leaves in undo.csv's zb_set_group: the undo adds the user back.
const undoRemoved = "(removed)"

// colGroupRemoved is undo.csv's column of the groups a move_group sync
// took the user out of ("id1 (primary); id2"), with in zb_set_ the
// fallback group the sync put the user in (when the user was not in it
// before), else (removed). It is a cell of the undo, not a job field.
const colGroupRemoved = "zb_groups_removed"

// primaryMark marks, in colGroupRemoved, the group that was the user's
// primary one.
const primaryMark = " (primary)"

// anyValue keys the users a row names any value of a feature for.
const anyValue = "\x00any"

// offValue is the value that turns a feature off (a Basic license for
// user_type).
func offValue(featureType string) string {
	switch featureType {
	case "user_type":
		return "1"
	case "concurrent_meeting":
		return "None"
	case "zoom_whiteboard":
		return "false"
	}
	return "0"
}

func (featuresStep) sync(ctx context.Context, e *engine, i int, rows []*rowRun) ([]*rowRun, error) {
	o := e.steps[i].Options.(*FeaturesOptions)
	var feats []featureSync
	for fi, fs := range o.Features {
		if fs.Sync != SyncExact && fs.Sync != SyncRemoveOnly {
			continue
		}
		if sf := e.namedFeature(i, fi, fs, rows); len(sf.named) > 1 {
			feats = append(feats, sf)
		}
	}
	if len(feats) == 0 {
		return nil, nil
	}
	// The holders can be anyone in the account: list every user, and read
	// the settings of those no row lists when a feature needs them.
	users, err := e.syncedUsers(ctx)
	if err != nil {
		return nil, err
	}
	settings := make([]*zoom.FeatureSettings, len(users))
	if slices.ContainsFunc(feats, func(sf featureSync) bool { return needsSettings(o.Features[sf.fi].FeatureType) }) {
		if settings, err = e.featureSettingsOf(ctx, users); err != nil {
			return nil, err
		}
	}
	var out []*rowRun
	for _, sf := range feats {
		out = append(out, e.featureRemovals(i, sf, o.Features[sf.fi], users, settings)...)
	}
	return out, nil
}

// featureSync is one synced feature of an update_features step: the
// values the rows name with the users they name them for, and the failing
// rows that hold a value back.
type featureSync struct {
	fi    int
	named listed // value -> listed users; anyValue -> every user a row names a value for
	held  heldRows
}

// namedFeature collects who the rows name for feature fi of step i. A row
// that names any value for its user decides the feature itself, so sync
// leaves that user to the row; a value that turns the feature off is no
// value to sync to. A failing row that names a value holds that value's
// sync back.
func (e *engine) namedFeature(i, fi int, fs FeatureStep, rows []*rowRun) featureSync {
	sf := featureSync{fi: fi, named: listed{}}
	on := func(v string) bool { return !isOff(v) && v != offValue(fs.FeatureType) }
	for _, r := range rows {
		v, ok := r.value(fs.Value)
		if !ok || r.steps[i].action == results.ActFail {
			continue
		}
		sf.named.add(anyValue, r)
		if on(v) {
			sf.named.add(v, r)
		}
	}
	sf.held = e.heldBy(func(r *rowRun) (string, bool) {
		v, ok := r.value(fs.Value)
		if !ok || !on(v) {
			return "", false
		}
		sf.named.add(anyValue, r)
		sf.named.add(v, r)
		return v, true
	})
	return sf
}

// syncedUsers lists the active and inactive users, those a feature sync
// can take a feature from (pending users, listed without an ID, hold
// none yet).
func (e *engine) syncedUsers(ctx context.Context) ([]zoom.User, error) {
	var users []zoom.User
	for _, status := range []string{zoom.StatusActive, zoom.StatusInactive} {
		for u, err := range e.Client.ListUsers(ctx, zoom.ListUsersOptions{Status: status}) {
			if err != nil {
				return nil, fmt.Errorf("listing %s users: %w", status, err)
			}
			if u.ID != "" {
				users = append(users, u)
			}
		}
	}
	return users, nil
}

// featureSettingsOf reads every user's feature settings, concurrently
// within the Medium rate: the listing does not say who holds a webinar
// or a large meeting.
func (e *engine) featureSettingsOf(ctx context.Context, users []zoom.User) ([]*zoom.FeatureSettings, error) {
	settings := make([]*zoom.FeatureSettings, len(users))
	idx := make([]int, len(users))
	for j := range idx {
		idx[j] = j
	}
	if err := readEach(ctx, e.concurrency(zoom.Medium), idx, func(j int) error {
		s, err := e.Client.GetUserSettings(ctx, users[j].ID)
		if err != nil {
			return fmt.Errorf("reading the settings of %s: %w", users[j].Email, err)
		}
		settings[j] = &s.Feature
		return nil
	}); err != nil {
		return nil, err
	}
	return settings, nil
}

// featureRemovals plans turning feature sf off for the holders of each
// value the file names that no row lists, unless a failing row holds the
// value back, and records each value's members for the removal limits.
func (e *engine) featureRemovals(i int, sf featureSync, fs FeatureStep, users []zoom.User, settings []*zoom.FeatureSettings) []*rowRun {
	type count struct{ members, unlisted int }
	counts := map[string]*count{}
	for _, v := range sf.named.targets() {
		counts[v] = &count{}
	}
	what := func(v string) string { return fmt.Sprintf("%s %q", fs.FeatureType, v) }
	var out []*rowRun
	for j, u := range users {
		v, holds := sf.valueHeld(fs.FeatureType, &u, settings[j])
		if !holds {
			continue
		}
		counts[v].members++
		if sf.named.has(anyValue, u.ID, u.Email) {
			continue
		}
		counts[v].unlisted++
		if len(sf.held.of(v)) > 0 {
			continue
		}
		out = append(out, e.featureRemovalRow(i, sf.fi, fs.FeatureType, u, settings[j], what(v)))
	}
	for _, v := range sf.named.targets() {
		if v != anyValue {
			e.syncTarget(e.steps[i].Kind, what(v), counts[v].members, counts[v].unlisted, sf.held.of(v))
		}
	}
	return out
}

// valueHeld is the first value the file names (in target order) that the
// user has as asked; holds is false when the user has none of them, or
// Zoom does not say.
func (sf featureSync) valueHeld(featureType string, u *zoom.User, s *zoom.FeatureSettings) (v string, holds bool) {
	for _, v := range sf.named.targets() {
		if v == anyValue {
			continue
		}
		if same, known := featureAsAsked(featureType, v, u, s); same && known {
			return v, true
		}
	}
	return "", false
}

// featureRemovalRow is the row that turns a feature off for a holder no
// row lists (a Basic license for user_type, a downgrade), with what its
// undo puts back when the feature's code is known.
func (e *engine) featureRemovalRow(i, fi int, featureType string, u zoom.User, s *zoom.FeatureSettings, target string) *rowRun {
	off := offValue(featureType)
	r := e.removalRow(u, i, target)
	r.settings = s
	st := &r.steps[i]
	st.action = results.ActUpdate
	wantsOf(st).wants = []featureWant{{feature: fi, value: off, action: results.ActUpdate}}
	d := &decision{e: e, r: r, step: e.steps[i], st: st}
	cur := currentFeature(featureType, &u, s)
	d.change(featureType, cur, off, pick(featureType == "user_type", results.RemoveDowngrade, results.RemoveFeature))
	if was, ok := featureCode(featureType, &u, s); ok {
		d.undoable(featureType, was, off)
	}
	return r
}
