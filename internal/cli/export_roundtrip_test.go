package cli

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// Issue 28 item 6: the README's one-liner runs on a users export nobody
// edited: every row is unchanged and nothing is sent. "Groups" holds
// several groups a cell (Engineering;Operations) and no step takes
// several, so it is ignored with the reason, never mapped to the
// one-group field (which failed every such row); asked for move_group,
// the run stops before reading the account and says what to give.
func TestUneditedExportRunsBack(t *testing.T) {
	for _, ext := range []string{"csv", "xlsx"} {
		// Each format on a fresh sandbox, in memory, on the bubble's clock.
		t.Run(ext, zoomtest.Bubble(func(t *testing.T) {
			srv := exportMemSandbox(t, zoomtest.Options{})
			env := exportEnv(srv, "")
			dir := t.TempDir()
			users := filepath.Join(dir, "users."+ext)
			flags := []string{"--tier", "business"}
			if r := runExportCLI(t, &IO{Getenv: env}, nil, append([]string{"export", "users", "-o", users}, flags...)...); r.code != ExitOK {
				t.Fatalf("export: exit %d\n%s", r.code, r.stderr)
			}
			multi := false
			for _, u := range srv.Users() {
				multi = multi || len(u.GroupIDs) > 1
			}
			if !multi {
				t.Fatal("the seed has no user in several groups: the test would prove nothing")
			}
			srv.ResetStats()
			r := runExportCLI(t, &IO{Getenv: env}, nil, append([]string{"run", users, "--steps", "update_users", "--yes", "--out", filepath.Join(dir, "run-"+ext)}, flags...)...)
			if r.code != ExitOK || !strings.Contains(r.stderr, `"Groups" (the export lists every group of a user in it`) {
				t.Fatalf("the one-liner on an unedited export: exit %d\n%s", r.code, r.stderr)
			}
			if !regexp.MustCompile(`Done in [^\n]*: \d+ rows: unchanged \d+\n`).MatchString(r.stderr) {
				t.Errorf("an unedited export changed or failed rows:\n%s", r.stderr)
			}
			if n := writes(srv.Stats()); n != 0 {
				t.Errorf("an unedited export sent %d writes", n)
			}
			r = runExportCLI(t, &IO{Getenv: env}, nil, append([]string{"run", users, "--steps", "update_users,move_group", "--yes", "--out", filepath.Join(dir, "groups-"+ext)}, flags...)...)
			if r.code != ExitUsage || !strings.Contains(r.stderr, `"Groups" is not read`) {
				t.Errorf("move_group from the export's Groups: exit %d, want 2 naming the column\n%s", r.code, r.stderr)
			}
		}))
	}
}
