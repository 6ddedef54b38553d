package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/xuri/excelize/v2"

	"github.com/zoombulk/zoombulk/internal/templates"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// hostileWorkbook is a filled create-users template whose hidden job sheet
// was rewritten to job, with a very hidden sheet Leavers listing users.
func hostileWorkbook(t *testing.T, dir, name, job string) string {
	t.Helper()
	path := fillTemplate(t, dir, "create-users", name)
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.UnprotectSheet(templates.JobSheet); err != nil {
		t.Fatal(err)
	}
	if err := f.DeleteSheet(templates.JobSheet); err != nil {
		t.Fatal(err)
	}
	if _, err := f.NewSheet(templates.JobSheet); err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(job, "\n") {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		f.SetCellStr(templates.JobSheet, cell, line)
	}
	f.SetSheetVisible(templates.JobSheet, false)
	if _, err := f.NewSheet("Leavers"); err != nil {
		t.Fatal(err)
	}
	f.SetSheetRow("Leavers", "A1", &[]any{"Email", "Status", "Group"})
	f.SetSheetRow("Leavers", "A2", &[]any{"alan.turing@acme.example", "inactive", "Engineering"})
	f.SetSheetRow("Leavers", "A3", &[]any{"grace.hopper@acme.example", "inactive", "Engineering"})
	if err := f.SetSheetVisible("Leavers", false, true); err != nil { // very hidden
		t.Fatal(err)
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	return path
}

// confinedEnv is a fresh sandbox (in memory), its environment and a
// folder for one case of TestWorkbookJobIsConfined: each case starts from
// the seed, as the refused ones left the shared account as it was.
func confinedEnv(t *testing.T) (*zoomtest.Server, func(string) string, string) {
	t.Helper()
	srv := exportMemSandbox(t, zoomtest.Options{})
	return srv, exportEnv(srv, ""), t.TempDir()
}

// A workbook's job may only read the visible sheets of its own workbook,
// and may not deactivate, delete or sync, unless --trust-workbook-job: a
// workbook from someone else that deactivates users from a very hidden
// sheet is refused (exit 2, naming the flag) and the account is as it was.
func TestWorkbookJobIsConfined(t *testing.T) {
	const deactivate = "version: 1\nname: hostile\ninput: { path: %s, sheet: Leavers }\nfields: { email: Email, status: Status }\nsteps: [ set_status ]\n"
	flags := []string{"--tier", "business", "--yes"}
	for _, tc := range []struct {
		name, file, job, says string
	}{
		{"a very hidden sheet", "hostile1", strings.Replace(deactivate, "%s", "hostile1.xlsx", 1), `reads the hidden sheet "Leavers"`},
		{"deactivation from a visible sheet", "hostile2", "version: 1\nname: h\ninput: { path: hostile2.xlsx, sheet: Users }\nfields: { email: Email, status: { default: inactive } }\nsteps: [ set_status ]\n", "may deactivate users (set_status)"},
		{"another file", "hostile3", "version: 1\nname: h\ninput: other.csv\nfields: { email: Email, dept: Department }\nsteps: [ update_users ]\n", "reads another file"},
		{"a sync", "hostile4", "version: 1\nname: h\ninput: { path: hostile4.xlsx, sheet: Users }\nfields: { email: Email, group: Group }\nsteps: [ { move_group: { sync: exact } } ]\n", "syncs (move_group"},
		{"deletes", "hostile5", "version: 1\nname: h\ninput: { path: hostile5.xlsx, sheet: Users }\nfields: { email: Email }\nsteps: [ delete_users ]\n", "deletes users (delete_users)"},
	} {
		t.Run(tc.name, zoomtest.Bubble(func(t *testing.T) {
			srv, env, dir := confinedEnv(t)
			name := tc.file
			wb := hostileWorkbook(t, dir, name, tc.job)
			before := srv.Users()
			r := runExportCLI(t, &IO{Getenv: env}, nil, append([]string{"run", wb, "--out", filepath.Join(dir, name)}, flags...)...)
			if r.code != ExitUsage || !strings.Contains(r.stderr, tc.says) || !strings.Contains(r.stderr, "--trust-workbook-job") {
				t.Errorf("exit %d, want 2 saying %q and naming --trust-workbook-job:\n%s", r.code, tc.says, r.stderr)
			}
			after := srv.Users()
			for i := range before {
				if before[i].Status != after[i].Status || len(before[i].GroupIDs) != len(after[i].GroupIDs) {
					t.Errorf("%s changed: %s %v -> %s %v", before[i].Email, before[i].Status, before[i].GroupIDs, after[i].Status, after[i].GroupIDs)
				}
			}
		}))
	}

	t.Run("trusted, it runs and says where it came from and what it read", zoomtest.Bubble(func(t *testing.T) {
		srv, env, dir := confinedEnv(t)
		wb := hostileWorkbook(t, dir, "trusted", strings.Replace(deactivate, "%s", "trusted.xlsx", 1))
		r := runExportCLI(t, &IO{Getenv: env}, nil, append([]string{"run", wb, "--trust-workbook-job", "--out", filepath.Join(dir, "trusted")}, flags...)...)
		if r.code != ExitOK {
			t.Fatalf("exit %d:\n%s", r.code, r.stderr)
		}
		for _, want := range []string{
			`Using:  the job trusted.xlsx carries in its hidden sheet zoombulk-job (zoombulk job trusted.xlsx prints it); it reads the sheet "Leavers" of trusted.xlsx`,
			"The job came from the workbook trusted.xlsx (its hidden sheet zoombulk-job) and reads its sheet \"Leavers\".\nApply to account",
		} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("the run does not say %q:\n%s", want, r.stderr)
			}
		}
		if u, _ := srv.UserByEmail("alan.turing@acme.example"); u.Status != "inactive" {
			t.Errorf("alan is %s, want inactive (trusted)", u.Status)
		}
		// The record an approver and an auditor read says it too.
		data, err := os.ReadFile(filepath.Join(dir, "trusted", "run.json"))
		if err != nil {
			t.Fatal(err)
		}
		var info struct {
			JobSource string `json:"job_source"`
			Sheet     string `json:"sheet"`
		}
		if err := json.Unmarshal(data, &info); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(info.JobSource, "hidden sheet zoombulk-job") || info.Sheet != "Leavers" {
			t.Errorf("run.json: job_source %q, sheet %q; want the workbook's hidden job and the sheet Leavers", info.JobSource, info.Sheet)
		}
		pf, err := excelize.OpenFile(filepath.Join(dir, "trusted", "plan.xlsx"))
		if err != nil {
			t.Fatal(err)
		}
		defer pf.Close()
		plan := xlsxRows(t, pf, "Summary")
		var source, read string
		for _, row := range plan {
			if len(row) > 1 && row[0] == "Job source" {
				source = row[1]
			}
			if len(row) > 1 && row[0] == "Sheet read" {
				read = row[1]
			}
		}
		if !strings.Contains(source, "hidden sheet zoombulk-job") || read != "Leavers" {
			t.Errorf("plan.xlsx Summary: Job source %q, Sheet read %q", source, read)
		}
	}))
}

// The template's own job (create users, groups, divisions) needs no
// trust; the plan and the prompt still say where it came from.
func TestTemplateJobNamesItsSheet(t *testing.T) { synctest.Test(t, testTemplateJobNamesItsSheet) }

func testTemplateJobNamesItsSheet(t *testing.T) {
	srv := exportMemSandbox(t, zoomtest.Options{})
	dir := t.TempDir()
	wb := fillTemplate(t, dir, "create-users", "hires")
	r := runExportCLI(t, &IO{Getenv: exportEnv(srv, "")}, nil, "run", wb, "--tier", "business", "--yes", "--out", filepath.Join(dir, "run"))
	if r.code != ExitOK || !strings.Contains(r.stderr, "The job came from the workbook hires.xlsx (its hidden sheet zoombulk-job) and reads its sheet \"Users\".") {
		t.Errorf("exit %d:\n%s", r.code, r.stderr)
	}
	if _, ok := srv.UserByEmail("jane.doe@acme.example"); !ok {
		t.Error("the template's user was not created")
	}
}
