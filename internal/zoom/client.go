// Package zoom is a client for the Zoom Users API (v2): Server-to-Server
// OAuth, typed context-first methods, per-category rate limiting, one retry
// policy, and care with writes whose answer was lost.
package zoom

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// Client talks to one Zoom account. It is safe for concurrent use; all
// goroutines share its token, its limiters and its counters.
type Client struct {
	cfg      Config
	http     *http.Client
	tokens   *tokenSource
	tier     Tier
	clock    clock
	limits   [numCategories]*limiter
	features *featuresGate
	latency  [numCategories]ewma
	fastest  fastestRTT // of every call answered, for the features gate
	stats    counters
	sensed   sensedTiers
	// dailyOut is, per category, when a daily limit whose last answer
	// said nothing is left resets (unix nanoseconds; 0: not spent).
	dailyOut [numCategories]atomic.Int64
}

// New checks cfg and builds a client. It makes no call.
func New(cfg Config) (*Client, error) {
	return newClient(cfg, realClock{})
}

func newClient(cfg Config, clk clock) (*Client, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	tier, err := LookupTier(cfg.Tier)
	if err != nil {
		return nil, err
	}
	var hc *http.Client
	if cfg.HTTPClient != nil {
		copied := *cfg.HTTPClient
		if copied.Timeout == 0 { // a given transport still answers within the client's timeout
			copied.Timeout = cfg.Timeout
		}
		hc = &copied
	} else {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 256
		hc = &http.Client{Timeout: cfg.Timeout, Transport: tr}
	}
	// Whatever client was given, redirects follow the client's rules:
	// credentials and tokens never go to plain http or to another host.
	hc.CheckRedirect = checkRedirect
	c := &Client{
		cfg:      cfg,
		http:     hc,
		tier:     tier,
		clock:    clk,
		features: newFeaturesGate(cfg.FeaturesInterval, clk),
	}
	c.features.known = c.fastest.get
	c.tokens = &tokenSource{cfg: &c.cfg, http: hc, clock: clk, wire: c.slowestLatency}
	for _, cat := range Categories {
		r := tier.PerSecond[cat] * cfg.Share
		if math.IsNaN(r) || math.IsInf(r, 0) || r <= 0 {
			return nil, fmt.Errorf("zoom: the %s rate %v calls/s is not a usable rate", cat, r)
		}
		c.limits[cat] = newLimiter(cat, r, clk)
	}
	return c, nil
}

// Tier is the rate-limit table the client paces itself by.
func (c *Client) Tier() Tier { return c.tier }

// Share is the fraction of the tier's limits the client uses.
func (c *Client) Share() float64 { return c.cfg.Share }

// Rate is the calls per second the client allows itself in a category.
// It is the tier's limit times the share until the account's answers show
// a lower limit (see tiersense.go).
func (c *Client) Rate(cat Category) float64 { return c.limits[cat].baseRate() }

// FeaturesInterval is the spacing of POST /users/features calls.
func (c *Client) FeaturesInterval() time.Duration { return c.cfg.FeaturesInterval }

// APIURL is where the client sends its calls.
func (c *Client) APIURL() string { return c.cfg.APIURL }

// Latency is the recent answer time of a category's calls (a moving
// average of the time from sending a call to reading its whole answer), or
// 0 before the first answer. With Little's law, workers = rate × latency is
// how many calls must be in flight to hold the category's rate.
func (c *Client) Latency(cat Category) time.Duration {
	if cat < 0 || cat >= numCategories {
		return 0
	}
	return c.latency[cat].get()
}

// slowestLatency is the largest recent answer time of any category.
func (c *Client) slowestLatency() time.Duration {
	var m time.Duration
	for i := range c.latency {
		m = max(m, c.latency[i].get())
	}
	return m
}

// Authenticate gets a token now, so that bad credentials show up before
// any work starts.
func (c *Client) Authenticate(ctx context.Context) error {
	_, err := c.tokens.get(ctx, "")
	return err
}

// errRedirectRefused marks a redirect the client will not follow.
var errRedirectRefused = errors.New("redirect refused")

// redirectError says which redirect was refused and why.
type redirectError struct{ why string }

