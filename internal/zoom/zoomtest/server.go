// Package zoomtest is an in-memory Zoom ("the sandbox"): the Users API
// endpoints zoombulk calls, with the reference's bodies, status codes and
// Zoom error codes, next_page_token pagination, the account tier's
// per-category rate limits and daily caps, a Server-to-Server OAuth token
// endpoint, and injectable faults. Tests run it in-process; `zoombulk
// sandbox` serves it on loopback.
//
// It deliberately does not import the API client (internal/zoom): the
// client's tests import this package, and a sandbox that shared the client's
// types would agree with the client's mistakes instead of catching them.
package zoomtest

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Options configure a sandbox. The zero value is a business-tier account with
// rate limits on, no faults and no users but the owner.
type Options struct {
	Tier         string        // "free" | "pro" | "business" (default "business")
	NoRateLimits bool          // no per-category QPS or daily limits; the features interval and the daily create cap still apply
	Latency      time.Duration // added to every API response (not the token endpoint)
	// FeaturesInterval is the minimum spacing of POST /users/features calls
	// (default 10s; negative disables the rule).
	FeaturesInterval time.Duration
	// DailyCreateCap limits POST /users with action=create per UTC day; 0 is
	// the tier's number (free 50, pro 1500, business 10000), negative is none.
	DailyCreateCap int
	// LicensedSeats caps the users of type 2; 0 takes the seed's
	// licensed_seats, and 0 there is unlimited.
	LicensedSeats int
	// TokenTTL is the access token lifetime (default 1h).
	TokenTTL                          time.Duration
	AccountID, ClientID, ClientSecret string // defaults "sandbox-account" (or the seed's account id), "sandbox-client", "sandbox-secret"
	Faults                            Faults
	// Now is the clock for token expiry, rate limits, daily windows,
	// page-token expiry and timestamps (default time.Now).
	Now func() time.Time
	// Seed is the initial data; nil is an empty account with just the owner
	// and the main division.
	Seed *Seed
	// Users additionally generates this many users, deterministically.
	Users int
}

// Server is a sandbox. Create it with New (no listener) or Start.
type Server struct {
	opts  Options
	tier  tierLimits
	now   func() time.Time
	seats int

	mu sync.RWMutex // guards st
	st *state

	lim     *limiter
	tokens  *tokenStore
	faults  *faultInjector
	stats   *statsRecorder
	pageKey []byte

	ln      net.Listener
	srv     *http.Server
	base    string
	done    chan struct{}
	closing sync.Once
}

// New builds a sandbox's state from opts without listening.
func New(opts Options) (*Server, error) {
	if opts.Tier == "" {
		opts.Tier = "business"
	}
	tier, ok := tiers[strings.ToLower(opts.Tier)]
	if !ok {
		return nil, fmt.Errorf("zoomtest: unknown tier %q (want free, pro or business)", opts.Tier)
	}
	opts.Tier = strings.ToLower(opts.Tier)
	if opts.FeaturesInterval == 0 {
		opts.FeaturesInterval = 10 * time.Second
	}
	if opts.TokenTTL <= 0 {
		opts.TokenTTL = time.Hour
	}
	if opts.Latency < 0 {
		return nil, errors.New("zoomtest: negative latency")
	}
	if opts.Users < 0 {
		return nil, errors.New("zoomtest: negative number of users to generate")
	}
	if opts.AccountID == "" && opts.Seed != nil {
		opts.AccountID = opts.Seed.Account.ID
	}
	if opts.AccountID == "" {
		opts.AccountID = "sandbox-account"
	}
	if opts.ClientID == "" {
		opts.ClientID = "sandbox-client"
	}
	if opts.ClientSecret == "" {
		opts.ClientSecret = "sandbox-secret"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if err := opts.Faults.validate(); err != nil {
		return nil, fmt.Errorf("zoomtest: %w", err)
	}
	createCap := opts.DailyCreateCap
	if createCap == 0 {
		createCap = tier.createCap
	}
	s := &Server{
		opts:    opts,
		tier:    tier,
		now:     opts.Now,
		seats:   opts.LicensedSeats,
		lim:     newLimiter(tier, opts.NoRateLimits, opts.FeaturesInterval, createCap),
		tokens:  newTokenStore(),
		faults:  newFaultInjector(opts.Faults),
		stats:   newStatsRecorder(),
		pageKey: make([]byte, 32),
		done:    make(chan struct{}),
	}
	if s.seats == 0 && opts.Seed != nil {
		s.seats = opts.Seed.LicensedSeats
	}
	if s.seats < 0 {
		return nil, errors.New("zoomtest: negative licensed seats")
	}
	rand.Read(s.pageKey)
	s.st = newState(newIDGen(1))
	if err := s.load(opts.Seed); err != nil {
		return nil, fmt.Errorf("zoomtest: seed: %w", err)
	}
	s.generate(opts.Users)
	return s, nil
}

// Start builds a sandbox and serves it on addr ("" = "127.0.0.1:0"). Only
// loopback addresses are accepted: the sandbox has well-known credentials.
func Start(addr string, opts Options) (*Server, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	if err := checkLoopback(addr); err != nil {
		return nil, err
	}
	s, err := New(opts)
	if err != nil {
		return nil, err
	}
	if err := s.listen(addr); err != nil {
		return nil, err
	}
	return s, nil
}

// listen serves s on addr.
func (s *Server) listen(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("zoomtest: %w", err)
	}
	s.ln = ln
	s.base = "http://" + ln.Addr().String()
	s.srv = &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		// Injected resets make net/http log; the client's view is what counts.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	go s.srv.Serve(ln)
	return nil
}

