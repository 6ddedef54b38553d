package mapping

import (
	"slices"
	"strconv"
	"strings"

	"github.com/zoombulk/zoombulk/internal/fuzzy"
)

// SettingsPrefix starts every setting field's name: settings.<section>.<key>
// names the leaf <section>.<key> of Get and Update user settings.
const SettingsPrefix = "settings."

// settingDef is one row of settingsTable.
type settingDef struct {
	path   string // section.key
	json   string // boolean, integer, string
	enum   []string
	maxLen int
	doc    string
}

var settingFields, settingByName = func() ([]Field, map[string]int) {
	out := make([]Field, len(settingsTable))
	idx := make(map[string]int, len(settingsTable))
	for i, d := range settingsTable {
		f := Field{Name: SettingsPrefix + d.path, Target: Setting, JSON: d.json, Doc: d.doc + "."}
		switch {
		case d.json == "boolean":
			f.Kind, f.Allowed, f.Labels, f.Aliases = Bool, []string{"true", "false"}, boolLabels, boolAliases
		case len(d.enum) > 0:
			f.Kind, f.Allowed = Enum, d.enum
		case d.json == "integer":
			f.Kind, f.MaxLen = Integer, 9
		default:
			f.Kind, f.MaxLen, f.Clearable = Text, max(d.maxLen, lenURL), true
			if d.maxLen > 0 {
				f.MaxLen = d.maxLen
			}
		}
		out[i], idx[f.Name] = f, i
	}
	return out, idx
}()

// Settings lists the setting fields update_settings supports, in the order
// of the reference's sections.
func Settings() []Field { return slices.Clone(settingFields) }

// SettingPath is a setting field's path in the settings object
// ("recording.cloud_recording"), or "" for other fields.
func (f Field) SettingPath() string {
	if f.Target != Setting {
		return ""
	}
	return strings.TrimPrefix(f.Name, SettingsPrefix)
}

// SuggestSetting gives the supported setting nearest to a misspelt name:
// a near spelling of the whole path, else the same key in another section
// (settings.meeting.waiting_room -> settings.in_meeting.waiting_room), else
// a near spelling of the key alone. "" when none is close.
func SuggestSetting(name string) string {
	names := make([]string, len(settingFields))
	for i, f := range settingFields {
		names[i] = f.Name
	}
	if s := fuzzy.Key(name, names); s != "" {
		return s
	}
	leaf := name[strings.LastIndex(name, ".")+1:]
	leaves := make([]string, len(settingsTable))
	for i, d := range settingsTable {
		leaves[i] = d.path[strings.Index(d.path, ".")+1:]
	}
	if k := fuzzy.Key(leaf, leaves); k != "" {
		// Prefer the section the name gives, when the key is in several.
		sec := strings.TrimPrefix(name, SettingsPrefix)
		sec, _, _ = strings.Cut(sec, ".")
		var first string
		for i, l := range leaves {
			if l != k {
				continue
			}
			if first == "" {
				first = names[i]
			}
			if fuzzy.Key(sec, []string{strings.Split(settingsTable[i].path, ".")[0]}) != "" {
				return names[i]
			}
		}
		return first
	}
	return ""
}

// JSONValue turns a setting's canonical cell text into the JSON value sent
// to Zoom: a bool, an integer or the text.
func (f Field) JSONValue(canonical string) any {
	switch f.JSON {
	case "boolean":
		return canonical == "true"
	case "integer":
		n := 0
		for _, c := range canonical {
			if c < '0' || c > '9' {
				return canonical
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	return canonical
}

// SettingText writes a value read from Get user settings the way a cell
// holds it, so that an export feeds back unchanged and the plan compares
// like with like: true/false, digits, the text.
func SettingText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case bool:
		if x {
			return "true"
		}
		return "false"
	case float64:
		if x == float64(int64(x)) {
			return formatInt(int64(x))
		}
		return fmtFloat(x)
	case string:
		return x
	}
	return ""
}

func formatInt(n int64) string { return strconv.FormatInt(n, 10) }

func fmtFloat(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// CommonSettings is the set "export users --settings all-common" writes:
// the settings admins roll out most (recording, waiting room, sharing,
// chat, video and passcodes at scheduling).
var CommonSettings = []string{
	"recording.cloud_recording", "recording.local_recording", "recording.auto_recording",
	"recording.auto_delete_cmr", "recording.auto_delete_cmr_days",
	"in_meeting.waiting_room", "in_meeting.chat", "in_meeting.private_chat", "in_meeting.screen_sharing",
	"in_meeting.who_can_share_screen", "in_meeting.breakout_room", "in_meeting.co_host",
	"in_meeting.virtual_background", "in_meeting.polling",
	"schedule_meeting.host_video", "schedule_meeting.participants_video", "schedule_meeting.join_before_host",
	"schedule_meeting.require_password_for_scheduled_meetings", "schedule_meeting.audio_type",
}
