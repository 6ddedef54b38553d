package jobs_test

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/jobs"
	"github.com/zoombulk/zoombulk/internal/results"
	"github.com/zoombulk/zoombulk/internal/zoom"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// logEvents keeps the lines a run logs.
type logEvents struct {
	jobs.NopEvents
	mu    sync.Mutex
	lines []string
}

func (l *logEvents) Logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

// A create job into an account of many small pages reads the listing by
// page number, several pages at once, each page once; when the answers do
// not honour page_number, the listing is read again by token. Either way
// the plan finds every existing user (unchanged) and creates the new ones,
// and says how far its reads got while they run.
func TestPlanListsByNumberedPages(t *testing.T) {
	for _, tc := range []struct {
		name       string
		dropNumber bool // a proxy strips page_number: every numbered answer is the first page
	}{
		{name: "numbered pages"},
		{name: "page_number not honoured: redone by token", dropNumber: true},
	} {
		t.Run(tc.name, zoomtest.Bubble(func(t *testing.T) {
			e := newEnv(t, zoomtest.Options{Users: 600, UserPageSize: 20, NoRateLimits: true, Latency: 5 * time.Millisecond})
			if tc.dropNumber {
				// In front of the sandbox, on the client's own in-memory
				// transport (an APIURL would not be used by it).
				strip := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					q := r.URL.Query()
					q.Del("page_number")
					r.URL.RawQuery = q.Encode()
					e.srv.Handler().ServeHTTP(w, r)
				})
				e.client = newClient(t, e.srv, func(c *zoom.Config) {
					c.HTTPClient = &http.Client{Transport: zoomtest.Transport(strip), Timeout: c.Timeout}
				})
			}
			statuses := map[string]int{}
			var existing []string
			for _, u := range e.srv.Users() {
				statuses[u.Status]++
				if u.Status == "active" {
					existing = append(existing, u.Email)
				}
			}
			// The last active users: on the listing's last pages, which
			// only a listing read to its end finds.
			existing = existing[len(existing)-5:]
			var rows [][]string
			for _, em := range existing {
				rows = append(rows, []string{em, "Kept", "AsIs"})
			}
			for i := range 100 {
				rows = append(rows, []string{fmt.Sprintf("new.hire%03d@acme.example", i), "New", fmt.Sprintf("Hire%d", i)})
			}
			e.writeCSV("hires.csv", []string{"Email", "First Name", "Last Name"}, rows)
			job := e.write("job.yaml", "version: 1\nname: hires\ninput: hires.csv\nfields:\n  email: Email\n  first_name: First Name\n  last_name: Last Name\n  type: { default: 1 }\nsteps:\n  - create_users\n")

			e.srv.ResetStats()
			ev := &logEvents{}
			sum, err := (&jobs.Runner{Client: e.client, Job: mustLoad(t, job), Events: ev, Opts: jobs.Options{
				OutDir: filepath.Join(e.dir, "plan"), DryRun: true, PlanProgressEvery: time.Millisecond, Version: "test"}}).Run(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			pages := 0
			for _, n := range statuses {
				pages += max((n+19)/20, 1)
			}
			calls := e.srv.Stats().Calls
			switch got := calls["GET /users"]; {
			case !tc.dropNumber && got != pages:
				t.Errorf("the plan read %d listing pages, want %d (each page once): %v", got, pages, calls)
			case tc.dropNumber && got <= pages:
				// Each status's numbered pages stop at the first answer that
				// is not the page asked; the token chain then reads them all.
				t.Errorf("the plan read %d listing pages: the numbered pages were not refused and read again by token (%d pages)", got, pages)
			}
			if got := calls["GET /users"]; got < pages {
				t.Errorf("the plan read %d listing pages, fewer than the %d there are", got, pages)
			}
			if got := calls["GET /users/{userId}"]; got != 0 {
				t.Errorf("%d look-ups: the listing finds every row", got)
			}
			a := sum.Plan.Steps[0].Actions
			if a[results.ActCreate] != 100 || a[results.ActUnchanged] != len(existing) {
				t.Errorf("plan %v, want create 100 and unchanged %d (if_exists: skip finds them)", a, len(existing))
			}
			ev.mu.Lock()
			defer ev.mu.Unlock()
			said := false
			for _, l := range ev.lines {
				if strings.HasPrefix(l, "Planning: ") && strings.Contains(l, "listing pages read") && strings.Contains(l, "left") {
					said = true
				}
			}
			if !said {
				t.Errorf("the plan said nothing of its reads: %q", ev.lines)
			}
		}))
	}
}

func mustLoad(t *testing.T, path string) *jobfile.Job {
	t.Helper()
	job, err := jobfile.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return job
}
