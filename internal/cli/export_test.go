package cli

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

const exportSeed = "../../samples/sandbox-seed.yaml"

func exportSandbox(t *testing.T, opts zoomtest.Options) *zoomtest.Server {
	t.Helper()
	seed, err := zoomtest.LoadSeed(exportSeed)
	if err != nil {
		t.Fatal(err)
	}
	opts.Seed = seed
	return zoomtest.NewTestServer(t, opts)
}

// exportMemSandbox is exportSandbox reached in memory, for a test in a
// synctest bubble: exportEnv points at its origin, and runExportCLI gives
// a command whose environment names that origin the in-memory transport.
func exportMemSandbox(t *testing.T, opts zoomtest.Options) *zoomtest.Server {
	t.Helper()
	seed, err := zoomtest.LoadSeed(exportSeed)
	if err != nil {
		t.Fatal(err)
	}
	opts.Seed = seed
	srv := zoomtest.NewMemServer(t, opts)
	origin := zoomtest.MemOrigin(srv)
	memSandboxes.Store(origin, srv)
	t.Cleanup(func() { memSandboxes.Delete(origin) })
	return srv
}

// memSandboxes are exportMemSandbox's sandboxes by origin.
var memSandboxes sync.Map // string -> *zoomtest.Server

// memSandboxAt is the exportMemSandbox whose API URL is apiURL, if any.
func memSandboxAt(apiURL string) (*zoomtest.Server, bool) {
	u, err := url.Parse(apiURL)
	if err != nil || apiURL == "" {
		return nil, false
	}
	srv, ok := memSandboxes.Load(u.Scheme + "://" + u.Host)
	if !ok {
		return nil, false
	}
	return srv.(*zoomtest.Server), true
}

// exportEnv is the environment that points zoombulk at a sandbox, with the API
// URL replaced when apiURL is set.
func exportEnv(srv *zoomtest.Server, apiURL string) func(string) string {
	env := map[string]string{}
	for _, kv := range srv.Env() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	if _, ok := memSandboxes.Load(zoomtest.MemOrigin(srv)); ok {
		cfg := zoomtest.MemConfig(srv, 0)
		env["ZOOM_API_URL"], env["ZOOM_OAUTH_URL"] = cfg.APIURL, cfg.OAuthURL
	}
	if apiURL != "" {
		env["ZOOM_API_URL"] = apiURL
	}
	return func(k string) string { return env[k] }
}

type exportRun struct {
	code           int
	stdout, stderr string
}

func runExportCLI(t *testing.T, stdio *IO, sigs <-chan os.Signal, args ...string) exportRun {
	t.Helper()
	var out, errOut bytes.Buffer
	stdio.Out, stdio.ErrOut = &out, &errOut
	if stdio.In == nil {
		stdio.In = strings.NewReader("")
	}
	if stdio.Transport == nil && stdio.Getenv != nil {
		if srv, ok := memSandboxAt(stdio.Getenv("ZOOM_API_URL")); ok {
			stdio.Transport = inMemoryTo(srv)
		}
	}
	if stdio.Getenv == nil {
		stdio.Getenv = func(k string) string {
			t.Errorf("the command read %s from the environment", k)
			return ""
		}
	}
	stdio.Exit = func(code int) { t.Errorf("the command exited the process with %d", code) }
	code := Main(context.Background(), args, stdio, sigs)
	return exportRun{code, out.String(), errOut.String()}
}

// exportReadCSV reads one of our CSV exports: BOM checked and dropped, CRLF rows.
func exportReadCSV(t *testing.T, path string) [][]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("\uFEFF")) {
		t.Fatalf("%s has no UTF-8 BOM", path)
	}
	var rows [][]string
	for _, line := range strings.Split(strings.TrimSuffix(string(data[3:]), "\r\n"), "\r\n") {
		rows = append(rows, exportSplitCSV(line))
	}
	return rows
}

// exportSplitCSV splits one line of our CSV (no newlines inside fields in
// these tests).
func exportSplitCSV(line string) []string {
	var out []string
	var b strings.Builder
	quoted := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quoted && c == '"' && i+1 < len(line) && line[i+1] == '"':
			b.WriteByte('"')
			i++
		case c == '"':
			quoted = !quoted
		case c == ',' && !quoted:
			out = append(out, b.String())
			b.Reset()
		default:
			b.WriteByte(c)
		}
	}
	return append(out, b.String())
}

