package jobs_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zoombulk/zoombulk/internal/jobs"
	"github.com/zoombulk/zoombulk/internal/sandbox"
	"github.com/zoombulk/zoombulk/internal/zoom"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// readCSVFile reads a run file as maps keyed by header, in file order.
func readCSVFile(t *testing.T, path string) []map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(data), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, rec := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = rec[i]
		}
		out = append(out, m)
	}
	return out
}

const createMissingJob = `version: 1
name: create-missing
input: users.csv
fields: { email: Email, group: Group, division: Division }
steps:
  - move_group: { to: group, create_missing: %[1]s }
  - assign_division: { to: division, create_missing: %[1]s }
`

func TestCreateMissingGroupsAndDivisions(t *testing.T) {
	e := newEnv(t, zoomtest.Options{NoRateLimits: true})
	e.writeCSV("users.csv", []string{"Email", "Group", "Division"}, [][]string{
		{"alan.turing@acme.example", "Platform", "Nordics"},
		{"grace.hopper@acme.example", "platform ", "Nordics"},
		{"sam.seller@acme.example", "Sales", "EMEA"},
		{"priya.patel@acme.example", "Field Ops", "Americas"},
	})
	groupsBefore, divsBefore := len(e.srv.Groups()), len(e.srv.Divisions())

	t.Run("without it an unknown name fails the plan with the closest names", func(t *testing.T) {
		job := e.write("off.yaml", fmt.Sprintf(createMissingJob, "false"))
		out := filepath.Join(e.dir, "off")
		if _, err := e.run(context.Background(), job, out, nil); err != nil {
			t.Fatal(err)
		}
		for _, line := range readResults(t, out) {
			if line["Group"] == "Sales" {
				continue
			}
			if line["zb_status"] != "failed" || !strings.Contains(line["zb_reason"], "no group named") {
				t.Errorf("%s: %s (%s), want a plan failure naming the group", line["Email"], line["zb_status"], line["zb_reason"])
			}
		}
		if len(e.srv.Groups()) != groupsBefore || len(e.srv.Divisions()) != divsBefore {
			t.Fatal("a group or division was created without create_missing")
		}
	})

	job := e.write("on.yaml", fmt.Sprintf(createMissingJob, "true"))
	t.Run("the plan lists each create once per row that needs it", func(t *testing.T) {
		e.srv.ResetStats()
		out := filepath.Join(e.dir, "plan")
		sum, err := e.run(context.Background(), job, out, func(o *jobs.Options) { o.DryRun = true })
		if err != nil {
			t.Fatal(err)
		}
		creates := map[string][]string{} // field/name -> emails
		for _, c := range readCSVFile(t, filepath.Join(out, "changes.csv")) {
			if c["action"] == "create" {
				k := c["field"] + "/" + c["new"]
				creates[k] = append(creates[k], c["email"])
			}
		}
		want := map[string][]string{
			"group/Platform":   {"alan.turing@acme.example", "grace.hopper@acme.example"},
			"group/Field Ops":  {"priya.patel@acme.example"},
			"division/Nordics": {"alan.turing@acme.example", "grace.hopper@acme.example"},
		}
		if fmt.Sprint(creates) != fmt.Sprint(want) {
			t.Errorf("create lines %v, want %v", creates, want)
		}
		// Two group creates and one division create: Light, once each.
		if n := sum.Plan.Calls[zoom.Light]; n != 3 {
			t.Errorf("plan counts %d Light calls, want 3 creates", n)
		}
		if writes(e.srv.Stats()) != 0 {
			t.Fatal("the dry run wrote")
		}
	})

	t.Run("apply creates each once, before the rows", func(t *testing.T) {
		e.srv.ResetStats()
		out := filepath.Join(e.dir, "apply")
		if _, err := e.run(context.Background(), job, out, nil); err != nil {
			t.Fatal(err)
		}
		st := e.srv.Stats()
		if st.Calls["POST /groups"] != 2 || st.Calls["POST /divisions"] != 1 {
			t.Errorf("creates: %d groups, %d divisions, want 2 and 1", st.Calls["POST /groups"], st.Calls["POST /divisions"])
		}
		for _, line := range readResults(t, out) {
			if want := pick(line["Email"] == "sam.seller@acme.example", "unchanged", "succeeded"); line["zb_status"] != want {
				t.Errorf("%s: %s (%s)", line["Email"], line["zb_status"], line["zb_reason"])
			}
		}
		gid := map[string]string{}
		for _, g := range e.srv.Groups() {
			gid[g.Name] = g.ID
		}
		alan, _ := e.srv.UserByEmail("alan.turing@acme.example")
		grace, _ := e.srv.UserByEmail("grace.hopper@acme.example")
		priya, _ := e.srv.UserByEmail("priya.patel@acme.example")
		if alan.GroupIDs[0] != gid["Platform"] || grace.GroupIDs[0] != gid["Platform"] || priya.GroupIDs[0] != gid["Field Ops"] {
			t.Errorf("groups: alan %v grace %v priya %v; Platform %s, Field Ops %s", alan.GroupIDs, grace.GroupIDs, priya.GroupIDs, gid["Platform"], gid["Field Ops"])
		}
	})

	t.Run("rerun is all unchanged with no write", func(t *testing.T) {
		e.srv.ResetStats()
		out := filepath.Join(e.dir, "rerun")
		if _, err := e.run(context.Background(), job, out, nil); err != nil {
			t.Fatal(err)
		}
		for _, line := range readResults(t, out) {
			if line["zb_status"] != "unchanged" {
				t.Errorf("%s: %s (%s), want unchanged", line["Email"], line["zb_status"], line["zb_reason"])
			}
		}
		if n := writes(e.srv.Stats()); n != 0 {
			t.Errorf("rerun wrote %d times", n)
		}
	})
}

