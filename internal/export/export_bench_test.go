package export

import (
	"context"
	"os"
	"runtime"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zoombulk/zoombulk/internal/zoom"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// heapPeak samples the heap every few milliseconds until stopped and
// returns the largest value seen, in bytes.
func heapPeak() (stop func() uint64) {
	const name = "/memory/classes/heap/objects:bytes"
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s := []metrics.Sample{{Name: name}}
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 {
		close(done)
		wg.Wait()
		return peak.Load()
	}
}

func heapNow() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// BenchmarkExportUsers100k: the target is 100,000 users
// exported to XLSX in the listing's rate-limit time + 10 s, under 300 MB.
// The sandbox (in this process, so its 100,000 users count in the heap too)
// answers after 50 ms, enforces the business tier, and the client uses all
// of it (share 1.0).
//
//	go test ./internal/export -run '^$' -bench ExportUsers100k -benchtime 1x
func BenchmarkExportUsers100k(b *testing.B) {
	const n = 100_000
	srv := exSandbox(b, zoomtest.Options{Users: n, Latency: 50 * time.Millisecond, Tier: "business"})
	c := exClient(b, srv, "", func(cfg *zoom.Config) { cfg.Share = 1 })
	byStatus := map[string]int{}
	users := srv.Users()
	for _, u := range users {
		byStatus[u.Status]++
	}
	total := len(users)
	users = nil
	pages := 0
	for _, s := range AllStatuses {
		pages += (byStatus[s] + 1999) / 2000
	}
	bound := time.Duration(float64(pages) / c.Rate(zoom.Medium) * float64(time.Second))
	dir := b.TempDir()
	path := exPath(dir, "users.xlsx")
	runtime.GC()
	base := heapNow()
	stop := heapPeak()
	b.ResetTimer()
	var elapsed time.Duration
	for b.Loop() {
		start := time.Now()
		res, err := ExportUsers(context.Background(), c, path, UsersOptions{})
		if err != nil {
			b.Fatal(err)
		}
		elapsed += time.Since(start)
		if res.Rows != total || res.Pages != pages {
			b.Fatalf("%d rows in %d pages, want %d in %d", res.Rows, res.Pages, total, pages)
		}
	}
	peak := stop()
	b.StopTimer()
	per := elapsed / time.Duration(b.N)
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(per.Seconds(), "s/export")
	b.ReportMetric(bound.Seconds(), "bound-s")
	b.ReportMetric(per.Seconds()/bound.Seconds(), "x-bound")
	b.ReportMetric(float64(total)/per.Seconds(), "users/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(peak-min(peak, base))/(1<<20), "export-heap-MB")
	b.ReportMetric(float64(st.Size())/(1<<20), "file-MB")
	if limit := bound + 10*time.Second; per > limit {
		b.Errorf("export took %s; the target is at most the listing bound %s + 10 s = %s", per, bound, limit)
	}
	if peak > 300<<20 {
		b.Errorf("peak heap %d MB; the target is under 300 MB", peak>>20)
	}
}
