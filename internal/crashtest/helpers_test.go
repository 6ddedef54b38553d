package crashtest

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/jobs"
	"github.com/zoombulk/zoombulk/internal/zoom"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

const seedPath = "../../samples/sandbox-seed.yaml"

// binPath is the zoombulk binary TestMain builds (without -race: the
// subprocess is what is being crashed, the race detector watches this
// process's sandbox and engine).
var binPath string

// soak runs more seeds and more rows (make soak).
var soak = os.Getenv("ZOOMBULK_SOAK") != ""

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "zoombulk-crashtest-")
	if err != nil {
		log.Fatal(err)
	}
	binPath = filepath.Join(dir, "zoombulk")
	// The go command that runs this test is on PATH (go test puts its own
	// GOROOT/bin first).
	goTool, err := exec.LookPath("go")
	if err != nil {
		log.Fatal(err)
	}
	build := exec.Command(goTool, "build", "-o", binPath, "github.com/zoombulk/zoombulk")
	if out, err := build.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		log.Fatalf("building zoombulk: %v\n%s", err, out)
	}
	// A goroutine that outlives the tests fails the package (the bubbled
	// ones are checked by synctest as they end).
	code := zoomtest.RunWithoutLeaks(m, 5*time.Second)
	os.RemoveAll(dir)
	os.Exit(code)
}

// sandbox is a zoomtest server behind a handler of our own, served on
// loopback: it counts requests in flight (so a resume never races a dead
// process's last request) and records every access token the token
// endpoint hands out (so the secrets test can look for them).
type sandbox struct {
	*zoomtest.Server
	opts     zoomtest.Options
	url      string
	hs       *http.Server // nil for startMemSandbox's
	handler  http.Handler
	inflight atomic.Int64
	// rec records when each call arrived (startMemSandbox's only).
	rec *zoomtest.Recorder

	mu     sync.Mutex
	tokens []string
}

// newSecret is a client secret no test output could hold by chance.
func newSecret() string {
	b := make([]byte, 12)
	rand.Read(b)
	return "zbSECRET" + hex.EncodeToString(b)
}

func startSandbox(t testing.TB, opts zoomtest.Options) *sandbox {
	t.Helper()
	sb := newSandbox(t, opts)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sb.url = "http://" + ln.Addr().String()
	sb.hs = &http.Server{
		Handler:           sb.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0), // injected resets make net/http log
	}
	go sb.hs.Serve(ln)
	t.Cleanup(sb.close)
	return sb
}

// startMemSandbox is startSandbox without a socket, for in-process runs in
// a synctest bubble: sb.client reaches it through zoomtest.Transport, and
// sb.rec records the moment each call arrives (virtual time in a bubble).
func startMemSandbox(t testing.TB, opts zoomtest.Options) *sandbox {
	t.Helper()
	sb := newSandbox(t, opts)
	sb.url = zoomtest.MemURL
	sb.rec = zoomtest.NewRecorder(sb.handler)
	sb.handler = sb.rec
	t.Cleanup(sb.close)
	return sb
}

// newSandbox builds the sandbox and its handler, without serving it.
func newSandbox(t testing.TB, opts zoomtest.Options) *sandbox {
	t.Helper()
	if opts.Seed == nil {
		seed, err := zoomtest.LoadSeed(seedPath)
		if err != nil {
			t.Fatal(err)
		}
		opts.Seed = seed
	}
	if opts.AccountID == "" {
		opts.AccountID = "crash-account"
	}
	if opts.ClientID == "" {
		opts.ClientID = "crash-client"
	}
	if opts.ClientSecret == "" {
		opts.ClientSecret = newSecret()
	}
	srv, err := zoomtest.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	sb := &sandbox{Server: srv, opts: opts}
	inner := srv.Handler()
	sb.handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sb.inflight.Add(1)
		defer sb.inflight.Add(-1)
		if r.URL.Path != "/oauth/token" {
			inner.ServeHTTP(w, r) // the original writer: faults hijack it
			return
		}
		rec := &teeWriter{ResponseWriter: w}
		inner.ServeHTTP(rec, r)
		var answer struct {
			AccessToken string `json:"access_token"`
		}
		if json.Unmarshal(rec.body.Bytes(), &answer) == nil && answer.AccessToken != "" {
			sb.mu.Lock()
			sb.tokens = append(sb.tokens, answer.AccessToken)
			sb.mu.Unlock()
		}
	})
	return sb
}

