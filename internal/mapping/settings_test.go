package mapping

import (
	"testing"
)

func TestSettingFields(t *testing.T) {
	if len(Settings()) < 100 {
		t.Fatalf("%d settings, want the reference's scalar leaves (100+)", len(Settings()))
	}
	for _, f := range Settings() {
		got, ok := Lookup(f.Name)
		if !ok || got.Name != f.Name || got.Target != Setting || f.SettingPath() == "" {
			t.Errorf("Lookup(%q) = %v, %v", f.Name, got.Name, ok)
		}
		if (f.Kind == Enum || f.Kind == Bool) && len(f.Allowed) == 0 {
			t.Errorf("%s: enum without values", f.Name)
		}
		if f.Doc == "" {
			t.Errorf("%s: no doc", f.Name)
		}
	}
	cases := []struct {
		field, cell string
		want        any
		bad         bool
	}{
		{"settings.recording.cloud_recording", "TRUE", true, false},
		{"settings.recording.cloud_recording", "yes", true, false},
		{"settings.recording.cloud_recording", "0", false, false},
		{"settings.recording.cloud_recording", "No", false, false},
		{"settings.recording.cloud_recording", "maybe", nil, true},
		{"settings.recording.auto_recording", "Cloud", "cloud", false},
		{"settings.recording.auto_recording", "sometimes", nil, true},
		{"settings.in_meeting.allow_participants_chat_with", "3", 3, false},
		{"settings.in_meeting.allow_participants_chat_with", "7", nil, true},
		{"settings.schedule_meeting.audio_type", "thirdparty", "thirdParty", false},
	}
	for _, c := range cases {
		f, ok := Lookup(c.field)
		if !ok {
			t.Fatalf("%s unknown", c.field)
		}
		v, p := f.Canonical(c.cell)
		if (p != nil) != c.bad {
			t.Errorf("%s %q: problem %v, want bad=%v", c.field, c.cell, p, c.bad)
			continue
		}
		if !c.bad && f.JSONValue(v) != c.want {
			t.Errorf("%s %q -> %#v, want %#v", c.field, c.cell, f.JSONValue(v), c.want)
		}
	}
	for name, want := range map[string]string{
		"settings.recording.cloud_recordng": "settings.recording.cloud_recording",
		"settings.meeting.waiting_room":     "settings.in_meeting.waiting_room",
		"settings.in_meeting.nothing_alike": "",
	} {
		if got := Suggest(name); got != want {
			t.Errorf("Suggest(%q) = %q, want %q", name, got, want)
		}
	}
	if SettingText(float64(90)) != "90" || SettingText(true) != "true" || SettingText("cloud") != "cloud" {
		t.Error("SettingText does not write values as cells hold them")
	}
}
