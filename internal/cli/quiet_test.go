package cli

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// -q on export and template: the file is written, nothing is printed (the
// same command without -q prints its summary, so the check can fail).
func TestQuietExportAndTemplate(t *testing.T) {
	t.Parallel()
	seed := sampleSeed(t)
	for _, tc := range []struct {
		name string
		args []string // the output file is appended with -o
		file string
	}{
		{"export users", []string{"export", "users"}, "users.xlsx"},
		{"export users csv", []string{"export", "users"}, "users.csv"},
		{"export summary", []string{"export", "summary"}, "summary.xlsx"},
		{"export reclaim", []string{"export", "reclaim", "--idle", "30d"}, "reclaim.xlsx"},
		{"export groups", []string{"export", "groups"}, "groups.xlsx"},
		{"template", []string{"template", "create-users"}, "hires.xlsx"},
		{"template csv", []string{"template", "update-users"}, "update.csv"},
	} {
		// Each case on its own sandbox (the exports change nothing), in
		// memory, on its bubble's clock.
		t.Run(tc.name, zoomtest.ParallelBubble(func(t *testing.T) {
			srv := zoomtest.NewMemServer(t, zoomtest.Options{Seed: seed, NoRateLimits: true})
			env := memEnv(srv)
			for _, quiet := range []bool{false, true} {
				out := filepath.Join(t.TempDir(), tc.file)
				args := append(append([]string(nil), tc.args...), "-o", out)
				if quiet {
					args = append([]string{"-q"}, args...)
				}
				r := zbVia(t, env, inMemoryTo(srv), args...)
				if r.code != ExitOK {
					t.Fatalf("%v: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
				}
				if _, err := os.Stat(out); err != nil {
					t.Errorf("%v: %v", args, err)
				}
				switch {
				case quiet && (r.stdout != "" || r.stderr != ""):
					t.Errorf("%v printed:\nstdout %q\nstderr %q", args, r.stdout, r.stderr)
				case !quiet && r.stdout == "":
					t.Errorf("%v printed no summary", args)
				}
			}
		}))
	}
}
