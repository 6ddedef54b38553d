package cli

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// runEnv is a sandbox the command reaches through ZOOM_* variables.
type runEnv struct {
	t   *testing.T
	srv *zoomtest.Server
	dir string
	env map[string]string
	// transport is the IO.Transport of main and mainWith: nil for a
	// sandbox on a socket, in memory for newMemRunEnv's.
	transport func(http.Handler) http.RoundTripper
}

// newMemRunEnv is the sample account (samples/sandbox-seed.yaml) as a
// sandbox reached in memory: a test may run it in a synctest bubble.
func newMemRunEnv(t *testing.T, opts zoomtest.Options) *runEnv {
	t.Helper()
	seed, err := zoomtest.LoadSeed("../../samples/sandbox-seed.yaml")
	if err != nil {
		t.Fatal(err)
	}
	opts.Seed = seed
	srv := zoomtest.NewMemServer(t, opts)
	return memRunEnv(t, srv)
}

// memRunEnv is a runEnv on srv, a sandbox reached in memory.
func memRunEnv(t *testing.T, srv *zoomtest.Server) *runEnv {
	getenv := memEnv(srv)
	env := map[string]string{}
	for _, k := range []string{"ZOOM_ACCOUNT_ID", "ZOOM_CLIENT_ID", "ZOOM_CLIENT_SECRET", "ZOOM_API_URL", "ZOOM_OAUTH_URL"} {
		env[k] = getenv(k)
	}
	return &runEnv{t: t, srv: srv, dir: t.TempDir(), env: env, transport: inMemoryTo(srv)}
}

func (e *runEnv) file(name, content string) string {
	e.t.Helper()
	p := filepath.Join(e.dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		e.t.Fatal(err)
	}
	return p
}

// main runs the CLI with the env's credentials; sigs may be nil.
func (e *runEnv) main(sigs chan os.Signal, args ...string) (int, string) {
	var out, errOut bytes.Buffer
	stdio := &IO{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Getenv: func(k string) string { return e.env[k] },
		Exit: func(code int) { e.t.Errorf("exited at once with %d", code) }, Transport: e.transport}
	code := Main(context.Background(), args, stdio, sigs)
	return code, out.String() + errOut.String()
}

const createJob = `version: 1
name: hires
input: users.csv
fields:
  email: Email
  first_name: First Name
  last_name: Last Name
  type: { column: License, values: { Licensed: 2, Basic: 1 }, default: 1 }
  group: Group
steps:
  - create_users: { if_exists: update }
  - move_group: { to: group }
limits:
  max_failures: 3
`

func hires(n int, group string) string {
	var b strings.Builder
	b.WriteString("Email,First Name,Last Name,License,Group\n")
	for i := range n {
		b.WriteString("hire" + string(rune('a'+i/26)) + string(rune('a'+i%26)) + "@acme.example,New,Hire,Basic," + group + "\n")
	}
	return b.String()
}

