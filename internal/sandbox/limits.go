package sandbox

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Rate-limit categories, as the reference's Rate Limit Labels name them.
const (
	Light             = "Light"
	Medium            = "Medium"
	Heavy             = "Heavy"
	ResourceIntensive = "Resource-intensive"
)

// quota is n calls per period: Resource-intensive counts per minute, the
// others per second.
type quota struct {
	n   int
	per time.Duration
}

type tierLimits struct {
	qps map[string]quota
	// daily caps per category (the free tier's).
	daily map[string]int
	// heavyDaily is the daily cap Heavy and Resource-intensive share (pro
	// and business); 0 = none.
	heavyDaily int
	createCap  int // POST /users action=create per day
	// meetingCapacity is a licensed user's meeting capacity on the plan.
	meetingCapacity int
}

// tiers holds Zoom's published rate-limit table (per category and plan).
var tiers = map[string]tierLimits{
	"free": {
		qps:             map[string]quota{Light: {4, time.Second}, Medium: {2, time.Second}, Heavy: {1, time.Second}, ResourceIntensive: {10, time.Minute}},
		daily:           map[string]int{Light: 6000, Medium: 2000, Heavy: 1000, ResourceIntensive: 30000},
		createCap:       50,
		meetingCapacity: 100,
	},
	"pro": {
		qps:             map[string]quota{Light: {30, time.Second}, Medium: {20, time.Second}, Heavy: {10, time.Second}, ResourceIntensive: {10, time.Minute}},
		heavyDaily:      30000,
		createCap:       1500,
		meetingCapacity: 100,
	},
	"business": {
		qps:             map[string]quota{Light: {80, time.Second}, Medium: {60, time.Second}, Heavy: {40, time.Second}, ResourceIntensive: {20, time.Minute}},
		heavyDaily:      60000,
		createCap:       10000,
		meetingCapacity: 300,
	},
}

// bucket is a token bucket holding at most q.n tokens, refilled at q.n per
// q.per: a burst of the per-second number, then the steady rate.
type bucket struct {
	q      quota
	tokens float64
	last   time.Time
}

func (b *bucket) refill(now time.Time) {
	if el := now.Sub(b.last); el > 0 {
		b.tokens = math.Min(float64(b.q.n), b.tokens+el.Seconds()*float64(b.q.n)/b.q.per.Seconds())
		b.last = now
	}
}

// wait is how long until a whole token is there.
func (b *bucket) wait() time.Duration {
	need := 1 - b.tokens
	return time.Duration(need / float64(b.q.n) * float64(b.q.per))
}

// limiter is the account's quota: it is shared by every caller, as Zoom's is
// shared by every app on the account.
type limiter struct {
	mu            sync.Mutex
	tier          tierLimits
	off           bool
	featuresEvery time.Duration
	createCap     int

	buckets map[string]*bucket

	day          time.Time // 00:00 UTC of the current daily window
	daily        map[string]int
	creates      int
	lastFeatures time.Time
	anyFeatures  bool
}

func newLimiter(t tierLimits, off bool, featuresEvery time.Duration, createCap int) *limiter {
	l := &limiter{tier: t, off: off, featuresEvery: featuresEvery, createCap: createCap,
		buckets: map[string]*bucket{}, daily: map[string]int{}}
	for cat, q := range t.qps {
		l.buckets[cat] = &bucket{q: q, tokens: float64(q.n)}
	}
	return l
}

func midnightAfter(now time.Time) time.Time {
	y, m, d := now.UTC().Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)
}

// roll starts a new daily window when the clock has passed 00:00 UTC.
func (l *limiter) roll(now time.Time) {
	y, m, d := now.UTC().Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	if day.After(l.day) {
		l.day = day
		clear(l.daily)
		l.creates = 0
	}
}

// ResetDaily acts as if 00:00 UTC had passed: the daily counters go to zero.
func (s *Server) ResetDaily() {
	s.lim.mu.Lock()
	defer s.lim.mu.Unlock()
	clear(s.lim.daily)
	s.lim.creates = 0
}

// dailyCap gives the daily cap that applies to a category and its use so far.
func (l *limiter) dailyCap(cat string) (limit, used int) {
	if n := l.tier.daily[cat]; n > 0 {
		return n, l.daily[cat]
	}
	if (cat == Heavy || cat == ResourceIntensive) && l.tier.heavyDaily > 0 {
		return l.tier.heavyDaily, l.daily[Heavy] + l.daily[ResourceIntensive]
	}
	return 0, 0
}