func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("zoomtest: bad address %q: %w", addr, err)
	}
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	if host == "" {
		return fmt.Errorf("zoomtest: address %q listens on every interface; the sandbox only serves loopback (e.g. 127.0.0.1:8765)", addr)
	}
	return fmt.Errorf("zoomtest: address %q is not a loopback address; the sandbox only serves loopback (e.g. 127.0.0.1:8765)", addr)
}

// NewTestServer starts a sandbox on 127.0.0.1:0 for the length of a test.
func NewTestServer(t testing.TB, opts Options) *Server {
	t.Helper()
	s, err := Start("", opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// URL is the server's root, "http://127.0.0.1:PORT" ("" when not started).
func (s *Server) URL() string { return s.base }

// APIURL is the API base URL clients use in place of https://api.zoom.us/v2.
func (s *Server) APIURL() string { return s.base + "/v2" }

// OAuthURL is the token endpoint, in place of https://zoom.us/oauth/token.
func (s *Server) OAuthURL() string { return s.base + "/oauth/token" }

// Env is the environment a zoombulk process needs to use this sandbox.
func (s *Server) Env() []string {
	return []string{
		"ZOOM_ACCOUNT_ID=" + s.opts.AccountID,
		"ZOOM_CLIENT_ID=" + s.opts.ClientID,
		"ZOOM_CLIENT_SECRET=" + s.opts.ClientSecret,
		"ZOOM_API_URL=" + s.APIURL(),
		"ZOOM_OAUTH_URL=" + s.OAuthURL(),
	}
}

// Close stops serving, drops open connections and wakes delayed responses.
func (s *Server) Close() {
	s.closing.Do(func() {
		close(s.done)
		if s.srv != nil {
			s.srv.Close()
		}
	})
}

// Handler serves POST /oauth/token and /v2/...
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	switch p := r.URL.Path; {
	case p == "/oauth/token":
		s.serveToken(w, r)
	case p == "/v2" || strings.HasPrefix(p, "/v2/"):
		s.serveAPI(w, r)
	default:
		writeJSON(w, http.StatusNotFound, errNotRecognized)
	}
}

// A route is one endpoint: its method, path template, rate-limit category
// (the reference's Rate Limit Label) and handler.
type route struct {
	method   string
	pattern  string
	category string
	handle   func(*Server, *call) response
	segs     []string
}

func (rt *route) key() string { return rt.method + " " + rt.pattern }

var routes = func() []*route {
	rs := []*route{
		{method: "GET", pattern: "/users", category: Medium, handle: (*Server).listUsers},
		{method: "POST", pattern: "/users", category: Light, handle: (*Server).createUser},
		{method: "GET", pattern: "/users/email", category: Light, handle: (*Server).checkEmail},
		{method: "GET", pattern: "/users/summary", category: Medium, handle: (*Server).userSummary},
		{method: "POST", pattern: "/users/features", category: Medium, handle: (*Server).bulkFeatures},
		{method: "GET", pattern: "/users/{userId}", category: Light, handle: (*Server).getUser},
		{method: "PATCH", pattern: "/users/{userId}", category: Light, handle: (*Server).updateUser},
		{method: "DELETE", pattern: "/users/{userId}", category: Light, handle: (*Server).deleteUser},
		{method: "PUT", pattern: "/users/{userId}/status", category: Light, handle: (*Server).userStatus},
		{method: "GET", pattern: "/users/{userId}/settings", category: Medium, handle: (*Server).userSettings},

		{method: "GET", pattern: "/groups", category: Medium, handle: (*Server).listGroups},
		{method: "POST", pattern: "/groups", category: Light, handle: (*Server).createGroup},
		{method: "GET", pattern: "/groups/{groupId}", category: Light, handle: (*Server).getGroup},
		{method: "GET", pattern: "/groups/{groupId}/members", category: Medium, handle: (*Server).listGroupMembers},
		{method: "POST", pattern: "/groups/{groupId}/members", category: Medium, handle: (*Server).addGroupMembers},
		{method: "PATCH", pattern: "/groups/{groupId}/members/{memberId}", category: Medium, handle: (*Server).updateGroupMember},
		{method: "DELETE", pattern: "/groups/{groupId}/members/{memberId}", category: Light, handle: (*Server).deleteGroupMember},

		{method: "GET", pattern: "/divisions", category: Light, handle: (*Server).listDivisions},
		{method: "POST", pattern: "/divisions", category: Light, handle: (*Server).createDivision},
		{method: "GET", pattern: "/divisions/{divisionId}", category: Light, handle: (*Server).getDivision},
		{method: "GET", pattern: "/divisions/{divisionId}/users", category: Light, handle: (*Server).listDivisionUsers},
		{method: "POST", pattern: "/divisions/{divisionId}/users", category: Medium, handle: (*Server).assignDivision},

		{method: "GET", pattern: "/contacts/groups", category: Medium, handle: (*Server).listContactGroups},
		{method: "GET", pattern: "/contacts/groups/{groupId}", category: Light, handle: (*Server).getContactGroup},
		{method: "GET", pattern: "/contacts/groups/{groupId}/members", category: Medium, handle: (*Server).listContactMembers},
		{method: "POST", pattern: "/contacts/groups/{groupId}/members", category: Heavy, handle: (*Server).addContactMembers},
		{method: "DELETE", pattern: "/contacts/groups/{groupId}/members", category: Heavy, handle: (*Server).removeContactMembers},
	}
	for _, rt := range rs {
		rt.segs = strings.Split(strings.TrimPrefix(rt.pattern, "/"), "/")
	}
	return rs
}()

// match finds the route for a method and path below /v2. A literal segment
// beats a parameter, so /users/email is not user "email". allowed lists the
// methods the path has when the method itself has no route.
func match(method, path string) (rt *route, params map[string]string, allowed []string) {
	path = strings.TrimSuffix(strings.TrimPrefix(path, "/v2"), "/")
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	best := -1
	for _, cand := range routes {
		if len(cand.segs) != len(segs) {
			continue
		}
		literals, ok := 0, true
		var ps map[string]string
		for i, seg := range cand.segs {
			if strings.HasPrefix(seg, "{") {
				v, err := url.PathUnescape(segs[i])
				if err != nil || v == "" {
					ok = false
					break
				}
				if ps == nil {
					ps = map[string]string{}
				}
				ps[strings.Trim(seg, "{}")] = v
				continue
			}
			if seg != segs[i] {
				ok = false
				break
			}
			literals++
		}
		if !ok {
			continue
		}
		if cand.method != method {
			if !slices.Contains(allowed, cand.method) {
				allowed = append(allowed, cand.method)
			}
			continue
		}
		if literals > best {
			rt, params, best = cand, ps, literals
		}
	}
	return rt, params, allowed
}

// call is one API request as handlers see it.
type call struct {
	params map[string]string
	query  url.Values
	body   []byte
	now    time.Time
}

// response is a handler's answer, written after the state lock is released.
type response struct {
	status int
	body   any // nil: no body
}

type fieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

type apiError struct {
	Code    int          `json:"code"`
	Message string       `json:"message"`
	Errors  []fieldError `json:"errors,omitempty"`
}

var errNotRecognized = apiError{Code: 2300, Message: "This API endpoint is not recognized."}

func reply(status int, body any) response { return response{status: status, body: body} }

func fail(status, code int, format string, args ...any) response {
	return response{status: status, body: apiError{Code: code, Message: fmt.Sprintf(format, args...)}}
}

// invalid is Zoom's 400 code 300 for a bad field, with the field in the
// errors list as Zoom gives it. The message also names the field and the
// problem, so that a report line is useful without the errors list.
func invalid(field, problem string) response {
	detail := "Invalid field."
	if problem == "is required" {
		detail = "This field is required."
	}
	return response{status: http.StatusBadRequest, body: apiError{
		Code:    300,
		Message: fmt.Sprintf("Validation Failed: %s %s.", field, problem),
		Errors:  []fieldError{{Field: field, Message: detail}},
	}}
}

const maxBody = 1 << 20

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if !s.sleep(ctx, s.opts.Latency) {
		return
	}
	if resp := s.authenticate(r); resp != nil {
		writeJSON(w, resp.status, resp.body)
		return
	}
	rt, params, allowed := match(r.Method, r.URL.EscapedPath())
	if rt == nil {
		if len(allowed) > 0 {
			w.Header().Set("Allow", strings.Join(allowed, ", "))
			writeJSON(w, http.StatusMethodNotAllowed, errNotRecognized)
			return
		}
		writeJSON(w, http.StatusNotFound, errNotRecognized)
		return
	}
	key, write := rt.key(), rt.method != http.MethodGet
	s.stats.call(key, rt.category)

	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return // the client went away
	}
	if len(body) > maxBody {
		writeJSON(w, http.StatusRequestEntityTooLarge, apiError{Code: 300, Message: "Request Body is too large."})
		return
	}

	// Faults that answer instead of Zoom come before the limiter: they stand
	// for failures in front of the API, so they spend no quota and apply
	// nothing.
	fault, variant := s.faults.decide(write)
	switch fault {
	case fault5xx:
		s.stats.fault("5xx")
		serverError(w, variant)
		return
	case faultReset:
		s.stats.fault("reset")
		resetConn(w)
		return
	case faultHTML429:
		s.stats.fault("html429")
		htmlTooMany(w, variant)
		return
	}

	now := s.now()
	rej, hdr := s.lim.admit(now, rt, isCreateAction(rt, body))
	if rej != nil {
		s.stats.rejected(rej)
		rej.write(w)
		return
	}

	c := &call{params: params, query: r.URL.Query(), body: body, now: now}
	var resp response
	if write {
		s.mu.Lock()
		resp = rt.handle(s, c)
		s.mu.Unlock()
	} else {
		s.mu.RLock()
		resp = rt.handle(s, c)
		s.mu.RUnlock()
	}
	if write && resp.status < 300 {
		s.stats.applied(key)
	}

	switch fault {
	case faultLost:
		// The write stands; only the answer is lost.
		s.stats.fault("lost")
		resetConn(w)
		return
	case faultSlow:
		s.stats.fault("slow")
		if !s.sleep(ctx, s.faults.slowDelay()) {
			return
		}
	}
	hdr.set(w.Header())
	writeJSON(w, resp.status, resp.body)
}

