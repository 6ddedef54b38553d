// Package zoom is a client for the Zoom Users API (v2): Server-to-Server
// OAuth, typed context-first methods, per-category rate limiting, retries
// with backoff, and care with writes whose answer was lost.
package zoom

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Client talks to one Zoom account. It is safe for concurrent use; all
// goroutines share its token, its limiters and its counters.
type Client struct {
	cfg      Config
	http     *http.Client
	tokens   *tokenSource
	tier     Tier
	limits   [numCategories]*limiter
	features *intervalGate
	stats    counters
}

// New checks cfg and builds a client. It makes no call.
func New(cfg Config) (*Client, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	tier, err := LookupTier(cfg.Tier)
	if err != nil {
		return nil, err
	}
	hc := cfg.HTTPClient
	if hc == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 256
		hc = &http.Client{Timeout: cfg.Timeout, Transport: tr}
	}
	c := &Client{
		cfg:      cfg,
		http:     hc,
		tokens:   &tokenSource{cfg: &cfg, http: hc},
		tier:     tier,
		features: &intervalGate{interval: cfg.FeaturesInterval},
	}
	c.tokens.cfg = &c.cfg
	for _, cat := range Categories {
		c.limits[cat] = newLimiter(cat, tier.PerSecond[cat]*cfg.Share)
	}
	return c, nil
}

// Tier is the rate-limit table the client paces itself by.
func (c *Client) Tier() Tier { return c.tier }

// Share is the fraction of the tier's limits the client uses.
func (c *Client) Share() float64 { return c.cfg.Share }

// Rate is the calls per second the client allows itself in a category.
func (c *Client) Rate(cat Category) float64 { return c.tier.PerSecond[cat] * c.cfg.Share }

// FeaturesInterval is the spacing of POST /users/features calls.
func (c *Client) FeaturesInterval() time.Duration { return c.cfg.FeaturesInterval }

// APIURL is where the client sends its calls.
func (c *Client) APIURL() string { return c.cfg.APIURL }

// Authenticate gets a token now, so that bad credentials show up before
// any work starts.
func (c *Client) Authenticate(ctx context.Context) error {
	_, err := c.tokens.get(ctx, "")
	return err
}

// endpoint describes one API operation.
type endpoint struct {
	method   string
	path     string // template with {name} placeholders, as in the reference
	category Category
	// idempotent writes may be resent after a lost answer: doing them twice
	// ends in the same state. Creates are not.
	idempotent bool
	// features marks POST /users/features and its one-call-per-interval rule.
	features bool
}

func (e endpoint) String() string { return e.method + " " + e.path }

// call is one request to make.
type call struct {
	ep     endpoint
	params []string
	query  url.Values
	body   any
	out    any
}

// response tells the caller what happened besides the decoded body.
type response struct {
	status int
	// ambiguous: an earlier attempt of this write got no usable answer and
	// may have been applied, so "already done" errors mean success.
	ambiguous bool
}

