package zoom

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"
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

// limiter paces the calls of one category so that Zoom, which counts calls
// per second, never sees more than the category's limit in one second.
//
// A slot is claimed at the moment the call may go, never reserved ahead:
// x/time/rate's reservations (burst 1) handed out future moments, and the
// calls whose moments fell due while their goroutines were not running (a
// stall of the process, a busy machine) then went out together: 9 calls in
// 4 ms, 35 in one clock second at --share 1.0, each burst a 429. Here two
// rules hold at the moment of sending:
//   - spacing: the next call is due a gap after the previous one's due time,
//     and never sooner than half a gap after its actual send, so a late
//     wake-up is made up for but can never turn into a burst;
//   - window: no more than n = floor(rate) calls in any window of
//     windowSpan (a second plus a margin for the calls' time on the wire),
//     whatever the spacing let through.
//
// Waiters queue for a single turn (the one that sleeps on the clock), so a
// due time wakes one goroutine, not all of them. A per-second 429 pauses
// the whole category, shared by every worker: when the account's quota is
// spent (by us or by another app) the whole category backs off, not just
// the call that met the 429.
type limiter struct {
	cat   Category
	clock clock
	turn  chan struct{} // held by the one waiter that sleeps towards the slot

	mu         sync.Mutex
	base       float64 // calls a second the category returns to
	current    float64 // calls a second now (below base after a 429)
	due        time.Time
	sent       []time.Time // the last sends, at most floor(current)
	pauseUntil time.Time
	lastRaise  time.Time
	lastCut    time.Time
}

// windowSpan is the window the limiter counts sends in: Zoom's second plus
// 10 ms, so that a call that spends a little longer on the wire than the one
// sent a second before it does not land in the same second at Zoom. It
// costs 1% of the rate.
const windowSpan = time.Second + 10*time.Millisecond

// cutFactor is what a per-second 429 leaves of the pace, and raiseStep how
// much of the base pace comes back every raiseEvery without a 429: a small
// cut, quickly recovered, because a 429 at a pace the window already keeps
// within the limit comes from another app's share or a second's edge, not
// from a pace far too high.
const (
	cutFactor  = 0.85
	raiseStep  = 0.05
	raiseEvery = 250 * time.Millisecond
)

func newLimiter(cat Category, perSecond float64, clk clock) *limiter {
	return &limiter{cat: cat, base: perSecond, current: perSecond, clock: clk, turn: make(chan struct{}, 1)}
}

// gap is the spacing of calls at the current pace: evenly spread so that
// the window rule rarely has to hold a call back.
func (l *limiter) gap() time.Duration {
	g := time.Duration(float64(time.Second) / l.current)
	if n := l.windowCalls(); n >= 1 {
		g = max(g, windowSpan/time.Duration(n))
	}
	return g
}

// windowCalls is the most calls one window may hold at the current pace.
func (l *limiter) windowCalls() int { return int(math.Floor(l.current + 1e-9)) }

// next is when the next call may go (l.mu held).
func (l *limiter) next() time.Time {
	at := l.due
	if l.pauseUntil.After(at) {
		at = l.pauseUntil
	}
	if n := l.windowCalls(); n >= 1 && len(l.sent) >= n {
		if free := l.sent[len(l.sent)-n].Add(windowSpan); free.After(at) {
			at = free
		}
	}
	return at
}

// wait blocks until a call of this category may go out, and counts it as
// sent. A stop or a cancelled context returns before anything is claimed.
func (l *limiter) wait(ctx context.Context) error {
	stop := stopOf(ctx)
	select {
	case l.turn <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	case <-stop:
		return ErrNotSent
	}
	defer func() { <-l.turn }()
	for {
		l.mu.Lock()
		now := l.clock.Now()
		at := l.next()
		if !now.Before(at) {
			l.claim(now, at)
			l.mu.Unlock()
			return nil
		}
		l.mu.Unlock()
		if err := sleep(ctx, l.clock, at.Sub(now)); err != nil {
			return err
		}
	}
}

// claim records a send at now, whose slot was due at at (l.mu held).
func (l *limiter) claim(now, at time.Time) {
	g := l.gap()
	l.due = at.Add(g)
	if soonest := now.Add(g / 4); l.due.Before(soonest) {
		l.due = soonest
	}
	l.sent = append(l.sent, now)
	if keep := max(l.windowCalls(), 1); len(l.sent) > 2*keep {
		l.sent = append(l.sent[:0], l.sent[len(l.sent)-keep:]...)
	}
}

