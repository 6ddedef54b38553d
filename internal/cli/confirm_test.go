package cli

import (
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// Every command that asks before it writes refuses, with stdin not a
// terminal and no --yes, before any write: exit 2, saying to add --yes or
// naming the flag that only plans (apply's is --check).
func TestNobodyToConfirmRefusesEveryCommand(t *testing.T) {
	synctest.Test(t, testNobodyToConfirmRefusesEveryCommand)
}

func testNobodyToConfirmRefusesEveryCommand(t *testing.T) {
	e := newMemRunEnv(t, zoomtest.Options{NoRateLimits: true})
	job, plan := planDept(t, e)
	done := filepath.Join(e.dir, "done")
	if code, out := e.main(nil, "run", job, "--yes", "--tier", "business", "--out", done); code != ExitOK {
		t.Fatalf("run: exit %d\n%s", code, out)
	}
	tests := []struct {
		name string
		args []string
		alt  string
	}{
		{"run", []string{"run", job, "--tier", "business", "--out", filepath.Join(e.dir, "again")}, "--dry-run to plan only"},
		{"set", []string{"set", "grace.hopper@acme.example", "dept=Ops", "--tier", "business", "--out", filepath.Join(e.dir, "set")}, "--dry-run to plan only"},
		{"undo", []string{"undo", done, "--tier", "business"}, "--dry-run to plan only"},
		{"apply", []string{"apply", plan, "--tier", "business"}, "--check to check only"},
	}
	// One bubble for the lot: t.Run cannot be called inside it.
	for _, tt := range tests {
		e.srv.ResetStats()
		code, out := e.main(nil, tt.args...)
		want := "stdin is not a terminal, so there is no one to confirm the changes: add --yes (or " + tt.alt + ")"
		if code != ExitUsage || !strings.Contains(out, want) {
			t.Errorf("%s: exit %d, want %d saying %q:\n%s", tt.name, code, ExitUsage, want, out)
		}
		if n := writes(e.srv.Stats()); n != 0 {
			t.Errorf("%s: %d writes", tt.name, n)
		}
	}
}
