package zoom

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The retry policy, in the style of rclone's lib/pacer: one attempt function
// says whether its outcome is worth another try, and one loop decides how
// long to wait and when to give up. Every call of the client, the OAuth
// token fetch included, goes through it.
//
//   - A fixed number of attempts (Config.MaxAttempts).
//   - Between attempts, the server's Retry-After when it gave one (seconds,
//     an HTTP date or an ISO-8601 time), else capped exponential backoff
//     with full jitter.
//   - What will not change is not retried: 4xx answers other than 429 and a
//     token Zoom just rejected, daily limits, a cancelled context, a stop.

// retryWait is the wait an attempt asks for before the next one; the loop
// unwraps it. A zero wait means "at once" (a fresh token, or a pause that
// the category's limiter already imposes).
type retryWait struct {
	err  error
	wait time.Duration
}

func (r *retryWait) Error() string { return r.err.Error() }
func (r *retryWait) Unwrap() error { return r.err }

// after asks the loop to wait d before the next attempt.
func after(d time.Duration, err error) error { return &retryWait{err: err, wait: d} }

// retryLoop runs attempt until it succeeds, says not to retry, or the
// attempts run out; the error is the last attempt's.
func retryLoop(ctx context.Context, clk clock, maxAttempts int, base, maxWait time.Duration, attempt func(n int) (retry bool, err error)) error {
	for n := 0; ; n++ {
		retry, err := attempt(n)
		var rw *retryWait
		wait, hinted := time.Duration(0), errors.As(err, &rw)
		if hinted {
			wait, err = rw.wait, rw.err
		}
		if err == nil || !retry || n+1 >= maxAttempts {
			return err
		}
		if !hinted {
			wait = backoff(n, base, maxWait)
		}
		if serr := sleep(ctx, clk, wait); serr != nil {
			return serr
		}
	}
}

// backoff is capped exponential backoff with full jitter: a random wait in
// (0, min(maxWait, base·2^attempt)].
func backoff(attempt int, base, maxWait time.Duration) time.Duration {
	d := base << min(attempt, 20)
	if d <= 0 || d > maxWait {
		d = maxWait
	}
	if d <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(d)) + 1)
}

// retryAfter reads Retry-After: delta seconds, an HTTP date or an ISO-8601
// timestamp, as a wait from now.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, ok := parseTimestamp(v); ok {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// dailyReset is when a daily quota clears: Retry-After if it says, else the
// next 00:00 UTC, which is when Zoom resets them.
func dailyReset(v string, now time.Time) time.Time {
	if t, ok := parseTimestamp(strings.TrimSpace(v)); ok {
		return t
	}
	if d, ok := retryAfter(v, now); ok {
		return now.Add(d).UTC()
	}
	now = now.UTC()
	return time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, time.UTC)
}

func parseTimestamp(v string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05Z0700", http.TimeFormat, time.RFC1123Z, time.RFC850, time.ANSIC} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
