package jobs_test

import (
	"cmp"
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/zoombulk/zoombulk/internal/jobs"
	"github.com/zoombulk/zoombulk/internal/results"
	"github.com/zoombulk/zoombulk/internal/zoom"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// TestPlanReadsOnlyWhatPays counts the calls an update_users job spends:
// fields no answer carries cost no read (the PATCH goes out with them,
// "(not compared)"), rows already as asked in listed fields cost nothing,
// fields only Get a user carries are read by look-ups alone (no listing)
// and compared, and the listing's pages are counted with the page size
// Zoom grants.
func TestPlanReadsOnlyWhatPays(t *testing.T) {
	cases := []struct {
		name   string
		opts   zoomtest.Options
		rows   int                                // the last active users the file names
		fields []string                           // the job's fields besides email
		cell   func(zoomtest.User, string) string // a row's value of a field
		// want: users read with Get a user, PATCHes sent, and whether the
		// changes are sent without reading (else compared: from -> to).
		gets, patches int
		blind         bool
		noListing     bool // look-ups alone find the rows
	}{
		{
			name: "fields no answer carries are sent without reading", rows: 10,
			fields: []string{"about_me"}, cell: fixed,
			patches: 10, blind: true,
		},
		{
			name: "listed fields already as asked cost nothing", rows: 10,
			fields: []string{"first_name", "dept"}, cell: asIs,
		},
		{
			name: "100 users: job_title and pronouns are looked up and compared", opts: zoomtest.Options{Users: 100}, rows: 100,
			fields: []string{"job_title", "pronouns"}, cell: fixed,
			gets: 100, patches: 100, noListing: true,
		},
		{
			name: "100 users: job_title already as asked costs the look-ups, no write", opts: zoomtest.Options{Users: 100}, rows: 100,
			fields: []string{"job_title"}, cell: asIs,
			gets: 100, noListing: true,
		},
		{
			name: "small pages, many rows: the whole listing", opts: zoomtest.Options{Users: 100, UserPageSize: 20}, rows: 40,
			fields: []string{"dept"}, cell: fixed,
			patches: 40,
		},
		{
			name: "small pages, few rows: look-ups after the first pages", opts: zoomtest.Options{Users: 300, UserPageSize: 20}, rows: 5,
			fields: []string{"dept"}, cell: fixed,
			gets: 5, patches: 5,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, zoomtest.ParallelBubble(func(t *testing.T) {
			tc.opts.NoRateLimits = true
			e := newEnv(t, tc.opts)
			users := e.srv.Users()
			statuses := map[string]int{}
			var active []zoomtest.User
			for _, u := range users {
				statuses[u.Status]++
				if u.Status == "active" {
					active = append(active, u)
				}
			}
			// The listing's pages at the granted size; a file that names
			// more users than the pages after the first ones reads them all.
			size := cmp.Or(tc.opts.UserPageSize, 2000)
			pages, left := 0, 0
			for _, n := range statuses {
				p := max((n+size-1)/size, 1)
				pages, left = pages+p, left+p-1
			}
			lists := pages
			switch {
			case tc.noListing:
				lists = 0
			case left >= tc.rows:
				lists = 3
			}

			header := []string{"Email"}
			yaml := "version: 1\nname: reads\ninput: users.csv\nfields:\n  email: Email\n"
			for _, f := range tc.fields {
				header = append(header, f)
				yaml += fmt.Sprintf("  %s: %s\n", f, f)
			}
			var rows [][]string
			for _, u := range active[len(active)-tc.rows:] {
				row := []string{u.Email}
				for _, f := range tc.fields {
					row = append(row, tc.cell(u, f))
				}
				rows = append(rows, row)
			}
			e.writeCSV("users.csv", header, rows)
			job := e.write("job.yaml", yaml+"steps:\n  - update_users\n")

			e.srv.ResetStats()
			out := filepath.Join(e.dir, "plan")
			sum, err := e.run(context.Background(), job, out, func(o *jobs.Options) { o.DryRun = true })
			if err != nil {
				t.Fatal(err)
			}
			calls := e.srv.Stats().Calls
			if calls["GET /users/{userId}"] != tc.gets || calls["GET /users"] != lists {
				t.Errorf("plan read %d users and %d listing pages, want %d and %d: %v", calls["GET /users/{userId}"], calls["GET /users"], tc.gets, lists, calls)
			}
			if a := sum.Plan.Steps[0].Actions; a[results.ActUpdate] != tc.patches || a[results.ActUnchanged] != tc.rows-tc.patches {
				t.Errorf("plan %v, want %d updates", a, tc.patches)
			}
			if got := sum.Plan.Calls; got[zoom.Light] != tc.patches {
				t.Errorf("plan counts %v write calls, want %d Light", got, tc.patches)
			}
			changes := readCSVFile(t, filepath.Join(out, "changes.csv"))
			if len(changes) != tc.patches*len(tc.fields) && !(tc.patches == 0 && len(changes) == 0) {
				t.Errorf("changes.csv has %d changes, want %d", len(changes), tc.patches*len(tc.fields))
			}
			for _, c := range changes {
				if (c["current"] == "(not compared)") != tc.blind || c["action"] != "update" {
					t.Fatalf("changes.csv: %v, want blind %v", c, tc.blind)
				}
			}
			warned := slices.ContainsFunc(sum.Plan.Warnings, func(w string) bool { return strings.Contains(w, "sent without comparing") })
			if warned != tc.blind {
				t.Errorf("warnings %q", sum.Plan.Warnings)
			}

			e.srv.ResetStats()
			if _, err := e.run(context.Background(), job, filepath.Join(e.dir, "run"), nil); err != nil {
				t.Fatal(err)
			}
			if n := e.srv.Stats().Calls["PATCH /users/{userId}"]; n != tc.patches {
				t.Errorf("the run sent %d PATCHes, want %d", n, tc.patches)
			}
			e.srv.ResetStats()
			if _, err := e.run(context.Background(), job, filepath.Join(e.dir, "rerun"), nil); err != nil {
				t.Fatal(err)
			}
			if n := e.srv.Stats().Calls["PATCH /users/{userId}"]; n != pick(tc.blind, tc.patches, 0) {
				t.Errorf("a rerun sent %d PATCHes: only fields no answer carries are sent again", n)
			}
			for _, r := range rows {
				u, _ := e.srv.UserByEmail(r[0])
				if got := asIs(u, tc.fields[0]); got != r[1] {
					t.Errorf("%s: %s is %q, want %q", r[0], tc.fields[0], got, r[1])
				}
			}
		}))
	}
}

// fixed is a value no user has yet.
func fixed(_ zoomtest.User, field string) string { return "new " + strings.ReplaceAll(field, "_", " ") }

// asIs is the user's current value.
func asIs(u zoomtest.User, field string) string {
	return map[string]string{"first_name": u.FirstName, "dept": u.Dept, "job_title": u.JobTitle, "pronouns": u.Pronouns, "about_me": u.AboutMe}[field]
}
