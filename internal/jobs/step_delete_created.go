package jobs

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/results"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// DeleteCreated is the last step of an undo job whose run created groups
// or divisions (upsert_groups, upsert_divisions, create_missing): it
// deletes each one the run's journal names by ID, once the undo's other
// steps have taken the run's members out, when it is empty. A group or
// division that keeps members (users the run did not put there, or users
// it created that the undo keeps) is kept, and its row says why. Outside
// an undo the step does nothing: only a run's journal says what it made.
const DeleteCreated jobfile.StepKind = "delete_created"

type deleteCreatedStep struct{}

func init() { register(deleteCreatedStep{}) }

func (deleteCreatedStep) Name() jobfile.StepKind                      { return DeleteCreated }
func (deleteCreatedStep) userOptional()                               {}
func (deleteCreatedStep) AnyRows()                                    {}
func (deleteCreatedStep) Fields(jobfile.Step) []string                { return nil }
func (deleteCreatedStep) Check(*jobfile.Loader, string, jobfile.Step) {}

func (deleteCreatedStep) ParseOptions(l *jobfile.Loader, key string, n *yaml.Node) (any, bool) {
	if n == nil {
		return nil, true
	}
	return nil, l.Map(n, key, []string{}, func(string, *yaml.Node, *yaml.Node) {})
}

// decide: the input's rows are users (or the run's rows): the deletions
// are rows of their own, made by sync once every other step is planned.
func (deleteCreatedStep) decide(d *decision) { d.set(results.ActUnchanged) }

// dirDelete is the plan of one created group or division.
type dirDelete struct {
	dir createdDir
}

func (deleteCreatedStep) cost(_ *rowRun, st *rowStep) []callCost {
	if dd, ok := st.extra.(*dirDelete); ok && st.action == results.ActDelete {
		// the members are read again before the delete (Medium for a
		// group, Light for a division), then the delete (Light)
		return []callCost{{cat: pick(dd.dir.Kind == kindGroup, zoom.Medium, zoom.Light)}, {cat: zoom.Light}}
	}
	return nil
}

// syncs: the undo deletes what the undone run created, row or no row.
func (deleteCreatedStep) syncs(jobfile.Step) bool { return true }

// sync plans a row for each group and division the undone run's journal
// says it created: delete it when the undo leaves it empty, else keep it.
func (deleteCreatedStep) sync(ctx context.Context, e *engine, i int, _ []*rowRun) ([]*rowRun, error) {
	if !e.Opts.Undo {
		return nil, nil
	}
	st, err := e.undoneJournal()
	if err != nil {
		return nil, &RunDirError{Dir: e.undoRunDir(), Msg: "cannot read the run's journal for the groups and divisions it created: " + err.Error()}
	}
	made := createdDirs(st.records)
	if len(made) == 0 {
		return nil, nil
	}
	var groups map[string]zoom.Group
	var divs map[string]zoom.Division
	for _, c := range made {
		switch {
		case c.Kind == kindGroup && groups == nil:
			list, err := e.Client.ListGroups(ctx)
			if err != nil {
				return nil, fmt.Errorf("listing the groups: %w", err)
			}
			groups = map[string]zoom.Group{}
			for _, g := range list {
				groups[g.ID] = g
			}
		case c.Kind == kindDivision && divs == nil:
			list, err := e.Client.ListDivisions(ctx)
			if err != nil {
				return nil, fmt.Errorf("listing the divisions: %w", err)
			}
			divs = map[string]zoom.Division{}
			for _, v := range list {
				divs[v.ID] = v
			}
		}
	}
	var out []*rowRun
	seen := map[string]bool{}
	for _, c := range made {
		if seen[c.Kind+c.ID] {
			continue
		}
		seen[c.Kind+c.ID] = true
		r := e.syncRow(map[string]string{c.Kind: c.Name}, "created:"+c.Kind+":"+c.ID, nil, i, fmt.Sprintf("%s %q", c.Kind, c.Name))
		r.dirDelete = true
		e.restore(r)
		stp := &r.steps[i]
		if stp.result != nil {
			out = append(out, r) // settled by an earlier process of this undo
			continue
		}
		stp.extra = &dirDelete{dir: c}
		var name string
		switch c.Kind {
		case kindGroup:
			g, ok := groups[c.ID]
			if !ok {
				stp.action = results.ActUnchanged // deleted already
				out = append(out, r)
				continue
			}
			name = g.Name
		default:
			v, ok := divs[c.ID]
			if !ok {
				stp.action = results.ActUnchanged
				out = append(out, r)
				continue
			}
			name = v.Name
		}
		members, err := listDirMembers(ctx, e.Client, c.Kind, c.ID) // the users in it now
		if err != nil {
			return nil, fmt.Errorf("listing the members of %s %q: %w", c.Kind, name, err)
		}
		leaving := e.undoLeaving(c)
		var stay []string
		kept := 0 // users the run created that the undo keeps
		for _, m := range members {
			id := m.id
			if leaving[id] {
				continue
			}
			stay = append(stay, id)
			if e.undoKeeps(id) {
				kept++
			}
		}
		switch {
		case !strings.EqualFold(name, c.Name):
			stp.action = results.ActKeep
			stp.fail = &results.StepResult{Reason: fmt.Sprintf("the %s the run created as %q is named %q now: kept", c.Kind, c.Name, name),
				Hint: "someone renamed it since the run; delete it in the web portal if it should go"}
		case len(stay) > 0:
			stp.action = results.ActKeep
			why := fmt.Sprintf("the %s %q the run created has %d %s after the undo: kept", c.Kind, name, len(stay), plural("member", len(stay)))
			hint := "the members were put there after the run: move them elsewhere and delete it in the web portal if it should go"
			if kept == len(stay) {
				why = fmt.Sprintf("the %s %q the run created still holds %d %s the run created, which the undo keeps: kept", c.Kind, name, kept, plural("user", kept))
				hint = "undo with --allow-delete to delete the users the run created, and this with them"
			}
			stp.fail = &results.StepResult{Reason: why, Hint: hint}
		default:
			stp.action, stp.target = results.ActDelete, c.ID
			stp.changes = append(stp.changes, fieldChange{field: c.Kind, current: name, new: "(deleted)",
				removal: pick(c.Kind == kindGroup, results.RemoveGroupDelete, results.RemoveDivisionDelete)})
		}
		out = append(out, r)
	}
	return out, nil
}

