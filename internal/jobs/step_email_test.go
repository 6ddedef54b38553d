package jobs_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/zoombulk/zoombulk/internal/jobs"
	"github.com/zoombulk/zoombulk/internal/zoom"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// renameSeed is an account of n users at old.example in group Staff; the
// users taken[i] already exist at new.example.
func renameSeed(t *testing.T, n int, taken []int, external ...string) *zoomtest.Seed {
	t.Helper()
	var b strings.Builder
	b.WriteString("account: { id: rename, name: Rename Inc }\nmanaged_domains: [old.example, new.example]\ngroups: [ { name: Staff }, { name: Moved } ]\n")
	if len(external) > 0 {
		b.WriteString("external_users: [" + strings.Join(external, ", ") + "]\n")
	}
	b.WriteString("users:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - { email: user%03d@old.example, first_name: U, last_name: N%d, type: 1, groups: [Staff] }\n", i, i)
	}
	for _, i := range taken {
		fmt.Fprintf(&b, "  - { email: user%03d@new.example, first_name: Other, last_name: N%d, type: 1 }\n", i, i)
	}
	seed, err := zoomtest.ParseSeed("rename", []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	return seed
}

// A company rename of 500 users where 3 new addresses are taken: 497 are
// renamed and moved, the 3 fail saying why and their move is skipped; a
// rerun finds everything as asked.
func TestChangeEmailDomainRename(t *testing.T) {
	synctest.Test(t, testChangeEmailDomainRename)
}

func testChangeEmailDomainRename(t *testing.T) {
	taken := []int{7, 250, 499}
	e := newEnv(t, zoomtest.Options{NoRateLimits: true, Seed: renameSeed(t, 500, taken)})
	// Thousands of Light calls: unpaced, as the sandbox is (no features step).
	e.client = newClient(t, e.srv, func(cfg *zoom.Config) { cfg.NoLimits = true })
	var rows [][]string
	for i := range 500 {
		rows = append(rows, []string{fmt.Sprintf("user%03d@old.example", i), "Moved"})
	}
	e.writeCSV("in.csv", []string{"Email", "Group"}, rows)
	job := e.write("job.yaml", `version: 1
input: in.csv
fields: { email: Email, group: Group }
steps:
  - change_email: { from_domain: old.example, to_domain: new.example }
  - move_group
`)
	out := filepath.Join(e.dir, "run1")
	many := func(o *jobs.Options) { o.Concurrency = 32 }
	sum, err := e.run(context.Background(), job, out, many)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(sum.Plan.Warnings, "\n"), "undoing a rename") {
		t.Errorf("the plan does not warn that an undo counts against the daily limit: %q", sum.Plan.Warnings)
	}
	ok, failed := 0, 0
	for i, r := range readResults(t, out) {
		isTaken := i == 7 || i == 250 || i == 499
		switch {
		case isTaken:
			failed++
			if r["zb_status"] != "failed" || !strings.Contains(r["zb_reason"], "already used") || !strings.Contains(r["zb_reason"], fmt.Sprintf("user%03d@new.example", i)) {
				t.Errorf("row %d: %s %q, want failed saying the new address is taken", i+2, r["zb_status"], r["zb_reason"])
			}
		case r["zb_status"] == "succeeded":
			ok++
		default:
			t.Errorf("row %d: %s %q", i+2, r["zb_status"], r["zb_reason"])
		}
	}
	if ok != 497 || failed != 3 {
		t.Errorf("%d succeeded, %d failed; want 497 and 3", ok, failed)
	}
	st := e.srv.Stats()
	if n := st.Calls["PUT /users/{userId}/email"]; n != 497 {
		t.Errorf("%d email changes sent, want 497", n)
	}
	for i := range 500 {
		old, _ := e.srv.UserByEmail(fmt.Sprintf("user%03d@old.example", i))
		renamed, isNew := e.srv.UserByEmail(fmt.Sprintf("user%03d@new.example", i))
		switch {
		case i == 7 || i == 250 || i == 499:
			if old.Email == "" || len(old.GroupIDs) != 1 || groupName(e, old.GroupIDs[0]) != "Staff" {
				t.Errorf("user %d: kept %q in %v, want the old address, still in Staff (the move skipped)", i, old.Email, old.GroupIDs)
			}
		case !isNew || groupName(e, renamed.GroupIDs[0]) != "Moved":
			t.Errorf("user %d: renamed %v, groups %v", i, isNew, renamed.GroupIDs)
		}
	}
	changes, _ := os.ReadFile(filepath.Join(out, "changes.csv"))
	if !strings.Contains(string(changes), "user001@old.example,user001@new.example") {
		t.Errorf("changes.csv does not keep old and new:\n%.600s", changes)
	}

	// The same file again: the renamed users answer to their new address.
	before := writes(e.srv.Stats())
	out2 := filepath.Join(e.dir, "run2")
	if _, err := e.run(context.Background(), job, out2, many); err != nil {
		t.Fatal(err)
	}
	if got := writes(e.srv.Stats()) - before; got != 0 {
		t.Errorf("the rerun made %d writes, want 0", got)
	}
	for i, r := range readResults(t, out2) {
		if i == 7 || i == 250 || i == 499 {
			continue
		}
		if r["zb_status"] != "unchanged" {
			t.Errorf("rerun row %d: %s %q, want unchanged", i+2, r["zb_status"], r["zb_reason"])
			break
		}
	}
}

