package jobs

import (
	"context"
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
// (Add contact group members, Heavy). Members not listed are left alone.
const ContactGroups jobfile.StepKind = "contact_groups"

// ContactGroupsOptions are contact_groups' options.
type ContactGroupsOptions struct {
	Group       string // the field holding the contact group (default contact_group)
	Member      string // the field holding the member (default member)
	Privacy     string // default privacy, when mapped
	Description string // default description, when mapped
}

// contactState is what contact_groups read before deciding, and the
// contact groups the run creates or updates (once each).
type contactState struct {
	byName  map[string]*contactEntry // lower-cased name and ID -> entry
	members map[string]map[string]bool
}

// contactEntry is one contact group the rows name.
type contactEntry struct {
	group   zoom.ContactGroup
	exists  bool
	create  bool
	update  *zoom.ContactGroupUpdate
	owner   *rowRun // the row whose plan carries the create or update
	done    bool
	failure *results.StepResult
}

// contactRow is one row's part: the group and the member to add.
type contactRow struct {
	entry      *contactEntry
	memberID   string
	memberType int // 1 user, 2 user group
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
	o := &ContactGroupsOptions{Group: "contact_group", Member: "member"}
	if n == nil {
		return o, true
	}
	ok := true
	isMap := l.Map(n, key, []string{"group", "member", "privacy", "description"}, func(k string, _, vn *yaml.Node) {
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
	cs := &contactState{byName: map[string]*contactEntry{}, members: map[string]map[string]bool{}}
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
	return readEach(ctx, e.concurrency(zoom.Medium), ids, func(id string) error {
		set := map[string]bool{}
		for m, err := range e.Client.ListContactGroupMembers(ctx, id) {
			if err != nil {
				return fmt.Errorf("listing the members of contact group %s: %w", id, err)
			}
			set[m.ID] = true
		}
		mu.Lock()
		defer mu.Unlock()
		cs.members[id] = set
		return nil
	})
}

func (contactGroupsStep) decide(d *decision) {
	o := d.step.Options.(*ContactGroupsOptions)
	cs := d.e.dirState().contacts
	name, _ := d.value(o.Group)
	name = strings.TrimSpace(name)
	privacy := 0
	if o.Privacy != "" {
		if v, ok := d.value(o.Privacy); ok {
			privacy, _ = strconv.Atoi(v)
		}
	}
	desc, hasDesc := "", false
	if o.Description != "" {
		desc, hasDesc = d.value(o.Description)
	}
	// The member first: a row that fails claims no create or update (the
	// next row of its contact group does).
	cr := &contactRow{}
	member, hasMember := d.value(o.Member)
	if hasMember {
		if strings.Contains(member, "@") {
			if d.u == nil {
				d.fail("no user with this email in the account", "check the member's email, or create the user first")
				return
			}
			cr.memberID, cr.memberType = d.u.ID, 1
		} else {
			g, err := d.e.dir.Group(member)
			if err != nil {
				d.failErr(err)
				return
			}
			cr.memberID, cr.memberType = g.ID, 2
		}
	}
	ent := cs.byName[strings.ToLower(name)]
	switch {
	case ent == nil:
		ent = &contactEntry{group: zoom.ContactGroup{Name: name, Privacy: privacy, Description: desc}, create: true, owner: d.r}
		cs.byName[strings.ToLower(name)] = ent
		d.set(results.ActCreate)
		d.st.changes = append(d.st.changes, fieldChange{field: "contact_group", new: name, action: results.ActCreate})
		if privacy > 0 {
			d.change("privacy", "", strconv.Itoa(privacy), "")
		}
		if desc != "" {
			d.change("description", "", desc, "")
		}
	case ent.create:
		// created by an earlier row: a privacy or description there wins
	default:
		var up zoom.ContactGroupUpdate
		if privacy > 0 && privacy != ent.group.Privacy {
			d.change("privacy", strconv.Itoa(ent.group.Privacy), strconv.Itoa(privacy), "")
			up.Privacy = &privacy
			ent.group.Privacy = privacy
		}
		if hasDesc && desc != ent.group.Description {
			d.change("description", ent.group.Description, desc, "")
			up.Description = &desc
			ent.group.Description = desc
		}
		if up.Privacy != nil || up.Description != nil {
			if ent.update == nil {
				ent.update, ent.owner = &up, d.r
			} else { // a later row asks for more: one update carries it all
				ent.update.Privacy = pick(up.Privacy != nil, up.Privacy, ent.update.Privacy)
				ent.update.Description = pick(up.Description != nil, up.Description, ent.update.Description)
			}
			d.set(results.ActUpdate)
		}
	}
	cr.entry = ent
	d.st.extra = cr
	if !hasMember {
		if d.st.action == "" {
			d.set(results.ActUnchanged)
		}
		return
	}
	set := cs.members[ent.group.ID]
	if ent.create {
		set = cs.members["new:"+strings.ToLower(name)]
	}
	if set == nil {
		set = map[string]bool{}
		cs.members[pick(ent.create, "new:"+strings.ToLower(name), ent.group.ID)] = set
	}
	if set[cr.memberID] {
		cr.memberID = ""
		if d.st.action == "" {
			d.set(results.ActUnchanged)
		}
		return
	}
	set[cr.memberID] = true
	if d.st.action == "" {
		d.set(results.ActAdd)
	}
	d.st.changes = append(d.st.changes, fieldChange{field: "member", new: member, action: results.ActAdd})
}

func contactKey(cr *contactRow) string { return strings.ToLower(cr.entry.group.Name) }

func (contactGroupsStep) cost(r *rowRun, st *rowStep) []callCost {
	cr, ok := st.extra.(*contactRow)
	if !ok || !st.action.Writes() {
		return nil
	}
	var out []callCost
	if cr.entry.owner == r && (cr.entry.create || cr.entry.update != nil) {
		out = append(out, callCost{cat: zoom.Heavy})
	}
	switch cr.memberType {
	case 1:
		if cr.memberID != "" {
			out = append(out, callCost{cat: zoom.Heavy, batch: "users:" + contactKey(cr), size: zoom.MaxContactUsersAdd})
		}
	case 2:
		if cr.memberID != "" {
			out = append(out, callCost{cat: zoom.Heavy, batch: "groups:" + contactKey(cr), size: zoom.MaxContactGroupsAdd})
		}
	}
	return out
}

func (contactGroupsStep) apply(a *applier, rows []*rowRun) {
	// The contact groups first: each created or updated once, in row
	// order, before any member is added.
	var users, groups []*rowRun
	for _, r := range rows {
		cr := r.steps[a.i].extra.(*contactRow)
		ent := cr.entry
		if !ent.done && (ent.create || ent.update != nil) {
			if a.stop.Err() != nil {
				a.record(r, &results.StepResult{Status: results.NotRun})
				continue
			}
			ent.done = true
			var err error
			if ent.create {
				a.e.Events.Logf("Creating contact group %q", ent.group.Name)
				var g *zoom.ContactGroup
				g, err = a.e.Client.CreateContactGroup(a.calls, ent.group.Name, ent.group.Privacy, ent.group.Description)
				if g != nil {
					ent.group.ID = g.ID
				}
			} else {
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
}
