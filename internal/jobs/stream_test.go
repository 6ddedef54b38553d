package jobs_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/zoombulk/zoombulk/internal/jobs"
	"github.com/zoombulk/zoombulk/internal/sheet"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// A dry run plans a chunk of rows at a time (a million rows fit in memory
// that way). Its files must be the plan of the whole sheet: the same
// changes.csv and plan.csv, byte for byte, and the same plan.xlsx as the
// plan a real run makes (and shows at its prompt) from every row at once,
// with duplicate keys found across chunks, a batched step counted over
// chunks, and typed input cells kept.
func TestStreamedDryRunIsTheWholePlan(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"csv", "xlsx"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) { testStreamedDryRun(t, format) })
		})
	}
}

func testStreamedDryRun(t *testing.T, format string) {
	e := newEnv(t, zoomtest.Options{Tier: "business"})
	rows := mixedRows(e.srv, 40)
	// Row 3's user again near the end: both rows are duplicates, in
	// different chunks.
	rows = append(rows, rows[1])
	header := append(slices.Clone(mixedHeader), "Employee No")
	for i := range rows {
		rows[i] = append(rows[i], strings.Repeat("1", 1+i%5))
	}
	job := strings.Replace(mixedJob, "users.csv", "users."+format, 1)
	if format == "csv" {
		e.writeCSV("users.csv", header, rows)
	} else {
		writeXLSXInput(t, filepath.Join(e.dir, "users.xlsx"), header, rows)
	}
	jobPath := e.write("job.yaml", job)
	ctx := context.Background()

	whole := filepath.Join(e.dir, "whole")
	held, err := e.run(ctx, jobPath, whole, func(o *jobs.Options) {
		o.Confirm = func(*jobs.Plan) (bool, error) { return false, nil }
	})
	if !errors.Is(err, jobs.ErrAborted) || !held.Declined {
		t.Fatalf("declined run: %v", err)
	}
	streamed := filepath.Join(e.dir, "streamed")
	sum, err := e.run(ctx, jobPath, streamed, func(o *jobs.Options) { o.DryRun, o.PlanChunkRows = true, 7 })
	if err != nil {
		t.Fatal(err)
	}
	if got := writes(e.srv.Stats()); got != 0 {
		t.Fatalf("%d write calls, want none", got)
	}
	if sum.Rows != len(rows) || sum.Plan.Rows != len(rows) {
		t.Fatalf("rows: summary %d, plan %d; want %d", sum.Rows, sum.Plan.Rows, len(rows))
	}
	for _, name := range []string{"changes.csv", "plan.csv"} {
		a, b := readFile(t, filepath.Join(whole, name)), readFile(t, filepath.Join(streamed, name))
		if a != b {
			t.Errorf("%s differs between the whole sheet's plan and the streamed one:\n%s\n---\n%s", name, a, b)
		}
	}
	if !strings.Contains(readFile(t, filepath.Join(streamed, "changes.csv")), "is also in row") {
		t.Error("changes.csv names no duplicate row: the duplicates across chunks were not found")
	}
	for _, name := range []string{"Summary", "Changes", "Rows"} {
		a, b := xlsxSheet(t, filepath.Join(whole, "plan.xlsx"), name), xlsxSheet(t, filepath.Join(streamed, "plan.xlsx"), name)
		if name == "Summary" {
			a, b = withoutTimes(a), withoutTimes(b)
		}
		if !reflect.DeepEqual(a, b) {
			t.Errorf("plan.xlsx sheet %s differs:\n%v\n---\n%v", name, a, b)
		}
	}
	p, q := held.Plan, sum.Plan
	if !reflect.DeepEqual(p.Calls, q.Calls) || !reflect.DeepEqual(p.Removals, q.Removals) || !reflect.DeepEqual(p.Creations, q.Creations) ||
		p.ChangeCount != q.ChangeCount || p.ChangedRows != q.ChangedRows || p.Failing != q.Failing || !reflect.DeepEqual(p.Warnings, q.Warnings) {
		t.Errorf("plans differ:\nwhole    %+v\nstreamed %+v", p, q)
	}
	if len(q.Changes) != 0 {
		t.Errorf("the streamed plan holds %d changes in memory", len(q.Changes))
	}
	// Both plans say what their reads cost ("Reads spent planning"): the
	// users listing at least.
	for name, pl := range map[string]*jobs.Plan{"whole": p, "streamed": q} {
		var n int64
		for _, c := range pl.Reads {
			n += c
		}
		if n == 0 {
			t.Errorf("the %s plan counts no reads: %v", name, pl.Reads)
		}
	}
	if len(sum.Failed) != q.Failing {
		t.Errorf("%d failed rows in the summary, the plan fails %d", len(sum.Failed), q.Failing)
	}
	left, _ := os.ReadDir(streamed)
	for _, f := range left {
		if strings.HasSuffix(f.Name(), ".tmp") {
			t.Errorf("%s left in the run folder", f.Name())
		}
	}
}

