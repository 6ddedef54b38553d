package jobs_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/jobs"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// accountState is every user's fields as a user would compare them, by
// email (creation times and logins aside).
func accountState(srv *zoomtest.Server) map[string]string {
	out := map[string]string{}
	for _, u := range srv.Users() {
		feats := make([]string, 0, len(u.Features))
		for k, v := range u.Features {
			feats = append(feats, k+"="+v)
		}
		slices.Sort(feats)
		out[strings.ToLower(u.Email)] = fmt.Sprintf("type=%d status=%s name=%q/%q/%q dept=%q title=%q loc=%q company=%q manager=%q tz=%q lang=%q phone=%q cc=%q pmi=%d groups=%v div=%s feat=%v",
			u.Type, u.Status, u.FirstName, u.LastName, u.DisplayName, u.Dept, u.JobTitle, u.Location, u.Company, u.Manager,
			u.Timezone, u.Language, u.PhoneNumber, u.CostCenter, u.PMI, u.GroupIDs, u.DivisionID, feats)
	}
	return out
}

// diffState lists the users whose fields differ.
func diffState(want, got map[string]string) []string {
	var out []string
	for k, v := range want {
		if got[k] != v {
			out = append(out, fmt.Sprintf("%s:\n  want %s\n  got  %s", k, v, got[k]))
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok {
			out = append(out, fmt.Sprintf("%s: not in the starting state: %s", k, v))
		}
	}
	slices.Sort(out)
	return out
}

// undo runs the undo job of a run folder.
func (e *env) undo(ctx context.Context, runDir, out string, tweak func(*jobs.Options)) (*jobs.Summary, error) {
	e.t.Helper()
	path, err := jobs.UndoJobPath(runDir)
	if err != nil {
		e.t.Fatal(err)
	}
	job, err := jobfile.Load(path)
	if err != nil {
		data, _ := os.ReadFile(path)
		e.t.Fatalf("%v\n%s", err, data)
	}
	r := &jobs.Runner{Client: e.client, Job: job, Opts: jobs.Options{OutDir: out, Version: "test", Undo: true}}
	if tweak != nil {
		tweak(&r.Opts)
	}
	return r.Run(ctx)
}

func TestUndoLicenseReshuffleRestoresTheAccount(t *testing.T) {
	e := newEnv(t, zoomtest.Options{NoRateLimits: true})
	start := accountState(e.srv)
	run := filepath.Join(e.dir, "run")
	sum, err := e.run(context.Background(), "../../samples/license-reshuffle/job.yaml", run, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Counts["succeeded"] == 0 {
		t.Fatalf("the sample changed nothing: %v", sum.Counts)
	}
	if len(diffState(start, accountState(e.srv))) == 0 {
		t.Fatal("the run left the account as it was")
	}
	usum, err := e.undo(context.Background(), run, filepath.Join(run, "undo"), nil)
	if err != nil {
		data, _ := os.ReadFile(filepath.Join(run, "undo.csv"))
		t.Fatalf("%v\n%s", err, data)
	}
	if d := diffState(start, accountState(e.srv)); len(d) > 0 {
		data, _ := os.ReadFile(filepath.Join(run, "undo.csv"))
		t.Errorf("after undo the account differs from the start:\n%s\nundo.csv:\n%s", strings.Join(d, "\n"), data)
	}
	if !usum.Counts.AsAsked() {
		t.Errorf("undo rows: %v", usum.Counts)
	}
	// Undoing again finds everything as it was: no call.
	before := writes(e.srv.Stats())
	if _, err := e.undo(context.Background(), run, filepath.Join(run, "undo2"), nil); err != nil {
		t.Fatal(err)
	}
	if n := writes(e.srv.Stats()) - before; n != 0 {
		t.Errorf("a second undo spent %d write calls", n)
	}
}
