package bench

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"testing"
	"time"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/jobs"
	"github.com/zoombulk/zoombulk/internal/memstat"
	"github.com/zoombulk/zoombulk/internal/sheet"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// millionRows is the rows of the big dry run: 1.1 million (CSV);
// ZOOMBULK_BENCH_MILLION_ROWS overrides it for a quicker look. An XLSX
// input holds at most a sheet's rows, 1,048,575 under the header.
func millionRows() int {
	if v, err := strconv.Atoi(os.Getenv("ZOOMBULK_BENCH_MILLION_ROWS")); err == nil && v > 0 {
		return v
	}
	return 1_100_000
}

// BenchmarkDryRunMillion plans 1.1 million creates (a dry run: the plan
// is written, nothing sent) from a CSV and from an XLSX input, in a
// process whose $TMPDIR is a fresh empty folder. Targets: peak RSS under
// 1 GB, no file left in $TMPDIR, every row in the plan.
//
//	go test ./bench -run '^$' -bench DryRunMillion -benchtime 1x
func BenchmarkDryRunMillion(b *testing.B) {
	for _, format := range []string{"csv", "xlsx"} {
		b.Run(format, func(b *testing.B) {
			for b.Loop() {
				benchDryRunMillion(b, format)
			}
		})
	}
}

func benchDryRunMillion(b *testing.B, format string) {
	n := millionRows()
	if format == "xlsx" {
		n = min(n, 1_048_575)
	}
	dir := b.TempDir()
	tmp := filepath.Join(dir, "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		b.Fatal(err)
	}
	input := filepath.Join(dir, "input."+format)
	writeBigInput(b, input, format, n)
	job := fmt.Sprintf(`version: 1
name: bench-million
input: { path: input.%s }
fields:
  email: Email
  first_name: First Name
  last_name: Last Name
  dept: Department
  type: { default: 1 }
steps:
  - create_users: { action: create }
`, format)
	jobPath := filepath.Join(dir, "job.yaml")
	if err := os.WriteFile(jobPath, []byte(job), 0o644); err != nil {
		b.Fatal(err)
	}
	s := setup{"business", 1, 0}
	srv := startSandboxWith(b, s, 0, func(o *zoomtest.Options) { o.NoRateLimits = true })
	c := newClient(b, srv, s, false)
	j, err := jobfile.Load(jobPath)
	if err != nil {
		b.Fatal(err)
	}
	b.Setenv("TMPDIR", tmp)
	runtime.GC()
	reset := memstat.ResetPeak()
	start := time.Now()
	var ev jobs.Events = jobs.NopEvents{}
	if p := os.Getenv("ZOOMBULK_BENCH_HEAP_PROFILE"); p != "" {
		ev = heapAtPlan{path: p}
	}
	r := &jobs.Runner{Client: c, Job: j, Events: ev, Opts: jobs.Options{OutDir: filepath.Join(dir, "run"), DryRun: true, Version: "bench"}}
	sum, err := r.Run(context.Background())
	dur := time.Since(start)
	peak := memstat.Peak()
	if err != nil {
		b.Fatal(err)
	}
	left, _ := os.ReadDir(tmp)
	var problems []string
	if len(left) > 0 {
		problems = append(problems, fmt.Sprintf("%d files left in $TMPDIR (%s, ...)", len(left), left[0].Name()))
	}
	if got := sum.Rows; got != n {
		problems = append(problems, fmt.Sprintf("%d rows in the plan, want %d", got, n))
	}
	mb := float64(peak) / (1 << 20)
	if mb >= 1024 {
		problems = append(problems, fmt.Sprintf("peak RSS %.0f MB, want under 1024", mb))
	}
	b.ReportMetric(float64(n), "rows")
	b.ReportMetric(dur.Seconds(), "dur-s")
	b.ReportMetric(mb, "peak-RSS-MB")
	b.ReportMetric(flag(reset), "rss-step")
	b.ReportMetric(float64(len(left)), "tmp-files")
	b.ReportMetric(flag(len(problems) == 0), "met")
	b.Logf("dry run of %d rows (%s): %s, peak RSS %.0f MB, %d files left in $TMPDIR, counts %v", n, format, dur.Round(time.Millisecond), mb, len(left), sum.Counts)
	for _, p := range problems {
		b.Logf("MISS dry_run_million/%s: %s", format, p)
	}
}

// writeBigInput writes n new hires, streamed.
func writeBigInput(b *testing.B, path, format string, n int) {
	b.Helper()
	header := []string{"Email", "First Name", "Last Name", "Department"}
	row := func(i int) []string {
		return []string{fmt.Sprintf("m%07d@million.example", i), "First", "Last" + strconv.Itoa(i), []string{"Sales", "Support", "Engineering"}[i%3]}
	}
	if format == "csv" {
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		w := bufio.NewWriterSize(f, 1<<20)
		fmt.Fprintln(w, "Email,First Name,Last Name,Department")
		for i := range n {
			r := row(i)
			fmt.Fprintf(w, "%s,%s,%s,%s\n", r[0], r[1], r[2], r[3])
		}
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
		return
	}
	wb := sheet.NewWorkbookIn(filepath.Dir(path))
	defer wb.Close()
	cols := make([]sheet.Column, len(header))
	for i, h := range header {
		cols[i] = sheet.Column{Header: h}
	}
	t, err := wb.AddTable(sheet.Table{Name: "Hires", Columns: cols})
	if err != nil {
		b.Fatal(err)
	}
	cells := make([]sheet.Cell, len(header))
	for i := range n {
		for k, v := range row(i) {
			cells[k] = sheet.TextCell(v)
		}
		if err := t.WriteRow(cells, sheet.Plain); err != nil {
			b.Fatal(err)
		}
	}
	if err := wb.SaveAs(path); err != nil {
		b.Fatal(err)
	}
}

// heapAtPlan writes a heap profile when the plan is made (for a look at
// what a big plan holds).
type heapAtPlan struct {
	jobs.NopEvents
	path string
}

func (h heapAtPlan) Planned(*jobs.Plan) {
	runtime.GC()
	f, err := os.Create(h.path)
	if err != nil {
		return
	}
	defer f.Close()
	_ = pprof.WriteHeapProfile(f)
}
