package bench

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zoombulk/zoombulk/internal/export"
	"github.com/zoombulk/zoombulk/internal/jobs"
	"github.com/zoombulk/zoombulk/internal/memstat"
	"github.com/zoombulk/zoombulk/internal/zoom"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// pagedPage is the users a List users page holds on many Zoom accounts,
// whatever page_size asks: the sandbox serves that many (--page-size 300).
const pagedPage = 300

// pagingSetups are the setups of the 300-a-page export: the CLI's default
// and the whole business tier, at 300 ms an answer.
var pagingSetups = []setup{
	{"pro", zoom.DefaultShare, 300 * time.Millisecond},
	{"business", 1, 300 * time.Millisecond},
}

// perSecondSetups are the setups of the creates against a front that
// counts calls per clock second: the whole business tier (--share 1.0).
var perSecondSetups = []setup{
	{"business", 1, 50 * time.Millisecond},
	{"business", 1, 300 * time.Millisecond},
}

// perSecondCreates is the creates sent at --share 1.0.
const perSecondCreates = 500

// runPagingBenchmarks adds the paging and pacing rows to BenchmarkAPI:
//
//	go test ./bench -run '^$' -bench 'API/(export_users_300|create_users_per_second)' -benchtime 1x
func runPagingBenchmarks(b *testing.B) {
	b.Run("export_users_300", func(b *testing.B) { runPerSetup(b, pagingSetups, benchExport300) })
	b.Run("create_users_per_second", func(b *testing.B) { runPerSetup(b, perSecondSetups, benchCreatesPerSecond) })
}

// benchExport300 exports 100,000 users from an account that grants 300
// users a page, at 300 ms an answer, with the CLI's default flags (pages by
// number when the chain of tokens would be slow). The target: within 1.2 ×
// the numbered pages' rate bound (the listing's calls at the Medium rate)
// + 3 s. The chain of tokens would take 334 × 300 ms = 100 s.
func benchExport300(b *testing.B, s setup) {
	srv := startSandboxWith(b, s, exportUsers, func(o *zoomtest.Options) { o.UserPageSize = pagedPage })
	total := len(srv.Users())
	c := newClient(b, srv, s, false)
	path := filepath.Join(b.TempDir(), "users.xlsx")
	runtime.GC()
	var w window
	w.rssReset = memstat.ResetPeak()
	w.start = take(c, srv)
	res, err := export.Users(context.Background(), c, path, export.UsersOptions{PageNumbers: true})
	w.end = take(c, srv)
	w.rss = memstat.Peak()
	if err != nil {
		b.Fatal(err)
	}
	calls := w.calls(zoom.Medium)
	bound := time.Duration(float64(calls) / c.Rate(zoom.Medium) * float64(time.Second))
	target := time.Duration(1.2*float64(bound)) + exportSlack
	r := result{
		s: s, rows: res.Rows, calls: w.allCalls(), dur: w.duration(), bound: bound,
		ratio: w.duration().Seconds() / target.Seconds(), target: 1, atMost: true,
		limited: w.rateLimited(), cpu: w.cpu(), rss: w.rss, rssReset: w.rssReset,
	}
	if res.Rows != total {
		r.problems = append(r.problems, fmt.Sprintf("%d rows exported, the account has %d users", res.Rows, total))
	}
	if least := int64(total / pagedPage); calls < least {
		r.problems = append(r.problems, fmt.Sprintf("%d listing calls: the sandbox did not serve %d a page", calls, pagedPage))
	}
	r.report(b, "export_users_300")
}

// clockSecondFront stands before the sandbox and counts the Light calls
// that arrive in each clock second, as Zoom counts them; past the limit it
// answers Zoom's per-second 429 itself.
type clockSecondFront struct {
	limit    int
	mu       sync.Mutex
	sec      int64
	n        int
	most     int // the most Light calls that arrived in one clock second
	rejected atomic.Int64
}