func (sb *sandbox) close() {
	sb.Server.Close()
	if sb.hs != nil {
		sb.hs.Close()
	}
}

// env is what a zoombulk process needs to use the sandbox.
func (sb *sandbox) env() []string {
	return []string{
		"ZOOM_ACCOUNT_ID=" + sb.opts.AccountID,
		"ZOOM_CLIENT_ID=" + sb.opts.ClientID,
		"ZOOM_CLIENT_SECRET=" + sb.opts.ClientSecret,
		"ZOOM_API_URL=" + sb.url + "/v2",
		"ZOOM_OAUTH_URL=" + sb.url + "/oauth/token",
	}
}

func (sb *sandbox) issuedTokens() []string {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	return slices.Clone(sb.tokens)
}

// quiesce waits until no request is in flight: after a SIGKILL the sandbox
// may still be applying the dead process's last calls, which the resumed
// run must see.
func (sb *sandbox) quiesce(t testing.TB) {
	t.Helper()
	if !waitFor(10*time.Second, nil, func() bool { return sb.inflight.Load() == 0 }) {
		t.Fatalf("the sandbox still has %d requests in flight after 10 s", sb.inflight.Load())
	}
}

type teeWriter struct {
	http.ResponseWriter
	body bytes.Buffer
}

func (w *teeWriter) Write(p []byte) (int, error) {
	w.body.Write(p)
	return w.ResponseWriter.Write(p)
}

// client is an in-process client for the sandbox. fast turns the client's
// pacing off (the sandbox must not enforce limits then).
func (sb *sandbox) client(t testing.TB, tweak func(*zoom.Config)) *zoom.Client {
	t.Helper()
	env := map[string]string{}
	for _, kv := range sb.env() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	cfg := zoom.ConfigFromEnv(func(k string) string { return env[k] })
	cfg.Tier, cfg.Share = "business", 1
	cfg.FeaturesInterval = featuresInterval
	cfg.BackoffBase, cfg.BackoffMax = 2*time.Millisecond, 50*time.Millisecond
	cfg.Timeout = 10 * time.Second
	if tweak != nil {
		tweak(&cfg)
	}
	if sb.hs == nil {
		// In memory: the per-attempt timeout is the http.Client's.
		cfg.HTTPClient = &http.Client{Transport: zoomtest.Transport(sb.handler), Timeout: cfg.Timeout}
	}
	c, err := zoom.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// featuresInterval scales Zoom's 10 s features rule down for in-process
// runs (sandbox and client alike).
const featuresInterval = 50 * time.Millisecond

// waitFor polls cond every 2 ms until it holds (true), the deadline passes
// or exited is closed (false).
func waitFor(d time.Duration, exited <-chan struct{}, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		select {
		case <-exited:
			return cond()
		case <-time.After(2 * time.Millisecond):
		}
	}
}

