package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Errors that say the fix, each with its exact message.
func TestErrorsSayTheFix(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("titled.csv", "Hires for March,,,,\n,,,,\n"+hires(2, "Sales"))
	job := write("titled.yaml", strings.Replace(createJob, "input: users.csv", "input: titled.csv", 1))
	users := write("users.csv", hires(2, "Sales"))
	const headerFix = "titled.csv: the header seems to be on row 3: add `input: { header_row: 3 }` to the job"

	for _, tc := range []struct {
		name string
		args []string
		want string
		not  string
	}{
		{name: "validate, header on row 3", args: []string{"validate", job, "--out", dir}, want: headerFix, not: "is not in the header"},
		{name: "run, header on row 3", args: []string{"run", job, "--sandbox", "--dry-run", "--sandbox-seed", repoPath(t, "samples/sandbox-seed.yaml")}, want: headerFix, not: "is not in the header"},
		{name: "a CSV where the job belongs", args: []string{"run", users, "--sandbox", "--yes"},
			want: "zoombulk: " + users + " is a spreadsheet; run takes a job file (.yaml), a workbook written by zoombulk template, or a spreadsheet with --steps to map its headers, e.g. zoombulk run " + users + " --steps update_users"},
		{name: "a CSV to validate", args: []string{"validate", users},
			want: "validate takes a job file (.yaml), a workbook written by zoombulk template, or a spreadsheet with --steps"},
		{name: "export user", args: []string{"export", "user", "-o", filepath.Join(dir, "u.csv")},
			want: `zoombulk: zoombulk export has no "user" (did you mean "users"?); choose one of`},
		{name: "unknown step", args: []string{"validate", users, "--steps", "update_user"},
			want: `--steps: unknown step "update_user" (did you mean "update_users"?)`},
		{name: "--steps with a job file", args: []string{"validate", job, "--steps", "update_users"},
			want: "--steps, --match and --map build a job from a spreadsheet's headers"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := zb(t, func(string) string { return "" }, tc.args...)
			out := r.stdout + r.stderr
			if r.code != ExitUsage || !strings.Contains(out, tc.want) {
				t.Errorf("exit %d, want %d saying %q:\n%s", r.code, ExitUsage, tc.want, out)
			}
			if tc.not != "" && strings.Contains(out, tc.not) {
				t.Errorf("still says %q:\n%s", tc.not, out)
			}
		})
	}
}

// validate keeps no folder: without --out it writes nothing (issue 28
// item 3); with --out its report goes there, never to the current folder.
func TestValidateKeepsNoFolder(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.WriteFile("users.csv", []byte(hires(2, "Sales")+"bad-email,X,Y,Basic,Sales\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("hires.yaml", []byte(createJob), 0o644); err != nil {
		t.Fatal(err)
	}
	r := zb(t, nil, "validate", "hires.yaml")
	if r.code != ExitUsage || !strings.Contains(r.stdout+r.stderr, "--out DIR") {
		t.Fatalf("exit %d, want 2 saying how to keep the report\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, p := range []string{validationFile, "runs"} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("validate without --out left %s", p)
		}
	}
	r = zb(t, nil, "validate", "hires.yaml", "--out", "report")
	if r.code != ExitUsage {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if b, err := os.ReadFile(filepath.Join("report", validationFile)); err != nil || !strings.Contains(string(b), "bad-email") {
		t.Errorf("validate --out report: validation.csv %q %v", b, err)
	}
}
