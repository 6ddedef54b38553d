package jobs

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/zoombulk/zoombulk/internal/jobfile"

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
// with a problem, as a real file has.
func benchRow(i int) []string {
	licenses := []string{"Licensed", "Basic", "Unassigned"}
	seats := []string{"500", "1000", "none", ""}
	email := fmt.Sprintf("user%06d@example.com", i)
	if i%50 == 7 {
		email = fmt.Sprintf("user%06d@@example", i)
	}
	return []string{
		email, fmt.Sprintf("First%d", i), fmt.Sprintf("Last%d", i), licenses[i%3],
		fmt.Sprintf("Department %d", i%40), "Engineer", fmt.Sprintf("Group %d", i%25),
		fmt.Sprintf("Division %d", i%5), seats[i%4], []string{"active", "inactive"}[i%2],
	}
}

func writeBenchCSV(b *testing.B, path string) {
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
	for i := 0; i < benchRows; i++ {
		line(benchRow(i))
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
}

func writeBenchXLSX(b *testing.B, path string) {
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
	for i := 0; i < benchRows; i++ {
		put(i+2, benchRow(i))
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

func benchValidate(b *testing.B, ext string, budget time.Duration) {
	dir := b.TempDir()
	input := filepath.Join(dir, "users"+ext)
	if ext == ".csv" {
		writeBenchCSV(b, input)
	} else {
		writeBenchXLSX(b, input)
	}
	jobPath := filepath.Join(dir, "job.yaml")
	if err := os.WriteFile(jobPath, []byte("version: 1\ninput: users"+ext+"\n"+benchJobFields), 0o644); err != nil {
		b.Fatal(err)
	}
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

func BenchmarkValidate100kCSV(b *testing.B)  { benchValidate(b, ".csv", budgetCSV) }
func BenchmarkValidate100kXLSX(b *testing.B) { benchValidate(b, ".xlsx", budgetXLSX) }
