package zoom

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Tier sense: told the wrong tier (--tier business on a pro account), the
// client would keep bursting into 429s. Zoom's answers say what the
// account allows: X-RateLimit-Limit is the category's quota (per second;
// per minute for Resource-intensive). When it is lower than the tier's,
// the category slows to it (times the share), and the client notes the
// tier whose table has that number, so that the run can tell the admin to
// give that tier next time. Without the header, repeated 429s that cut
// the pace step the category down to the next lower tier's limit.

// tierOrder lists the tiers from the lowest limits up.
var tierOrder = []string{"free", "pro", "business"}

// sensedTiers remembers what the account's answers showed.
type sensedTiers struct {
	mu sync.Mutex
	// name is the lowest tier the answers pointed to ("" = none lower
	// than the given one).
	name string
	// header: a category's X-RateLimit-Limit was read, so 429s alone do
	// not step it down.
	header [numCategories]atomic.Bool
	cuts   [numCategories]atomic.Int32
}

func (s *sensedTiers) note(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.name == "" || rank(name) < rank(s.name) {
		s.name = name
	}
}

func (s *sensedTiers) get() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.name
}

func rank(name string) int {
	for i, n := range tierOrder {
		if n == name {
			return i
		}
	}
	return len(tierOrder)
}

// senseHeaders reads an answer's X-RateLimit-Limit for cat. Daily limits
// and the features rule's own answers say nothing about the per-second
// quota and are left out by the caller.
func (c *Client) senseHeaders(cat Category, h http.Header) {
	if c.cfg.NoLimits || strings.EqualFold(strings.TrimSpace(h.Get("X-RateLimit-Type")), "Daily-limit") {
		return
	}
	if hc, ok := ParseCategory(h.Get("X-RateLimit-Category")); ok {
		cat = hc
	}
	n, err := strconv.Atoi(strings.TrimSpace(h.Get("X-RateLimit-Limit")))
	if err != nil || n <= 0 {
		return
	}
	c.sensed.header[cat].Store(true)
	perSecond := float64(n)
	if cat == ResourceIntensive {
		perSecond /= 60
	}
	if perSecond >= c.tier.PerSecond[cat]*0.99 {
		return
	}
	if c.limits[cat].lower(perSecond * c.cfg.Share) {
		if name := tierWith(cat, perSecond); name != "" {
			c.sensed.note(name)
		}
	}
}

// sense429 follows a per-second 429 that cut the category's pace: with no
// X-RateLimit-Limit to go by, the third cut steps the category down to the
// next lower tier's limit.
func (c *Client) sense429(cat Category) {
	if c.sensed.header[cat].Load() || c.sensed.cuts[cat].Add(1) < 3 {
		return
	}
	c.sensed.cuts[cat].Store(0)
	have := c.limits[cat].baseRate() / c.cfg.Share
	for i := len(tierOrder) - 1; i >= 0; i-- {
		t := Tiers[tierOrder[i]]
		if t.PerSecond[cat] < have*0.99 {
			if c.limits[cat].lower(t.PerSecond[cat] * c.cfg.Share) {
				c.sensed.note(t.Name)
			}
			return
		}
	}
}

// tierWith names the highest tier whose limit for cat is perSecond.
func tierWith(cat Category, perSecond float64) string {
	for i := len(tierOrder) - 1; i >= 0; i-- {
		t := Tiers[tierOrder[i]]
		if d := t.PerSecond[cat] - perSecond; d < 0.01 && d > -0.01 {
			return t.Name
		}
	}
	return ""
}

// SensedTier names the tier the account's answers showed when its limits
// are lower than the client's tier ("" otherwise).
func (c *Client) SensedTier() string {
	if name := c.sensed.get(); name != "" && rank(name) < rank(c.tier.Name) {
		return name
	}
	return ""
}

// senseDaily reads a successful answer's daily quota: X-RateLimit-Type
// Daily-limit with X-RateLimit-Remaining 0 means the category's day is
// spent, so the next call of it is deferred at once (dailySpent) rather
// than sent to earn a 429 and waste a call of another app's quota.
func (c *Client) senseDaily(cat Category, h http.Header) {
	if c.cfg.NoLimits || !strings.EqualFold(strings.TrimSpace(h.Get("X-RateLimit-Type")), string(DailyLimit)) {
		return
	}
	if hc, ok := ParseCategory(h.Get("X-RateLimit-Category")); ok {
		cat = hc
	}
	left, err := strconv.Atoi(strings.TrimSpace(h.Get("X-RateLimit-Remaining")))
	if err != nil || left > 0 {
		return
	}
	c.dailyOut[cat].Store(dailyReset("", c.clock.Now()).UnixNano())
}

// dailySpent is the DailyLimitError of a category whose day Zoom said is
// spent, until 00:00 UTC, or nil.
func (c *Client) dailySpent(cat Category) error {
	reset := c.dailyOut[cat].Load()
	if reset == 0 || c.clock.Now().UnixNano() >= reset {
		return nil
	}
	return &DailyLimitError{Category: cat, Reset: time.Unix(0, reset).UTC(),
		Message: "the account's daily limit for " + cat.String() + " calls was spent (X-RateLimit-Remaining 0): not sent"}
}
