package jobs_test

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/jobs"
	"github.com/zoombulk/zoombulk/internal/results"
	"github.com/zoombulk/zoombulk/internal/sheet"
	"github.com/zoombulk/zoombulk/internal/zoom"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// testInterval scales Zoom's 10-second features rule down, in the sandbox
// and the client alike.
const testInterval = 100 * time.Millisecond

// env is a sandbox seeded like samples/, and a client for it. The client
// reaches the sandbox through zoomtest's in-memory transport: no socket, so
// a test that runs inside a synctest bubble (bubble) waits out the pacing,
// the features interval and the timeouts on the bubble's clock.
type env struct {
	t      *testing.T
	srv    *zoomtest.Server
	client *zoom.Client
	dir    string
}

func newEnv(t *testing.T, opts zoomtest.Options) *env {
	t.Helper()
	if opts.Seed == nil {
		seed, err := zoomtest.LoadSeed("../../samples/sandbox-seed.yaml")
		if err != nil {
			t.Fatal(err)
		}
		opts.Seed = seed
	}
	if opts.FeaturesInterval == 0 {
		opts.FeaturesInterval = testInterval
	}
	srv := zoomtest.NewMemServer(t, opts)
	return &env{t: t, srv: srv, client: newClient(t, srv), dir: t.TempDir()}
}

// newClient is a client of srv at business/1.0; tweak changes its config.
func newClient(t *testing.T, srv *zoomtest.Server, tweak ...func(*zoom.Config)) *zoom.Client {
	t.Helper()
	cfg := zoomtest.MemConfig(srv, 5*time.Second)
	cfg.Tier, cfg.Share = "business", 1
	cfg.FeaturesInterval = testInterval
	cfg.BackoffBase, cfg.BackoffMax = 5*time.Millisecond, 100*time.Millisecond
	for _, f := range tweak {
		f(&cfg)
	}
	c, err := zoom.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// write puts a file in the env's folder and returns its path.
func (e *env) write(name, content string) string {
	e.t.Helper()
	p := filepath.Join(e.dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		e.t.Fatal(err)
	}
	return p
}

func (e *env) writeCSV(name string, header []string, rows [][]string) string {
	e.t.Helper()
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Write(header)
	w.WriteAll(rows)
	return e.write(name, b.String())
}

// run runs a job into out (a fresh folder unless opts say resume).
func (e *env) run(ctx context.Context, jobPath, out string, tweak func(*jobs.Options)) (*jobs.Summary, error) {
	e.t.Helper()
	job, err := jobfile.Load(jobPath)
	if err != nil {
		e.t.Fatal(err)
	}
	r := &jobs.Runner{Client: e.client, Job: job, Opts: jobs.Options{OutDir: out, Version: "test"}}
	if tweak != nil {
		tweak(&r.Opts)
	}
	return r.Run(ctx)
}

// results reads results.csv as maps keyed by header, in file order.
func readResults(t *testing.T, dir string) []map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "results.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	data, _ := io.ReadAll(f)
	data = []byte(strings.TrimPrefix(string(data), "\ufeff"))
	recs, err := csv.NewReader(strings.NewReader(string(data))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, rec := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = sheet.UnescapeFormula(rec[i])
		}
		out = append(out, m)
	}
	return out
}

// writes counts the write calls the sandbox received.
func writes(st zoomtest.Stats) int {
	n := 0
	for ep, c := range st.Calls {
		if !strings.HasPrefix(ep, "GET ") {
			n += c
		}
	}
	return n
}

const mixedJob = `version: 1
name: mixed
input: { path: users.csv }
fields:
  email: Email
  first_name: First Name
  last_name: Last Name
  type:
    column: License
    values: { Licensed: 2, Basic: 1 }
    default: 1
  dept: Department
  group: Group
  division: Division
  webinar:
    column: Webinar
    values: { "500": "1", "1000": "64", none: "0" }
steps:
  - create_users: { action: create, if_exists: update }
  - update_features: [ { feature_type: webinar, value: webinar } ]
  - move_group: { to: group }
  - assign_division: { to: division }
`

