package jobs

import (
	"context"
	"fmt"
	"slices"

	"go.yaml.in/yaml/v3"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/mapping"
	"github.com/zoombulk/zoombulk/internal/results"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// AssignDivision puts users in the division a row names (POST
// /divisions/{id}/users, Medium, 30 a call).
const AssignDivision jobfile.StepKind = "assign_division"

// DivisionOptions are assign_division's options.
type DivisionOptions struct {
	To string // the field holding the division (default division)
	// CreateMissing creates a division the account does not have (once,
	// before the first row that needs it) instead of failing the row.
	// A name that looks like another is created only when listed.
	CreateMissing jobfile.CreateMissing
	// Sync: add_only (default), remove_only or exact, as for move_group;
	// a member taken out of a division is assigned to Fallback (default
	// the main division).
	Sync     string
	Fallback string
}

type divisionStep struct{}

func init() { register(divisionStep{}) }

func (divisionStep) Name() jobfile.StepKind         { return AssignDivision }
func (divisionStep) directory() (groups, divs bool) { return false, true }

// Check: a fallback division only serves a sync that removes members.
func (divisionStep) Check(l *jobfile.Loader, key string, s jobfile.Step) {
	if o := s.Options.(*DivisionOptions); o.Fallback != "" && (o.Sync == "" || o.Sync == SyncAddOnly) {
		l.AddError(s.Line, key+".fallback_division", "fallback_division is where sync puts the members no row lists, and sync is add_only",
			"add sync: exact (or remove_only), or remove fallback_division")
	}
}

func (divisionStep) ParseOptions(l *jobfile.Loader, key string, n *yaml.Node) (any, bool) {
	o := &DivisionOptions{To: "division"}
	if n == nil {
		return o, true
	}
	ok := true
	isMap := l.Map(n, key, []string{"to", "create_missing", "sync", "fallback_division"}, func(k string, _, vn *yaml.Node) {
		var good bool
		switch k {
		case "to":
			o.To, good = l.FieldRef(vn, key+"."+k, func(f mapping.Field) bool { return f.Target == mapping.Division }, "a division field (division)")
		case "create_missing":
			o.CreateMissing, good = l.CreateMissing(vn, key+"."+k)
		case "sync":
			o.Sync, good = l.OneOf(vn, key+"."+k, syncModes)
		case "fallback_division":
			o.Fallback, good = l.Str(vn, key+"."+k)
		}
		ok = ok && good
	})
	return o, ok && isMap
}

func (divisionStep) Fields(s jobfile.Step) []string { return []string{s.Options.(*DivisionOptions).To} }

func (divisionStep) decide(d *decision) {
	o := d.step.Options.(*DivisionOptions)
	want, ok := d.value(o.To)
	if !ok {
		d.set(results.ActUnchanged)
		return
	}
	found, ok := d.lookupOrCreate("division", want, o.CreateMissing)
	if !ok {
		return
	}
	div := zoom.Division{ID: found.ID, Name: found.Name}
	if _, isNew := d.st.extra.(*newEntry); !isNew {
		div, _ = d.e.dir.Division(found.ID)
	}
	d.st.target = div.ID
	if o.Sync == SyncRemoveOnly {
		d.set(results.ActUnchanged) // the rows only say who stays
		return
	}
	cur := ""
	if len(d.u.DivisionIDs) > 0 {
		cur = d.u.DivisionIDs[0]
	}
	if cur == div.ID || cur == "" && div.IsMain {
		d.set(results.ActUnchanged)
		return
	}
	d.set(results.ActAssign)
	d.change("division", d.e.dir.DivisionName(cur), div.Name, "")
	d.undoable("division", pick(cur == "", mainDivision(d.e.dir), cur), div.ID)
	d.u.DivisionIDs = []string{div.ID}
}

func (divisionStep) cost(_ *rowRun, st *rowStep) []callCost {
	out := createCost(st)
	if st.action == results.ActAssign {
		return append(out, callCost{cat: zoom.Medium, batch: st.target, size: zoom.MaxDivisionAssign})
	}
	return out
}

func (divisionStep) apply(a *applier, rows []*rowRun) {
	rows = a.ensureCreated(rows)
	a.batches(zoom.Medium, zoom.MaxDivisionAssign, rows, func(r *rowRun) string { return r.steps[a.i].target },
		func(ctx context.Context, b batch) ([]*results.StepResult, error) {
			users := make([]zoom.DivisionUser, len(b.rows))
			for j, r := range b.rows {
				users[j] = zoom.DivisionUser(r.ref())
			}
			added, err := a.e.Client.AssignDivision(ctx, b.target, users)
			if err != nil {
				return nil, err
			}
			return a.e.landedAll(ctx, b, added, "division", func(u *zoom.User) bool { return slices.Contains(u.DivisionIDs, b.target) }), nil
		})
}

// mainDivision is the ID of the account's main division: where a user
// without a division is.
func mainDivision(dir *zoom.Directory) string {
	for _, v := range dir.Divisions {
		if v.IsMain {
			return v.ID
		}
	}
	return ""
}

func (divisionStep) calls() []call {
	return []call{
		planRead(zoom.OpListDivisions, ""),
		on(zoom.OpAssignDivision, ""),
		onlyIf(on(zoom.OpCreateDivision, "with `create_missing`"), func(o *DivisionOptions) bool { return o.CreateMissing.On() }),
		onlyIf(planRead(zoom.OpListDivisionMembers, "with `sync`"),
			func(o *DivisionOptions) bool { return o.Sync == SyncExact || o.Sync == SyncRemoveOnly }),
	}
}

// leavesDir: the user is in division c and is assigned another.
func (divisionStep) leavesDir(c createdDir, r *rowRun, st *rowStep) bool {
	return c.Kind == kindDivision && st.target != c.ID && slices.Contains(r.user.DivisionIDs, c.ID)
}

func (divisionStep) undoFields() []string                   { return []string{"division"} }
func (divisionStep) undoStep(jobfile.Step, []string) string { return string(AssignDivision) }

func (divisionStep) targets() []mapping.Target { return []mapping.Target{mapping.Division} }
func (divisionStep) setRank() int              { return 5 }

// doc is the kind's row of docs/jobs.md's steps table.
func (divisionStep) doc() kindDoc {
	return kindDoc{
		order:    60,
		options:  "`to: division`; `create_missing: false` | `true` | `[names]`; `sync: add_only` | `remove_only` | `exact`; `fallback_division`",
		call:     "`POST /divisions/{id}/users`",
		batching: "grouped by division, 30 users a call",
		category: "Medium",
	}
}

// syncs: the sync mode takes out members no row lists.
func (divisionStep) syncs(step jobfile.Step) bool {
	return removesUnlisted(step.Options.(*DivisionOptions).Sync)
}

// creates: a row naming a division the account lacks creates it with
// create_missing.
func (divisionStep) creates(s jobfile.Step) (kind, field string, cm jobfile.CreateMissing, ok bool) {
	o := s.Options.(*DivisionOptions)
	return kindDivision, o.To, o.CreateMissing, o.CreateMissing.On()
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