func (e *redirectError) Error() string        { return "refusing to follow a redirect: " + e.why }
func (e *redirectError) Is(target error) bool { return target == errRedirectRefused }

// checkRedirect follows a redirect only to https (plain http only from a
// loopback address to a loopback address, as the sandbox runs), and strips
// the credentials from a redirect to another host: the Authorization header
// carries the client secret on the token call and the token on the others.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return &redirectError{"more than 10 redirects"}
	}
	from := via[len(via)-1].URL
	switch {
	case req.URL.Scheme == "https":
	case req.URL.Scheme == "http" && from.Scheme == "http" && isLoopback(req.URL.Hostname()):
	default:
		return &redirectError{fmt.Sprintf("%s redirected to %s://%s, which is not https", origin(from.String()), req.URL.Scheme, req.URL.Host)}
	}
	if !strings.EqualFold(req.URL.Host, via[0].URL.Host) {
		req.Header.Del("Authorization")
		req.Header.Del("Cookie")
	}
	return nil
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
	// raw is a body sent as is, with contentType (multipart uploads);
	// body is then nil.
	raw         []byte
	contentType string
	out         any
	// settle is a write's "read back after a lost answer": when an attempt
	// may have been applied without our knowing (the answer was lost, or was
	// a 5xx), it says whether the write took effect after all. err is the
	// error the call would otherwise end with. A write that is not
	// idempotent is never resent before settle says it did not take effect;
	// every write in doubt that ends in an error asks settle once more (a
	// "not found" on a resent delete means the first one worked). done means
	// success; settle may fill the call's output from what it read.
	settle func(ctx context.Context, err error) (done bool, serr error)
}

// response tells the caller what happened besides the decoded body.
type response struct {
	status int
	// doubt: an earlier attempt of this write got no usable answer and may
	// have been applied, so "already done" answers may be our own doing.
	doubt bool
	// settled: settle found the write done; the output is what it read.
	settled bool
}

// attemptState is what the attempts of one call share.
type attemptState struct {
	target    string
	payload   []byte
	n         int    // the attempt's number, from 0
	rejected  string // a token Zoom refused
	refreshes int    // fresh tokens this call asked for
	lastErr   error  // the last error that left the write in doubt
}

// do runs a call under the retry policy (retry.go), with settle deciding
// writes whose answer was lost.
func (c *Client) do(ctx context.Context, cl call) (response, error) {
	var res response
	path, err := expand(cl.ep.path, cl.params)
	if err != nil {
		return res, err
	}
	st := &attemptState{target: c.cfg.APIURL + path}
	if len(cl.query) > 0 {
		st.target += "?" + cl.query.Encode()
	}
	if cl.body != nil {
		if st.payload, err = json.Marshal(cl.body); err != nil {
			return res, fmt.Errorf("zoom: %s: encoding the body: %w", cl.ep, err)
		}
	} else if cl.raw != nil {
		st.payload = cl.raw
	}
	write := cl.ep.method != http.MethodGet
	err = retryLoop(ctx, c.clock, c.cfg.MaxAttempts, c.cfg.BackoffBase, c.cfg.BackoffMax, func(n int) (bool, error) {
		st.n = n
		if res.doubt && !cl.ep.idempotent {
			// Never resend blind: find out first whether it took effect.
			if cl.settle == nil {
				return false, &AmbiguousError{Method: cl.ep.method, Path: cl.ep.path, Err: st.lastErr}
			}
			done, serr := cl.settle(ctx, st.lastErr)
			if serr != nil {
				return false, &AmbiguousError{Method: cl.ep.method, Path: cl.ep.path, Err: st.lastErr, Lookup: serr}
			}
			if done {
				res.settled = true
				return false, nil
			}
		}
		if n > 0 {
			c.stats.retries[cl.ep.category].Add(1)
		}
		return c.attempt(ctx, cl, st, &res)
	})
	if err == nil || !res.doubt || !write {
		return res, err
	}
	if _, ok := errAs[*AmbiguousError](err); ok {
		return res, err
	}
	if callerEnded(ctx, err) {
		// Stopped or cancelled while the write was in doubt: not "not sent".
		return res, &AmbiguousError{Method: cl.ep.method, Path: cl.ep.path, Err: st.lastErr}
	}
	if cl.settle != nil {
		if done, serr := cl.settle(ctx, err); serr == nil && done {
			res.settled = true
			return res, nil
		}
	}
	return res, err
}