var (
	mixedHeader = []string{"Email", "First Name", "Last Name", "License", "Department", "Group", "Division", "Webinar"}
	groupNames  = []string{"Engineering", "Sales", "Support", "Marketing", "Finance", "HR", "Operations"}
	divNames    = []string{"Americas", "EMEA", "APAC"}
)

// mixedRows is new hires, changes to the 23 seeded members, 5 rows with a
// misspelt group and 5 with a broken email.
func mixedRows(srv *zoomtest.Server, hires int) [][]string {
	var rows [][]string
	for i := range hires {
		lic, web := "Basic", ""
		if i%3 == 0 {
			lic = "Licensed"
		}
		if i%5 == 0 {
			// Zoom grants a webinar to Licensed users only.
			lic, web = "Licensed", "500"
		}
		rows = append(rows, []string{fmt.Sprintf("hire%03d@acme.example", i), fmt.Sprintf("First%d", i), fmt.Sprintf("Last%d", i),
			lic, fmt.Sprintf("Dept %d", i%4), groupNames[i%len(groupNames)], divNames[i%len(divNames)], web})
	}
	seeded := srv.Users()
	for i := range 40 {
		u := seeded[2+i%(len(seeded)-2)] // not the owner or the admin
		if i >= len(seeded)-2 {
			break
		}
		// Every one of them gets a 1000-seat webinar, which Zoom grants
		// to Licensed users only: the sheet licenses them too.
		rows = append(rows, []string{u.Email, u.FirstName, u.LastName, "Licensed", "Moved " + u.Dept, groupNames[(i+3)%len(groupNames)], divNames[(i+1)%len(divNames)], "1000"})
	}
	for i := range 5 {
		rows = append(rows, []string{fmt.Sprintf("typo%d@acme.example", i), "Typo", "Group", "Basic", "", "Enginering", "EMEA", ""})
	}
	for i := range 5 {
		rows = append(rows, []string{fmt.Sprintf("broken%d.acme.example", i), "Broken", "Email", "Basic", "", "Sales", "EMEA", ""})
	}
	return rows
}

func TestMixedJobEndToEnd(t *testing.T) {
	t.Parallel()
	synctest.Test(t, testMixedJobEndToEnd)
}

