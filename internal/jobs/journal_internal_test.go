package jobs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/results"
)

// Issue 17 item 8: a journal that cannot be written stops the run like
// Ctrl-C: without it a crash would lose what was done.
func TestJournalWriteFailureStopsTheRun(t *testing.T) {
	path := filepath.Join(t.TempDir(), journalName)
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path) // read-only: every write fails, as on a full disk
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	stopped := false
	e := &engine{Runner: &Runner{Events: NopEvents{}}, steps: []jobfile.Step{{Kind: UpdateUsers}}, maxFailures: -1,
		journal: &journal{f: f}, stopWork: func() { stopped = true }}
	r := &rowRun{row: &Row{Number: 2}, key: "a@acme.example", steps: make([]rowStep, 1)}
	e.record(r, 0, &results.StepResult{Status: results.Succeeded})
	if !stopped || !strings.Contains(e.reason(), "journal could not be written") {
		t.Fatalf("stopped %v, reason %q", stopped, e.reason())
	}
	if r.steps[0].result.Status != results.Succeeded {
		t.Errorf("the row's result was lost: %+v", r.steps[0].result)
	}
}