// bigSeed is the sample seed with n more users (user000@acme.example ...)
// and divisions extra divisions.
func bigSeed(t *testing.T, n, divisions int) *zoomtest.Seed {
	t.Helper()
	seed, err := zoomtest.LoadSeed("../../samples/sandbox-seed.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		seed.Users = append(seed.Users, sandbox.SeedUser{Email: fmt.Sprintf("user%03d@acme.example", i), FirstName: "User", LastName: fmt.Sprint(i), Type: 1})
	}
	for i := range divisions {
		seed.Divisions = append(seed.Divisions, sandbox.SeedDivision{Name: fmt.Sprintf("Region %03d", i)})
	}
	return seed
}

// Zoom's caps (100 group creations a day, 500 divisions) are checked in
// the plan: the rows past them fail there, before any write.
func TestCreateMissingChecksZoomsCapsInThePlan(t *testing.T) {
	t.Run("100 group creations a day", zoomtest.ParallelBubble(func(t *testing.T) {
		e := newEnv(t, zoomtest.Options{NoRateLimits: true, Seed: bigSeed(t, 101, 0)})
		var rows [][]string
		for i := range 101 {
			rows = append(rows, []string{fmt.Sprintf("user%03d@acme.example", i), fmt.Sprintf("Team %03d", i)})
		}
		e.writeCSV("users.csv", []string{"Email", "Group"}, rows)
		job := e.write("job.yaml", `version: 1
name: caps
input: users.csv
fields: { email: Email, group: Group }
steps:
  - move_group: { to: group, create_missing: true }
`)
		out := filepath.Join(e.dir, "plan")
		if _, err := e.run(context.Background(), job, out, func(o *jobs.Options) { o.DryRun = true }); err != nil {
			t.Fatal(err)
		}
		creates, capped := 0, []string{}
		for _, c := range readCSVFile(t, filepath.Join(out, "changes.csv")) {
			switch {
			case c["action"] == "create":
				creates++
			case c["action"] == "fail" && strings.Contains(c["reason"], "Zoom's daily limit for Create a group"):
				capped = append(capped, c["email"])
			}
		}
		if creates != 100 || fmt.Sprint(capped) != "[user100@acme.example]" {
			t.Errorf("%d creates and capped rows %v, want 100 and the last row", creates, capped)
		}
	}))
	t.Run("500 divisions", zoomtest.ParallelBubble(func(t *testing.T) {
		// The sample has 4 divisions: 495 more leave room for one.
		e := newEnv(t, zoomtest.Options{NoRateLimits: true, Seed: bigSeed(t, 2, 495)})
		e.writeCSV("users.csv", []string{"Email", "Division"}, [][]string{
			{"user000@acme.example", "Nordics"}, {"user001@acme.example", "Benelux"}})
		job := e.write("job.yaml", `version: 1
name: caps
input: users.csv
fields: { email: Email, division: Division }
steps:
  - assign_division: { create_missing: true }
`)
		out := filepath.Join(e.dir, "run")
		if _, err := e.run(context.Background(), job, out, nil); err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, line := range readResults(t, out) {
			got[line["Division"]] = line["zb_status"] + ": " + line["zb_reason"]
		}
		if !strings.HasPrefix(got["Nordics"], "succeeded") || !strings.Contains(got["Benelux"], "Zoom's limit of 500") {
			t.Errorf("results %v, want Nordics created and Benelux failed at the 500-division cap", got)
		}
		if n := len(e.srv.Divisions()); n != 500 {
			t.Errorf("%d divisions, want 500", n)
		}
		if n := e.srv.Stats().Calls["POST /divisions"]; n != 1 {
			t.Errorf("%d division creates, want 1 (the cap is not found mid-run)", n)
		}
	}))
}

func pick[T any](cond bool, yes, no T) T {
	if cond {
		return yes
	}
	return no
}
