package jobs

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/mapping"
	"github.com/zoombulk/zoombulk/internal/results"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// ContactGroups fills contact groups: each row is a contact group and one
// member (a user's email or a user group's name). A missing contact group
// is created with its privacy and description (Create a contact group,
// Heavy), a privacy or description that differs is updated (Update a
// contact group, Heavy), and members are added 50 users or 3 groups a call
// (Add contact group members, Heavy). Members not listed are left alone,
// unless sync says otherwise: with exact (or remove_only) the members of
// each contact group the file names that no row lists are removed, 20 a
// call (Remove members in a contact group, Heavy).
const ContactGroups jobfile.StepKind = "contact_groups"

// The before-image of contact_groups (undo.csv flags of a row).
const (
	flagMemberAdded   = "zb_member_added"   // the run added the member: an undo removes it
	flagMemberRemoved = "zb_member_removed" // the run removed it (sync): an undo adds it back
	flagGroupCreated  = "zb_group_created"  // the run created the group: an undo deletes it
)

// ContactGroupsOptions are contact_groups' options.
type ContactGroupsOptions struct {
	Group       string // the field holding the contact group (default contact_group)
	Member      string // the field holding the member (default member)
	Privacy     string // default privacy, when mapped
	Description string // default description, when mapped
	Sync        string // add_only (default) | remove_only | exact
	// CreateMissing: a contact group the account lacks is created (true,
	// the default) unless it looks like another; false creates none; a
	// list creates only those, even when they look like another.
	CreateMissing jobfile.CreateMissing
}

// contactState is what contact_groups read before deciding, and the
// contact groups the run creates or updates (once each).
type contactState struct {
	byName  map[string]*contactEntry // lower-cased name and ID -> entry
	members map[string]map[string]bool
	lists   map[string][]zoom.ContactGroupMember // by group ID, as read
}

// contactEntry is one contact group the rows name.
type contactEntry struct {
	group   zoom.ContactGroup
	exists  bool
	create  bool
	update  *zoom.ContactGroupUpdate
	owner   *rowRun // the row whose plan carries the create, update or delete
	done    bool
	failure *results.StepResult
	// delete: an undo of the run that created the group deletes it.
	delete bool
}

// contactRow is one row's part: the group and the member to add.
type contactRow struct {
	entry      *contactEntry
	memberID   string
	memberType int  // 1 user, 2 user group
	remove     bool // take the member out (sync, undo)
}

type contactGroupsStep struct{}

func init() { register(contactGroupsStep{}) }

func (contactGroupsStep) Name() jobfile.StepKind         { return ContactGroups }
func (contactGroupsStep) directory() (groups, divs bool) { return true, false }
func (contactGroupsStep) userOptional()                  {}
func (contactGroupsStep) RowKey(s jobfile.Step) []string {
	o := s.Options.(*ContactGroupsOptions)
	return []string{o.Group, o.Member}
}

func (contactGroupsStep) Fields(s jobfile.Step) []string {
	o := s.Options.(*ContactGroupsOptions)
	return []string{o.Group, o.Member, o.Privacy, o.Description}
}

// Check picks up mapped member, privacy and description fields.
func (contactGroupsStep) Check(l *jobfile.Loader, _ string, s jobfile.Step) {
	o := s.Options.(*ContactGroupsOptions)
	if o.Privacy == "" && l.Mapped("privacy") {
		o.Privacy = "privacy"
	}
	if o.Description == "" && l.Mapped("description") {
		o.Description = "description"
	}
}

