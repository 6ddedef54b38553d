package jobs

import (
	"go.yaml.in/yaml/v3"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/mapping"
	"github.com/zoombulk/zoombulk/internal/results"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// UpsertGroups makes sure the groups a sheet lists exist: each row is a
// group (not a user); a missing one is created (Create a group, Light,
// 100 a day), an existing one costs nothing.
const UpsertGroups jobfile.StepKind = "upsert_groups"

// UpsertGroupsOptions are upsert_groups' options.
type UpsertGroupsOptions struct {
	Name string // the field holding the group's name (default group)
	// CreateMissing lists the names created even though they look like
	// another (every other missing name is created unless it does).
	CreateMissing jobfile.CreateMissing
	// RenameFrom is rename_from when the job maps it (step_rename.go).
	RenameFrom string
}

type upsertGroupsStep struct{}

func init() { register(upsertGroupsStep{}) }

func (upsertGroupsStep) Name() jobfile.StepKind                      { return UpsertGroups }
func (upsertGroupsStep) directory() (groups, divs bool)              { return true, false }
func (upsertGroupsStep) userOptional()                               {}
func (upsertGroupsStep) Check(*jobfile.Loader, string, jobfile.Step) {}
func (upsertGroupsStep) RowKey(s jobfile.Step) []string {
	return []string{s.Options.(*UpsertGroupsOptions).Name}
}
func (upsertGroupsStep) Fields(s jobfile.Step) []string {
	o := s.Options.(*UpsertGroupsOptions)
	return []string{o.Name, o.RenameFrom}
}

func (upsertGroupsStep) ParseOptions(l *jobfile.Loader, key string, n *yaml.Node) (any, bool) {
	o := &UpsertGroupsOptions{Name: "group", CreateMissing: jobfile.CreateMissing{All: true}}
	if l.Mapped("rename_from") {
		o.RenameFrom = "rename_from"
	}
	if n == nil {
		return o, true
	}
	ok := true
	isMap := l.Map(n, key, []string{"name", "create_missing"}, func(k string, _, vn *yaml.Node) {
		var good bool
		if k == "create_missing" {
			o.CreateMissing, good = upsertCreateMissing(l, vn, key+"."+k)
		} else {
			o.Name, good = l.FieldRef(vn, key+"."+k, func(f mapping.Field) bool { return f.Target == mapping.Group }, "a group field (group)")
		}
		ok = ok && good
	})
	return o, ok && isMap
}

func (upsertGroupsStep) decide(d *decision) {
	want, _ := d.value(d.step.Options.(*UpsertGroupsOptions).Name)
	if decideRename(d, "group", want) {
		return
	}
	if _, err := d.e.dir.Group(want); err == nil {
		d.set(results.ActUnchanged)
		return
	}
	if d.refuseLookAlike(kindGroup, want, d.step.Options.(*UpsertGroupsOptions).CreateMissing) {
		return
	}
	ne, target, ok := d.planCreate("group", want)
	if !ok {
		return
	}
	d.set(results.ActCreate)
	d.st.extra, d.st.target = ne, target
	d.st.changes = append(d.st.changes, fieldChange{field: "group", new: ne.name, action: results.ActCreate})
}

func (upsertGroupsStep) cost(_ *rowRun, st *rowStep) []callCost {
	if c := renameCost(st); c != nil {
		return c
	}
	return createCost(st)
}

func (upsertGroupsStep) apply(a *applier, rows []*rowRun) {
	for _, r := range a.ensureCreated(applyRenames(a, rows)) {
		a.record(r, succeeded())
	}
}

// upsertCreateMissing reads create_missing of a step that creates every
// missing name by nature (upsert_groups, upsert_divisions): only a list,
// the names created even though they look like another.
func upsertCreateMissing(l *jobfile.Loader, n *yaml.Node, key string) (jobfile.CreateMissing, bool) {
	cm, ok := l.CreateMissing(n, key)
	if ok && len(cm.Names) == 0 {
		l.AddError(n.Line, key, "this step creates every missing name that does not look like another; create_missing lists those that do and are meant",
			`write the names, e.g. create_missing: ["Team A", "Team B"]`)
		return cm, false
	}
	cm.All = true
	return cm, ok
}

func (upsertGroupsStep) calls() []call {
	return []call{planRead(zoom.OpListGroups, ""), on(zoom.OpCreateGroup, ""), on(zoom.OpUpdateGroup, "(`rename_from`)")}
}

// What the step created is deleted by the undo's delete_created step.
func (upsertGroupsStep) createsDirs() {}

func (upsertGroupsStep) runRank() int { return 0 }

// doc is the kind's row of docs/jobs.md's steps table.
func (upsertGroupsStep) doc() kindDoc {
	return kindDoc{
		order:    120,
		options:  "`name: group`; `create_missing: [names]`; a mapped `rename_from` field renames the group it names to the row's name (`PATCH /groups/{id}`; never creates; a rerun is `unchanged`; also on `upsert_divisions`)",
		call:     "`POST /groups` for each missing group (once, however many rows name it)",
		batching: "one call a new group; 100 creations a day, 5,000 groups (checked in the plan)",
		category: "Light",
	}
}

// creates: every row names a group, created when the account lacks it.
func (upsertGroupsStep) creates(s jobfile.Step) (kind, field string, cm jobfile.CreateMissing, ok bool) {
	o := s.Options.(*UpsertGroupsOptions)
	return kindGroup, o.Name, o.CreateMissing, true
}
