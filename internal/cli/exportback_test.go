package cli

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/xuri/excelize/v2"

	"github.com/zoombulk/zoombulk/internal/export"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// editSheet changes cells of an export by email (header -> new value) and
// drops the rows of the emails in drop, with excelize for a workbook (as a
// spreadsheet program saves it: the hidden sheets stay) or encoding/csv.
func editSheet(t *testing.T, path string, edits map[string]map[string]string, drop []string) {
	t.Helper()
	if strings.HasSuffix(path, ".csv") {
		rows := exportReadCSV(t, path)
		var b strings.Builder
		w := csv.NewWriter(&b)
		for i, row := range rows {
			if i > 0 && slices.Contains(drop, row[0]) {
				continue
			}
			for h, v := range edits[row[0]] {
				row[slices.Index(rows[0], h)] = v
			}
			if err := w.Write(row); err != nil {
				t.Fatal(err)
			}
		}
		w.Flush()
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("Users")
	if err != nil {
		t.Fatal(err)
	}
	for i := len(rows) - 1; i >= 1; i-- { // bottom up: removing a row moves those below
		for h, v := range edits[rows[i][0]] {
			cell, _ := excelize.CoordinatesToCellName(slices.Index(rows[0], h)+1, i+1)
			if err := f.SetCellStr("Users", cell, v); err != nil {
				t.Fatal(err)
			}
		}
		if slices.Contains(drop, rows[i][0]) {
			if err := f.RemoveRow("Users", i+1); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
}

// An export edited and run back with no job and no --steps sends only the
// edited cells: it reads only the edited users (by their exported ID), a
// cell the account changed since the export is a conflict left as found,
// a deleted row changes nothing, and every other row is unchanged.
func TestEditedExportRunsBack(t *testing.T) {
	for _, ext := range []string{"xlsx", "csv"} {
		t.Run(ext, zoomtest.Bubble(func(t *testing.T) {
			srv := exportMemSandbox(t, zoomtest.Options{})
			env := exportEnv(srv, "")
			dir := t.TempDir()
			out := filepath.Join(dir, "users."+ext)
			flags := []string{"--tier", "business", "--share", "1"}
			if r := runExportCLI(t, &IO{Getenv: env}, nil, append([]string{"export", "users", "-o", out}, flags...)...); r.code != ExitOK {
				t.Fatalf("export: exit %d\n%s", r.code, r.stderr)
			}
			if ext == "csv" {
				if _, err := os.Stat(out + export.SnapshotSuffix); err != nil {
					t.Fatalf("the CSV export has no record beside it: %v", err)
				}
			} else {
				f, err := excelize.OpenFile(out)
				if err != nil {
					t.Fatal(err)
				}
				vis, err := f.GetSheetVisible(export.SnapshotSheet)
				f.Close()
				if err != nil || vis {
					t.Fatalf("sheet %s: visible %v, err %v; want a very hidden sheet", export.SnapshotSheet, vis, err)
				}
			}
			const (
				edited   = "grace.hopper@acme.example"
				conflict = "alan.turing@acme.example"
				dropped  = "ada.lovelace@acme.example"
			)
			before := map[string]zoomtest.User{}
			for _, u := range srv.Users() {
				before[u.Email] = u
			}
			// Someone changes Alan's department in Zoom after the export.
			c := zoomtest.NewClient(t, srv, nil)
			if err := c.UpdateUser(context.Background(), before[conflict].ID, map[string]any{"dept": "Bletchley"}); err != nil {
				t.Fatal(err)
			}
			editSheet(t, out, map[string]map[string]string{
				edited:   {"Department": "Research", "Job Title": "Rear Admiral"},
				conflict: {"Department": "Cryptography"},
			}, []string{dropped})
			srv.ResetStats()

			r := runExportCLI(t, &IO{Getenv: env}, nil, append([]string{"run", out, "--yes", "--out", filepath.Join(dir, "run")}, flags...)...)
			if r.code != ExitPartial {
				t.Fatalf("run: exit %d, want %d (a conflict is not as asked)\n%s", r.code, ExitPartial, r.stderr)
			}
			if !strings.Contains(r.stderr, "only the cells that differ from the export are sent (steps update_users;") {
				t.Errorf("the run does not say it ran an edited export:\n%s", r.stderr)
			}
			st := srv.Stats()
			if got := st.Calls["GET /users/{userId}"]; got != 2 {
				t.Errorf("%d user look-ups, want 2 (the edited rows)", got)
			}
			if got := st.Calls["GET /users"]; got != 0 {
				t.Errorf("%d listing pages read, want none", got)
			}
			if got := writes(st); got != 1 {
				t.Errorf("%d writes, want 1: %v", got, st.Calls)
			}
			for _, u := range srv.Users() {
				b := before[u.Email]
				switch u.Email {
				case edited:
					if u.Dept != "Research" || u.JobTitle != "Rear Admiral" {
						t.Errorf("%s: dept %q, job title %q; want Research, Rear Admiral", u.Email, u.Dept, u.JobTitle)
					}
					if u.FirstName != b.FirstName || u.Type != b.Type || !slices.Equal(u.GroupIDs, b.GroupIDs) {
						t.Errorf("%s: a field nobody edited changed", u.Email)
					}
				case conflict:
					if u.Dept != "Bletchley" {
						t.Errorf("%s: dept %q, want Bletchley (the account's change is kept)", u.Email, u.Dept)
					}
				default:
					if u.Dept != b.Dept || u.JobTitle != b.JobTitle || u.Status != b.Status {
						t.Errorf("%s changed: dept %q -> %q, title %q -> %q", u.Email, b.Dept, u.Dept, b.JobTitle, u.JobTitle)
					}
				}
			}
			res := exportReadCSV(t, filepath.Join(dir, "run", "results.csv"))
			byEmail := map[string][]string{}
			col := map[string]int{}
			for i, h := range res[0] {
				col[h] = i
			}
			for _, row := range res[1:] {
				byEmail[row[col["Email"]]] = row
			}
			if len(res)-1 != len(before)-1 {
				t.Errorf("%d rows in results.csv, want %d (every row of the sheet)", len(res)-1, len(before)-1)
			}
			for email, want := range map[string]string{edited: "succeeded", conflict: "conflict", "adam.admin@acme.example": "unchanged"} {
				row, ok := byEmail[email]
				if !ok {
					t.Errorf("%s is not in results.csv", email)
					continue
				}
				if got := row[col["zb_status"]]; got != want {
					t.Errorf("%s: %s, want %s (%s)", email, got, want, strings.Join(row, " | "))
				}
			}
			if row := byEmail[conflict]; row != nil && !strings.Contains(strings.Join(row, " "), `exported "Engineering", now "Bletchley"`) {
				t.Errorf("the conflict does not give both values: %q", row)
			}
			if _, ok := byEmail[dropped]; ok {
				t.Errorf("the deleted row %s is in the results", dropped)
			}
			changes, err := os.ReadFile(filepath.Join(dir, "run", "changes.csv"))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(changes), "conflict") || !strings.Contains(string(changes), "Bletchley") {
				t.Errorf("changes.csv does not show the conflict:\n%s", changes)
			}
		}))
	}
}

// The steps of an edited export follow the columns edited: a Groups cell
// moves the user (and nothing else is sent); an export run back as it is
// reads and writes nothing; an export of another account is refused
// before anything is read (exit 2).
func TestEditedExportSteps(t *testing.T) {
	const who = "grace.hopper@acme.example" // Engineering in the seed
	for _, tc := range []struct {
		name    string
		edits   map[string]map[string]string
		account string // rewrites the record's account
		code    int
		says    string
		writes  map[string]int
		check   func(t *testing.T, srv *zoomtest.Server)
	}{
		{
			name: "a Groups cell: move_group only", edits: map[string]map[string]string{who: {"Groups": "Sales"}},
			says:   "(steps move_group;",
			writes: map[string]int{"PATCH /groups/{groupId}/members/{memberId}": 1},
			check: func(t *testing.T, srv *zoomtest.Server) {
				u, _ := srv.UserByEmail(who)
				names := map[string]string{}
				for _, g := range srv.Groups() {
					names[g.ID] = g.Name
				}
				if len(u.GroupIDs) != 1 || names[u.GroupIDs[0]] != "Sales" {
					t.Errorf("%s is in %v, want Sales", who, u.GroupIDs)
				}
			},
		},
		{
			name: "nothing edited: nothing read or sent", says: "Calls: none",
			writes: map[string]int{},
		},
		{
			name: "another account's export", edits: map[string]map[string]string{who: {"Department": "Research"}}, account: "other-account",
			code: ExitUsage, says: "it was exported from the account other-account, and this run writes to acme-sandbox",
		},
	} {
		t.Run(tc.name, zoomtest.Bubble(func(t *testing.T) {
			srv := exportMemSandbox(t, zoomtest.Options{})
			env := exportEnv(srv, "")
			dir := t.TempDir()
			out := filepath.Join(dir, "users.csv")
			flags := []string{"--tier", "business", "--share", "1"}
			if r := runExportCLI(t, &IO{Getenv: env}, nil, append([]string{"export", "users", "-o", out}, flags...)...); r.code != ExitOK {
				t.Fatalf("export: exit %d\n%s", r.code, r.stderr)
			}
			editSheet(t, out, tc.edits, nil)
			if tc.account != "" {
				side := out + export.SnapshotSuffix
				data, err := os.ReadFile(side)
				if err != nil {
					t.Fatal(err)
				}
				data = []byte(strings.Replace(string(data), "account,acme-sandbox", "account,"+tc.account, 1))
				if err := os.WriteFile(side, data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			srv.ResetStats()
			r := runExportCLI(t, &IO{Getenv: env}, nil, append([]string{"run", out, "--yes", "--out", filepath.Join(dir, "run")}, flags...)...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.says) {
				t.Fatalf("run: exit %d, want %d saying %q\n%s", r.code, tc.code, tc.says, r.stderr)
			}
			calls := srv.Stats().Calls
			if n := calls["GET /users/{userId}"] + calls["GET /users"]; tc.writes == nil && n != 0 || len(tc.writes) == 0 && n != 0 {
				t.Errorf("%d users read: %v", n, calls)
			}
			got := map[string]int{}
			for ep, n := range calls {
				if !strings.HasPrefix(ep, "GET ") {
					got[ep] = n
				}
			}
			if want := tc.writes; want == nil && len(got) != 0 || want != nil && !mapsEqual(got, want) {
				t.Errorf("writes %v, want %v", got, tc.writes)
			}
			if tc.check != nil {
				tc.check(t, srv)
			}
		}))
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// A cell the account holds that the catalogue refuses is no problem of
// the edited export while it is left as exported (nothing is sent from
// it); typed into a row, it is the row's problem as in any job.
func TestEditedExportForgivesExportedValues(t *testing.T) {
	synctest.Test(t, testEditedExportForgivesExportedValues)
}

func testEditedExportForgivesExportedValues(t *testing.T) {
	const kept, typed = "grace.hopper@acme.example", "alan.turing@acme.example"
	srv := exportMemSandbox(t, zoomtest.Options{})
	env := exportEnv(srv, "")
	dir := t.TempDir()
	out := filepath.Join(dir, "users.csv")
	flags := []string{"--tier", "business", "--share", "1"}
	if r := runExportCLI(t, &IO{Getenv: env}, nil, append([]string{"export", "users", "-o", out}, flags...)...); r.code != ExitOK {
		t.Fatalf("export: exit %d\n%s", r.code, r.stderr)
	}
	// As if Zoom had answered a type the catalogue does not know for
	// Grace: the export and its record both say it.
	editSheet(t, out, map[string]map[string]string{kept: {"User Type": "Weird", "Department": "Research"}, typed: {"User Type": "Weird"}}, nil)
	side := out + export.SnapshotSuffix
	data, err := os.ReadFile(side)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	for i, l := range lines {
		if strings.Contains(l, kept) {
			lines[i] = strings.Replace(l, ",Licensed,", ",Weird,", 1)
		}
	}
	if err := os.WriteFile(side, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runExportCLI(t, &IO{Getenv: env}, nil, append([]string{"run", out, "--yes", "--out", filepath.Join(dir, "run")}, flags...)...)
	if r.code != ExitPartial {
		t.Fatalf("run: exit %d, want %d (Alan's typed value fails)\n%s", r.code, ExitPartial, r.stderr)
	}
	res := exportReadCSV(t, filepath.Join(dir, "run", "results.csv"))
	col := map[string]int{}
	for i, h := range res[0] {
		col[h] = i
	}
	for _, row := range res[1:] {
		switch row[col["Email"]] {
		case kept:
			if row[col["zb_status"]] != "succeeded" {
				t.Errorf("%s: %s (%s), want succeeded: its exported type is not its problem", kept, row[col["zb_status"]], row[col["zb_reason"]])
			}
		case typed:
			if row[col["zb_status"]] != "failed" || row[col["zb_step"]] != "validate" {
				t.Errorf("%s: %s at %s, want failed at validate", typed, row[col["zb_status"]], row[col["zb_step"]])
			}
		}
	}
	if u, _ := srv.UserByEmail(kept); u.Dept != "Research" || u.Type != 2 {
		t.Errorf("%s: dept %q, type %d; want Research and the license kept", kept, u.Dept, u.Type)
	}
}
