package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zoombulk/zoombulk/internal/export"
	"github.com/zoombulk/zoombulk/internal/jobs"
	"github.com/zoombulk/zoombulk/internal/memstat"
	"github.com/zoombulk/zoombulk/internal/zoom"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

const (
	// rateTarget: a per-row (or per-batch) step holds this share of the
	// rate-limit bound.
	rateTarget = 0.97
	// featuresTarget: the features step takes at most this many times
	// its bound, (calls - 1) intervals + one answer.
	featuresTarget = 1.02
	// exportSlack is what the users export may take beyond the listing's
	// rate-limit bound.
	exportSlack = 3 * time.Second

	seqRows      = 8   // the sequential script's rows (calls) per measure
	batchCalls   = 4   // the batching script's calls per measure
	featureSeq   = 3   // features scripts are slow: one interval a call
	featureA     = 150 // users at one features value: 5 calls
	featureB     = 140 // at another: 5 calls, the last one short
	exportUsers  = 100_000
	defaultBound = 10 * time.Second
)

var (
	groupNames    = []string{"Engineering", "Sales", "Support", "Marketing", "Finance", "HR", "Operations"}
	divisionNames = []string{"Americas", "EMEA", "APAC"}

	// The CLI's default tier and share (pro, 0.8) and the whole business
	// tier, each at 50 ms and 300 ms per answer; the per-row and per-batch
	// steps also at 1 s (features: its 10 s rule, not latency, sets its pace).
	setups = []setup{
		{"pro", zoom.DefaultShare, 50 * time.Millisecond},
		{"business", 1, 50 * time.Millisecond},
		{"pro", zoom.DefaultShare, 300 * time.Millisecond},
		{"business", 1, 300 * time.Millisecond},
	}
	slowSetups = []setup{
		{"pro", zoom.DefaultShare, time.Second},
		{"business", 1, time.Second},
	}
)

// boundTime is the rate-limit time each per-row step is sized for (10 s;
// ZOOMBULK_BENCH_SECONDS overrides it for a quick look). At 1 s latency
// the last answer is 1 s of it, so the ratio still means the pacing.
func boundTime() time.Duration {
	if v, err := strconv.ParseFloat(os.Getenv("ZOOMBULK_BENCH_SECONDS"), 64); err == nil && v > 0 {
		return time.Duration(v * float64(time.Second))
	}
	return defaultBound
}

// callsFor is how many calls of cat fill the bound at s's rate.
func callsFor(s setup, cat zoom.Category, bound time.Duration) int {
	return max(int(zoom.Tiers[s.tier].PerSecond[cat]*s.share*bound.Seconds()), 10)
}

// runPerSetup runs run under each setup of all: one sub-benchmark per tier,
// one per latency inside it (a name used twice would be renamed with #01).
func runPerSetup(b *testing.B, all []setup, run func(*testing.B, setup)) {
	var tiers []string
	for _, s := range all {
		if !slices.Contains(tiers, s.tierName()) {
			tiers = append(tiers, s.tierName())
		}
	}
	for _, t := range tiers {
		b.Run(t, func(b *testing.B) {
			for _, s := range all {
				if s.tierName() != t {
					continue
				}
				b.Run(s.latencyName(), func(b *testing.B) {
					for b.Loop() {
						run(b, s)
					}
				})
			}
		})
	}
}

// BenchmarkAPI runs each step through the engine against the sandbox,
// under each setup:
//
//	go test ./bench -run '^$' -bench API -benchtime 1x
func BenchmarkAPI(b *testing.B) {
	steps := []struct {
		name string
		run  func(*testing.B, setup)
		slow bool // also at 1 s
	}{
		{"create_users", benchCreate, true},
		{"update_users", benchUpdate, true},
		{"move_group", benchMove, true},
		{"assign_division", benchDivision, true},
		{"update_features", benchFeatures, false},
		{"update_settings", benchSettings, true},
		{"change_email", benchChangeEmail, true},
	}
	for _, st := range steps {
		b.Run(st.name, func(b *testing.B) {
			all := setups
			if st.slow {
				all = append(slices.Clone(setups), slowSetups...)
			}
			runPerSetup(b, all, st.run)
		})
	}
	runPagingBenchmarks(b)
	s := setup{"business", 1, 300 * time.Millisecond}
	for _, numbers := range []bool{false, true} {
		b.Run(pick(numbers, "export_users_page_numbers", "export_users"), func(b *testing.B) {
			b.Run(s.tierName(), func(b *testing.B) {
				b.Run(s.latencyName(), func(b *testing.B) {
					for b.Loop() {
						benchExport(b, s, numbers)
					}
				})
			})
		})
	}
}

