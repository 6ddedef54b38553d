package jobs_test

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"testing"
	"testing/synctest"

	"github.com/xuri/excelize/v2"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/jobs"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// Issue 17 item 6: host_key is a string at Zoom; "012345" keeps its 0.
func TestHostKeyIsSentAsAString(t *testing.T) {
	synctest.Test(t, testHostKeyIsSentAsAString)
}

func testHostKeyIsSentAsAString(t *testing.T) {
	e := newEnv(t, zoomtest.Options{NoRateLimits: true})
	e.writeCSV("in.csv", []string{"Email", "Host key"}, [][]string{{"grace.hopper@acme.example", "012345"}})
	job := e.write("job.yaml", "version: 1\ninput: in.csv\nfields: {email: Email, host_key: Host key}\nsteps: [update_users]\n")
	if _, err := e.run(context.Background(), job, filepath.Join(e.dir, "run"), nil); err != nil {
		t.Fatal(err)
	}
	if u, _ := e.srv.UserByEmail("grace.hopper@acme.example"); u.HostKey != "012345" {
		t.Errorf("host key %q, want 012345", u.HostKey)
	}
}

// Issue 17 item 1: a resume reads the sheet it was started on, and rows are
// matched by their key, never by position.
func TestResumeMatchesRowsByKeyAndRefusesAnotherSheet(t *testing.T) {
	synctest.Test(t, testResumeMatchesRowsByKeyAndRefusesAnotherSheet)
}

func testResumeMatchesRowsByKeyAndRefusesAnotherSheet(t *testing.T) {
	e := newEnv(t, zoomtest.Options{NoRateLimits: true})
	e.writeCSV("in.csv", []string{"Email", "First", "Last", "Group"}, [][]string{
		{"one@acme.example", "One", "A", "Sales"},
		{"two@acme.example", "Two", "B", "Sales"},
	})
	job := e.write("job.yaml", `version: 1
input: in.csv
fields: {email: Email, first_name: First, last_name: Last, type: {default: 1}, group: Group}
steps: [create_users, move_group]
`)
	out := filepath.Join(e.dir, "run")
	if _, err := e.run(context.Background(), job, out, nil); err != nil {
		t.Fatal(err)
	}
	// A row inserted at the top: with --force the resume goes on, and the
	// new row is its own user, not the next row's.
	e.writeCSV("in.csv", []string{"Email", "First", "Last", "Group"}, [][]string{
		{"zero@acme.example", "Zero", "C", "Marketing"},
		{"one@acme.example", "One", "A", "Sales"},
		{"two@acme.example", "Two", "B", "Sales"},
	})
	if _, err := e.run(context.Background(), job, out, func(o *jobs.Options) { o.Resume, o.Force = true, true }); err != nil {
		t.Fatal(err)
	}
	lines := readResults(t, out)
	if lines[0]["Email"] != "zero@acme.example" || lines[0]["zb_create_users"] != "succeeded" {
		t.Errorf("the inserted row: %v", lines[0])
	}
	zero, ok := e.srv.UserByEmail("zero@acme.example")
	one, _ := e.srv.UserByEmail("one@acme.example")
	if !ok || lines[0]["zb_user_id"] != zero.ID || lines[1]["zb_user_id"] != one.ID {
		t.Errorf("user IDs: %s %s, want %s %s", lines[0]["zb_user_id"], lines[1]["zb_user_id"], zero.ID, one.ID)
	}
	if len(one.GroupIDs) != 1 {
		t.Errorf("one@ was moved again: groups %v", one.GroupIDs)
	}

	// Another sheet of a workbook is refused, whatever --force says.
	xlsx := filepath.Join(e.dir, "in.xlsx")
	writeWorkbook(t, xlsx, map[string][][]string{"A": {{"Email", "First", "Last", "Group"}, {"a@acme.example", "A", "A", "Sales"}},
		"B": {{"Email", "First", "Last", "Group"}, {"b@acme.example", "B", "B", "Sales"}}})
	jobX := e.write("jobx.yaml", "version: 1\ninput: {path: in.xlsx, sheet: A}\nfields: {email: Email, first_name: First, last_name: Last, type: {default: 1}, group: Group}\nsteps: [create_users, move_group]\n")
	outX := filepath.Join(e.dir, "runx")
	if _, err := e.run(context.Background(), jobX, outX, nil); err != nil {
		t.Fatal(err)
	}
	_, err := e.run(context.Background(), jobX, outX, func(o *jobs.Options) { o.Resume, o.Force, o.Input.Sheet = true, true, "B" })
	var jobErr *jobfile.JobError
	if !errors.As(err, &jobErr) || !errors.Is(err, jobs.ErrChangedSinceRun) || !strings.Contains(err.Error(), `sheet "A"`) {
		t.Errorf("resume onto sheet B: %v, want a job error naming sheet A", err)
	}
	if _, ok := e.srv.UserByEmail("b@acme.example"); ok {
		t.Error("the resume onto sheet B created its user")
	}
}

