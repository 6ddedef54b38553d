package jobs_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/jobs"
	"github.com/zoombulk/zoombulk/internal/results"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

func accountGroupNames(e *env) []string {
	var out []string
	for _, g := range e.srv.Groups() {
		out = append(out, g.Name)
	}
	slices.Sort(out)
	return out
}

func groupMemberCount(e *env, name string) int {
	for _, g := range e.srv.Groups() {
		if g.Name == name {
			return len(g.MemberIDs)
		}
	}
	return -1
}

// TestRenameAndDeleteGroups: a re-organisation sheet renames Support and
// deletes Marketing (which has members): the delete needs --allow-delete,
// is counted by max_removals with every member who loses the group, and a
// rerun sends nothing.
func TestRenameAndDeleteGroups(t *testing.T) { synctest.Test(t, testRenameAndDeleteGroups) }

func testRenameAndDeleteGroups(t *testing.T) {
	e := newEnv(t, zoomtest.Options{NoRateLimits: true})
	ctx := context.Background()
	members := groupMemberCount(e, "Marketing")
	supportMembers := groupMemberCount(e, "Support")
	if members < 1 {
		t.Fatalf("the seed's Marketing has %d members, want some", members)
	}
	e.writeCSV("rename.csv", []string{"Group", "Old Name"}, [][]string{
		{"Customer Care", "Support"},
		{"Nowhere New", "Nowhere Old"},
	})
	rename := e.write("rename.yaml", "version: 1\nname: rename\ninput: rename.csv\nfields: { group: Group, rename_from: Old Name }\nsteps:\n  - upsert_groups\n")
	e.writeCSV("delete.csv", []string{"Group"}, [][]string{{"Marketing"}, {"Gone Already"}})
	del := e.write("delete.yaml", "version: 1\nname: delete\ninput: delete.csv\nfields: { group: Group }\nsteps:\n  - delete_groups\n")

	e.srv.ResetStats()
	if _, err := e.run(ctx, rename, filepath.Join(e.dir, "rename"), nil); err != nil {
		t.Fatal(err)
	}
	if st := e.srv.Stats(); st.Calls["PATCH /groups/{groupId}"] != 1 || st.Calls["POST /groups"] != 0 {
		t.Errorf("rename calls %v, want one PATCH and no create", st.Calls)
	}
	names := accountGroupNames(e)
	if slices.Contains(names, "Support") || !slices.Contains(names, "Customer Care") || slices.Contains(names, "Nowhere New") {
		t.Errorf("groups after the rename: %v", names)
	}
	if got := groupMemberCount(e, "Customer Care"); got != supportMembers {
		t.Errorf("Customer Care has %d members, want Support's %d", got, supportMembers)
	}
	status := map[string]string{}
	for _, l := range readResults(t, filepath.Join(e.dir, "rename")) {
		status[l["Group"]] = l["zb_status"] + " " + l["zb_reason"]
	}
	if !strings.HasPrefix(status["Customer Care"], "succeeded") || !strings.Contains(status["Nowhere New"], "nothing to rename") {
		t.Errorf("rename results %v", status)
	}
	e.srv.ResetStats()
	if _, err := e.run(ctx, rename, filepath.Join(e.dir, "rename-again"), nil); err != nil {
		t.Fatal(err)
	}
	if n := writes(e.srv.Stats()); n != 0 {
		t.Errorf("the rename's rerun wrote %d times", n)
	}

	// Without --allow-delete: refused before anything is read.
	e.srv.ResetStats()
	_, err := e.run(ctx, del, filepath.Join(e.dir, "refused"), nil)
	var je *jobfile.JobError
	if !errors.As(err, &je) || !strings.Contains(je.Hint, "--allow-delete") {
		t.Fatalf("err %v, want a job error asking for --allow-delete", err)
	}
	if n := writes(e.srv.Stats()); n != 0 || groupMemberCount(e, "Marketing") != members {
		t.Fatalf("the refused run changed the account")
	}

	// A limit below the deletion and its members' removals stops the run.
	limit := "1"
	sum, err := e.run(ctx, del, filepath.Join(e.dir, "limited"), func(o *jobs.Options) { o.AllowDelete, o.MaxRemovals = true, limit })
	if !errors.Is(err, jobs.ErrAborted) || !strings.Contains(sum.Aborted, "--max-removals") {
		t.Fatalf("err %v, aborted %q: want the removal limit's stop", err, sum.Aborted)
	}
	if sum.Plan.Removals[results.RemoveGroupDelete] != 1 || sum.Plan.Removals[results.RemoveGroup] != members {
		t.Errorf("removals %v, want 1 group deletion and %d members losing it", sum.Plan.Removals, members)
	}
	if groupMemberCount(e, "Marketing") != members {
		t.Fatalf("the stopped run changed the account")
	}

	run := filepath.Join(e.dir, "delete")
	e.srv.ResetStats()
	if _, err := e.run(ctx, del, run, func(o *jobs.Options) { o.AllowDelete, o.MaxRemovals = true, "100" }); err != nil {
		t.Fatal(err)
	}
	if slices.Contains(accountGroupNames(e), "Marketing") {
		t.Error("Marketing is still there")
	}
	var losers int
	for _, c := range readCSVFile(t, filepath.Join(run, "changes.csv")) {
		if c["field"] == "member" && c["removal"] == results.RemoveGroup {
			losers++
		}
	}
	if losers != members {
		t.Errorf("changes.csv names %d members who lose the group, want %d", losers, members)
	}
	e.srv.ResetStats()
	if _, err := e.run(ctx, del, filepath.Join(e.dir, "delete-again"), func(o *jobs.Options) { o.AllowDelete = true }); err != nil {
		t.Fatal(err)
	}
	if n := writes(e.srv.Stats()); n != 0 {
		t.Errorf("the delete's rerun wrote %d times", n)
	}
}
