package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/spf13/pflag"

	"github.com/zoombulk/zoombulk/internal/credentials"
	"github.com/zoombulk/zoombulk/internal/jobs"
	"github.com/zoombulk/zoombulk/internal/results"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// The last hostile inputs of issue 26: each is refused before anything is
// sent, with exit 2, a message that says what is wrong, and never the
// content of a file that is not a spreadsheet.
func TestHostileInputsExitTwo(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	job := write("job.yaml", "version: 1\ninput: users.csv\nfields: { email: Email, first_name: First }\nsteps: [update_users]\n")
	write("users.csv", "Email,First\na@acme.example,Ann\n")
	const secret = "s3cr3t-value-never-shown"
	env := write("settings.csv", "ZOOM_CLIENT_SECRET="+secret+"\nexport ZOOM_ACCOUNT_ID=abc\n")
	ctrl := write("ctrl.csv", "Email,First\r\na@acme.example,A\x07nn\r\nb@acme.example,\"B\x1b[31mob\"\r\n")
	fifo := filepath.Join(dir, "pipe.csv")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
	for _, tc := range []struct {
		name  string
		args  []string
		says  []string
		never string
	}{
		{name: "environment file as input", args: []string{"validate", job, "--input", env},
			says: []string{"settings.csv", "does not look like a spreadsheet", "not shown"}, never: secret},
		{name: "FIFO as input", args: []string{"validate", job, "--input", fifo}, says: []string{"pipe.csv", "named pipe"}},
		{name: "FIFO as the job", args: []string{"validate", fifo}, says: []string{"pipe.csv"}},
		{name: "control characters", args: []string{"validate", job, "--input", ctrl},
			says: []string{`row 2, column "First"`, "U+0007", `row 3, column "First"`, "U+001B"}},
		{name: "share below 0.01", args: []string{"run", job, "--sandbox", "--dry-run", "--share", "0.001", "--out", filepath.Join(dir, "run")},
			says: []string{"share 0.001", "0.01"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			stdio := &IO{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Getenv: func(string) string { return "" }}
			code := Main(context.Background(), tc.args, stdio, nil)
			all := out.String() + errOut.String()
			if code != ExitUsage {
				t.Errorf("exit %d, want %d: %s", code, ExitUsage, all)
			}
			for _, s := range tc.says {
				if !strings.Contains(all, s) {
					t.Errorf("the output does not say %q:\n%s", s, all)
				}
			}
			if tc.never != "" && strings.Contains(all, tc.never) {
				t.Errorf("the output shows the file's content:\n%s", all)
			}
		})
	}
}

// A run whose client slowed to the account's lower limits ends with the
// tier to give next time; a run at the right tier says nothing of it.
func TestSummaryNamesTheSensedTier(t *testing.T) {
	for _, tc := range []struct {
		sensed string
		want   string
	}{
		{"pro", "The account answers like tier pro: use `--tier pro` (or set it in the profile)."},
		{"", ""},
	} {
		var errOut bytes.Buffer
		sum := &jobs.Summary{Rows: 3, Counts: results.Counts{results.Succeeded: 3}, Plan: &jobs.Plan{},
			Stats: zoom.Stats{Calls: map[zoom.Category]int64{zoom.Light: 3}, SensedTier: tc.sensed}}
		printSummary(&IO{ErrOut: &errOut}, sum)
		got := errOut.String()
		if tc.want != "" && !strings.Contains(got, tc.want) {
			t.Errorf("sensed %q: the summary does not say %q:\n%s", tc.sensed, tc.want, got)
		}
		if tc.want == "" && strings.Contains(got, "answers like tier") {
			t.Errorf("no sensed tier, but the summary says:\n%s", got)
		}
	}
}

// A profile's tier sets the pace when --tier is not given; --tier wins.
func TestProfileTier(t *testing.T) {
	dir := t.TempDir()
	if err := credentials.Save(credentials.Path(dir), &credentials.Profile{Name: "acme", AccountID: "a", ClientID: "c", SecretEnv: "ACME_SECRET", Tier: "business"}); err != nil {
		t.Fatal(err)
	}
	stdio := &IO{ConfigDir: func() (string, error) { return dir, nil }, Getenv: func(k string) string { return map[string]string{"ACME_SECRET": "x"}[k] }}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "business"},
		{[]string{"--tier", "free"}, "free"},
	} {
		var f zoomFlags
		fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
		f.register(fs)
		if err := fs.Parse(append([]string{"--profile", "acme"}, tc.args...)); err != nil {
			t.Fatal(err)
		}
		if _, err := f.profileEnv(stdio); err != nil {
			t.Fatal(err)
		}
		if f.tier != tc.want {
			t.Errorf("%v: tier %q, want %q", tc.args, f.tier, tc.want)
		}
	}
	if err := credentials.Save(credentials.Path(dir), &credentials.Profile{Name: "bad", AccountID: "a", ClientID: "c", SecretEnv: "X", Tier: "gold"}); err == nil || !strings.Contains(err.Error(), "gold") {
		t.Errorf("a profile with tier gold: %v", err)
	}
}