// answer is an output that decodes its answer itself (what it keeps, it
// copies: the answer's buffer is reused).
type answer interface{ decodeAnswer(body []byte) error }

// answers are the buffers answers are read into: a listing page is a
// megabyte, and reading each into a new buffer grown from nothing
// allocated twice that.
var answers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// attempt is one try of a call: send it (send), decide what its answer
// means (classify, retry.go), and carry the verdict out (apply).
func (c *Client) attempt(ctx context.Context, cl call, st *attemptState, res *response) (bool, error) {
	x, err := c.send(ctx, cl, st)
	if err != nil {
		return false, err // nothing went out: a stop, an end, no token
	}
	defer x.release()
	if x.err == nil {
		res.status = x.resp.StatusCode
	}
	v := classify(cl.ep, x.resp, x.body, x.err, try{
		n:          st.n,
		written:    x.written,
		ctxErr:     ctx.Err(),
		staleToken: x.token == st.rejected,
		refreshes:  st.refreshes,
		noLimits:   c.cfg.NoLimits,
		now:        c.clock.Now(),
		apiURL:     c.cfg.APIURL,
	})
	c.apply(v, x, st, res)
	if v.decode && cl.out != nil && len(bytes.TrimSpace(x.body)) > 0 {
		decode := json.Unmarshal
		if a, ok := cl.out.(answer); ok {
			decode = func(b []byte, _ any) error { return a.decodeAnswer(b) }
		}
		if err := decode(x.body, cl.out); err != nil {
			return false, fmt.Errorf("zoom: %s: decoding the answer: %w", cl.ep, err)
		}
	}
	return v.next()
}

// exchange is one request on the wire and what came back.
type exchange struct {
	token   string // the access token sent
	resp    *http.Response
	body    []byte // the whole answer (its buffer returns to answers on release)
	err     error  // sending or reading the answer failed
	written bool   // the request was written to the wire
	buf     *bytes.Buffer
}

func (x *exchange) release() {
	if x.buf != nil {
		answers.Put(x.buf)
	}
}

// send waits for the category's slot (and the features gate), takes the
// token, checks the stop and sends, reading the whole answer. It notes the
// timings the pacing goes by. An error means nothing went out; a failure
// on the wire is the exchange's err instead.
func (c *Client) send(ctx context.Context, cl call, st *attemptState) (*exchange, error) {
	cat := cl.ep.category
	if err := c.dailySpent(cat); err != nil {
		return nil, err
	}
	// The features gate first: its wait is long, and a category slot
	// claimed before it would be spent at the moment the slot was claimed
	// while the call went out an interval later, beside the category's
	// other calls of that second (61 Medium calls in one second).
	var turn *gateTurn
	if cl.ep.features && !c.cfg.NoLimits {
		t, err := c.features.acquire(ctx)
		if err != nil {
			return nil, err
		}
		turn = t
		defer turn.release() // a no-op once sent
	}
	if !c.cfg.NoLimits {
		if err := c.limits[cat].wait(ctx); err != nil {
			return nil, err
		}
	}
	// The token is taken after every wait, so that it has its margin of
	// life left when the call goes out, however long the waits were.
	tok, err := c.tokens.get(ctx, st.rejected)
	if err != nil {
		return nil, err
	}
	var wrote atomic.Int64 // unix nanoseconds of the clock; 0 = not written
	trace := &httptrace.ClientTrace{WroteRequest: func(info httptrace.WroteRequestInfo) {
		if info.Err == nil {
			wrote.Store(c.clock.Now().UnixNano())
		}
	}}
	req, err := c.newRequest(httptrace.WithClientTrace(ctx, trace), cl, st, tok)
	if err != nil {
		return nil, err
	}
	// The last moment to honour a stop: after this the call is on the wire.
	if stopped(stopOf(ctx)) {
		return nil, ErrNotSent
	}
	c.stats.calls[cat].Add(1)
	x := &exchange{token: tok}
	start := c.clock.Now()
	x.resp, x.err = c.http.Do(req)
	if x.err == nil {
		x.buf = answers.Get().(*bytes.Buffer) // decoding and parseAPIError copy what they keep
		x.buf.Reset()
		_, x.err = x.buf.ReadFrom(x.resp.Body)
		x.body = x.buf.Bytes()
		x.resp.Body.Close()
	}
	end := c.clock.Now()
	x.written = wrote.Load() != 0
	if turn != nil && x.written {
		turn.sent(time.Unix(0, wrote.Load()), end)
	}
	if x.err == nil {
		if x.written {
			c.fastest.add(end.Sub(time.Unix(0, wrote.Load())))
		}
		c.latency[cat].add(end.Sub(start))
	}
	return x, nil
}

