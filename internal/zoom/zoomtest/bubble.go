package zoomtest

import (
	"testing"
	"testing/synctest"
)

// ParallelBubble runs a subtest, in parallel with its siblings, inside a
// testing/synctest bubble: a sandbox reached in memory (NewMemServer), the
// client and the engine it starts all live there, so the client's pacing,
// the features interval and the timeouts wait on the bubble's clock, which
// jumps as soon as every goroutine is blocked. A paced run then costs only
// its CPU time, the same on an idle machine and a loaded one, and synctest
// fails the test if a goroutine outlives it.
//
// Top-level tests use synctest.Test directly; t.Parallel, if wanted, is
// called before it (it cannot be called inside a bubble), and t.Run too.
func ParallelBubble(f func(*testing.T)) func(*testing.T) {
	return func(t *testing.T) {
		t.Parallel()
		synctest.Test(t, f)
	}
}

// Bubble runs a subtest inside a testing/synctest bubble, as
// ParallelBubble does, but in turn with its siblings.
func Bubble(f func(*testing.T)) func(*testing.T) {
	return func(t *testing.T) { synctest.Test(t, f) }
}
