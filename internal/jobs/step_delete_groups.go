package jobs

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/mapping"
	"github.com/zoombulk/zoombulk/internal/results"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// DeleteGroups and DeleteDivisions delete the groups or divisions a sheet
// lists (DELETE /groups/{id}, DELETE /divisions/{id}, Light): each row is
// one. Both are removals (they need --allow-delete and count against the
// removal limits). The plan reads each one's members and lists them: a
// group's members lose the group (each counts as a group removal); Zoom
// refuses to delete a division that has users, so such a row fails in the
// plan. A name the account does not have is unchanged: nothing to delete.
// Nothing brings a deleted group or division back: undo leaves them.
const (
	DeleteGroups    jobfile.StepKind = "delete_groups"
	DeleteDivisions jobfile.StepKind = "delete_divisions"
)

// DeleteDirOptions are delete_groups' and delete_divisions' options.
type DeleteDirOptions struct {
	Name string // the field holding the name (group, division)
}

type deleteDirStep struct {
	kind  jobfile.StepKind
	field string // group | division
}

func init() {
	register(deleteDirStep{kind: DeleteGroups, field: "group"})
	register(deleteDirStep{kind: DeleteDivisions, field: "division"})
}

func (k deleteDirStep) Name() jobfile.StepKind { return k.kind }
func (k deleteDirStep) directory() (groups, divs bool) {
	return k.field == "group", k.field == "division"
}
func (deleteDirStep) userOptional()                               {}
func (deleteDirStep) Check(*jobfile.Loader, string, jobfile.Step) {}
func (deleteDirStep) RowKey(s jobfile.Step) []string {
	return []string{s.Options.(*DeleteDirOptions).Name}
}
func (k deleteDirStep) Fields(s jobfile.Step) []string { return k.RowKey(s) }

func (k deleteDirStep) target() mapping.Target {
	return pick(k.field == "group", mapping.Group, mapping.Division)
}

func (k deleteDirStep) ParseOptions(l *jobfile.Loader, key string, n *yaml.Node) (any, bool) {
	o := &DeleteDirOptions{Name: k.field}
	if n == nil {
		return o, true
	}
	ok := true
	isMap := l.Map(n, key, []string{"name"}, func(kk string, _, vn *yaml.Node) {
		var good bool
		o.Name, good = l.FieldRef(vn, key+"."+kk, func(f mapping.Field) bool { return f.Target == k.target() },
			fmt.Sprintf("a %s field (%s)", k.field, k.field))
		ok = ok && good
	})
	return o, ok && isMap
}

// dirMembers is what a group or division to delete holds, read in the plan.
type dirMembers struct {
	id, name string
	main     bool
	emails   []string
}

// dirMember is a user in a group or division.
type dirMember struct{ id, email string }

// listDirMembers reads the users in a group (kind kindGroup, Medium) or a
// division (kindDivision, Light) by its ID.
func listDirMembers(ctx context.Context, c *zoom.Client, kind, id string) ([]dirMember, error) {
	var out []dirMember
	if kind == kindGroup {
		for u, err := range c.ListGroupMembers(ctx, id) {
			if err != nil {
				return nil, err
			}
			out = append(out, dirMember{u.ID, u.Email})
		}
		return out, nil
	}
	for u, err := range c.ListDivisionMembers(ctx, id) {
		if err != nil {
			return nil, err
		}
		out = append(out, dirMember{u.ID, u.Email})
	}
	return out, nil
}

// deleteDir deletes a group (kind kindGroup) or a division by its ID.
func deleteDir(ctx context.Context, c *zoom.Client, kind, id string) error {
	if kind == kindGroup {
		return c.DeleteGroup(ctx, id)
	}
	return c.DeleteDivision(ctx, id)
}

// lookup finds the group or division a row names.
func (k deleteDirStep) lookup(e *engine, name string) (id, found string, main bool, err error) {
	if k.field == "group" {
		g, err := e.dir.Group(name)
		return g.ID, g.Name, false, err
	}
	d, err := e.dir.Division(name)
	return d.ID, d.Name, d.IsMain, err
}

