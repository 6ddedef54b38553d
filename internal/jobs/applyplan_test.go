package jobs_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/zoombulk/zoombulk/internal/jobs"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// An apply stopped after its journal opened (before any write) is
// finished by applying the plan again: the rows go out once, the plan is
// then applied and a third apply is refused as applied already. An edited
// changes.csv is refused with ErrPlanEdited before anything is read.
func TestApplyStoppedIsFinishedByApplyingAgain(t *testing.T) {
	synctest.Test(t, testApplyStoppedIsFinishedByApplyingAgain)
}

func testApplyStoppedIsFinishedByApplyingAgain(t *testing.T) {
	e := newEnv(t, zoomtest.Options{NoRateLimits: true})
	e.write("dept.csv", "Email,Department\ngrace.hopper@acme.example,Platform\nalan.turing@acme.example,Platform\nlinus.berg@acme.example,Platform\n")
	job := e.write("job.yaml", "version: 1\nname: dept\ninput: dept.csv\nfields:\n  email: Email\n  dept: Department\nsteps:\n  - update_users\n")
	plan := filepath.Join(e.dir, "plan")
	if _, err := e.run(context.Background(), job, plan, func(o *jobs.Options) {
		o.DryRun, o.Record = true, &jobs.PlanCommand{Job: job}
	}); err != nil {
		t.Fatal(err)
	}
	apply := func(o *jobs.Options) { o.Apply = &jobs.ApplyOptions{} }

	ctx, stop := context.WithCancel(context.Background())
	_, err := e.run(ctx, job, plan, func(o *jobs.Options) { apply(o); o.Applying = stop })
	if !errors.Is(err, jobs.ErrAborted) {
		t.Fatalf("the stopped apply: %v, want ErrAborted", err)
	}
	if n := e.srv.Stats().Applied["PATCH /users/{userId}"]; n != 0 {
		t.Fatalf("%d updates sent before the stop", n)
	}

	e.srv.ResetStats()
	sum, err := e.run(context.Background(), job, plan, apply)
	if err != nil {
		t.Fatalf("applying again: %v", err)
	}
	if got := sum.Counts.String(); got != "succeeded 3" {
		t.Errorf("applying again: %s, want succeeded 3", got)
	}
	if n := e.srv.Stats().Applied["PATCH /users/{userId}"]; n != 3 {
		t.Errorf("applying again sent %d updates, want the plan's 3", n)
	}
	for _, m := range []string{"grace.hopper@acme.example", "alan.turing@acme.example", "linus.berg@acme.example"} {
		if u, _ := e.srv.UserByEmail(m); u.Dept != "Platform" {
			t.Errorf("%s: %q, want Platform", m, u.Dept)
		}
	}
	if _, err := e.run(context.Background(), job, plan, apply); !errors.Is(err, jobs.ErrPlanApplied) {
		t.Errorf("a third apply: %v, want ErrPlanApplied", err)
	}

	// A new plan, then its changes.csv edited: refused, nothing read.
	plan2 := filepath.Join(e.dir, "plan2")
	e.write("dept.csv", "Email,Department\ngrace.hopper@acme.example,Research\n")
	if _, err := e.run(context.Background(), job, plan2, func(o *jobs.Options) {
		o.DryRun, o.Record = true, &jobs.PlanCommand{Job: job}
	}); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(plan2, "changes.csv")
	data, _ := os.ReadFile(p)
	os.WriteFile(p, []byte(strings.Replace(string(data), "Research", "Legal", 1)), 0o644)
	e.srv.ResetStats()
	_, err = e.run(context.Background(), job, plan2, apply)
	var dirErr *jobs.RunDirError
	if !errors.Is(err, jobs.ErrPlanEdited) || !errors.As(err, &dirErr) {
		t.Errorf("an edited changes.csv: %v, want a RunDirError of ErrPlanEdited", err)
	}
	calls := 0
	for _, n := range e.srv.Stats().Calls {
		calls += n
	}
	if calls != 0 {
		t.Errorf("%d calls for an edited plan", calls)
	}
}
