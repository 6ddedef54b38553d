package jobs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/mapping"
	"github.com/zoombulk/zoombulk/internal/results"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// MoveGroup puts users in the group a row names: move (PATCH, Medium, one
// a call), add (POST, Medium, 30 a call) or set_primary.
const MoveGroup jobfile.StepKind = "move_group"

// GroupOptions are move_group's options.
type GroupOptions struct {
	To   string // the field holding the group (default group)
	Mode string // move (default) | add | set_primary
	// CreateMissing creates a group the account does not have (once,
	// before the first row that needs it) instead of failing the row.
	// A name that looks like another is created only when listed.
	CreateMissing jobfile.CreateMissing
	// Sync is add_only (default: rows only put users in), remove_only
	// (members of the groups the file names that no row lists are taken
	// out; listed users are not added) or exact (both).
	Sync string
	// Fallback is the group removed members are moved to ("": they are
	// only taken out of the group).
	Fallback string
}

var moveModes = []string{"move", "add", "set_primary"}

type groupStep struct{}

func init() { register(groupStep{}) }

func (groupStep) Name() jobfile.StepKind         { return MoveGroup }
func (groupStep) directory() (groups, divs bool) { return true, false }

// Check: a fallback group only serves a sync that removes members.
func (groupStep) Check(l *jobfile.Loader, key string, s jobfile.Step) {
	if o := s.Options.(*GroupOptions); o.Fallback != "" && (o.Sync == "" || o.Sync == SyncAddOnly) {
		l.AddError(s.Line, key+".fallback_group", "fallback_group is where sync moves the members no row lists, and sync is add_only",
			"add sync: exact (or remove_only), or remove fallback_group")
	}
}

func (groupStep) ParseOptions(l *jobfile.Loader, key string, n *yaml.Node) (any, bool) {
	o := &GroupOptions{To: "group", Mode: "move"}
	if n == nil {
		return o, true
	}
	ok := true
	isMap := l.Map(n, key, []string{"to", "mode", "create_missing", "sync", "fallback_group"}, func(k string, _, vn *yaml.Node) {
		var good bool
		switch k {
		case "sync":
			o.Sync, good = l.OneOf(vn, key+"."+k, syncModes)
		case "fallback_group":
			o.Fallback, good = l.Str(vn, key+"."+k)
		case "to":
			o.To, good = l.FieldRef(vn, key+"."+k, func(f mapping.Field) bool { return f.Target == mapping.Group }, "a group field (group)")
		case "mode":
			o.Mode, good = l.OneOf(vn, key+"."+k, moveModes)
		case "create_missing":
			o.CreateMissing, good = l.CreateMissing(vn, key+"."+k)
		}
		ok = ok && good
	})
	return o, ok && isMap
}

func (groupStep) Fields(s jobfile.Step) []string { return []string{s.Options.(*GroupOptions).To} }

func (groupStep) decide(d *decision) {
	decideGroup(d)
	if d.e.Opts.Undo {
		restoreGroups(d)
	}
}