func TestRunExitCodes(t *testing.T) {
	for _, tc := range []struct {
		name  string
		input string
		job   string
		args  []string // nil: --yes
		env   func(map[string]string)
		want  int
		says  string
	}{
		{name: "all succeeded", input: hires(3, "Sales"), want: ExitOK, says: "succeeded 3"},
		{name: "some rows failed", input: hires(2, "Sales") + "bad-email,X,Y,Basic,Sales\n", want: ExitPartial, says: "failed 1"},
		{name: "job error", input: hires(1, "Sales"), job: "version: 1\nname: x\ninput: users.csv\nfields: { email: Email }\nsteps: [ { create_user: {} } ]\n", want: ExitUsage, says: "create_users"},
		{name: "missing column", input: "Mail\nx@acme.example\n", want: ExitUsage, says: "Email"},
		{name: "no confirmation possible", input: hires(1, "Sales"), args: []string{}, want: ExitUsage, says: "--yes"},
		{name: "dry run, all would pass", input: hires(2, "Sales"), args: []string{"--dry-run"}, want: ExitOK, says: "Dry run: nothing was changed"},
		{name: "dry run, a row would fail", input: hires(2, "Sales") + "bad-email,X,Y,Basic,Sales\n", args: []string{"--dry-run"}, want: ExitPartial, says: "1 of 3 rows would fail"},
		{name: "max failures", input: hires(5, "Enginering"), want: ExitAborted, says: "max_failures"},
		{name: "wrong secret", input: hires(1, "Sales"), env: func(m map[string]string) { m["ZOOM_CLIENT_SECRET"] = "not-the-secret" }, want: ExitAuth, says: "Invalid client_id or client_secret"},
		{name: "no credentials", input: hires(1, "Sales"), env: func(m map[string]string) { delete(m, "ZOOM_CLIENT_ID") }, want: ExitAuth, says: "ZOOM_CLIENT_ID"},
		{name: "plain http elsewhere", input: hires(1, "Sales"), env: func(m map[string]string) { m["ZOOM_API_URL"] = "http://api.zoom.example/v2" }, want: ExitUsage, says: "refusing plain http"},
	} {
		t.Run(tc.name, zoomtest.Bubble(func(t *testing.T) {
			e := newMemRunEnv(t, zoomtest.Options{NoRateLimits: true})
			if tc.env != nil {
				tc.env(e.env)
			}
			job := tc.job
			if job == "" {
				job = createJob
			}
			jobPath := e.file("job.yaml", job)
			e.file("users.csv", tc.input)
			args := []string{"run", jobPath, "--out", filepath.Join(e.dir, "out")}
			if tc.args == nil {
				args = append(args, "--yes")
			}
			args = append(args, tc.args...)
			code, out := e.main(nil, args...)
			if code != tc.want || !strings.Contains(out, tc.says) {
				t.Fatalf("exit %d, want %d saying %q:\n%s", code, tc.want, tc.says, out)
			}
			if strings.Contains(out, "not-the-secret") || strings.Contains(out, "sandbox-secret") {
				t.Errorf("the output shows the client secret:\n%s", out)
			}
		}))
	}
}

func TestRunInterruptedExitsThreeAndResumes(t *testing.T) {
	synctest.Test(t, testRunInterruptedExitsThreeAndResumes)
}

func testRunInterruptedExitsThreeAndResumes(t *testing.T) {
	e := newMemRunEnv(t, zoomtest.Options{Latency: 5 * time.Millisecond})
	jobPath := e.file("job.yaml", createJob)
	e.file("users.csv", hires(200, "Sales"))
	out := filepath.Join(e.dir, "out")
	sigs := make(chan os.Signal, 2)
	ran := make(chan struct{})
	// Ctrl-C the moment the sandbox has applied the 20th create (the
	// channel closes under the sandbox's lock), not at a poll.
	reached := e.srv.AppliedReached("POST /users", 20)
	go func() {
		select {
		case <-ran:
			return // the run ended first: the test fails below
		case <-reached:
		}
		sigs <- syscall.SIGINT
	}()
	code, text := e.main(sigs, "run", jobPath, "--yes", "--out", out)
	close(ran)
	if code != ExitAborted || !strings.Contains(text, "--resume "+out) {
		t.Fatalf("exit %d, want 3 with a --resume hint:\n%s", code, text)
	}
	code, text = e.main(nil, "run", jobPath, "--yes", "--resume", out)
	if code != ExitOK {
		t.Fatalf("resume: exit %d\n%s", code, text)
	}
	if n := e.srv.Stats().Applied["POST /users"]; n != 200 {
		t.Errorf("%d users created, want 200", n)
	}
}

// roundTripper is a RoundTrip function.
type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// mainWith runs the CLI with stdin text on a (pretend) terminal.
func (e *runEnv) mainWith(stdin string, args ...string) (int, string) {
	var out, errOut bytes.Buffer
	stdio := &IO{In: strings.NewReader(stdin), InTTY: true, Out: &out, ErrOut: &errOut, Getenv: func(k string) string { return e.env[k] },
		Exit: func(code int) { e.t.Errorf("exited at once with %d", code) }, Transport: e.transport}
	code := Main(context.Background(), args, stdio, nil)
	return code, out.String() + errOut.String()
}

func listDir(t *testing.T, dir string) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return strings.Join(names, " ")
}

func TestRunFoldersAndUsageExits(t *testing.T) { synctest.Test(t, testRunFoldersAndUsageExits) }