func pick[T any](cond bool, yes, no T) T {
	if cond {
		return yes
	}
	return no
}

// members are generated users a job can name: not pending (the listing has
// their IDs), not the owner or the admin.
func members(srv *zoomtest.Server, keep func(zoomtest.User) bool) []zoomtest.User {
	var out []zoomtest.User
	for _, u := range srv.Users() {
		if u.Status != "pending" && u.Role == "member" && (keep == nil || keep(u)) {
			out = append(out, u)
		}
	}
	return out
}

func need(b *testing.B, have []zoomtest.User, n int, what string) {
	if len(have) < n {
		b.Fatalf("the sandbox has %d %s, the benchmark needs %d", len(have), what, n)
	}
}

func benchCreate(b *testing.B, s setup) {
	n := callsFor(s, zoom.Light, boundTime())
	srv := startSandbox(b, s, 0)
	var rows [][]string
	for i := range n {
		rows = append(rows, []string{fmt.Sprintf("hire%05d@bench.example", i), "First", fmt.Sprintf("Hire%d", i), []string{"Basic", "Licensed"}[i%2]})
	}
	job := `version: 1
name: bench-create
input: { path: input.csv }
fields:
  email: Email
  first_name: First Name
  last_name: Last Name
  type: { column: License, values: { Basic: 1, Licensed: 2 } }
steps:
  - create_users: { action: create }
`
	w, est := runStep(b, srv, s, jobs.CreateUsers, job, []string{"Email", "First Name", "Last Name", "License"}, rows)
	c := newClient(b, srv, s, true)
	res := perCall(c, s, w, est, zoom.Light, len(rows))
	if got := srv.Stats().Applied["POST /users"]; got != n {
		res.problems = append(res.problems, fmt.Sprintf("%d creates applied, want %d", got, n))
	}
	res.seqPer = script(b, seqRows, 100*time.Millisecond, func(ctx context.Context, i int) error {
		_, err := c.CreateUser(ctx, zoom.ActionCreate, zoom.NewUser{Email: fmt.Sprintf("script%05d@bench.example", i), Type: 1, FirstName: "First", LastName: "Script"})
		return err
	})
	res.seqN = seqRows
	res.report(b, "create_users")
}

func benchUpdate(b *testing.B, s setup) {
	n := callsFor(s, zoom.Light, boundTime())
	srv := startSandbox(b, s, n+seqRows+500)
	users := members(srv, nil)
	need(b, users, n+seqRows, "members")
	var rows [][]string
	for i, u := range users[:n] {
		rows = append(rows, []string{u.Email, fmt.Sprintf("Bench dept %d", i%17)})
	}
	job := `version: 1
name: bench-update
input: { path: input.csv }
fields:
  email: Email
  dept: Department
steps:
  - update_users
`
	w, est := runStep(b, srv, s, jobs.UpdateUsers, job, []string{"Email", "Department"}, rows)
	c := newClient(b, srv, s, true)
	res := perCall(c, s, w, est, zoom.Light, len(rows))
	rest := users[n:]
	res.seqPer = script(b, seqRows, 100*time.Millisecond, func(ctx context.Context, i int) error {
		return c.UpdateUser(ctx, rest[i].Email, map[string]any{"dept": "Script dept"})
	})
	res.seqN = seqRows
	res.report(b, "update_users")
}