// xlsxSheet reads one sheet of a workbook as text cells.
func xlsxSheet(t *testing.T, path, name string) [][]string {
	t.Helper()
	r, err := sheet.Open(path, sheet.Options{Sheet: name})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	out := [][]string{r.Header()}
	for {
		row, err := r.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, row.Cells)
	}
}

// withoutTimes drops the Summary lines that say when and how long.
func withoutTimes(rows [][]string) [][]string {
	return slices.DeleteFunc(rows, func(r []string) bool {
		return len(r) > 0 && (strings.HasPrefix(r[0], "Planned") || strings.HasPrefix(r[0], "Time"))
	})
}

// writeXLSXInput writes rows as a workbook whose last column holds numbers.
func writeXLSXInput(t *testing.T, path string, header []string, rows [][]string) {
	t.Helper()
	wb := sheet.NewWorkbookIn(filepath.Dir(path))
	defer wb.Close()
	cols := make([]sheet.Column, len(header))
	for i, h := range header {
		cols[i] = sheet.Column{Header: h}
	}
	tw, err := wb.AddTable(sheet.Table{Name: "Users", Columns: cols})
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range rows {
		cells := make([]sheet.Cell, len(row))
		for i, v := range row {
			cells[i] = sheet.TextCell(v)
		}
		cells[len(row)-1] = sheet.IntCell(int64(len(row[len(row)-1])))
		if err := tw.WriteRow(cells, sheet.Plain); err != nil {
			t.Fatal(err)
		}
	}
	if err := wb.SaveAs(path); err != nil {
		t.Fatal(err)
	}
}

// A dry run stopped while it plans leaves nothing behind: no run folder,
// no part of the plan.
func TestStreamedDryRunStoppedLeavesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, zoomtest.Options{Tier: "business"})
	e.writeCSV("users.csv", mixedHeader, mixedRows(e.srv, 40))
	jobPath := e.write("job.yaml", mixedJob)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	out := filepath.Join(e.dir, "run")
	_, err := e.run(ctx, jobPath, out, func(o *jobs.Options) { o.DryRun, o.PlanChunkRows = true, 7 })
	if !errors.Is(err, jobs.ErrStoppedBeforeSending) {
		t.Fatalf("err = %v, want ErrStoppedBeforeSending", err)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		left, _ := os.ReadDir(out)
		t.Fatalf("the run folder is left behind (%v): %v", err, left)
	}
}

// create_users with if_exists: update warns of the licenses it takes away
// from users who exist, counting its own downgrades only.
func TestCreateIfExistsUpdateWarnsOfItsDowngrades(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, zoomtest.Options{Tier: "business"})
		e.writeCSV("users.csv", []string{"Email", "First Name", "Last Name", "License"}, [][]string{
			{"grace.hopper@acme.example", "Grace", "Hopper", "Basic"}, // Licensed now
			{"new.person@acme.example", "New", "Person", "Licensed"},
		})
		jobPath := e.write("job.yaml", `version: 1
name: hires
input: { path: users.csv }
fields:
  email: Email
  first_name: First Name
  last_name: Last Name
  type: { column: License, values: { Licensed: 2, Basic: 1 } }
steps:
  - create_users: { action: create, if_exists: update }
`)
		sum, err := e.run(context.Background(), jobPath, filepath.Join(e.dir, "plan"), func(o *jobs.Options) { o.DryRun = true })
		if err != nil {
			t.Fatal(err)
		}
		want := "create_users with if_exists: update downgrades 1 existing users' licenses"
		if !slices.ContainsFunc(sum.Plan.Warnings, func(w string) bool { return strings.HasPrefix(w, want) }) {
			t.Errorf("warnings %q, want one saying %q", sum.Plan.Warnings, want)
		}
	})
}
