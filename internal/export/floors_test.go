package export_test

import (
	"os/exec"
	"strings"
	"testing"
)

// The account exports sit beside the engine, not on top of it: neither
// export nor templates (which export uses for the field descriptions) may
// depend on internal/jobs. The docs generator, which needs the engine's
// hints, is the program in internal/tools/docgen, no part of templates.
func TestExportDoesNotImportTheEngine(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to list the imports")
	}
	for _, pkg := range []string{"github.com/zoombulk/zoombulk/internal/export/...", "github.com/zoombulk/zoombulk/internal/templates/..."} {
		out, err := exec.Command(gobin, "list", "-deps", pkg).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", pkg, err)
		}
		deps := strings.Fields(string(out))
		if len(deps) < 2 {
			t.Fatalf("go list -deps %s listed %q: expected the package and its imports", pkg, deps)
		}
		for _, d := range deps {
			if d == "github.com/zoombulk/zoombulk/internal/jobs" {
				t.Errorf("%s depends on internal/jobs; the engine must stay above the exports", pkg)
			}
		}
	}
}
