package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/zoombulk/zoombulk/internal/jobs"
	"github.com/zoombulk/zoombulk/internal/results"
	"github.com/zoombulk/zoombulk/internal/sandbox"
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
	synctest.Test(t, testContactGroupsCreateUpdateAndBatchMembers)
}

func testContactGroupsCreateUpdateAndBatchMembers(t *testing.T) {
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

// contactState is every contact group as an admin would compare them:
// name, privacy, description and members in any order.
func contactState(srv *zoomtest.Server) map[string]string {
	out := map[string]string{}
	for _, cg := range srv.ContactGroups() {
		ids := slices.Clone(cg.MemberIDs)
		slices.Sort(ids)
		out[cg.Name] = fmt.Sprintf("privacy=%d description=%q members=%v", cg.Privacy, cg.Description, ids)
	}
	return out
}

// Issue 15: exact sync of contact groups takes out the members no row
// lists (counted against max_removals), and the run's undo puts every
// contact group back: members, description, and the group it created.
func TestContactGroupsExactSyncAndUndo(t *testing.T) {
	synctest.Test(t, testContactGroupsExactSyncAndUndo)
}

func testContactGroupsExactSyncAndUndo(t *testing.T) {
	e := newEnv(t, zoomtest.Options{NoRateLimits: true})
	ctx := context.Background()
	start := contactState(e.srv)
	e.writeCSV("contacts.csv", []string{"Contact Group", "Member", "Privacy", "Description"}, [][]string{
		// Leadership has olivia, adam, frank and the Sales group.
		{"Leadership", "olivia.owner@acme.example", "", ""},
		{"Leadership", "grace.hopper@acme.example", "", ""},
		{"London Office", "sam.seller@acme.example", "", "London people"},
		{"Paris Office", "maria.garcia@acme.example", "public", "New"},
		{"Paris Office", "kenji.sato@acme.example", "", ""},
	})
	sync := strings.Replace(contactJob, "  - contact_groups\n", "  - contact_groups: { sync: exact }\n", 1)
	job := e.write("contacts.yaml", sync+"limits:\n  max_removals: 6\n")
	stopped, err := e.run(ctx, job, filepath.Join(e.dir, "stopped"), nil)
	if !errors.Is(err, jobs.ErrAborted) || !strings.Contains(stopped.Aborted, "max_removals") {
		t.Fatalf("err %v, aborted %q: want a stop at max_removals (7 removals)", err, stopped.Aborted)
	}
	if n := writes(e.srv.Stats()); n != 0 {
		t.Fatalf("the stopped run wrote %d calls", n)
	}

	// max_removals: 7 allows them (without a limit, the default of 10 %
	// of each contact group's members would stop the run).
	job = e.write("contacts.yaml", sync+"limits:\n  max_removals: 7\n")
	e.srv.ResetStats()
	run := filepath.Join(e.dir, "run")
	sum, err := e.run(ctx, job, run, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Leadership loses adam, frank and Sales; London keeps only sam.
	if n := sum.Plan.Removals[results.RemoveContactMember]; n != 7 {
		t.Errorf("the plan counts %d member removals, want 7", n)
	}
	st := e.srv.Stats()
	if st.Calls["DELETE /contacts/groups/{groupId}/members"] != 2 || st.Calls["POST /contacts/groups/{groupId}/members"] != 3 || st.Calls["POST /contacts/groups"] != 1 {
		t.Errorf("calls %v: want 2 removal calls (one per group), 3 adds, 1 create", st.Calls)
	}
	after := contactState(e.srv)
	lead := e.srv.ContactGroups()[slices.IndexFunc(e.srv.ContactGroups(), func(cg sandbox.ContactGroup) bool { return cg.Name == "Leadership" })]
	if len(lead.MemberIDs) != 2 {
		t.Errorf("Leadership after exact sync: %s, want olivia and grace", after["Leadership"])
	}
	changes, _ := os.ReadFile(filepath.Join(run, "changes.csv"))
	if got := strings.Count(string(changes), results.RemoveContactMember); got != 7 {
		t.Errorf("changes.csv lists %d member removals, want 7:\n%s", got, changes)
	}

	if _, err := e.undo(ctx, run, filepath.Join(run, "undo"), nil); err != nil {
		t.Fatal(err)
	}
	if d := diffState(start, contactState(e.srv)); len(d) > 0 {
		data, _ := os.ReadFile(filepath.Join(run, "undo.csv"))
		t.Errorf("after undo:\n%s\nundo.csv:\n%s", strings.Join(d, "\n"), data)
	}
	before := writes(e.srv.Stats())
	if _, err := e.undo(ctx, run, filepath.Join(run, "undo2"), nil); err != nil {
		t.Fatal(err)
	}
	if n := writes(e.srv.Stats()) - before; n != 0 {
		t.Errorf("a second undo spent %d write calls", n)
	}
}

// A contact group the run created and someone has since given a member of
// their own is kept by the undo, and its row says kept and why; the run's
// member goes.
func TestUndoKeepsACreatedContactGroupGivenOtherMembers(t *testing.T) {
	synctest.Test(t, testUndoKeepsACreatedContactGroupGivenOtherMembers)
}

func testUndoKeepsACreatedContactGroupGivenOtherMembers(t *testing.T) {
	e := newEnv(t, zoomtest.Options{NoRateLimits: true})
	ctx := context.Background()
	e.writeCSV("contacts.csv", []string{"Contact Group", "Member", "Privacy", "Description"}, [][]string{
		{"Paris Office", "maria.garcia@acme.example", "", ""},
	})
	run := filepath.Join(e.dir, "run")
	if _, err := e.run(ctx, e.write("contacts.yaml", contactJob), run, nil); err != nil {
		t.Fatal(err)
	}
	paris := func() *sandbox.ContactGroup {
		for _, cg := range e.srv.ContactGroups() {
			if cg.Name == "Paris Office" {
				return &cg
			}
		}
		return nil
	}
	kenji, _ := e.srv.UserByEmail("kenji.sato@acme.example")
	if _, err := e.client.AddContactGroupMembers(ctx, paris().ID, []zoom.ContactGroupMember{{ID: kenji.ID, Type: 1}}); err != nil {
		t.Fatal(err)
	}
	undo := filepath.Join(run, "undo")
	if _, err := e.undo(ctx, run, undo, nil); err != nil {
		t.Fatal(err)
	}
	if g := paris(); g == nil || !slices.Equal(g.MemberIDs, []string{kenji.ID}) {
		t.Fatalf("Paris Office after the undo: %+v, want kept with kenji alone", g)
	}
	lines := readResults(t, undo)
	if len(lines) != 1 || lines[0]["zb_status"] != "kept" || !strings.Contains(lines[0]["zb_reason"], "members the run did not add") {
		t.Errorf("undo results %v, want one kept row saying why", lines)
	}
}
