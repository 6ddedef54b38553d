package export

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/jobs"
	"github.com/zoombulk/zoombulk/internal/zoom"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

func readCSVRows(t *testing.T, path string) [][]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(data), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func writeCSVRows(t *testing.T, path string, rows [][]string) {
	t.Helper()
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.WriteAll(rows)
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// runJob runs a job file against the client and returns results.csv.
func runJob(t *testing.T, c *zoom.Client, jobPath, out string) [][]string {
	t.Helper()
	job, err := jobfile.Load(jobPath)
	if err != nil {
		t.Fatal(err)
	}
	r := &jobs.Runner{Client: c, Job: job, Opts: jobs.Options{OutDir: out, Version: "test"}}
	if _, err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	return readCSVRows(t, filepath.Join(out, "results.csv"))
}

func statusColumn(t *testing.T, recs [][]string) []string {
	t.Helper()
	i := slices.Index(recs[0], "zb_status")
	var out []string
	for _, r := range recs[1:] {
		out = append(out, r[i])
	}
	return out
}

// export contact-groups --members -> edit -> run contact_groups: the file
// as exported changes nothing; the added row adds one member.
func TestContactGroupMembersExportRoundTrips(t *testing.T) {
	synctest.Test(t, testContactGroupMembersExportRoundTrips)
}

func testContactGroupMembersExportRoundTrips(t *testing.T) {
	srv := exMemSandbox(t, zoomtest.Options{NoRateLimits: true})
	c := exMemClient(t, srv, nil)
	dir := t.TempDir()
	path := filepath.Join(dir, "contacts.csv")
	res, err := ContactGroupMembers(context.Background(), c, path)
	if err != nil {
		t.Fatal(err)
	}
	recs := readCSVRows(t, path)
	if got := strings.Join(recs[0], ","); got != "Contact Group,Member,Privacy,Description" {
		t.Fatalf("header %q", got)
	}
	if res.Rows != 8 { // London Office 4, Leadership 3 users + the Sales group
		t.Errorf("%d rows, want 8", res.Rows)
	}
	if !slices.ContainsFunc(recs, func(r []string) bool { return r[0] == "Leadership" && r[1] == "Sales" && r[2] == "2" }) {
		t.Errorf("no Leadership/Sales row with privacy 2: %v", recs)
	}
	job := filepath.Join(dir, "contacts.yaml")
	if err := os.WriteFile(job, []byte(`version: 1
name: contacts
input: contacts.csv
fields: { contact_group: Contact Group, member: Member, privacy: Privacy, description: Description }
steps:
  - contact_groups
`), 0o644); err != nil {
		t.Fatal(err)
	}
	srv.ResetStats()
	for _, s := range statusColumn(t, runJob(t, c, job, filepath.Join(dir, "same"))) {
		if s != "unchanged" {
			t.Errorf("the exported file as is: %s, want unchanged", s)
		}
	}
	for ep, n := range srv.Stats().Calls {
		if !strings.HasPrefix(ep, "GET ") && ep != "POST /oauth/token" {
			t.Errorf("the exported file as is wrote %s x%d", ep, n)
		}
	}
	recs = append(recs, []string{"London Office", "grace.hopper@acme.example", "1", "Everyone in the London office"})
	writeCSVRows(t, path, recs)
	st := statusColumn(t, runJob(t, c, job, filepath.Join(dir, "edited")))
	if st[len(st)-1] != "succeeded" {
		t.Errorf("the added row: %s", st[len(st)-1])
	}
	for _, cg := range srv.ContactGroups() {
		if cg.Name == "London Office" && len(cg.MemberIDs) != 5 {
			t.Errorf("London Office has %d members, want 5", len(cg.MemberIDs))
		}
	}
}

func TestGroupAdminsAndAssistantsExports(t *testing.T) {
	synctest.Test(t, testGroupAdminsAndAssistantsExports)
}

func testGroupAdminsAndAssistantsExports(t *testing.T) {
	srv := exMemSandbox(t, zoomtest.Options{NoRateLimits: true})
	c := exMemClient(t, srv, nil)
	ctx := context.Background()
	groups, err := c.ListGroups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var sales string
	for _, g := range groups {
		if g.Name == "Sales" {
			sales = g.ID
		}
	}
	if _, err := c.AddGroupAdmins(ctx, sales, []zoom.UserRef{{Email: "adam.admin@acme.example"}, {Email: "sam.seller@acme.example"}}); err != nil {
		t.Fatal(err)
	}
	if err := c.AddAssistants(ctx, "grace.hopper@acme.example", []zoom.Assistant{{Email: "alan.turing@acme.example"}, {Email: "ada.lovelace@acme.example"}}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "groups.csv")
	if _, err := GroupAdmins(ctx, c, path); err != nil {
		t.Fatal(err)
	}
	recs := readCSVRows(t, path)
	var sal []string
	for _, r := range recs[1:] {
		if r[0] == "Sales" {
			sal = append(sal, r[1])
		}
	}
	slices.Sort(sal)
	if strings.Join(recs[0], ",") != "Group,Admin" || len(recs) != 1+len(groups)+1 || strings.Join(sal, ",") != "adam.admin@acme.example,sam.seller@acme.example" {
		t.Errorf("groups --admins: %v", recs)
	}
	path = filepath.Join(dir, "assistants.csv")
	if _, err := Assistants(ctx, c, path); err != nil {
		t.Fatal(err)
	}
	recs = readCSVRows(t, path)
	if len(recs) != 2 || strings.Join(recs[0], ",") != "Email,Assistants" || recs[1][0] != "grace.hopper@acme.example" ||
		recs[1][1] != "alan.turing@acme.example; ada.lovelace@acme.example" {
		t.Errorf("assistants: %v", recs)
	}
}