// Issue 17 item 1: two processes never apply one folder at once.
func TestTwoRunsOnOneFolderAreRefused(t *testing.T) {
	synctest.Test(t, testTwoRunsOnOneFolderAreRefused)
}

func testTwoRunsOnOneFolderAreRefused(t *testing.T) {
	e := newEnv(t, zoomtest.Options{NoRateLimits: true})
	e.writeCSV("in.csv", []string{"Email", "Dept"}, [][]string{{"grace.hopper@acme.example", "X"}})
	job := e.write("job.yaml", "version: 1\ninput: in.csv\nfields: {email: Email, dept: Dept}\nsteps: [update_users]\n")
	out := filepath.Join(e.dir, "run")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	// The lock of a live process (this test's parent, which never exits
	// before the test) holds the folder.
	if err := os.WriteFile(filepath.Join(out, ".zoombulk.lock"), []byte(strconv.Itoa(os.Getppid())+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := e.run(context.Background(), job, out, nil)
	var dirErr *jobs.RunDirError
	if !errors.As(err, &dirErr) || !strings.Contains(err.Error(), "another zoombulk") {
		t.Fatalf("a locked folder: %v, want a RunDirError", err)
	}
	// A lock left by a process that is gone is taken over.
	os.WriteFile(filepath.Join(out, ".zoombulk.lock"), []byte("999999999\n"), 0o600)
	if _, err := e.run(context.Background(), job, out, nil); err != nil {
		t.Fatalf("a stale lock: %v", err)
	}
}

// Issue 17 item 4: the plan refuses a transfer that would lose the data:
// to the user itself, to a user the file deletes, to no user, to an
// inactive user. Nothing is deleted for those rows.
func TestDeleteTransferTargetsAreChecked(t *testing.T) {
	synctest.Test(t, testDeleteTransferTargetsAreChecked)
}

func testDeleteTransferTargetsAreChecked(t *testing.T) {
	e := newEnv(t, zoomtest.Options{NoRateLimits: true})
	e.writeCSV("in.csv", []string{"Email", "Transfer"}, [][]string{
		{"dan.dormant@acme.example", "dan.dormant@acme.example"}, // itself
		{"wei.chen@acme.example", "frank.numbers@acme.example"},  // deleted by the next row
		{"frank.numbers@acme.example", ""},
		{"tom.nguyen@acme.example", "nobody@acme.example"},       // not a user
		{"priya.patel@acme.example", "omar.haddad@acme.example"}, // inactive
		{"ivy.nogroup@acme.example", "grace.hopper@acme.example"},
	})
	job := e.write("job.yaml", "version: 1\ninput: in.csv\nfields: {email: Email, transfer_email: Transfer}\nsteps: [delete_users]\n")
	out := filepath.Join(e.dir, "run")
	if _, err := e.run(context.Background(), job, out, func(o *jobs.Options) { o.AllowDelete = true }); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"dan.dormant@acme.example": "is the user being removed", "wei.chen@acme.example": "removed by row 4",
		"tom.nguyen@acme.example": "not a user", "priya.patel@acme.example": "not active",
	}
	for _, l := range readResults(t, out) {
		why, bad := want[l["Email"]]
		switch {
		case bad && (l["zb_status"] != "failed" || !strings.Contains(l["zb_reason"], why)):
			t.Errorf("%s: %s %q, want failed with %q", l["Email"], l["zb_status"], l["zb_reason"], why)
		case !bad && l["zb_status"] != "succeeded":
			t.Errorf("%s: %s %q", l["Email"], l["zb_status"], l["zb_reason"])
		}
		if _, exists := e.srv.UserByEmail(l["Email"]); bad && !exists {
			t.Errorf("%s was deleted although its transfer was refused", l["Email"])
		}
	}
	tr := e.srv.Transfers()
	if len(tr) != 1 || tr[0].FromEmail != "ivy.nogroup@acme.example" || tr[0].ToEmail != "grace.hopper@acme.example" {
		t.Errorf("transfers %+v, want ivy -> grace only", tr)
	}
}

// writeWorkbook writes sheets of text rows.
func writeWorkbook(t *testing.T, path string, sheets map[string][][]string) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	names := slices.Sorted(maps.Keys(sheets))
	for i, name := range names {
		if i == 0 {
			f.SetSheetName("Sheet1", name)
		} else if _, err := f.NewSheet(name); err != nil {
			t.Fatal(err)
		}
		for r, row := range sheets[name] {
			for c, v := range row {
				cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
				f.SetCellStr(name, cell, v)
			}
		}
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
}

// Issue 12 item 5: results.xlsx and plan.xlsx keep the input's numbers and
// dates typed, as the input had them.
func TestReportsKeepTypedCells(t *testing.T) {
	synctest.Test(t, testReportsKeepTypedCells)
}

func testReportsKeepTypedCells(t *testing.T) {
	e := newEnv(t, zoomtest.Options{NoRateLimits: true})
	in := filepath.Join(e.dir, "in.xlsx")
	f := excelize.NewFile()
	f.SetSheetRow("Sheet1", "A1", &[]any{"Email", "Dept", "Employee ID", "Start Date"})
	f.SetSheetRow("Sheet1", "A2", &[]any{"grace.hopper@acme.example", "Research", 100231, time.Date(2027, 1, 4, 0, 0, 0, 0, time.UTC)})
	style, _ := f.NewStyle(&excelize.Style{NumFmt: 14})
	f.SetCellStyle("Sheet1", "D2", "D2", style)
	if err := f.SaveAs(in); err != nil {
		t.Fatal(err)
	}
	f.Close()
	job := e.write("job.yaml", "version: 1\ninput: in.xlsx\nfields: {email: Email, dept: Dept}\nsteps: [update_users]\n")
	out := filepath.Join(e.dir, "run")
	if _, err := e.run(context.Background(), job, out, nil); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"results.xlsx", "plan.xlsx"} {
		wb, err := excelize.OpenFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		sheetName := wb.GetSheetName(0)
		if name == "plan.xlsx" {
			sheetName = "Rows"
		}
		idType, _ := wb.GetCellType(sheetName, "C2")
		raw, _ := wb.GetCellValue(sheetName, "D2", excelize.Options{RawCellValue: true})
		shown, _ := wb.GetCellValue(sheetName, "D2")
		if idType == excelize.CellTypeSharedString || idType == excelize.CellTypeInlineString || raw != "46391" || !strings.Contains(shown, "2027") && !strings.Contains(shown, "27") {
			t.Errorf("%s: Employee ID type %v, Start Date raw %q shown %q: want a number and a date serial", name, idType, raw, shown)
		}
		wb.Close()
	}
}

