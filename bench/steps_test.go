package bench

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zoombulk/zoombulk/internal/export"
	"github.com/zoombulk/zoombulk/internal/jobs"
	"github.com/zoombulk/zoombulk/internal/zoom"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// Sizes: each step's rate-limit bound is 13 to 25 s, long enough that the
// first and last calls' latency is noise; the naive script runs on fewer
// rows and its time per row is extrapolated.
const (
	createRows   = 2000 // 2,000 creates at 80/s: 25 s
	updateRows   = 2000 // 2,000 updates at 80/s: 25 s
	moveRows     = 1500 // 1,500 moves at 60/s: 25 s
	divisionRows = 24000
	featureRows  = 590  // 300 + 290: 10 + 10 calls, one a second: 20 s
	settingsRows = 1500 // 1,500 settings PATCHes at 60/s: 25 s
	emailRows    = 2000 // 2,000 email changes at 80/s: 25 s
	exportUsers  = 100_000
	naiveRows    = 100
	naiveFeature = 6

	lightTarget    = 0.95 // DESIGN.md section 7: ≥ 95 % of the Light limit
	mediumTarget   = 0.95 // ≥ 95 % of Medium
	featuresTarget = 1.02 // total time ≤ 1.02 × calls × interval
)

var (
	groupNames    = []string{"Engineering", "Sales", "Support", "Marketing", "Finance", "HR", "Operations"}
	divisionNames = []string{"Americas", "EMEA", "APAC"}
)

