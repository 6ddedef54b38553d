package zoom

import (
	"context"
	"fmt"
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

// Tier is an account plan's row of Zoom's rate-limit table.
type Tier struct {
	Name string
	// PerSecond is the per-second quota of each category
	// (Resource-intensive is per minute at Zoom; stored here per second).
	PerSecond [numCategories]float64
	// DailyCreates caps POST /users with action=create.
	DailyCreates int
}

// Tiers are Zoom's rate limits by plan.
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
	cat   Category
	base  rate.Limit
	lim   *rate.Limiter
	clock clock

	mu         sync.Mutex
	pauseUntil time.Time
	current    rate.Limit
	lastRaise  time.Time
	lastCut    time.Time
}

func newLimiter(cat Category, perSecond float64, clk clock) *limiter {
	r := rate.Limit(perSecond)
	return &limiter{cat: cat, base: r, current: r, lim: rate.NewLimiter(r, 1), clock: clk}
}

// wait blocks until a call of this category may go out. A stop or a
// cancelled context gives the slot back.
func (l *limiter) wait(ctx context.Context) error {
	for {
		l.mu.Lock()
		pause := l.pauseUntil.Sub(l.clock.Now())
		l.mu.Unlock()
		if pause <= 0 {
			break
		}
		if err := sleep(ctx, l.clock, pause); err != nil {
			return err
		}
	}
	r := l.lim.Reserve()
	if !r.OK() {
		return fmt.Errorf("zoom: %s: no rate to send at", l.cat)
	}
	if err := sleep(ctx, l.clock, r.Delay()); err != nil {
		r.Cancel()
		return err
	}
	return nil
}

// slowDown reacts to a per-second 429: every caller of the category waits
// for d, and the pace drops by a third (not below a tenth of the base) so
// that sharing the quota with another app settles instead of oscillating.
// The 429s of one burst arrive together; they cut the pace once.
func (l *limiter) slowDown(d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock.Now()
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
	now := l.clock.Now()
	if l.current >= l.base || now.Sub(l.lastRaise) < time.Second {
		return
	}
	l.current = min(l.current*11/10, l.base)
	l.lim.SetLimit(l.current)
	l.lastRaise = now
}

// featuresGate enforces "one call every interval" account-wide, as Zoom
// demands of POST /users/features, without wasting slots.
//
// Zoom measures the spacing between the moments it takes two calls in, and
// that moment is somewhere between our send and its answer: right after
// arrival at a gateway, or after most of the processing (the sandbox takes a
// call in after its latency, just before answering). Spacing sends by the
// interval is only right when that moment is the same distance after every
// send; scheduling and CPU load on either side move it by tens of
// milliseconds, more than any margin the 2% time budget can afford at a
// scaled interval.
//
// So the gate lets one features call out at a time and reckons from the
// previous call's answer, which can only be later than the moment Zoom took
// it in: the next call goes out at answer + interval − the fastest round trip
// seen (+ a tiny margin). A call whose round trip was slow (late on the
// server, or late to be read) pushes the next one back by exactly the excess;
// at a steady round trip the sends are spaced by the interval plus the
// margin, wasting nothing.
type featuresGate struct {
	interval time.Duration
	clock    clock
	// slot is held from a call's turn until its answer (or its failure).
	slot chan struct{}

	mu        sync.Mutex
	samples   int           // calls sent and answered (or failed)
	answered  time.Time     // when the last call sent was answered (or failed)
	minRTT    time.Duration // the fastest round trip seen: write to answer
	sumRTT    time.Duration // of every round trip seen, for their mean
	notBefore time.Time     // Zoom said "too soon" until then
	// known is the fastest round trip of any call the client has had
	// answered, and how many; nil when there are none to go by.
	known func() (time.Duration, int)
}

func newFeaturesGate(interval time.Duration, clk clock) *featuresGate {
	return &featuresGate{interval: interval, clock: clk, slot: make(chan struct{}, 1)}
}

// margin covers rounding and the clock's grain: 0.1% and 1 ms.
func (g *featuresGate) margin() time.Duration {
	return g.interval/1000 + time.Millisecond
}

// next is when the next call may go out.
func (g *featuresGate) next() time.Time {
	g.mu.Lock()
	defer g.mu.Unlock()
	at := g.notBefore
	if g.samples > 0 {
		if t := g.answered.Add(g.interval + g.margin() - g.floor()); t.After(at) {
			at = t
		}
	}
	return at
}