func benchSettings(b *testing.B, s setup) {
	n := callsFor(s, zoom.Medium, boundTime())
	srv := startSandbox(b, s, n+seqRows+500)
	users := members(srv, nil)
	need(b, users, n+seqRows, "members")
	var rows [][]string
	for _, u := range users[:n] {
		rows = append(rows, []string{u.Email, "TRUE", "cloud"})
	}
	job := `version: 1
name: bench-settings
input: { path: input.csv }
fields:
  email: Email
  settings.in_meeting.waiting_room: Waiting Room
  settings.recording.auto_recording: Auto Recording
steps:
  - update_settings
`
	w, est := runStep(b, srv, s, jobs.UpdateSettings, job, []string{"Email", "Waiting Room", "Auto Recording"}, rows)
	c := newClient(b, srv, s, true)
	res := perCall(c, s, w, est, zoom.Medium, len(rows))
	rest := users[n:]
	res.seqPer = script(b, seqRows, 100*time.Millisecond, func(ctx context.Context, i int) error {
		return c.UpdateSettings(ctx, rest[i].Email, map[string]any{"in_meeting.waiting_room": true})
	})
	res.seqN = seqRows
	res.report(b, "update_settings")
}

func benchChangeEmail(b *testing.B, s setup) {
	n := callsFor(s, zoom.Light, boundTime())
	srv := startSandbox(b, s, n+seqRows+1000)
	users := members(srv, func(u zoomtest.User) bool { return strings.HasSuffix(u.Email, "@example.com") })
	need(b, users, n+seqRows, "members")
	var rows [][]string
	for _, u := range users[:n] {
		rows = append(rows, []string{u.Email})
	}
	// The generated users are on example.com; acme-corp.example is a
	// managed domain of the sample seed.
	job := `version: 1
name: bench-email
input: { path: input.csv }
fields:
  email: Email
steps:
  - change_email: { from_domain: example.com, to_domain: acme-corp.example }
`
	w, est := runStep(b, srv, s, jobs.ChangeEmail, job, []string{"Email"}, rows)
	c := newClient(b, srv, s, true)
	res := perCall(c, s, w, est, zoom.Light, len(rows))
	rest := users[n:]
	res.seqPer = script(b, seqRows, 100*time.Millisecond, func(ctx context.Context, i int) error {
		local, _, _ := strings.Cut(rest[i].Email, "@")
		return c.ChangeEmail(ctx, rest[i].Email, local+"@acme-corp.example")
	})
	res.seqN = seqRows
	res.report(b, "change_email")
}

func benchMove(b *testing.B, s setup) {
	n := callsFor(s, zoom.Medium, boundTime())
	srv := startSandbox(b, s, 2*(n+seqRows)+800)
	byID := map[string]string{}
	for _, g := range srv.Groups() {
		byID[g.ID] = g.Name
	}
	users := members(srv, func(u zoomtest.User) bool { return len(u.GroupIDs) > 0 })
	need(b, users, n+seqRows, "members of a group")
	next := func(u zoomtest.User) string { // another group than the primary
		i := slices.Index(groupNames, byID[u.GroupIDs[0]])
		return groupNames[(i+1)%len(groupNames)]
	}
	var rows [][]string
	for _, u := range users[:n] {
		rows = append(rows, []string{u.Email, next(u)})
	}
	job := `version: 1
name: bench-move
input: { path: input.csv }
fields:
  email: Email
  group: Group
steps:
  - move_group: { to: group }
`
	w, est := runStep(b, srv, s, jobs.MoveGroup, job, []string{"Email", "Group"}, rows)
	c := newClient(b, srv, s, true)
	res := perCall(c, s, w, est, zoom.Medium, len(rows))
	if got := w.srvCalls("PATCH /groups/{groupId}/members/{memberId}"); got != n {
		res.problems = append(res.problems, fmt.Sprintf("%d move calls, want one per row (%d)", got, n))
	}
	nameID := map[string]string{}
	for id, name := range byID {
		nameID[name] = id
	}
	rest := users[n:]
	res.seqPer = script(b, seqRows, 100*time.Millisecond, func(ctx context.Context, i int) error {
		u := rest[i]
		return c.MoveGroupMember(ctx, u.GroupIDs[0], u.ID, nameID[next(u)])
	})
	res.seqN = seqRows
	res.report(b, "move_group")
}

