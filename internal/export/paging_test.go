package export

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zoombulk/zoombulk/internal/zoom"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// TestNumberedPagesThatDoNotAddUpAreListedAgainByToken: a user removed
// while the pages are read by number shifts every later page by one, so
// one user would be missed. The export sees that the pages do not add up
// to total_records, lists the status again by token, and writes every
// user once: the removed one (already written from the first page) and
// every other.
func TestNumberedPagesThatDoNotAddUpAreListedAgainByToken(t *testing.T) {
	srv := exSandbox(t, zoomtest.Options{Users: 400, NoRateLimits: true})
	before := srv.Users()
	var gone zoomtest.User
	for _, u := range before {
		if u.Status == zoom.StatusActive && u.Role == "member" {
			gone = u // the first active member: on the first page
			break
		}
	}
	admin := exClient(t, srv, "", nil)
	target, _ := url.Parse(srv.URL())
	proxy := httputil.NewSingleHostReverseProxy(target)
	var once sync.Once
	var numbered, tokens atomic.Int64
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		active := strings.HasSuffix(r.URL.Path, "/users") && q.Get("status") == zoom.StatusActive
		if active && q.Has("page_number") {
			numbered.Add(1)
		}
		if active && q.Has("next_page_token") {
			tokens.Add(1)
		}
		proxy.ServeHTTP(w, r)
		if active && q.Get("page_number") == "2" {
			// Removed by someone else, once page 2 is read.
			once.Do(func() {
				if err := admin.DeleteUser(context.Background(), gone.ID, zoom.DeleteOptions{Action: "delete"}); err != nil {
					t.Error(err)
				}
			})
		}
	}))
	t.Cleanup(front.Close)
	c := exClient(t, srv, front.URL+strings.TrimPrefix(srv.APIURL(), srv.URL()), nil)
	path := exPath(t.TempDir(), "users.csv")
	res, err := Users(context.Background(), c, path, UsersOptions{PageSize: 30, PageNumbers: true, ListWorkers: 3})
	if err != nil {
		t.Fatal(err)
	}
	// Page 2 is read alone, then page 3 shows the shift; the pages after
	// it may be cancelled before they reach the front.
	if numbered.Load() < 2 || tokens.Load() == 0 {
		t.Errorf("%d numbered and %d token calls for the active users: the test did not page by number, then by token", numbered.Load(), tokens.Load())
	}
	tb := exRead(t, path, "")
	col := tb.col(t, "Email")
	got := map[string]int{}
	for _, row := range tb.rows {
		got[strings.ToLower(row[col])]++
	}
	for _, u := range before {
		if n := got[strings.ToLower(u.Email)]; n != 1 {
			t.Errorf("%s (%s) is in the export %d times, want once", u.Email, u.Status, n)
		}
	}
	if res.Rows != len(before) {
		t.Errorf("%d rows, want %d", res.Rows, len(before))
	}
}

// TestPagingByNumberWhenTheChainIsSlow: the pages of a status are fetched
// by number when following the tokens one after the other would take more
// than twice the rate's bound (Zoom's 300 a page at 300 ms), with enough
// fetches in flight to fill the rate at the answer time, past the 16 that
// left business's rate half used.
func TestPagingByNumberWhenTheChainIsSlow(t *testing.T) {
	for _, tc := range []struct {
		name    string
		pages   int
		latency time.Duration
		rate    float64
		slow    bool
		workers int
	}{
		{"pro 0.8, 300 a page, 300 ms", 334, 300 * time.Millisecond, 16 * 0.8, true, 5},
		{"business 1.0, 300 ms", 334, 300 * time.Millisecond, 60 * 0.8, true, 16},
		{"business 1.0, all the rate, 300 ms", 334, 300 * time.Millisecond, 60, true, 19},
		{"business 1.0, 1 s", 334, time.Second, 60, true, 61},
		{"business 1.0, 3 s", 334, 3 * time.Second, 60, true, maxListWorkers},
		{"pro 0.8, 50 ms", 334, 50 * time.Millisecond, 16, false, 2},
		{"pro 0.8, 100 ms", 334, 100 * time.Millisecond, 16, false, 3},
		{"pro 0.8, 150 ms", 334, 150 * time.Millisecond, 16, true, 4},
		{"two pages", 2, time.Second, 16, false, 17},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := chainIsSlow(tc.pages, tc.latency, tc.rate); got != tc.slow {
				t.Errorf("chainIsSlow = %v, want %v", got, tc.slow)
			}
			if got := workersFor(0, tc.latency, tc.rate); got != tc.workers {
				t.Errorf("workersFor = %d, want %d", got, tc.workers)
			}
		})
	}
}

// TestEveryStatusByNumberWhenTheListingIsRateBound: at Zoom's 300 users a
// page and 300 ms an answer, the active users' chain of tokens is slow,
// the listing is bound by the rate, and the smaller statuses page by
// number too (a chain would wait in the limiter behind the numbered
// fetches at every step), also the pending users whose own chain the rate
// would allow; at 50 ms on pro no status does, nor a status of two pages.
func TestEveryStatusByNumberWhenTheListingIsRateBound(t *testing.T) {
	const (
		active, inactive, pending = 80_073, 11_989, 7_963
		all                       = active + inactive + pending
	)
	share := func(users int) listShare {
		return listShare{part: float64(users) / all, announced: all, largest: active}
	}
	pages := func(users int) int { return (users + 299) / 300 }
	for _, tc := range []struct {
		name    string
		latency time.Duration
		rate    float64
		users   int
		want    bool
	}{
		{"pro 0.8, 300 ms, active", 300 * time.Millisecond, 16, active, true},
		{"pro 0.8, 300 ms, inactive", 300 * time.Millisecond, 16, inactive, true},
		{"pro 0.8, 300 ms, pending", 300 * time.Millisecond, 16, pending, true},
		{"business 1.0, 300 ms, pending", 300 * time.Millisecond, 60, pending, true},
		{"business 1.0, 50 ms, inactive", 50 * time.Millisecond, 60, inactive, true},
		{"pro 0.8, 50 ms, active", 50 * time.Millisecond, 16, active, false},
		{"pro 0.8, 50 ms, inactive", 50 * time.Millisecond, 16, inactive, false},
		{"pro 0.8, 300 ms, two pages", 300 * time.Millisecond, 16, 600, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := byNumber(share(tc.users), 300, pages(tc.users), tc.latency, tc.rate); got != tc.want {
				t.Errorf("by number: %v, want %v", got, tc.want)
			}
		})
	}
}
