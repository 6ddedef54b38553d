package jobs_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// An empty cell never takes anything away from a user who exists: the
// create-users template's License default (Basic) is for the users the run
// creates. An existing Licensed user listed with an empty License keeps
// the license; default_for: all applies the default to everyone.
func TestDefaultsApplyToCreatesOnly(t *testing.T) {
	tmpl, err := os.ReadFile("../../templates/create-users.yaml")
	if err != nil {
		t.Fatal(err)
	}
	input := regexp.MustCompile(`(?m)^input:.*$`)
	rows := [][]string{
		{"grace.hopper@acme.example", "Grace", "Hopper", "", "Engineering"}, // Licensed, empty License
		{"new.hire@acme.example", "New", "Hire", "", "Engineering"},
	}
	for _, tc := range []struct {
		name      string
		defaultTo string // "" keeps the template's
		graceType int
	}{
		{"the template as written", "", 2},
		{"default_for: all", "    default_for: all\n", 1},
	} {
		t.Run(tc.name, zoomtest.Bubble(func(t *testing.T) {
			e := newEnv(t, zoomtest.Options{NoRateLimits: true})
			e.writeCSV("hires.csv", []string{"Email", "First Name", "Last Name", "License", "Group"}, rows)
			job := input.ReplaceAllString(string(tmpl), "input: hires.csv")
			job = regexp.MustCompile(`(?m)^  (dept|job_title|location|division): .*\n`).ReplaceAllString(job, "")
			job = regexp.MustCompile(`(?m)^  - assign_division.*\n`).ReplaceAllString(job, "")
			if tc.defaultTo != "" {
				job = regexp.MustCompile(`(?m)^    default: "1".*\n`).ReplaceAllString(job, "    default: \"1\"\n"+tc.defaultTo)
			}
			if before, _ := e.srv.UserByEmail("grace.hopper@acme.example"); before.Type != 2 {
				t.Fatalf("seed: grace is type %d, want Licensed", before.Type)
			}
			path := e.write("create-users.yaml", job)
			if _, err := e.run(context.Background(), path, filepath.Join(e.dir, "run"), nil); err != nil {
				t.Fatal(err)
			}
			grace, _ := e.srv.UserByEmail("grace.hopper@acme.example")
			hire, ok := e.srv.UserByEmail("new.hire@acme.example")
			if grace.Type != tc.graceType {
				t.Errorf("grace is type %d after the run, want %d", grace.Type, tc.graceType)
			}
			if !ok || hire.Type != 1 {
				t.Errorf("new hire: found %v, type %d; want created as Basic (the default)", ok, hire.Type)
			}
			for _, line := range readResults(t, filepath.Join(e.dir, "run")) {
				if line["zb_status"] == "failed" {
					t.Errorf("%s failed: %s", line["Email"], line["zb_reason"])
				}
			}
		}))
	}
}