func benchDivision(b *testing.B, s setup) {
	// Half the bound: at 30 users a call the rows grow fast (9,000 at
	// business for 5 s).
	n := callsFor(s, zoom.Medium, boundTime()/2) * zoom.MaxDivisionAssign
	extra := seqRows + batchCalls*zoom.MaxDivisionAssign
	srv := startSandbox(b, s, n+extra+n/3)
	byID, nameID := map[string]string{}, map[string]string{}
	for _, d := range srv.Divisions() {
		byID[d.ID], nameID[d.Name] = d.Name, d.ID
	}
	users := members(srv, nil)
	need(b, users, n+extra, "members")
	next := func(u zoomtest.User) string { // another division than the user's
		i := slices.Index(divisionNames, byID[u.DivisionID]) // -1 for none or main
		return divisionNames[(i+1)%len(divisionNames)]
	}
	var rows [][]string
	want := map[string]int{}
	for _, u := range users[:n] {
		rows = append(rows, []string{u.Email, next(u)})
		want[next(u)]++
	}
	job := `version: 1
name: bench-division
input: { path: input.csv }
fields:
  email: Email
  division: Division
steps:
  - assign_division: { to: division }
`
	w, est := runStep(b, srv, s, jobs.AssignDivision, job, []string{"Email", "Division"}, rows)
	c := newClient(b, srv, s, true)
	res := perCall(c, s, w, est, zoom.Medium, len(rows))
	calls := 0
	for _, k := range want {
		calls += (k + zoom.MaxDivisionAssign - 1) / zoom.MaxDivisionAssign
	}
	if got := w.srvCalls("POST /divisions/{divisionId}/users"); got != calls {
		res.problems = append(res.problems, fmt.Sprintf("%d division calls, want %d (30 users a call, the last of each division short)", got, calls))
	}
	seq, batch := users[n:n+seqRows], users[n+seqRows:n+extra]
	res.seqPer = script(b, seqRows, 100*time.Millisecond, func(ctx context.Context, i int) error {
		u := seq[i]
		_, err := c.AssignDivision(ctx, nameID[next(u)], []zoom.DivisionUser{{ID: u.ID}})
		return err
	})
	res.seqN = seqRows
	res.batchPer = script(b, batchCalls, 100*time.Millisecond, func(ctx context.Context, i int) error {
		var ids []zoom.DivisionUser
		for _, u := range batch[i*zoom.MaxDivisionAssign : (i+1)*zoom.MaxDivisionAssign] {
			ids = append(ids, zoom.DivisionUser{ID: u.ID})
		}
		_, err := c.AssignDivision(ctx, nameID[divisionNames[i%len(divisionNames)]], ids)
		return err
	})
	res.batchN = batchCalls
	res.report(b, "assign_division")
}

