package zoom

import (
	"context"
	"fmt"
	"math"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// stallingClock is the real clock (virtual inside a synctest bubble) whose
// sleeps now and then end late, as a goroutine's do on a busy machine or
// while the process stalls: every nth sleep ends stall later than asked.
type stallingClock struct {
	mu    sync.Mutex
	n     int
	every int
	stall time.Duration
}

func (c *stallingClock) Now() time.Time { return time.Now() }

func (c *stallingClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	c.n++
	if c.every > 0 && c.n%c.every == 0 {
		d += c.stall
	}
	c.mu.Unlock()
	return time.After(d)
}

// sendTimes runs workers that call l.wait until span has passed and
// returns the moments they were let through.
func sendTimes(t *testing.T, l *limiter, workers int, span time.Duration) []time.Time {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), span)
	defer cancel()
	var mu sync.Mutex
	var sent []time.Time
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for l.wait(ctx) == nil {
				mu.Lock()
				sent = append(sent, time.Now())
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return sent
}

// mostInAClockSecond is the most sends that fell in one clock second (as
// Zoom counts them), and mostInAWindow the most in any second-long window.
func mostInAClockSecond(sent []time.Time) int {
	per := map[int64]int{}
	most := 0
	for _, s := range sent {
		per[s.Unix()]++
		most = max(most, per[s.Unix()])
	}
	return most
}

func mostInAWindow(sent []time.Time) int {
	most := 0
	for i := range sent {
		n := 0
		for j := i; j < len(sent) && sent[j].Sub(sent[i]) < time.Second; j++ {
			n++
		}
		most = max(most, n)
	}
	return most
}

// TestLimiterNeverExceedsTheLimitInAClockSecond: at the whole of a tier's
// rate (--share 1.0), many workers, and sleeps that end late (calls that
// fall due during a stall must not go out together), no clock second and no
// second-long window holds more calls than the limit, and the pace keeps at
// least 0.97 of the rate when nothing stalls.
func TestLimiterNeverExceedsTheLimitInAClockSecond(t *testing.T) {
	for _, tc := range []struct {
		rate    float64
		workers int
		every   int // every nth sleep ends late; 0 never
		stall   time.Duration
	}{
		{80, 40, 0, 0},
		{30, 16, 0, 0},
		{24, 8, 0, 0},
		{80, 40, 7, 150 * time.Millisecond},
		{30, 16, 3, 400 * time.Millisecond},
		{16.5, 16, 5, time.Second},
	} {
		t.Run(fmt.Sprintf("%v/s, %d workers, every %d sleeps %v late", tc.rate, tc.workers, tc.every, tc.stall), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				const span = 10 * time.Second
				l := newLimiter(Light, tc.rate, &stallingClock{every: tc.every, stall: tc.stall})
				sent := sendTimes(t, l, tc.workers, span)
				limit := int(math.Floor(tc.rate))
				if got := mostInAClockSecond(sent); got > limit {
					t.Errorf("%d calls in one clock second, the limit is %d", got, limit)
				}
				if got := mostInAWindow(sent); got > limit {
					t.Errorf("%d calls within one second, the limit is %d", got, limit)
				}
				if tc.every == 0 {
					// n calls need (n-1)/rate between the first and the last.
					ratio := float64(len(sent)-1) / tc.rate / span.Seconds()
					if ratio < 0.97 {
						t.Errorf("%d calls in %v: %.3f of the rate, want at least 0.97", len(sent), span, ratio)
					}
				}
			})
		})
	}
}

// TestLimiterCutsLittleAfterA429AndRecoversWithinASecond: a per-second 429
// pauses every caller for the Retry-After, cuts the pace by 15% once per
// burst of 429s, and answers without 429s bring it back to the base in
// under a second.
func TestLimiterCutsLittleAfterA429AndRecoversWithinASecond(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := newLimiter(Light, 80, realClock{})
		ctx := context.Background()
		if err := l.wait(ctx); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if !l.slowDown(time.Second) {
			t.Fatal("the first 429 did not cut the pace")
		}
		if l.slowDown(time.Second) {
			t.Error("a second 429 of the same burst cut the pace again")
		}
		if got := l.currentRate(); math.Abs(got-68) > 1e-9 {
			t.Errorf("pace after a 429 = %v, want 68 (0.85 of 80)", got)
		}
		if err := l.wait(ctx); err != nil {
			t.Fatal(err)
		}
		if waited := time.Since(start); waited < time.Second {
			t.Errorf("the next call went out %v after the 429, want the 1s Retry-After", waited)
		}
		recovered := time.Now()
		for l.currentRate() < 80 {
			if err := l.wait(ctx); err != nil {
				t.Fatal(err)
			}
			l.recover() // each call answered without a 429
		}
		if took := time.Since(recovered); took > time.Second {
			t.Errorf("the pace took %v to come back, want under a second", took)
		}
	})
}
