package cli

import (
	"encoding/json"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

func TestVersion(t *testing.T) {
	r := zb(t, nil, "--version")
	if r.code != ExitOK || !strings.HasPrefix(r.stdout, "zoombulk ") {
		t.Errorf("exit %d: %q", r.code, r.stdout)
	}
	stamped := &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v0.0.0-20261130100000-0123456789ab+dirty"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.time", Value: "2026-11-30T10:00:00Z"}, {Key: "vcs.modified", Value: "true"},
	}}
	devel := &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"}}
	for _, tc := range []struct {
		name                   string
		version, commit, dirty string // what -ldflags -X set
		info                   *debug.BuildInfo
		ok                     bool
		want                   string
	}{
		{"go install from a clone: the module's pseudo-version and the VCS stamp", "dev", "", "", stamped, true,
			"v0.0.0-20261130100000-0123456789ab+dirty (commit 0123456789ab of 2026-11-30T10:00:00Z, with local changes, go1.26.0)"},
		{"a release: the tag wins over the module version", "v1.4.0", "0123456789abcdef0123", "", stamped, true,
			"v1.4.0 (commit 0123456789ab of 2026-11-30T10:00:00Z, with local changes, go1.26.0)"},
		{"make build in a worktree: no VCS stamp, the commit from -ldflags", "dev", "fedcba9876543210", "true", devel, true,
			"dev (commit fedcba987654, with local changes, go1.26.0)"},
		{"a clean tagged make dist build", "v1.5.0", "fedcba9876543210", "", devel, true, "v1.5.0 (commit fedcba987654, go1.26.0)"},
		{"nothing known", "dev", "", "", devel, true, "dev (go1.26.0)"},
		{"no build information", "dev", "", "", nil, false, "dev"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func(v, c, d string) { Version, Commit, Dirty = v, c, d }(Version, Commit, Dirty)
			Version, Commit, Dirty = tc.version, tc.commit, tc.dirty
			if got := versionText(tc.info, tc.ok); got != tc.want {
				t.Errorf("versionText = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestPlainTerminal(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want bool
	}{
		{map[string]string{}, false},
		{map[string]string{"NO_COLOR": "1"}, true},
		{map[string]string{"TERM": "dumb"}, true},
		{map[string]string{"TERM": "xterm-256color"}, false},
	} {
		if got := plainTerminal(func(k string) string { return tc.env[k] }); got != tc.want {
			t.Errorf("%v: %v", tc.env, got)
		}
	}
}

func TestCompletionOfFlagValues(t *testing.T) {
	dir := t.TempDir()
	wb := fillTemplate(t, dir, "create-users", "hires")
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"run", "job.yaml", "--tier", ""}, []string{"free", "pro", "business"}},
		{[]string{"export", "users", "--tier", "b"}, []string{"business"}},
		{[]string{"export", "users", "--status", "active,"}, []string{"active,inactive", "active,pending"}},
		{[]string{"export", "users", "--fields", "email,first"}, []string{"email,first_name"}},
		{[]string{"run", "users.csv", "--steps", "update_users,mo"}, []string{"update_users,move_group"}},
		{[]string{"validate", "users.csv", "--match", ""}, []string{"email", "id"}},
		{[]string{"run", wb, "--sheet", ""}, []string{"Users", "Instructions"}},
		{[]string{"validate", "job.yaml", "--input", wb, "--sheet", "u"}, []string{"Users"}},
	} {
		r := zb(t, nil, append([]string{"__complete"}, tc.args...)...)
		var got []string
		for _, line := range strings.Split(r.stdout, "\n") {
			if line != "" && !strings.HasPrefix(line, ":") {
				got = append(got, line)
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%q: %q, want %q", tc.args, got, tc.want)
		}
	}
}

// run --json writes one JSON object on stdout that a script can read;
// --quiet leaves stderr empty.
func TestRunJSONAndQuiet(t *testing.T) { synctest.Test(t, testRunJSONAndQuiet) }

func testRunJSONAndQuiet(t *testing.T) {
	e := newMemRunEnv(t, zoomtest.Options{NoRateLimits: true})
	job := e.file("job.yaml", createJob)
	e.file("users.csv", hires(2, "Sales")+"bad-email,X,Y,Basic,Sales\n")
	var out, errOut strings.Builder
	code := Main(t.Context(), []string{"run", job, "--yes", "--json", "--quiet", "--out", filepath.Join(e.dir, "out")},
		&IO{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Getenv: func(k string) string { return e.env[k] }, Transport: e.transport}, nil)
	if code != ExitPartial {
		t.Fatalf("exit %d\n%s", code, errOut.String())
	}
	if errOut.Len() != 0 {
		t.Errorf("--quiet wrote to stderr:\n%s", errOut.String())
	}
	var rep struct {
		Job      string         `json:"job"`
		Rows     int            `json:"rows"`
		Counts   map[string]int `json:"counts"`
		ExitCode int            `json:"exit_code"`
		Failed   []struct {
			Row    int    `json:"row"`
			Reason string `json:"reason"`
		} `json:"failed"`
		Files []string `json:"files"`
	}
	if strings.Count(out.String(), "\n") != 1 {
		t.Errorf("stdout is not one line:\n%s", out.String())
	}
	if err := json.Unmarshal([]byte(out.String()), &rep); err != nil {
		t.Fatalf("%v:\n%s", err, out.String())
	}
	if rep.Job != "hires" || rep.Rows != 3 || rep.Counts["succeeded"] != 2 || rep.Counts["failed"] != 1 || rep.ExitCode != ExitPartial {
		t.Errorf("report %+v", rep)
	}
	if len(rep.Failed) != 1 || rep.Failed[0].Row != 4 || !strings.Contains(rep.Failed[0].Reason, "bad-email") || len(rep.Files) == 0 {
		t.Errorf("failed %+v, files %q", rep.Failed, rep.Files)
	}
}

func TestValidateJSON(t *testing.T) { synctest.Test(t, testValidateJSON) }

func testValidateJSON(t *testing.T) {
	e := newMemRunEnv(t, zoomtest.Options{NoRateLimits: true})
	job := e.file("job.yaml", createJob)
	e.file("users.csv", hires(1, "Sales")+"bad-email,X,Y,Basic,Sales\n")
	r := zb(t, nil, "validate", job, "--json", "--out", e.dir)
	var rep validateReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("%v:\n%s", err, r.stdout)
	}
	if r.code != ExitUsage || rep.ExitCode != ExitUsage || rep.Rows != 2 || rep.RowsWithProblems != 1 || len(rep.Problems) != 1 ||
		rep.Problems[0].Row != 3 || rep.Problems[0].Kind != "email" || rep.Report != filepath.Join(e.dir, validationFile) {
		t.Errorf("exit %d, report %+v", r.code, rep)
	}
	if !strings.Contains(r.stderr, "Rows with problems: 1") {
		t.Errorf("the human report is not on stderr:\n%s", r.stderr)
	}
}