func (c *Client) do(ctx context.Context, cl call) (response, error) {
	var res response
	path, err := expand(cl.ep.path, cl.params)
	if err != nil {
		return res, err
	}
	target := c.cfg.APIURL + path
	if len(cl.query) > 0 {
		target += "?" + cl.query.Encode()
	}
	var payload []byte
	if cl.body != nil {
		if payload, err = json.Marshal(cl.body); err != nil {
			return res, fmt.Errorf("zoom: %s: encoding the body: %w", cl.ep, err)
		}
	}
	lim := c.limits[cl.ep.category]
	write := cl.ep.method != http.MethodGet
	var rejected string // a token Zoom said 124 to
	authRetried := false
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			c.stats.retries[cl.ep.category].Add(1)
		}
		if !c.cfg.NoLimits {
			if err := lim.wait(ctx); err != nil {
				return res, err
			}
		}
		tok, err := c.tokens.get(ctx, rejected)
		if err != nil {
			return res, err
		}
		// The features slot is taken last, right before sending, so that a
		// slow token fetch cannot squeeze two calls into one interval.
		if cl.ep.features && !c.cfg.NoLimits {
			if err := c.features.wait(ctx); err != nil {
				return res, err
			}
		}
		req, err := http.NewRequestWithContext(ctx, cl.ep.method, target, bytes.NewReader(payload))
		if err != nil {
			return res, err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Accept", "application/json")
		req.Header.Set("User-Agent", c.cfg.UserAgent)
		if payload != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		c.stats.calls[cl.ep.category].Add(1)
		resp, err := c.http.Do(req)
		var body []byte
		if err == nil {
			body, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		if err != nil {
			if ctx.Err() != nil {
				return res, ctx.Err()
			}
			err = redactURLError(err)
			if write && !cl.ep.idempotent {
				// Never resend blind: the caller looks the object up first.
				return res, &AmbiguousError{Method: cl.ep.method, Path: cl.ep.path, Err: err}
			}
			res.ambiguous = res.ambiguous || write
			if attempt+1 >= c.cfg.MaxAttempts {
				return res, fmt.Errorf("zoom: %s: giving up after %d attempts: %w", cl.ep, attempt+1, err)
			}
			if err := sleep(ctx, backoff(attempt, c.cfg.BackoffBase, c.cfg.BackoffMax)); err != nil {
				return res, err
			}
			continue
		}
		res.status = resp.StatusCode
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			lim.recover()
			if cl.out != nil && len(bytes.TrimSpace(body)) > 0 {
				if err := json.Unmarshal(body, cl.out); err != nil {
					return res, fmt.Errorf("zoom: %s: decoding the answer: %w", cl.ep, err)
				}
			}
			return res, nil
		}
		apiErr := parseAPIError(resp, body, cl.ep)
		switch {
		case resp.StatusCode == http.StatusUnauthorized && apiErr.Code == CodeInvalidToken && !authRetried:
			// The token expired early or was revoked: one fresh token, then
			// the error stands.
			rejected, authRetried = tok, true
			continue
		case resp.StatusCode == http.StatusTooManyRequests:
			cat := cl.ep.category
			if hc, ok := ParseCategory(resp.Header.Get("X-RateLimit-Category")); ok {
				cat = hc
			}
			if isDaily(resp.Header, apiErr) {
				c.stats.daily429[cat].Add(1)
				return res, &DailyLimitError{
					Category: cat,
					Create:   cl.ep.method == http.MethodPost && cl.ep.path == "/users",
					Reset:    dailyReset(resp.Header.Get("Retry-After")),
					Message:  apiErr.Message,
				}
			}
			c.stats.qps429[cat].Add(1)
			if attempt+1 >= c.cfg.MaxAttempts {
				return res, apiErr
			}
			wait, ok := retryAfter(resp.Header.Get("Retry-After"))
			if !ok {
				wait = backoff(attempt, c.cfg.BackoffBase, c.cfg.BackoffMax)
			}
			switch {
			case c.cfg.NoLimits || resp.Header.Get("X-RateLimit-Type") == "":
				// A 429 without Zoom's rate-limit headers (an HTML page from
				// something in front of the API) says nothing about the
				// account's quota: this call waits, the category keeps its pace.
				if err := sleep(ctx, wait); err != nil {
					return res, err
				}
			case cl.ep.features:
				c.features.delay(wait)
			default:
				c.limits[cat].slowDown(wait)
			}
			continue
		case resp.StatusCode >= 500:
			if write && !cl.ep.idempotent {
				return res, &AmbiguousError{Method: cl.ep.method, Path: cl.ep.path, Err: apiErr}
			}
			res.ambiguous = res.ambiguous || write
			if attempt+1 >= c.cfg.MaxAttempts {
				return res, apiErr
			}
			wait, ok := retryAfter(resp.Header.Get("Retry-After"))
			if !ok {
				wait = backoff(attempt, c.cfg.BackoffBase, c.cfg.BackoffMax)
			}
			if err := sleep(ctx, wait); err != nil {
				return res, err
			}
			continue
		}
		return res, apiErr
	}
}

func expand(tmpl string, params []string) (string, error) {
	var b strings.Builder
	i := 0
	for {
		open := strings.IndexByte(tmpl, '{')
		if open < 0 {
			b.WriteString(tmpl)
			break
		}
		end := strings.IndexByte(tmpl[open:], '}')
		if end < 0 || i >= len(params) {
			return "", fmt.Errorf("zoom: path %q: missing parameter", tmpl)
		}
		if params[i] == "" {
			return "", fmt.Errorf("zoom: path %q: empty %s", tmpl, tmpl[open:open+end+1])
		}
		b.WriteString(tmpl[:open])
		b.WriteString(url.PathEscape(params[i]))
		tmpl = tmpl[open+end+1:]
		i++
	}
	return b.String(), nil
}

