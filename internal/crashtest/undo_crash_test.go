package crashtest

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// fullState is the account field by field: every user by ID (email
// included, so a rename shows), and every contact group with its members.
func fullState(srv *zoomtest.Server) map[string]string {
	out := map[string]string{}
	for _, u := range srv.Users() {
		feats := make([]string, 0, len(u.Features))
		for k, v := range u.Features {
			feats = append(feats, k+"="+v)
		}
		slices.Sort(feats)
		out["user "+u.ID] = fmt.Sprintf("email=%s type=%d status=%s name=%q/%q dept=%q title=%q loc=%q groups=%v div=%s feat=%v",
			strings.ToLower(u.Email), u.Type, u.Status, u.FirstName, u.LastName, u.Dept, u.JobTitle, u.Location, u.GroupIDs, u.DivisionID, feats)
	}
	for _, cg := range srv.ContactGroups() {
		members := slices.Clone(cg.MemberIDs)
		slices.Sort(members)
		out["contact group "+cg.Name] = fmt.Sprintf("privacy=%d desc=%q members=%v", cg.Privacy, cg.Description, members)
	}
	return out
}

func diffStates(want, got map[string]string) []string {
	var out []string
	for k, w := range want {
		if g, ok := got[k]; !ok {
			out = append(out, fmt.Sprintf("%s: gone; was %s", k, w))
		} else if g != w {
			out = append(out, fmt.Sprintf("%s:\n  now    %s\n  before %s", k, g, w))
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			out = append(out, fmt.Sprintf("%s: not there before: %s", k, g))
		}
	}
	slices.Sort(out)
	return out
}

// undoCase is a job whose run, killed and resumed, and whose undo, killed
// and resumed, must leave the account as it was before the run.
type undoCase struct {
	name string
	job  string
	rows func(srv *zoomtest.Server) [][]string // the input, header first
}

// active are the users a job may change freely: active members, not the
// owner or the admin.
func active(users []zoomtest.User, domain string) []zoomtest.User {
	var out []zoomtest.User
	for _, u := range users {
		if u.Status == "active" && u.Role == "member" && strings.HasSuffix(u.Email, "@"+domain) {
			out = append(out, u)
		}
	}
	return out
}

var undoCases = []undoCase{
	{"update_users", "version: 1\nname: crash-update\ninput: in.csv\nfields:\n  email: Email\n  dept: Dept\n  job_title: Title\nsteps:\n  - update_users\n",
		func(srv *zoomtest.Server) [][]string {
			users := srv.Users()
			rows := [][]string{{"Email", "Dept", "Title"}}
			for i, u := range active(users, "example.com") {
				rows = append(rows, []string{u.Email, fmt.Sprintf("Crash Dept %d", i%5), "Crash Title"})
			}
			return rows
		}},
	{"change_email", "version: 1\nname: crash-rename\ninput: in.csv\nfields:\n  email: Email\n  dept: Dept\nsteps:\n  - change_email: { from_domain: acme.example, to_domain: acme-corp.example }\n  - update_users\n",
		func(srv *zoomtest.Server) [][]string {
			users := srv.Users()
			rows := [][]string{{"Email", "Dept"}}
			for _, u := range active(users, "acme.example") {
				rows = append(rows, []string{u.Email, "Renamed"})
			}
			return rows
		}},
	{"move_group_sync", "version: 1\nname: crash-groups\ninput: in.csv\nfields:\n  email: Email\n  group: Group\nsteps:\n  - move_group: { to: group, sync: exact }\nlimits: { max_removals: 1000 }\n",
		// Users move into Sales, and exact takes out of Sales every member
		// no row lists. An undo puts a removed member back as the last of
		// their groups, and keeps one removal a user (undo.csv has a
		// group cell a user): the members taken out are those whose last
		// and only named group is Sales (see docs/undo.md).
		func(srv *zoomtest.Server) [][]string {
			users := srv.Users()
			sales := ""
			for _, g := range srv.Groups() {
				if g.Name == "Sales" {
					sales = g.ID
				}
			}
			rows := [][]string{{"Email", "Group"}}
			for i, u := range active(users, "example.com") {
				in := slices.Index(u.GroupIDs, sales)
				switch {
				case in >= 0 && in < len(u.GroupIDs)-1:
					rows = append(rows, []string{u.Email, "Sales"}) // kept
				case in < 0 && i%4 == 0:
					rows = append(rows, []string{u.Email, "Sales"}) // moved in
				}
			}
			return rows
		}},
	{"contact_groups", "version: 1\nname: crash-contacts\ninput: in.csv\nfields:\n  contact_group: Group\n  member: Member\n  privacy: Privacy\n  description: Description\nsteps:\n  - contact_groups: { sync: exact }\nlimits: { max_removals: 1000 }\n",
		func(srv *zoomtest.Server) [][]string {
			users := srv.Users()
			rows := [][]string{{"Group", "Member", "Privacy", "Description"}}
			for i, u := range active(users, "example.com") {
				g := []string{"Crash Team", "London Office", "Leadership"}[i%3]
				rows = append(rows, []string{g, u.Email, "members", "Set by the crash job"})
			}
			return rows
		}},
	{"features", "version: 1\nname: crash-features\ninput: in.csv\nfields:\n  email: Email\n  webinar:\n    column: Webinar\n    values: { \"500\": \"1\", none: \"0\" }\nsteps:\n  - update_features: [ { feature_type: webinar, value: webinar } ]\n",
		func(srv *zoomtest.Server) [][]string {
			users := srv.Users()
			rows := [][]string{{"Email", "Webinar"}}
			for _, u := range active(users, "example.com") {
				if u.Type == 2 {
					rows = append(rows, []string{u.Email, "500"})
				}
			}
			return rows
		}},
}

