package results

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"testing"

	"github.com/zoombulk/zoombulk/internal/sheet"
)

// The rows that need a look are one set, whoever asks.
func TestNeedsLook(t *testing.T) {
	want := map[Status]bool{
		Succeeded: false, Unchanged: false, Kept: false,
		Failed: true, Partial: true, Skipped: true, Deferred: true, NotRun: true, Conflict: true,
	}
	for _, st := range Statuses {
		w, ok := want[st]
		if !ok {
			t.Errorf("status %q: decide whether it needs a look and add it to this table", st)
			continue
		}
		if got := st.NeedsLook(); got != w {
			t.Errorf("%s.NeedsLook() = %v, want %v", st, got, w)
		}
	}
	if !Status("something new").NeedsLook() {
		t.Error("an unknown status must need a look, not pass as done")
	}
}

// The exit code is 1 exactly when some row needs a look: an undo's conflict
// is 1, a kept user is 0.
func TestExitCodeFollowsNeedsLook(t *testing.T) {
	tests := []struct {
		name   string
		counts Counts
		want   int
	}{
		{"all succeeded or unchanged", Counts{Succeeded: 3, Unchanged: 2}, ExitOK},
		{"undo kept a created user", Counts{Succeeded: 1, Kept: 1}, ExitOK},
		{"undo conflict", Counts{Succeeded: 4, Conflict: 1}, ExitFailed},
		{"deferred", Counts{Succeeded: 4, Deferred: 1}, ExitFailed},
		{"not run", Counts{NotRun: 1}, ExitFailed},
		{"failed", Counts{Failed: 1, Succeeded: 9}, ExitFailed},
		{"zero counts of a bad status", Counts{Succeeded: 1, Failed: 0}, ExitOK},
		{"no rows", Counts{}, ExitOK},
	}
	for _, tt := range tests {
		if got := tt.counts.ExitCode(); got != tt.want {
			t.Errorf("%s: %v exits %d, want %d", tt.name, tt.counts, got, tt.want)
		}
	}
}

// constsOfType lists the constants of a type declared in outcome.go.
func constsOfType(t *testing.T, typ string) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "outcome.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); ok && id.Name == typ {
				for _, n := range vs.Names {
					out = append(out, n.Name)
				}
			}
		}
	}
	if len(out) == 0 {
		t.Fatalf("no constants of type %s in outcome.go", typ)
	}
	return out
}

// Every action and status is in its ordered list, once: a summary that
// walks the list cannot leave one out (plan.xlsx left out revoke, rename
// and upload when the list was typed by hand).
func TestActionsListsEvery(t *testing.T) {
	byName := map[string]Action{
		"ActCreate": ActCreate, "ActUpdate": ActUpdate, "ActUnchanged": ActUnchanged, "ActFail": ActFail, "ActSkip": ActSkip,
		"ActMove": ActMove, "ActAdd": ActAdd, "ActSetPrimary": ActSetPrimary, "ActAssign": ActAssign, "ActActivate": ActActivate,
		"ActDeactivate": ActDeactivate, "ActDelete": ActDelete, "ActDisassoc": ActDisassoc, "ActDone": ActDone,
		"ActRecovered": ActRecovered, "ActRename": ActRename, "ActRevoke": ActRevoke, "ActUpload": ActUpload,
		"ActRemove": ActRemove, "ActRemoveUnlisted": ActRemoveUnlisted, "ActConflict": ActConflict, "ActKeep": ActKeep,
	}
	names := constsOfType(t, "Action")
	for _, n := range names {
		a, ok := byName[n]
		if !ok {
			t.Errorf("action %s is new: add it to results.Actions and to this test's table", n)
			continue
		}
		if c := countOf(Actions, a); c != 1 {
			t.Errorf("results.Actions holds %s %d times, want once", n, c)
		}
	}
	if len(Actions) != len(names) {
		t.Errorf("results.Actions has %d entries, outcome.go declares %d actions", len(Actions), len(names))
	}
	if got := len(constsOfType(t, "Status")); got != len(Statuses) {
		t.Errorf("outcome.go declares %d statuses, results.Statuses lists %d", got, len(Statuses))
	}
}

func countOf[T comparable](list []T, v T) int {
	n := 0
	for _, x := range list {
		if x == v {
			n++
		}
	}
	return n
}