// sleep waits d unless the request or the server ends first; it reports
// whether the wait ran its course. No lock is held while sleeping.
func (s *Server) sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
	case <-s.done:
	}
	return false
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	if body == nil {
		w.WriteHeader(status)
		return
	}
	b, err := json.Marshal(body)
	if err != nil {
		panic(err) // a sandbox bug: every body is a plain struct
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	w.Write(b)
}

// decodeBody decodes a JSON request body into v. Zoom ignores unknown fields
// but rejects a body that is not JSON or has a field of the wrong type.
func decodeBody(c *call, v any) *response {
	if len(strings.TrimSpace(string(c.body))) == 0 {
		r := fail(http.StatusBadRequest, 300, "Request Body should be a valid JSON object.")
		return &r
	}
	if err := json.Unmarshal(c.body, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			r := invalid(te.Field, "has the wrong type: want "+jsonKind(te.Type.Kind().String()))
			return &r
		}
		r := fail(http.StatusBadRequest, 300, "Request Body should be a valid JSON object.")
		return &r
	}
	return nil
}

func jsonKind(goKind string) string {
	switch goKind {
	case "int", "int64", "float64":
		return "a number"
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "slice":
		return "an array"
	default:
		return "an object"
	}
}

// ts formats a time the way Zoom does.
func ts(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
