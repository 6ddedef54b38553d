package jobs_test

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zoombulk/zoombulk/internal/jobs"
	"github.com/zoombulk/zoombulk/internal/results"
	"github.com/zoombulk/zoombulk/internal/zoom"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// The plan's listing with match: id: rows are found by the listed users'
// IDs, a pending user (listed without an ID) is looked up by its ID, and
// a listing Zoom refuses fails the plan saying which listing. The admin
// sees the plan's counts and, on failure, the error.
func TestPlanListingByID(t *testing.T) {
	tests := []struct {
		name         string
		refuseStatus string // a proxy answers 400 to this status's listing
		wantErr      string
	}{
		{name: "active and pending users by ID"},
		{name: "a refused listing fails the plan", refuseStatus: "pending", wantErr: "listing pending users"},
	}
	for _, tt := range tests {
		t.Run(tt.name, zoomtest.Bubble(func(t *testing.T) {
			e := newEnv(t, zoomtest.Options{NoRateLimits: true})
			if tt.refuseStatus != "" {
				inner := e.srv.Handler()
				refusing := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Path == "/v2/users" && r.URL.Query().Get("status") == tt.refuseStatus {
						w.Header().Set("Content-Type", "application/json")
						w.WriteHeader(http.StatusBadRequest)
						w.Write([]byte(`{"code":300,"message":"Invalid status."}`))
						return
					}
					inner.ServeHTTP(w, r)
				})
				e.client = newClient(t, e.srv, func(c *zoom.Config) {
					c.HTTPClient = &http.Client{Transport: zoomtest.Transport(refusing), Timeout: c.Timeout}
				})
			}
			var rows [][]string
			pending := 0
			for _, u := range e.srv.Users() {
				switch {
				case u.Status == "pending" && pending == 0:
					pending++
				case u.Status != "active" || len(rows) >= 5:
					continue
				}
				rows = append(rows, []string{u.ID, u.Email, u.FirstName, u.LastName})
			}
			if pending != 1 || len(rows) != 6 {
				t.Fatalf("the sample account gave %d rows, %d pending: want 5 active and 1 pending", len(rows), pending)
			}
			rows = append(rows, []string{"", "new.byid@acme.example", "New", "ById"})
			e.writeCSV("users.csv", []string{"User ID", "Email", "First", "Last"}, rows)
			job := e.write("job.yaml", "version: 1\nname: by-id\ninput: users.csv\nmatch: id\n"+
				"fields: { id: User ID, email: Email, first_name: First, last_name: Last, type: { default: 1 } }\nsteps:\n  - create_users\n")

			e.srv.ResetStats()
			sum, err := (&jobs.Runner{Client: e.client, Job: mustLoad(t, job), Opts: jobs.Options{
				OutDir: filepath.Join(e.dir, "plan"), DryRun: true, PlanProgressEvery: time.Hour, Version: "test"}}).Run(context.Background())
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if a := sum.Plan.Steps[0].Actions; a[results.ActCreate] != 1 || a[results.ActUnchanged] != 6 {
				t.Errorf("plan %v, want create 1 and unchanged 6 (the listed and the pending users exist)", a)
			}
			calls := e.srv.Stats().Calls
			if calls["GET /users"] == 0 {
				t.Errorf("no listing read: %v", calls)
			}
			if got := calls["GET /users/{userId}"]; got < 1 || got > 2 {
				t.Errorf("%d look-ups, want the pending user's (and the new row's) alone: %v", got, calls)
			}
		}))
	}
}
