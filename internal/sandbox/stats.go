package sandbox

import (
	"maps"
	"sync"
)

// Stats counts what the sandbox saw, for tests and benchmarks to assert on.
type Stats struct {
	// Calls counts routed API calls by "METHOD /path-template", e.g.
	// "POST /users" or "PATCH /groups/{groupId}/members/{memberId}",
	// whatever their outcome (429s and injected faults included).
	Calls map[string]int
	// ByCategory counts the same calls by rate-limit category.
	ByCategory map[string]int
	// QPS429 counts per-second (and features-interval) 429s by category.
	QPS429 map[string]int
	// Daily429 counts daily-limit 429s by category, and "create" for the
	// daily create cap.
	Daily429 map[string]int
	// Applied counts writes that changed the account, by endpoint key; a
	// write whose answer was lost counts.
	Applied map[string]int
	// Faults counts injected faults by kind: 5xx, reset, lost, html429, slow.
	Faults map[string]int
	// Invalid counts requests ValidateRequest refused, by endpoint key.
	Invalid map[string]int
	// Tokens counts access tokens issued.
	Tokens int
}

type statsRecorder struct {
	mu sync.Mutex
	s  Stats
	// waiters are the conditions of When not met yet, checked after each
	// change under mu: a test waits on the moment itself, not on a poll.
	waiters []statsWaiter
}

type statsWaiter struct {
	met func(Stats) bool
	ch  chan struct{}
}

func newStatsRecorder() *statsRecorder {
	r := &statsRecorder{}
	r.reset()
	return r
}

func (r *statsRecorder) reset() {
	r.s = Stats{Calls: map[string]int{}, ByCategory: map[string]int{}, QPS429: map[string]int{},
		Daily429: map[string]int{}, Applied: map[string]int{}, Faults: map[string]int{}, Invalid: map[string]int{}}
}

func (r *statsRecorder) call(key, category string) {
	r.mu.Lock()
	r.s.Calls[key]++
	r.s.ByCategory[category]++
	r.notify()
	r.mu.Unlock()
}

func (r *statsRecorder) rejected(rj *rejection) {
	r.mu.Lock()
	if rj.daily {
		r.s.Daily429[rj.counter]++
	} else {
		r.s.QPS429[rj.counter]++
	}
	r.notify()
	r.mu.Unlock()
}

func (r *statsRecorder) applied(key string) {
	r.mu.Lock()
	r.s.Applied[key]++
	r.notify()
	r.mu.Unlock()
}

func (r *statsRecorder) invalid(key string) {
	r.mu.Lock()
	r.s.Invalid[key]++
	r.notify()
	r.mu.Unlock()
}

func (r *statsRecorder) fault(kind string) {
	r.mu.Lock()
	r.s.Faults[kind]++
	r.notify()
	r.mu.Unlock()
}

func (r *statsRecorder) token() {
	r.mu.Lock()
	r.s.Tokens++
	r.notify()
	r.mu.Unlock()
}

// notify closes the channels of the waiters whose condition now holds.
// r.mu is held.
func (r *statsRecorder) notify() {
	if len(r.waiters) == 0 {
		return
	}
	kept := r.waiters[:0]
	for _, w := range r.waiters {
		if w.met(r.s) {
			close(w.ch)
		} else {
			kept = append(kept, w)
		}
	}
	clear(r.waiters[len(kept):])
	r.waiters = kept
}

// When returns a channel that is closed as soon as met holds for the
// counters: checked now, then after each change, under the counters' lock,
// so that a test can act at the moment a count is reached (stop a run after
// its 20th create, heal the network after the first reset) instead of
// polling Stats. met sees the live counters and must not keep them or call
// the server. Inside a testing/synctest bubble, use a sandbox the bubble
// reaches in memory (sandbox.New, zoomtest.NewMemServer): the channel is
// then the bubble's, and a test blocked on it is durably blocked.
func (s *Server) When(met func(Stats) bool) <-chan struct{} {
	ch := make(chan struct{})
	r := s.stats
	r.mu.Lock()
	defer r.mu.Unlock()
	if met(r.s) {
		close(ch)
	} else {
		r.waiters = append(r.waiters, statsWaiter{met: met, ch: ch})
	}
	return ch
}

// AppliedReached is When the writes applied to endpoint (a Stats.Applied
// key, e.g. "POST /users") number at least n.
func (s *Server) AppliedReached(endpoint string, n int) <-chan struct{} {
	return s.When(func(st Stats) bool { return st.Applied[endpoint] >= n })
}

// FaultsReached is When the injected faults of kind (a Stats.Faults key,
// e.g. "reset") number at least n.
func (s *Server) FaultsReached(kind string, n int) <-chan struct{} {
	return s.When(func(st Stats) bool { return st.Faults[kind] >= n })
}

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats {
	s.stats.mu.Lock()
	defer s.stats.mu.Unlock()
	c := s.stats.s
	c.Calls = maps.Clone(c.Calls)
	c.ByCategory = maps.Clone(c.ByCategory)
	c.QPS429 = maps.Clone(c.QPS429)
	c.Daily429 = maps.Clone(c.Daily429)
	c.Applied = maps.Clone(c.Applied)
	c.Faults = maps.Clone(c.Faults)
	c.Invalid = maps.Clone(c.Invalid)
	return c
}

// ResetStats zeroes the counters.
func (s *Server) ResetStats() {
	s.stats.mu.Lock()
	s.stats.reset()
	s.stats.notify()
	s.stats.mu.Unlock()
}
