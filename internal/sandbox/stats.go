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
	r.mu.Unlock()
}

func (r *statsRecorder) rejected(rj *rejection) {
	r.mu.Lock()
	if rj.daily {
		r.s.Daily429[rj.counter]++
	} else {
		r.s.QPS429[rj.counter]++
	}
	r.mu.Unlock()
}

func (r *statsRecorder) applied(key string) {
	r.mu.Lock()
	r.s.Applied[key]++
	r.mu.Unlock()
}

func (r *statsRecorder) invalid(key string) {
	r.mu.Lock()
	r.s.Invalid[key]++
	r.mu.Unlock()
}

func (r *statsRecorder) fault(kind string) {
	r.mu.Lock()
	r.s.Faults[kind]++
	r.mu.Unlock()
}

func (r *statsRecorder) token() {
	r.mu.Lock()
	r.s.Tokens++
	r.mu.Unlock()
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
	s.stats.mu.Unlock()
}
