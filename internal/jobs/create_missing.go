package jobs

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/zoombulk/zoombulk/internal/fuzzy"
	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/results"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// Zoom's caps on what create_missing (and upsert_groups/upsert_divisions)
// may create, from the Users API reference: checked in the plan so a run
// never finds them half-way.
const (
	maxGroupCreatesPerDay = 100  // Create a group: 100 requests a day
	maxGroups             = 5000 // groups an account may hold
	maxDivisions          = 500  // divisions an account may hold
)

// newPrefix marks a row-step target that names a group or division the run
// creates; apply swaps it for the new ID.
const newPrefix = "new:"

// newEntry is one group or division the run creates: once, before the
// first row that needs it.
type newEntry struct {
	kind        string // "group" or "division"
	name        string
	stepLine    int // the step that plans it (its job file line): its rows list the create
	description string
	done        bool
	id          string
	err         *results.StepResult // the create failed: every row that needs it fails so
}

// directoryCreates holds the groups and divisions the plan decided to
// create, by kind and lower-cased name.
type directoryCreates struct {
	entries map[string]*newEntry
	count   map[string]int // kind -> entries

	// newNames are, by kind, the names the rows would have the run create
	// (one spelling each), read from every row before the first decision,
	// so that of two new look-alikes neither is made, whichever row comes
	// first.
	newNames map[string][]string
	// forms are, by kind, the account's names prepared for comparing (by
	// "new:"+kind the run's new names), and
	// refused the verdict on each new name (by newKey): a run compares
	// each distinct name once, however many rows name it.
	forms   map[string][]fuzzy.Name
	refused map[string]*lookAlike

	// What the group_admins and contact_groups steps read before deciding.
	mu       sync.Mutex
	admins   map[string]map[string]bool // group ID -> lower-cased admin emails
	contacts *contactState
}

// dirState is the run's directory bookkeeping, made on first use.
func (e *engine) dirState() *directoryCreates {
	if e.creates == nil {
		e.creates = &directoryCreates{entries: map[string]*newEntry{}, count: map[string]int{}, admins: map[string]map[string]bool{}}
	}
	return e.creates
}

func newKey(kind, name string) string {
	return kind + "\x00" + strings.ToLower(strings.TrimSpace(name))
}

// planCreate notes that a row needs a group or division the account does
// not have. It returns the entry (shared by every row naming it) and the
// row-step target to carry, or ok=false with the step failed when a Zoom
// cap would stop the create.
func (d *decision) planCreate(kind, name string) (*newEntry, string, bool) {
	e := d.e
	e.dirState()
	k := newKey(kind, name)
	if ne := e.creates.entries[k]; ne != nil {
		return ne, newPrefix + k, true
	}
	n := e.creates.count[kind]
	switch kind {
	case "group":
		if n >= maxGroupCreatesPerDay {
			d.fail(fmt.Sprintf("the run would create more than %d groups, Zoom's daily limit for Create a group", maxGroupCreatesPerDay),
				"create the other groups tomorrow, or create them in the web portal")
			return nil, "", false
		}
		if len(e.dir.Groups)+n >= maxGroups {
			d.fail(fmt.Sprintf("the account has %d groups: creating %q would pass Zoom's limit of %d", len(e.dir.Groups), name, maxGroups),
				"use an existing group, or delete unused groups first")
			return nil, "", false
		}
	case "division":
		if len(e.dir.Divisions)+n >= maxDivisions {
			d.fail(fmt.Sprintf("the account has %d divisions: creating %q would pass Zoom's limit of %d", len(e.dir.Divisions), name, maxDivisions),
				"use an existing division, or delete unused divisions first")
			return nil, "", false
		}
	}
	ne := &newEntry{kind: kind, name: strings.TrimSpace(name), stepLine: d.step.Line}
	e.creates.entries[k] = ne
	e.creates.count[kind]++
	return ne, newPrefix + k, true
}

// plannedEntry is the group or division of that name an earlier row or
// step creates, or nil.
func (e *engine) plannedEntry(kind, name string) *newEntry {
	if e.creates == nil {
		return nil
	}
	return e.creates.entries[newKey(kind, name)]
}

// createCost is the one Light call a new group or division costs, shared
// by every row that needs it.
func createCost(st *rowStep) []callCost {
	isCreate := func(c fieldChange) bool { return c.action == results.ActCreate }
	if ne, ok := st.extra.(*newEntry); ok && st.action.Writes() && slices.ContainsFunc(st.changes, isCreate) {
		return []callCost{{cat: zoom.Light, batch: newPrefix + ne.kind + ":" + strings.ToLower(ne.name), size: 1 << 30}}
	}
	return nil
}

