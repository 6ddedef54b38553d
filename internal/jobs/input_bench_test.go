package jobs

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/mapping"
	"github.com/zoombulk/zoombulk/internal/memstat"

	"github.com/xuri/excelize/v2"
)

// The budget: validate 100,000 rows in under 2 s (CSV) or 10 s
// (XLSX), in under 300 MB.
const (
	benchRows      = 100_000
	budgetCSV      = 2 * time.Second
	budgetXLSX     = 10 * time.Second
	budgetHeapMB   = 300.0
	benchJobFields = `fields:
  email: Email
  first_name: First Name
  last_name: Last Name
  type:
    column: License
    values: { Licensed: 2, Basic: 1, Unassigned: 4 }
  dept: Department
  job_title: Job Title
  group: Group
  division: Division
  webinar:
    column: Webinar seats
    values: { "500": "1", "1000": "64", "none": "0" }
  status: Status
steps:
  - create_users: { if_exists: update }
  - update_features: [ { feature_type: webinar } ]
  - move_group
  - assign_division
  - set_status
`
)

var benchHeader = []string{"Email", "First Name", "Last Name", "License", "Department", "Job Title", "Group", "Division", "Webinar seats", "Status"}

// benchRow is row i of the generated input: mostly clean, one row in 50
// with a problem, as a real file has; with dupEvery, one row in dupEvery
// repeats the email of the row 500 rows back.
func benchRow(i, dupEvery int) []string {
	licenses := []string{"Licensed", "Basic", "Unassigned"}
	seats := []string{"500", "1000", "none", ""}
	email := fmt.Sprintf("user%06d@example.com", i)
	if i%50 == 7 {
		email = fmt.Sprintf("user%06d@@example", i)
	}
	if dupEvery > 0 && i%dupEvery == dupEvery-1 {
		email = fmt.Sprintf("user%06d@example.com", i-500)
	}
	return []string{
		email, fmt.Sprintf("First%d", i), fmt.Sprintf("Last%d", i), licenses[i%3],
		fmt.Sprintf("Department %d", i%40), "Engineer", fmt.Sprintf("Group %d", i%25),
		fmt.Sprintf("Division %d", i%5), seats[i%4], []string{"active", "inactive"}[i%2],
	}
}

func writeBenchCSV(b *testing.B, path string, n, dupEvery int) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	line := func(cells []string) {
		for i, c := range cells {
			if i > 0 {
				w.WriteByte(',')
			}
			w.WriteString(c)
		}
		w.WriteString("\r\n")
	}
	line(benchHeader)
	for i := 0; i < n; i++ {
		line(benchRow(i, dupEvery))
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
}

func writeBenchXLSX(b *testing.B, path string, n int) {
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		b.Fatal(err)
	}
	row := make([]any, len(benchHeader))
	put := func(n int, cells []string) {
		for i, c := range cells {
			row[i] = c
		}
		cell, _ := excelize.CoordinatesToCellName(1, n)
		if err := sw.SetRow(cell, row); err != nil {
			b.Fatal(err)
		}
	}
	put(1, benchHeader)
	for i := 0; i < n; i++ {
		put(i+2, benchRow(i, 0))
	}
	if err := sw.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.SaveAs(path); err != nil {
		b.Fatal(err)
	}
}

// peakHeap samples the heap until stop is called and returns the peak in
// MB.
func peakHeap() (stop func() float64) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			peak = max(peak, sample[0].Value.Uint64())
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() float64 {
		close(done)
		wg.Wait()
		metrics.Read(sample)
		peak = max(peak, sample[0].Value.Uint64())
		return float64(peak) / (1 << 20)
	}
}

// writeBenchJob writes n generated rows (see benchRow) and a job reading
// them; it returns the job's path.
func writeBenchJob(b *testing.B, ext string, n, dupEvery int) string {
	dir := b.TempDir()
	input := filepath.Join(dir, "users"+ext)
	if ext == ".csv" {
		writeBenchCSV(b, input, n, dupEvery)
	} else {
		writeBenchXLSX(b, input, n)
	}
	jobPath := filepath.Join(dir, "job.yaml")
	if err := os.WriteFile(jobPath, []byte("version: 1\ninput: users"+ext+"\n"+benchJobFields), 0o644); err != nil {
		b.Fatal(err)
	}
	return jobPath
}

// BenchmarkReadSheet100kCSV and ...XLSX read 100,000 rows the way run
// does, keeping them all.
func BenchmarkReadSheet100kCSV(b *testing.B)  { benchReadSheet(b, ".csv", budgetCSV) }
func BenchmarkReadSheet100kXLSX(b *testing.B) { benchReadSheet(b, ".xlsx", budgetXLSX) }