func decideGroup(d *decision) {
	o := d.step.Options.(*GroupOptions)
	want, ok := d.value(o.To)
	set, undo := d.undoSet("group")
	if undo && set != "" && !ok {
		undoAdd(d, set)
		return
	}
	if !ok {
		d.set(results.ActUnchanged)
		return
	}
	g, ok := d.lookupOrCreate("group", want, o.CreateMissing)
	if !ok {
		return
	}
	u := d.u
	d.st.target = g.ID
	groups := u.GroupIDs
	primary := ""
	if len(groups) > 0 {
		primary = groups[0]
	}
	name := d.e.dir.GroupName
	if undo && set == undoRemoved {
		// The run took the user out of the group: put it back in.
		if slices.Contains(groups, g.ID) {
			d.set(results.ActUnchanged)
			return
		}
		d.set(results.ActAdd)
		d.change("groups", namesOf(groups, name), namesOf(append(slices.Clone(groups), g.ID), name), "")
		u.GroupIDs = append(slices.Clone(groups), g.ID)
		return
	}
	if o.Sync == SyncRemoveOnly {
		// The rows only say who stays: no one is added.
		d.set(results.ActUnchanged)
		return
	}
	if undo && set != "" && primary != g.ID && primary != set {
		// Moved elsewhere since the run: leave it.
		d.conflictOn("group", name(primary), name(set))
		return
	}
	switch o.Mode {
	case "add":
		if slices.Contains(groups, g.ID) {
			d.set(results.ActUnchanged)
			return
		}
		d.set(results.ActAdd)
		d.change("groups", namesOf(groups, name), namesOf(append(slices.Clone(groups), g.ID), name), "")
		d.undoable("group", "", g.ID)
		u.GroupIDs = append(slices.Clone(groups), g.ID)
	case "set_primary":
		switch {
		case primary == g.ID:
			d.set(results.ActUnchanged)
		case slices.Contains(groups, g.ID):
			d.set(results.ActSetPrimary)
			d.st.from = primary
			d.change("primary_group", name(primary), g.Name, "")
			d.undoable("group", primary, g.ID)
			u.GroupIDs = append([]string{g.ID}, slices.DeleteFunc(slices.Clone(groups), func(id string) bool { return id == g.ID })...)
		default:
			d.fail("the user is not a member of \""+g.Name+"\"", "use mode: move or add to put the user in the group")
		}
	default:
		switch {
		case primary == g.ID:
			d.set(results.ActUnchanged)
		case primary == "":
			d.set(results.ActAdd)
			d.change("group", "", g.Name, "")
			d.undoable("group", "", g.ID)
			u.GroupIDs = []string{g.ID}
		default:
			d.set(results.ActMove)
			d.st.from = primary
			d.change("group", name(primary), g.Name, "")
			d.undoable("group", primary, g.ID)
			rest := slices.DeleteFunc(slices.Clone(groups), func(id string) bool { return id == primary || id == g.ID })
			u.GroupIDs = append([]string{g.ID}, rest...)
		}
	}
}

func (groupStep) cost(_ *rowRun, st *rowStep) []callCost {
	if rs, ok := st.extra.(*groupRestore); ok && st.action.Writes() {
		return rs.cost()
	}
	out := createCost(st)
	switch st.action {
	case results.ActAdd:
		return append(out, callCost{cat: zoom.Medium, batch: st.target, size: zoom.MaxGroupMembersAdd})
	case results.ActMove, results.ActSetPrimary:
		return append(out, callCost{cat: zoom.Medium})
	case results.ActRemove: // a sync's Delete a group member is Light
		return append(out, callCost{cat: zoom.Light})
	}
	return out
}

func (groupStep) apply(a *applier, rows []*rowRun) {
	rows = a.ensureCreated(rows)
	var single, batched, restores []*rowRun
	for _, r := range rows {
		if _, ok := r.steps[a.i].extra.(*groupRestore); ok {
			restores = append(restores, r)
		} else if r.steps[a.i].action == results.ActAdd {
			batched = append(batched, r)
		} else {
			single = append(single, r)
		}
	}
	a.batches(zoom.Medium, zoom.MaxGroupMembersAdd, batched, func(r *rowRun) string { return r.steps[a.i].target },
		func(ctx context.Context, b batch) ([]*results.StepResult, error) {
			refs := make([]zoom.UserRef, len(b.rows))
			for j, r := range b.rows {
				refs[j] = r.ref()
			}
			added, err := a.e.Client.AddGroupMembers(ctx, b.target, refs)
			if err != nil {
				return nil, err
			}
			return a.e.landedAll(ctx, b, added, "group", func(u *zoom.User) bool { return slices.Contains(u.GroupIDs, b.target) }), nil
		})
	a.perRow(zoom.Medium, single, func(ctx context.Context, r *rowRun, st *rowStep) *results.StepResult {
		var err error
		switch st.action {
		case results.ActRemove:
			err = a.e.Client.RemoveGroupMember(ctx, st.target, r.ref().Key())
		case results.ActSetPrimary:
			err = a.e.Client.SetPrimaryGroup(ctx, st.from, r.ref().Key(), st.target)
		default:
			err = a.e.Client.MoveGroupMember(ctx, st.from, r.ref().Key(), st.target)
		}
		if err != nil {
			return a.e.outcomeOf(err)
		}
		return succeeded()
	})
	a.perRow(zoom.Medium, restores, func(ctx context.Context, r *rowRun, st *rowStep) *results.StepResult {
		if err := st.extra.(*groupRestore).apply(ctx, a.e.Client, r.ref()); err != nil {
			return a.e.outcomeOf(err)
		}
		return succeeded()
	})
}

