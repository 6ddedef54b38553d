package results_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/zoombulk/zoombulk/internal/results"
)

// A run's rows and a plan's changes come from a spool or are made again at
// every walk: the report files walk them once per CSV file, each sheet of
// the workbook written in the same walk, and hold what they held when
// every file walked them apart.
func TestReportWalksTheRowsOncePerCSV(t *testing.T) {
	counted := func(rows []results.ResultRow, walks *int) func(func(results.ResultRow) error) error {
		return func(fn func(results.ResultRow) error) error {
			*walks++
			for _, r := range rows {
				if err := fn(r); err != nil {
					return err
				}
			}
			return nil
		}
	}
	tests := []struct {
		name       string
		noWorkbook bool
		wantFiles  []string
	}{
		{name: "with the workbook", wantFiles: []string{"failed.csv", "results.csv", "results.xlsx"}},
		{name: "stopped at once, no workbook", noWorkbook: true, wantFiles: []string{"failed.csv", "results.csv"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			r := sampleResults()
			var walks int
			r.EachRow, r.Rows = counted(r.Rows, &walks), nil
			r.NoWorkbook = tt.noWorkbook
			if _, err := results.WriteResults(dir, r); err != nil {
				t.Fatal(err)
			}
			if walks != 2 {
				t.Errorf("the rows were walked %d times, want 2 (results.csv, failed.csv)", walks)
			}
			if got := dirNames(t, dir); !slices.Equal(got, tt.wantFiles) {
				t.Errorf("files %q, want %q", got, tt.wantFiles)
			}
			if got, want := column(t, readCSV(t, filepath.Join(dir, "results.csv")), "Email"), sampleEmails(0, 1, 2, 3, 4, 5); !slices.Equal(got, want) {
				t.Errorf("results.csv rows %q, want %q", got, want)
			}
			if got, want := column(t, readCSV(t, filepath.Join(dir, "failed.csv")), "Email"), sampleEmails(2, 3, 4, 5); !slices.Equal(got, want) {
				t.Errorf("failed.csv rows %q, want %q", got, want)
			}
		})
	}

	t.Run("plan", func(t *testing.T) {
		dir := t.TempDir()
		rows := sampleResults()
		var rowWalks, changeWalks int
		eachRow := counted(rows.Rows, &rowWalks)
		rows.Rows = nil
		changes := []results.Change{
			{Row: 2, Email: "ann@acme.example", Step: "move_group", Action: results.ActMove, Field: "group", Current: "Sales", New: "Ops", UserID: "u1"},
			{Row: 3, Email: "bob@acme.example", Step: "delete_users", Action: results.ActDelete, Removal: results.RemoveDelete, UserID: "u2"},
		}
		p := &results.PlanReport{Summary: [][2]string{{"Job", "hires"}}, Rows: rows, EachRow: eachRow, EachChange: func(fn func(results.Change) error) error {
			changeWalks++
			for _, c := range changes {
				if err := fn(c); err != nil {
					return err
				}
			}
			return nil
		}}
		if _, err := results.WritePlan(dir, p); err != nil {
			t.Fatal(err)
		}
		if changeWalks != 1 || rowWalks != 1 {
			t.Errorf("changes walked %d times, rows %d: want once each", changeWalks, rowWalks)
		}
		if got := dirNames(t, dir); !slices.Equal(got, []string{"changes.csv", "plan.csv", "plan.xlsx"}) {
			t.Errorf("files %q", got)
		}
		recs := readCSV(t, filepath.Join(dir, "changes.csv"))
		if got := column(t, recs, "zb_user_id"); !slices.Equal(got, []string{"u1", "u2"}) {
			t.Errorf("changes.csv user IDs %q, want u1 u2", got)
		}
		if got := column(t, readCSV(t, filepath.Join(dir, "plan.csv")), "Email"); !slices.Equal(got, sampleEmails(0, 1, 2, 3, 4, 5)) {
			t.Errorf("plan.csv rows %q", got)
		}
	})
}

// sampleEmails are the emails of sampleResults' rows at the indexes given.
func sampleEmails(idx ...int) []string {
	rows := sampleResults().Rows
	var out []string
	for _, i := range idx {
		out = append(out, rows[i].Cells[0])
	}
	return out
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}
