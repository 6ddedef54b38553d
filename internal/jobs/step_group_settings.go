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

// UpdateGroupSettings sets a group's settings (settings.<section>.<key>
// fields, PATCH /groups/{id}/settings, Medium) and locks them
// (lock.<section>.<key> fields, PATCH /groups/{id}/lock_settings, Medium):
// each row is a group. Both are read once a group and only the paths that
// differ are sent, so a rerun sends nothing.
const UpdateGroupSettings jobfile.StepKind = "update_group_settings"

// removeUnlock is the removal a lock turned off counts as: the group's
// members may change that setting again, which is taking a policy away.
const removeUnlock = "setting unlock"

// GroupSettingsOptions are update_group_settings' options.
type GroupSettingsOptions struct {
	Group  string   // the field holding the group (group)
	Fields []string // mapped settings.* and lock.* fields, in job order
}

type groupSettingsStep struct{}

func init() { register(groupSettingsStep{}) }

func (groupSettingsStep) Name() jobfile.StepKind                      { return UpdateGroupSettings }
func (groupSettingsStep) directory() (groups, divs bool)              { return true, false }
func (groupSettingsStep) userOptional()                               {}
func (groupSettingsStep) Check(*jobfile.Loader, string, jobfile.Step) {}
func (groupSettingsStep) RowKey(s jobfile.Step) []string {
	return []string{s.Options.(*GroupSettingsOptions).Group}
}
func (groupSettingsStep) Fields(s jobfile.Step) []string {
	o := s.Options.(*GroupSettingsOptions)
	return append([]string{o.Group}, o.Fields...)
}

// isGroupPolicy says whether a field is one update_group_settings sets.
func isGroupPolicy(f mapping.Field) bool { return mapping.GroupSetting(f) || f.Target == mapping.Lock }

func (groupSettingsStep) ParseOptions(l *jobfile.Loader, key string, n *yaml.Node) (any, bool) {
	fields, ok := parseFieldList(l, key, n, fieldList{
		accept:   isGroupPolicy,
		nothing:  "update_group_settings has nothing to set: the job maps no settings.* or lock.* field a group takes",
		hint:     "map one under fields, e.g. settings.recording.cloud_recording: Cloud Recording, lock.recording.cloud_recording: Locked",
		example:  "e.g. update_group_settings: [ settings.recording.cloud_recording, lock.recording.cloud_recording ], or a bare update_group_settings for every mapped one",
		takes:    "update_group_settings takes a list of settings.* and lock.* fields, not %s",
		what:     "a group setting (settings.<section>.<key>) or lock (lock.<section>.<key>)",
		unmapped: "%s is not mapped to a column",
	})
	if !ok {
		return nil, false
	}
	return &GroupSettingsOptions{Group: "group", Fields: fields}, true
}

// groupPolicy is a group's settings and locks as read, changed by the
// rows planned so far (two rows of one group see each other's changes).
type groupPolicy struct {
	settings, locks zoom.Settings
}

// prepare reads the settings (when a settings.* field is mapped) and the
// locks (when a lock.* field is) of every group the rows name, once a
// group: Get a group's settings and Get locked settings, Medium.
func (groupSettingsStep) prepare(ctx context.Context, e *engine, i int, rows []*rowRun) error {
	o := e.steps[i].Options.(*GroupSettingsOptions)
	var wantSettings, wantLocks bool
	for _, name := range o.Fields {
		if strings.HasPrefix(name, mapping.LockPrefix) {
			wantLocks = true
		} else {
			wantSettings = true
		}
	}
	seen := map[string]bool{}
	var ids []string
	for _, r := range rows {
		if r.steps[i].result != nil {
			continue
		}
		name, _ := r.value(o.Group)
		if g, err := e.dir.Group(name); err == nil && !seen[g.ID] {
			seen[g.ID] = true
			ids = append(ids, g.ID)
		}
	}
	byID := map[string]*groupPolicy{}
	var mu sync.Mutex
	err := readEach(ctx, e.concurrency(zoom.Medium), ids, func(id string) error {
		gp := &groupPolicy{}
		var err error
		if wantSettings {
			if gp.settings, err = e.Client.GetGroupSettings(ctx, id); err != nil {
				return fmt.Errorf("reading the settings of group %s: %w", e.dir.GroupName(id), err)
			}
		}
		if wantLocks {
			if gp.locks, err = e.Client.GetGroupLockSettings(ctx, id); err != nil {
				return fmt.Errorf("reading the locked settings of group %s: %w", e.dir.GroupName(id), err)
			}
		}
		mu.Lock()
		byID[id] = gp
		mu.Unlock()
		return nil
	})
	// Every row of a group shares its policy: decide (one row after
	// another) changes it, so a later row of the group sees what an
	// earlier one leaves.
	for _, r := range rows {
		name, _ := r.value(o.Group)
		if g, gerr := e.dir.Group(name); gerr == nil && byID[g.ID] != nil && r.steps[i].result == nil {
			r.steps[i].extra = byID[g.ID]
		}
	}
	return err
}

