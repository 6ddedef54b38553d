package jobs

import (
	"context"
	"fmt"
	"strings"

	"github.com/zoombulk/zoombulk/internal/results"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// A row of upsert_groups or upsert_divisions with a rename_from cell
// renames: the group or division named rename_from takes the row's name
// (Update a group / Update a division, Light), nothing is created. A rerun
// finds the new name and no old one: unchanged. Both names present, or
// neither, fail the row: the sheet and the account disagree.

// renamePlan is a planned rename.
type renamePlan struct{ id, from, to string }

// decideRename plans a rename when the row has a rename_from cell; it
// reports whether it decided the row.
func decideRename(d *decision, kind, want string) bool {
	from, ok := d.value("rename_from")
	if !ok || strings.TrimSpace(from) == "" {
		return false
	}
	lookup := func(name string) (string, string, error) {
		if kind == "group" {
			g, err := d.e.dir.Group(name)
			return g.ID, g.Name, err
		}
		v, err := d.e.dir.Division(name)
		return v.ID, v.Name, err
	}
	oldID, oldName, oldErr := lookup(from)
	newID, _, newErr := lookup(want)
	switch {
	case oldErr == nil && newErr == nil && oldID == newID && oldName == want:
		d.set(results.ActUnchanged)
	case oldErr == nil && newErr == nil && oldID == newID:
		// Only the case differs: still a rename.
		d.planRename(kind, oldID, oldName, want)
	case oldErr == nil && newErr == nil:
		d.fail(fmt.Sprintf("both %s %q and %q are in the account", kind, oldName, want),
			"delete or rename one of them first, or empty rename_from to leave both")
	case newErr == nil:
		d.set(results.ActUnchanged) // renamed already (a rerun)
	case oldErr != nil:
		d.failErr(oldErr)
		d.st.fail.Reason = fmt.Sprintf("nothing to rename: %s (rename_from)", d.st.fail.Reason)
	default:
		d.planRename(kind, oldID, oldName, want)
	}
	return true
}

func (d *decision) planRename(kind, id, from, to string) {
	d.set(results.ActRename)
	d.st.target, d.st.extra = id, &renamePlan{id: id, from: from, to: to}
	d.change(kind, from, to, "")
}

// applyRenames sends the planned renames and returns the other rows.
func applyRenames(a *applier, rows []*rowRun) []*rowRun {
	var renames, rest []*rowRun
	for _, r := range rows {
		if _, ok := r.steps[a.i].extra.(*renamePlan); ok && r.steps[a.i].action == results.ActRename {
			renames = append(renames, r)
		} else {
			rest = append(rest, r)
		}
	}
	a.perRow(zoom.Light, renames, func(ctx context.Context, r *rowRun, st *rowStep) *results.StepResult {
		p := st.extra.(*renamePlan)
		var err error
		if a.step.Kind == UpsertGroups {
			err = a.e.Client.RenameGroup(ctx, p.id, p.to)
		} else {
			err = a.e.Client.RenameDivision(ctx, p.id, p.to)
		}
		if err != nil {
			return a.e.outcomeOf(err)
		}
		return succeeded()
	})
	return rest
}

// renameCost is a planned rename's call.
func renameCost(st *rowStep) []callCost {
	if _, ok := st.extra.(*renamePlan); ok && st.action == results.ActRename {
		return []callCost{{cat: zoom.Light}}
	}
	return nil
}
