package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// What a run over several jobs refuses before it changes anything, and
// what its plan-only modes do: each refusal exits 2 saying why, and no
// write reaches the account.
func TestRunSeveralJobsRefusals(t *testing.T) {
	e := newMemAccountEnv(t)
	dir := "../../samples/new-account/"
	jobsArgs := []string{dir + "1-groups.yaml", dir + "2-users.yaml", "--tier", "business"}
	held := filepath.Join(e.dir, "held")
	os.MkdirAll(held, 0o755)
	os.WriteFile(filepath.Join(held, JobsJSON), []byte(`{"jobs":[]}`), 0o644)
	os.WriteFile(filepath.Join(e.dir, "leavers.csv"), []byte("Email\nnobody@globex.example\n"), 0o644)
	deletes := filepath.Join(e.dir, "leavers.yaml")
	os.WriteFile(deletes, []byte("version: 1\nname: leavers\ninput: leavers.csv\nfields:\n  email: Email\nsteps:\n  - delete_users\n"), 0o644)

	tests := []struct {
		name  string
		tty   bool
		args  []string
		code  int
		says  string
		plans int // the jobs planned before the end
	}{
		{name: "--input", args: []string{"--yes", "--input", "x.csv"}, code: ExitUsage, says: "--input and --sheet name one job's spreadsheet"},
		{name: "--overwrite", args: []string{"--yes", "--overwrite", "--out", filepath.Join(e.dir, "o")}, code: ExitUsage, says: "--overwrite replaces one run"},
		{name: "no terminal, no --yes", args: []string{"--out", filepath.Join(e.dir, "t")}, code: ExitUsage, says: "stdin is not a terminal"},
		{name: "--resume and --out differ", args: []string{"--yes", "--resume", held, "--out", filepath.Join(e.dir, "other")}, code: ExitUsage,
			says: "--resume and --out name different folders"},
		{name: "a folder with a run of several jobs", args: []string{"--yes", "--out", held}, code: ExitUsage, says: "holds a run of several jobs already"},
		{name: "--check plans only", args: []string{"--check", "--out", filepath.Join(e.dir, "check")}, code: ExitDrift, says: "2-new-account-users: planned", plans: 2},
		{name: "a job whose plan is refused", args: []string{dir + "1-groups.yaml", deletes, "--tier", "business", "--yes", "--out", filepath.Join(e.dir, "d")},
			code: ExitUsage, says: "delete_users removes users from the account (run with --allow-delete to confirm)", plans: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"run"}, jobsArgs...)
			if strings.HasPrefix(tt.args[0], dir) {
				args = []string{"run"}
			}
			args = append(args, tt.args...)
			e.srv.ResetStats()
			code, text := e.main(nil, args...)
			if code != tt.code || !strings.Contains(text, tt.says) {
				t.Errorf("exit %d, want %d saying %q:\n%s", code, tt.code, tt.says, text)
			}
			if n := strings.Count(text, "Plan for account "); n != tt.plans {
				t.Errorf("%d jobs planned, want %d:\n%s", n, tt.plans, text)
			}
			if n := writes(e.srv.Stats()); n != 0 {
				t.Errorf("%d writes", n)
			}
		})
	}
}
