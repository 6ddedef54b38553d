package jobs_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/zoombulk/zoombulk/internal/zoom"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// Told the wrong tier (business, share 1.0, on a pro account), a run slows
// to what the account answers: under 5 % of its calls meet a 429, every row
// goes through, and the summary names the tier the account answers like.
func TestWrongTierSlowsToTheAccount(t *testing.T) {
	// Paced by its own sandbox's limits: in a bubble the waits are virtual.
	zoomtest.ParallelBubble(testWrongTier)(t)
}

func testWrongTier(t *testing.T) {
	e := newEnv(t, zoomtest.Options{Tier: "pro"})
	var rows [][]string
	for i := range 240 {
		rows = append(rows, []string{fmt.Sprintf("tier%03d@acme.example", i), "Tier", fmt.Sprint(i)})
	}
	e.writeCSV("users.csv", []string{"Email", "First", "Last"}, rows)
	job := e.write("job.yaml", "version: 1\ninput: users.csv\nfields: { email: Email, first_name: First, last_name: Last, type: { default: 1 } }\nsteps:\n  - create_users: { action: custCreate }\n")
	sum, err := e.run(context.Background(), job, filepath.Join(e.dir, "run"), nil)
	if err != nil {
		t.Fatal(err)
	}
	calls, limited := sum.Stats.Calls[zoom.Light], sum.Stats.QPS429[zoom.Light]
	t.Logf("%d Light calls, %d answered 429; sensed %q", calls, limited, sum.Stats.SensedTier)
	if calls == 0 || float64(limited) >= 0.05*float64(calls) {
		t.Errorf("%d of %d Light calls met a 429, want under 5 %%", limited, calls)
	}
	if n := len(e.srv.Users()); n < 240 {
		t.Errorf("%d users, want the 240 created", n)
	}
	if sum.Stats.SensedTier != "pro" {
		t.Errorf("sensed tier %q, want pro", sum.Stats.SensedTier)
	}
}