func benchFeatures(b *testing.B, s setup) {
	srv := startSandbox(b, s, 3000)
	users := members(srv, func(u zoomtest.User) bool {
		return u.Type == 2 && u.Status == "active" && u.Features["webinar"] == ""
	})
	n := featureA + featureB
	extra := featureSeq + featureSeq*zoom.MaxFeatureUsers
	need(b, users, n+extra, "licensed members without webinar")
	var rows [][]string
	groups := map[string]int{}
	for i, u := range users[:n] {
		seats := "500"
		if i >= featureA {
			seats = "1000"
		}
		rows = append(rows, []string{u.Email, seats})
		groups[seats]++
	}
	job := `version: 1
name: bench-features
input: { path: input.csv }
fields:
  email: Email
  webinar: { column: Webinar, values: { "500": "1", "1000": "64" } }
steps:
  - update_features: [ { feature_type: webinar } ]
`
	w, est := runStep(b, srv, s, jobs.UpdateFeatures, job, []string{"Email", "Webinar"}, rows)
	calls := 0
	for _, k := range groups {
		calls += (k + zoom.MaxFeatureUsers - 1) / zoom.MaxFeatureUsers // every call but the last of a group full
	}
	c := newClient(b, srv, s, true)
	// Zoom allows one features call per interval: n calls need n-1
	// intervals between the first and the last, and the last answer.
	bound := time.Duration(calls-1)*interval + s.latency
	res := result{
		s: s, rows: len(rows), calls: w.allCalls(), dur: w.duration(), bound: bound,
		ratio: w.duration().Seconds() / bound.Seconds(), target: featuresTarget, atMost: true,
		limited: w.rateLimited(), cpu: w.cpu(), rss: w.rss, rssReset: w.rssReset, estimate: est,
	}
	if got := w.srvCalls("POST /users/features"); got != calls || res.calls != int64(calls) {
		res.problems = append(res.problems, fmt.Sprintf("%d features calls (%d by the client), want %d: 30 users a call, every call but the last of each group full", got, res.calls, calls))
	}
	// The scripts know the rule: they wait the interval after each call
	// (and again on a 429). One user a call, or 30.
	seq, batch := users[n:n+featureSeq], users[n+featureSeq:n+extra]
	res.seqPer = script(b, featureSeq, interval, func(ctx context.Context, i int) error {
		_, err := c.UpdateFeatures(ctx, zoom.FeatureUpdate{FeatureType: "webinar", FeatureValue: "1", Users: []zoom.UserRef{{ID: seq[i].ID}}})
		if err == nil {
			time.Sleep(interval)
		}
		return err
	})
	res.seqN = featureSeq
	res.batchPer = script(b, featureSeq, interval, func(ctx context.Context, i int) error {
		var refs []zoom.UserRef
		for _, u := range batch[i*zoom.MaxFeatureUsers : (i+1)*zoom.MaxFeatureUsers] {
			refs = append(refs, zoom.UserRef{ID: u.ID})
		}
		_, err := c.UpdateFeatures(ctx, zoom.FeatureUpdate{FeatureType: "webinar", FeatureValue: "1", Users: refs})
		if err == nil {
			time.Sleep(interval)
		}
		return err
	})
	res.batchN = featureSeq
	res.report(b, "update_features")
}

// benchExport is the users export through the API, measured like the
// steps: the default path (next_page_token, the statuses listed in
// parallel) or --page-numbers. The target is the listing's bound + 3 s:
// its calls at the rate limit, and for the default path also its longest
// chain of pages, which follow one another (a status's pages × latency).
func benchExport(b *testing.B, s setup, numbers bool) {
	srv := startSandbox(b, s, exportUsers)
	total := len(srv.Users())
	c := newClient(b, srv, s, false)
	path := filepath.Join(b.TempDir(), "users.xlsx")
	runtime.GC()
	var w window
	w.rssReset = memstat.ResetPeak()
	w.start = take(c, srv)
	res, err := export.Users(context.Background(), c, path, export.UsersOptions{PageNumbers: numbers})
	w.end = take(c, srv)
	w.rss = memstat.Peak()
	if err != nil {
		b.Fatal(err)
	}
	var bound time.Duration
	for _, cat := range zoom.Categories {
		if n := w.calls(cat); n > 0 {
			bound += time.Duration(float64(n) / c.Rate(cat) * float64(time.Second))
		}
	}
	var chain time.Duration
	if !numbers {
		byStatus := map[string]int{}
		for _, u := range srv.Users() {
			byStatus[u.Status]++
		}
		for _, n := range byStatus {
			chain = max(chain, time.Duration((n+exportPage-1)/exportPage)*s.latency)
		}
	}
	bound = max(bound, chain)
	r := result{
		s: s, rows: res.Rows, calls: w.allCalls(), dur: w.duration(), bound: bound,
		ratio: w.duration().Seconds() / (bound + exportSlack).Seconds(), target: 1, atMost: true,
		limited: w.rateLimited(), cpu: w.cpu(), rss: w.rss, rssReset: w.rssReset,
	}
	if res.Rows != total {
		r.problems = append(r.problems, fmt.Sprintf("%d rows exported, the account has %d users", res.Rows, total))
	}
	r.report(b, pick(numbers, "export_users_page_numbers", "export_users"))
}

// exportPage is the users a listing page holds (Zoom's and the sandbox's
// most, which the export asks for).
const exportPage = 2000