// rlHeaders are the X-RateLimit-* headers of an admitted call.
type rlHeaders struct {
	category         string
	limit, remaining int
	daily            bool // X-RateLimit-Type: Daily-limit (limit and remaining are the day's)
}

func (h rlHeaders) set(hd http.Header) {
	if h.category == "" {
		return
	}
	hd.Set("X-RateLimit-Category", h.category)
	if h.daily {
		hd.Set("X-RateLimit-Type", "Daily-limit")
	}
	hd.Set("X-RateLimit-Limit", strconv.Itoa(h.limit))
	hd.Set("X-RateLimit-Remaining", strconv.Itoa(h.remaining))
}

// rejection is a 429 from the limiter.
type rejection struct {
	daily      bool
	category   string // X-RateLimit-Category
	counter    string // Stats key: the category, or "create"
	limit      int
	remaining  int
	retryAfter string
	message    string
}

const qpsMessage = "You have reached the maximum per-second rate limit for this API. Try again later."

func dailyMessage(limit int, what string) string {
	return fmt.Sprintf("You have exceeded the daily rate limit of (%d) for %s API requests permitted for this particular account. You may resume these requests at GMT 00:00:00.", limit, what)
}

func (rj *rejection) write(w http.ResponseWriter) {
	h := w.Header()
	h.Set("X-RateLimit-Category", rj.category)
	if rj.daily {
		h.Set("X-RateLimit-Type", "Daily-limit")
	} else {
		h.Set("X-RateLimit-Type", "QPS")
	}
	h.Set("X-RateLimit-Limit", strconv.Itoa(rj.limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(rj.remaining))
	h.Set("Retry-After", rj.retryAfter)
	b, _ := json.Marshal(apiError{Code: 429, Message: rj.message})
	h.Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(http.StatusTooManyRequests)
	w.Write(b)
}

func retrySeconds(d time.Duration) string {
	secs := int(math.Ceil(d.Seconds()))
	return strconv.Itoa(max(secs, 1))
}

// isCreateAction says whether a call is POST /users with action=create, the
// one the daily create cap counts. A body that does not parse is left to the
// handler to refuse.
func isCreateAction(rt *route, body []byte) bool {
	if rt.method != http.MethodPost || rt.pattern != "/users" {
		return false
	}
	var b struct {
		Action string `json:"action"`
	}
	return json.Unmarshal(body, &b) == nil && b.Action == "create"
}

// admit decides whether a call goes through. Every check runs before any
// counter moves, so a rejected call spends nothing.
func (l *limiter) admit(now time.Time, rt *route, create bool) (*rejection, rlHeaders) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.roll(now)
	cat := rt.category
	b := l.buckets[cat]
	b.refill(now)

	if !l.off {
		if limit, used := l.dailyCap(cat); limit > 0 && used >= limit {
			return &rejection{daily: true, category: cat, counter: cat, limit: limit,
				retryAfter: ts(midnightAfter(now)), message: dailyMessage(limit, cat)}, rlHeaders{}
		}
		if b.tokens < 1 {
			return &rejection{category: cat, counter: cat, limit: b.q.n,
				retryAfter: retrySeconds(b.wait()), message: qpsMessage}, rlHeaders{}
		}
	}
	features := rt.method == http.MethodPost && rt.pattern == "/users/features"
	if features && l.featuresEvery > 0 && l.anyFeatures {
		if el := now.Sub(l.lastFeatures); el < l.featuresEvery {
			return &rejection{category: cat, counter: cat, limit: 1,
				retryAfter: retrySeconds(l.featuresEvery - el), message: qpsMessage}, rlHeaders{}
		}
	}
	if create && l.createCap > 0 && l.creates >= l.createCap {
		return &rejection{daily: true, category: Light, counter: "create", limit: l.createCap,
			retryAfter: ts(midnightAfter(now)), message: dailyMessage(l.createCap, "Create users")}, rlHeaders{}
	}

	hdr := rlHeaders{category: cat, limit: b.q.n, remaining: b.q.n}
	if !l.off {
		b.tokens--
		l.daily[cat]++
		hdr.remaining = int(b.tokens)
		if limit, used := l.dailyCap(cat); limit > 0 && used >= limit {
			// The call that spends a category's daily quota says so (the
			// others carry the per-second headers), so a client can stop
			// before the cap instead of earning a 429 at it.
			hdr.daily, hdr.limit, hdr.remaining = true, limit, 0
		}
	}
	if features {
		l.lastFeatures, l.anyFeatures = now, true
	}
	if create {
		l.creates++
	}
	return nil, hdr
}
