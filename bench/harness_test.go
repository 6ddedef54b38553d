package bench

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/jobs"
	"github.com/zoombulk/zoombulk/internal/results"
	"github.com/zoombulk/zoombulk/internal/zoom"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// The conditions of DESIGN.md section 7: 50 ms per answer, the business
// tier enforced by the sandbox, the client using all of it (share 1.0).
// The features rule is scaled from 10 s to 1 s in the sandbox and the
// client alike: the client's gate adds 1% + 10 ms to each interval, 2% at
// 1 s, so the ratio stays comparable with the real 10 s.
const (
	latency  = 50 * time.Millisecond
	interval = time.Second
	tier     = "business"
	seedPath = "../samples/sandbox-seed.yaml"
)

// startSandbox serves a sandbox on loopback with the sample seed and n
// generated users.
func startSandbox(b *testing.B, users int) *zoomtest.Server {
	b.Helper()
	seed, err := zoomtest.LoadSeed(seedPath)
	if err != nil {
		b.Fatal(err)
	}
	srv, err := zoomtest.Start("127.0.0.1:0", zoomtest.Options{
		Tier: tier, Latency: latency, FeaturesInterval: interval, Seed: seed, Users: users,
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(srv.Close)
	return srv
}

// newClient is the tool's client for srv; naive turns the pacing off, as a
// hand-written script has none.
func newClient(b *testing.B, srv *zoomtest.Server, naive bool) *zoom.Client {
	b.Helper()
	env := map[string]string{}
	for _, kv := range srv.Env() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	cfg := zoom.ConfigFromEnv(func(k string) string { return env[k] })
	cfg.Tier, cfg.Share = tier, 1
	cfg.FeaturesInterval = interval
	cfg.NoLimits = naive
	if naive {
		cfg.MaxAttempts = 1 // the script handles 429s itself (features)
	}
	c, err := zoom.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// cpuTime is the process's user + system CPU time so far. The sandbox runs
// in this process, so its share is included: per-row CPU is an upper bound
// for the tool's own.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// heapInUse is runtime.MemStats.HeapInuse, read without stopping the world.
func heapInUse() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/unused:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64() + s[1].Value.Uint64()
}

// heapPeak samples the heap in use every 50 ms until stop. (Every 5 ms
// costs about 15 ms of CPU a second, which would show in the per-row CPU.)
func heapPeak() (stop func() uint64) {
	var mu sync.Mutex
	peak := heapInUse()
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			v := heapInUse()
			mu.Lock()
			peak = max(peak, v)
			mu.Unlock()
		}
	}()
	return func() uint64 {
		close(done)
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		return max(peak, heapInUse())
	}
}

// snapshot is the state of the counters at one instant.
type snapshot struct {
	at     time.Time
	cpu    time.Duration
	client zoom.Stats
	srv    zoomtest.Stats
}

func take(c *zoom.Client, srv *zoomtest.Server) snapshot {
	return snapshot{at: time.Now(), cpu: cpuTime(), client: c.Stats(), srv: srv.Stats()}
}

// window is what happened between two snapshots.
type window struct {
	start, end snapshot
	// heap in use at the start and its peak during the window, in bytes.
	heapStart, heapPeak uint64
}

func (w *window) duration() time.Duration { return w.end.at.Sub(w.start.at) }
func (w *window) cpu() time.Duration      { return w.end.cpu - w.start.cpu }

// calls is the client's calls of a category in the window (each attempt
// counts, retries and 429s included).
func (w *window) calls(cat zoom.Category) int64 {
	return w.end.client.Calls[cat] - w.start.client.Calls[cat]
}

func (w *window) allCalls() int64 {
	return zoom.Total(w.end.client.Calls) - zoom.Total(w.start.client.Calls)
}

// rateLimited is the 429s the client met in the window, per-second and
// daily, by the client's count and the sandbox's (the larger is taken).
func (w *window) rateLimited() int64 {
	client := zoom.Total(w.end.client.QPS429) + zoom.Total(w.end.client.Daily429) -
		zoom.Total(w.start.client.QPS429) - zoom.Total(w.start.client.Daily429)
	var srv int64
	for k, v := range w.end.srv.QPS429 {
		srv += int64(v - w.start.srv.QPS429[k])
	}
	for k, v := range w.end.srv.Daily429 {
		srv += int64(v - w.start.srv.Daily429[k])
	}
	return max(client, srv)
}

// srvCalls is the sandbox's count of one endpoint in the window.
func (w *window) srvCalls(key string) int {
	return w.end.srv.Calls[key] - w.start.srv.Calls[key]
}

// stepEvents measures one step of a run: the window opens when the engine
// starts the step (the plan's reads are done) and closes when it finishes.
type stepEvents struct {
	jobs.NopEvents
	kind   jobfile.StepKind
	client *zoom.Client
	srv    *zoomtest.Server

	w        window
	stopHeap func() uint64
	seen     bool
}

func (e *stepEvents) StepStarted(step jobfile.Step, _ int) {
	if step.Kind != e.kind {
		return
	}
	runtime.GC()
	e.w.heapStart = heapInUse()
	e.stopHeap = heapPeak()
	e.w.start = take(e.client, e.srv)
}

func (e *stepEvents) StepFinished(step jobfile.Step) {
	if step.Kind != e.kind || e.stopHeap == nil {
		return
	}
	e.w.end = take(e.client, e.srv)
	e.w.heapPeak = e.stopHeap()
	e.seen = true
}