func (contactGroupsStep) ParseOptions(l *jobfile.Loader, key string, n *yaml.Node) (any, bool) {
	o := &ContactGroupsOptions{Group: "contact_group", Member: "member", CreateMissing: jobfile.CreateMissing{All: true}}
	if n == nil {
		return o, true
	}
	ok := true
	isMap := l.Map(n, key, []string{"group", "member", "privacy", "description", "sync", "create_missing"}, func(k string, _, vn *yaml.Node) {
		if k == "create_missing" {
			var good bool
			o.CreateMissing, good = l.CreateMissing(vn, key+"."+k)
			ok = ok && good
			return
		}
		if k == "sync" {
			var good bool
			o.Sync, good = l.OneOf(vn, key+"."+k, syncModes)
			ok = ok && good
			return
		}
		var good bool
		target := map[string]mapping.Target{"group": mapping.ContactGroup, "member": mapping.Member, "privacy": mapping.Privacy, "description": mapping.Description}[k]
		ref, good := l.FieldRef(vn, key+"."+k, func(f mapping.Field) bool { return f.Target == target }, "a "+k+" field")
		switch k {
		case "group":
			o.Group = ref
		case "member":
			o.Member = ref
		case "privacy":
			o.Privacy = ref
		case "description":
			o.Description = ref
		}
		ok = ok && good
	})
	return o, ok && isMap
}

// prepare reads the contact groups, the members of those the rows name,
// and the users the rows add.
func (contactGroupsStep) prepare(ctx context.Context, e *engine, i int, rows []*rowRun) error {
	o := e.steps[i].Options.(*ContactGroupsOptions)
	st := e.dirState()
	cs := &contactState{byName: map[string]*contactEntry{}, members: map[string]map[string]bool{}, lists: map[string][]zoom.ContactGroupMember{}}
	st.contacts = cs
	groups, err := e.Client.ListContactGroups(ctx)
	if err != nil {
		return fmt.Errorf("listing the contact groups: %w", err)
	}
	for _, g := range groups {
		ent := &contactEntry{group: g, exists: true}
		cs.byName[strings.ToLower(g.Name)] = ent
		cs.byName[strings.ToLower(g.ID)] = ent
	}
	named := map[string]bool{}
	var users []*rowRun
	for _, r := range rows {
		if r.steps[i].result != nil {
			continue
		}
		name, _ := r.value(o.Group)
		if ent := cs.byName[strings.ToLower(strings.TrimSpace(name))]; ent != nil {
			named[ent.group.ID] = true
		}
		if m, ok := r.value(o.Member); ok && strings.Contains(m, "@") {
			users = append(users, r)
		}
	}
	if err := e.forRows(ctx, users, zoom.Light, func(ctx context.Context, r *rowRun) error {
		m, _ := r.value(o.Member)
		u, err := e.Client.FindUser(ctx, m)
		r.user = u
		return err
	}); err != nil {
		return err
	}
	ids := make([]string, 0, len(named))
	for id := range named {
		ids = append(ids, id)
	}
	var mu sync.Mutex
	if err := readEach(ctx, e.concurrency(zoom.Medium), ids, func(id string) error {
		set := map[string]bool{}
		var list []zoom.ContactGroupMember
		for m, err := range e.Client.ListContactGroupMembers(ctx, id) {
			if err != nil {
				return fmt.Errorf("listing the members of contact group %s: %w", id, err)
			}
			set[m.ID] = true
			list = append(list, m)
		}
		mu.Lock()
		defer mu.Unlock()
		cs.members[id], cs.lists[id] = set, list
		return nil
	}); err != nil {
		return err
	}
	if e.Opts.Undo {
		undoCreatedGroups(e, o, cs, rows)
	}
	return nil
}

// undoCreatedGroups marks the contact groups the undone run created: each
// is deleted when every member it has now is one the run added.
func undoCreatedGroups(e *engine, o *ContactGroupsOptions, cs *contactState, rows []*rowRun) {
	created, added := map[*contactEntry]bool{}, map[*contactEntry]map[string]bool{}
	for _, r := range rows {
		name, _ := r.value(o.Group)
		ent := cs.byName[strings.ToLower(strings.TrimSpace(name))]
		if ent == nil {
			continue
		}
		if v, _ := e.cell(r, flagGroupCreated); v == "yes" {
			created[ent] = true
		}
		if v, _ := e.cell(r, flagMemberAdded); v == "yes" {
			if added[ent] == nil {
				added[ent] = map[string]bool{}
			}
			if id, _, err := memberOf(e, r, o); err == nil {
				added[ent][id] = true
			}
		}
	}
	for ent := range created {
		ent.delete = true
		for id := range cs.members[ent.group.ID] {
			ent.delete = ent.delete && added[ent][id]
		}
	}
}

