package results_test

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/zoombulk/zoombulk/internal/results"
)

// readCSV reads one of the report CSVs: the BOM Excel needs, then records.
func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("\ufeff")) {
		t.Errorf("%s has no UTF-8 BOM: Excel would misread its accents", filepath.Base(path))
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", filepath.Base(path), err)
	}
	return recs
}

// column is the values of the column named h, from the records of a CSV.
func column(t *testing.T, recs [][]string, h string) []string {
	t.Helper()
	i := slices.Index(recs[0], h)
	if i < 0 {
		t.Fatalf("no column %q in %q", h, recs[0])
	}
	var out []string
	for _, r := range recs[1:] {
		out = append(out, r[i])
	}
	return out
}

// sampleResults is a run of two steps over six input rows, one of each
// kind an admin meets. The input was a fed-back failed.csv: it has a zb_row
// column of its own, which failed.csv must not repeat.
func sampleResults() *results.Results {
	return &results.Results{
		Header: []string{"Email", "Group", "zb_row"},
		Steps:  []string{"create_users", "move_group"},
		Rows: []results.ResultRow{
			{Number: 2, Cells: []string{"ann@acme.example", "Sales", "2"}, Status: "succeeded", UserID: "u1", Steps: []string{"succeeded", "succeeded"}},
			{Number: 3, Cells: []string{"bob@acme.example", "Sales", "3"}, Status: "unchanged", UserID: "u2", Steps: []string{"unchanged", "unchanged"}},
			{Number: 5, Cells: []string{"cy@acme.example", "Enginering", "5"}, Status: "failed", Step: "move_group", HTTPStatus: 404, ErrorCode: 4130,
				Reason: "Group does not exist: Enginering.", Hint: `did you mean "Engineering"?`, TrackingID: "v=2.0;rid=WEB_1", Steps: []string{"succeeded", "failed"}},
			{Number: 6, Cells: []string{"dee@acme.example", "Sales", "6"}, Status: "deferred", Step: "create_users", HTTPStatus: 429,
				Reason: "daily create cap", Hint: "zoombulk run --resume", Steps: []string{"deferred", "deferred"}},
			{Number: 7, Cells: []string{"eve@acme.example", "=HYPERLINK(\"x\")", "7"}, Status: "partial", Step: "move_group", Steps: []string{"succeeded", "not_run"}},
			{Number: 9, Cells: []string{"fay@acme.example", "Sales", "9"}, Status: "not_run", Step: "create_users", Steps: []string{"not_run", "not_run"}},
		},
		Summary: [][2]string{{"Job", "hires"}, {"Rows", "6"}},
	}
}

// TestWriteResultsOneLinePerRow: results.csv has every input row, in input
// order, with its original row number, its status, the step that decided
// it, Zoom's answer and a column per step.
func TestWriteResultsOneLinePerRow(t *testing.T) {
	dir := t.TempDir()
	r := sampleResults()
	paths, err := results.WriteResults(dir, r)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "results.csv"), filepath.Join(dir, "results.xlsx"), filepath.Join(dir, "failed.csv")}
	if !slices.Equal(paths, want) {
		t.Errorf("paths %q, want %q", paths, want)
	}
	recs := readCSV(t, paths[0])
	// The input's columns as read (its own zb_row too), then the report's:
	// zb_row, zb_status, zb_step first, one zb_<step> column per step last.
	header := recs[0]
	if want := []string{"Email", "Group", "zb_row", "zb_row", "zb_status", "zb_step"}; !slices.Equal(header[:min(len(header), 6)], want) {
		t.Fatalf("header %q, want it to start %q", header, want)
	}
	if want := []string{"zb_create_users", "zb_move_group"}; !slices.Equal(header[len(header)-2:], want) {
		t.Fatalf("header %q, want it to end %q", header, want)
	}
	if len(recs)-1 != len(r.Rows) {
		t.Fatalf("%d lines for %d rows", len(recs)-1, len(r.Rows))
	}
	// The report's columns by name (the input's own zb_row comes first).
	report := [][]string{header[3:]}
	for _, l := range recs[1:] {
		report = append(report, l[3:])
	}
	emails, rowNums, statuses, steps := column(t, recs, "Email"), column(t, report, "zb_row"), column(t, report, "zb_status"), column(t, report, "zb_step")
	creates, moves := column(t, report, "zb_create_users"), column(t, report, "zb_move_group")
	for i, row := range r.Rows {
		if emails[i] != row.Cells[0] || rowNums[i] != strconv.Itoa(row.Number) || statuses[i] != string(row.Status) || steps[i] != row.Step {
			t.Errorf("line %d = %q, want %s row %d %s at %q", i+1, recs[i+1], row.Cells[0], row.Number, row.Status, row.Step)
		}
		if creates[i] != row.Steps[0] || moves[i] != row.Steps[1] {
			t.Errorf("line %d steps %q %q, want %q", i+1, creates[i], moves[i], row.Steps)
		}
	}
	httpStatus, codes, reasons, hints := column(t, report, "zb_http_status"), column(t, report, "zb_error_code"), column(t, report, "zb_reason"), column(t, report, "zb_hint")
	ids, tracking := column(t, report, "zb_user_id"), column(t, report, "zb_tracking_id")
	if httpStatus[2] != "404" || codes[2] != "4130" || reasons[2] != r.Rows[2].Reason || hints[2] != r.Rows[2].Hint || tracking[2] != "v=2.0;rid=WEB_1" {
		t.Errorf("the failed row lost Zoom's answer: %q", recs[3])
	}
	if httpStatus[0] != "" || codes[0] != "" || ids[0] != "u1" {
		t.Errorf("a succeeded row: %q, want no HTTP status or code, and its user ID", recs[1])
	}
	// A cell that reads as a formula is written as text (a leading ').
	if got := column(t, recs, "Group")[4]; got != `'=HYPERLINK("x")` {
		t.Errorf("formula-like cell written as %q", got)
	}
}