func testMixedJobEndToEnd(t *testing.T) {
	e := newEnv(t, zoomtest.Options{Tier: "business"})
	rows := mixedRows(e.srv, 217)
	if len(rows) != 250 {
		t.Fatalf("%d rows, want 250", len(rows))
	}
	e.writeCSV("users.csv", mixedHeader, rows)
	jobPath := e.write("job.yaml", mixedJob)
	out := filepath.Join(e.dir, "run1")
	sum, err := e.run(context.Background(), jobPath, out, nil)
	if err != nil {
		t.Fatal(err)
	}
	lines := readResults(t, out)
	if len(lines) != len(rows) {
		t.Fatalf("%d result lines for %d rows", len(lines), len(rows))
	}
	groupID := map[string]string{}
	for _, g := range e.srv.Groups() {
		groupID[g.Name] = g.ID
	}
	divID := map[string]string{}
	for _, d := range e.srv.Divisions() {
		divID[d.Name] = d.ID
	}
	for i, line := range lines {
		row := rows[i]
		if line["Email"] != row[0] || line["zb_row"] != fmt.Sprint(i+2) {
			t.Fatalf("line %d is %s row %s: not in input order", i, line["Email"], line["zb_row"])
		}
		switch {
		case strings.HasPrefix(row[0], "broken"):
			if line["zb_status"] != "failed" || line["zb_step"] != "validate" {
				t.Errorf("%s: %s at %s, want failed at validate", row[0], line["zb_status"], line["zb_step"])
			}
			if _, ok := e.srv.UserByEmail(row[0]); ok {
				t.Errorf("%s was sent to Zoom", row[0])
			}
			continue
		case strings.HasPrefix(row[0], "typo"):
			if line["zb_status"] != "failed" || line["zb_step"] != "move_group" || !strings.Contains(line["zb_hint"], `"Engineering"`) {
				t.Errorf("%s: %v, want failed at move_group with a hint naming Engineering", row[0], line)
			}
			if line["zb_assign_division"] != "skipped" {
				t.Errorf("%s: assign_division %q, want skipped after the failure", row[0], line["zb_assign_division"])
			}
			continue
		}
		if line["zb_status"] != "succeeded" {
			t.Errorf("row %d %s: %s at %s: %s", i+2, row[0], line["zb_status"], line["zb_step"], line["zb_reason"])
			continue
		}
		u, ok := e.srv.UserByEmail(row[0])
		if !ok {
			t.Errorf("%s: not in the account", row[0])
			continue
		}
		if line["zb_user_id"] != u.ID {
			t.Errorf("%s: zb_user_id %q, account has %q", row[0], line["zb_user_id"], u.ID)
		}
		wantType := map[string]int{"Basic": 1, "Licensed": 2}[row[3]]
		if u.Type != wantType || u.Dept != row[4] || u.FirstName != row[1] {
			t.Errorf("%s: type %d dept %q first %q, want %d %q %q", row[0], u.Type, u.Dept, u.FirstName, wantType, row[4], row[1])
		}
		if len(u.GroupIDs) == 0 || u.GroupIDs[0] != groupID[row[5]] {
			t.Errorf("%s: groups %v, want %s (%s) first", row[0], u.GroupIDs, row[5], groupID[row[5]])
		}
		if u.DivisionID != divID[row[6]] {
			t.Errorf("%s: division %q, want %s", row[0], u.DivisionID, row[6])
		}
		wantWeb := map[string]string{"500": "1", "1000": "64"}[row[7]]
		if got := u.Features["webinar"]; got != wantWeb {
			t.Errorf("%s: webinar %q, want %q", row[0], got, wantWeb)
		}
	}
	if n := e.srv.Stats().Applied["POST /users"]; n != 217 {
		t.Errorf("creates applied = %d, want 217: the hires, and none for the typo rows, which cannot finish", n)
	}
	if q := zoom.Total(sum.Stats.QPS429); q != 0 {
		t.Errorf("%d QPS 429s with the sandbox enforcing the client's tier: %v", q, e.srv.Stats().QPS429)
	}

	// The same job again: every row that worked is already as asked, and
	// not one write call goes out.
	e.srv.ResetStats()
	out2 := filepath.Join(e.dir, "run2")
	sum2, err := e.run(context.Background(), jobPath, out2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if w := writes(e.srv.Stats()); w != 0 {
		t.Errorf("the rerun sent %d write calls: %v", w, e.srv.Stats().Calls)
	}
	for i, line := range readResults(t, out2) {
		if lines[i]["zb_status"] == "succeeded" && line["zb_status"] != "unchanged" {
			t.Errorf("rerun row %s: %s (%s), want unchanged: %v", line["Email"], line["zb_status"], line["zb_reason"], line)
		}
	}
	if want := len(rows) - 10; sum2.Counts[results.Unchanged] != want {
		t.Errorf("rerun counts %v, want %d unchanged", sum2.Counts, want)
	}
}

func TestFeatureBatchesAreFullAndSpaced(t *testing.T) {
	synctest.Test(t, testFeatureBatchesAreFullAndSpaced)
}

func testFeatureBatchesAreFullAndSpaced(t *testing.T) {
	e := newEnv(t, zoomtest.Options{Tier: "business", Users: 100})
	var rows [][]string
	for _, u := range e.srv.Users() {
		// Licensed members: Zoom grants webinars to them only.
		if u.Status == "active" && u.Role == "member" && u.Type == 2 && u.Features["webinar"] != "64" && len(rows) < 70 {
			rows = append(rows, []string{u.Email, "1000"})
		}
	}
	e.writeCSV("users.csv", []string{"Email", "Webinar"}, rows)
	jobPath := e.write("job.yaml", `version: 1
name: webinars
input: { path: users.csv }
fields:
  email: Email
  webinar: { column: Webinar, values: { "1000": "64" } }
steps:
  - update_features: [ { feature_type: webinar } ]
`)
	start := time.Now()
	sum, err := e.run(context.Background(), jobPath, filepath.Join(e.dir, "out"), nil)
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	calls := e.srv.Stats().Calls["POST /users/features"]
	if calls != 3 { // 70 users: 30 + 30 + 10
		t.Errorf("features calls = %d, want 3 (30, 30, 10)", calls)
	}
	if q := e.srv.Stats().QPS429["Medium"]; q != 0 {
		t.Errorf("%d 429s: the client did not keep the features interval", q)
	}
	if took < 2*testInterval {
		t.Errorf("3 calls in %s: not spaced by the %s interval", took, testInterval)
	}
	if sum.Counts[results.Succeeded] != len(rows) {
		t.Errorf("counts %v, want %d succeeded", sum.Counts, len(rows))
	}
}

func TestDailyCapDefersAndResumeFinishes(t *testing.T) {
	synctest.Test(t, testDailyCapDefersAndResumeFinishes)
}

func testDailyCapDefersAndResumeFinishes(t *testing.T) {
	e := newEnv(t, zoomtest.Options{Tier: "business", DailyCreateCap: 20})
	var rows [][]string
	for i := range 30 {
		rows = append(rows, []string{fmt.Sprintf("cap%02d@acme.example", i), "Cap", fmt.Sprint(i), "Basic", "", "Sales", "EMEA", ""})
	}
	e.writeCSV("users.csv", mixedHeader, rows)
	jobPath := e.write("job.yaml", mixedJob)
	out := filepath.Join(e.dir, "out")
	sum, err := e.run(context.Background(), jobPath, out, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Counts[results.Succeeded] != 20 || sum.Counts[results.Deferred] != 10 {
		t.Fatalf("counts %v, want 20 succeeded and 10 deferred", sum.Counts)
	}
	if sum.DeferredTo.IsZero() {
		t.Error("no reset time for the deferred rows")
	}
	for _, line := range readResults(t, out) {
		u, created := e.srv.UserByEmail(line["Email"])
		switch {
		case !created && (line["zb_status"] != "deferred" || line["zb_step"] != "create_users" || !strings.Contains(line["zb_hint"], "--resume")):
			t.Errorf("%s was not created but reads %v", line["Email"], line)
		case !created && line["zb_move_group"] != "deferred":
			t.Errorf("%s: later steps of a deferred row read %q, want deferred", line["Email"], line["zb_move_group"])
		case created && len(u.GroupIDs) == 0:
			// The other steps went on for the rows that were created.
			t.Errorf("%s was created but did not get its group", line["Email"])
		}
	}

	e.srv.ResetDaily() // midnight UTC passed
	e.srv.ResetStats()
	sum, err = e.run(context.Background(), jobPath, out, func(o *jobs.Options) { o.Resume = true })
	if err != nil {
		t.Fatal(err)
	}
	if sum.Counts[results.Succeeded] != 30 {
		t.Fatalf("after resume: %v, want 30 succeeded", sum.Counts)
	}
	if n := e.srv.Stats().Applied["POST /users"]; n != 10 {
		t.Errorf("resume created %d users, want the 10 deferred ones", n)
	}
	for _, r := range rows {
		if u, ok := e.srv.UserByEmail(r[0]); !ok || len(u.GroupIDs) == 0 {
			t.Errorf("%s: %+v", r[0], u)
		}
	}
}

// finalState is the account as the tests compare it.
func finalState(srv *zoomtest.Server) map[string]string {
	out := map[string]string{}
	for _, u := range srv.Users() {
		out[u.Email] = fmt.Sprintf("type=%d dept=%s groups=%v div=%s feat=%v", u.Type, u.Dept, u.GroupIDs, u.DivisionID, u.Features)
	}
	return out
}

func TestInterruptedRunResumesToTheSameState(t *testing.T) {
	t.Parallel()
	synctest.Test(t, testInterruptedRunResumesToTheSameState)
}

func testInterruptedRunResumesToTheSameState(t *testing.T) {
	// The uninterrupted reference run.
	ref := newEnv(t, zoomtest.Options{Tier: "business"})
	rows := mixedRows(ref.srv, 80)
	ref.writeCSV("users.csv", mixedHeader, rows)
	refJob := ref.write("job.yaml", mixedJob)
	if _, err := ref.run(context.Background(), refJob, filepath.Join(ref.dir, "out"), nil); err != nil {
		t.Fatal(err)
	}

	e := newEnv(t, zoomtest.Options{Tier: "business"})
	e.writeCSV("users.csv", mixedHeader, rows)
	jobPath := e.write("job.yaml", mixedJob)
	out := filepath.Join(e.dir, "out")
	ctx, cancel := context.WithCancel(context.Background())
	// Stop the run the moment the sandbox has applied its 30th create
	// (the channel closes under the sandbox's lock), not at a poll.
	reached := e.srv.AppliedReached("POST /users", 30)
	go func() {
		select {
		case <-ctx.Done():
			return // the run ended first: nothing to interrupt
		case <-reached:
		}
		cancel() // Ctrl-C in the middle of the creates
	}()
	sum, err := e.run(ctx, jobPath, out, nil)
	cancel()
	if !errors.Is(err, jobs.ErrAborted) {
		t.Fatalf("err = %v, want ErrAborted", err)
	}
	if sum.Counts[results.NotRun] == 0 {
		t.Fatalf("counts %v: nothing was left not_run", sum.Counts)
	}
	if got := len(readResults(t, out)); got != len(rows) {
		t.Fatalf("interrupted report has %d lines, want %d", got, len(rows))
	}
	sum, err = e.run(context.Background(), jobPath, out, func(o *jobs.Options) { o.Resume = true })
	if err != nil {
		t.Fatal(err)
	}
	if sum.Counts[results.NotRun] != 0 || sum.Counts[results.Failed] != 10 {
		t.Errorf("after resume: %v, want no not_run and the 10 bad rows failed", sum.Counts)
	}
	want, got := finalState(ref.srv), finalState(e.srv)
	if len(want) != len(got) {
		t.Fatalf("%d users after resume, %d in the uninterrupted run", len(got), len(want))
	}
	for email, w := range want {
		if g := got[email]; g != w {
			t.Errorf("%s: %s, uninterrupted: %s", email, g, w)
		}
	}
	if n := e.srv.Stats().Applied["POST /users"]; n != 80 {
		t.Errorf("%d creates applied across both runs, want 80 (the typo rows start no step): a user was created twice", n)
	}
}

func TestResumeRefusesAChangedInput(t *testing.T) {
	synctest.Test(t, testResumeRefusesAChangedInput)
}

func testResumeRefusesAChangedInput(t *testing.T) {
	e := newEnv(t, zoomtest.Options{})
	e.writeCSV("users.csv", mixedHeader, mixedRows(e.srv, 10)[:10])
	jobPath := e.write("job.yaml", mixedJob)
	out := filepath.Join(e.dir, "out")
	if _, err := e.run(context.Background(), jobPath, out, nil); err != nil {
		t.Fatal(err)
	}
	e.writeCSV("users.csv", mixedHeader, mixedRows(e.srv, 11)[:11])
	_, err := e.run(context.Background(), jobPath, out, func(o *jobs.Options) { o.Resume = true })
	if !errors.Is(err, jobs.ErrChangedSinceRun) && !strings.Contains(fmt.Sprint(err), "changed since") {
		t.Fatalf("err = %v, want a refusal naming the changed input", err)
	}
	if _, err := e.run(context.Background(), jobPath, out, func(o *jobs.Options) { o.Resume, o.Force = true, true }); err != nil {
		t.Fatalf("--force: %v", err)
	}
}

func TestFaultsEndInTheExactState(t *testing.T) {
	t.Parallel()
	synctest.Test(t, testFaultsEndInTheExactState)
}

func testFaultsEndInTheExactState(t *testing.T) {
	ref := newEnv(t, zoomtest.Options{Tier: "business"})
	rows := mixedRows(ref.srv, 100)
	ref.writeCSV("users.csv", mixedHeader, rows)
	if _, err := ref.run(context.Background(), ref.write("job.yaml", mixedJob), filepath.Join(ref.dir, "out"), nil); err != nil {
		t.Fatal(err)
	}

	e := newEnv(t, zoomtest.Options{Tier: "business", Faults: zoomtest.Faults{Seed: 42, ServerError: 0.05, Reset: 0.01, LostAnswer: 0.01}})
	e.writeCSV("users.csv", mixedHeader, rows)
	out := filepath.Join(e.dir, "out")
	sum, err := e.run(context.Background(), e.write("job.yaml", mixedJob), out, nil)
	if err != nil {
		t.Fatal(err)
	}
	if f := e.srv.Stats().Faults; f["5xx"]+f["reset"]+f["lost"] == 0 {
		t.Fatalf("no faults were injected: %v", f)
	}
	lines := readResults(t, out)
	if len(lines) != len(rows) {
		t.Fatalf("%d lines for %d rows", len(lines), len(rows))
	}
	if sum.Counts[results.Failed] != 10 {
		t.Errorf("counts %v, want only the 10 bad rows failed", sum.Counts)
		for _, l := range lines {
			if l["zb_status"] == "failed" {
				t.Logf("%s: %s %s", l["Email"], l["zb_step"], l["zb_reason"])
			}
		}
	}
	if n := e.srv.Stats().Applied["POST /users"]; n != 100 {
		t.Errorf("creates applied = %d, want 100 (the typo rows start no step): none twice", n)
	}
	want, got := finalState(ref.srv), finalState(e.srv)
	for email, w := range want {
		if got[email] != w {
			t.Errorf("%s: %s, without faults: %s", email, got[email], w)
		}
	}
}

func TestPlanReadsNewHiresWithOneListing(t *testing.T) {
	synctest.Test(t, testPlanReadsNewHiresWithOneListing)
}

func testPlanReadsNewHiresWithOneListing(t *testing.T) {
	// job_title is not in the List users answer, so existing users are read
	// in full; new hires are not: the listing already says they are new.
	e := newEnv(t, zoomtest.Options{Tier: "business"})
	var rows [][]string
	for i := range 40 {
		rows = append(rows, []string{fmt.Sprintf("new%02d@acme.example", i), "New", "Hire", "Engineer"})
	}
	rows = append(rows, []string{"alan.turing@acme.example", "Alan", "Turing", "Codebreaker"})
	e.writeCSV("users.csv", []string{"Email", "First Name", "Last Name", "Title"}, rows)
	jobPath := e.write("job.yaml", `version: 1
name: titles
input: users.csv
fields:
  email: Email
  first_name: First Name
  last_name: Last Name
  job_title: Title
  type: { default: 1 }
steps:
  - create_users: { if_exists: update }
`)
	sum, err := e.run(context.Background(), jobPath, filepath.Join(e.dir, "out"), func(o *jobs.Options) { o.DryRun = true })
	if err != nil {
		t.Fatal(err)
	}
	calls := e.srv.Stats().Calls
	if got := calls["GET /users/{userId}"]; got != 1 {
		t.Errorf("%d look-ups, want 1 (the one existing user): %v", got, calls)
	}
	if calls["GET /users"] == 0 {
		t.Errorf("no listing: %v", calls)
	}
	if a := sum.Plan.Steps[0].Actions; a[results.ActCreate] != 40 || a[results.ActUpdate] != 1 {
		t.Errorf("plan %v, want 40 creates and 1 update", a)
	}
}

func TestMoveGroupModesAndMatchByID(t *testing.T) {
	e := newEnv(t, zoomtest.Options{NoRateLimits: true})
	ada, _ := e.srv.UserByEmail("ada.lovelace@acme.example")  // Engineering, Operations
	alan, _ := e.srv.UserByEmail("alan.turing@acme.example")  // Engineering
	sam, _ := e.srv.UserByEmail("sam.seller@acme.example")    // Sales
	priya, _ := e.srv.UserByEmail("priya.patel@acme.example") // Support
	groupID := map[string]string{}
	for _, g := range e.srv.Groups() {
		groupID[g.Name] = g.ID
	}
	for _, tc := range []struct {
		mode string
		rows [][]string
		want map[string][]string // user ID -> groups after, primary first
		outc map[string]string   // user ID -> zb_status
	}{
		{"add", [][]string{{alan.ID, "Sales"}, {sam.ID, "Sales"}},
			map[string][]string{alan.ID: {"Engineering", "Sales"}, sam.ID: {"Sales"}},
			map[string]string{alan.ID: "succeeded", sam.ID: "unchanged"}},
		{"set_primary", [][]string{{ada.ID, "Operations"}, {priya.ID, "Finance"}},
			map[string][]string{ada.ID: {"Operations", "Engineering"}, priya.ID: {"Support"}},
			map[string]string{ada.ID: "succeeded", priya.ID: "failed"}},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			e.writeCSV("ids.csv", []string{"User ID", "Group"}, tc.rows)
			job := e.write("job.yaml", `version: 1
name: modes
input: ids.csv
match: id
fields: { id: User ID, group: Group }
steps:
  - move_group: { to: group, mode: `+tc.mode+` }
`)
			out := filepath.Join(e.dir, tc.mode)
			if _, err := e.run(context.Background(), job, out, nil); err != nil {
				t.Fatal(err)
			}
			for _, line := range readResults(t, out) {
				id := line["User ID"]
				if line["zb_status"] != tc.outc[id] {
					t.Errorf("%s: %s (%s), want %s", id, line["zb_status"], line["zb_reason"], tc.outc[id])
				}
			}
			for _, u := range e.srv.Users() {
				want, ok := tc.want[u.ID]
				if !ok {
					continue
				}
				var ids []string
				for _, name := range want {
					ids = append(ids, groupID[name])
				}
				if fmt.Sprint(u.GroupIDs) != fmt.Sprint(ids) {
					t.Errorf("%s: groups %v, want %v (%v)", u.Email, u.GroupIDs, ids, want)
				}
			}
		})
	}
}