// memberOf resolves a row's member: a user (found by prepare) or a user
// group of the account.
func memberOf(e *engine, r *rowRun, o *ContactGroupsOptions) (id string, typ int, err error) {
	member, _ := r.value(o.Member)
	if strings.Contains(member, "@") {
		if r.user == nil {
			return "", 0, errNoMember
		}
		return r.user.ID, 1, nil
	}
	g, err := e.dir.Group(member)
	return g.ID, 2, err
}

var errNoMember = errors.New("no user with this email in the account")

func (contactGroupsStep) decide(d *decision) {
	o := d.step.Options.(*ContactGroupsOptions)
	cs := d.e.dirState().contacts
	name, _ := d.value(o.Group)
	name = strings.TrimSpace(name)
	want := contactWanted(d, o)
	// The member first: a row that fails claims no create or update (the
	// next row of its contact group does).
	cr := &contactRow{}
	member, hasMember := d.value(o.Member)
	if hasMember && !resolveContactMember(d, o, cr) {
		return
	}
	ent := cs.byName[strings.ToLower(name)]
	if d.e.Opts.Undo && undoDeletesGroup(d, ent) {
		return
	}
	switch {
	case ent == nil:
		if ent = planContactGroupCreate(d, o, cs, name, want); ent == nil {
			return
		}
	case ent.create:
		// created by an earlier row: a privacy or description there wins
	default:
		planContactGroupUpdate(d, ent, want)
	}
	cr.entry = ent
	d.st.extra = cr
	if !hasMember {
		unchangedIfUndecided(d)
		return
	}
	planContactMember(d, o, cs, cr, name, member)
}

// contactWant is the privacy and description a row asks of its contact
// group: privacy 0 and hasDesc false ask nothing.
type contactWant struct {
	privacy int
	desc    string
	hasDesc bool
}

func contactWanted(d *decision, o *ContactGroupsOptions) contactWant {
	var w contactWant
	if o.Privacy != "" {
		if v, ok := d.value(o.Privacy); ok {
			w.privacy, _ = strconv.Atoi(v)
		}
	}
	if o.Description != "" {
		w.desc, w.hasDesc = d.value(o.Description)
	}
	return w
}

// resolveContactMember finds the row's member, a user or a user group of
// the account, into cr; it fails the row and returns false when there is
// no such member.
func resolveContactMember(d *decision, o *ContactGroupsOptions, cr *contactRow) bool {
	var err error
	cr.memberID, cr.memberType, err = memberOf(d.e, d.r, o)
	switch {
	case errors.Is(err, errNoMember):
		d.fail(err.Error(), "check the member's email, or create the user first")
		return false
	case err != nil:
		d.failErr(err)
		return false
	}
	return true
}

