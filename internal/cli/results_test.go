package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// zoombulk results writes a run's files again from its journal, with no
// credentials and no call; a folder without a run is a usage error.
func TestResultsRebuildsFromTheJournal(t *testing.T) {
	synctest.Test(t, testResultsRebuildsFromTheJournal)
}

func testResultsRebuildsFromTheJournal(t *testing.T) {
	e := newMemRunEnv(t, zoomtest.Options{NoRateLimits: true})
	jobPath := e.file("job.yaml", createJob)
	e.file("users.csv", hires(30, "Sales"))
	out := filepath.Join(e.dir, "out")
	if code, text := e.main(nil, "run", jobPath, "--yes", "--out", out); code != ExitOK {
		t.Fatalf("run: exit %d\n%s", code, text)
	}
	want, err := os.ReadFile(filepath.Join(out, "results.csv"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"results.csv", "results.xlsx", "failed.csv", "undo.csv", "run.json"} {
		os.Remove(filepath.Join(out, f))
	}
	e.srv.ResetStats()
	var stdout, stderr bytes.Buffer
	stdio := &IO{In: strings.NewReader(""), Out: &stdout, ErrOut: &stderr, Getenv: func(string) string { return "" },
		Exit: func(code int) { t.Errorf("exited at once with %d", code) }}
	if code := Main(context.Background(), []string{"results", out}, stdio, nil); code != ExitOK {
		t.Fatalf("results: exit %d\n%s", code, stderr.String())
	}
	got, err := os.ReadFile(filepath.Join(out, "results.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("rebuilt results.csv differs from the run's:\n%s\nwant:\n%s", got, want)
	}
	for _, f := range []string{"results.xlsx", "failed.csv", "undo.csv", "run.json"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("%s not rebuilt: %v", f, err)
		}
	}
	if n := len(e.srv.Stats().Calls); n != 0 {
		t.Errorf("results made calls: %v", e.srv.Stats().Calls)
	}
	if code := Main(context.Background(), []string{"results", e.dir}, stdio, nil); code != ExitUsage {
		t.Errorf("results of a folder without a run: exit %d, want 2", code)
	}
}
