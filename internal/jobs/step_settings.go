package jobs

import (
	"context"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/mapping"
	"github.com/zoombulk/zoombulk/internal/results"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// UpdateSettings sets the user settings the job maps as
// settings.<section>.<key> fields (PATCH /users/{id}/settings, Medium),
// sending only the keys that differ from what Get user settings reads.
const UpdateSettings jobfile.StepKind = "update_settings"

// SettingsOptions are update_settings' options: the setting fields it sets.
type SettingsOptions struct {
	Fields []string // mapped settings.* fields, in job order
}

type settingsStep struct{}

func init() { register(settingsStep{}) }

func (settingsStep) Name() jobfile.StepKind { return UpdateSettings }

func isSetting(f mapping.Field) bool { return f.Target == mapping.Setting }

func (settingsStep) ParseOptions(l *jobfile.Loader, key string, n *yaml.Node) (any, bool) {
	fields, ok := parseFieldList(l, key, n, fieldList{
		accept:   isSetting,
		nothing:  "update_settings has nothing to set: the job maps no settings.* field",
		hint:     "map a setting under fields, e.g. settings.recording.cloud_recording: Cloud Recording",
		example:  "e.g. update_settings: [ settings.recording.cloud_recording ], or a bare update_settings for every mapped setting",
		takes:    "update_settings takes a list of setting fields, not %s",
		what:     "a setting (settings.<section>.<key>)",
		unmapped: "setting %s is not mapped to a column",
	})
	if !ok {
		return nil, false
	}
	return &SettingsOptions{Fields: fields}, true
}

// fieldList is how a step that takes a list of fields of one kind
// (update_settings, update_group_settings) says it: bare, every mapped
// field accept takes; else a list of mapped such fields.
type fieldList struct {
	accept                                        func(mapping.Field) bool
	nothing, hint, example, takes, what, unmapped string
}

// parseFieldList reads such a step's options: the fields, in job order.
func parseFieldList(l *jobfile.Loader, key string, n *yaml.Node, fl fieldList) ([]string, bool) {
	var fields []string
	if n == nil {
		for _, s := range l.Job().Fields {
			if f, _ := mapping.Lookup(s.Field); fl.accept(f) {
				fields = append(fields, f.Name)
			}
		}
		if len(fields) == 0 {
			l.AddError(l.StepLine(), key, fl.nothing, fl.hint)
			return nil, false
		}
		return fields, true
	}
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		l.Errorf(n, key, fl.example, fl.takes, jobfile.KindName(n))
		return nil, false
	}
	ok := true
	for _, item := range n.Content {
		name, good := l.FieldRef(jobfile.ResolveAlias(item), key, fl.accept, fl.what)
		if good && !l.Mapped(name) {
			l.Errorf(item, key, "map it under fields: "+name+": <column>", fl.unmapped, name)
			good = false
		}
		if good {
			fields = append(fields, name)
		}
		ok = ok && good
	}
	return fields, ok
}

func (settingsStep) Fields(s jobfile.Step) []string { return s.Options.(*SettingsOptions).Fields }

func (settingsStep) Check(*jobfile.Loader, string, jobfile.Step) {}

// rowSettings is a row's settings as Get user settings answered them.
type rowSettings struct{ zoom.Settings }

// prepare reads the settings of the rows that have a settings cell (Get
// user settings, Medium): rows with none cost no read.
func (settingsStep) prepare(ctx context.Context, e *engine, i int, rows []*rowRun) error {
	o := e.steps[i].Options.(*SettingsOptions)
	var need []*rowRun
	for _, r := range rows {
		if r.user == nil || r.steps[i].result != nil {
			continue
		}
		for _, f := range o.Fields {
			if _, ok := r.value(f); ok {
				need = append(need, r)
				break
			}
		}
	}
	return e.forRows(ctx, need, zoom.Medium, func(ctx context.Context, r *rowRun) error {
		s, err := e.Client.GetSettings(ctx, r.ref().Key())
		if err != nil {
			return err
		}
		r.steps[i].extra = &rowSettings{s}
		return nil
	})
}

func (settingsStep) decide(d *decision) {
	o := d.step.Options.(*SettingsOptions)
	cur, _ := d.st.extra.(*rowSettings)
	d.st.patch = map[string]any{}
	for _, name := range o.Fields {
		want, ok := d.value(name)
		if !ok {
			continue // an empty cell leaves the setting as it is
		}
		f, _ := mapping.Lookup(name)
		path := f.SettingPath()
		have := "(not read)"
		switch {
		case d.created:
			have = "(new user)"
		case cur != nil:
			v, found := cur.Get(path)
			if found && strings.EqualFold(mapping.SettingText(v), want) {
				continue
			}
			have = pick(found, mapping.SettingText(v), "(not set)")
		}
		// Keyed by field (as every step's patch is, so an undo can drop a
		// conflicting field); apply sends the settings' paths.
		d.st.patch[name] = f.JSONValue(want)
		d.change(name, have, want, "")
		if cur != nil && !d.created {
			if v, found := cur.Get(path); found {
				d.undoable(name, mapping.SettingText(v), want)
			}
		}
	}
	d.set(pick(len(d.st.patch) > 0, results.ActUpdate, results.ActUnchanged))
}

// undoFields: an undo puts settings back with update_settings.
func (settingsStep) undoFields() []string {
	var out []string
	for _, f := range mapping.Settings() {
		out = append(out, f.Name)
	}
	return out
}

func (settingsStep) undoStep(jobfile.Step, []string) string { return "update_settings" }

func (settingsStep) cost(_ *rowRun, st *rowStep) []callCost {
	if st.action == results.ActUpdate {
		return []callCost{{cat: zoom.Medium}}
	}
	return nil
}

func (settingsStep) apply(a *applier, rows []*rowRun) {
	a.perRow(zoom.Medium, rows, func(ctx context.Context, r *rowRun, st *rowStep) *results.StepResult {
		byPath := make(map[string]any, len(st.patch))
		for name, v := range st.patch {
			f, _ := mapping.Lookup(name)
			byPath[f.SettingPath()] = v
		}
		if err := a.e.Client.UpdateSettings(ctx, r.ref().Key(), byPath); err != nil {
			return a.e.outcomeOf(err)
		}
		return succeeded()
	})
}

func (settingsStep) calls() []call {
	return []call{planRead(zoom.OpGetUserSettings, ""), on(zoom.OpUpdateUserSettings, "")}
}

func (settingsStep) targets() []mapping.Target { return []mapping.Target{mapping.Setting} }
func (settingsStep) setRank() int              { return 3 }

// doc is the kind's row of docs/jobs.md's steps table.
func (settingsStep) doc() kindDoc {
	return kindDoc{
		order:    70,
		options:  "bare: every mapped `settings.*` field; or a list `[settings.recording.cloud_recording, ...]`",
		call:     "`PATCH /users/{id}/settings`",
		batching: "one row a call, only the settings that differ",
		category: "Medium",
	}
}
