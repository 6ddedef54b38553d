package zoom

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Category is a Zoom rate-limit category. Every endpoint belongs to one, and
// the per-second quota is counted per category across the whole account.
type Category int

const (
	Light Category = iota
	Medium
	Heavy
	ResourceIntensive
	numCategories
)

// Categories lists every category in order.
var Categories = []Category{Light, Medium, Heavy, ResourceIntensive}

func (c Category) String() string {
	switch c {
	case Light:
		return "Light"
	case Medium:
		return "Medium"
	case Heavy:
		return "Heavy"
	case ResourceIntensive:
		return "Resource-intensive"
	}
	return fmt.Sprintf("Category(%d)", int(c))
}

// ParseCategory reads an X-RateLimit-Category header value.
func ParseCategory(s string) (Category, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "light":
		return Light, true
	case "medium":
		return Medium, true
	case "heavy":
		return Heavy, true
	case "resource-intensive", "resource intensive", "resourceintensive":
		return ResourceIntensive, true
	}
	return 0, false
}

// Tier is an account plan's rate-limit row of FACTS.md.
type Tier struct {
	Name string
	// PerSecond is the per-second quota of each category
	// (Resource-intensive is per minute at Zoom; stored here per second).
	PerSecond [numCategories]float64
	// DailyCreates caps POST /users with action=create.
	DailyCreates int
}

// Tiers are the rate-limit tables of FACTS.md.
var Tiers = map[string]Tier{
	"free":     {Name: "free", PerSecond: [numCategories]float64{4, 2, 1, 10.0 / 60}, DailyCreates: 50},
	"pro":      {Name: "pro", PerSecond: [numCategories]float64{30, 20, 10, 10.0 / 60}, DailyCreates: 1500},
	"business": {Name: "business", PerSecond: [numCategories]float64{80, 60, 40, 20.0 / 60}, DailyCreates: 10000},
}

// LookupTier finds a tier by name ("free", "pro", "business"; "education"
// and "enterprise" share business's limits).
func LookupTier(name string) (Tier, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	switch n {
	case "", "pro":
		return Tiers["pro"], nil
	case "business", "education", "enterprise":
		return Tiers["business"], nil
	case "free":
		return Tiers["free"], nil
	}
	return Tier{}, fmt.Errorf("unknown tier %q: use free, pro or business", name)
}

// FeaturesInterval is Zoom's spacing rule for POST /users/features.
const FeaturesInterval = 10 * time.Second

// limiter paces the calls of one category. It is an x/time/rate token bucket
// at the tier's rate times the share, with a burst of one so calls go out
// evenly, plus a pause shared by every worker after a per-second 429: when
// the account's quota is spent (by us or by another app) the whole category
// backs off, not just the call that met the 429.
type limiter struct {
	cat  Category
	base rate.Limit
	lim  *rate.Limiter

	mu         sync.Mutex
	pauseUntil time.Time
	current    rate.Limit
	lastRaise  time.Time
	lastCut    time.Time
}

func newLimiter(cat Category, perSecond float64) *limiter {
	r := rate.Limit(perSecond)
	return &limiter{cat: cat, base: r, current: r, lim: rate.NewLimiter(r, 1)}
}

// wait blocks until a call of this category may go out.
func (l *limiter) wait(ctx context.Context) error {
	for {
		l.mu.Lock()
		pause := time.Until(l.pauseUntil)
		l.mu.Unlock()
		if pause <= 0 {
			break
		}
		if err := sleep(ctx, pause); err != nil {
			return err
		}
	}
	return l.lim.Wait(ctx)
}

// slowDown reacts to a per-second 429: every caller of the category waits
// for d, and the pace drops by a third (not below a tenth of the base) so
// that sharing the quota with another app settles instead of oscillating.
// The 429s of one burst arrive together; they cut the pace once.
func (l *limiter) slowDown(d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if until := now.Add(d); until.After(l.pauseUntil) {
		l.pauseUntil = until
	}
	if now.Sub(l.lastCut) < time.Second+d {
		return
	}
	l.lastCut, l.lastRaise = now, now
	l.current = max(l.current*2/3, l.base/10)
	l.lim.SetLimit(l.current)
}

// recover raises the pace back towards the base after a quiet spell: 10%
// per second without a 429.
func (l *limiter) recover() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.current >= l.base || time.Since(l.lastRaise) < time.Second {
		return
	}
	l.current = min(l.current*11/10, l.base)
	l.lim.SetLimit(l.current)
	l.lastRaise = time.Now()
}

// intervalGate enforces "one call every interval" account-wide, as Zoom
// demands of POST /users/features. Calls are spaced by the interval from the
// moment the previous call was sent, plus a small margin so that jitter on
// the wire never makes two arrive too close together.
type intervalGate struct {
	mu       sync.Mutex
	interval time.Duration
	next     time.Time
}

func (g *intervalGate) wait(ctx context.Context) error {
	g.mu.Lock()
	now := time.Now()
	at := g.next
	if at.Before(now) {
		at = now
	}
	g.next = at.Add(g.interval + g.margin())
	g.mu.Unlock()
	return sleep(ctx, time.Until(at))
}

// delay pushes the next slot back after Zoom said "too soon".
func (g *intervalGate) delay(d time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if next := time.Now().Add(d); next.After(g.next) {
		g.next = next
	}
}

// margin covers the jitter between our send and Zoom's clock: 1% and
// 10 ms, inside DESIGN's 2% budget for the features step at 10 s.
func (g *intervalGate) margin() time.Duration {
	return g.interval/100 + 10*time.Millisecond
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// backoff is capped exponential backoff with full jitter: a random wait in
// [0, min(maxWait, base·2^attempt)).
func backoff(attempt int, base, maxWait time.Duration) time.Duration {
	d := base << min(attempt, 20)
	if d <= 0 || d > maxWait {
		d = maxWait
	}
	return time.Duration(rand.Int64N(int64(d)) + 1)
}