// newRequest builds the request of one attempt.
func (c *Client) newRequest(ctx context.Context, cl call, st *attemptState, tok string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, cl.ep.method, st.target, bytes.NewReader(st.payload))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	switch {
	case cl.contentType != "":
		req.Header.Set("Content-Type", cl.contentType)
	case st.payload != nil:
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// apply carries a verdict out: the call's doubt and token, the counters,
// and the pacing.
func (c *Client) apply(v verdict, x *exchange, st *attemptState, res *response) {
	if v.doubt {
		res.doubt = true
	}
	if v.cause != nil {
		st.lastErr = v.cause
	}
	if v.refresh {
		st.rejected = x.token
		st.refreshes++
	}
	switch v.count {
	case tallyQPS:
		c.stats.qps429[v.limited].Add(1)
	case tallyDaily:
		c.stats.daily429[v.limited].Add(1)
	}
	pause := v.pause
	if v.drawPause {
		pause = backoff(st.n, c.cfg.BackoffBase, c.cfg.BackoffMax)
	}
	switch v.pace {
	case paceSuccess:
		c.senseDaily(v.limited, x.resp.Header)
		c.senseHeaders(v.limited, x.resp.Header)
		c.limits[v.limited].recover()
	case paceFeatures:
		c.features.delay(pause)
	case paceCategory:
		c.senseHeaders(v.limited, x.resp.Header)
		if c.limits[v.limited].slowDown(pause) {
			c.sense429(v.limited)
		}
	}
}

// maxRefreshes bounds the fresh tokens one call asks for after refusals.
const maxRefreshes = 2

// tokenRejected says Zoom refused the access token itself: 401 or 400 with
// code 124, and the divisions API's own 401 codes.
func tokenRejected(e *APIError) bool {
	switch e.HTTPStatus {
	case http.StatusUnauthorized:
		return e.Code == CodeInvalidToken || e.Code == CodeDivisionTokenInvalid || e.Code == CodeDivisionTokenExpired
	case http.StatusBadRequest:
		return e.Code == CodeInvalidToken
	}
	return false
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
	e := &APIError{HTTPStatus: resp.StatusCode, Method: ep.method, Path: ep.path, TrackingID: resp.Header.Get("x-zm-trackingid")}
	var z struct {
		Code    int          `json:"code"`
		Message string       `json:"message"`
		Errors  []FieldError `json:"errors"`
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] == '{' && json.Unmarshal(trimmed, &z) == nil {
		e.Code, e.Message, e.Fields, e.json = z.Code, z.Message, z.Errors, true
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

// truncate shortens s to at most n bytes, cutting at a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func isDaily(h http.Header, e *APIError) bool {
	if t := h.Get("X-RateLimit-Type"); t != "" {
		return strings.EqualFold(t, string(DailyLimit))
	}
	return strings.Contains(strings.ToLower(e.Message), "daily")
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
	// SensedTier names the tier whose limits the account's answers showed
	// when they are lower than the tier the client was given ("" when
	// they matched, or said nothing).
	SensedTier string
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
	s.SensedTier = c.SensedTier()
	return s
}

// errAs is errors.As with a fresh target, for brevity in methods.
func errAs[T error](err error) (T, bool) {
	var t T
	ok := errors.As(err, &t)
	return t, ok
}