func (f *clockSecondFront) start(b *testing.B, srv *zoomtest.Server) string {
	target, _ := url.Parse(srv.URL())
	proxy := httputil.NewSingleHostReverseProxy(target)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Every Light call counts, as at Zoom: the creates and the reads
		// after them, and whatever else of the category the run sends.
		if zoomtest.CategoryOf(r.Method, r.URL.Path) == zoom.Light.String() {
			now := time.Now().Unix()
			f.mu.Lock()
			if now != f.sec {
				f.sec, f.n = now, 0
			}
			f.n++
			over := f.n > f.limit
			f.most = max(f.most, f.n)
			f.mu.Unlock()
			if over {
				f.rejected.Add(1)
				h := w.Header()
				h.Set("Content-Type", "application/json")
				h.Set("X-RateLimit-Category", "Light")
				h.Set("X-RateLimit-Type", "QPS")
				h.Set("X-RateLimit-Limit", fmt.Sprint(f.limit))
				h.Set("X-RateLimit-Remaining", "0")
				h.Set("Retry-After", "1")
				w.WriteHeader(http.StatusTooManyRequests)
				fmt.Fprint(w, `{"code":429,"message":"You have reached the maximum per-second rate limit for this API. Try again later."}`)
				return
			}
		}
		proxy.ServeHTTP(w, r)
	}))
	b.Cleanup(front.Close)
	return front.URL + strings.TrimPrefix(srv.APIURL(), srv.URL())
}

// load keeps every core busy until stop, with one busy process per core
// beside the benchmark's (the machine of an admin who runs zoombulk while
// doing something else, and the stalls it brings). Processes, not
// goroutines: goroutines that never block would hold the benchmark's own
// Go processors, a load no other program puts on zoombulk.
func load(b *testing.B) (stop func()) {
	var cmds []*exec.Cmd
	for range runtime.NumCPU() {
		cmd := exec.Command("sh", "-c", "while :; do :; done")
		if err := cmd.Start(); err != nil {
			b.Logf("no load: %v", err)
			break
		}
		cmds = append(cmds, cmd)
	}
	return func() {
		for _, cmd := range cmds {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}
}

// benchCreatesPerSecond sends 500 creates with the whole of the tier's
// Light rate (--share 1.0) through a front that counts calls per clock
// second, as Zoom does, while every core is kept busy: no 429, and at
// least 0.97 of the rate's bound.
func benchCreatesPerSecond(b *testing.B, s setup) {
	srv := startSandbox(b, s, 0)
	front := &clockSecondFront{limit: int(zoom.Tiers[s.tier].PerSecond[zoom.Light])}
	apiURL := front.start(b, srv)
	var rows [][]string
	for i := range perSecondCreates {
		rows = append(rows, []string{fmt.Sprintf("sec%05d@bench.example", i), "First", fmt.Sprintf("Second%d", i)})
	}
	job := `version: 1
name: bench-per-second
input: { path: input.csv }
fields:
  email: Email
  first_name: First Name
  last_name: Last Name
  type: { default: 1 }
steps:
  - create_users: { action: create }
`
	stop := func() {}
	if os.Getenv("ZOOMBULK_BENCH_NOLOAD") == "" {
		stop = load(b)
	}
	c := newClientAt(b, srv, apiURL, s, false)
	w, est := runStepWith(b, srv, c, jobs.CreateUsers, job, []string{"Email", "First Name", "Last Name"}, rows)
	stop()
	res := perCall(c, s, w, est, zoom.Light, len(rows))
	res.limited = max(res.limited, front.rejected.Load())
	front.mu.Lock()
	most := front.most
	front.mu.Unlock()
	if most > front.limit {
		res.problems = append(res.problems, fmt.Sprintf("%d Light calls arrived in one clock second, the limit is %d", most, front.limit))
	}
	b.Logf("create_users_per_second %s: at most %d Light calls in one clock second (limit %d), %d answered 429 by the front",
		s.name(), most, front.limit, front.rejected.Load())
	res.report(b, "create_users_per_second")
}