func groupName(e *env, id string) string {
	for _, g := range e.srv.Groups() {
		if g.ID == id {
			return g.Name
		}
	}
	return ""
}

// change_email from a new_email column: changed, unchanged, missing user,
// a bad address, an address given twice, Zoom's three-a-day limit and an
// unmanaged domain.
func TestChangeEmailColumn(t *testing.T) {
	synctest.Test(t, testChangeEmailColumn)
}

func testChangeEmailColumn(t *testing.T) {
	e := newEnv(t, zoomtest.Options{NoRateLimits: true})
	header := []string{"Email", "New Email"}
	rows := [][]string{
		{"alan.turing@acme.example", "alan.t@acme.example"},        // changed
		{"grace.hopper@acme.example", "grace.hopper@acme.example"}, // unchanged
		{"olivia.owner@acme.example", ""},                          // no new address
		{"nobody@acme.example", "nobody2@acme.example"},            // missing user
		{"ada.lovelace@acme.example", "not an email"},              // bad value
		{"sam.seller@acme.example", "same@acme.example"},           // twice
		{"kenji.sato@acme.example", "same@acme.example"},           // twice
		{"linus.berg@acme.example", "linus@elsewhere.example"},     // not a managed domain
	}
	e.writeCSV("in.csv", header, rows)
	job := e.write("job.yaml", "version: 1\ninput: in.csv\nfields: { email: Email, new_email: New Email }\nsteps: [change_email]\n")
	out := filepath.Join(e.dir, "run1")
	if _, err := e.run(context.Background(), job, out, nil); err != nil {
		t.Fatal(err)
	}
	want := []struct{ status, reason string }{
		{"succeeded", ""}, {"unchanged", ""}, {"unchanged", ""}, {"failed", "no user with this email"},
		{"failed", "not an email"}, {"failed", "rows 7, 8"}, {"failed", "rows 7, 8"}, {"failed", "managed domain"},
	}
	for i, r := range readResults(t, out) {
		if r["zb_status"] != want[i].status || !strings.Contains(r["zb_reason"], want[i].reason) {
			t.Errorf("row %d: %s %q, want %s with %q", i+2, r["zb_status"], r["zb_reason"], want[i].status, want[i].reason)
		}
	}
	if n := e.srv.Stats().Calls["PUT /users/{userId}/email"]; n != 2 {
		t.Errorf("%d email changes sent, want 2 (alan, and linus refused by Zoom)", n)
	}

	// Three changes in 24 hours: the fourth fails saying so.
	addr := "alan.t@acme.example"
	for k := 2; k <= 4; k++ {
		next := fmt.Sprintf("alan.t%d@acme.example", k)
		e.writeCSV("in.csv", header, [][]string{{addr, next}})
		out := filepath.Join(e.dir, fmt.Sprint("limit", k))
		if _, err := e.run(context.Background(), job, out, nil); err != nil {
			t.Fatal(err)
		}
		r := readResults(t, out)[0]
		if k < 4 {
			if r["zb_status"] != "succeeded" {
				t.Fatalf("change %d: %s %q", k, r["zb_status"], r["zb_reason"])
			}
			addr = next
			continue
		}
		if r["zb_status"] != "failed" || !strings.Contains(r["zb_reason"], "3 email changes per user in 24 hours") || !strings.Contains(r["zb_hint"], "24 hours") {
			t.Errorf("fourth change: %s %q %q, want a failure naming the daily limit", r["zb_status"], r["zb_reason"], r["zb_hint"])
		}
	}
}