func benchReadSheet(b *testing.B, ext string, budget time.Duration) {
	jobPath := writeBenchJob(b, ext, benchRows, 0)
	runtime.GC()
	stop := peakHeap()
	b.ResetTimer()
	start := time.Now()
	var problems int
	for i := 0; i < b.N; i++ {
		job, err := jobfile.Load(jobPath)
		if err != nil {
			b.Fatal(err)
		}
		s, err := ReadSheet(job, ReadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if len(s.Rows) != benchRows {
			b.Fatalf("%d rows", len(s.Rows))
		}
		problems = len(s.Problems())
	}
	elapsed := time.Since(start)
	b.StopTimer()
	peak := stop()
	per := elapsed / time.Duration(b.N)
	b.ReportMetric(float64(benchRows)*float64(b.N)/elapsed.Seconds(), "rows/s")
	b.ReportMetric(peak, "peak-heap-MB")
	b.ReportMetric(per.Seconds()/budget.Seconds(), "time/budget")
	b.ReportMetric(peak/budgetHeapMB, "heap/budget")
	b.Logf("%s: %d rows (%d problems) in %v = %.2f of the %v budget; peak heap %.0f MB = %.2f of %.0f MB",
		ext, benchRows, problems, per.Round(time.Millisecond), per.Seconds()/budget.Seconds(), budget, peak, peak/budgetHeapMB, budgetHeapMB)
}

// BenchmarkValidate streams 100,000 to 1,000,000 generated rows through
// Validate, as `zoombulk validate` does, and reports rows/s and the peak
// resident memory of the process while it runs. The targets: CSV at 200,000
// rows/s or more, XLSX at 30,000, and under 150 MB whatever the row count.
// "dups" has a duplicate email every 1,000 rows, which costs reading the
// file again (see duplicates).
//
//	go test ./internal/jobs -run '^$' -bench Validate/ -benchtime 1x
func BenchmarkValidate(b *testing.B) {
	for _, c := range []struct {
		ext      string
		rows     int
		dupEvery int
		target   float64 // rows/s
	}{
		{".csv", 100_000, 0, 200_000}, {".csv", 300_000, 0, 200_000}, {".csv", 1_000_000, 0, 200_000},
		{".csv", 1_000_000, 1000, 200_000},
		{".xlsx", 100_000, 0, 30_000}, {".xlsx", 300_000, 0, 30_000},
	} {
		name := fmt.Sprintf("%s/%dk", c.ext[1:], c.rows/1000)
		if c.dupEvery > 0 {
			name += "-dups"
		}
		b.Run(name, func(b *testing.B) {
			job, err := jobfile.Load(writeBenchJob(b, c.ext, c.rows, c.dupEvery))
			if err != nil {
				b.Fatal(err)
			}
			debug.FreeOSMemory()
			reset := memstat.ResetPeak()
			base := float64(memstat.Peak()) / (1 << 20)
			var problems, rows int
			cpu0, start := cpuTime(), time.Now()
			for b.Loop() {
				problems = 0
				_, rows, err = Validate(job, ReadOptions{}, func(mapping.Problem) error { problems++; return nil })
				if err != nil {
					b.Fatal(err)
				}
			}
			elapsed, cpu := time.Since(start), cpuTime()-cpu0
			if rows != c.rows {
				b.Fatalf("%d rows", rows)
			}
			rate := float64(rows) * float64(b.N) / elapsed.Seconds()
			rss := float64(memstat.Peak()) / (1 << 20)
			b.ReportMetric(rate, "rows/s")
			b.ReportMetric(c.target, "target-rows/s")
			b.ReportMetric(rss, "peak-RSS-MB")
			if !reset {
				b.Logf("the peak RSS is the process's: /proc/self/clear_refs cannot be written")
			}
			b.Logf("%d rows (%d problems): %.0f rows/s (target %.0f; %.0f rows a CPU second), peak RSS %.0f MB (target < %d MB; %.0f MB before)",
				rows, problems, rate, c.target, float64(rows)*float64(b.N)/cpu.Seconds(), rss, validateRSSMB, base)
			if rate < c.target || rss >= validateRSSMB {
				b.Errorf("MISS validate %s %d rows: %.0f rows/s (want >= %.0f), peak RSS %.0f MB (want < %d)", c.ext, rows, rate, c.target, rss, validateRSSMB)
			}
		})
	}
}

// cpuTime is the user and system CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// validateRSSMB is the peak resident memory Validate must stay under.
const validateRSSMB = 150