// groupRestore is an undo's plan for a user a move_group sync took out of
// groups: the row's own change (base: a move back, say), then the user
// put back in each group the sync took them out of, taken out of the
// fallback group the sync put them in, and the group that was primary
// made primary again. One row, several calls: the undo of a sync is a
// handful of users.
type groupRestore struct {
	base             results.Action // the row's own planned change, if it writes
	baseFrom, baseTo string
	add              []string // groups to put the user back in
	leave            string   // the fallback group the sync put the user in
	primary          string   // the group to make primary again ("": none)
	primaryVia       string   // a group the user is in when primary is set (the path's group)
}

func (rs *groupRestore) cost() []callCost {
	var out []callCost
	if rs.base.Writes() {
		out = append(out, callCost{cat: zoom.Medium})
	}
	for range rs.add {
		out = append(out, callCost{cat: zoom.Medium})
	}
	if rs.leave != "" {
		out = append(out, callCost{cat: zoom.Light})
	}
	if rs.primary != "" {
		out = append(out, callCost{cat: zoom.Medium})
	}
	return out
}

func (rs *groupRestore) apply(ctx context.Context, c *zoom.Client, ref zoom.UserRef) error {
	var err error
	switch rs.base {
	case results.ActRemove:
		err = c.RemoveGroupMember(ctx, rs.baseTo, ref.Key())
	case results.ActSetPrimary:
		err = c.SetPrimaryGroup(ctx, rs.baseFrom, ref.Key(), rs.baseTo)
	case results.ActMove:
		err = c.MoveGroupMember(ctx, rs.baseFrom, ref.Key(), rs.baseTo)
	case results.ActAdd:
		_, err = c.AddGroupMembers(ctx, rs.baseTo, []zoom.UserRef{ref})
	}
	if err != nil {
		return err
	}
	for _, gid := range rs.add {
		if _, err := c.AddGroupMembers(ctx, gid, []zoom.UserRef{ref}); err != nil {
			return err
		}
	}
	if rs.leave != "" {
		if err := c.RemoveGroupMember(ctx, rs.leave, ref.Key()); err != nil {
			return err
		}
	}
	if rs.primary != "" {
		return c.SetPrimaryGroup(ctx, rs.primaryVia, ref.Key(), rs.primary)
	}
	return nil
}