// dirLeaver is implemented by kinds whose planned write can take a user
// out of a group or division (moving, removing, deleting the user):
// leavesDir says whether the row's step st takes r's user out of c.
type dirLeaver interface {
	leavesDir(c createdDir, r *rowRun, st *rowStep) bool
}

// undoLeaving are the users the undo's planned rows take out of a group
// or division the run created (each kind says so with leavesDir).
func (e *engine) undoLeaving(c createdDir) map[string]bool {
	out := map[string]bool{}
	for _, r := range e.rows {
		if r.unlisted != "" || r.invalid != nil || r.user == nil {
			continue
		}
		for i, step := range e.steps {
			st := &r.steps[i]
			if l, ok := kindOf(step).(dirLeaver); ok && st.action.Writes() && l.leavesDir(c, r, st) {
				out[r.knownID()] = true
			}
		}
	}
	return out
}

// undoKeeps says whether a user is one the run created that the undo
// keeps (no --allow-delete).
func (e *engine) undoKeeps(id string) bool {
	for _, r := range e.rows {
		if r.unlisted == "" && r.knownID() == id && slices.ContainsFunc(r.steps, func(st rowStep) bool { return st.action == results.ActKeep }) {
			return true
		}
	}
	return false
}

func (deleteCreatedStep) apply(a *applier, rows []*rowRun) {
	a.perRow(zoom.Light, rows, func(ctx context.Context, r *rowRun, st *rowStep) *results.StepResult {
		dd, ok := st.extra.(*dirDelete)
		if !ok || st.action != results.ActDelete {
			return &results.StepResult{Status: results.Unchanged}
		}
		// Read the members again: an earlier step of the undo that failed
		// left someone in it, and Zoom deletes a group with its members.
		members, err := listDirMembers(ctx, a.e.Client, dd.dir.Kind, dd.dir.ID)
		if err != nil {
			return a.e.outcomeOf(err)
		}
		if n := len(members); n > 0 {
			return &results.StepResult{Status: results.Kept,
				Reason: fmt.Sprintf("the %s %q the run created still has %d %s (an earlier step of the undo did not take them out): kept", dd.dir.Kind, dd.dir.Name, n, plural("member", n)),
				Hint:   "fix the failed rows and run the undo again (--resume), or delete it in the web portal"}
		}
		a.e.Events.Logf("Deleting %s %q", dd.dir.Kind, dd.dir.Name)
		if err := deleteDir(ctx, a.e.Client, dd.dir.Kind, dd.dir.ID); err != nil {
			return a.e.outcomeOf(err)
		}
		return succeeded()
	})
}

// calls: the undo deletes the groups and divisions a run created once
// they have no members left.
func (deleteCreatedStep) calls() []call {
	return []call{
		planRead(zoom.OpListGroups, ""), planRead(zoom.OpListDivisions, ""),
		planRead(zoom.OpListGroupMembers, ""), planRead(zoom.OpListDivisionMembers, ""),
		on(zoom.OpDeleteGroup, "(undo)"), on(zoom.OpDeleteDivision, "(undo)"),
	}
}

// undoesCreatedDirs: an undo ends with this step when the run created
// groups or divisions.
func (deleteCreatedStep) undoesCreatedDirs() {}

// doc is the kind's row of docs/jobs.md's steps table.
func (deleteCreatedStep) doc() kindDoc {
	return kindDoc{
		order:    190,
		options:  "none; written by the run as the last step of `undo.yaml`",
		call:     "`GET /groups/{id}/members` or `GET /divisions/{id}/users`, then `DELETE /groups/{id}` or `DELETE /divisions/{id}`",
		batching: "one call a group or division the undone run's journal records as created (by ID), when the undo leaves it empty; else `kept` with the reason",
		category: "Light",
	}
}
