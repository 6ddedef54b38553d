package zoom

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The retry policy, in the style of rclone's lib/pacer: one attempt function
// says whether its outcome is worth another try, and one loop decides how
// long to wait and when to give up. Every call of the client, the OAuth
// token fetch included, goes through it. For the API calls, what an answer
// means is decided in one place, classify (rclone's shouldRetry): a pure
// function of the answer and the attempt, which the client then carries out
// (client.go's attempt).
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

// try is what classify knows of an attempt besides its answer.
type try struct {
	n int // the attempt's number, from 0
	// written: the request went on the wire (a write may have been applied).
	written bool
	// ctxErr is the caller's context's error after the exchange (nil while
	// it runs).
	ctxErr error
	// staleToken: the token sent is one Zoom already refused (no fresher
	// one could be had); refreshes is how many fresh tokens the call has
	// asked for.
	staleToken bool
	refreshes  int
	noLimits   bool
	now        time.Time
	apiURL     string // for UnreachableError: only its origin is kept
}

// pacing is what an answer tells the client's pacing.
type pacing int

const (
	paceNone pacing = iota
	// paceSuccess: a 2xx; read its X-RateLimit-Limit and let the category
	// climb back towards its base pace.
	paceSuccess
	// paceCategory: Zoom's own per-second 429: every worker of the limited
	// category pauses and the pace is cut.
	paceCategory
	// paceFeatures: POST /users/features was too soon: the gate's next slot
	// moves back.
	paceFeatures
)

// tally is which 429 counter an answer adds to.
type tally int

const (
	tallyNone tally = iota
	tallyQPS
	tallyDaily
)

// verdict is classify's decision about one attempt: what it ends with,
// whether another may fare better and after how long, and what the answer
// tells the call's state, the pacing and the counters. It does nothing
// itself.
type verdict struct {
	// retry: another attempt may fare better. err is what the attempt ends
	// with; nil means success.
	retry bool
	err   error
	// wait is the wait before the next attempt when hinted (0: at once,
	// the limiter imposing any pause); an unhinted retry waits the loop's
	// backoff.
	wait   time.Duration
	hinted bool
	// doubt: a write went out and its outcome is unknown. cause, when set,
	// is what the call's in-doubt error becomes (the AmbiguousError's Err).
	doubt bool
	cause error
	// refresh: Zoom refused the token sent; the next attempt asks for a
	// fresh one.
	refresh bool
	// decode: a success whose body is the call's output.
	decode bool
	// pace is what the pacing learns; limited is the category a 429
	// counted against, pause how long paceCategory and paceFeatures hold
	// it back (drawPause: no Retry-After, draw the backoff).
	pace      pacing
	limited   Category
	pause     time.Duration
	drawPause bool
	count     tally
}

// next is the verdict as the retry loop takes it.
func (v verdict) next() (bool, error) {
	if v.hinted && v.err != nil {
		return v.retry, after(v.wait, v.err)
	}
	return v.retry, v.err
}

// classify decides what one attempt of a call to ep ended with: resp and
// body are the answer (nil when err, a failure to send or to read it, is
// set). It does no I/O and changes nothing, so that every answer Zoom (or
// something in front of it) can give is table-tested in retry_test.go.
func classify(ep endpoint, resp *http.Response, body []byte, err error, t try) verdict {
	if err != nil {
		return classifyFailure(ep, err, t)
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return verdict{decode: true, pace: pick(t.noLimits, paceNone, paceSuccess), limited: ep.category}
	}
	apiErr := parseAPIError(resp, body, ep)
	switch {
	case tokenRejected(apiErr):
		if t.refreshes >= maxRefreshes || t.staleToken {
			return verdict{err: apiErr}
		}
		// The token expired early (or was slow to reach Zoom) or was
		// revoked: a fresh token, shared with every worker that met the
		// same refusal. A token refused again and again means the
		// credentials themselves are the problem: the error stands.
		return verdict{retry: true, err: apiErr, hinted: true, refresh: true}
	case resp.StatusCode == http.StatusTooManyRequests:
		return classify429(ep, resp.Header, apiErr, t)
	case resp.StatusCode >= 500:
		v := verdict{retry: true, err: apiErr}
		if ep.method != http.MethodGet {
			v.doubt, v.cause = true, apiErr
		}
		v.wait, v.hinted = retryAfter(resp.Header.Get("Retry-After"), t.now)
		return v
	}
	// Any other 4xx will not change by asking again.
	return verdict{err: apiErr}
}

// classifyFailure decides an attempt that got no answer.
func classifyFailure(ep endpoint, err error, t try) verdict {
	refused := errors.Is(err, errRedirectRefused)
	// Written and not refused by our own redirect rule: a write may have
	// been applied.
	v := verdict{doubt: t.written && ep.method != http.MethodGet && !refused}
	switch {
	case t.ctxErr != nil:
		// The caller ended the call; the write, if in doubt, stays so.
		v.err, v.cause = t.ctxErr, t.ctxErr
	case refused:
		v.err = fmt.Errorf("zoom: %s: %w", ep, redactURLError(err))
	default:
		v.retry = true
		v.err = &UnreachableError{URL: origin(t.apiURL), Cause: redactURLError(err)}
		if v.doubt {
			v.cause = v.err
		}
	}
	return v
}

// classify429 decides a 429: a daily quota (final until it resets), or a
// per-second one (retried, and paced according to who answered).
func classify429(ep endpoint, h http.Header, apiErr *APIError, t try) verdict {
	limited := ep.category
	if hc, ok := ParseCategory(h.Get("X-RateLimit-Category")); ok {
		limited = hc
	}
	if isDaily(h, apiErr) {
		return verdict{limited: limited, count: tallyDaily, err: &DailyLimitError{
			Category:   limited,
			Create:     ep.method == http.MethodPost && ep.path == "/users",
			Reset:      dailyReset(h.Get("Retry-After"), t.now),
			Message:    apiErr.Message,
			TrackingID: apiErr.TrackingID,
		}}
	}
	v := verdict{retry: true, err: apiErr, limited: limited, count: tallyQPS}
	wait, given := retryAfter(h.Get("Retry-After"), t.now)
	switch {
	case t.noLimits || !apiErr.json:
		// A 429 that is not Zoom's JSON (an HTML page from something in
		// front of the API) says nothing about the account's quota: this
		// call waits (the server's word, else the loop's backoff), the
		// category keeps its pace.
		v.wait, v.hinted = wait, given
		return v
	case ep.features:
		v.pace = paceFeatures
	default:
		// Zoom's own 429, with or without X-RateLimit-Type: the account's
		// per-second quota is spent, and every worker of the category
		// backs off, not just this call.
		v.pace = paceCategory
	}
	// The pause is the gate's or the limiter's; this call then goes at once.
	v.pause, v.drawPause, v.hinted = wait, !given, true
	return v
}

// pick is a conditional expression.
func pick[T any](cond bool, yes, no T) T {
	if cond {
		return yes
	}
	return no
}
