package jobs

import (
	"context"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/mapping"
	"github.com/zoombulk/zoombulk/internal/results"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// GroupAdmins makes users administrators of groups: each row is a group
// and one admin's email (List group admins, Medium, read once a group;
// Add group admins, Medium, 30 a call). Admins not listed are left alone.
const GroupAdmins jobfile.StepKind = "group_admins"

// GroupAdminsOptions are group_admins' options.
type GroupAdminsOptions struct {
	Group string // the field holding the group (default group)
	Admin string // the field holding the admin's email (default email)
}

type groupAdminsStep struct{}

func init() { register(groupAdminsStep{}) }

func (groupAdminsStep) Name() jobfile.StepKind                      { return GroupAdmins }
func (groupAdminsStep) directory() (groups, divs bool)              { return true, false }
func (groupAdminsStep) userOptional()                               {}
func (groupAdminsStep) Check(*jobfile.Loader, string, jobfile.Step) {}
func (groupAdminsStep) RowKey(s jobfile.Step) []string {
	o := s.Options.(*GroupAdminsOptions)
	return []string{o.Group, o.Admin}
}
func (k groupAdminsStep) Fields(s jobfile.Step) []string { return k.RowKey(s) }

func (groupAdminsStep) ParseOptions(l *jobfile.Loader, key string, n *yaml.Node) (any, bool) {
	o := &GroupAdminsOptions{Group: "group", Admin: "email"}
	if n == nil {
		return o, true
	}
	ok := true
	isMap := l.Map(n, key, []string{"group", "admin"}, func(k string, _, vn *yaml.Node) {
		var good bool
		switch k {
		case "group":
			o.Group, good = l.FieldRef(vn, key+"."+k, func(f mapping.Field) bool { return f.Target == mapping.Group }, "a group field (group)")
		case "admin":
			o.Admin, good = l.FieldRef(vn, key+"."+k, func(f mapping.Field) bool { return f.Kind == mapping.Email }, "an email field (email)")
		}
		ok = ok && good
	})
	return o, ok && isMap
}

// prepare finds each admin's user and reads the admins of every existing
// group the rows name, once a group.
func (groupAdminsStep) prepare(ctx context.Context, e *engine, i int, rows []*rowRun) error {
	o := e.steps[i].Options.(*GroupAdminsOptions)
	st := e.dirState()
	var withAdmin []*rowRun
	groups := map[string]bool{}
	for _, r := range rows {
		if r.steps[i].result != nil {
			continue
		}
		if _, ok := r.value(o.Admin); ok {
			withAdmin = append(withAdmin, r)
		}
		name, _ := r.value(o.Group)
		if g, err := e.dir.Group(name); err == nil {
			groups[g.ID] = true
		}
	}
	if err := e.forRows(ctx, withAdmin, zoom.Light, func(ctx context.Context, r *rowRun) error {
		email, _ := r.value(o.Admin)
		u, err := e.Client.FindUser(ctx, email)
		r.user = u
		return err
	}); err != nil {
		return err
	}
	ids := make([]string, 0, len(groups))
	for id := range groups {
		ids = append(ids, id)
	}
	return readEach(ctx, e.concurrency(zoom.Medium), ids, func(id string) error {
		admins, err := e.Client.ListGroupAdmins(ctx, id)
		if err != nil {
			return fmt.Errorf("listing the admins of group %s: %w", e.dir.GroupName(id), err)
		}
		set := map[string]bool{}
		for _, a := range admins {
			set[strings.ToLower(a.Email)] = true
		}
		st.mu.Lock()
		st.admins[id] = set
		st.mu.Unlock()
		return nil
	})
}

func (groupAdminsStep) decide(d *decision) {
	o := d.step.Options.(*GroupAdminsOptions)
	name, _ := d.value(o.Group)
	email, ok := d.value(o.Admin)
	g, found := d.lookupOrCreate("group", name, jobfile.CreateMissing{})
	if !found {
		return
	}
	d.st.target = g.ID
	if !ok {
		d.set(results.ActUnchanged) // a group without an admin on this row
		return
	}
	if d.u == nil {
		d.fail("no user with this email in the account", "check the email, or create the user first")
		return
	}
	st := d.e.dirState()
	set := st.admins[g.ID]
	if set == nil {
		set = map[string]bool{}
		st.admins[g.ID] = set
	}
	has := set[strings.ToLower(email)]
	if v, _ := d.e.cell(d.r, flagAdminAdded); d.e.Opts.Undo && v == "yes" {
		// The undone run made this user an admin: take that back.
		if !has {
			d.set(results.ActUnchanged)
			return
		}
		delete(set, strings.ToLower(email))
		d.set(results.ActRemove)
		d.change("admin", email, "(removed)", results.RemoveGroupAdmin)
		return
	}
	if has {
		d.set(results.ActUnchanged)
		return
	}
	set[strings.ToLower(email)] = true
	d.set(results.ActAdd)
	d.change("admin", "", email, "")
	d.st.undoFlags = append(d.st.undoFlags, flagAdminAdded)
}

// flagAdminAdded is the undo.csv flag of a group admin the run added.
const flagAdminAdded = "zb_admin_added"

// An undo takes away the admin rights the run gave.
func (groupAdminsStep) undoFields() []string                   { return []string{flagAdminAdded} }
func (groupAdminsStep) undoStep(jobfile.Step, []string) string { return "group_admins" }

func (groupAdminsStep) cost(_ *rowRun, st *rowStep) []callCost {
	switch st.action {
	case results.ActAdd:
		return []callCost{{cat: zoom.Medium, batch: st.target, size: zoom.MaxGroupAdminsAdd}}
	case results.ActRemove:
		return []callCost{{cat: zoom.Light}}
	}
	return nil
}

func (groupAdminsStep) apply(a *applier, rows []*rowRun) {
	rows = a.ensureCreated(rows)
	var adds, removes []*rowRun
	for _, r := range rows {
		if r.steps[a.i].action == results.ActRemove {
			removes = append(removes, r)
		} else {
			adds = append(adds, r)
		}
	}
	a.perRow(zoom.Light, removes, func(ctx context.Context, r *rowRun, st *rowStep) *results.StepResult {
		if err := a.e.Client.DeleteGroupAdmin(ctx, st.target, r.ref().Key()); err != nil {
			return a.e.outcomeOf(err)
		}
		return succeeded()
	})
	a.batches(zoom.Medium, zoom.MaxGroupAdminsAdd, adds, func(r *rowRun) string { return r.steps[a.i].target },
		func(ctx context.Context, b batch) ([]*results.StepResult, error) {
			refs := make([]zoom.UserRef, len(b.rows))
			for j, r := range b.rows {
				refs[j] = r.ref()
			}
			if _, err := a.e.Client.AddGroupAdmins(ctx, b.target, refs); err != nil {
				return nil, err
			}
			out := make([]*results.StepResult, len(b.rows))
			for j := range out {
				out[j] = succeeded()
			}
			return out, nil
		})
}

// calls: the admins are read to add only who is missing; the delete is
// the undo's (an admin the run added).
func (groupAdminsStep) calls() []call {
	return []call{planRead(zoom.OpListGroups, ""), on(zoom.OpListGroupAdmins, ""), on(zoom.OpAddGroupAdmins, ""), on(zoom.OpDeleteGroupAdmin, "(undo)")}
}

func (groupAdminsStep) runRank() int { return 3 }

// doc is the kind's row of docs/jobs.md's steps table.
func (groupAdminsStep) doc() kindDoc {
	return kindDoc{
		order:    170,
		options:  "`group: group`; `admin: email`",
		call:     "`GET /groups/{id}/admins` (plan), `POST /groups/{id}/admins`",
		batching: "grouped by group, 10 admins a call (Zoom's maximum)",
		category: "Medium",
	}
}
