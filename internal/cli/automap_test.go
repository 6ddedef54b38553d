package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// A job-less run maps only the headers that cannot mean anything else: an
// HR sheet's "Type" (employee type 1 and 2) is not Zoom's license type, so
// a Licensed user listed with Type 1 keeps the license, and the plan says
// why the column was ignored and how to read it. --map "Type=type" reads it.
func TestJobLessRunIgnoresGenericHeaders(t *testing.T) {
	synctest.Test(t, testJobLessRunIgnoresGenericHeaders)
}

func testJobLessRunIgnoresGenericHeaders(t *testing.T) {
	srv := exportMemSandbox(t, zoomtest.Options{})
	env := exportEnv(srv, "")
	dir := t.TempDir()
	const who = "alan.turing@acme.example" // Licensed in the seed
	hr := filepath.Join(dir, "hr.csv")
	if err := os.WriteFile(hr, []byte("Email,Department,Type,Name,Group ID\r\n"+who+",Research,1,Alan T,G-17\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if u, _ := srv.UserByEmail(who); u.Type != 2 {
		t.Fatalf("seed: %s is type %d, want Licensed", who, u.Type)
	}
	flags := []string{"--tier", "business", "--yes"}
	r := runExportCLI(t, &IO{Getenv: env}, nil, append([]string{"run", hr, "--steps", "update_users", "--out", filepath.Join(dir, "run")}, flags...)...)
	if r.code != ExitOK {
		t.Fatalf("run: exit %d\n%s", r.code, r.stderr)
	}
	for _, want := range []string{
		`Mapping: "Email" -> email, "Department" -> dept` + "\n",
		`"Type" (a generic header, which may mean something else here: --map "Type=type" to read it as type)`,
		`"Name" (a generic header, which may mean something else here: --map "Name=display_name"`,
		`"Group ID" (a generic header, which may mean something else here: --map "Group ID=group"`,
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("the run does not say %q:\n%s", want, r.stderr)
		}
	}
	u, _ := srv.UserByEmail(who)
	if u.Type != 2 || u.Dept != "Research" || u.DisplayName == "Alan T" {
		t.Errorf("after the run: type %d, dept %q, display name %q; want Licensed kept, dept Research, display name untouched", u.Type, u.Dept, u.DisplayName)
	}

	// Mapped by hand, the column is read: the admin said what it means.
	r = runExportCLI(t, &IO{Getenv: env}, nil, append([]string{"run", hr, "--steps", "update_users", "--map", "Type=type", "--out", filepath.Join(dir, "mapped")}, flags...)...)
	if r.code != ExitOK || !strings.Contains(r.stderr, `"Type" -> type`) {
		t.Fatalf("run --map: exit %d\n%s", r.code, r.stderr)
	}
	if u, _ := srv.UserByEmail(who); u.Type != 1 {
		t.Errorf("with --map Type=type the user is type %d, want 1", u.Type)
	}

	for _, tc := range []struct{ arg, says string }{
		{"Kind=type", `the sheet has no column "Kind"; its headers are "Email", "Department", "Type", "Name", "Group ID"`},
		{"Type=tpye", `"tpye" is not a field (did you mean "type"?)`},
		{"Type", `write COLUMN=field`},
	} {
		r := runExportCLI(t, &IO{Getenv: env}, nil, "validate", hr, "--steps", "update_users", "--map", tc.arg)
		if r.code != ExitUsage || !strings.Contains(r.stderr, tc.says) {
			t.Errorf("--map %s: exit %d, want 2 saying %q:\n%s", tc.arg, r.code, tc.says, r.stderr)
		}
	}
}