func TestStatusFeaturesAndIfExists(t *testing.T) {
	synctest.Test(t, testStatusFeaturesAndIfExists)
}

func testStatusFeaturesAndIfExists(t *testing.T) {
	e := newEnv(t, zoomtest.Options{NoRateLimits: true})
	e.writeCSV("users.csv", []string{"Email", "First", "Last", "Status", "Large", "License"}, [][]string{
		{"fatima.okafor@acme.example", "Fatima", "Okafor", "active", "", ""},   // inactive -> activate
		{"grace.hopper@acme.example", "Grace", "Hopper", "", "500", ""},        // large_meeting 128 already: unchanged
		{"alan.turing@acme.example", "Alan", "Turing", "inactive", "1000", ""}, // deactivate, and a large meeting
		{"linus.berg@acme.example", "Linus", "Berg", "", "", "Licensed"},       // user_type 1 -> 2
		{"new.person@acme.example", "New", "Person", "active", "", ""},         // pending after create: cannot activate
	})
	job := func(ifExists string) string {
		return e.write("job.yaml", `version: 1
name: mixed-steps
input: users.csv
fields:
  email: Email
  first_name: First
  last_name: Last
  type: { default: 1 }
  status: Status
  large_meeting: { column: Large, values: { "500": "128", "1000": "256" } }
  user_type: { column: License, values: { Licensed: "2", Basic: "1" } }
steps:
  - create_users: { if_exists: `+ifExists+` }
  - set_status: {}
  - update_features: [ { feature_type: large_meeting }, { feature_type: user_type } ]
`)
	}
	out := filepath.Join(e.dir, "skip")
	if _, err := e.run(context.Background(), job("skip"), out, nil); err != nil {
		t.Fatal(err)
	}
	want := map[string][2]string{ // status, step
		"fatima.okafor@acme.example": {"succeeded", ""},
		"grace.hopper@acme.example":  {"unchanged", ""},
		"alan.turing@acme.example":   {"succeeded", ""},
		"linus.berg@acme.example":    {"succeeded", ""},
		"new.person@acme.example":    {"failed", "set_status"},
	}
	for _, line := range readResults(t, out) {
		if w := want[line["Email"]]; line["zb_status"] != w[0] || line["zb_step"] != w[1] {
			t.Errorf("%s: %s at %q (%s), want %s at %q", line["Email"], line["zb_status"], line["zb_step"], line["zb_reason"], w[0], w[1])
		}
	}
	check := func(email, status string, typ int, large string) {
		t.Helper()
		u, _ := e.srv.UserByEmail(email)
		if u.Status != status || u.Type != typ || u.Features["large_meeting"] != large {
			t.Errorf("%s: status %s type %d large %q, want %s %d %q", email, u.Status, u.Type, u.Features["large_meeting"], status, typ, large)
		}
	}
	check("fatima.okafor@acme.example", "active", 1, "")
	check("grace.hopper@acme.example", "active", 2, "128")
	check("alan.turing@acme.example", "inactive", 2, "256")
	check("linus.berg@acme.example", "active", 2, "")
	if n := e.srv.Stats().Calls["POST /users/features"]; n != 2 {
		t.Errorf("%d features calls, want 2 (large_meeting for Alan, user_type for Linus)", n)
	}

	// if_exists: fail refuses the existing users before any call.
	e.srv.ResetStats()
	out = filepath.Join(e.dir, "fail")
	if _, err := e.run(context.Background(), job("fail"), out, nil); err != nil {
		t.Fatal(err)
	}
	for _, line := range readResults(t, out) {
		step := "create_users"
		if line["Email"] == "new.person@acme.example" {
			// Still not created: its row fails at set_status, so it starts no step.
			step = "set_status"
		}
		if line["zb_status"] != "failed" || line["zb_step"] != step {
			t.Errorf("%s: %s at %s, want failed at %s", line["Email"], line["zb_status"], line["zb_step"], step)
		}
	}
	if w := writes(e.srv.Stats()); w != 0 {
		t.Errorf("if_exists: fail sent %d writes", w)
	}
}