// planContactGroupCreate decides a row whose contact group the account
// lacks: remove_only has nothing to take out of it, create_missing may
// not allow it or it may look like a group that exists; else the row
// creates it, with its privacy and description. It returns the new
// group, or nil when the row is decided without one.
func planContactGroupCreate(d *decision, o *ContactGroupsOptions, cs *contactState, name string, want contactWant) *contactEntry {
	switch {
	case o.Sync == SyncRemoveOnly:
		d.set(results.ActUnchanged) // nothing to take out of a group that is not there
		return nil
	case !o.CreateMissing.Allows(name):
		d.fail(fmt.Sprintf("no contact group named %q in the account", name), contactHint(d.e, name))
		return nil
	case d.refuseLookAlike(kindContactGroup, name, o.CreateMissing):
		return nil
	}
	ent := &contactEntry{group: zoom.ContactGroup{Name: name, Privacy: want.privacy, Description: want.desc}, create: true, owner: d.r}
	cs.byName[strings.ToLower(name)] = ent
	d.set(results.ActCreate)
	d.st.changes = append(d.st.changes, fieldChange{field: "contact_group", new: name, action: results.ActCreate})
	d.st.undoFlags = append(d.st.undoFlags, flagGroupCreated)
	if want.privacy > 0 {
		d.change("privacy", "", strconv.Itoa(want.privacy), "")
	}
	if want.desc != "" {
		d.change("description", "", want.desc, "")
	}
	return ent
}

// planContactGroupUpdate plans the privacy and description a row asks of
// an existing contact group when they differ. The rows of one group share
// one update: the first that changes something carries it, and a later
// row that asks for more adds to it. An undo leaves a value someone
// changed after the run, with a conflict.
func planContactGroupUpdate(d *decision, ent *contactEntry, want contactWant) {
	var up zoom.ContactGroupUpdate
	changedSince := func(field, found string) bool {
		set, ok := d.undoSet(field)
		if ok && set != found {
			d.st.conflicts = append(d.st.conflicts, conflict{field: field, found: found, set: set})
		}
		return ok && set != found
	}
	privacy, desc := want.privacy, want.desc
	if was := strconv.Itoa(ent.group.Privacy); privacy > 0 && privacy != ent.group.Privacy && !changedSince("privacy", was) {
		d.change("privacy", was, strconv.Itoa(privacy), "")
		d.undoable("privacy", was, strconv.Itoa(privacy))
		up.Privacy = &privacy
		ent.group.Privacy = privacy
	}
	if was := ent.group.Description; want.hasDesc && desc != was && !changedSince("description", was) {
		d.change("description", was, desc, "")
		d.undoable("description", was, desc)
		up.Description = &desc
		ent.group.Description = desc
	}
	if up.Privacy == nil && up.Description == nil {
		return
	}
	if ent.update == nil {
		ent.update, ent.owner = &up, d.r
	} else { // a later row asks for more: one update carries it all
		ent.update.Privacy = pick(up.Privacy != nil, up.Privacy, ent.update.Privacy)
		ent.update.Description = pick(up.Description != nil, up.Description, ent.update.Description)
	}
	d.set(results.ActUpdate)
}

// planContactMember plans adding the row's member to its contact group,
// unless it is a member already (or will be, by an earlier row) or the
// sync only takes members out; an undo takes out the member the run
// added.
func planContactMember(d *decision, o *ContactGroupsOptions, cs *contactState, cr *contactRow, name, member string) {
	ent := cr.entry
	set := cs.members[ent.group.ID]
	if ent.create {
		set = cs.members["new:"+strings.ToLower(name)]
	}
	if set == nil {
		set = map[string]bool{}
		cs.members[pick(ent.create, "new:"+strings.ToLower(name), ent.group.ID)] = set
	}
	if v, _ := d.e.cell(d.r, flagMemberAdded); d.e.Opts.Undo && v == "yes" {
		undoAdded(d, cr, member, set[cr.memberID])
		return
	}
	if set[cr.memberID] || o.Sync == SyncRemoveOnly {
		cr.memberID = ""
		unchangedIfUndecided(d)
		return
	}
	set[cr.memberID] = true
	if d.st.action == "" {
		d.set(results.ActAdd)
	}
	d.st.changes = append(d.st.changes, fieldChange{field: "member", new: member, action: results.ActAdd})
	d.st.undoFlags = append(d.st.undoFlags, flagMemberAdded)
}

