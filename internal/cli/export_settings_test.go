package cli

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// Export users with setting columns → change one setting cell → an
// update_settings job mapping the export's own headers → run: exactly that
// setting is sent, and a second export shows only that change.
func TestExportSettingsRoundTrip(t *testing.T) { synctest.Test(t, testExportSettingsRoundTrip) }

func testExportSettingsRoundTrip(t *testing.T) {
	srv := exportMemSandbox(t, zoomtest.Options{})
	dir := t.TempDir()
	first, second := filepath.Join(dir, "users.csv"), filepath.Join(dir, "after.csv")
	zoomEnv := exportEnv(srv, "")
	flags := []string{"--tier", "business", "--share", "1"}
	exportArgs := func(out string) []string {
		return append([]string{"export", "users", "-o", out, "--fields", "email,first_name",
			"--settings", "recording.cloud_recording,in_meeting.waiting_room", "--settings", "schedule_meeting.audio_type"}, flags...)
	}
	r := runExportCLI(t, &IO{Getenv: zoomEnv}, nil, exportArgs(first)...)
	if r.code != ExitOK {
		t.Fatalf("export: exit %d\n%s", r.code, r.stderr)
	}
	before := exportReadCSV(t, first)
	wantHeader := []string{"Email", "First Name", "settings.recording.cloud_recording", "settings.in_meeting.waiting_room", "settings.schedule_meeting.audio_type"}
	if !slices.Equal(before[0], wantHeader) {
		t.Fatalf("header %q, want %q", before[0], wantHeader)
	}
	const who = "alan.turing@acme.example"
	var b strings.Builder
	w := csv.NewWriter(&b)
	for _, row := range before {
		if row[0] == who {
			if row[3] != "false" {
				t.Fatalf("%s's waiting room is %q", who, row[3])
			}
			row = slices.Clone(row)
			row[3] = "TRUE" // as Excel writes it
		}
		w.Write(row)
	}
	w.Flush()
	if err := os.WriteFile(filepath.Join(dir, "edited.csv"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	job := filepath.Join(dir, "settings.yaml")
	if err := os.WriteFile(job, []byte(`version: 1
input: edited.csv
fields:
  email: Email
  settings.recording.cloud_recording: settings.recording.cloud_recording
  settings.in_meeting.waiting_room: settings.in_meeting.waiting_room
  settings.schedule_meeting.audio_type: settings.schedule_meeting.audio_type
steps: [update_settings]
`), 0o644); err != nil {
		t.Fatal(err)
	}
	r = runExportCLI(t, &IO{Getenv: zoomEnv}, nil, append([]string{"run", job, "--yes", "--out", filepath.Join(dir, "run")}, flags...)...)
	if r.code != ExitOK {
		t.Fatalf("run: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if n := srv.Stats().Calls["PATCH /users/{userId}/settings"]; n != 1 {
		t.Errorf("%d settings PATCHes, want 1 (the edited row)", n)
	}
	r = runExportCLI(t, &IO{Getenv: zoomEnv}, nil, exportArgs(second)...)
	if r.code != ExitOK {
		t.Fatalf("second export: exit %d\n%s", r.code, r.stderr)
	}
	after := exportReadCSV(t, second)
	var diffs []string
	for i := range before {
		for j := range before[i] {
			if before[i][j] != after[i][j] {
				diffs = append(diffs, before[i][0]+" "+before[0][j]+": "+before[i][j]+" -> "+after[i][j])
			}
		}
	}
	if want := []string{who + " settings.in_meeting.waiting_room: false -> true"}; !slices.Equal(diffs, want) {
		t.Errorf("changes between the exports: %q, want %q", diffs, want)
	}

	// A misspelt setting is a usage error naming the closest one, before any call.
	r = runExportCLI(t, &IO{Getenv: zoomEnv}, nil, append([]string{"export", "users", "-o", filepath.Join(dir, "x.csv"), "--settings", "meeting.waiting_room"}, flags...)...)
	if r.code != ExitUsage || !strings.Contains(r.stderr, "in_meeting.waiting_room") {
		t.Errorf("exit %d, stderr %q: want a usage error suggesting in_meeting.waiting_room", r.code, r.stderr)
	}
	// all-common writes the documented set.
	r = runExportCLI(t, &IO{Getenv: zoomEnv}, nil, append([]string{"export", "users", "-o", filepath.Join(dir, "common.csv"), "--fields", "email", "--settings", "all-common"}, flags...)...)
	if r.code != ExitOK {
		t.Fatalf("all-common: exit %d\n%s", r.code, r.stderr)
	}
	if h := exportReadCSV(t, filepath.Join(dir, "common.csv"))[0]; len(h) < 15 || !slices.Contains(h, "settings.recording.auto_recording") {
		t.Errorf("all-common header %q", h)
	}
}