// restoreGroups plans, in an undo, the groups a move_group sync took the
// row's user out of (undo.csv's zb_groups_removed): back in each of them,
// out of the fallback the sync put them in, and the primary one primary
// again. What the user has already (put back by hand) costs nothing.
func restoreGroups(d *decision) {
	v, _ := d.e.cell(d.r, colGroupRemoved)
	if v == "" || d.u == nil || d.st.action == results.ActFail {
		return
	}
	fb, _ := d.e.cell(d.r, undoSetPrefix+colGroupRemoved)
	rs := &groupRestore{base: d.st.action, baseFrom: d.st.from, baseTo: d.st.target}
	if !rs.base.Writes() {
		rs.base = ""
	}
	name := d.e.dir.GroupName
	before := slices.Clone(d.u.GroupIDs)
	groups := slices.Clone(before)
	primary := ""
	for _, part := range strings.Split(v, ";") {
		gid, isPrimary := strings.CutSuffix(strings.TrimSpace(part), primaryMark)
		gid = strings.TrimSpace(gid)
		if _, err := d.e.dir.Group(gid); gid == "" || err != nil {
			continue // deleted since the run: nothing to put the user back in
		}
		if isPrimary {
			primary = gid
		}
		if !slices.Contains(groups, gid) {
			rs.add = append(rs.add, gid)
			groups = append(groups, gid)
		}
	}
	if fb != "" && fb != undoRemoved && slices.Contains(groups, fb) && !slices.Contains(rs.add, fb) {
		rs.leave = fb
		groups = slices.DeleteFunc(groups, func(id string) bool { return id == fb })
	}
	if primary != "" && len(groups) > 0 && groups[0] != primary {
		rs.primary, rs.primaryVia = primary, groups[0]
		groups = append([]string{primary}, slices.DeleteFunc(groups, func(id string) bool { return id == primary })...)
	}
	if len(rs.add) == 0 && rs.leave == "" && rs.primary == "" {
		return
	}
	if len(rs.add) > 0 {
		d.change("groups", namesOf(before, name), namesOf(append(slices.Clone(before), rs.add...), name), "")
	}
	if rs.leave != "" {
		d.change("groups", name(rs.leave), "(removed)", results.RemoveGroup)
	}
	if rs.primary != "" {
		d.change("primary_group", name(rs.primaryVia), name(rs.primary), "")
	}
	d.u.GroupIDs = groups
	d.st.extra = rs
	if !d.st.action.Writes() {
		d.st.action = results.ActAdd
	}
}

// landedAll maps a batch answer (the IDs Zoom says it added) back to each
// row. Zoom lists only the users the call itself added, so after a lost
// answer the retry leaves out those the lost attempt added: a row left out
// is read back (has reports whether the user is where it should be).
func (e *engine) landedAll(ctx context.Context, b batch, added []string, what string, has func(*zoom.User) bool) []*results.StepResult {
	out := make([]*results.StepResult, len(b.rows))
	for j, r := range b.rows {
		if slices.Contains(added, r.knownID()) {
			out[j] = succeeded()
			continue
		}
		if u, err := e.Client.GetUser(ctx, r.ref().Key()); err == nil && has(u) {
			out[j] = succeeded()
			continue
		}
		out[j] = &results.StepResult{Status: results.Failed, Reason: "Zoom did not list the user among those added to the " + what,
			Hint: "check the user in the web portal and run the failed rows again"}
	}
	return out
}

// lookupOrCreate finds the group or division a row names. An unknown name
// fails the row with the closest names, unless create is set: then the
// run creates it (the plan shows a create line on every row that needs
// it) and the target is a placeholder apply resolves.
func (d *decision) lookupOrCreate(kind, want string, create jobfile.CreateMissing) (zoom.Group, bool) {
	var g zoom.Group
	var err error
	if kind == "group" {
		g, err = d.e.dir.Group(want)
	} else {
		var dv zoom.Division
		dv, err = d.e.dir.Division(want)
		g = zoom.Group{ID: dv.ID, Name: dv.Name}
	}
	var unknown *zoom.UnknownNameError
	switch {
	case err == nil:
		return g, true
	case !errors.As(err, &unknown):
		d.failErr(err)
		return g, false
	case d.e.plannedEntry(kind, want) != nil && d.e.plannedEntry(kind, want).stepLine != d.step.Line:
		// an earlier step of the job creates it (upsert_groups): no
		// create line here, the earlier step's row has it
		ne, target, _ := d.planCreate(kind, want)
		d.st.extra = ne
		return zoom.Group{ID: target, Name: ne.name}, true
	case !create.Allows(want):
		d.failErr(err)
		return g, false
	case kind == "division" && d.e.dir.NoDivisions:
		d.fail("divisions are not available on this account", "turn divisions on in the account's settings, or remove create_missing")
		return g, false
	case d.refuseLookAlike(kind, want, create):
		return g, false
	}
	ne, target, ok := d.planCreate(kind, want)
	if !ok {
		return g, false
	}
	d.st.extra = ne
	d.st.changes = append(d.st.changes, fieldChange{field: kind, new: ne.name, action: results.ActCreate})
	return zoom.Group{ID: target, Name: ne.name}, true
}