// unchangedIfUndecided marks the row unchanged unless the group's create
// or update already gave it an action.
func unchangedIfUndecided(d *decision) {
	if d.st.action == "" {
		d.set(results.ActUnchanged)
	}
}

// undoDeletesGroup decides an undo's row of a contact group the run
// created or a member it added, when the group goes: deleted by the first
// of its rows (the others go with it), or gone already. A created group
// that has members the run did not add stays, with a conflict, and its
// rows go on to take out the run's members.
func undoDeletesGroup(d *decision, ent *contactEntry) bool {
	created, _ := d.e.cell(d.r, flagGroupCreated)
	added, _ := d.e.cell(d.r, flagMemberAdded)
	if created != "yes" && added != "yes" {
		return false
	}
	d.st.extra = &contactRow{entry: ent}
	switch {
	case ent == nil:
		d.set(results.ActUnchanged)
	case ent.delete && ent.owner == nil:
		ent.owner = d.r
		d.set(results.ActDelete)
		d.change("contact_group", ent.group.Name, "(deleted)", results.RemoveContactGroup)
	case ent.delete:
		d.set(results.ActUnchanged)
	default:
		if created == "yes" {
			d.st.kept = fmt.Sprintf("the contact group %q the run created has members the run did not add: kept (the run's members are taken out)", ent.group.Name)
		}
		return false
	}
	return true
}

// undoAdded plans an undo's removal of a member the run added, when it is
// still in the group.
func undoAdded(d *decision, cr *contactRow, member string, in bool) {
	if !in {
		cr.memberID = ""
		if d.st.action == "" {
			d.set(results.ActUnchanged)
		}
		return
	}
	cr.remove = true
	if d.st.action == "" {
		d.set(results.ActRemove)
	}
	d.change("member", member, "(removed)", results.RemoveContactMember)
}

func contactKey(cr *contactRow) string { return strings.ToLower(cr.entry.group.Name) }

func (contactGroupsStep) cost(r *rowRun, st *rowStep) []callCost {
	cr, ok := st.extra.(*contactRow)
	if !ok || !st.action.Writes() {
		return nil
	}
	var out []callCost
	if cr.entry.owner == r && (cr.entry.create || cr.entry.update != nil || cr.entry.delete) {
		out = append(out, callCost{cat: zoom.Heavy})
	}
	switch {
	case cr.remove:
		out = append(out, callCost{cat: zoom.Heavy, batch: "drop:" + contactKey(cr), size: zoom.MaxContactMembersDrop})
	case cr.memberType == 1:
		if cr.memberID != "" {
			out = append(out, callCost{cat: zoom.Heavy, batch: "users:" + contactKey(cr), size: zoom.MaxContactUsersAdd})
		}
	case cr.memberType == 2:
		if cr.memberID != "" {
			out = append(out, callCost{cat: zoom.Heavy, batch: "groups:" + contactKey(cr), size: zoom.MaxContactGroupsAdd})
		}
	}
	return out
}

