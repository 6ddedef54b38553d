package jobs_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zoombulk/zoombulk/internal/jobs"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// TestStepKindsByAccountState runs each step kind alone against one row per
// account state and checks the row's status, its reason and the calls the
// row cost. Every kind fails a user the account does not have, with no call
// (create creates it; delete has nothing to do).
func TestStepKindsByAccountState(t *testing.T) {
	type state struct {
		name   string
		email  string
		cells  map[string]string // column -> cell; empty columns leave a field alone
		status string            // zb_status
		reason string            // a part of zb_reason
		writes int               // write calls the row costs
	}
	const missing = "nobody@acme.example"
	kinds := []struct {
		kind   string
		step   string
		states []state
	}{
		{"create_users", "create_users: { if_exists: update }", []state{
			{"missing", missing, map[string]string{"First": "No", "Last": "Body", "License": "1"}, "succeeded", "", 1},
			{"as asked", "grace.hopper@acme.example", map[string]string{"First": "Grace", "Last": "Hopper", "License": "2"}, "unchanged", "", 0},
			{"different", "linus.berg@acme.example", map[string]string{"First": "Linus", "Last": "Berg", "License": "2"}, "succeeded", "", 1},
		}},
		{"update_users", "update_users", []state{
			{"missing", missing, map[string]string{"Dept": "X"}, "failed", "no user with this email", 0},
			{"pending", "nina.newhire@acme.example", map[string]string{"Dept": "Elsewhere"}, "failed", "pending", 0},
			{"pending as asked", "nina.newhire@acme.example", map[string]string{"Dept": "Engineering"}, "unchanged", "", 0},
			{"deactivated", "fatima.okafor@acme.example", map[string]string{"Dept": "Moved"}, "succeeded", "", 1},
			{"as asked", "grace.hopper@acme.example", map[string]string{"Dept": "Engineering"}, "unchanged", "", 0},
			{"different", "alan.turing@acme.example", map[string]string{"Dept": "Research"}, "succeeded", "", 1},
		}},
		{"set_status", "set_status", []state{
			{"missing", missing, map[string]string{"Status": "inactive"}, "failed", "no user with this email", 0},
			{"pending", "nina.newhire@acme.example", map[string]string{"Status": "inactive"}, "failed", "pending", 0},
			{"deactivated", "fatima.okafor@acme.example", map[string]string{"Status": "active"}, "succeeded", "", 1},
			{"as asked", "grace.hopper@acme.example", map[string]string{"Status": "active"}, "unchanged", "", 0},
			{"owner", "olivia.owner@acme.example", map[string]string{"Status": "active"}, "unchanged", "", 0},
		}},
		{"update_features", "update_features: [ user_type ]", []state{
			{"missing", missing, map[string]string{"Seat": "2"}, "failed", "no user with this email", 0},
			{"as asked", "grace.hopper@acme.example", map[string]string{"Seat": "2"}, "unchanged", "", 0},
			{"different", "linus.berg@acme.example", map[string]string{"Seat": "2"}, "succeeded", "", 1},
		}},
		{"move_group", "move_group", []state{
			{"missing", missing, map[string]string{"Group": "Sales"}, "failed", "no user with this email", 0},
			{"unknown group", "grace.hopper@acme.example", map[string]string{"Group": "Salse"}, "failed", `no group named "Salse"`, 0},
			{"as asked", "grace.hopper@acme.example", map[string]string{"Group": "Engineering"}, "unchanged", "", 0},
			{"different", "sam.seller@acme.example", map[string]string{"Group": "Marketing"}, "succeeded", "", 1},
		}},
		{"assign_division", "assign_division", []state{
			{"missing", missing, map[string]string{"Division": "EMEA"}, "failed", "no user with this email", 0},
			{"as asked", "grace.hopper@acme.example", map[string]string{"Division": "Americas"}, "unchanged", "", 0},
			{"different", "kenji.sato@acme.example", map[string]string{"Division": "EMEA"}, "succeeded", "", 1},
		}},
		{"update_settings", "update_settings", []state{
			{"missing", missing, map[string]string{"WR": "yes"}, "failed", "no user with this email", 0},
			{"as asked", "grace.hopper@acme.example", map[string]string{"WR": "FALSE"}, "unchanged", "", 0},
			{"different", "alan.turing@acme.example", map[string]string{"WR": "1"}, "succeeded", "", 1},
		}},
		{"change_email", "change_email", []state{
			{"missing", missing, map[string]string{"NewEmail": "x@acme.example"}, "failed", "no user with this email", 0},
			{"as asked", "grace.hopper@acme.example", map[string]string{"NewEmail": "grace.hopper@acme.example"}, "unchanged", "", 0},
			{"taken", "alan.turing@acme.example", map[string]string{"NewEmail": "grace.hopper@acme.example"}, "failed", "already used", 0},
			{"different", "alan.turing@acme.example", map[string]string{"NewEmail": "alan@acme.example"}, "succeeded", "", 1},
		}},
		{"revoke_sso_token", "revoke_sso_token", []state{
			{"missing", missing, nil, "failed", "no user with this email", 0},
			{"pending", "nina.newhire@acme.example", nil, "unchanged", "", 0},
			{"active", "grace.hopper@acme.example", nil, "succeeded", "", 1},
		}},
		{"move_group create_missing", "move_group: { create_missing: true }", []state{
			{"unknown group", "grace.hopper@acme.example", map[string]string{"Group": "Platform"}, "succeeded", "", 2},
			{"as asked", "grace.hopper@acme.example", map[string]string{"Group": "Engineering"}, "unchanged", "", 0},
		}},
		{"assign_division create_missing", "assign_division: { create_missing: true }", []state{
			{"unknown division", "kenji.sato@acme.example", map[string]string{"Division": "Nordics"}, "succeeded", "", 2},
		}},
		// Rows that are groups or divisions: the Email column, when the
		// step reads it, is a group admin.
		{"upsert_groups", "upsert_groups", []state{
			{"missing", "", map[string]string{"Group": "Platform"}, "succeeded", "", 1},
			{"as asked", "", map[string]string{"Group": "sales"}, "unchanged", "", 0},
		}},
		{"upsert_divisions", "upsert_divisions", []state{
			{"missing", "", map[string]string{"Division": "Nordics"}, "succeeded", "", 1},
			{"as asked", "", map[string]string{"Division": "EMEA"}, "unchanged", "", 0},
		}},
		{"group_admins", "group_admins", []state{
			{"missing user", missing, map[string]string{"Group": "Sales"}, "failed", "no user with this email", 0},
			{"unknown group", "grace.hopper@acme.example", map[string]string{"Group": "Salse"}, "failed", `no group named "Salse"`, 0},
			{"different", "grace.hopper@acme.example", map[string]string{"Group": "Sales"}, "succeeded", "", 1},
		}},
		{"delete_users", "delete_users", []state{
			{"missing", missing, nil, "unchanged", "", 0},
			{"present", "dan.dormant@acme.example", nil, "succeeded", "", 1},
		}},
	}
	header := []string{"Email", "First", "Last", "License", "Dept", "Status", "Group", "Division", "Seat", "WR", "NewEmail"}
	for _, k := range kinds {
		for _, s := range k.states {
			t.Run(k.kind+"/"+s.name, zoomtest.ParallelBubble(func(t *testing.T) {
				e := newEnv(t, zoomtest.Options{NoRateLimits: true})
				row := []string{s.email}
				for _, h := range header[1:] {
					row = append(row, s.cells[h])
				}
				e.writeCSV("in.csv", header, [][]string{row})
				job := e.write("job.yaml", `version: 1
input: in.csv
fields:
  email: Email
  first_name: First
  last_name: Last
  type: License
  dept: Dept
  status: Status
  group: Group
  division: Division
  user_type: Seat
  settings.in_meeting.waiting_room: WR
  new_email: NewEmail
steps:
  - `+k.step+"\n")
				before := writes(e.srv.Stats())
				out := filepath.Join(e.dir, "run")
				if _, err := e.run(context.Background(), job, out, func(o *jobs.Options) { o.AllowDelete = true }); err != nil {
					t.Fatal(err)
				}
				line := readResults(t, out)[0]
				if line["zb_status"] != s.status || !strings.Contains(line["zb_reason"], s.reason) {
					t.Errorf("%s: %s (%q), want %s with %q", s.email, line["zb_status"], line["zb_reason"], s.status, s.reason)
				}
				if got := writes(e.srv.Stats()) - before; got != s.writes {
					t.Errorf("%d write calls, want %d", got, s.writes)
				}
			}))
		}
	}
}
