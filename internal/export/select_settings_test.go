package export

import (
	"errors"
	"slices"
	"testing"

	"github.com/zoombulk/zoombulk/internal/mapping"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// What --settings selects, for export users and export groups: paths with
// or without settings., comma-separated or repeated, in any case, each
// once; all-common for the common ones; lock.… (groups only) and a
// setting's lock beside it; an unknown name is an error naming the
// closest path.
func TestSelectSettings(t *testing.T) {
	names := func(fs []mapping.Field) []string {
		var out []string
		for _, f := range fs {
			out = append(out, f.Name)
		}
		return out
	}
	tests := []struct {
		name        string
		groups      bool
		in          []string
		want        []string // field names, in order
		wantCount   int      // when want is nil: how many
		wantUnknown string   // the name an *UnknownNameError names
	}{
		{name: "comma-separated, repeated, any case, each once",
			in:   []string{"recording.cloud_recording, Settings.In_Meeting.Waiting_Room", "recording.cloud_recording", ""},
			want: []string{"settings.recording.cloud_recording", "settings.in_meeting.waiting_room"}},
		{name: "all-common", in: []string{"all_common"}, wantCount: len(mapping.CommonSettings)},
		{name: "unknown", in: []string{"recording.cloud_recordin"}, wantUnknown: "recording.cloud_recordin"},
		{name: "a lock is not a user setting", in: []string{"lock.recording.cloud_recording"}, wantUnknown: "lock.recording.cloud_recording"},
		{name: "groups: a setting brings its lock", groups: true, in: []string{"recording.cloud_recording"},
			want: []string{"settings.recording.cloud_recording", "lock.recording.cloud_recording"}},
		{name: "groups: a lock alone, then its setting", groups: true, in: []string{"LOCK.recording.cloud_recording,settings.recording.cloud_recording"},
			want: []string{"lock.recording.cloud_recording", "settings.recording.cloud_recording"}},
		{name: "groups: unknown", groups: true, in: []string{"lock.nowhere.nothing"}, wantUnknown: "lock.nowhere.nothing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sel := SelectSettings
			if tt.groups {
				sel = SelectGroupSettings
			}
			got, err := sel(tt.in)
			if tt.wantUnknown != "" {
				var ue *zoom.UnknownNameError
				if !errors.As(err, &ue) || ue.Name != tt.wantUnknown {
					t.Fatalf("err = %v, want an unknown name %q", err, tt.wantUnknown)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tt.want != nil && !slices.Equal(names(got), tt.want):
				t.Errorf("fields %q, want %q", names(got), tt.want)
			case tt.want == nil && len(got) != tt.wantCount:
				t.Errorf("%d fields, want %d", len(got), tt.wantCount)
			}
		})
	}
}