// Issue 11 item 7: after Zoom's first "no licenses left" (2034) the rows
// that need a license fail with that reason, and no more calls are spent.
func TestNoSeatsStopsSpendingCalls(t *testing.T) {
	synctest.Test(t, testNoSeatsStopsSpendingCalls)
}

func testNoSeatsStopsSpendingCalls(t *testing.T) {
	seed, err := zoomtest.LoadSeed("../../samples/sandbox-seed.yaml")
	if err != nil {
		t.Fatal(err)
	}
	licensed := 0
	for _, u := range seed.Users {
		if u.Type == 2 {
			licensed++
		}
	}
	// The seed's licensed users, plus two seats.
	e := newEnv(t, zoomtest.Options{NoRateLimits: true, Seed: seed, LicensedSeats: licensed + 2})
	var rows [][]string
	for i := range 6 {
		rows = append(rows, []string{fmt.Sprintf("seat%d@acme.example", i), "Seat", "User", "2"})
	}
	rows = append(rows, []string{"basic@acme.example", "Basic", "User", "1"})
	e.writeCSV("in.csv", []string{"Email", "First", "Last", "Type"}, rows)
	job := e.write("job.yaml", "version: 1\ninput: in.csv\nfields: {email: Email, first_name: First, last_name: Last, type: Type}\nsteps: [create_users]\n")
	out := filepath.Join(e.dir, "run")
	if _, err := e.run(context.Background(), job, out, func(o *jobs.Options) { o.Concurrency = 1 }); err != nil {
		t.Fatal(err)
	}
	if n := e.srv.Stats().Calls["POST /users"]; n != 4 {
		t.Errorf("%d creates sent, want 4: two that fit, the one Zoom refused, and the Basic user", n)
	}
	for _, l := range readResults(t, out) {
		switch {
		case l["Email"] == "basic@acme.example" || l["Email"] == "seat0@acme.example" || l["Email"] == "seat1@acme.example":
			if l["zb_status"] != "succeeded" {
				t.Errorf("%s: %s %s", l["Email"], l["zb_status"], l["zb_reason"])
			}
		case l["zb_status"] != "failed" || l["zb_error_code"] != "2034":
			t.Errorf("%s: %s %s %s, want failed with 2034", l["Email"], l["zb_status"], l["zb_error_code"], l["zb_reason"])
		}
	}
}

