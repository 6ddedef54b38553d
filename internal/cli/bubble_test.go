package cli

import (
	"testing"
	"testing/synctest"

	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// parallelBubble runs a subtest, in parallel with its siblings, inside a
// testing/synctest bubble: a sandbox reached in memory (NewMemServer, or
// --sandbox through zb), the command, its client and its engine all live
// there, so the client's pacing, the features interval and the timeouts
// wait on the bubble's clock, which jumps as soon as every goroutine is
// blocked. A paced run then costs only its CPU time, the same on an idle
// machine and a loaded one, and synctest fails the test if a goroutine
// outlives it.
//
// Top-level tests use synctest.Test directly; t.Parallel, if wanted, is
// called before it (it cannot be called inside a bubble), and t.Run too.
func parallelBubble(f func(*testing.T)) func(*testing.T) {
	return func(t *testing.T) {
		t.Parallel()
		synctest.Test(t, f)
	}
}

// bubble runs a subtest inside a testing/synctest bubble, as parallelBubble
// does, but in turn with its siblings.
func bubble(f func(*testing.T)) func(*testing.T) {
	return func(t *testing.T) {
		synctest.Test(t, f)
	}
}

// newMemAccountEnv is the new-account sample's empty account (the owner
// and one admin), reached in memory.
func newMemAccountEnv(t *testing.T) *runEnv {
	t.Helper()
	seed, err := zoomtest.LoadSeed("../../samples/new-account/seed/account.yaml")
	if err != nil {
		t.Fatal(err)
	}
	srv := zoomtest.NewMemServer(t, zoomtest.Options{NoRateLimits: true, Seed: seed})
	return memRunEnv(t, srv)
}
