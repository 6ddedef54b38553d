package jobs_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

const settingsJob = `version: 1
input: in.csv
fields:
  email: Email
  settings.recording.cloud_recording: Cloud Recording
  settings.in_meeting.waiting_room: Waiting Room
  settings.recording.auto_recording: Auto Recording
  settings.in_meeting.allow_participants_chat_with: Chat
steps:
  - update_settings
`

func TestUpdateSettingsEndToEnd(t *testing.T) {
	synctest.Test(t, testUpdateSettingsEndToEnd)
}

func testUpdateSettingsEndToEnd(t *testing.T) {
	e := newEnv(t, zoomtest.Options{NoRateLimits: true})
	header := []string{"Email", "Cloud Recording", "Waiting Room", "Auto Recording", "Chat"}
	rows := [][]string{
		// changed: waiting_room false -> true, auto_recording none -> cloud; cloud_recording already true.
		{"grace.hopper@acme.example", "TRUE", "yes", "cloud", ""},
		// unchanged: the seed's defaults.
		{"alan.turing@acme.example", "1", "no", "none", "4"},
		// no settings cell: not even read.
		{"ada.lovelace@acme.example", "", "", "", ""},
		// missing user.
		{"nobody@acme.example", "true", "", "", ""},
		// bad value: auto_recording has no "sometimes".
		{"sam.seller@acme.example", "", "", "sometimes", ""},
		// an integer enum.
		{"kenji.sato@acme.example", "", "", "", "2"},
	}
	e.writeCSV("in.csv", header, rows)
	job := e.write("job.yaml", settingsJob)
	out := filepath.Join(e.dir, "run1")
	if _, err := e.run(context.Background(), job, out, nil); err != nil {
		t.Fatal(err)
	}
	want := []struct{ status, reason string }{
		{"succeeded", ""}, {"unchanged", ""}, {"unchanged", ""},
		{"failed", "no user with this email"}, {"failed", "sometimes"}, {"succeeded", ""},
	}
	res := readResults(t, out)
	for i, w := range want {
		if res[i]["zb_status"] != w.status || !strings.Contains(res[i]["zb_reason"], w.reason) {
			t.Errorf("row %d (%s): %s %q, want %s with %q", i+2, rows[i][0], res[i]["zb_status"], res[i]["zb_reason"], w.status, w.reason)
		}
	}
	st := e.srv.Stats()
	if n := st.Calls["PATCH /users/{userId}/settings"]; n != 2 {
		t.Errorf("%d settings PATCHes, want 2 (the changed rows only); calls %v", n, st.Calls)
	}
	// Read only for the rows with a settings cell and a user: grace, alan, kenji.
	if n := st.Calls["GET /users/{userId}/settings"]; n != 3 {
		t.Errorf("%d settings reads, want 3; calls %v", n, st.Calls)
	}
	s, err := e.client.GetSettings(context.Background(), "grace.hopper@acme.example")
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]any{"in_meeting.waiting_room": true, "recording.auto_recording": "cloud", "recording.cloud_recording": true} {
		if got, _ := s.Get(path); got != want {
			t.Errorf("grace's %s = %v, want %v", path, got, want)
		}
	}
	if s, _ := e.client.GetSettings(context.Background(), "kenji.sato@acme.example"); s != nil {
		if got, _ := s.Get("in_meeting.allow_participants_chat_with"); got != float64(2) {
			t.Errorf("kenji's allow_participants_chat_with = %v, want 2", got)
		}
	}
	changes, err := os.ReadFile(filepath.Join(out, "changes.csv"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"settings.in_meeting.waiting_room,false,true", "settings.recording.auto_recording,none,cloud"} {
		if !strings.Contains(string(changes), line) {
			t.Errorf("changes.csv lacks %q:\n%s", line, changes)
		}
	}
	if strings.Contains(string(changes), "settings.recording.cloud_recording") {
		t.Errorf("changes.csv lists a setting already as asked:\n%s", changes)
	}

	// A rerun finds everything as asked: no write.
	before := writes(e.srv.Stats())
	out2 := filepath.Join(e.dir, "run2")
	if _, err := e.run(context.Background(), job, out2, nil); err != nil {
		t.Fatal(err)
	}
	if got := writes(e.srv.Stats()) - before; got != 0 {
		t.Errorf("the rerun made %d writes, want 0", got)
	}
	for i, r := range readResults(t, out2) {
		if want[i].status == "succeeded" && r["zb_status"] != "unchanged" {
			t.Errorf("rerun row %d: %s, want unchanged", i+2, r["zb_status"])
		}
	}
}

func TestUpdateSettingsRefusesUnknownPaths(t *testing.T) {
	dir := t.TempDir()
	cases := []struct{ field, want string }{
		{"settings.recording.cloud_recordin", "settings.recording.cloud_recording"},
		{"settings.meeting.waiting_room", "settings.in_meeting.waiting_room"},
		{"settings.schedule_meeting.host_vidoe", "settings.schedule_meeting.host_video"},
	}
	for _, c := range cases {
		t.Run(c.field, func(t *testing.T) {
			p := filepath.Join(dir, "job.yaml")
			os.WriteFile(filepath.Join(dir, "in.csv"), []byte("Email,X\n"), 0o644)
			os.WriteFile(p, []byte("version: 1\ninput: in.csv\nfields:\n  email: Email\n  "+c.field+": X\nsteps:\n  - update_settings\n"), 0o644)
			_, err := jobfile.Load(p)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Load: %v, want an error naming %s", err, c.want)
			}
		})
	}
}