// TestKillResumeThenUndo kills each job's run at a random applied write
// (and, for odd seeds, its first resume too), resumes it to the end, then
// undoes it, killing the undo at a random write and resuming the undo: the
// account ends as it was before the run, field by field. undo.csv comes
// from the whole journal, so what every killed process did is undone.
func TestKillResumeThenUndo(t *testing.T) {
	t.Parallel()
	seeds := []uint64{1, 2}
	if raceEnabled {
		seeds = seeds[:1]
	}
	var wg sync.WaitGroup
	slots := make(chan struct{}, 3)
	for _, tc := range undoCases {
		for _, seed := range seeds {
			wg.Add(1)
			go func() {
				defer wg.Done()
				slots <- struct{}{}
				defer func() { <-slots }()
				t.Run(fmt.Sprintf("%s/seed%d", tc.name, seed), func(t *testing.T) { killResumeUndo(t, tc, seed) })
			}()
		}
	}
	wg.Wait()
}

func killResumeUndo(t *testing.T, tc undoCase, seed uint64) {
	seedData, err := zoomtest.LoadSeed(seedPath)
	if err != nil {
		t.Fatal(err)
	}
	sb := startSandbox(t, zoomtest.Options{Tier: "business", Seed: seedData, Users: 150, FeaturesInterval: 100 * time.Millisecond})
	dir := t.TempDir()
	rows := tc.rows(sb.Server)
	var b bytes.Buffer
	csv.NewWriter(&b).WriteAll(rows)
	if err := os.WriteFile(filepath.Join(dir, "in.csv"), b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	job := filepath.Join(dir, "job.yaml")
	if err := os.WriteFile(job, []byte(tc.job), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "run")
	var key [32]byte
	key[0], key[1], key[31] = byte(seed), byte(len(tc.name)), 'u'
	rng := rand.New(rand.NewChaCha8(key))
	before := fullState(sb.Server)
	args := append(slices.Clone(runArgs), "--features-interval", "100ms")

	// killed runs a command, SIGKILLs it once the sandbox has applied a
	// random number of writes more (up to about what is left), and
	// returns its exit code (-1: killed).
	killed := func(what string, cmd []string, expect int) int {
		from := appliedWrites(sb)
		at := from + 1 + rng.IntN(max(1, expect))
		p := start(t, dir, sb.env(), cmd...)
		if waitFor(2*time.Minute, p.exited, func() bool { return appliedWrites(sb) >= at }) {
			p.cmd.Process.Signal(syscall.SIGKILL)
		}
		code := p.wait(t)
		t.Logf("%s: SIGKILL at applied write %d: exit %d", what, at, code)
		if code == 2 || code == 4 {
			t.Fatalf("%s: exit %d\n%s", what, code, p.stderr.String())
		}
		sb.quiesce(t)
		return code
	}
	finish := func(what string, cmd []string) {
		p := start(t, dir, sb.env(), cmd...)
		if code := p.wait(t); code != 0 {
			t.Fatalf("%s: exit %d, want 0\n%s", what, code, p.stderr.String())
		}
	}
	n := len(rows) - 1
	killed("run", append([]string{"run", job, "--out", out}, args...), n)
	if seed%2 == 1 {
		killed("first resume", append([]string{"run", job, "--resume", out}, args...), n/2)
	}
	finish("final resume", append([]string{"run", job, "--resume", out}, args...))
	if len(diffStates(before, fullState(sb.Server))) == 0 {
		t.Fatal("the run changed nothing")
	}

	killed("undo", append([]string{"undo", out}, args...), n)
	finish("undo resume", append([]string{"undo", out, "--resume"}, args...))
	if d := diffStates(before, fullState(sb.Server)); len(d) > 0 {
		undo, _ := os.ReadFile(filepath.Join(out, "undo.csv"))
		res, _ := os.ReadFile(filepath.Join(out, "results.csv"))
		ures, _ := os.ReadFile(filepath.Join(out, "undo", "results.csv"))
		t.Logf("the run's results.csv:\n%s\nthe undo's:\n%s", res, ures)
		if len(d) > 10 {
			d = append(d[:10], fmt.Sprintf("... and %d more", len(d)-10))
		}
		t.Errorf("after the undo the account is not as it was before the run:\n%s\nundo.csv:\n%s", strings.Join(d, "\n"), undo)
	}
}
