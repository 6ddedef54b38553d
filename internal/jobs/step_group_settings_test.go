package jobs_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/zoombulk/zoombulk/internal/export"
	"github.com/zoombulk/zoombulk/internal/zoom"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// groupPolicyState reads, per group, the settings and locks a policy sheet
// touches, through the API (what an admin would see in the web portal).
func groupPolicyState(t *testing.T, e *env, groups []string, settings, locks []string) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	for _, g := range e.srv.Groups() {
		want := false
		for _, n := range groups {
			want = want || n == g.Name
		}
		if !want {
			continue
		}
		s, err := e.client.GetGroupSettings(ctx, g.ID)
		if err != nil {
			t.Fatal(err)
		}
		l, err := e.client.GetGroupLockSettings(ctx, g.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range settings {
			out[g.Name+" settings."+p] = leaf(s, p)
		}
		for _, p := range locks {
			out[g.Name+" lock."+p] = leaf(l, p)
		}
	}
	return out
}

func leaf(s zoom.Settings, path string) string {
	v, ok := s.Get(path)
	if !ok {
		return "(absent)"
	}
	switch x := v.(type) {
	case bool:
		if x {
			return "true"
		}
		return "false"
	case string:
		return x
	}
	return "?"
}

func TestGroupPolicyAppliedRerunAndUndone(t *testing.T) {
	synctest.Test(t, testGroupPolicyAppliedRerunAndUndone)
}