func (contactGroupsStep) apply(a *applier, rows []*rowRun) {
	// The contact groups first: each created or updated once, in row
	// order, before any member is added.
	var users, groups, drops []*rowRun
	for _, r := range rows {
		cr := r.steps[a.i].extra.(*contactRow)
		ent := cr.entry
		if !ent.done && (ent.create || ent.update != nil || ent.delete) {
			if a.stop.Err() != nil {
				a.record(r, &results.StepResult{Status: results.NotRun})
				continue
			}
			ent.done = true
			var err error
			switch {
			case ent.create:
				a.e.Events.Logf("Creating contact group %q", ent.group.Name)
				var g *zoom.ContactGroup
				g, err = a.e.Client.CreateContactGroup(a.calls, ent.group.Name, ent.group.Privacy, ent.group.Description)
				if g != nil {
					ent.group.ID = g.ID
				}
			case ent.delete:
				a.e.Events.Logf("Deleting contact group %q", ent.group.Name)
				err = a.e.Client.DeleteContactGroup(a.calls, ent.group.ID)
			default:
				err = a.e.Client.UpdateContactGroup(a.calls, ent.group.ID, *ent.update)
			}
			if err != nil {
				ent.failure = a.e.outcomeOf(err)
			}
		}
		if ent.failure != nil {
			cp := *ent.failure
			a.record(r, &cp)
			continue
		}
		switch {
		case cr.remove:
			drops = append(drops, r)
		case cr.memberID == "":
			a.record(r, succeeded())
		case cr.memberType == 2:
			groups = append(groups, r)
		default:
			users = append(users, r)
		}
	}
	send := func(ctx context.Context, b batch) ([]*results.StepResult, error) {
		members := make([]zoom.ContactGroupMember, len(b.rows))
		for j, r := range b.rows {
			cr := r.steps[a.i].extra.(*contactRow)
			members[j] = zoom.ContactGroupMember{ID: cr.memberID, Type: cr.memberType}
		}
		if _, err := a.e.Client.AddContactGroupMembers(ctx, b.target, members); err != nil {
			return nil, err
		}
		out := make([]*results.StepResult, len(b.rows))
		for j := range out {
			out[j] = succeeded()
		}
		return out, nil
	}
	target := func(r *rowRun) string { return r.steps[a.i].extra.(*contactRow).entry.group.ID }
	a.batches(zoom.Heavy, zoom.MaxContactUsersAdd, users, target, send)
	a.batches(zoom.Heavy, zoom.MaxContactGroupsAdd, groups, target, send)
	// Removals last: Zoom refuses to empty a contact group, and the
	// members the rows list are in it by now.
	a.batches(zoom.Heavy, zoom.MaxContactMembersDrop, drops, target, func(ctx context.Context, b batch) ([]*results.StepResult, error) {
		ids := make([]string, len(b.rows))
		for j, r := range b.rows {
			ids[j] = r.steps[a.i].extra.(*contactRow).memberID
		}
		if err := a.e.Client.RemoveContactGroupMembers(ctx, b.target, ids); err != nil {
			return nil, err
		}
		out := make([]*results.StepResult, len(b.rows))
		for j := range out {
			out[j] = succeeded()
		}
		return out, nil
	})
}

// An undo puts back privacy and description, takes out the members the
// run added, adds back those its sync removed and deletes the contact
// groups it created.
func (contactGroupsStep) undoFields() []string {
	return []string{"privacy", "description", flagMemberAdded, flagMemberRemoved, flagGroupCreated}
}
func (contactGroupsStep) undoStep(jobfile.Step, []string) string { return "contact_groups" }