// BenchmarkAPI runs each step through the engine against the sandbox:
//
//	go test ./bench -run '^$' -bench API -benchtime 1x
func BenchmarkAPI(b *testing.B) {
	b.Run("create_users", benchCreate)
	b.Run("update_users", benchUpdate)
	b.Run("move_group", benchMove)
	b.Run("assign_division", benchDivision)
	b.Run("update_features", benchFeatures)
	b.Run("update_settings", benchSettings)
	b.Run("change_email", benchChangeEmail)
	b.Run("export_users", benchExport)
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

func benchCreate(b *testing.B) {
	for b.Loop() {
		srv := startSandbox(b, 0)
		var rows [][]string
		for i := range createRows {
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
		_, w := runStep(b, srv, jobs.CreateUsers, job, []string{"Email", "First Name", "Last Name", "License"}, rows)
		c := newClient(b, srv, true)
		res := perCall(c, w, zoom.Light, len(rows), lightTarget)
		if got := srv.Stats().Applied["POST /users"]; got != createRows {
			b.Fatalf("%d creates applied, want %d", got, createRows)
		}
		res.naiveRow = naive(b, naiveRows, func(ctx context.Context, i int) error {
			_, err := c.CreateUser(ctx, zoom.ActionCreate, zoom.NewUser{Email: fmt.Sprintf("script%05d@bench.example", i), Type: 1, FirstName: "First", LastName: "Script"})
			return err
		})
		res.naiveRows = naiveRows
		res.report(b, "create_users")
	}
}

func benchUpdate(b *testing.B) {
	for b.Loop() {
		srv := startSandbox(b, updateRows+naiveRows+1000)
		users := members(srv, nil)
		need(b, users, updateRows+naiveRows, "members")
		var rows [][]string
		for i, u := range users[:updateRows] {
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
		_, w := runStep(b, srv, jobs.UpdateUsers, job, []string{"Email", "Department"}, rows)
		c := newClient(b, srv, true)
		res := perCall(c, w, zoom.Light, len(rows), lightTarget)
		script := users[updateRows:]
		res.naiveRow = naive(b, naiveRows, func(ctx context.Context, i int) error {
			return c.UpdateUser(ctx, script[i].Email, map[string]any{"dept": "Script dept"})
		})
		res.naiveRows = naiveRows
		res.report(b, "update_users")
	}
}

func benchSettings(b *testing.B) {
	for b.Loop() {
		srv := startSandbox(b, settingsRows+naiveRows+800)
		users := members(srv, nil)
		need(b, users, settingsRows+naiveRows, "members")
		var rows [][]string
		for _, u := range users[:settingsRows] {
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
		_, w := runStep(b, srv, jobs.UpdateSettings, job, []string{"Email", "Waiting Room", "Auto Recording"}, rows)
		if n := w.srvCalls("PATCH /users/{userId}/settings"); n != settingsRows {
			b.Fatalf("%d settings calls, want one per row (%d)", n, settingsRows)
		}
		c := newClient(b, srv, true)
		res := perCall(c, w, zoom.Medium, len(rows), mediumTarget)
		script := users[settingsRows:]
		res.naiveRow = naive(b, naiveRows, func(ctx context.Context, i int) error {
			return c.UpdateSettings(ctx, script[i].Email, map[string]any{"in_meeting.waiting_room": true})
		})
		res.naiveRows = naiveRows
		res.report(b, "update_settings")
	}
}

func benchChangeEmail(b *testing.B) {
	for b.Loop() {
		srv := startSandbox(b, emailRows+naiveRows+1000)
		users := members(srv, func(u zoomtest.User) bool { return strings.HasSuffix(u.Email, "@example.com") })
		need(b, users, emailRows+naiveRows, "members")
		var rows [][]string
		for _, u := range users[:emailRows] {
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
		_, w := runStep(b, srv, jobs.ChangeEmail, job, []string{"Email"}, rows)
		if n := w.srvCalls("PUT /users/{userId}/email"); n != emailRows {
			b.Fatalf("%d email calls, want one per row (%d)", n, emailRows)
		}
		c := newClient(b, srv, true)
		res := perCall(c, w, zoom.Light, len(rows), lightTarget)
		script := users[emailRows:]
		res.naiveRow = naive(b, naiveRows, func(ctx context.Context, i int) error {
			local, _, _ := strings.Cut(script[i].Email, "@")
			return c.ChangeEmail(ctx, script[i].Email, local+"@acme-corp.example")
		})
		res.naiveRows = naiveRows
		res.report(b, "change_email")
	}
}

func benchMove(b *testing.B) {
	for b.Loop() {
		srv := startSandbox(b, moveRows+naiveRows+800)
		byID := map[string]string{}
		for _, g := range srv.Groups() {
			byID[g.ID] = g.Name
		}
		users := members(srv, func(u zoomtest.User) bool { return len(u.GroupIDs) > 0 })
		need(b, users, moveRows+naiveRows, "members of a group")
		next := func(u zoomtest.User) string { // another group than the primary
			i := slices.Index(groupNames, byID[u.GroupIDs[0]])
			return groupNames[(i+1)%len(groupNames)]
		}
		var rows [][]string
		for _, u := range users[:moveRows] {
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
		_, w := runStep(b, srv, jobs.MoveGroup, job, []string{"Email", "Group"}, rows)
		if n := w.srvCalls("PATCH /groups/{groupId}/members/{memberId}"); n != moveRows {
			b.Fatalf("%d move calls, want one per row (%d)", n, moveRows)
		}
		c := newClient(b, srv, true)
		res := perCall(c, w, zoom.Medium, len(rows), mediumTarget)
		nameID := map[string]string{}
		for id, name := range byID {
			nameID[name] = id
		}
		script := users[moveRows:]
		res.naiveRow = naive(b, naiveRows, func(ctx context.Context, i int) error {
			u := script[i]
			return c.MoveGroupMember(ctx, u.GroupIDs[0], u.ID, nameID[next(u)])
		})
		res.naiveRows = naiveRows
		res.report(b, "move_group")
	}
}

func benchDivision(b *testing.B) {
	for b.Loop() {
		srv := startSandbox(b, divisionRows+naiveRows+7000)
		byID, nameID := map[string]string{}, map[string]string{}
		for _, d := range srv.Divisions() {
			byID[d.ID], nameID[d.Name] = d.Name, d.ID
		}
		users := members(srv, nil)
		need(b, users, divisionRows+naiveRows, "members")
		next := func(u zoomtest.User) string { // another division than the user's
			i := slices.Index(divisionNames, byID[u.DivisionID]) // -1 for none or main
			return divisionNames[(i+1)%len(divisionNames)]
		}
		var rows [][]string
		want := map[string]int{}
		for _, u := range users[:divisionRows] {
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
		_, w := runStep(b, srv, jobs.AssignDivision, job, []string{"Email", "Division"}, rows)
		calls := 0
		for _, n := range want {
			calls += (n + 29) / 30
		}
		if n := w.srvCalls("POST /divisions/{divisionId}/users"); n != calls {
			b.Fatalf("%d division calls, want %d (30 users a call)", n, calls)
		}
		c := newClient(b, srv, true)
		res := perCall(c, w, zoom.Medium, len(rows), mediumTarget)
		script := users[divisionRows:]
		res.naiveRow = naive(b, naiveRows, func(ctx context.Context, i int) error {
			u := script[i]
			_, err := c.AssignDivision(ctx, nameID[next(u)], []zoom.DivisionUser{{ID: u.ID}})
			return err
		})
		res.naiveRows = naiveRows
		res.report(b, "assign_division")
	}
}

func benchFeatures(b *testing.B) {
	for b.Loop() {
		srv := startSandbox(b, 3000)
		users := members(srv, func(u zoomtest.User) bool {
			return u.Type == 2 && u.Status == "active" && u.Features["webinar"] == ""
		})
		need(b, users, featureRows+naiveFeature, "licensed members without webinar")
		var rows [][]string
		groups := map[string]int{}
		for i, u := range users[:featureRows] {
			seats := "500"
			if i >= 300 {
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
		_, w := runStep(b, srv, jobs.UpdateFeatures, job, []string{"Email", "Webinar"}, rows)
		calls := 0
		for _, n := range groups {
			calls += (n + 29) / 30 // every call but the last of a group full
		}
		if n := w.srvCalls("POST /users/features"); n != calls {
			b.Fatalf("%d features calls, want %d: 30 users a call, every call but the last of each group full", n, calls)
		}
		c := newClient(b, srv, true)
		bound := time.Duration(calls) * interval
		res := result{
			rows: len(rows), calls: w.allCalls(), dur: w.duration(), bound: bound,
			ratio: w.duration().Seconds() / bound.Seconds(), limited: w.rateLimited(),
			cpu: w.cpu(), heapPeak: w.heapPeak, heapStart: w.heapStart, target: featuresTarget, atMost: true,
		}
		// The script: one user a call; Zoom answers 429 within the
		// interval, so it waits the interval and tries again.
		script := users[featureRows:]
		res.naiveRow = naive(b, naiveFeature, func(ctx context.Context, i int) error {
			for {
				_, err := c.UpdateFeatures(ctx, zoom.FeatureUpdate{FeatureType: "webinar", FeatureValue: "1", Users: []zoom.UserRef{{ID: script[i].ID}}})
				var api *zoom.APIError
				if errors.As(err, &api) && api.HTTPStatus == http.StatusTooManyRequests {
					time.Sleep(interval)
					continue
				}
				return err
			}
		})
		res.naiveRows = naiveFeature
		res.report(b, "update_features")
	}
}

// benchExport is the users export through the API: the same code as
// internal/report's BenchmarkExportUsers100k (which `make bench` runs for
// the local-cost line), measured here like the steps, with calls, 429s and
// CPU. Its target is not a ratio: DESIGN.md wants the listing's bound +
// 10 s, which the table shows as the ratio the bound+10 s allows.
func benchExport(b *testing.B) {
	for b.Loop() {
		srv := startSandbox(b, exportUsers)
		total := len(srv.Users())
		c := newClient(b, srv, false)
		path := filepath.Join(b.TempDir(), "users.xlsx")
		runtime.GC()
		var w window
		w.heapStart = heapInUse()
		stop := heapPeak()
		w.start = take(c, srv)
		res, err := export.ExportUsers(context.Background(), c, path, export.UsersOptions{})
		w.end = take(c, srv)
		w.heapPeak = stop()
		if err != nil {
			b.Fatal(err)
		}
		if res.Rows != total {
			b.Fatalf("%d rows exported, the account has %d users", res.Rows, total)
		}
		var bound time.Duration
		for _, cat := range zoom.Categories {
			bound += time.Duration(float64(w.calls(cat)) / c.Rate(cat) * float64(time.Second))
		}
		r := result{
			rows: res.Rows, calls: w.allCalls(), dur: w.duration(), bound: bound,
			ratio: bound.Seconds() / w.duration().Seconds(), limited: w.rateLimited(),
			cpu: w.cpu(), heapPeak: w.heapPeak, heapStart: w.heapStart,
			target: bound.Seconds() / (bound + 10*time.Second).Seconds(),
		}
		r.report(b, "export_users")
	}
}
