package cli

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// The samples of the settings, email and offboarding steps (run by
// TestSamples).

func testOffboardingTransferSample(t *testing.T) {
	s := runSample(t, "samples/offboarding/transfer.yaml", "--allow-delete")
	if s.res.code != ExitOK {
		t.Fatalf("exit %d\n%s", s.res.code, s.res.stderr)
	}
	for _, who := range []string{"priya.patel", "tom.nguyen", "omar.haddad"} {
		if got := s.byEmail[who+"@acme.example"]["zb_status"]; got != "succeeded" {
			t.Errorf("%s: %s", who, got)
		}
		if _, ok := s.srv.UserByEmail(who + "@acme.example"); ok {
			t.Errorf("%s is still in the account", who)
		}
	}
	// Every leaver is signed out (Zoom cannot say who has a session); omar
	// was inactive already, so only two status changes.
	w := s.writes()
	if w["DELETE /users/{userId}/token"] != 3 || w["PUT /users/{userId}/status"] != 2 || w["DELETE /users/{userId}"] != 3 {
		t.Errorf("writes %v", w)
	}
	moved := map[string][]string{}
	for _, tr := range s.srv.Transfers() {
		moved[tr.FromEmail] = tr.What
		if tr.FromEmail == "priya.patel@acme.example" && tr.ToEmail != "sam.seller@acme.example" {
			t.Errorf("priya's data went to %s", tr.ToEmail)
		}
	}
	for _, what := range []string{"meeting", "webinar", "recording", "whiteboard", "clipfiles", "notes", "docs", "visitors"} {
		if !slices.Contains(moved["priya.patel@acme.example"], what) {
			t.Errorf("priya's %s was not transferred: %v", what, moved["priya.patel@acme.example"])
		}
	}
}

func testRecordingPolicySample(t *testing.T) {
	s := runSample(t, "samples/recording-policy/job.yaml")
	if s.res.code != ExitOK {
		t.Fatalf("exit %d\n%s", s.res.code, s.res.stderr)
	}
	// The sandbox's defaults: cloud recording on, auto recording none,
	// waiting room off, host video on.
	want := map[string]string{"grace.hopper": "succeeded", "alan.turing": "succeeded", "sam.seller": "unchanged",
		"maria.garcia": "unchanged", "kenji.sato": "succeeded"}
	for who, st := range want {
		if got := s.byEmail[who+"@acme.example"]["zb_status"]; got != st {
			t.Errorf("%s: %s (%s), want %s", who, got, s.byEmail[who+"@acme.example"]["zb_reason"], st)
		}
	}
	if w := s.writes(); len(w) != 1 || w["PATCH /users/{userId}/settings"] != 3 {
		t.Errorf("writes %v", w)
	}
	c := zoomtest.NewClient(t, s.srv, nil)
	set, err := c.GetSettings(context.Background(), "kenji.sato@acme.example")
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := set.Get("recording.auto_recording"); v != "local" {
		t.Errorf("kenji's auto_recording is %v", v)
	}
	if v, _ := set.Get("schedule_meeting.host_video"); v != false {
		t.Errorf("kenji's host_video is %v", v)
	}
}

func testDomainRenameSample(t *testing.T) {
	s := runSample(t, "samples/domain-rename/job.yaml")
	if s.res.code != ExitOK {
		t.Fatalf("exit %d\n%s", s.res.code, s.res.stderr)
	}
	for _, who := range []string{"mark.eting", "chloe.dubois", "wei.chen", "helen.hr"} {
		if got := s.byEmail[who+"@acme.example"]["zb_status"]; got != "succeeded" {
			t.Errorf("%s: %s (%s)", who, got, s.byEmail[who+"@acme.example"]["zb_reason"])
		}
		u := s.user(t, who+"@acme-corp.example")
		if who != "helen.hr" && !slices.ContainsFunc(u.GroupIDs, func(id string) bool { return s.groupName(id) == "Marketing" }) {
			t.Errorf("%s is not in Marketing: %v", who, u.GroupIDs)
		}
	}
	if w := s.writes(); w["PUT /users/{userId}/email"] != 4 {
		t.Errorf("writes %v", w)
	}
	if !strings.Contains(s.res.stdout+s.res.stderr, "undoing a rename") {
		t.Errorf("the plan does not warn about the daily limit:\n%s", s.res.stdout)
	}
}
