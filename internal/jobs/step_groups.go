package jobs

import (
	"go.yaml.in/yaml/v3"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/mapping"
	"github.com/zoombulk/zoombulk/internal/results"
)

// UpsertGroups makes sure the groups a sheet lists exist: each row is a
// group (not a user); a missing one is created (Create a group, Light,
// 100 a day), an existing one costs nothing.
const UpsertGroups jobfile.StepKind = "upsert_groups"

// UpsertGroupsOptions are upsert_groups' options.
type UpsertGroupsOptions struct {
	Name string // the field holding the group's name (default group)
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
	return []string{s.Options.(*UpsertGroupsOptions).Name}
}

func (upsertGroupsStep) ParseOptions(l *jobfile.Loader, key string, n *yaml.Node) (any, bool) {
	o := &UpsertGroupsOptions{Name: "group"}
	if n == nil {
		return o, true
	}
	ok := true
	isMap := l.Map(n, key, []string{"name"}, func(k string, _, vn *yaml.Node) {
		var good bool
		o.Name, good = l.FieldRef(vn, key+"."+k, func(f mapping.Field) bool { return f.Target == mapping.Group }, "a group field (group)")
		ok = ok && good
	})
	return o, ok && isMap
}

func (upsertGroupsStep) decide(d *decision) {
	want, _ := d.value(d.step.Options.(*UpsertGroupsOptions).Name)
	if _, err := d.e.dir.Group(want); err == nil {
		d.set(results.ActUnchanged)
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

func (upsertGroupsStep) cost(_ *rowRun, st *rowStep) []callCost { return createCost(st) }

func (upsertGroupsStep) apply(a *applier, rows []*rowRun) {
	for _, r := range a.ensureCreated(rows) {
		a.record(r, succeeded())
	}
}
