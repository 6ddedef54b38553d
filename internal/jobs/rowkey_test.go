package jobs_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// Jobs whose rows are groups name rows by their own fields: no email
// column, duplicates are the same (group, admin) pair, and a job cannot
// mix them with steps whose rows are users.
func TestRowsThatAreNotUsers(t *testing.T) {
	e := newEnv(t, zoomtest.Options{NoRateLimits: true})
	t.Run("mixing user and group steps is a job error", func(t *testing.T) {
		job := e.write("mixed.yaml", `version: 1
input: g.csv
fields: { email: Email, group: Group }
steps:
  - move_group
  - upsert_groups
`)
		_, err := jobfile.Load(job)
		if err == nil || !strings.Contains(err.Error(), "one job cannot run both on the same sheet") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("a groups job needs no email, and marks repeated pairs", func(t *testing.T) {
		e.writeCSV("g.csv", []string{"Group", "Admin"}, [][]string{
			{"Sales", "adam.admin@acme.example"},
			{"sales", "ADAM.admin@acme.example"},
			{"Sales", "olivia.owner@acme.example"},
			{"", "olivia.owner@acme.example"},
		})
		job := e.write("groups.yaml", `version: 1
input: g.csv
fields: { group: Group, email: Admin }
steps:
  - group_admins
`)
		out := filepath.Join(e.dir, "run")
		if _, err := e.run(context.Background(), job, out, nil); err != nil {
			t.Fatal(err)
		}
		lines := readResults(t, out)
		var got []string
		for _, l := range lines {
			got = append(got, l["zb_status"])
		}
		if strings.Join(got, ",") != "failed,failed,succeeded,failed" {
			t.Errorf("statuses %v, want the two same pairs and the row without a group failed", got)
		}
		if !strings.Contains(lines[0]["zb_reason"], "group + email") || !strings.Contains(lines[3]["zb_reason"], "group is empty") {
			t.Errorf("reasons %q / %q", lines[0]["zb_reason"], lines[3]["zb_reason"])
		}
	})
}
