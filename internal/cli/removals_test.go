package cli

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/xuri/excelize/v2"

	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// newMemSalesEnv is a sandbox, reached in memory, whose group Sales holds
// the 20 users s01..s20@corp.example.
func newMemSalesEnv(t *testing.T) *runEnv {
	t.Helper()
	srv := zoomtest.NewMemServer(t, zoomtest.Options{NoRateLimits: true, Seed: salesSeed()})
	return memRunEnv(t, srv)
}

// salesSeed is newMemSalesEnv's account.
func salesSeed() *zoomtest.Seed {
	seed := &zoomtest.Seed{Account: zoomtest.SeedAccount{ID: "corp", Name: "Corp"}, LicensedSeats: 100,
		Groups: []zoomtest.SeedGroup{{Name: "Sales"}}, Divisions: []zoomtest.SeedDivision{{Name: "Main", Main: true}}}
	seed.Users = append(seed.Users, zoomtest.SeedUser{Email: "owner@corp.example", FirstName: "O", LastName: "Owner", Type: 2, Role: "owner"})
	for i := 1; i <= 20; i++ {
		seed.Users = append(seed.Users, zoomtest.SeedUser{Email: fmt.Sprintf("s%02d@corp.example", i), FirstName: "S", LastName: fmt.Sprint(i),
			Type: 2, Groups: []string{"Sales"}})
	}
	return seed
}

func salesMembers(e *runEnv) int {
	for _, g := range e.srv.Groups() {
		if g.Name == "Sales" {
			return len(g.MemberIDs)
		}
	}
	return -1
}

// summaryValue is a plan.xlsx Summary line's value.
func summaryValue(t *testing.T, path, what string) string {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("Summary")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if len(r) > 1 && r[0] == what {
			return r[1]
		}
	}
	return ""
}

// Issue 23 item 2: a sync that would take out 15 of Sales' 20 members, none
// of them in the sheet: the dry run, --check and plan.xlsx say the real
// run would stop and why; the real run with --yes stops before any write
// (exit 3) naming the group, the count and how to allow it; with
// --max-removals 15 it goes through, and the prompt names the removals.
func TestRunStopsAtTheDefaultRemovalLimit(t *testing.T) {
	synctest.Test(t, testRunStopsAtTheDefaultRemovalLimit)
}

