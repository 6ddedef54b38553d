package jobs_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/zoombulk/zoombulk/internal/zoom"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// How contact_groups decides the rows an admin sees in results.csv, and
// what the account holds after: a group missing under remove_only is left
// alone, a group create_missing does not allow fails its row, and rows
// without a member that each change one thing of a group are carried by
// one update.
func TestContactGroupsDecide(t *testing.T) {
	tests := []struct {
		name    string
		options string // contact_groups' options
		rows    [][]string
		status  []string // zb_status by row
		reason  []string // a part of zb_reason by row
		london  string   // London Office after the run
		updates int      // PATCH /contacts/groups/{groupId} calls
		creates int
	}{
		{
			name: "missing group under remove_only", options: "{ sync: remove_only }",
			rows:   [][]string{{"Nowhere", "alan.turing@acme.example", "", ""}},
			status: []string{"unchanged"}, reason: []string{""},
		},
		{
			name: "create_missing does not allow it", options: "{ create_missing: false }",
			rows:   [][]string{{"Nowhere", "alan.turing@acme.example", "", ""}},
			status: []string{"failed"}, reason: []string{`no contact group named "Nowhere"`},
		},
		{
			name: "two rows, one update", options: "{}",
			rows: [][]string{
				{"London Office", "grace.hopper@acme.example", "private", ""},
				{"London Office", "linus.berg@acme.example", "", "Everyone at King's Cross"},
			},
			status:  []string{"succeeded", "succeeded"},
			reason:  []string{"", ""},
			london:  `privacy=3 description="Everyone at King's Cross"`,
			updates: 1,
		},
		{
			name: "a row without a member, as the group is", options: "{}",
			rows:   [][]string{{"Leadership", "", "", "Heads of department"}},
			status: []string{"unchanged"}, reason: []string{""},
		},
		{
			name: "a row without a member changes the group", options: "{}",
			rows:   [][]string{{"London Office", "", "", "Everyone at King's Cross"}},
			status: []string{"succeeded"}, reason: []string{""},
			london: `privacy=1 description="Everyone at King's Cross"`, updates: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e := newEnv(t, zoomtest.Options{NoRateLimits: true})
				e.writeCSV("contacts.csv", []string{"Contact Group", "Member", "Privacy", "Description"}, tt.rows)
				job := e.write("contacts.yaml", strings.Replace(contactJob, "  - contact_groups\n", "  - contact_groups: "+tt.options+"\n", 1))
				e.srv.ResetStats()
				out := filepath.Join(e.dir, "run")
				if _, err := e.run(context.Background(), job, out, nil); err != nil {
					t.Fatal(err)
				}
				for i, line := range readResults(t, out) {
					if line["zb_status"] != tt.status[i] || !strings.Contains(line["zb_reason"], tt.reason[i]) {
						t.Errorf("row %d: %s (%s), want %s (%q)", i+1, line["zb_status"], line["zb_reason"], tt.status[i], tt.reason[i])
					}
				}
				if tt.london != "" && !strings.HasPrefix(contactState(e.srv)["London Office"], tt.london) {
					t.Errorf("London Office: %s, want %s", contactState(e.srv)["London Office"], tt.london)
				}
				if _, made := contactState(e.srv)["Nowhere"]; made {
					t.Error("the contact group Nowhere was created")
				}
				calls := e.srv.Stats().Calls
				if calls["PATCH /contacts/groups/{groupId}"] != tt.updates || calls["POST /contacts/groups"] != tt.creates {
					t.Errorf("calls %v, want %d update(s), %d create(s)", calls, tt.updates, tt.creates)
				}
			})
		})
	}
}

// The undo of a contact group's privacy that someone changed after the
// run leaves it as found and says conflict with both values; the member
// the run added is still taken out.
func TestUndoLeavesAContactGroupPrivacyChangedSince(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, zoomtest.Options{NoRateLimits: true})
		e.writeCSV("contacts.csv", []string{"Contact Group", "Member", "Privacy", "Description"}, [][]string{
			{"London Office", "grace.hopper@acme.example", "private", ""},
		})
		job := e.write("contacts.yaml", contactJob)
		run := filepath.Join(e.dir, "run")
		if _, err := e.run(context.Background(), job, run, nil); err != nil {
			t.Fatal(err)
		}
		// Someone else opens the group to the account's members.
		var london string
		for _, cg := range e.srv.ContactGroups() {
			if cg.Name == "London Office" {
				london = cg.ID
			}
		}
		members := 2
		if err := e.client.UpdateContactGroup(context.Background(), london, zoom.ContactGroupUpdate{Privacy: &members}); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(run, "undo")
		if _, err := e.undo(context.Background(), run, out, nil); err != nil {
			t.Fatal(err)
		}
		lines := readResults(t, out)
		if len(lines) != 1 || lines[0]["zb_status"] != "conflict" || !strings.Contains(lines[0]["zb_reason"], `found "2"`) || !strings.Contains(lines[0]["zb_reason"], `had set "3"`) {
			t.Errorf("undo rows %v, want one conflict naming privacy 2 found and 3 set", lines)
		}
		if got := contactState(e.srv)["London Office"]; !strings.HasPrefix(got, `privacy=2 description="Everyone in the London office" members=`) {
			t.Errorf("London Office after the undo: %s, want privacy 2 kept", got)
		}
		grace, _ := e.srv.UserByEmail("grace.hopper@acme.example")
		if strings.Contains(contactState(e.srv)["London Office"], grace.ID) {
			t.Error("the undo left grace, the member the run added")
		}
	})
}