func testGroupPolicyAppliedRerunAndUndone(t *testing.T) {
	e := newEnv(t, zoomtest.Options{NoRateLimits: true})
	ctx := context.Background()
	// Support starts with cloud recording locked (someone locked it by
	// hand): the sheet unlocks it, which is a removal of a policy.
	for _, g := range e.srv.Groups() {
		if g.Name == "Support" {
			if err := e.client.UpdateGroupLockSettings(ctx, g.ID, map[string]any{"recording.local_recording": true}); err != nil {
				t.Fatal(err)
			}
		}
	}
	groups := []string{"Sales", "Support", "Finance"}
	settings := []string{"recording.cloud_recording", "recording.auto_recording", "in_meeting.waiting_room"}
	locks := []string{"recording.cloud_recording", "recording.local_recording", "in_meeting.waiting_room"}
	start := groupPolicyState(t, e, groups, settings, locks)

	e.writeCSV("policy.csv", []string{"Group", "Cloud Recording", "Auto Recording", "Lock Cloud", "Waiting Room", "Lock Waiting", "Lock Local"}, [][]string{
		{"Sales", "true", "cloud", "yes", "", "", ""},
		{"Support", "true", "", "true", "", "", "false"},
		{"Finance", "", "", "", "on", "true", ""},
		{"Nowhere", "true", "", "", "", "", ""},
	})
	job := e.write("policy.yaml", `version: 1
name: group-policy
input: policy.csv
fields:
  group: Group
  settings.recording.cloud_recording: Cloud Recording
  settings.recording.auto_recording: Auto Recording
  settings.in_meeting.waiting_room: Waiting Room
  lock.recording.cloud_recording: Lock Cloud
  lock.in_meeting.waiting_room: Lock Waiting
  lock.recording.local_recording: Lock Local
steps:
  - update_group_settings
`)
	e.srv.ResetStats()
	run := filepath.Join(e.dir, "run")
	sum, err := e.run(ctx, job, run, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := sum.Plan.Removals["setting unlock"]; got != 1 {
		t.Errorf("the plan counted %d unlocks, want 1 (Support's local recording): %v", got, sum.Plan.Removals)
	}
	st := e.srv.Stats()
	// Sales: auto_recording (cloud_recording is already on) + a lock;
	// Support: a lock call (lock cloud, unlock local); Finance: waiting room + lock.
	if st.Calls["PATCH /groups/{groupId}/settings"] != 2 || st.Calls["PATCH /groups/{groupId}/lock_settings"] != 3 {
		t.Errorf("calls %v, want 2 settings and 3 lock PATCHes", st.Calls)
	}
	status := map[string]string{}
	for _, l := range readResults(t, run) {
		status[l["Group"]] = l["zb_status"]
	}
	if status["Sales"] != "succeeded" || status["Support"] != "succeeded" || status["Finance"] != "succeeded" || status["Nowhere"] != "failed" {
		t.Errorf("statuses %v", status)
	}
	var changed int
	for _, c := range readCSVFile(t, filepath.Join(run, "changes.csv")) {
		if c["field"] != "" && c["action"] == "update" {
			changed++
		}
	}
	if changed != 6 {
		t.Errorf("changes.csv has %d changed paths, want 6 (one line each)", changed)
	}
	after := groupPolicyState(t, e, groups, settings, locks)
	for k, want := range map[string]string{
		"Sales settings.recording.auto_recording": "cloud", "Sales lock.recording.cloud_recording": "true",
		"Support lock.recording.cloud_recording": "true", "Support lock.recording.local_recording": "false",
		"Finance settings.in_meeting.waiting_room": "true", "Finance lock.in_meeting.waiting_room": "true",
		"Sales settings.in_meeting.waiting_room": "false",
	} {
		if after[k] != want {
			t.Errorf("after the run %s = %s, want %s", k, after[k], want)
		}
	}

	e.srv.ResetStats()
	if _, err := e.run(ctx, job, filepath.Join(e.dir, "rerun"), nil); err != nil {
		t.Fatal(err)
	}
	if n := writes(e.srv.Stats()); n != 0 {
		t.Errorf("the rerun wrote %d times: %v", n, e.srv.Stats().Calls)
	}

	if _, err := e.undo(ctx, run, filepath.Join(e.dir, "undo"), nil); err != nil {
		t.Fatal(err)
	}
	end := groupPolicyState(t, e, groups, settings, locks)
	for k, v := range start {
		if end[k] != v {
			t.Errorf("after the undo %s = %s, want %s as at the start", k, end[k], v)
		}
	}
}

// TestGroupSettingsExportRoundTrip: export groups --settings writes the
// columns an update_group_settings job maps; run back unedited it sends
// nothing, and an edited cell sends exactly that change.
func TestGroupSettingsExportRoundTrip(t *testing.T) {
	synctest.Test(t, testGroupSettingsExportRoundTrip)
}

func testGroupSettingsExportRoundTrip(t *testing.T) {
	e := newEnv(t, zoomtest.Options{NoRateLimits: true})
	ctx := context.Background()
	csvPath := filepath.Join(e.dir, "groups.csv")
	if _, err := export.GroupSettings(ctx, e.client, csvPath, []string{"all-common"}); err != nil {
		t.Fatal(err)
	}
	rows := readCSVFile(t, csvPath)
	if len(rows) != len(e.srv.Groups()) {
		t.Fatalf("%d rows, want one per group (%d)", len(rows), len(e.srv.Groups()))
	}
	var fields strings.Builder
	var cols []string
	for col := range rows[0] {
		cols = append(cols, col)
	}
	slices.Sort(cols)
	for _, col := range cols {
		field := col
		if col == "Group" {
			field = "group"
		}
		fmt.Fprintf(&fields, "  %s: %q\n", field, col)
	}
	if !slices.Contains(cols, "lock.recording.cloud_recording") || !slices.Contains(cols, "settings.in_meeting.waiting_room") {
		t.Fatalf("columns %v lack a setting or its lock", cols)
	}
	job := e.write("back.yaml", "version: 1\nname: back\ninput: groups.csv\nfields:\n"+fields.String()+"steps:\n  - update_group_settings\n")
	e.srv.ResetStats()
	if _, err := e.run(ctx, job, filepath.Join(e.dir, "back"), nil); err != nil {
		t.Fatal(err)
	}
	if n := writes(e.srv.Stats()); n != 0 {
		t.Errorf("the unedited export run back wrote %d times: %v", n, e.srv.Stats().Calls)
	}

	// Edit one cell: lock Finance's waiting room.
	data, err := os.ReadFile(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(data), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := slices.Index(recs[0], "lock.in_meeting.waiting_room")
	for _, r := range recs[1:] {
		if r[0] == "Finance" {
			r[col] = "true"
		}
	}
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.WriteAll(recs)
	if err := os.WriteFile(csvPath, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	e.srv.ResetStats()
	if _, err := e.run(ctx, job, filepath.Join(e.dir, "edited"), nil); err != nil {
		t.Fatal(err)
	}
	if st := e.srv.Stats(); writes(st) != 1 || st.Calls["PATCH /groups/{groupId}/lock_settings"] != 1 {
		t.Errorf("the edited export sent %v, want one lock PATCH", st.Calls)
	}
	if got := groupPolicyState(t, e, []string{"Finance"}, nil, []string{"in_meeting.waiting_room"}); got["Finance lock.in_meeting.waiting_room"] != "true" {
		t.Errorf("Finance's waiting room lock is %v, want true", got)
	}
}