// ensureCreated creates, once each and in row order, the groups or
// divisions the rows need, and points the rows at the new IDs. Rows whose
// create failed get the failure; the rows left have real targets.
func (a *applier) ensureCreated(rows []*rowRun) []*rowRun {
	out := rows[:0:0]
	for _, r := range rows {
		st := &r.steps[a.i]
		ne, ok := st.extra.(*newEntry)
		if !ok {
			out = append(out, r)
			continue
		}
		if !ne.done {
			if a.stop.Err() != nil {
				a.record(r, &results.StepResult{Status: results.NotRun})
				continue
			}
			if res := a.e.deferred(); res != nil {
				a.record(r, res)
				continue
			}
			ne.done = true
			a.e.Events.Logf("Creating %s %q", ne.kind, ne.name)
			if a.e.journal != nil {
				// Before the call: a process killed with it in flight
				// leaves the resume a name to look for (settleCreates).
				if err := a.e.journal.created("creating", string(a.step.Kind), createdDir{Kind: ne.kind, Name: ne.name}); err != nil {
					a.e.abort(fmt.Sprintf("the journal could not be written (%v)", err))
					a.record(r, &results.StepResult{Status: results.NotRun})
					continue
				}
			}
			var made bool
			ne.id, made, ne.err = a.e.createEntry(a.calls, ne)
			if made && a.e.journal != nil {
				// Before any row says so: the undo deletes what this names.
				if err := a.e.journal.created("created", string(a.step.Kind), createdDir{Kind: ne.kind, ID: ne.id, Name: ne.name}); err != nil {
					a.e.abort(fmt.Sprintf("the journal could not be written (%v)", err))
				}
			}
		}
		if ne.err != nil {
			cp := *ne.err
			a.record(r, &cp)
			continue
		}
		// The plan recorded the placeholder as the value the step sets:
		// the before-image (undo.csv's zb_set_*) names the real ID.
		for j := range st.changes {
			if c := &st.changes[j]; c.set == st.target && strings.HasPrefix(c.set, newPrefix) {
				c.set = ne.id
			}
		}
		st.target = ne.id
		out = append(out, r)
	}
	return out
}

// createEntry sends the create. A name already in use (a group made
// between the plan and the run) is the group wanted: it is used, but made
// is false (the run did not create it, so its undo leaves it).
func (e *engine) createEntry(ctx context.Context, ne *newEntry) (id string, made bool, fail *results.StepResult) {
	var err error
	switch ne.kind {
	case kindGroup:
		var g *zoom.Group
		g, err = e.Client.CreateGroup(ctx, ne.name)
		if g != nil {
			id, made, err = g.ID, err == nil, nil
		}
	default:
		var dv *zoom.Division
		dv, err = e.Client.CreateDivision(ctx, ne.name, ne.description)
		if dv != nil {
			id = dv.ID
		}
	}
	if err != nil {
		res := e.outcomeOf(err)
		if res.Status == results.Failed {
			res.Reason = fmt.Sprintf("creating the %s %q: %s", ne.kind, ne.name, res.Reason)
		}
		return "", false, res
	}
	return id, id != "", nil
}

// settleCreates, on resume, journals as created the groups and divisions
// an earlier process sent a create for and died before it learned the
// answer, when the account has one of that name now: the plan that sent
// it found none, so it is this run's doing (as a user found on resume
// is), and the undo deletes it.
func (e *engine) settleCreates(ctx context.Context) error {
	if e.prior == nil || e.journal == nil {
		return nil
	}
	pending, steps := unsettledCreates(e.prior.records)
	if len(pending) == 0 {
		return nil
	}
	// Each listing is read once, and only for a kind with an unsettled
	// create (a run that made only divisions lists no groups).
	var (
		groups []zoom.Group
		divs   []zoom.Division
		listed = map[string]bool{}
		err    error
	)
	for k, c := range pending {
		if !listed[c.Kind] {
			listed[c.Kind] = true
			switch c.Kind {
			case kindGroup:
				groups, err = e.Client.ListGroups(ctx)
			case kindDivision:
				divs, err = e.Client.ListDivisions(ctx)
			}
			if err != nil {
				return err
			}
		}
		switch c.Kind {
		case kindGroup:
			if i := slices.IndexFunc(groups, func(g zoom.Group) bool { return strings.EqualFold(g.Name, c.Name) }); i >= 0 {
				c.ID = groups[i].ID
			}
		case kindDivision:
			if i := slices.IndexFunc(divs, func(v zoom.Division) bool { return strings.EqualFold(v.Name, c.Name) }); i >= 0 {
				c.ID = divs[i].ID
			}
		}
		if c.ID == "" {
			continue // the create did not land: this process creates it if a row still needs it
		}
		if err := e.journal.created("created", steps[k], c); err != nil {
			return err
		}
	}
	return nil
}

// rowKeyText names a row that is not a user (a group, a contact group and
// a member) for the journal and resume: its key fields, lower-cased.
func rowKeyText(row *Row, fields []string) string {
	parts := make([]string, len(fields))
	for i, f := range fields {
		if v, ok := row.Record.Get(f); ok {
			parts[i] = strings.ToLower(v.Text)
		}
	}
	return strings.Join(parts, " / ")
}

// The kinds of name a run creates, as messages name them.
const (
	kindGroup        = "group"
	kindDivision     = "division"
	kindContactGroup = "contact group"
)

// creator is implemented by kinds whose rows name groups, divisions or
// contact groups the account may lack: what a step creates, the field
// holding the name and its create_missing option; ok is false when the
// step, as its options set it, creates nothing.
type creator interface {
	creates(s jobfile.Step) (kind, field string, cm jobfile.CreateMissing, ok bool)
}

