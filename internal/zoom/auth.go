package zoom

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// tokenSource gets Server-to-Server OAuth tokens and shares one for the whole
// run. Asking Zoom for a new token can invalidate the one in use, so a fetch
// is single-flight: workers that find the token rejected or about to lapse
// wait for the one fetch in progress instead of each asking for their own.
type tokenSource struct {
	cfg   *Config
	http  *http.Client
	clock clock

	// wire is how long calls take to reach Zoom lately (the slowest
	// category's recent answer time); nil in tests without calls.
	wire func() time.Duration

	mu       sync.Mutex
	token    string
	expires  time.Time // when Zoom stops taking it, counted from the request
	ttl      time.Duration
	fetches  int
	inflight *tokenFetch
	// scope is what the last token endpoint answer said the token may do
	// (space-separated), for auth check.
	scope string
}

// tokenFetch is one fetch under way; done closes when it ends.
type tokenFetch struct {
	done chan struct{}
	tok  string
	err  error
	// callerEnded: the fetching worker was stopped or cancelled; the fetch
	// says nothing about the token endpoint.
	callerEnded bool
}

// get returns the shared access token, fetching one when there is none, it
// equals rejected (Zoom refused it), or it would lapse within its margin.
// Callers take the token right before sending, after every other wait, so
// the margin only has to cover the request itself.
func (ts *tokenSource) get(ctx context.Context, rejected string) (string, error) {
	stop := stopOf(ctx)
	for {
		ts.mu.Lock()
		if ts.token != "" && ts.token != rejected && ts.clock.Now().Add(ts.margin()).Before(ts.expires) {
			tok := ts.token
			ts.mu.Unlock()
			return tok, nil
		}
		if f := ts.inflight; f != nil {
			ts.mu.Unlock()
			select {
			case <-f.done:
			case <-ctx.Done():
				return "", ctx.Err()
			case <-stop:
				return "", ErrNotSent
			}
			if f.err == nil {
				return f.tok, nil
			}
			if f.callerEnded && ctx.Err() == nil && !stopped(stop) {
				continue // the fetching worker was stopped, not this one: try again
			}
			return "", f.err
		}
		f := &tokenFetch{done: make(chan struct{})}
		ts.inflight = f
		ts.mu.Unlock()

		asked := ts.clock.Now()
		tok, ttl, err := ts.fetch(ctx)

		ts.mu.Lock()
		f.tok, f.err = tok, err
		f.callerEnded = err != nil && callerEnded(ctx, err)
		ts.inflight = nil
		if err == nil {
			// The lifetime runs from when Zoom issued the token, which is
			// before we read the answer: count it from the request.
			ts.token, ts.ttl = tok, ttl
			ts.expires = asked.Add(ttl)
			ts.fetches++
		}
		ts.mu.Unlock()
		close(f.done)
		return tok, err
	}
}

// margin is the life a token must have left to be sent: a tenth of its
// lifetime (at most five minutes), or three recent answer times when calls
// are slow to reach Zoom, but never more than half the lifetime.
func (ts *tokenSource) margin() time.Duration {
	m := min(ts.ttl/10, 5*time.Minute)
	if ts.wire != nil {
		m = max(m, 3*ts.wire())
	}
	return min(m, ts.ttl/2)
}

// callerEnded says err ended a call because of its caller (its context
// ended, or the run stopped), not because of Zoom. An HTTP timeout also
// wraps context.DeadlineExceeded, so the caller's context is what tells.
func callerEnded(ctx context.Context, err error) bool {
	return ctx.Err() != nil || errors.Is(err, ErrNotSent)
}

// fetch asks the token endpoint for a token, under the client's retry policy:
// connection failures, 429 and 5xx are tried again; any other answer is final.
func (ts *tokenSource) fetch(ctx context.Context) (string, time.Duration, error) {
	q := url.Values{"grant_type": {"account_credentials"}, "account_id": {ts.cfg.AccountID}}
	target := ts.cfg.OAuthURL
	if strings.Contains(target, "?") {
		target += "&" + q.Encode()
	} else {
		target += "?" + q.Encode()
	}
	basic := base64.StdEncoding.EncodeToString([]byte(ts.cfg.ClientID + ":" + ts.cfg.ClientSecret))
	var tok string
	var ttl time.Duration
	err := retryLoop(ctx, ts.clock, ts.cfg.MaxAttempts, ts.cfg.BackoffBase, ts.cfg.BackoffMax, func(int) (bool, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, nil)
		if err != nil {
			return false, &AuthError{Err: err}
		}
		req.Header.Set("Authorization", "Basic "+basic)
		req.Header.Set("User-Agent", ts.cfg.UserAgent)
		resp, err := ts.http.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return false, ctx.Err()
			}
			// A refused redirect will be refused again.
			return !errors.Is(err, errRedirectRefused), &UnreachableError{URL: origin(ts.cfg.OAuthURL), Cause: redactURLError(err)}
		}
		body, rerr := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
		resp.Body.Close()
		if rerr != nil {
			return true, &UnreachableError{URL: origin(ts.cfg.OAuthURL), Cause: rerr}
		}
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
			err := &UnreachableError{URL: origin(ts.cfg.OAuthURL),
				Cause: fmt.Errorf("the token endpoint answered HTTP %d (%s)", resp.StatusCode, http.StatusText(resp.StatusCode))}
			if d, ok := retryAfter(resp.Header.Get("Retry-After"), ts.clock.Now()); ok {
				return true, after(d, err)
			}
			return true, err
		}
		if resp.StatusCode != http.StatusOK {
			var e struct {
				Reason string `json:"reason"`
				Error  string `json:"error"`
			}
			_ = json.Unmarshal(body, &e)
			reason := e.Reason
			if reason == "" {
				reason = e.Error
			}
			if reason == "" {
				reason = http.StatusText(resp.StatusCode)
			}
			return false, &AuthError{HTTPStatus: resp.StatusCode, Reason: reason}
		}
		var t struct {
			AccessToken string `json:"access_token"`
			ExpiresIn   int    `json:"expires_in"`
			Scope       string `json:"scope"`
		}
		if err := json.Unmarshal(body, &t); err != nil || t.AccessToken == "" {
			return false, &AuthError{HTTPStatus: resp.StatusCode, Reason: "the token endpoint answered without an access_token"}
		}
		ts.mu.Lock()
		ts.scope = t.Scope
		ts.mu.Unlock()
		tok, ttl = t.AccessToken, time.Duration(t.ExpiresIn)*time.Second
		if ttl <= 0 {
			ttl = time.Hour
		}
		return false, nil
	})
	return tok, ttl, err
}

// origin is a URL's scheme and host, for messages.
func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return redactQuery(raw)
	}
	return u.Scheme + "://" + u.Host
}

// redactURLError drops the request URL from transport errors: it carries
// the account ID in its query, which is not secret but has no place in logs.
func redactURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return fmt.Errorf("%s %s: %w", ue.Op, redactQuery(ue.URL), ue.Err)
	}
	return err
}

func redactQuery(raw string) string {
	if i := strings.IndexByte(raw, '?'); i >= 0 {
		return raw[:i]
	}
	return raw
}

// Scopes are the scopes the token endpoint granted with the current token,
// as it listed them (none before Authenticate, or when it listed none).
func (c *Client) Scopes() []string {
	c.tokens.mu.Lock()
	defer c.tokens.mu.Unlock()
	return strings.Fields(c.tokens.scope)
}