// prepare lists the members of every group (Medium) or division (Light)
// the rows name, once each.
func (k deleteDirStep) prepare(ctx context.Context, e *engine, i int, rows []*rowRun) error {
	o := e.steps[i].Options.(*DeleteDirOptions)
	byID := map[string]*dirMembers{}
	var list []*dirMembers
	for _, r := range rows {
		if r.steps[i].result != nil {
			continue
		}
		name, _ := r.value(o.Name)
		id, found, main, err := k.lookup(e, name)
		if err != nil {
			continue
		}
		m := byID[id]
		if m == nil {
			m = &dirMembers{id: id, name: found, main: main}
			byID[id] = m
			list = append(list, m)
		}
		r.steps[i].extra = m
	}
	cat := pick(k.field == "group", zoom.Medium, zoom.Light)
	var mu sync.Mutex
	return readEach(ctx, e.concurrency(cat), list, func(m *dirMembers) error {
		in, err := listDirMembers(ctx, e.Client, k.field, m.id)
		if err != nil {
			return fmt.Errorf("listing the %s of %s %s: %w", pick(k.field == kindGroup, "members", "users"), k.field, m.name, err)
		}
		var emails []string
		for _, u := range in {
			emails = append(emails, u.email)
		}
		mu.Lock()
		m.emails = emails
		mu.Unlock()
		return nil
	})
}

func (k deleteDirStep) decide(d *decision) {
	m, _ := d.st.extra.(*dirMembers)
	if m == nil {
		// Not in the account: there is nothing to delete (a rerun of a
		// delete finds its groups gone).
		d.set(results.ActUnchanged)
		return
	}
	d.st.target = m.id
	switch {
	case m.main:
		d.fail("the main division cannot be deleted", "remove this row")
		return
	case k.field == "division" && len(m.emails) > 0:
		d.fail(fmt.Sprintf("division %s has %d users, and Zoom deletes only an empty division", m.name, len(m.emails)),
			"assign its users to another division first (assign_division), then run this again")
		return
	}
	if d.e.dirDeleted == nil {
		d.e.dirDeleted = map[string]bool{}
	}
	if d.e.dirDeleted[m.id] {
		d.set(results.ActUnchanged) // an earlier row deletes it
		return
	}
	d.e.dirDeleted[m.id] = true
	d.set(results.ActDelete)
	d.change(k.field, m.name, "(deleted)", pick(k.field == "group", results.RemoveGroupDelete, results.RemoveDivisionDelete))
	// Every member loses the group (they keep their other groups): the
	// plan and changes.csv name each, and each counts as a removal.
	for _, email := range m.emails {
		d.change("member", email, "(loses group "+m.name+")", results.RemoveGroup)
	}
}

func (deleteDirStep) cost(_ *rowRun, st *rowStep) []callCost {
	if st.action == results.ActDelete {
		return []callCost{{cat: zoom.Light}}
	}
	return nil
}

func (k deleteDirStep) apply(a *applier, rows []*rowRun) {
	a.perRow(zoom.Light, rows, func(ctx context.Context, r *rowRun, st *rowStep) *results.StepResult {
		if err := deleteDir(ctx, a.e.Client, k.field, st.target); err != nil {
			return a.e.outcomeOf(err)
		}
		return succeeded()
	})
}

// deletes: deleting groups and divisions, as deleting users, is confirmed
// on the command line every time.
func (k deleteDirStep) deletes() string { return "deletes " + k.field + "s" }

// calls: a group or division is deleted only when it has no members left.
func (k deleteDirStep) calls() []call {
	if k.field == "division" {
		return []call{planRead(zoom.OpListDivisions, ""), planRead(zoom.OpListDivisionMembers, ""), on(zoom.OpDeleteDivision, "")}
	}
	return []call{planRead(zoom.OpListGroups, ""), planRead(zoom.OpListGroupMembers, ""), on(zoom.OpDeleteGroup, "")}
}

func (k deleteDirStep) takes(jobfile.Step) (what, field string) {
	return "deletes " + strings.TrimPrefix(string(k.kind), "delete_"), ""
}

// doc is the kind's row of docs/jobs.md's steps table.
func (k deleteDirStep) doc() kindDoc {
	switch k.kind {
	case DeleteGroups:
		return kindDoc{
			order:    150,
			options:  "`name: group`",
			call:     "`GET /groups/{id}/members` (plan), `DELETE /groups/{id}`",
			batching: "one call a group; needs `--allow-delete`; the plan and `changes.csv` list each member who loses the group, and each counts against `limits.max_removals` / `--max-removals` with the deletion; a name the account does not have is `unchanged`; undo does not bring them back",
			category: "Light",
		}
	case DeleteDivisions:
		return kindDoc{
			order:    160,
			options:  "`name: division`",
			call:     "`GET /divisions/{id}/users` (plan), `DELETE /divisions/{id}`",
			batching: "as `delete_groups`; Zoom deletes only an empty division, so one with users fails in the plan (assign them elsewhere first)",
			category: "Light",
		}
	}
	return kindDoc{}
}
