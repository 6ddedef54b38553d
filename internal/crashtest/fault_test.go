package crashtest

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/zoombulk/zoombulk/internal/jobs"
	"github.com/zoombulk/zoombulk/internal/results"
	"github.com/zoombulk/zoombulk/internal/zoom"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// faultRows sizes the fault suite: the 1,000-row mixed job, cut to 150
// under the race detector. The profiles run in synctest bubbles, so their
// cost is CPU only (the race detector's, mostly), not the waits.
func faultRows() int {
	if raceEnabled && !soak {
		return 150
	}
	return 1000
}

// tokenUses is how many calls a token lasts in the token-expiry profiles:
// about a quarter of a run's calls (a run makes some 2.2 a row), so that
// it outlives several tokens, and more than the calls a pool has in
// flight, as an hour's token is.
func tokenUses() int { return max(faultRows()*3/5, 90) }

// profile is a way for Zoom to misbehave.
type profile struct {
	name   string
	sbox   zoomtest.Options
	paced  bool          // the sandbox enforces the business tier and the client paces itself by it
	timout time.Duration // the client's per-attempt timeout (default 10 s)
	// daily: a daily create cap defers the rest of the creates; the test
	// then acts as midnight UTC and resumes.
	daily bool
	check func(t *testing.T, st zoomtest.Stats)
}

func faultProfiles(creates int) []profile {
	injected := func(kinds ...string) func(*testing.T, zoomtest.Stats) {
		return func(t *testing.T, st zoomtest.Stats) {
			for _, k := range kinds {
				if st.Faults[k] == 0 {
					t.Errorf("no %s fault was injected: %v", k, st.Faults)
				}
			}
		}
	}
	return []profile{
		{name: "5xx-bursts", sbox: zoomtest.Options{Faults: zoomtest.Faults{Seed: 1, ServerError: 0.10}}, check: injected("5xx")},
		{name: "resets", sbox: zoomtest.Options{Faults: zoomtest.Faults{Seed: 2, Reset: 0.05}}, check: injected("reset")},
		{name: "lost-answers", sbox: zoomtest.Options{Faults: zoomtest.Faults{Seed: 3, LostAnswer: 0.05}}, check: injected("lost")},
		// An edge 429 carries no X-RateLimit headers: the client takes it
		// for the category's quota and slows the category down, so with
		// the tier enforced the rate is kept low enough to finish soon.
		{name: "html-429", paced: true, sbox: zoomtest.Options{Faults: zoomtest.Faults{Seed: 4, HTML429: 0.01}}, check: injected("html429")},
		// Tokens lapse after a number of calls rather than seconds, so the
		// profile does not depend on the machine's speed; more uses than
		// the calls a pool has in flight, as an hour's token has.
		{name: "token-expiry", paced: true, sbox: zoomtest.Options{TokenUses: tokenUses()}, check: func(t *testing.T, st zoomtest.Stats) {
			if st.Tokens < 3 {
				t.Errorf("%d tokens issued: the run did not outlive its tokens", st.Tokens)
			}
		}},
		// A slow answer is applied, then held past the client's timeout:
		// lost answers on every kind of write, and timeouts on reads. The
		// timeout is far above what a loaded 2-core machine takes for a
		// normal answer, and the slow answers far above the timeout, so
		// only the injected ones time out (issue 17 item 21).
		{name: "slow-past-timeout", timout: 2 * time.Second,
			sbox: zoomtest.Options{Faults: zoomtest.Faults{Seed: 5, Slow: 0.03, SlowDelay: 6 * time.Second}}, check: injected("slow")},
		{name: "everything", timout: 2 * time.Second, sbox: zoomtest.Options{TokenUses: tokenUses() * 6 / 5, Faults: zoomtest.Faults{Seed: 6,
			ServerError: 0.03, Reset: 0.02, LostAnswer: 0.02, HTML429: 0.02, Slow: 0.01, SlowDelay: 6 * time.Second}},
			check: injected("5xx", "reset", "lost", "html429")},
		{name: "daily-cap", daily: true, sbox: zoomtest.Options{DailyCreateCap: (creates + 1) / 2}, check: func(t *testing.T, st zoomtest.Stats) {
			if st.Daily429["create"] == 0 {
				t.Error("the daily create cap never answered 429")
			}
		}},
	}
}

var (
	faultRefOnce sync.Once
	faultRef     *reference
)

