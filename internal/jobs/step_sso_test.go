package jobs_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/zoombulk/zoombulk/internal/jobs"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

const offboardJob = `version: 1
input: in.csv
fields:
  email: Email
  status: { default: inactive }
  transfer_email: Transfer To
steps:
  - revoke_sso_token
  - set_status
  - delete_users: { action: delete }
`

// One offboarding job: sign out, deactivate, then delete with every
// transfer flag the reference lists; a rerun has nothing left to do.
func TestOffboardingRevokeDeactivateDeleteWithTransfer(t *testing.T) {
	synctest.Test(t, testOffboardingRevokeDeactivateDeleteWithTransfer)
}

func testOffboardingRevokeDeactivateDeleteWithTransfer(t *testing.T) {
	e := newEnv(t, zoomtest.Options{NoRateLimits: true})
	rows := [][]string{
		{"dan.dormant@acme.example", "grace.hopper@acme.example"}, // active: all three steps
		{"fatima.okafor@acme.example", ""},                        // inactive already: deleted without transfer
		{"nina.newhire@acme.example", ""},                         // pending: no session to revoke; status cannot change
		{"nobody@acme.example", ""},                               // missing user
	}
	e.writeCSV("in.csv", []string{"Email", "Transfer To"}, rows)
	job := e.write("job.yaml", offboardJob)

	// Without --allow-delete nothing runs.
	if _, err := e.run(context.Background(), job, filepath.Join(e.dir, "refused"), nil); err == nil || !strings.Contains(err.Error(), "--allow-delete") {
		t.Fatalf("run without --allow-delete: %v", err)
	}
	allow := func(o *jobs.Options) { o.AllowDelete = true }
	out := filepath.Join(e.dir, "run1")
	sum, err := e.run(context.Background(), job, out, allow)
	if err != nil {
		t.Fatal(err)
	}
	// Deactivating dan and deleting dan and fatima are removals.
	if got := sum.Plan.RemovalCount(); got != 3 {
		t.Errorf("%d removals planned (%s), want 3", got, sum.Plan.RemovalText())
	}
	want := []struct{ status, reason string }{
		{"succeeded", ""}, {"succeeded", ""}, {"failed", "pending"}, {"failed", "no user with this email"},
	}
	for i, r := range readResults(t, out) {
		if r["zb_status"] != want[i].status || !strings.Contains(r["zb_reason"], want[i].reason) {
			t.Errorf("row %d: %s %q, want %s with %q", i+2, r["zb_status"], r["zb_reason"], want[i].status, want[i].reason)
		}
	}
	st := e.srv.Stats()
	if n := st.Calls["DELETE /users/{userId}/token"]; n != 2 {
		t.Errorf("%d token revocations, want 2 (dan and fatima)", n)
	}
	if _, ok := e.srv.UserByEmail("dan.dormant@acme.example"); ok {
		t.Error("dan is still in the account")
	}
	var tr *zoomtest.Transfer
	for _, x := range e.srv.Transfers() {
		if x.FromEmail == "dan.dormant@acme.example" {
			tr = &x
		}
	}
	if tr == nil || tr.ToEmail != "grace.hopper@acme.example" {
		t.Fatalf("no transfer from dan to grace: %+v", e.srv.Transfers())
	}
	for _, what := range []string{"meeting", "webinar", "recording", "whiteboard", "clipfiles", "notes", "docs", "visitors"} {
		if !slices.Contains(tr.What, what) {
			t.Errorf("the delete did not transfer %s (sent %v)", what, tr.What)
		}
	}

	// A rerun: the deleted users are gone, nothing is sent.
	before := writes(e.srv.Stats())
	if _, err := e.run(context.Background(), job, filepath.Join(e.dir, "run2"), allow); err != nil {
		t.Fatal(err)
	}
	if got := writes(e.srv.Stats()) - before; got != 0 {
		t.Errorf("the rerun made %d writes, want 0", got)
	}

	// limits.max_removals counts the deactivations and deletions.
	e2 := newEnv(t, zoomtest.Options{NoRateLimits: true})
	e2.writeCSV("in.csv", []string{"Email", "Transfer To"}, rows[:2])
	job2 := e2.write("job.yaml", strings.Replace(offboardJob, "steps:", "limits: { max_removals: 2 }\nsteps:", 1))
	_, err = e2.run(context.Background(), job2, filepath.Join(e2.dir, "run"), allow)
	if !errors.Is(err, jobs.ErrAborted) || !strings.Contains(err.Error(), "max_removals") {
		t.Errorf("3 removals under max_removals 2: %v", err)
	}
	if writes(e2.srv.Stats()) != 0 {
		t.Error("a plan over max_removals wrote")
	}
}