// sync lists the members of each contact group the rows name that no row
// lists, and plans their removal (a user by email, a user group by name).
func (contactGroupsStep) sync(ctx context.Context, e *engine, i int, rows []*rowRun) ([]*rowRun, error) {
	o := e.steps[i].Options.(*ContactGroupsOptions)
	if o.Sync != SyncExact && o.Sync != SyncRemoveOnly {
		return nil, nil
	}
	cs := e.dirState().contacts
	named := map[*contactEntry]map[string]bool{}
	var order []*contactEntry
	for _, r := range rows {
		cr, ok := r.steps[i].extra.(*contactRow)
		if !ok || cr.entry == nil || !cr.entry.exists || r.steps[i].action == results.ActFail {
			continue
		}
		if named[cr.entry] == nil {
			named[cr.entry] = map[string]bool{}
			order = append(order, cr.entry)
		}
		if id, _, err := memberOf(e, r, o); err == nil {
			named[cr.entry][id] = true
		}
	}
	// A row that fails in the plan (a misspelt member) and names a contact
	// group holds that group's removals back: its member may be one the
	// sync would take out.
	held := e.heldBy(func(r *rowRun) (string, bool) {
		name, _ := r.value(o.Group)
		ent := cs.byName[strings.ToLower(strings.TrimSpace(name))]
		if ent == nil || !ent.exists {
			return "", false // a contact group the run creates: no one to take out
		}
		if named[ent] == nil {
			named[ent] = map[string]bool{}
			order = append(order, ent)
		}
		return ent.group.ID, true
	})
	var out []*rowRun
	for _, ent := range order {
		what := fmt.Sprintf("contact group %q", ent.group.Name)
		hold := held.of(ent.group.ID)
		unlisted := 0
		for _, m := range cs.lists[ent.group.ID] {
			if named[ent][m.ID] {
				continue
			}
			unlisted++
			if len(hold) > 0 {
				continue
			}
			label, u := m.Name, (*zoom.User)(nil)
			if m.Type == 1 {
				found, err := e.Client.FindUser(ctx, m.ID)
				if err != nil {
					return nil, fmt.Errorf("reading member %s of contact group %q: %w", m.ID, ent.group.Name, err)
				}
				if found != nil {
					label, u = found.Email, found
				}
			}
			r := e.syncRow(map[string]string{o.Group: ent.group.Name, o.Member: label}, "sync:"+strings.ToLower(ent.group.Name+"/"+m.ID), u, i, what)
			st := &r.steps[i]
			st.action = results.ActRemove
			st.extra = &contactRow{entry: ent, memberID: m.ID, memberType: m.Type, remove: true}
			st.changes = append(st.changes, fieldChange{field: "member", current: label, new: "(removed)", removal: results.RemoveContactMember})
			st.undoFlags = append(st.undoFlags, flagMemberRemoved)
			out = append(out, r)
		}
		e.syncTarget(e.steps[i].Kind, what, len(cs.lists[ent.group.ID]), unlisted, hold)
	}
	return out, nil
}

// contactHint names the contact groups closest to a missing one.
func contactHint(e *engine, name string) string {
	return zoom.UnknownName(kindContactGroup, name, e.existingNames(kindContactGroup)).Hint() + ", or add it to create_missing"
}

// calls: the plan reads the contact groups and their members; the
// writes create, update, fill and (sync, undo) empty them.
func (contactGroupsStep) calls() []call {
	return []call{
		planRead(zoom.OpListContactGroups, ""), planRead(zoom.OpListContactGroupMembers, ""),
		on(zoom.OpCreateContactGroup, ""), on(zoom.OpUpdateContactGroup, ""), on(zoom.OpAddContactGroupMembers, ""),
		on(zoom.OpRemoveContactGroupMembers, ""), on(zoom.OpDeleteContactGroup, ""),
	}
}

func (contactGroupsStep) runRank() int { return 3 }

// doc is the kind's row of docs/jobs.md's steps table.
func (contactGroupsStep) doc() kindDoc {
	return kindDoc{
		order:    180,
		options:  "`group: contact_group`; `member: member`; `privacy`, `description` when mapped; `sync: add_only` | `remove_only` | `exact`; `create_missing: true` | `false` | `[names]`",
		call:     "`POST /contacts/groups` (missing), `PATCH /contacts/groups/{id}` (privacy/description differ), `POST /contacts/groups/{id}/members`, `DELETE /contacts/groups/{id}/members` (sync)",
		batching: "grouped by contact group: 50 users or 3 user groups a call; 20 removals a call",
		category: "Heavy",
	}
}

// syncs: the sync mode takes out members no row lists.
func (contactGroupsStep) syncs(step jobfile.Step) bool {
	return removesUnlisted(step.Options.(*ContactGroupsOptions).Sync)
}

// creates: a row naming a contact group the account lacks creates it
// with create_missing.
func (contactGroupsStep) creates(s jobfile.Step) (kind, field string, cm jobfile.CreateMissing, ok bool) {
	o := s.Options.(*ContactGroupsOptions)
	return kindContactGroup, o.Group, o.CreateMissing, o.CreateMissing.On()
}
