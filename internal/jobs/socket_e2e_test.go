package jobs_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/zoombulk/zoombulk/internal/results"
	"github.com/zoombulk/zoombulk/internal/zoom"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// TestRealSocketsEndToEnd is the one end-to-end run over real loopback
// sockets and the real clock (every other paced test of the engine runs in
// a synctest bubble, in memory): the client's own HTTP transport, real
// connections reset by the sandbox (TCP RST) and writes whose answer is
// lost on the wire, with the pacing and the features interval on the wall
// clock. It is kept to a few seconds: 63 rows at the business tier.
//
// Its verdict does not depend on the machine's speed: it compares the end
// state with the same job run in memory without faults, and it asserts no
// durations.
func TestRealSocketsEndToEnd(t *testing.T) {
	t.Parallel()
	// The reference: the same job, fault-free, in a bubble.
	var want map[string]string
	var rows [][]string
	synctest.Test(t, func(t *testing.T) {
		ref := newEnv(t, zoomtest.Options{Tier: "business"})
		rows = mixedRows(ref.srv, 30)
		ref.writeCSV("users.csv", mixedHeader, rows)
		if _, err := ref.run(context.Background(), ref.write("job.yaml", mixedJob), filepath.Join(ref.dir, "out"), nil); err != nil {
			t.Fatal(err)
		}
		want = finalState(ref.srv)
	})

	seed, err := zoomtest.LoadSeed("../../samples/sandbox-seed.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// Faults are drawn from the seed call by call, so the first calls of
	// the run meet them whatever the order the workers send in.
	srv := zoomtest.NewTestServer(t, zoomtest.Options{Seed: seed, Tier: "business", FeaturesInterval: testInterval,
		Latency: 5 * time.Millisecond, Faults: zoomtest.Faults{Seed: 24, Reset: 0.05, LostAnswer: 0.05}})
	if !strings.HasPrefix(srv.APIURL(), "http://127.0.0.1:") {
		t.Fatalf("the sandbox serves %s, want a loopback socket", srv.APIURL())
	}
	c := zoomtest.NewClient(t, srv, func(cfg *zoom.Config) {
		cfg.FeaturesInterval = testInterval
		cfg.Timeout = 10 * time.Second
	})
	e := &env{t: t, srv: srv, client: c, dir: t.TempDir()}
	e.writeCSV("users.csv", mixedHeader, rows)
	out := filepath.Join(e.dir, "out")
	sum, err := e.run(context.Background(), e.write("job.yaml", mixedJob), out, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Counts[results.Failed] != 10 || sum.Counts[results.Succeeded] != len(rows)-10 {
		t.Errorf("counts %v, want all but the 10 bad rows succeeded", sum.Counts)
	}
	if got := len(readResults(t, out)); got != len(rows) {
		t.Errorf("results.csv has %d lines for %d rows", got, len(rows))
	}
	st := srv.Stats()
	t.Logf("%d rows over sockets: calls %v, faults %v, client retries %d", len(rows), st.ByCategory, st.Faults, zoom.Total(c.Stats().Retries))
	if st.Faults["reset"] == 0 || st.Faults["lost"] == 0 {
		t.Errorf("faults %v: the run met no reset or no lost answer", st.Faults)
	}
	if n := st.Applied["POST /users"]; n != 30 {
		t.Errorf("%d creates applied, want 30: a lost create was resent, or one was never made", n)
	}
	got := finalState(srv)
	for email, w := range want {
		if got[email] != w {
			t.Errorf("%s: %s, in the fault-free run: %s", email, got[email], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d users, the fault-free run has %d", len(got), len(want))
	}
}