func (groupSettingsStep) decide(d *decision) {
	o := d.step.Options.(*GroupSettingsOptions)
	name, _ := d.value(o.Group)
	g, err := d.e.dir.Group(name)
	if err != nil {
		d.failErr(err)
		return
	}
	d.st.target = g.ID
	cur, _ := d.st.extra.(*groupPolicy)
	if cur == nil {
		d.fail("the settings of group "+g.Name+" were not read", "run it again")
		return
	}
	d.st.patch = map[string]any{}
	for _, field := range o.Fields {
		want, ok := d.value(field)
		if !ok {
			continue // an empty cell leaves the setting (or lock) as it is
		}
		f, _ := mapping.Lookup(field)
		src, path := cur.settings, f.SettingPath()
		if f.Target == mapping.Lock {
			src, path = cur.locks, f.LockPath()
		}
		v, found := src.Get(path)
		have := pick(found, mapping.SettingText(v), "(not set)")
		if found && strings.EqualFold(have, want) {
			continue
		}
		removal := ""
		if f.Target == mapping.Lock && have == "true" && want == "false" {
			removal = removeUnlock
		}
		jv := f.JSONValue(want)
		d.st.patch[field] = jv // keyed by field, so an undo can drop a conflicting one
		if src != nil {
			src.Set(path, jv) // the next row of the same group compares with what this row leaves
		}
		d.change(field, have, want, removal)
		if found {
			d.undoable(field, have, want)
		}
	}
	d.set(pick(len(d.st.patch) > 0, results.ActUpdate, results.ActUnchanged))
}

// An undo puts back the settings and locks found, with this step. Settings
// fields also name update_settings' columns: ownsUndoCol claims them for
// this kind's undo job (its rows are groups, never users).
func (groupSettingsStep) undoFields() []string {
	var out []string
	for _, f := range mapping.Locks() {
		out = append(out, f.Name)
	}
	return out
}

func (groupSettingsStep) ownsUndoCol(col string) bool {
	f, ok := mapping.Lookup(col)
	return ok && isGroupPolicy(f)
}

func (groupSettingsStep) undoStep(jobfile.Step, []string) string { return string(UpdateGroupSettings) }

func (groupSettingsStep) cost(_ *rowRun, st *rowStep) []callCost {
	if st.action != results.ActUpdate {
		return nil
	}
	var settings, locks bool
	for field := range st.patch {
		f, _ := mapping.Lookup(field)
		locks = locks || f.Target == mapping.Lock
		settings = settings || f.Target != mapping.Lock
	}
	var out []callCost
	for _, has := range []bool{settings, locks} {
		if has {
			out = append(out, callCost{cat: zoom.Medium})
		}
	}
	return out
}

func (groupSettingsStep) apply(a *applier, rows []*rowRun) {
	a.perRow(zoom.Medium, rows, func(ctx context.Context, r *rowRun, st *rowStep) *results.StepResult {
		// Rebuilt from the patch: an undo may have dropped conflicting fields.
		settings, locks := map[string]any{}, map[string]any{}
		for field, v := range st.patch {
			f, _ := mapping.Lookup(field)
			if f.Target == mapping.Lock {
				locks[f.LockPath()] = v
			} else {
				settings[f.SettingPath()] = v
			}
		}
		// Settings first: a lock then holds the value just set.
		if len(settings) > 0 {
			if err := a.e.Client.UpdateGroupSettings(ctx, st.target, settings); err != nil {
				return a.e.outcomeOf(err)
			}
		}
		if len(locks) > 0 {
			if err := a.e.Client.UpdateGroupLockSettings(ctx, st.target, locks); err != nil {
				return a.e.outcomeOf(err)
			}
		}
		return succeeded()
	})
}

func (groupSettingsStep) calls() []call {
	return []call{
		planRead(zoom.OpListGroups, ""), planRead(zoom.OpGetGroupSettings, ""), planRead(zoom.OpGetGroupLocks, ""),
		on(zoom.OpUpdateGroupSettings, ""), on(zoom.OpUpdateGroupLocks, ""),
	}
}

// doc is the kind's row of docs/jobs.md's steps table.
func (groupSettingsStep) doc() kindDoc {
	return kindDoc{
		order:    200,
		options:  "rows are groups (`group`); bare: every mapped `settings.*` field a group takes and every `lock.*` field (`lock.recording.cloud_recording: true` locks it for the group's members); or a list",
		call:     "`GET /groups/{id}/settings` and `GET /groups/{id}/lock_settings` (plan, once a group), `PATCH /groups/{id}/settings`, `PATCH /groups/{id}/lock_settings`",
		batching: "one call of each a group, only the paths that differ; a lock turned off counts as a removal",
		category: "Medium",
	}
}
