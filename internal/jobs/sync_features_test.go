package jobs_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"testing/synctest"

	"github.com/zoombulk/zoombulk/internal/jobs"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// An exact sync of a feature value is held back by a failing row that
// names that value (its user may be the holder it would take out), not by
// a failing row that names the value off or leaves its cell empty: the
// plan the admin reads counts the removal, or says which row holds it.
func TestSyncFeatureHeldOnlyByTheValueNamed(t *testing.T) {
	tests := []struct {
		name     string
		failing  string // the webinar cell of the row that fails (a malformed email)
		removals int
		held     string
	}{
		{name: "failing row names the value", failing: "1", removals: 0, held: "[3]"},
		{name: "failing row turns it off", failing: "0", removals: 2, held: "[]"},
		{name: "failing row leaves it empty", failing: "", removals: 2, held: "[]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e := newEnv(t, zoomtest.Options{NoRateLimits: true})
				e.writeCSV("in.csv", []string{"Email", "Webinar"}, [][]string{
					{"alan.turing@acme.example", "1"},
					{"not-an-email", tt.failing},
				})
				job := e.write("job.yaml", "version: 1\ninput: in.csv\nfields:\n  email: Email\n  webinar: Webinar\n"+
					"steps:\n  - update_features: [ { feature_type: webinar, sync: exact } ]\n")
				sum, err := e.run(context.Background(), job, filepath.Join(e.dir, "plan"), func(o *jobs.Options) { o.DryRun = true })
				if err != nil {
					t.Fatal(err)
				}
				if got := sum.Plan.Removals["feature removal"]; got != tt.removals {
					t.Errorf("feature removals %d, want %d (mark and olivia hold webinar 1 and no row lists them)", got, tt.removals)
				}
				held := "[]"
				for _, s := range sum.Plan.Syncs {
					if s.What == `webinar "1"` {
						held = fmt.Sprint(s.HeldBy)
					}
				}
				if held != tt.held {
					t.Errorf("webinar 1 held by rows %s, want %s (syncs %+v)", held, tt.held, sum.Plan.Syncs)
				}
			})
		})
	}
}
