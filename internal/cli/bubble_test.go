package cli

import (
	"testing"

	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

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