// floor is how much of a round trip the gate counts on to pass before Zoom
// takes the next call in. The fastest round trip seen estimates that floor
// from above; a call may yet come in faster, by about the spread of the
// round trips, so the gate takes off floorCaution times their mean excess
// over the fastest, scaled up while it rests on few calls (the spread of k
// samples underestimates the true one by about (k-1)/(k+1)). The first
// call may also have been slow all by itself, so a prior allowance is taken
// off too, fading as 1/k²: after one call, half its round trip or a
// twentieth of the interval, whichever is more (all of a short round trip:
// on a fast link, scheduling jitter is the whole of it).
func (g *featuresGate) floor() time.Duration {
	k := float64(g.samples)
	slow := min(g.minRTT, max(g.minRTT/2, g.interval/20))
	// Many answers to other calls bound how slow the first features call
	// can have been by itself: no more than its round trip exceeds the
	// fastest of theirs (a features call is no faster than any call).
	if g.known != nil {
		if fastest, n := g.known(); n >= knownCalls {
			slow = min(slow, max(g.minRTT-fastest, 0))
		}
	}
	prior := float64(slow) / (k * k)
	off := prior
	if g.samples >= 2 {
		excess := float64(g.sumRTT)/k - float64(g.minRTT)
		off += excess * floorCaution * (k + 1) / (k - 1)
	}
	// Always take off at least 1% of the interval: on a fast
	// link (the sandbox here) the round trip is all jitter, and waiting it
	// out costs nothing.
	return max(g.minRTT-max(time.Duration(off), g.interval/100), 0)
}

// knownCalls is how many answers to other calls make their fastest round
// trip a floor to go by.
const knownCalls = 20

// fastestRTT is the fastest round trip of the calls answered so far.
type fastestRTT struct {
	mu  sync.Mutex
	min time.Duration
	n   int
}

func (f *fastestRTT) add(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n == 0 || d < f.min {
		f.min = d
	}
	f.n++
}

func (f *fastestRTT) get() (time.Duration, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.min, f.n
}

// floorCaution weighs the risk of a 429 against the features time budget
// (within 2% of calls × interval); see TestFeaturesGateNeverTooSoonAndWastesNoSlot.
var floorCaution = 1.0

// gateTurn is one call's turn at the gate.
type gateTurn struct {
	g    *featuresGate
	once sync.Once
}

// acquire waits for the gate and the call's moment. The caller must end the
// turn with sent or release.
func (g *featuresGate) acquire(ctx context.Context) (*gateTurn, error) {
	stop := stopOf(ctx)
	if stopped(stop) {
		return nil, ErrNotSent
	}
	select {
	case g.slot <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-stop:
		return nil, ErrNotSent
	}
	if err := sleep(ctx, g.clock, g.next().Sub(g.clock.Now())); err != nil {
		<-g.slot
		return nil, err
	}
	return &gateTurn{g: g}, nil
}

// sent records a call written at wrote and answered (or failed) at answered,
// and ends the turn.
func (t *gateTurn) sent(wrote, answered time.Time) {
	t.once.Do(func() {
		g := t.g
		g.mu.Lock()
		rtt := max(answered.Sub(wrote), 0)
		if g.samples == 0 || rtt < g.minRTT {
			g.minRTT = rtt
		}
		g.samples++
		g.sumRTT += rtt
		g.answered = answered
		g.mu.Unlock()
		<-g.slot
	})
}

// release ends a turn in which nothing was sent.
func (t *gateTurn) release() {
	t.once.Do(func() { <-t.g.slot })
}

// delay pushes the next slot back after Zoom said "too soon".
func (g *featuresGate) delay(d time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if next := g.clock.Now().Add(d); next.After(g.notBefore) {
		g.notBefore = next
	}
}

// ewma is a moving average of durations, weighting the last sample by a
// fifth: it follows a change of latency within a few calls.
type ewma struct {
	mu sync.Mutex
	v  time.Duration
	n  int64
}

func (e *ewma) add(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.n == 0 {
		e.v = d
	} else {
		e.v += (d - e.v) / 5
	}
	e.n++
}

func (e *ewma) get() time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.v
}