func faultReference(t *testing.T) *reference {
	t.Helper()
	faultRefOnce.Do(func() {
		sb := startMemSandbox(t, zoomtest.Options{NoRateLimits: true, FeaturesInterval: -1})
		rows := mixedRows(sb.Users(), faultRows(), 5, "1000")
		dir, job := workdir(t, rows)
		out := filepath.Join(dir, "run")
		c := sb.client(t, func(cfg *zoom.Config) { cfg.NoLimits = true })
		sum, err := runInProcess(context.Background(), t, c, job, out, false)
		if err != nil {
			t.Fatalf("reference run: %v", err)
		}
		if sum.Counts[results.Failed] != 10 || sum.Counts[results.Succeeded] != len(rows)-10 {
			t.Fatalf("reference run: %v, want all but the 10 bad rows succeeded", sum.Counts)
		}
		faultRef = &reference{rows: rows, state: accountState(sb.Server), results: readResults(t, out), creates: creates(rows)}
		if n := sb.Stats().Applied["POST /users"]; n != faultRef.creates {
			t.Fatalf("the reference created %d users, want %d", n, faultRef.creates)
		}
	})
	if faultRef == nil {
		t.Fatal("the reference run failed")
	}
	return faultRef
}

// TestFaultProfiles runs the mixed job (creates, updates, features, group
// moves, divisions) in-process under each fault profile, and checks that
// the run ends in exactly the state of a fault-free run, creates nobody
// twice, accounts for every row, and (where the tier is enforced) that the
// client's own send schedule keeps within the tier: never more calls of a
// category in any one second than Zoom allows, and the features calls
// spaced by the interval.
//
// Each profile runs in a synctest bubble with the sandbox reached in
// memory: the pacing, the slow answers and the client's timeouts are
// virtual time, so a profile plays out the same on an idle machine and a
// loaded one, and costs only its CPU time.
func TestFaultProfiles(t *testing.T) {
	t.Parallel()
	ref := faultReference(t)
	profiles := faultProfiles(ref.creates)
	if soak { // each profile again with other fault sequences
		for k := int64(1); k <= 3; k++ {
			for _, p := range faultProfiles(ref.creates) {
				p.name = fmt.Sprintf("%s-seed%d", p.name, 10*k+p.sbox.Faults.Seed)
				p.sbox.Faults.Seed += 10 * k
				profiles = append(profiles, p)
			}
		}
	}
	var wg sync.WaitGroup
	slots := make(chan struct{}, 8)
	for _, p := range profiles {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			t.Run(p.name, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) { runProfile(t, ref, p) })
			})
		}()
	}
	wg.Wait()
}

func runProfile(t *testing.T, ref *reference, p profile) {
	opts := p.sbox
	if p.paced {
		opts.Tier, opts.FeaturesInterval = "business", featuresInterval
	} else {
		// An unpaced client (NoLimits) retries a 429 at once: the
		// sandbox enforces no limit it could meet.
		opts.NoRateLimits, opts.FeaturesInterval = true, -1
	}
	sb := startMemSandbox(t, opts)
	c := sb.client(t, func(cfg *zoom.Config) {
		cfg.NoLimits = !p.paced
		if p.timout > 0 {
			cfg.Timeout = p.timout
		}
	})
	dir, job := workdir(t, ref.rows)
	out := filepath.Join(dir, "run")
	start := time.Now()
	sum, err := runInProcess(context.Background(), t, c, job, out, false)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if p.daily {
		if sum.Counts[results.Deferred] == 0 || sum.DeferredTo.IsZero() {
			t.Fatalf("counts %v: the daily cap deferred nothing", sum.Counts)
		}
		deferred := 0
		for _, l := range readResults(t, out) {
			if l["zb_status"] == "deferred" {
				deferred++
				if l["zb_step"] != "create_users" || !strings.Contains(l["zb_hint"], "--resume") {
					t.Errorf("%s: deferred at %q with hint %q", l["Email"], l["zb_step"], l["zb_hint"])
				}
			}
		}
		if deferred != sum.Counts[results.Deferred] {
			t.Errorf("results.csv has %d deferred rows, the summary %d", deferred, sum.Counts[results.Deferred])
		}
		sb.ResetDaily() // midnight UTC
		if sum, err = runInProcess(context.Background(), t, c, job, out, true); err != nil {
			t.Fatalf("resume: %v", err)
		}
	}
	elapsed := time.Since(start)
	if sum.Counts[results.Failed] != 10 || sum.Counts[results.Deferred]+sum.Counts[results.NotRun]+sum.Counts[results.Skipped] != 0 {
		t.Errorf("counts %v: want only the 10 bad rows failed", sum.Counts)
		for _, l := range readResults(t, out) {
			if s := l["zb_status"]; s != "succeeded" && s != "unchanged" && !strings.HasPrefix(l["Email"], "typo") && !strings.HasPrefix(l["Email"], "broken") {
				t.Logf("%s: %s at %s: %s", l["Email"], s, l["zb_step"], l["zb_reason"])
			}
		}
	}
	checkResults(t, out, ref.rows, ref.results)
	compareState(t, ref.state, accountState(sb.Server))
	st := sb.Stats()
	if n := st.Applied["POST /users"]; n != ref.creates {
		t.Errorf("%d creates applied, want %d: a user was created twice or not at all", n, ref.creates)
	}
	calls, limited := 0, 0
	for _, n := range st.Calls {
		calls += n
	}
	for _, n := range st.QPS429 {
		limited += n // the sandbox's own limiter, not the injected HTML 429s
	}
	if p.paced {
		checkPace(t, sb.rec)
	}
	if p.check != nil {
		p.check(t, st)
	}
	cs := c.Stats()
	t.Logf("%s: %d rows in %s: %d calls, %d retries, faults %v, per-second 429s %d, tokens %d",
		p.name, len(ref.rows), elapsed.Round(time.Millisecond), calls, zoom.Total(cs.Retries), st.Faults, limited, st.Tokens)
	if found := leaks(t, sb.secretsOf(), []string{out}, nil); len(found) > 0 {
		t.Errorf("secrets leaked:\n%s", strings.Join(found, "\n"))
	}
}