func testRunStopsAtTheDefaultRemovalLimit(t *testing.T) {
	e := newMemSalesEnv(t)
	var b strings.Builder
	b.WriteString("Email,Group\n")
	for i := 1; i <= 5; i++ {
		fmt.Fprintf(&b, "s%02d@corp.example,Sales\n", i)
	}
	e.file("in.csv", b.String())
	job := e.file("job.yaml", "version: 1\nname: sales\ninput: in.csv\nfields: { email: Email, group: Group }\nsteps:\n  - move_group: { sync: exact }\n")

	dry := filepath.Join(e.dir, "dry")
	code, text := e.main(nil, "run", job, "--dry-run", "--out", dry)
	for _, want := range []string{"The real run would stop before any write", `15 of the 20 members of group "Sales"`,
		"the default limit of 10 % of its members allows (2)", "--max-removals 15", "limits.max_removals"} {
		if !strings.Contains(text, want) {
			t.Errorf("the dry run does not say %q (exit %d):\n%s", want, code, text)
		}
	}
	if v := summaryValue(t, filepath.Join(dry, "plan.xlsx"), "The real run stops before any write"); !strings.HasPrefix(v, "yes: ") || !strings.Contains(v, "--max-removals 15") {
		t.Errorf("plan.xlsx says %q", v)
	}
	code, text = e.main(nil, "run", job, "--check", "--out", filepath.Join(e.dir, "check"))
	if code != ExitDrift || !strings.Contains(text, "a real run would stop before any write") || !strings.Contains(text, "10 % of its members") {
		t.Errorf("--check: exit %d, want 5 saying the run would stop:\n%s", code, text)
	}

	code, text = e.main(nil, "run", job, "--yes", "--out", filepath.Join(e.dir, "run"))
	if code != ExitAborted || !strings.Contains(text, `group "Sales"`) || !strings.Contains(text, "--max-removals 15") {
		t.Errorf("the run: exit %d, want 3 naming the group and the flag:\n%s", code, text)
	}
	if w := writes(e.srv.Stats()); w != 0 || salesMembers(e) != 20 {
		t.Fatalf("over the limit: %d writes, Sales has %d members (want 20)", w, salesMembers(e))
	}
	if code, text := e.main(nil, "run", job, "--yes", "--max-removals", "lots", "--out", filepath.Join(e.dir, "bad")); code != ExitUsage {
		t.Errorf("--max-removals lots: exit %d, want 2:\n%s", code, text)
	}

	code, text = e.main(nil, "run", job, "--yes", "--max-removals", "15", "--out", filepath.Join(e.dir, "allowed"))
	if code != ExitOK || salesMembers(e) != 5 {
		t.Fatalf("--max-removals 15: exit %d, Sales has %d members (want 5):\n%s", code, salesMembers(e), text)
	}
	for _, want := range []string{"Removes: 15 group removals", `move_group: 15 of the 20 members of group "Sales" no row lists`,
		"Removal limit: --max-removals 15", "Calls: Light 15\n", "5 rows and 15 members no row lists: succeeded 15, unchanged 5"} {
		if !strings.Contains(text, want) {
			t.Errorf("the prompt does not say %q:\n%s", want, text)
		}
	}
	lines := readCSV(t, filepath.Join(e.dir, "allowed", "results.csv"))
	n := 0
	for _, l := range lines {
		if l["zb_action"] == "remove (not listed)" && l["zb_target"] == `group "Sales"` && l["zb_row"] == "" {
			n++
		}
	}
	if n != 15 || len(lines) != 20 {
		t.Errorf("results.csv has %d rows, %d of them removals of unlisted members; want 20 and 15", len(lines), n)
	}
}

// Issue 23 item 4: the prompt tells the whole story before the question:
// what the run creates, and the rows that will fail (the count and the
// first three).
func TestPromptTellsTheWholeStory(t *testing.T) { synctest.Test(t, testPromptTellsTheWholeStory) }

func testPromptTellsTheWholeStory(t *testing.T) {
	e := newMemRunEnv(t, zoomtest.Options{NoRateLimits: true})
	job := e.file("job.yaml", `version: 1
name: hires
input: users.csv
fields:
  email: Email
  first_name: First Name
  last_name: Last Name
  division: Region
  type: { default: 1 }
steps:
  - create_users
  - assign_division: { create_missing: true }
`)
	e.file("users.csv", "Email,First Name,Last Name,Region\n"+
		"one@acme.example,One,New,Nordics\ntwo@acme.example,Two,New,Nordics\n"+
		"bad1,Bad,One,EMEA\nbad2,Bad,Two,EMEA\nbad3,Bad,Three,EMEA\nbad4,Bad,Four,EMEA\n")
	code, text := e.mainWith("n\n", "run", job, "--out", filepath.Join(e.dir, "out"))
	if code != ExitAborted {
		t.Fatalf("declined: exit %d, want 3:\n%s", code, text)
	}
	start, end := strings.Index(text, "Creates:"), strings.Index(text, "[y/N]")
	if start < 0 || end < start {
		t.Fatalf("no prompt story before the question:\n%s", text)
	}
	prompt := text[start:end]
	for _, want := range []string{"Creates: 1 division, 2 users", "Rows that will fail: 4", "row 4 bad1", "row 5 bad2", "row 6 bad3",
		"... and 1 more", "Apply to account acme-sandbox"} {
		if !strings.Contains(prompt, want) {
			t.Errorf("the prompt does not say %q:\n%s", want, prompt)
		}
	}
	if strings.Contains(prompt, "row 7 bad4") {
		t.Errorf("the prompt lists more than three failing rows:\n%s", prompt)
	}
	if !strings.Contains(text, "Creations: 1 division, 2 users") {
		t.Errorf("the console plan does not show the creations:\n%s", text)
	}
}