// An address that holds a Zoom account outside this account passes Check a
// user email (it only sees this account) and is refused by Zoom at the
// change: the row fails saying the address is taken, and its later step is
// skipped.
func TestChangeEmailTakenOutsideTheAccount(t *testing.T) {
	synctest.Test(t, testChangeEmailTakenOutsideTheAccount)
}

func testChangeEmailTakenOutsideTheAccount(t *testing.T) {
	e := newEnv(t, zoomtest.Options{NoRateLimits: true, Seed: renameSeed(t, 3, nil, "user001@new.example")})
	e.writeCSV("in.csv", []string{"Email", "Group"}, [][]string{
		{"user000@old.example", "Moved"}, {"user001@old.example", "Moved"}, {"user002@old.example", "Moved"}})
	job := e.write("job.yaml", `version: 1
input: in.csv
fields: { email: Email, group: Group }
steps:
  - change_email: { from_domain: old.example, to_domain: new.example }
  - move_group
`)
	out := filepath.Join(e.dir, "run")
	if _, err := e.run(context.Background(), job, out, nil); err != nil {
		t.Fatal(err)
	}
	res := readResults(t, out)
	if r := res[1]; r["zb_status"] != "failed" || !strings.Contains(r["zb_reason"], "already used by a Zoom user") || r["zb_step"] != "change_email" {
		t.Errorf("row 3: %v", r)
	}
	if res[0]["zb_status"] != "succeeded" || res[2]["zb_status"] != "succeeded" {
		t.Errorf("rows 2 and 4: %s, %s", res[0]["zb_status"], res[2]["zb_status"])
	}
	if u, _ := e.srv.UserByEmail("user001@old.example"); groupName(e, u.GroupIDs[0]) != "Staff" {
		t.Errorf("the failed row was still moved: %v", u.GroupIDs)
	}
}

// A resume after the renames: the journal knows the users by ID, so the
// later step finds them under their new address (30 rows: the plan reads
// the users with one listing, by email, where the old addresses are gone).
func TestChangeEmailResumeFindsRenamedUsers(t *testing.T) {
	synctest.Test(t, testChangeEmailResumeFindsRenamedUsers)
}

func testChangeEmailResumeFindsRenamedUsers(t *testing.T) {
	e := newEnv(t, zoomtest.Options{NoRateLimits: true, Seed: renameSeed(t, 30, nil)})
	var rows [][]string
	for i := range 30 {
		rows = append(rows, []string{fmt.Sprintf("user%03d@old.example", i), "Moved"})
	}
	e.writeCSV("in.csv", []string{"Email", "Group"}, rows)
	const head = "version: 1\ninput: in.csv\nfields: { email: Email, group: Group }\nsteps:\n  - change_email: { from_domain: old.example, to_domain: new.example }\n"
	job := e.write("job.yaml", head)
	out := filepath.Join(e.dir, "run")
	if _, err := e.run(context.Background(), job, out, nil); err != nil {
		t.Fatal(err)
	}
	// The same run folder, resumed with the move added (as if the run had
	// stopped between the steps).
	e.write("job.yaml", head+"  - move_group\n")
	if _, err := e.run(context.Background(), job, out, func(o *jobs.Options) { o.Resume, o.Force = true, true }); err != nil {
		t.Fatal(err)
	}
	for i, r := range readResults(t, out) {
		if r["zb_status"] != "succeeded" {
			t.Fatalf("row %d: %s %q", i+2, r["zb_status"], r["zb_reason"])
		}
	}
	for i := range 30 {
		u, ok := e.srv.UserByEmail(fmt.Sprintf("user%03d@new.example", i))
		if !ok || groupName(e, u.GroupIDs[0]) != "Moved" {
			t.Fatalf("user %d: %v %v", i, ok, u.GroupIDs)
		}
	}
}
