package jobs

import (
	"context"

	"go.yaml.in/yaml/v3"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/mapping"
	"github.com/zoombulk/zoombulk/internal/results"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// UpsertDivisions makes sure the divisions a sheet lists exist with their
// descriptions: each row is a division (not a user). A missing one is
// created (Create a division, Light; 500 a account), a description that
// differs is updated (Update a division, Light), the rest cost nothing.
const UpsertDivisions jobfile.StepKind = "upsert_divisions"

// UpsertDivisionsOptions are upsert_divisions' options.
type UpsertDivisionsOptions struct {
	Name        string // the field holding the division's name (default division)
	Description string // the field holding its description (default description, when mapped)
	// CreateMissing lists the names created even though they look like
	// another (every other missing name is created unless it does).
	CreateMissing jobfile.CreateMissing
	// RenameFrom is rename_from when the job maps it (step_rename.go).
	RenameFrom string
}

type upsertDivisionsStep struct{}

func init() { register(upsertDivisionsStep{}) }

func (upsertDivisionsStep) Name() jobfile.StepKind         { return UpsertDivisions }
func (upsertDivisionsStep) directory() (groups, divs bool) { return false, true }
func (upsertDivisionsStep) userOptional()                  {}
func (upsertDivisionsStep) RowKey(s jobfile.Step) []string {
	return []string{s.Options.(*UpsertDivisionsOptions).Name}
}

func (upsertDivisionsStep) Fields(s jobfile.Step) []string {
	o := s.Options.(*UpsertDivisionsOptions)
	return []string{o.Name, o.Description, o.RenameFrom}
}

// Check picks up a mapped description field when the step names none.
func (upsertDivisionsStep) Check(l *jobfile.Loader, _ string, s jobfile.Step) {
	if o := s.Options.(*UpsertDivisionsOptions); o.Description == "" && l.Mapped("description") {
		o.Description = "description"
	}
}

func (upsertDivisionsStep) ParseOptions(l *jobfile.Loader, key string, n *yaml.Node) (any, bool) {
	o := &UpsertDivisionsOptions{Name: "division", CreateMissing: jobfile.CreateMissing{All: true}}
	if l.Mapped("rename_from") {
		o.RenameFrom = "rename_from"
	}
	if n == nil {
		return o, true
	}
	ok := true
	isMap := l.Map(n, key, []string{"name", "description", "create_missing"}, func(k string, _, vn *yaml.Node) {
		var good bool
		switch k {
		case "create_missing":
			o.CreateMissing, good = upsertCreateMissing(l, vn, key+"."+k)
		case "name":
			o.Name, good = l.FieldRef(vn, key+"."+k, func(f mapping.Field) bool { return f.Target == mapping.Division }, "a division field (division)")
		case "description":
			o.Description, good = l.FieldRef(vn, key+"."+k, func(f mapping.Field) bool { return f.Target == mapping.Description }, "a description field (description)")
		}
		ok = ok && good
	})
	return o, ok && isMap
}

func (upsertDivisionsStep) decide(d *decision) {
	o := d.step.Options.(*UpsertDivisionsOptions)
	want, _ := d.value(o.Name)
	desc, hasDesc := "", false
	if o.Description != "" {
		desc, hasDesc = d.value(o.Description)
	}
	if decideRename(d, "division", want) {
		return
	}
	div, err := d.e.dir.Division(want)
	if err == nil {
		if !hasDesc || desc == div.Description {
			d.set(results.ActUnchanged)
			return
		}
		d.set(results.ActUpdate)
		d.st.target, d.st.from = div.ID, desc
		d.change("description", div.Description, desc, "")
		return
	}
	if d.e.dir.NoDivisions {
		d.fail("divisions are not available on this account", "turn divisions on in the account's settings, or remove this step")
		return
	}
	if d.refuseLookAlike(kindDivision, want, o.CreateMissing) {
		return
	}
	ne, target, ok := d.planCreate("division", want)
	if !ok {
		return
	}
	if hasDesc && ne.description == "" {
		ne.description = desc
	}
	d.set(results.ActCreate)
	d.st.extra, d.st.target = ne, target
	d.st.changes = append(d.st.changes, fieldChange{field: "division", new: ne.name, action: results.ActCreate})
	if hasDesc && desc != "" {
		d.change("description", "", desc, "")
	}
}

func (upsertDivisionsStep) cost(_ *rowRun, st *rowStep) []callCost {
	if st.action == results.ActUpdate {
		return []callCost{{cat: zoom.Light}}
	}
	if c := renameCost(st); c != nil {
		return c
	}
	return createCost(st)
}

func (upsertDivisionsStep) apply(a *applier, rows []*rowRun) {
	var updates []*rowRun
	for _, r := range a.ensureCreated(applyRenames(a, rows)) {
		if r.steps[a.i].action == results.ActUpdate {
			updates = append(updates, r)
		} else {
			a.record(r, succeeded())
		}
	}
	a.perRow(zoom.Light, updates, func(ctx context.Context, r *rowRun, st *rowStep) *results.StepResult {
		if err := a.e.Client.UpdateDivision(ctx, st.target, st.from); err != nil {
			return a.e.outcomeOf(err)
		}
		return succeeded()
	})
}

func (upsertDivisionsStep) calls() []call {
	return []call{planRead(zoom.OpListDivisions, ""), on(zoom.OpCreateDivision, ""), on(zoom.OpUpdateDivision, "(description, `rename_from`)")}
}

// What the step created is deleted by the undo's delete_created step.
func (upsertDivisionsStep) createsDirs() {}

func (upsertDivisionsStep) runRank() int { return 0 }

// doc is the kind's row of docs/jobs.md's steps table.
func (upsertDivisionsStep) doc() kindDoc {
	return kindDoc{
		order:    130,
		options:  "`name: division`; `description: description` when mapped; `create_missing: [names]`",
		call:     "`POST /divisions` (missing), `PATCH /divisions/{id}` (description differs)",
		batching: "one call a division; 500 divisions (checked in the plan)",
		category: "Light",
	}
}

// creates: every row names a division, created when the account lacks it.
func (upsertDivisionsStep) creates(s jobfile.Step) (kind, field string, cm jobfile.CreateMissing, ok bool) {
	o := s.Options.(*UpsertDivisionsOptions)
	return kindDivision, o.Name, o.CreateMissing, true
}