// parseAPIError reads Zoom's JSON error body; HTML pages and empty bodies
// still give a clear error carrying the status.
func parseAPIError(resp *http.Response, body []byte, ep endpoint) *APIError {
	e := &APIError{HTTPStatus: resp.StatusCode, Method: ep.method, Path: ep.path}
	var z struct {
		Code    int          `json:"code"`
		Message string       `json:"message"`
		Errors  []FieldError `json:"errors"`
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] == '{' && json.Unmarshal(trimmed, &z) == nil {
		e.Code, e.Message, e.Fields = z.Code, z.Message, z.Errors
		if e.Code == 0 && resp.StatusCode == http.StatusTooManyRequests {
			e.Code = http.StatusTooManyRequests
		}
		return e
	}
	switch {
	case len(trimmed) == 0:
		e.Message = fmt.Sprintf("%s (empty answer)", http.StatusText(resp.StatusCode))
	case looksHTML(trimmed):
		e.Message = fmt.Sprintf("%s (an HTML page instead of a JSON answer)", http.StatusText(resp.StatusCode))
	default:
		e.Message = fmt.Sprintf("%s (unexpected answer: %q)", http.StatusText(resp.StatusCode), truncate(string(trimmed), 120))
	}
	return e
}

func looksHTML(b []byte) bool {
	s := strings.ToLower(string(b[:min(len(b), 256)]))
	return strings.HasPrefix(s, "<!doctype html") || strings.HasPrefix(s, "<html") || strings.Contains(s, "<body")
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func isDaily(h http.Header, e *APIError) bool {
	if t := h.Get("X-RateLimit-Type"); t != "" {
		return strings.EqualFold(t, string(DailyLimit))
	}
	return strings.Contains(strings.ToLower(e.Message), "daily")
}

// retryAfter reads Retry-After: delta seconds, an HTTP date or an ISO-8601
// timestamp.
func retryAfter(v string) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, ok := parseTimestamp(v); ok {
		return max(time.Until(t), 0), true
	}
	return 0, false
}

// dailyReset is when a daily quota clears: Retry-After if it says, else the
// next 00:00 UTC, which is when Zoom resets them.
func dailyReset(v string) time.Time {
	if t, ok := parseTimestamp(strings.TrimSpace(v)); ok {
		return t
	}
	if d, ok := retryAfter(v); ok {
		return time.Now().Add(d).UTC()
	}
	now := time.Now().UTC()
	return time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, time.UTC)
}

func parseTimestamp(v string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05Z0700", http.TimeFormat, time.RFC1123Z} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// counters are the client's own tallies; Stats snapshots them.
type counters struct {
	calls, retries, qps429, daily429 [numCategories]atomic.Int64
}

// Stats are the calls a run made, by category.
type Stats struct {
	Calls, Retries, QPS429, Daily429 map[Category]int64
	// Tokens is the number of access tokens fetched.
	Tokens int
}

// Total sums a per-category tally.
func Total(m map[Category]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

// CallsSince is the calls made, by category, between an earlier snapshot
// and this one (categories with none left out).
func (s Stats) CallsSince(before Stats) map[Category]int64 {
	out := map[Category]int64{}
	for _, c := range Categories {
		if n := s.Calls[c] - before.Calls[c]; n > 0 {
			out[c] = n
		}
	}
	return out
}

// Stats snapshots the counters.
func (c *Client) Stats() Stats {
	s := Stats{Calls: map[Category]int64{}, Retries: map[Category]int64{}, QPS429: map[Category]int64{}, Daily429: map[Category]int64{}}
	for _, cat := range Categories {
		s.Calls[cat] = c.stats.calls[cat].Load()
		s.Retries[cat] = c.stats.retries[cat].Load()
		s.QPS429[cat] = c.stats.qps429[cat].Load()
		s.Daily429[cat] = c.stats.daily429[cat].Load()
	}
	c.tokens.mu.Lock()
	s.Tokens = c.tokens.fetches
	c.tokens.mu.Unlock()
	return s
}

// errAs is errors.As with a fresh target, for brevity in methods.
func errAs[T error](err error) (T, bool) {
	var t T
	ok := errors.As(err, &t)
	return t, ok
}
