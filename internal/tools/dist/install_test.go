package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The README's install from a clone and its quick start, run as written in
// a fresh clone: go install . puts a zoombulk that knows its commit where
// Go installs binaries; make build writes bin/zoombulk; make demo runs the
// migration sample on the sandbox and says where its report is. (make
// test, the quick start's other line, is what CI has just run on a clean
// clone.) It builds the tool twice, so it runs only with
// ZOOMBULK_DIST_TEST=1, as .ci/run does.
func TestReadmeInstallInCleanClone(t *testing.T) {
	if os.Getenv("ZOOMBULK_DIST_TEST") == "" {
		t.Skip("builds in a fresh clone: set ZOOMBULK_DIST_TEST=1 (.ci/run does)")
	}
	root := repoRoot(t)
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	// The commands this test runs are the README's own lines.
	for _, line := range []string{"go install .", "make build", "zoombulk --version", "make demo"} {
		if !strings.Contains(string(readme), "\n"+line) {
			t.Fatalf("the README no longer has the line %q: update this test", line)
		}
	}
	tmp := t.TempDir()
	clone := filepath.Join(tmp, "zoombulk")
	if out, err := exec.Command("git", "clone", "--quiet", root, clone).CombinedOutput(); err != nil {
		t.Fatalf("git clone: %v\n%s", err, out)
	}
	commit := git(t, clone, "rev-parse", "HEAD")
	gobin := filepath.Join(tmp, "gobin")
	// A user's shell: GOBIN on PATH, Go's default -buildvcs=auto (a CI
	// machine may set -buildvcs=false, in the environment or with go env
	// -w, which a user's go install does not have).
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GOFLAGS=") && !strings.HasPrefix(kv, "GOBIN=") && !strings.HasPrefix(kv, "PATH=") {
			env = append(env, kv)
		}
	}
	env = append(env, "GOFLAGS=-buildvcs=auto", "GOBIN="+gobin, "PATH="+gobin+string(os.PathListSeparator)+os.Getenv("PATH"))
	run := func(name string, args ...string) string {
		t.Helper()
		if name == "zoombulk" {
			// exec looks names up in this process's PATH, not env's: the
			// shell would find it first in GOBIN, which env puts first.
			name = filepath.Join(gobin, name)
		}
		cmd := exec.Command(name, args...)
		cmd.Dir, cmd.Env = clone, env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	want := "commit " + commit[:12]

	run("go", "install", ".")
	if _, err := os.Stat(filepath.Join(gobin, "zoombulk")); err != nil {
		t.Fatalf("go install . did not install zoombulk into GOBIN: %v", err)
	}
	if v := run("zoombulk", "--version"); !strings.Contains(v, want) || strings.Contains(v, "local changes") {
		t.Errorf("installed zoombulk --version: %q, want %q from a clean clone", v, want)
	}

	run("make", "build")
	if v := run(filepath.Join("bin", "zoombulk"), "--version"); !strings.Contains(v, want) || strings.Contains(v, "local changes") {
		t.Errorf("bin/zoombulk --version: %q, want %q", v, want)
	}

	out := run("make", "demo")
	if !strings.Contains(out, "Open runs/demo/results.xlsx") {
		t.Errorf("make demo does not say where its report is:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(clone, "runs", "demo", "results.xlsx")); err != nil {
		t.Errorf("make demo wrote no report: %v", err)
	}
}