func testRunFoldersAndUsageExits(t *testing.T) {
	e := newMemRunEnv(t, zoomtest.Options{NoRateLimits: true})
	jobPath := e.file("job.yaml", createJob)
	e.file("users.csv", hires(2, "Sales"))
	out := filepath.Join(e.dir, "out")

	if code, text := e.main(nil, "run", jobPath, "--yes", "--input", filepath.Join(e.dir, "nope.csv")); code != ExitUsage {
		t.Errorf("missing --input file: exit %d, want 2\n%s", code, text)
	}
	if code, text := e.main(nil, "run", jobPath, "--yes", "--resume", e.dir); code != ExitUsage || !strings.Contains(text, "no run to resume") {
		t.Errorf("--resume on a folder without a run: exit %d, want 2\n%s", code, text)
	}

	// Declined: exit 3, plan files only, and the same command may run again.
	code, text := e.mainWith("n\n", "run", jobPath, "--out", out)
	if code != ExitAborted || !strings.Contains(text, "Apply to account acme-sandbox") {
		t.Fatalf("declined: exit %d, want 3 after the prompt\n%s", code, text)
	}
	if got := listDir(t, out); got != "changes.csv plan.csv plan.xlsx" {
		t.Errorf("a declined run left %q, want the plan files only", got)
	}
	if n := e.srv.Stats().Applied["POST /users"]; n != 0 {
		t.Errorf("declined, yet %d users were created", n)
	}
	if code, text := e.mainWith("y\n", "run", jobPath, "--out", out); code != ExitOK {
		t.Fatalf("confirmed after a declined run in the same folder: exit %d\n%s", code, text)
	}
	runJSON, _ := os.ReadFile(filepath.Join(out, "run.json"))

	// A finished run is refused with when and what, unless --overwrite.
	code, text = e.main(nil, "run", jobPath, "--yes", "--out", out)
	if code != ExitUsage || !strings.Contains(text, "holds a finished run") || !strings.Contains(text, "succeeded 2") || !strings.Contains(text, "--overwrite") {
		t.Errorf("reusing a finished run's folder: exit %d, want 2 naming the run\n%s", code, text)
	}
	code, text = e.main(nil, "run", jobPath, "--dry-run", "--out", out)
	if after, _ := os.ReadFile(filepath.Join(out, "run.json")); code != ExitUsage || string(after) != string(runJSON) {
		t.Errorf("a dry run into a finished run's folder: exit %d, run.json changed: %v\n%s", code, string(after) != string(runJSON), text)
	}
	if code, text := e.main(nil, "run", jobPath, "--yes", "--out", out, "--overwrite"); code != ExitOK || !strings.Contains(text, "unchanged 2") {
		t.Errorf("--overwrite: exit %d\n%s", code, text)
	}
}

func TestRunCheckExitsFiveUntilApplied(t *testing.T) {
	synctest.Test(t, testRunCheckExitsFiveUntilApplied)
}

func testRunCheckExitsFiveUntilApplied(t *testing.T) {
	e := newMemRunEnv(t, zoomtest.Options{NoRateLimits: true})
	jobPath := e.file("job.yaml", createJob)
	e.file("users.csv", hires(3, "Sales"))
	code, text := e.main(nil, "run", jobPath, "--check", "--out", filepath.Join(e.dir, "c1"))
	if code != ExitDrift || !strings.Contains(text, "differs: create 3") {
		t.Fatalf("--check before: exit %d, want 5\n%s", code, text)
	}
	if w := e.srv.Stats().Applied["POST /users"]; w != 0 {
		t.Fatalf("--check created %d users", w)
	}
	if code, text := e.main(nil, "run", jobPath, "--yes", "--out", filepath.Join(e.dir, "run")); code != ExitOK {
		t.Fatalf("run: exit %d\n%s", code, text)
	}
	if code, text := e.main(nil, "run", jobPath, "--check", "--out", filepath.Join(e.dir, "c2")); code != ExitOK || !strings.Contains(text, "matches (3 rows)") {
		t.Fatalf("--check after: exit %d, want 0\n%s", code, text)
	}
}

// TestPlanShowsTheDowngrade is the admin's story: an HR row for a Licensed
// user says Basic in a create-users job with if_exists: update.
func TestPlanShowsTheDowngrade(t *testing.T) { synctest.Test(t, testPlanShowsTheDowngrade) }

