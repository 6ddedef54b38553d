package bench

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/jobs"
	"github.com/zoombulk/zoombulk/internal/memstat"
	"github.com/zoombulk/zoombulk/internal/results"
	"github.com/zoombulk/zoombulk/internal/zoom"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// Every API benchmark runs under one setup: the tier the sandbox enforces
// (and the client is told), the share of it the client uses, and the time
// the sandbox takes to answer every API call. The features rule is scaled
// from Zoom's 10 s to 1 s in the sandbox and the client alike.
const (
	interval = time.Second
	seedPath = "../samples/sandbox-seed.yaml"
)

type setup struct {
	tier    string
	share   float64
	latency time.Duration
}

// name is the sub-benchmark's name: tier_share/latency, e.g.
// pro_0.8/300ms (the CLI's default tier and share at 300 ms).
func (s setup) name() string {
	return fmt.Sprintf("%s_%.1f/%dms", s.tier, s.share, s.latency.Milliseconds())
}

// startSandbox serves a sandbox on loopback with the sample seed and n
// generated users; it enforces s.tier's whole limits, of which the client
// takes s.share.
func startSandbox(b *testing.B, s setup, users int) *zoomtest.Server {
	return startSandboxWith(b, s, users, nil)
}

// startSandboxWith is startSandbox with options changed by tweak (the
// page size the account grants, ...).
func startSandboxWith(b *testing.B, s setup, users int, tweak func(*zoomtest.Options)) *zoomtest.Server {
	b.Helper()
	seed, err := zoomtest.LoadSeed(seedPath)
	if err != nil {
		b.Fatal(err)
	}
	opts := zoomtest.Options{
		Tier: s.tier, Latency: s.latency, FeaturesInterval: interval, Seed: seed, Users: users,
	}
	if tweak != nil {
		tweak(&opts)
	}
	srv, err := zoomtest.Start("127.0.0.1:0", opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(srv.Close)
	return srv
}

// newClient is the tool's client for srv; script turns the pacing off and
// retries off, as a hand-written script has neither (it handles 429s
// itself, see retry429).
func newClient(b *testing.B, srv *zoomtest.Server, s setup, script bool) *zoom.Client {
	return newClientAt(b, srv, "", s, script)
}

// newClientAt is newClient sending its API calls to apiURL (a front
// before the sandbox) when it is not "".
func newClientAt(b *testing.B, srv *zoomtest.Server, apiURL string, s setup, script bool) *zoom.Client {
	b.Helper()
	getenv := cliEnv(srv)
	cfg := zoom.ConfigFromEnv(func(k string) string {
		if k == "ZOOM_API_URL" && apiURL != "" {
			return apiURL
		}
		return getenv(k)
	})
	cfg.Tier, cfg.Share = s.tier, s.share
	cfg.FeaturesInterval = interval
	cfg.NoLimits = script
	if script {
		cfg.MaxAttempts = 1
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
	// rss is the process's peak resident memory in the window (bytes);
	// rssReset says whether the peak was reset at the window's start.
	rss      uint64
	rssReset bool
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
	plan     *jobs.Plan
}

func (e *stepEvents) Planned(p *jobs.Plan) { e.plan = p }

// estimate is the plan's time for the step of kind k.
func (e *stepEvents) estimate() time.Duration {
	if e.plan == nil {
		return 0
	}
	for _, sp := range e.plan.Steps {
		if sp.Kind == string(e.kind) {
			return sp.Duration
		}
	}
	return 0
}

func (e *stepEvents) StepStarted(step jobfile.Step, _ int) {
	if step.Kind != e.kind {
		return
	}
	runtime.GC()
	e.w.heapStart = heapInUse()
	e.stopHeap = heapPeak()
	e.w.rssReset = memstat.ResetPeak()
	e.w.start = take(e.client, e.srv)
}

func (e *stepEvents) StepFinished(step jobfile.Step) {
	if step.Kind != e.kind || e.stopHeap == nil {
		return
	}
	e.w.end = take(e.client, e.srv)
	e.w.heapPeak = e.stopHeap()
	e.w.rss = memstat.Peak()
	e.seen = true
}

// runStep writes the input and the job, runs it with the tool's engine and
// measures the step of the given kind.
func runStep(b *testing.B, srv *zoomtest.Server, s setup, kind jobfile.StepKind, jobYAML string, header []string, rows [][]string) (window, time.Duration) {
	b.Helper()
	return runStepWith(b, srv, newClient(b, srv, s, false), kind, jobYAML, header, rows)
}

// runStepWith is runStep with the client given.
func runStepWith(b *testing.B, srv *zoomtest.Server, c *zoom.Client, kind jobfile.StepKind, jobYAML string, header []string, rows [][]string) (window, time.Duration) {
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
	return ev.w, ev.estimate()
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

// script times a hand-written script: one call at a time, no pacing, no
// concurrency. A 429 makes it wait (wait429) and send the call again, as
// a script written against Zoom's documentation would. It returns the time
// per call; the caller extrapolates it to the step's rows or calls.
func script(b *testing.B, n int, wait429 time.Duration, call func(ctx context.Context, i int) error) time.Duration {
	b.Helper()
	ctx := context.Background()
	start := time.Now()
	for i := range n {
		for {
			err := call(ctx, i)
			var api *zoom.APIError
			if errors.As(err, &api) && api.HTTPStatus == http.StatusTooManyRequests {
				time.Sleep(wait429)
				continue
			}
			if err != nil {
				b.Fatalf("script, call %d: %v", i, err)
			}
			break
		}
	}
	return time.Since(start) / time.Duration(n)
}

// result is one line of the table; report hands it to the benchmark
// output, where bench/benchtable picks it up.
type result struct {
	s          setup
	rows       int
	calls      int64
	dur, bound time.Duration
	ratio      float64 // bound / duration; features: duration / bound
	target     float64 // the ratio to reach
	atMost     bool    // the target is a ceiling (features, export)
	limited    int64   // 429s in the step's window
	cpu        time.Duration
	rss        uint64
	rssReset   bool
	estimate   time.Duration // the plan's, 0 when there is none (export)

	// The sequential script: seqPer per row measured on seqN rows. The
	// batching script (only where the API batches): batchPer per call,
	// measured on batchN calls, extrapolated to the calls the engine made.
	seqPer   time.Duration
	seqN     int
	batchPer time.Duration
	batchN   int

	problems []string // checks that failed besides the ratio
}

func (r result) rateMet() bool {
	if r.limited != 0 || len(r.problems) > 0 {
		return false
	}
	if r.atMost {
		return r.ratio <= r.target
	}
	return r.ratio >= r.target
}

func (r result) estRatio() float64 { return r.estimate.Seconds() / r.dur.Seconds() }

func (r result) estMet() bool {
	return r.estimate == 0 || (r.estRatio() >= 0.75 && r.estRatio() <= 1.25)
}

func flag(ok bool) float64 {
	if ok {
		return 1
	}
	return 0
}

func (r result) report(b *testing.B, what string) {
	b.Helper()
	b.ReportMetric(float64(r.rows), "rows")
	b.ReportMetric(float64(r.calls), "calls")
	b.ReportMetric(r.dur.Seconds(), "dur-s")
	b.ReportMetric(r.bound.Seconds(), "bound-s")
	b.ReportMetric(r.ratio, "ratio")
	b.ReportMetric(r.target, "target")
	b.ReportMetric(flag(r.atMost), "at-most")
	b.ReportMetric(float64(r.limited), "429s")
	b.ReportMetric(r.cpu.Seconds()*1000/float64(r.rows)*1000, "cpu-ms/1k-rows")
	b.ReportMetric(float64(r.rss)/(1<<20), "rss-MB")
	b.ReportMetric(flag(r.rssReset), "rss-step")
	b.ReportMetric(flag(r.rateMet()), "met")
	if r.estimate > 0 {
		b.ReportMetric(r.estimate.Seconds(), "est-s")
		b.ReportMetric(r.estRatio(), "est/actual")
		b.ReportMetric(flag(r.estMet()), "est-met")
	}
	if r.seqPer > 0 {
		total := r.seqPer * time.Duration(r.rows)
		b.ReportMetric(total.Seconds(), "seq-s")
		b.ReportMetric(float64(r.seqN), "seq-rows")
		b.ReportMetric(total.Seconds()/r.dur.Seconds(), "seq-speedup")
	}
	if r.batchPer > 0 {
		total := r.batchPer * time.Duration(r.calls)
		b.ReportMetric(total.Seconds(), "batch-s")
		b.ReportMetric(float64(r.batchN), "batch-calls")
		b.ReportMetric(total.Seconds()/r.dur.Seconds(), "batch-speedup")
	}
	cmp := map[bool]string{true: "≤", false: "≥"}[r.atMost]
	est := "no plan"
	if r.estimate > 0 {
		est = fmt.Sprintf("plan's estimate %s (%.2f of actual)", r.estimate.Round(time.Millisecond), r.estRatio())
	}
	b.Logf("%s %s: %d rows, %d calls in %s; bound %s; ratio %.3f (target %s %.2f); %d 429s; %s; peak RSS %.0f MB",
		what, r.s.name(), r.rows, r.calls, r.dur.Round(time.Millisecond), r.bound.Round(time.Millisecond), r.ratio,
		cmp, r.target, r.limited, est, float64(r.rss)/(1<<20))
	// Misses do not fail the benchmark: a failed benchmark prints no
	// metrics, and the table must show the numbers of a miss.
	// bench/benchtable marks the row and exits non-zero.
	for _, p := range r.problems {
		b.Logf("MISS %s/%s: %s", what, r.s.name(), p)
	}
	if !r.rateMet() {
		b.Logf("MISS %s/%s: ratio %.3f (want %s %.2f), %d 429s (want 0)", what, r.s.name(), r.ratio, cmp, r.target, r.limited)
	}
	if !r.estMet() {
		b.Logf("MISS %s/%s: the plan's estimate %s is %.2f of the actual %s (want 0.75-1.25)",
			what, r.s.name(), r.estimate.Round(time.Millisecond), r.estRatio(), r.dur.Round(time.Millisecond))
	}
}

// rateBound is the least time n calls of a category can take at the
// client's rate: n calls need (n-1) gaps of 1/rate between the first and
// the last send, and the last answer still takes the latency.
func rateBound(c *zoom.Client, cat zoom.Category, n int64, latency time.Duration) time.Duration {
	if n == 0 {
		return 0
	}
	return time.Duration(float64(n-1)/c.Rate(cat)*float64(time.Second)) + latency
}

// perCall is the result of per-row (or per-batch) steps paced by one
// category.
func perCall(c *zoom.Client, s setup, w window, est time.Duration, cat zoom.Category, rows int) result {
	bound := rateBound(c, cat, w.calls(cat), s.latency)
	return result{
		s: s, rows: rows, calls: w.allCalls(), dur: w.duration(), bound: bound,
		ratio: bound.Seconds() / w.duration().Seconds(), target: rateTarget, limited: w.rateLimited(),
		cpu: w.cpu(), rss: w.rss, rssReset: w.rssReset, estimate: est,
	}
}

func (s setup) tierName() string    { return fmt.Sprintf("%s_%.1f", s.tier, s.share) }
func (s setup) latencyName() string { return fmt.Sprintf("%dms", s.latency.Milliseconds()) }
