package mapping

import (
	"slices"
	"strings"
)

// LockPrefix starts every lock field's name: lock.<section>.<key> names the
// leaf <section>.<key> of Get and Update locked settings of a group (true:
// the group's members cannot change that setting themselves).
const LockPrefix = "lock."

var lockFields, lockByName = func() ([]Field, map[string]int) {
	out := make([]Field, len(lockTable))
	idx := make(map[string]int, len(lockTable))
	for i, p := range lockTable {
		out[i] = Field{Name: LockPrefix + p, Target: Lock, JSON: "boolean", Kind: Bool,
			Allowed: []string{"true", "false"}, Labels: boolLabels, Aliases: boolAliases,
			Doc: "Whether the group's " + p + " setting is locked: its members cannot change it."}
		idx[out[i].Name] = i
	}
	return out, idx
}()

// Locks lists the lock fields update_group_settings supports.
func Locks() []Field { return slices.Clone(lockFields) }

// LockPath is a lock field's path in the locked settings object
// ("recording.cloud_recording"), or "" for other fields.
func (f Field) LockPath() string {
	if f.Target != Lock {
		return ""
	}
	return strings.TrimPrefix(f.Name, LockPrefix)
}

// GroupSetting says whether a group's settings (Update a group's settings)
// take a setting field: most of a user's settings, not all.
func GroupSetting(f Field) bool { return f.Target == Setting && groupSettingPaths[f.SettingPath()] }

// GroupSettings lists the setting fields update_group_settings supports.
func GroupSettings() []Field {
	var out []Field
	for _, f := range settingFields {
		if GroupSetting(f) {
			out = append(out, f)
		}
	}
	return out
}
