package sheet

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

const benchRows = 100_000

// heapPeak samples the live heap every 20 ms until stopped and
// reports the highest value in MB.
type heapPeak struct {
	peak atomic.Uint64
	stop chan struct{}
	wg   sync.WaitGroup
}

func startHeapPeak() *heapPeak {
	runtime.GC()
	h := &heapPeak{stop: make(chan struct{})}
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		var ms runtime.MemStats
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > h.peak.Load() {
				h.peak.Store(ms.HeapAlloc)
			}
			select {
			case <-h.stop:
				return
			case <-t.C:
			}
		}
	}()
	return h
}

func (h *heapPeak) done() float64 {
	close(h.stop)
	h.wg.Wait()
	return float64(h.peak.Load()) / (1 << 20)
}

func benchCSV(b *testing.B) string { return benchCSVRows(b, benchRows) }

func benchCSVRows(b *testing.B, rows int) string {
	b.Helper()
	p := filepath.Join(b.TempDir(), "users.csv")
	f, err := os.Create(p)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprint(w, "\uFEFFEmail,First Name,Last Name,License,Department,Group,Division,Phone,Webinar seats,Note\r\n")
	for i := range rows {
		fmt.Fprintf(w, "user%06d@example.com,Firstname%d,Müller-Lastname,Licensed,Dept %d,\"Group, %d\",Division %d,+1 555 %07d,500,\"a note about row %d\"\r\n",
			i, i, i%40, i%25, i%7, i, i)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return p
}

func benchXLSX(b *testing.B) string {
	b.Helper()
	p := filepath.Join(b.TempDir(), "users.xlsx")
	wb := NewWorkbook()
	cols := []Column{{Header: "Email"}, {Header: "First Name"}, {Header: "Last Name"}, {Header: "License"}, {Header: "Department"},
		{Header: "Seats", Kind: Integer}, {Header: "Phone", Kind: Integer}, {Header: "Start", Kind: Date}, {Header: "Ratio", Kind: Number}, {Header: "Active", Kind: Bool}}
	tw, err := wb.AddTable(Table{Name: "Users", Columns: cols})
	if err != nil {
		b.Fatal(err)
	}
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := range benchRows {
		err := tw.WriteRow([]Cell{
			TextCell(fmt.Sprintf("user%06d@example.com", i)), TextCell(fmt.Sprintf("Firstname%d", i)), TextCell("Müller"),
			TextCell("Licensed"), TextCell(fmt.Sprintf("Dept %d", i%40)), IntCell(500), IntCell(6589310093 + int64(i)),
			DateCell(day.AddDate(0, 0, i%365)), NumberCell(float64(i) / 8), BoolCell(i%2 == 0),
		}, Plain)
		if err != nil {
			b.Fatal(err)
		}
	}
	if err := wb.SaveAs(p); err != nil {
		b.Fatal(err)
	}
	return p
}

// benchXLSXShared writes the same data in excelize's normal mode, which
// uses a shared strings table as Excel does.
func benchXLSXShared(b *testing.B) string {
	b.Helper()
	p := filepath.Join(b.TempDir(), "shared.xlsx")
	f := excelize.NewFile()
	defer f.Close()
	dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		b.Fatal(err)
	}
	header := []any{"Email", "First Name", "Last Name", "License", "Department", "Seats", "Phone", "Start", "Ratio", "Active"}
	if err := f.SetSheetRow("Sheet1", "A1", &header); err != nil {
		b.Fatal(err)
	}
	for i := range benchRows {
		row := []any{fmt.Sprintf("user%06d@example.com", i), fmt.Sprintf("Firstname%d", i), "Müller", "Licensed",
			fmt.Sprintf("Dept %d", i%40), 500, 6589310093 + int64(i), 46082 + i%365, float64(i) / 8, i%2 == 0}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := f.SetSheetRow("Sheet1", cell, &row); err != nil {
			b.Fatal(err)
		}
	}
	if err := f.SetColStyle("Sheet1", "H", dateStyle); err != nil {
		b.Fatal(err)
	}
	if err := f.SaveAs(p); err != nil {
		b.Fatal(err)
	}
	return p
}

func benchRead(b *testing.B, path string) { benchReadRows(b, path, benchRows) }

func benchReadRows(b *testing.B, path string, benchRows int) {
	b.ReportAllocs()
	var peak float64
	b.ResetTimer()
	for b.Loop() {
		h := startHeapPeak()
		r, err := Open(path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		n, start := 0, -1
		for i, h := range r.Header() {
			if h == "Start" {
				start = i
			}
		}
		for {
			row, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
			if start >= 0 && n == benchRows && !strings.HasPrefix(row.Cells[start], "202") {
				b.Fatalf("Start is not a date: %q", row.Cells[start])
			}
		}
		if err := r.Close(); err != nil {
			b.Fatal(err)
		}
		if n != benchRows {
			b.Fatalf("read %d rows", n)
		}
		peak = max(peak, h.done())
	}
	b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(peak, "peak-heap-MB")
}

// BenchmarkReadCSV1M reads a million rows through the All iterator, for
// the streaming targets: peak RSS (run the test binary under
// /usr/bin/time -v) and rows/s.
func BenchmarkReadCSV1M(b *testing.B) {
	benchReadRows(b, benchCSVRows(b, 1_000_000), 1_000_000)
}

func BenchmarkReadCSV100k(b *testing.B) {
	benchRead(b, benchCSV(b))
}

// BenchmarkReadXLSX100k reads a workbook written by our Workbook (inline
// strings).
func BenchmarkReadXLSX100k(b *testing.B) {
	benchRead(b, benchXLSX(b))
}

// BenchmarkReadXLSX100kShared reads one with a shared strings table, as
// Excel and LibreOffice write them.
func BenchmarkReadXLSX100kShared(b *testing.B) {
	benchRead(b, benchXLSXShared(b))
}

// BenchmarkWriteXLSX100k writes 100,000 rows x 20 columns.
func BenchmarkWriteXLSX100k(b *testing.B) {
	const width = 20
	cols := make([]Column, width)
	for i := range cols {
		cols[i] = Column{Header: fmt.Sprintf("Column %d", i+1)}
		switch i % 4 {
		case 1:
			cols[i].Kind = Integer
		case 2:
			cols[i].Kind = Date
		}
	}
	cells := make([]Cell, width)
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	dir := b.TempDir()
	b.ReportAllocs()
	var peak float64
	b.ResetTimer()
	for b.Loop() {
		h := startHeapPeak()
		wb := NewWorkbook()
		tw, err := wb.AddTable(Table{Name: "Users", Columns: cols})
		if err != nil {
			b.Fatal(err)
		}
		for r := range benchRows {
			for i := range cells {
				switch i % 4 {
				case 1:
					cells[i] = IntCell(int64(r * i))
				case 2:
					cells[i] = DateCell(day.AddDate(0, 0, r%365))
				default:
					cells[i] = TextCell(fmt.Sprintf("value %d/%d", r, i))
				}
			}
			style := Plain
			if r%50 == 0 {
				style = Failed
			}
			if err := tw.WriteRow(cells, style); err != nil {
				b.Fatal(err)
			}
		}
		if err := wb.SaveAs(filepath.Join(dir, "out.xlsx")); err != nil {
			b.Fatal(err)
		}
		peak = max(peak, h.done())
	}
	b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(peak, "peak-heap-MB")
}
