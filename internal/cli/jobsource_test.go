package cli

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/xuri/excelize/v2"

	"github.com/zoombulk/zoombulk/internal/templates"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// fillTemplate writes the template KIND to dir/name.xlsx, turns its two
// example rows into real rows and removes the job file written beside it,
// so that the workbook alone carries the job.
func fillTemplate(t *testing.T, dir, kind, name string) string {
	t.Helper()
	path := filepath.Join(dir, name+".xlsx")
	if r := zb(t, nil, "template", kind, "-o", path); r.code != ExitOK {
		t.Fatalf("template: exit %d: %s", r.code, r.stderr)
	}
	if err := os.Remove(templates.JobPath(path)); err != nil {
		t.Fatal(err)
	}
	k, _ := templates.Lookup(kind)
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for row := 2; row <= 3; row++ {
		cell, _ := excelize.CoordinatesToCellName(1, row)
		v, _ := f.GetCellValue(k.Sheet, cell)
		if err := f.SetCellStr(k.Sheet, cell, strings.TrimPrefix(v, "# ")); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	return path
}

// A filled template runs with no YAML: the workbook carries its job and
// reads itself.
func TestRunWorkbookThatCarriesItsJob(t *testing.T) {
	dir := t.TempDir()
	wb := fillTemplate(t, dir, "create-users", "hires")
	seed := repoPath(t, "samples/sandbox-seed.yaml")

	v := zb(t, nil, "validate", wb, "--out", filepath.Join(dir, "check"))
	if v.code != ExitOK || !strings.Contains(v.stdout, "No problems: all 2 rows are ready") || !strings.Contains(v.stdout, "the job hires.xlsx carries") {
		t.Fatalf("validate: exit %d\n%s%s", v.code, v.stdout, v.stderr)
	}
	out := filepath.Join(dir, "run")
	r := zb(t, nil, "run", wb, "--sandbox", "--sandbox-seed", seed, "--yes", "--out", out)
	if r.code != ExitOK {
		t.Fatalf("run: exit %d\n%s", r.code, r.stderr)
	}
	rows := resultRows(t, out)
	var emails []string
	for _, row := range rows {
		emails = append(emails, row["Email"]+" "+row["zb_status"])
	}
	want := []string{"jane.doe@acme.example succeeded", "li.wei@acme.example succeeded"}
	if !slices.Equal(emails, want) {
		t.Errorf("results %q, want %q", emails, want)
	}
}

// A job file beside the workbook wins over the one inside.
func TestJobFileBesideTheWorkbookWins(t *testing.T) {
	dir := t.TempDir()
	wb := fillTemplate(t, dir, "create-users", "hires")
	beside := filepath.Join(dir, "hires.yaml")
	if err := os.WriteFile(beside, []byte("version: 1\nname: beside\ninput: { path: hires.xlsx, sheet: Users }\nfields: { email: Email }\nsteps: [ set_status ]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	v := zb(t, nil, "validate", wb, "--out", dir)
	if v.code != ExitUsage || !strings.Contains(v.stdout+v.stderr, "set_status needs the field \"status\"") {
		t.Errorf("validate read the job inside, not %s: exit %d\n%s%s", beside, v.code, v.stdout, v.stderr)
	}
}

// An export, edited and run with --steps, maps its own headers and sends
// only the edited cell.
func TestEditedExportRunsWithSteps(t *testing.T) { synctest.Test(t, testEditedExportRunsWithSteps) }

func testEditedExportRunsWithSteps(t *testing.T) {
	srv := exportMemSandbox(t, zoomtest.Options{})
	dir := t.TempDir()
	first := filepath.Join(dir, "users.csv")
	env := exportEnv(srv, "")
	flags := []string{"--tier", "business"}
	r := runExportCLI(t, &IO{Getenv: env}, nil, append([]string{"export", "users", "-o", first}, flags...)...)
	if r.code != ExitOK {
		t.Fatalf("export: exit %d\n%s", r.code, r.stderr)
	}
	data, err := os.ReadFile(first)
	if err != nil {
		t.Fatal(err)
	}
	const who = "alan.turing@acme.example"
	var lines []string
	for _, line := range strings.Split(string(data), "\r\n") {
		if strings.HasPrefix(line, who+",") {
			line = strings.Replace(line, ",Engineering,", ",Research,", 1)
		}
		lines = append(lines, line)
	}
	if err := os.WriteFile(first, []byte(strings.Join(lines, "\r\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	r = runExportCLI(t, &IO{Getenv: env}, nil, append([]string{"run", first, "--steps", "update_users", "--yes", "--out", filepath.Join(dir, "run")}, flags...)...)
	if r.code != ExitOK {
		t.Fatalf("run: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{
		`Mapping: "Email" -> email, "First Name" -> first_name, "Last Name" -> last_name, "Display Name" -> display_name, "User Type" -> type, "Department" -> dept`,
		`Ignored columns: "Type Code" (a column of the export that no job can set), "Status" (no step of --steps reads status), "Groups" (the export lists every group of a user in it, separated by ";", and no step takes several: a column with one group a row (or --map "Groups=group") feeds move_group), "Group IDs" (a column of the export that no job can set), "Division" (no step of --steps reads division)`,
		"succeeded 1, unchanged 24",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("the run does not say %q:\n%s", want, r.stderr)
		}
	}
	if u, _ := srv.UserByEmail(who); u.Dept != "Research" {
		t.Errorf("the sandbox says %q", u.Dept)
	}
}

func TestNormLabel(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"First Name", "firstname"}, {" first_name ", "firstname"}, {"FIRST-NAME", "firstname"}, {"User Type", "usertype"},
	} {
		if got := normLabel(tc.in); got != tc.want {
			t.Errorf("normLabel(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