func TestMatchByIDCreatesRowsWithoutAnID(t *testing.T) {
	synctest.Test(t, testMatchByIDCreatesRowsWithoutAnID)
}

func testMatchByIDCreatesRowsWithoutAnID(t *testing.T) {
	e := newEnv(t, zoomtest.Options{NoRateLimits: true})
	alan, _ := e.srv.UserByEmail("alan.turing@acme.example")
	e.writeCSV("users.csv", []string{"User ID", "Email", "First", "Last", "Dept"}, [][]string{
		{alan.ID, "alan.turing@acme.example", "Alan", "Turing", "Cryptanalysis"},
		{"", "new.byid@acme.example", "New", "ById", "R&D"},
	})
	job := e.write("job.yaml", `version: 1
name: by-id
input: users.csv
match: id
fields: { id: User ID, email: Email, first_name: First, last_name: Last, dept: Dept, type: { default: 1 } }
steps:
  - create_users: { if_exists: update }
`)
	out := filepath.Join(e.dir, "out")
	if _, err := e.run(context.Background(), job, out, nil); err != nil {
		t.Fatal(err)
	}
	for _, line := range readResults(t, out) {
		if line["zb_status"] != "succeeded" {
			t.Errorf("%s: %s (%s)", line["Email"], line["zb_status"], line["zb_reason"])
		}
	}
	if u, _ := e.srv.UserByEmail("alan.turing@acme.example"); u.Dept != "Cryptanalysis" {
		t.Errorf("alan's dept %q: the row with an id did not update", u.Dept)
	}
	if u, ok := e.srv.UserByEmail("new.byid@acme.example"); !ok || u.Dept != "R&D" {
		t.Errorf("the row without an id was not created with its email: %+v", u)
	}
}