// checkPace checks the send schedule a paced client kept (at the business
// tier, full share, as sb.client sets it): in no second more calls of a
// category than the tier allows, and the features calls at least the
// interval apart. These are the client's own doing, whatever the sandbox
// answered.
func checkPace(t *testing.T, rec *zoomtest.Recorder) {
	t.Helper()
	tier := zoom.Tiers["business"]
	for _, cat := range zoom.Categories {
		limit := int(tier.PerSecond[cat])
		if cat == zoom.ResourceIntensive {
			continue // counted per minute; the job makes no such call
		}
		if got := rec.MaxPerSecond()[cat.String()]; got > limit {
			logBusiestSecond(t, rec.Sends(func(s zoomtest.Sent) bool { return s.Category == cat.String() }))
			t.Errorf("%s: %d calls sent within one second, the tier allows %d", cat, got, limit)
		}
	}
	features := rec.Sends(func(s zoomtest.Sent) bool { return s.Method == "POST" && s.Path == "/v2/users/features" })
	if len(features) < 2 {
		t.Errorf("%d features calls: the job should make several, to check their spacing", len(features))
	} else if gap := zoomtest.MinSpacing(features); gap < featuresInterval {
		t.Errorf("features calls sent %s apart, the interval is %s", gap, featuresInterval)
	}
}

// logBusiestSecond logs the sends of the busiest second, to tell which
// calls crowded it.
func logBusiestSecond(t *testing.T, sends []zoomtest.Sent) {
	for _, s := range zoomtest.BusiestWindow(sends, time.Second) {
		t.Logf("  %s %s %s", s.At.Format("15:04:05.000000"), s.Method, s.Path)
	}
}

// TestInterruptedFaultyRunResumes: a Ctrl-C (context cancel) in the middle
// of a run that meets lost answers and resets, then a resume: the state is
// exact and nobody is created twice.
func TestInterruptedFaultyRunResumes(t *testing.T) {
	t.Parallel()
	ref := faultReference(t)
	synctest.Test(t, func(t *testing.T) { interruptedFaultyRunResumes(t, ref) })
}

func interruptedFaultyRunResumes(t *testing.T, ref *reference) {
	sb := startMemSandbox(t, zoomtest.Options{NoRateLimits: true, FeaturesInterval: -1,
		Faults: zoomtest.Faults{Seed: 7, LostAnswer: 0.03, Reset: 0.03}})
	c := sb.client(t, func(cfg *zoom.Config) { cfg.NoLimits = true })
	dir, job := workdir(t, ref.rows)
	out := filepath.Join(dir, "run")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	half := ref.creates / 2
	go func() {
		// The moment the half is applied, not a poll's tick after it; the
		// run's end (the cancel after it) ends the wait too.
		select {
		case <-sb.AppliedReached("POST /users", half):
		case <-ctx.Done():
		}
		cancel()
	}()
	sum, err := runInProcess(ctx, t, c, job, out, false)
	cancel()
	if !errors.Is(err, jobs.ErrAborted) {
		t.Fatalf("err = %v, want ErrAborted", err)
	}
	if sum.Counts[results.NotRun] == 0 {
		t.Fatalf("counts %v: nothing left not_run", sum.Counts)
	}
	sb.quiesce(t)
	if _, err := runInProcess(context.Background(), t, c, job, out, true); err != nil {
		t.Fatalf("resume: %v", err)
	}
	checkResults(t, out, ref.rows, ref.results)
	compareState(t, ref.state, accountState(sb.Server))
	if n := sb.Stats().Applied["POST /users"]; n != ref.creates {
		t.Errorf("%d creates applied, want %d", n, ref.creates)
	}
}
