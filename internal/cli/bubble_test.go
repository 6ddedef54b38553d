package cli

import (
	"testing"
	"testing/synctest"
)

// bubbled runs a (sub)test inside a testing/synctest bubble: a sandbox
// reached in memory (NewMemServer, or --sandbox through zb), the command,
// its client and its engine all live there, so the client's pacing, the
// features interval and the timeouts wait on the bubble's clock, which
// jumps as soon as every goroutine is blocked. A paced run then costs only
// its CPU time, the same on an idle machine and a loaded one, and synctest
// fails the test if a goroutine outlives it.
//
// Top-level tests use synctest.Test directly; t.Parallel, if wanted, is
// called before (it cannot be called inside a bubble), and so is t.Run.
func bubbled(f func(*testing.T)) func(*testing.T) {
	return func(t *testing.T) { synctest.Test(t, f) }
}

// parallelBubble is bubbled for a subtest that runs in parallel with its
// siblings.
func parallelBubble(f func(*testing.T)) func(*testing.T) {
	return func(t *testing.T) {
		t.Parallel()
		synctest.Test(t, f)
	}
}
