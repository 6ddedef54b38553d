package jobs_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/zoombulk/zoombulk/internal/zoom"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

const contactJob = `version: 1
name: contacts
input: contacts.csv
fields:
  contact_group: Contact Group
  member: Member
  privacy: Privacy
  description: Description
steps:
  - contact_groups
`

func TestContactGroupsCreateUpdateAndBatchMembers(t *testing.T) {
	e := newEnv(t, zoomtest.Options{NoRateLimits: true, Seed: bigSeed(t, 120, 0)})
	var rows [][]string
	for i := range 120 {
		p, d := "", ""
		if i == 0 {
			p, d = "members", "Everyone in Berlin"
		}
		rows = append(rows, []string{"Berlin Office", fmt.Sprintf("user%03d@acme.example", i), p, d})
	}
	rows = append(rows,
		[]string{"London Office", "alan.turing@acme.example", "private", ""}, // a member already
		[]string{"london office", "grace.hopper@acme.example", "", ""},
		[]string{"London Office", "Sales", "", ""},
		[]string{"London Office", "nobody@acme.example", "", ""},
		[]string{"London Office", "Salse", "", ""},
	)
	e.writeCSV("contacts.csv", []string{"Contact Group", "Member", "Privacy", "Description"}, rows)
	job := e.write("contacts.yaml", contactJob)

	e.srv.ResetStats()
	out := filepath.Join(e.dir, "first")
	sum, err := e.run(context.Background(), job, out, nil)
	if err != nil {
		t.Fatal(err)
	}
	// One create, one update; 120 users in 3 calls (50, 50, 20) and
	// grace in a fourth; the user group in its own call.
	if n := sum.Plan.Calls[zoom.Heavy]; n != 7 {
		t.Errorf("the plan counts %d Heavy calls, want 7", n)
	}
	st := e.srv.Stats()
	if st.Calls["POST /contacts/groups"] != 1 || st.Calls["PATCH /contacts/groups/{groupId}"] != 1 || st.Calls["POST /contacts/groups/{groupId}/members"] != 5 {
		t.Errorf("calls %v: want 1 create, 1 update, 5 member adds (3 for Berlin's 120)", st.Calls)
	}
	failed := 0
	for _, line := range readResults(t, out) {
		switch line["Member"] {
		case "nobody@acme.example", "Salse":
			failed++
			if line["zb_status"] != "failed" {
				t.Errorf("%s: %s, want failed", line["Member"], line["zb_status"])
			}
		case "alan.turing@acme.example":
			if line["zb_status"] != "succeeded" { // the privacy update rides on this row
				t.Errorf("alan: %s (%s)", line["zb_status"], line["zb_reason"])
			}
		default:
			if line["zb_status"] != "succeeded" {
				t.Errorf("%s/%s: %s (%s)", line["Contact Group"], line["Member"], line["zb_status"], line["zb_reason"])
			}
		}
	}
	byName := map[string]int{}
	for i, cg := range e.srv.ContactGroups() {
		byName[cg.Name] = i
	}
	cgs := e.srv.ContactGroups()
	berlin, london := cgs[byName["Berlin Office"]], cgs[byName["London Office"]]
	if len(berlin.MemberIDs) != 120 || berlin.Privacy != 2 || berlin.Description != "Everyone in Berlin" {
		t.Errorf("Berlin: %d members, privacy %d, %q", len(berlin.MemberIDs), berlin.Privacy, berlin.Description)
	}
	if len(london.MemberIDs) != 6 || london.Privacy != 3 {
		t.Errorf("London: %d members (want the 4 seeded + grace + Sales), privacy %d", len(london.MemberIDs), london.Privacy)
	}

	e.srv.ResetStats()
	out = filepath.Join(e.dir, "rerun")
	if _, err := e.run(context.Background(), job, out, nil); err != nil {
		t.Fatal(err)
	}
	for _, line := range readResults(t, out) {
		if line["zb_status"] != "unchanged" && line["zb_status"] != "failed" {
			t.Errorf("rerun %s/%s: %s (%s)", line["Contact Group"], line["Member"], line["zb_status"], line["zb_reason"])
		}
	}
	if n := writes(e.srv.Stats()); n != 0 {
		t.Errorf("rerun wrote: %v", e.srv.Stats().Calls)
	}
}