func TestActionCountsText(t *testing.T) {
	c := ActionCounts{ActUpload: 2, ActCreate: 3, ActUnchanged: 5, ActRevoke: 1, "brand new": 4, ActFail: 0}
	tests := []struct {
		name string
		keep func(Action) bool
		want string
	}{
		{"all, in Actions order, unknown last", nil, "create 3, unchanged 5, revoke 1, upload 2, brand new 4"},
		{"writes only", func(a Action) bool { return a.Writes() && a != "brand new" }, "create 3, revoke 1, upload 2"},
		{"none kept", func(Action) bool { return false }, ""},
	}
	for _, tt := range tests {
		if got := c.Text(tt.keep); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

// readRows reads a report file's rows as header -> value maps.
func readRows(t *testing.T, path, sheetName string) []map[string]string {
	t.Helper()
	r, err := sheet.Open(path, sheet.Options{Sheet: sheetName, UnescapeFormulas: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []map[string]string
	for row, err := range sheet.All(r) {
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for i, h := range r.Header() {
			m[h] = row.Cells[i]
		}
		out = append(out, m)
	}
	return out
}

// failed.csv, the Failures sheet and the exit code hold the same rows:
// those whose status needs a look, an undo's conflict included, a kept
// user not. A sync's own row (no row number) is in the Failures sheet but
// not in failed.csv, which is fed back as input.
func TestReportsListTheRowsThatNeedALook(t *testing.T) {
	dir := t.TempDir()
	res := &Results{Header: []string{"email"}, Steps: []string{"update_users"}}
	counts := Counts{}
	for i, st := range Statuses {
		res.Rows = append(res.Rows, ResultRow{Number: i + 2, Cells: []string{string(st) + "@example.com"}, Status: st, Steps: []string{string(st)}})
		counts[st]++
	}
	res.Rows = append(res.Rows, ResultRow{Status: Failed, Cells: []string{"unlisted@example.com"}, Action: ActRemoveUnlisted, Target: "Sales"})
	if _, err := WriteResults(dir, res); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, st := range Statuses {
		if st.NeedsLook() {
			want = append(want, string(st)+"@example.com")
		}
	}
	emails := func(rows []map[string]string) []string {
		var out []string
		for _, r := range rows {
			out = append(out, r["email"])
		}
		return out
	}
	if got := emails(readRows(t, filepath.Join(dir, FailedCSV), "")); !slices.Equal(got, want) {
		t.Errorf("failed.csv lists %q, want %q", got, want)
	}
	if got, w := emails(readRows(t, filepath.Join(dir, ResultsXLSX), "Failures")), append(want, "unlisted@example.com"); !slices.Equal(got, w) {
		t.Errorf("the Failures sheet lists %q, want %q", got, w)
	}
	all := readRows(t, filepath.Join(dir, ResultsCSV), "")
	if len(all) != len(res.Rows) {
		t.Fatalf("results.csv has %d rows, want every row (%d)", len(all), len(res.Rows))
	}
	for i, r := range all[:len(Statuses)] {
		if r["zb_status"] != string(Statuses[i]) {
			t.Errorf("results.csv row %d: zb_status %q, want %q", i+1, r["zb_status"], Statuses[i])
		}
	}
	if counts.ExitCode() != ExitFailed {
		t.Errorf("a run with these rows exits %d, want %d", counts.ExitCode(), ExitFailed)
	}
}

// A plan row carries its action apart from any status; zb_status of
// plan.csv and plan.xlsx's Rows is that action.
func TestPlanRowsCarryTheirAction(t *testing.T) {
	dir := t.TempDir()
	rows := &Results{Header: []string{"email"}, Steps: []string{"upload_picture"}}
	for i, a := range []Action{ActUpload, ActFail, ActUnchanged} {
		rows.Rows = append(rows.Rows, ResultRow{Number: i + 2, Cells: []string{string(a) + "@example.com"}, Planned: a, Steps: []string{string(a)}})
	}
	if _, err := WritePlan(dir, &PlanReport{Summary: [][2]string{{"Step upload_picture", "upload 1, unchanged 1, fail 1"}}, Rows: rows}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct{ path, sheet string }{{filepath.Join(dir, PlanCSV), ""}, {filepath.Join(dir, PlanXLSX), "Rows"}} {
		got := readRows(t, f.path, f.sheet)
		if len(got) != 3 {
			t.Fatalf("%s: %d rows, want 3", f.path, len(got))
		}
		for i, a := range []Action{ActUpload, ActFail, ActUnchanged} {
			if got[i]["zb_status"] != string(a) {
				t.Errorf("%s row %d: zb_status %q, want %q", f.path, i+2, got[i]["zb_status"], a)
			}
		}
	}
}