func creatorOf(s jobfile.Step) (kind, field string, cm jobfile.CreateMissing, ok bool) {
	if c, is := kindOf(s).(creator); is {
		return c.creates(s)
	}
	return "", "", jobfile.CreateMissing{}, false
}

// existingNames are the names of that kind the account has.
func (e *engine) existingNames(kind string) []string {
	var out []string
	switch kind {
	case kindGroup:
		for _, g := range e.dir.Groups {
			out = append(out, g.Name)
		}
	case kindDivision:
		for _, v := range e.dir.Divisions {
			out = append(out, v.Name)
		}
	case kindContactGroup:
		if cs := e.dirState().contacts; cs != nil {
			seen := map[*contactEntry]bool{}
			for _, ent := range cs.byName {
				if ent.exists && !seen[ent] {
					seen[ent] = true
					out = append(out, ent.group.Name)
				}
			}
			slices.Sort(out) // the map's order is random: messages must not be
		}
	}
	return out
}

// exists says whether the account has a name (or ID) of that kind.
func (e *engine) exists(kind, name string) bool {
	switch kind {
	case kindGroup:
		_, err := e.dir.Group(name)
		return err == nil
	case kindDivision:
		_, err := e.dir.Division(name)
		return err == nil
	}
	cs := e.dirState().contacts
	if cs == nil {
		return false
	}
	ent := cs.byName[strings.ToLower(strings.TrimSpace(name))]
	return ent != nil && ent.exists
}

// plannedNames are the names of that kind the rows would have the run
// create, gathered once from every row that is still to plan.
func (e *engine) plannedNames(kind string) []string {
	st := e.dirState()
	if st.newNames == nil {
		st.newNames = map[string][]string{}
		seen := map[string]bool{}
		for i, step := range e.steps {
			k, field, cm, ok := creatorOf(step)
			if !ok {
				continue
			}
			for _, r := range e.rows {
				if r.invalid != nil || r.steps[i].result != nil {
					continue
				}
				name, ok := r.value(field)
				name = strings.TrimSpace(name)
				if !ok || name == "" || seen[newKey(k, name)] || !cm.Allows(name) || e.exists(k, name) {
					continue
				}
				seen[newKey(k, name)] = true
				st.newNames[k] = append(st.newNames[k], name)
			}
		}
	}
	return st.newNames[kind]
}

// lookAlike is the verdict on a new name: the names it looks like, and
// whether those are the account's or the run's other new names.
type lookAlike struct {
	like     []string
	existing bool
}

// refuseLookAlike fails the row when the name it would have the run
// create looks like another name of its kind, in the account or among the
// run's other new names ("Saless" or a Cyrillic "Ѕales" beside "Sales"):
// an admin could not tell the two apart, and the second is most likely a
// typo. A name the step's create_missing lists is meant: it is created.
func (d *decision) refuseLookAlike(kind, name string, cm jobfile.CreateMissing) bool {
	if cm.Listed(name) {
		return false
	}
	name = strings.TrimSpace(name)
	st := d.e.dirState()
	if st.refused == nil {
		st.refused, st.forms = map[string]*lookAlike{}, map[string][]fuzzy.Name{}
	}
	k := newKey(kind, name)
	v, done := st.refused[k]
	if !done {
		v = d.e.lookAlikes(kind, name)
		st.refused[k] = v
	}
	if v == nil {
		return false
	}
	where := pick(v.existing, "the account's", "the run's new")
	q := make([]string, len(v.like))
	for i, l := range v.like {
		q[i] = fmt.Sprintf("%q", l)
	}
	d.fail(fmt.Sprintf("%q looks like %s %s %q: not created", name, where, kind, v.like[0]),
		fmt.Sprintf("did you mean %s? If %q is a new %s of its own, list it: create_missing: [%q]", strings.Join(q, " or "), name, kind, name))
	return true
}

// lookAlikes compares a new name with the account's names of its kind,
// and, when none is like it, with the run's other new names (nil: none).
// The account's names are what the row most likely meant.
func (e *engine) lookAlikes(kind, name string) *lookAlike {
	st := e.dirState()
	forms, ok := st.forms[kind]
	if !ok {
		for _, n := range e.existingNames(kind) {
			forms = append(forms, fuzzy.NewName(n))
		}
		st.forms[kind] = forms
	}
	me := fuzzy.NewName(name)
	v := &lookAlike{existing: true}
	for _, other := range forms {
		if me.LooksLike(other) {
			v.like = append(v.like, other.Text)
		}
	}
	if len(v.like) == 0 {
		v.existing = false
		planned, ok := st.forms["new:"+kind]
		if !ok {
			for _, n := range e.plannedNames(kind) {
				planned = append(planned, fuzzy.NewName(n))
			}
			st.forms["new:"+kind] = planned
		}
		for _, other := range planned {
			if newKey(kind, other.Text) != newKey(kind, name) && me.LooksLike(other) {
				v.like = append(v.like, other.Text)
			}
		}
	}
	if len(v.like) == 0 {
		return nil
	}
	return v
}
