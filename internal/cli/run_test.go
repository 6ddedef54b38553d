package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// runEnv is a sandbox the command reaches through ZOOM_* variables.
type runEnv struct {
	t   *testing.T
	srv *zoomtest.Server
	dir string
	env map[string]string
}

func newRunEnv(t *testing.T, opts zoomtest.Options) *runEnv {
	t.Helper()
	seed, err := zoomtest.LoadSeed("../../samples/sandbox-seed.yaml")
	if err != nil {
		t.Fatal(err)
	}
	opts.Seed = seed
	srv := zoomtest.NewTestServer(t, opts)
	env := map[string]string{}
	for _, kv := range srv.Env() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	return &runEnv{t: t, srv: srv, dir: t.TempDir(), env: env}
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
		Exit: func(code int) { e.t.Errorf("exited at once with %d", code) }}
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
		t.Run(tc.name, func(t *testing.T) {
			e := newRunEnv(t, zoomtest.Options{NoRateLimits: true})
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
		})
	}
}

func TestRunInterruptedExitsThreeAndResumes(t *testing.T) {
	e := newRunEnv(t, zoomtest.Options{Latency: 5 * time.Millisecond})
	jobPath := e.file("job.yaml", createJob)
	e.file("users.csv", hires(200, "Sales"))
	out := filepath.Join(e.dir, "out")
	sigs := make(chan os.Signal, 2)
	go func() {
		for e.srv.Stats().Applied["POST /users"] < 20 {
			time.Sleep(time.Millisecond)
		}
		sigs <- syscall.SIGINT
	}()
	code, text := e.main(sigs, "run", jobPath, "--yes", "--out", out)
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