// namesOf lists group IDs by name, for the plan.
func namesOf(ids []string, name func(string) string) string {
	out := ""
	for i, id := range ids {
		if i > 0 {
			out += "; "
		}
		out += name(id)
	}
	return out
}

// undoAdd plans the undo of a run that put the user in a group it was not
// in: take the user out of it again.
func undoAdd(d *decision, groupID string) {
	groups := d.u.GroupIDs
	if !slices.Contains(groups, groupID) {
		d.set(results.ActUnchanged) // out of it already
		return
	}
	rest := slices.DeleteFunc(slices.Clone(groups), func(id string) bool { return id == groupID })
	d.set(results.ActRemove)
	d.st.target = groupID
	d.change("groups", namesOf(groups, d.e.dir.GroupName), namesOf(rest, d.e.dir.GroupName), results.RemoveGroup)
	d.undoable("group", groupID, "")
	d.u.GroupIDs = rest
}

// calls: members are added (add) or moved (move, set_primary); a sync
// reads the groups' members and takes out who no row lists.
func (groupStep) calls() []call {
	syncs := func(o *GroupOptions) bool { return o.Sync == SyncExact || o.Sync == SyncRemoveOnly }
	return []call{
		planRead(zoom.OpListGroups, ""),
		on(zoom.OpAddGroupMembers, "(add)"),
		on(zoom.OpUpdateGroupMember, "(move, set_primary)"),
		onlyIf(on(zoom.OpCreateGroup, "with `create_missing`"), func(o *GroupOptions) bool { return o.CreateMissing.On() }),
		onlyIf(planRead(zoom.OpListGroupMembers, "with `sync`"), syncs),
		onlyIf(on(zoom.OpDeleteGroupMember, "with `sync`"), syncs),
	}
}

// An undo puts the user back in the group found (and in the groups a
// sync took the user out of), in the run's mode.
// leavesDir: a move out of group c, or taking the user out of it.
func (groupStep) leavesDir(c createdDir, _ *rowRun, st *rowStep) bool {
	return c.Kind == kindGroup &&
		(st.action == results.ActRemove && st.target == c.ID || st.action == results.ActMove && st.from == c.ID)
}

func (groupStep) undoFields() []string { return []string{"group", colGroupRemoved} }
func (groupStep) undoStep(s jobfile.Step, _ []string) string {
	return string(MoveGroup) + ": { mode: " + s.Options.(*GroupOptions).Mode + " }"
}

func (groupStep) targets() []mapping.Target { return []mapping.Target{mapping.Group} }
func (groupStep) setRank() int              { return 4 }

// doc is the kind's row of docs/jobs.md's steps table.
func (groupStep) doc() kindDoc {
	return kindDoc{
		order:    50,
		options:  "`to: group`; `mode: move` | `add` | `set_primary`; `create_missing: false` | `true` | `[names]`; `sync: add_only` | `remove_only` | `exact`; `fallback_group`",
		call:     "`PATCH /groups/{from}/members/{id}` (move, set_primary); `POST /groups/{id}/members` (add, and users in no group)",
		batching: "per row / 30 a call",
		category: "Medium",
	}
}

// syncs: the sync mode takes out members no row lists.
func (groupStep) syncs(step jobfile.Step) bool {
	return removesUnlisted(step.Options.(*GroupOptions).Sync)
}

// creates: a row naming a group the account lacks creates it with
// create_missing.
func (groupStep) creates(s jobfile.Step) (kind, field string, cm jobfile.CreateMissing, ok bool) {
	o := s.Options.(*GroupOptions)
	return kindGroup, o.To, o.CreateMissing, o.CreateMissing.On()
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