func testPlanShowsTheDowngrade(t *testing.T) {
	e := newMemRunEnv(t, zoomtest.Options{NoRateLimits: true})
	job := strings.Replace(createJob, "  max_failures: 3\n", "  max_removals: 0\n", 1)
	jobPath := e.file("job.yaml", job)
	e.file("users.csv", "Email,First Name,Last Name,License,Group\ngrace.hopper@acme.example,Grace,Hopper,Basic,Engineering\n"+
		"new.one@acme.example,New,One,Licensed,Sales\nbad.group@acme.example,Bad,Group,Basic,Markting\n")
	out := filepath.Join(e.dir, "out")
	code, text := e.main(nil, "run", jobPath, "--yes", "--out", out)
	if code != ExitAborted || !strings.Contains(text, "max_removals") || !strings.Contains(text, "1 license downgrade") {
		t.Fatalf("max_removals: 0: exit %d, want 3 naming the limit and the count\n%s", code, text)
	}
	if w := writes(e.srv.Stats()); w != 0 {
		t.Fatalf("%d writes over the removal limit", w)
	}
	changes := readCSV(t, filepath.Join(out, "changes.csv"))
	var downgrade, misspelt bool
	for _, c := range changes {
		if c["email"] == "grace.hopper@acme.example" && c["field"] == "type" && strings.HasPrefix(c["current"], "2") && strings.HasPrefix(c["new"], "1") && c["removal"] == "license downgrade" {
			downgrade = true
		}
		if c["email"] == "bad.group@acme.example" && c["action"] == "fail" && strings.Contains(c["reason"], `"Markting"`) {
			misspelt = true
		}
		if c["email"] == "grace.hopper@acme.example" && c["field"] == "first_name" {
			t.Errorf("an unchanged field is listed: %v", c)
		}
	}
	if !downgrade || !misspelt {
		t.Errorf("changes.csv lacks the downgrade (%v) or the misspelt group (%v): %v", downgrade, misspelt, changes)
	}

	// Without the limit: the prompt line names the downgrade; the misspelt
	// row creates no one; fixed, it is created.
	jobPath = e.file("job.yaml", createJob)
	code, text = e.main(nil, "run", jobPath, "--yes", "--out", filepath.Join(e.dir, "run2"))
	if code != ExitPartial || !strings.Contains(text, "Apply to account acme-sandbox") || !strings.Contains(text, "create 1, update 1, add 1 (1 license downgrade), 3 calls") {
		t.Fatalf("exit %d, want 1 with the prompt line naming the downgrade\n%s", code, text)
	}
	if _, ok := e.srv.UserByEmail("bad.group@acme.example"); ok {
		t.Errorf("the row with the misspelt group created its user")
	}
	e.file("users.csv", "Email,First Name,Last Name,License,Group\nbad.group@acme.example,Bad,Group,Basic,Marketing\n")
	if code, text := e.main(nil, "run", jobPath, "--yes", "--out", filepath.Join(e.dir, "run3")); code != ExitOK {
		t.Fatalf("the fixed row: exit %d\n%s", code, text)
	}
	if _, ok := e.srv.UserByEmail("bad.group@acme.example"); !ok {
		t.Errorf("the fixed row did not create its user")
	}
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

// Issue 10 item 4 / issue 12 item 3: Zoom out of reach is exit 4, said as
// such, not as a credentials problem.
func TestRunUnreachableZoom(t *testing.T) {
	synctest.Test(t, testRunUnreachableZoom)
}

func testRunUnreachableZoom(t *testing.T) {
	e := newMemRunEnv(t, zoomtest.Options{NoRateLimits: true})
	jobPath := e.file("job.yaml", createJob)
	e.file("users.csv", hires(1, "Sales"))
	// A loopback port nothing listens on: every attempt is refused, as a
	// socket would be, and the client's backoff between them (seconds in
	// all) passes on the bubble's clock.
	e.env["ZOOM_OAUTH_URL"] = "http://127.0.0.1:1/oauth/token"
	api := e.transport(nil)
	e.transport = func(http.Handler) http.RoundTripper {
		return roundTripper(func(r *http.Request) (*http.Response, error) {
			if r.URL.Host == "127.0.0.1:1" {
				return nil, &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
			}
			return api.RoundTrip(r)
		})
	}
	code, text := e.main(nil, "run", jobPath, "--yes", "--out", filepath.Join(e.dir, "out"))
	if code != ExitAuth || !strings.Contains(text, "cannot reach") || strings.Contains(text, "check ZOOM_ACCOUNT_ID") {
		t.Fatalf("exit %d, want 4 saying it cannot reach Zoom:\n%s", code, text)
	}
}