// TestFailedCSVHoldsWhatToRunAgain: failed.csv has the rows that need
// fixing or running again (failed, deferred, partial, not_run), with the
// input columns to feed back and why; not the rows that are done.
func TestFailedCSVHoldsWhatToRunAgain(t *testing.T) {
	dir := t.TempDir()
	if _, err := results.WriteResults(dir, sampleResults()); err != nil {
		t.Fatal(err)
	}
	recs := readCSV(t, filepath.Join(dir, "failed.csv"))
	if want := []string{"Email", "Group", "zb_row", "zb_step", "zb_reason", "zb_hint"}; !slices.Equal(recs[0][:min(len(recs[0]), 6)], want) {
		t.Fatalf("header %q, want it to start %q (the input's own zb_row is not repeated)", recs[0], want)
	}
	if n := len(slices.DeleteFunc(slices.Clone(recs[0]), func(h string) bool { return h != "zb_row" })); n != 1 {
		t.Errorf("failed.csv has %d zb_row columns, want 1: %q", n, recs[0])
	}
	if got, want := column(t, recs, "Email"), []string{"cy@acme.example", "dee@acme.example", "eve@acme.example", "fay@acme.example"}; !slices.Equal(got, want) {
		t.Errorf("failed.csv rows %q, want %q", got, want)
	}
	if got, want := column(t, recs, "zb_row"), []string{"5", "6", "7", "9"}; !slices.Equal(got, want) {
		t.Errorf("zb_row %q, want the original row numbers %q", got, want)
	}
	if got := recs[1]; column(t, recs, "zb_step")[0] != "move_group" || column(t, recs, "zb_reason")[0] != "Group does not exist: Enginering." ||
		column(t, recs, "zb_hint")[0] != `did you mean "Engineering"?` {
		t.Errorf("the failed row says %q, want the step, Zoom's reason and the hint", got)
	}
}

// TestFailedCSVEmptyWhenAllDone: a run where every row is as asked leaves
// a failed.csv with its header only, so a script can feed it back safely.
func TestFailedCSVEmptyWhenAllDone(t *testing.T) {
	dir := t.TempDir()
	r := sampleResults()
	r.Rows = r.Rows[:2]
	if _, err := results.WriteResults(dir, r); err != nil {
		t.Fatal(err)
	}
	if recs := readCSV(t, filepath.Join(dir, "failed.csv")); len(recs) != 1 {
		t.Errorf("failed.csv has %d rows after a run with nothing to redo: %q", len(recs)-1, recs[1:])
	}
}

// TestResultsWorkbook: results.xlsx has the Results sheet (every row), a
// Summary and a Failures sheet (the rows of failed.csv), and opens on the
// results.
func TestResultsWorkbook(t *testing.T) {
	dir := t.TempDir()
	r := sampleResults()
	if _, err := results.WriteResults(dir, r); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(filepath.Join(dir, "results.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got, want := f.GetSheetList(), []string{"Results", "Summary", "Failures"}; !slices.Equal(got, want) {
		t.Errorf("sheets %q, want %q", got, want)
	}
	if got := f.GetSheetName(f.GetActiveSheetIndex()); got != "Results" {
		t.Errorf("the workbook opens on %q, want Results", got)
	}
	for _, tc := range []struct {
		sheet  string
		emails []string
	}{
		{"Results", []string{"ann@acme.example", "bob@acme.example", "cy@acme.example", "dee@acme.example", "eve@acme.example", "fay@acme.example"}},
		{"Failures", []string{"cy@acme.example", "dee@acme.example", "eve@acme.example", "fay@acme.example"}},
	} {
		rows, err := f.GetRows(tc.sheet)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, row := range rows[1:] {
			got = append(got, row[0])
		}
		if !slices.Equal(got, tc.emails) {
			t.Errorf("%s sheet rows %q, want %q", tc.sheet, got, tc.emails)
		}
	}
	summary, err := f.GetRows("Summary")
	if err != nil {
		t.Fatal(err)
	}
	if len(summary) != 3 || summary[1][0] != "Job" || summary[1][1] != "hires" || summary[2][1] != "6" {
		t.Errorf("Summary sheet %q", summary)
	}
}