// runStep writes the input and the job, runs it with the tool's engine and
// measures the step of the given kind.
func runStep(b *testing.B, srv *zoomtest.Server, kind jobfile.StepKind, jobYAML string, header []string, rows [][]string) (*jobs.Summary, window) {
	b.Helper()
	dir := b.TempDir()
	writeCSV(b, filepath.Join(dir, "input.csv"), header, rows)
	jobPath := filepath.Join(dir, "job.yaml")
	if err := os.WriteFile(jobPath, []byte(jobYAML), 0o644); err != nil {
		b.Fatal(err)
	}
	job, err := jobfile.Load(jobPath)
	if err != nil {
		b.Fatal(err)
	}
	c := newClient(b, srv, false)
	ev := &stepEvents{kind: kind, client: c, srv: srv}
	r := &jobs.Runner{Client: c, Job: job, Events: ev, Opts: jobs.Options{OutDir: filepath.Join(dir, "run"), Version: "bench"}}
	sum, err := r.Run(context.Background())
	if err != nil {
		b.Fatalf("%s: %v", kind, err)
	}
	if !ev.seen {
		b.Fatalf("%s: the step never ran", kind)
	}
	if got := sum.Counts[results.Succeeded]; got != len(rows) {
		b.Fatalf("%s: %d of %d rows succeeded: %v", kind, got, len(rows), sum.Counts)
	}
	return sum, ev.w
}

func writeCSV(b *testing.B, path string, header []string, rows [][]string) {
	b.Helper()
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := csv.NewWriter(f)
	w.Write(header)
	w.WriteAll(rows)
	if err := w.Error(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
}

// naive times a hand-written script: one row at a time, one call per row,
// no pacing. It returns the time per row.
func naive(b *testing.B, n int, row func(ctx context.Context, i int) error) time.Duration {
	b.Helper()
	ctx := context.Background()
	start := time.Now()
	for i := range n {
		if err := row(ctx, i); err != nil {
			b.Fatalf("naive script, row %d: %v", i, err)
		}
	}
	return time.Since(start) / time.Duration(n)
}

// result is one line of the table; report hands it to the benchmark
// output, where bench/benchtable picks it up.
type result struct {
	rows       int
	calls      int64
	dur, bound time.Duration
	ratio      float64 // bound / duration; features: duration / (calls × interval)
	limited    int64
	cpu        time.Duration
	heapPeak   uint64
	heapStart  uint64
	naiveRow   time.Duration // 0: no baseline
	naiveRows  int
	target     float64 // the ratio to reach
	atMost     bool    // the target is a ceiling (features)
}

func (r result) met() bool {
	pct := float64(r.limited) / float64(max(r.calls, 1)) * 100
	ok := pct < 0.5
	if r.atMost {
		return ok && r.ratio <= r.target
	}
	return ok && r.ratio >= r.target
}

func (r result) report(b *testing.B, what string) {
	b.Helper()
	pct := float64(r.limited) / float64(max(r.calls, 1)) * 100
	b.ReportMetric(float64(r.rows), "rows")
	b.ReportMetric(float64(r.calls), "calls")
	b.ReportMetric(r.dur.Seconds(), "dur-s")
	b.ReportMetric(r.bound.Seconds(), "bound-s")
	b.ReportMetric(r.ratio, "ratio")
	b.ReportMetric(r.target, "target")
	b.ReportMetric(float64(r.limited), "429s")
	b.ReportMetric(pct, "429-pct")
	b.ReportMetric(r.cpu.Seconds()*1000/float64(r.rows)*1000, "cpu-ms/1k-rows")
	b.ReportMetric(float64(r.heapPeak)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(r.heapPeak-min(r.heapPeak, r.heapStart))/(1<<20), "step-heap-MB")
	met := 0.0
	if r.met() {
		met = 1
	}
	b.ReportMetric(met, "met")
	if r.naiveRow > 0 {
		naiveTotal := r.naiveRow * time.Duration(r.rows)
		b.ReportMetric(float64(r.naiveRow)/float64(time.Millisecond), "naive-ms/row")
		b.ReportMetric(float64(r.naiveRows), "naive-rows")
		b.ReportMetric(naiveTotal.Seconds()/r.dur.Seconds(), "speedup")
	}
	b.Logf("%s: %d rows, %d calls in %s; rate-limit bound %s; ratio %.3f (target %s %.2f); %d 429s (%.2f%%); CPU %.0f ms per 1,000 rows; peak heap %.0f MB",
		what, r.rows, r.calls, r.dur.Round(time.Millisecond), r.bound.Round(time.Millisecond), r.ratio,
		map[bool]string{true: "≤", false: "≥"}[r.atMost], r.target, r.limited, pct,
		r.cpu.Seconds()*1000/float64(r.rows)*1000, float64(r.heapPeak)/(1<<20))
	if r.naiveRow > 0 {
		b.Logf("%s: naive script %s per row (measured on %d rows, extrapolated to %d): %.1f× slower",
			what, r.naiveRow.Round(100*time.Microsecond), r.naiveRows, r.rows, float64(r.naiveRow*time.Duration(r.rows))/float64(r.dur))
	}
	if !r.met() {
		b.Errorf("%s: DESIGN.md section 7 target missed: ratio %.3f (want %s %.2f), 429s %.2f%% of calls (want < 0.5%%)",
			what, r.ratio, map[bool]string{true: "≤", false: "≥"}[r.atMost], r.target, pct)
	}
}

// perCall is the result of per-row (or per-batch) steps paced by one
// category: the bound is the calls at the category's rate.
func perCall(c *zoom.Client, w window, cat zoom.Category, rows int, target float64) result {
	calls := w.calls(cat)
	bound := time.Duration(float64(calls) / c.Rate(cat) * float64(time.Second))
	return result{
		rows: rows, calls: w.allCalls(), dur: w.duration(), bound: bound,
		ratio: bound.Seconds() / w.duration().Seconds(), limited: w.rateLimited(),
		cpu: w.cpu(), heapPeak: w.heapPeak, heapStart: w.heapStart, target: target,
	}
}