// Issue 12 item 4: failed.csv keeps the input columns plus zb_row, zb_step,
// zb_reason and zb_hint; fed back with --input, the zb_ columns are not
// mapped and the report keeps the original row numbers.
func TestFailedCSVRoundTrip(t *testing.T) {
	synctest.Test(t, testFailedCSVRoundTrip)
}

func testFailedCSVRoundTrip(t *testing.T) {
	e := newEnv(t, zoomtest.Options{NoRateLimits: true})
	e.writeCSV("in.csv", []string{"Email", "First", "Last", "Group"}, [][]string{
		{"ok1@acme.example", "Ok", "One", "Sales"},
		{"bad.group@acme.example", "Bad", "Group", "Salse"},
		{"ok2@acme.example", "Ok", "Two", "Sales"},
		{"bad-email", "Bad", "Email", "Sales"},
	})
	job := e.write("job.yaml", "version: 1\ninput: in.csv\nfields: {email: Email, first_name: First, last_name: Last, type: {default: 1}, group: Group}\nsteps: [create_users, move_group]\n")
	out := filepath.Join(e.dir, "run")
	if _, err := e.run(context.Background(), job, out, nil); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(out, "failed.csv"))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(data), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(recs[0], ","); got != "Email,First,Last,Group,zb_row,zb_step,zb_reason,zb_hint,zb_user_id" || len(recs) != 3 {
		t.Fatalf("failed.csv:\n%s", data)
	}
	if recs[1][4] != "3" || recs[1][5] != "move_group" || !strings.Contains(recs[1][7], "Sales") || recs[2][4] != "5" || recs[2][5] != "validate" {
		t.Errorf("failed.csv rows: %v", recs[1:])
	}
	// Fixed and fed back: the report keeps rows 3 and 5.
	fixed := strings.Replace(strings.Replace(string(data), "Salse", "Sales", 1), "bad-email", "fixed@acme.example", 1)
	failed := e.write("failed.csv", fixed)
	out2 := filepath.Join(e.dir, "rerun")
	if _, err := e.run(context.Background(), job, out2, func(o *jobs.Options) { o.Input.Path = failed }); err != nil {
		t.Fatal(err)
	}
	lines := readResults(t, out2)
	if len(lines) != 2 || lines[0]["zb_row"] != "3" || lines[1]["zb_row"] != "5" || lines[0]["zb_status"] != "succeeded" || lines[1]["zb_status"] != "succeeded" {
		t.Errorf("rerun of failed.csv: %v", lines)
	}
	if _, dup := lines[0]["zb_step"]; !dup {
		t.Error("no zb_step column in the rerun's results")
	}
}
