package jobs_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/zoombulk/zoombulk/internal/jobs"
	"github.com/zoombulk/zoombulk/internal/zoom"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// TestRemoveSchedulersOnDeactivate: a leaver who schedules for two users
// is deactivated with remove_schedulers: true; the plan lists both, each a
// removal; afterwards neither has the leaver as an assistant; a rerun
// sends nothing.
func TestRemoveSchedulersOnDeactivate(t *testing.T) {
	for _, kind := range []string{"set_status", "delete_users"} {
		t.Run(kind, zoomtest.Bubble(func(t *testing.T) {
			e := newEnv(t, zoomtest.Options{NoRateLimits: true})
			ctx := context.Background()
			const leaver = "grace.hopper@acme.example"
			bosses := []string{"olivia.owner@acme.example", "adam.admin@acme.example"}
			for _, b := range bosses {
				if err := e.client.AddAssistants(ctx, b, []zoom.Assistant{{Email: leaver}}); err != nil {
					t.Fatal(err)
				}
			}
			e.writeCSV("leavers.csv", []string{"Email"}, [][]string{{leaver}})
			step := "  - set_status: { remove_schedulers: true }\n"
			fields := "fields:\n  email: Email\n  status: { default: inactive }\n"
			if kind == "delete_users" {
				step = "  - delete_users: { action: disassociate, remove_schedulers: true }\n"
				fields = "fields:\n  email: Email\n"
			}
			job := e.write("leavers.yaml", "version: 1\nname: leavers\ninput: leavers.csv\n"+fields+"steps:\n"+step)
			e.srv.ResetStats()
			sum, err := e.run(ctx, job, filepath.Join(e.dir, "run"), func(o *jobs.Options) { o.AllowDelete, o.MaxRemovals = true, "10" })
			if err != nil {
				t.Fatal(err)
			}
			if got := sum.Plan.Removals["scheduler removal"]; got != 2 {
				t.Errorf("the plan counted %d scheduler removals, want 2: %v", got, sum.Plan.Removals)
			}
			if n := e.srv.Stats().Calls["DELETE /users/{userId}/schedulers"]; n != 1 {
				t.Errorf("%d Delete user schedulers calls, want 1", n)
			}
			for _, b := range bosses {
				as, err := e.client.ListAssistants(ctx, b)
				if err != nil {
					t.Fatal(err)
				}
				for _, a := range as {
					if a.Email == leaver {
						t.Errorf("%s still has %s as an assistant", b, leaver)
					}
				}
			}
			e.srv.ResetStats()
			if _, err := e.run(ctx, job, filepath.Join(e.dir, "rerun"), func(o *jobs.Options) { o.AllowDelete = true }); err != nil {
				t.Fatal(err)
			}
			if n := writes(e.srv.Stats()); n != 0 {
				t.Errorf("the rerun wrote %d times: %v", n, e.srv.Stats().Calls)
			}
		}))
	}
}