// The mixed job of the suites: creates (with a profile field set by the
// PATCH after the create), updates, features, group moves and divisions.
const mixedJob = `version: 1
name: crash
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

// mixedRows is total rows: new hires (every webinarEvery-th with 500
// webinar seats), changes to every seeded member but the owner and the
// admin (seededWebinar seats), 5 rows naming a group that does not exist
// (created, then failed at move_group) and 5 with a broken email (failed at
// validate).
func mixedRows(seeded []zoomtest.User, total, webinarEvery int, seededWebinar string) [][]string {
	members := seeded[2:]
	hires := total - len(members) - 10
	var rows [][]string
	for i := range hires {
		lic, web := "Basic", ""
		if i%3 == 0 {
			lic = "Licensed"
		}
		if webinarEvery > 0 && i%webinarEvery == 0 {
			// Zoom grants a webinar to Licensed users only.
			lic, web = "Licensed", "500"
		}
		rows = append(rows, []string{fmt.Sprintf("hire%04d@acme.example", i), fmt.Sprintf("First%d", i), fmt.Sprintf("Last%d", i),
			lic, fmt.Sprintf("Dept %d", i%4), groupNames[i%len(groupNames)], divNames[i%len(divNames)], web})
	}
	for i, u := range members {
		lic := "Basic"
		if u.Type == 2 || seededWebinar != "" {
			lic = "Licensed" // a webinar needs a license
		}
		rows = append(rows, []string{u.Email, u.FirstName, u.LastName, lic, "Moved " + u.Dept,
			groupNames[(i+3)%len(groupNames)], divNames[(i+1)%len(divNames)], seededWebinar})
	}
	for i := range 5 {
		rows = append(rows, []string{fmt.Sprintf("typo%d@acme.example", i), "Typo", "Group", "Basic", "", "Enginering", "EMEA", ""})
	}
	for i := range 5 {
		rows = append(rows, []string{fmt.Sprintf("broken%d.acme.example", i), "Broken", "Email", "Basic", "", "Sales", "EMEA", ""})
	}
	return rows
}

// creates is how many users the mixed job creates: the hires. The typo
// rows' group fails in the plan, so they start no step.
func creates(rows [][]string) int {
	n := 0
	for _, r := range rows {
		if strings.HasPrefix(r[0], "hire") {
			n++
		}
	}
	return n
}

// workdir writes the job and its input into a fresh folder.
func workdir(t testing.TB, rows [][]string) (dir, jobPath string) {
	t.Helper()
	dir = t.TempDir()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(mixedHeader)
	w.WriteAll(rows)
	if err := os.WriteFile(filepath.Join(dir, "users.csv"), b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	jobPath = filepath.Join(dir, "job.yaml")
	if err := os.WriteFile(jobPath, []byte(mixedJob), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, jobPath
}

// runInProcess runs the job with the engine in this process.
func runInProcess(ctx context.Context, t testing.TB, c *zoom.Client, jobPath, out string, resume bool) (*jobs.Summary, error) {
	t.Helper()
	job, err := jobfile.Load(jobPath)
	if err != nil {
		t.Fatal(err)
	}
	r := &jobs.Runner{Client: c, Job: job, Opts: jobs.Options{OutDir: out, Resume: resume, Version: "crashtest"}}
	return r.Run(ctx)
}

// accountState is the account as the suites compare it: every user by
// email (IDs of created users depend on the order of creation).
func accountState(srv *zoomtest.Server) map[string]string {
	out := map[string]string{}
	for _, u := range srv.Users() {
		out[strings.ToLower(u.Email)] = fmt.Sprintf("type=%d status=%s first=%q last=%q dept=%q groups=%v division=%s features=%v",
			u.Type, u.Status, u.FirstName, u.LastName, u.Dept, u.GroupIDs, u.DivisionID, u.Features)
	}
	return out
}

func compareState(t testing.TB, want, got map[string]string) {
	t.Helper()
	bad := 0
	for email, w := range want {
		if g, ok := got[email]; !ok {
			t.Errorf("%s: missing; the reference has %s", email, w)
			bad++
		} else if g != w {
			t.Errorf("%s:\n  got       %s\n  reference %s", email, g, w)
			bad++
		}
		if bad > 10 {
			t.Fatalf("more than 10 users differ from the reference run")
		}
	}
	for email, g := range got {
		if _, ok := want[email]; !ok {
			t.Errorf("%s: not in the reference run: %s", email, g)
		}
	}
}

// readResults reads results.csv as maps keyed by header, in file order.
func readResults(t testing.TB, dir string) []map[string]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "results.csv"))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatalf("results.csv: %v", err)
	}
	var out []map[string]string
	for _, rec := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = rec[i]
		}
		out = append(out, m)
	}
	return out
}

// checkResults: one line per input row, in input order; the rows that
// failed in the reference failed the same way, and every other row ended
// succeeded or unchanged (a row whose change landed in a killed run but
// whose result line did not is found already done on resume).
func checkResults(t testing.TB, dir string, rows [][]string, ref []map[string]string) {
	t.Helper()
	lines := readResults(t, dir)
	if len(lines) != len(rows) {
		t.Fatalf("results.csv has %d lines for %d input rows", len(lines), len(rows))
	}
	for i, l := range lines {
		if l["Email"] != rows[i][0] || l["zb_row"] != fmt.Sprint(i+2) {
			t.Fatalf("line %d is %q (zb_row %s), want %q (row %d): not one line per row in input order", i, l["Email"], l["zb_row"], rows[i][0], i+2)
		}
		want := ref[i]["zb_status"]
		switch got := l["zb_status"]; {
		case want == "failed":
			if got != "failed" || l["zb_step"] != ref[i]["zb_step"] {
				t.Errorf("%s: %s at %q, the reference failed at %q", l["Email"], got, l["zb_step"], ref[i]["zb_step"])
			}
		case got != "succeeded" && got != "unchanged":
			t.Errorf("%s: %s at %q (%s), the reference %s", l["Email"], got, l["zb_step"], l["zb_reason"], want)
		}
	}
}

// countLines counts the newline-terminated lines of a file (0 if absent).
func countLines(path string) int {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	return bytes.Count(data, []byte("\n"))
}

// proc is a zoombulk process.
type proc struct {
	cmd            *exec.Cmd
	stdout, stderr bytes.Buffer
	exited         chan struct{}
	code           int
}

func start(t testing.TB, dir string, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{exited: make(chan struct{})}
	p.cmd = exec.Command(binPath, args...)
	p.cmd.Dir = dir
	p.cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "TMPDIR=" + os.TempDir()}, env...)
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.cmd.Wait()
		p.code = p.cmd.ProcessState.ExitCode()
		close(p.exited)
	}()
	return p
}

// wait waits for the process to end and returns its exit code (-1 if a
// signal ended it).
func (p *proc) wait(t testing.TB) int {
	t.Helper()
	select {
	case <-p.exited:
		return p.code
	case <-time.After(3 * time.Minute):
		p.cmd.Process.Kill()
		<-p.exited
		t.Fatalf("zoombulk %s did not end within 3 minutes\nstderr:\n%s", strings.Join(p.cmd.Args[1:], " "), p.stderr.String())
		return -1
	}
}

func (p *proc) output() []byte {
	return append(append([]byte{}, p.stdout.Bytes()...), p.stderr.Bytes()...)
}

// leaks lists where any of the secrets shows up: in outputs, or in any file
// under dirs (workbooks are unzipped and every part searched).
func leaks(t testing.TB, secrets []string, dirs []string, outputs map[string][]byte) []string {
	t.Helper()
	var found []string
	scan := func(where string, data []byte) {
		for _, s := range secrets {
			if s != "" && bytes.Contains(data, []byte(s)) {
				found = append(found, fmt.Sprintf("%s holds %.12s…", where, s))
			}
		}
	}
	for name, out := range outputs {
		scan(name, out)
	}
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			scan(path, data)
			if zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data))); err == nil {
				for _, f := range zr.File {
					rc, err := f.Open()
					if err != nil {
						return err
					}
					part, err := io.ReadAll(rc)
					rc.Close()
					if err != nil {
						return err
					}
					scan(path+"!"+f.Name, part)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return found
}

// secretsOf is what must never leak from a sandbox's runs: the client
// secret, the Basic credentials made of it, and every token issued.
func (sb *sandbox) secretsOf() []string {
	basic := base64.StdEncoding.EncodeToString([]byte(sb.opts.ClientID + ":" + sb.opts.ClientSecret))
	return append([]string{sb.opts.ClientSecret, basic}, sb.issuedTokens()...)
}