// Export users (CSV) → change one cell → a job updates that column → run
// → export again: exactly that change shows, every other cell is the same.
func TestExportEditImportRoundTrip(t *testing.T) { synctest.Test(t, testExportEditImportRoundTrip) }

func testExportEditImportRoundTrip(t *testing.T) {
	srv := exportMemSandbox(t, zoomtest.Options{})
	dir := t.TempDir()
	first, second := filepath.Join(dir, "users.csv"), filepath.Join(dir, "after.csv")
	zoomEnv := exportEnv(srv, "")
	flags := []string{"--tier", "business", "--share", "1"}

	r := runExportCLI(t, &IO{Getenv: zoomEnv}, nil, append([]string{"export", "users", "-o", first}, flags...)...)
	if r.code != ExitOK {
		t.Fatalf("export: exit %d\n%s", r.code, r.stderr)
	}
	before := exportReadCSV(t, first)
	if want := len(srv.Users()) + 1; len(before) != want {
		t.Fatalf("%d lines, want %d", len(before), want)
	}
	header := before[0]
	emailCol, deptCol := slices.Index(header, "Email"), slices.Index(header, "Department")

	// The admin edits one cell: Alan Turing moves to Research.
	const who, newDept = "alan.turing@acme.example", "Research"
	edited, err := os.ReadFile(first)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	changedRow := -1
	for i, line := range strings.Split(string(edited), "\r\n") {
		if strings.HasPrefix(line, who+",") {
			cells := exportSplitCSV(line)
			if cells[deptCol] != "Engineering" {
				t.Fatalf("%s's department is %q", who, cells[deptCol])
			}
			line = strings.Replace(line, ",Engineering,", ","+newDept+",", 1)
			changedRow = i
		}
		lines = append(lines, line)
	}
	if changedRow < 0 {
		t.Fatalf("%s not in the export", who)
	}
	input := filepath.Join(dir, "edited.csv")
	if err := os.WriteFile(input, []byte(strings.Join(lines, "\r\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	// The job maps the export's own headers; only Department changed.
	job := filepath.Join(dir, "update.yaml")
	if err := os.WriteFile(job, []byte(`version: 1
name: roundtrip
input: { path: edited.csv }
match: email
fields:
  email: Email
  first_name: First Name
  last_name: Last Name
  dept: Department
  type:
    column: User Type
    values: { Basic: 1, Licensed: 2, Unassigned: 4 }
  timezone: Timezone
steps: [update_users]
`), 0o644); err != nil {
		t.Fatal(err)
	}
	r = runExportCLI(t, &IO{Getenv: zoomEnv}, nil, append([]string{"run", job, "--yes", "--out", filepath.Join(dir, "run")}, flags...)...)
	if r.code != ExitOK {
		t.Fatalf("run: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	// The export fed back as it is changes nothing: only the edited row is sent.
	if out := r.stdout + r.stderr; !strings.Contains(out, "succeeded 1, unchanged 24") {
		t.Errorf("the run did more than the one edit:\n%s", out)
	}

	r = runExportCLI(t, &IO{Getenv: zoomEnv}, nil, append([]string{"export", "users", "-o", second}, flags...)...)
	if r.code != ExitOK {
		t.Fatalf("second export: exit %d\n%s", r.code, r.stderr)
	}
	after := exportReadCSV(t, second)
	if len(after) != len(before) || !slices.Equal(after[0], header) {
		t.Fatalf("the second export has %d lines and header %q", len(after), after[0])
	}
	var diffs []string
	for i := range before {
		for j := range header {
			if before[i][j] != after[i][j] {
				diffs = append(diffs, before[i][emailCol]+" "+header[j]+": "+before[i][j]+" -> "+after[i][j])
			}
		}
	}
	if want := []string{who + " Department: Engineering -> " + newDept}; !slices.Equal(diffs, want) {
		t.Errorf("changes between the exports:\n%s\nwant:\n%s", strings.Join(diffs, "\n"), strings.Join(want, "\n"))
	}
	if u, _ := srv.UserByEmail(who); u.Dept != newDept {
		t.Errorf("the sandbox says %q", u.Dept)
	}
}

func TestExportExitCodes(t *testing.T) {
	srv := exportSandbox(t, zoomtest.Options{})
	// A front that breaks one listing: Zoom failing in the middle.
	target, _ := url.Parse(srv.URL())
	proxy := httputil.NewSingleHostReverseProxy(target)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v2/users" && r.URL.Query().Get("status") == "pending" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"code":300,"message":"Invalid request."}`))
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	good, broken := exportEnv(srv, ""), exportEnv(srv, front.URL+"/v2")
	wrongSecret := func(k string) string {
		if k == "ZOOM_CLIENT_SECRET" {
			return "wrong"
		}
		return good(k)
	}
	dir := t.TempDir()
	out := func(name string) string { return filepath.Join(dir, name) }

	tests := []struct {
		name   string
		env    func(string) string // nil: the command must not read it
		args   []string
		code   int
		stderr string
	}{
		{"unknown group", good, []string{"export", "users", "-o", out("a.xlsx"), "--group", "Sails"}, ExitUsage, `unknown group "Sails"; did you mean "Sales"?`},
		{"unknown division", good, []string{"export", "users", "-o", out("a.csv"), "--division", "Amercas"}, ExitUsage, `unknown division "Amercas"; did you mean "Americas"?`},
		{"unknown group members", good, []string{"export", "group-members", "--group", "HR team", "-o", out("a.csv")}, ExitUsage, `unknown group "HR team"; did you mean "HR"?`},
		{"extension", nil, []string{"export", "users", "-o", out("a.json")}, ExitUsage, `unsupported file type ".json"; this export writes .csv or .xlsx`},
		{"summary is a workbook", nil, []string{"export", "summary", "-o", out("a.csv")}, ExitUsage, `this export writes .xlsx`},
		{"missing folder", nil, []string{"export", "groups", "-o", out("nope/a.csv")}, ExitUsage, "does not exist"},
		{"bad status", nil, []string{"export", "users", "-o", out("a.csv"), "--status", "active,gone"}, ExitUsage, `unknown status "gone"`},
		{"bad field", nil, []string{"export", "users", "-o", out("a.csv"), "--fields", "email,depatment"}, ExitUsage, `unknown field "depatment"`},
		{"no output", nil, []string{"export", "users"}, ExitUsage, `required flag(s) "output" not set`},
		{"nothing to export", nil, []string{"export"}, ExitUsage, "say what to export"},
		{"bad flag", nil, []string{"export", "users", "-o", out("a.csv"), "--colour"}, ExitUsage, "unknown flag: --colour"},
		{"auth", wrongSecret, []string{"export", "users", "-o", out("a.csv")}, ExitAuth, "check ZOOM_ACCOUNT_ID"},
		{"zoom fails", broken, []string{"export", "users", "-o", out("a.xlsx")}, ExitPartial, "export failed, no file was written: listing pending users: zoom: GET /users: HTTP 400, code 300"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runExportCLI(t, &IO{Getenv: tt.env}, nil, tt.args...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.stderr) {
				t.Errorf("exit %d, want %d; stderr:\n%s\nwant it to hold %q", r.code, tt.code, r.stderr, tt.stderr)
			}
			if r.stdout != "" {
				t.Errorf("stdout: %s", r.stdout)
			}
			if got := exportFiles(t, dir); len(got) != 0 {
				t.Errorf("files left behind: %q", got)
			}
		})
	}
}

func exportFiles(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func TestExportEveryKind(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		args   []string
		stdout string
	}{
		{[]string{"users", "-o", filepath.Join(dir, "u.xlsx"), "--status", "active", "--fields", "email,groups"}, "Exported 21 users to " + filepath.Join(dir, "u.xlsx") + " (1 listing page, "},
		{[]string{"groups", "-o", filepath.Join(dir, "g.csv")}, "Exported 7 groups to " + filepath.Join(dir, "g.csv") + "\n"},
		{[]string{"divisions", "-o", filepath.Join(dir, "d.xlsx")}, "Exported 4 divisions to "},
		{[]string{"group-members", "--group", "engineering", "-o", filepath.Join(dir, "m.csv")}, "Exported 6 members to "},
		{[]string{"contact-groups", "-o", filepath.Join(dir, "c.csv")}, "Exported 2 contact groups to "},
		{[]string{"summary", "-o", filepath.Join(dir, "s.xlsx")}, "Exported the summary of 25 users to " + filepath.Join(dir, "s.xlsx")},
	}
	for _, tt := range tests {
		// Each kind from a fresh copy of the seed (an export changes
		// nothing), in memory, on the bubble's clock.
		t.Run(tt.args[0], zoomtest.Bubble(func(t *testing.T) {
			env := exportEnv(exportMemSandbox(t, zoomtest.Options{}), "")
			r := runExportCLI(t, &IO{Getenv: env}, nil, append([]string{"export"}, tt.args...)...)
			if r.code != ExitOK || !strings.Contains(r.stdout, tt.stdout) {
				t.Errorf("exit %d, stdout %q, want it to hold %q; stderr %s", r.code, r.stdout, tt.stdout, r.stderr)
			}
		}))
	}
	if got := exportFiles(t, dir); len(got) != len(tests) {
		t.Errorf("files: %q", got)
	}
}

// Progress: a bar on a terminal, plain lines otherwise; the final line on
// stdout either way.
func TestExportProgress(t *testing.T) { synctest.Test(t, testExportProgress) }

func testExportProgress(t *testing.T) {
	srv := exportMemSandbox(t, zoomtest.Options{Users: 1500})
	env := exportEnv(srv, "")
	defer func(d time.Duration) { exportLogEvery = d }(exportLogEvery)
	exportLogEvery = 0

	dir := t.TempDir()
	r := runExportCLI(t, &IO{Getenv: env}, nil, "export", "users", "-o", filepath.Join(dir, "plain.csv"), "--tier", "business")
	if r.code != ExitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "export users: ") || !strings.Contains(r.stderr, " of 1,525 users (") || !strings.Contains(r.stderr, "users/s") {
		t.Errorf("plain progress:\n%s", r.stderr)
	}
	if strings.Contains(r.stderr, "\r") {
		t.Errorf("a bar was drawn on a non-terminal:\n%q", r.stderr)
	}
	if !strings.HasPrefix(r.stdout, "Exported 1,525 users to ") {
		t.Errorf("stdout %q", r.stdout)
	}

	r = runExportCLI(t, &IO{Getenv: env, ErrTTY: true}, nil, "export", "users", "-o", filepath.Join(dir, "tty.xlsx"), "--tier", "business")
	if r.code != ExitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "\r") || !strings.Contains(r.stderr, "users, 3 pages") || !strings.Contains(r.stderr, "1525/1525") {
		t.Errorf("terminal progress:\n%q", r.stderr)
	}
	if !strings.HasPrefix(r.stdout, "Exported 1,525 users to ") {
		t.Errorf("stdout %q", r.stdout)
	}
}

// Ctrl-C stops the export: exit 3, no file.
func TestExportInterrupted(t *testing.T) { synctest.Test(t, testExportInterrupted) }

func testExportInterrupted(t *testing.T) {
	srv := exportMemSandbox(t, zoomtest.Options{Latency: 100 * time.Millisecond})
	sigs := make(chan os.Signal, 1)
	sigs <- os.Interrupt
	dir := t.TempDir()
	r := runExportCLI(t, &IO{Getenv: exportEnv(srv, "")}, sigs, "export", "users", "-o", filepath.Join(dir, "u.xlsx"))
	if r.code != ExitAborted || !strings.Contains(r.stderr, "interrupted: no file was written") {
		t.Errorf("exit %d:\n%s", r.code, r.stderr)
	}
	if got := exportFiles(t, dir); len(got) != 0 {
		t.Errorf("files left behind: %q", got)
	}
}

func TestExportHelp(t *testing.T) {
	r := runExportCLI(t, &IO{}, nil, "export", "users", "--help")
	for _, want := range []string{"--details", "--fields", "--status", "--group", "--division", "--sandbox", "-o, --output",
		"job_title        Job Title (with --details)", "type_code        Type Code"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

// Issue 17 item 17: export -o keeps an existing file unless --force, as
// template does.
func TestExportKeepsAnExistingFileUnlessForced(t *testing.T) {
	synctest.Test(t, testExportKeepsAnExistingFileUnlessForced)
}

func testExportKeepsAnExistingFileUnlessForced(t *testing.T) {
	srv := exportMemSandbox(t, zoomtest.Options{})
	env := exportEnv(srv, "")
	path := filepath.Join(t.TempDir(), "groups.csv")
	if err := os.WriteFile(path, []byte("keep me\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runExportCLI(t, &IO{Getenv: env}, nil, "export", "groups", "-o", path)
	if data, _ := os.ReadFile(path); r.code != ExitUsage || !strings.Contains(r.stderr, "--force") || string(data) != "keep me\n" {
		t.Fatalf("exit %d, file %q; stderr:\n%s", r.code, data, r.stderr)
	}
	if r := runExportCLI(t, &IO{Getenv: env}, nil, "export", "groups", "-o", path, "--force"); r.code != ExitOK {
		t.Fatalf("--force: exit %d\n%s", r.code, r.stderr)
	}
	if data, _ := os.ReadFile(path); strings.Contains(string(data), "keep me") {
		t.Error("--force did not replace the file")
	}
}