// slowDown reacts to a per-second 429: every caller of the category waits
// for d, and the pace drops to cutFactor of itself (not below a tenth of
// the base). The 429s of one burst arrive together; they cut the pace once.
// It says whether it cut the pace.
func (l *limiter) slowDown(d time.Duration) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock.Now()
	if until := now.Add(d); until.After(l.pauseUntil) {
		l.pauseUntil = until
	}
	if now.Sub(l.lastCut) < time.Second+d {
		return false
	}
	l.lastCut, l.lastRaise = now, now
	l.current = max(l.current*cutFactor, l.base/10)
	return true
}

// lower makes perSecond the category's base pace when it is below the
// current base (the account's answers show lower limits than the tier the
// client was given), and says whether it was.
func (l *limiter) lower(perSecond float64) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if perSecond <= 0 || perSecond >= l.base*0.99 {
		return false
	}
	l.base = perSecond
	l.current = min(l.current, perSecond)
	return true
}

// baseRate is the pace the category returns to after a 429.
func (l *limiter) baseRate() float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.base
}

// currentRate is the pace now.
func (l *limiter) currentRate() float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.current
}

// recover raises the pace back towards the base after a quiet spell:
// raiseStep of the base every raiseEvery without a 429 (back from a cut in
// under a second).
func (l *limiter) recover() {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clock.Now()
	if l.current >= l.base || now.Sub(l.lastRaise) < raiseEvery {
		return
	}
	l.current = min(l.current+l.base*raiseStep, l.base)
	l.lastRaise = now
}

// featuresGate enforces "one call every interval" account-wide, as Zoom
// demands of POST /users/features, without wasting slots.
//
// Zoom measures the spacing between the moments it takes two calls in, and
// that moment is somewhere between our send and its answer: right after
// arrival at a gateway, or after most of the processing (the sandbox takes a
// call in after its latency, just before answering). Where it lies moves
// from call to call by about the spread of the round trips.
//
// So the gate lets one features call out at a time and spaces the sends:
// the next call goes out an interval (+ a tiny margin) after the previous
// one was sent, plus the measured spread of the answers, which covers the
// previous call having been taken in late and this one early (or plus the
// previous call's own excess over the fastest round trip, when that is
// more: a call slowed on its way in was taken in that much later). Reckoning
// from the previous answer instead, as this gate once did, added each
// answer's own jitter to every gap: 1.09-1.15 of the bound at 300 ms with a
// 1 s interval.
type featuresGate struct {
	interval time.Duration
	clock    clock
	// slot is held from a call's turn until its answer (or its failure).
	slot chan struct{}

	mu        sync.Mutex
	samples   int           // calls sent and answered (or failed)
	wrote     time.Time     // when the last call was sent
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
		// The previous call itself may have been slow on its way in (its
		// round trip's excess over the fastest): then it was taken in
		// late, and the next one must wait for that too. A round trip
		// within the usual spread costs nothing more.
		late := max(g.answered.Sub(g.wrote)-g.minRTT+min(g.minRTT, g.interval/100), g.spread())
		if t := g.wrote.Add(g.interval + g.margin() + late); t.After(at) {
			at = t
		}
	}
	return at
}

// spread is how much later than its send the previous call may have been
// taken in than this one will be: the round trips' mean excess over the
// fastest, floorCaution times, scaled up while it rests on few calls (the
// spread of k samples underestimates the true one by about (k-1)/(k+1)).
// The first call may also have been slow all by itself, so a prior
// allowance is added too, fading as 1/k²: after one call, half its round
// trip or a twentieth of the interval, whichever is more (all of a short
// round trip: on a fast link, scheduling jitter is the whole of it). At
// least 1% of the interval, never more than the fastest round trip: on a
// fast link (the sandbox here) the round trip is all jitter, and waiting it
// out costs nothing.
func (g *featuresGate) spread() time.Duration {
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
	add := prior
	if g.samples >= 2 {
		excess := float64(g.sumRTT)/k - float64(g.minRTT)
		add += excess * floorCaution * (k + 1) / (k - 1)
	}
	return max(time.Duration(add), min(g.interval/100, g.minRTT))
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
		g.wrote, g.answered = wrote, answered
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
