// Package sandbox is an in-memory Zoom ("the sandbox"): the Users API
// endpoints zoombulk calls, with the reference's bodies, status codes and
// Zoom error codes, next_page_token pagination, the account tier's
// per-category rate limits and daily caps, a Server-to-Server OAuth token
// endpoint, and injectable faults. Tests run it in-process; `zoombulk
// sandbox` serves it on loopback.
//
// It deliberately does not import the API client (internal/zoom): the
// client's tests run against it, and a sandbox that shared the client's
// types would agree with the client's mistakes instead of catching them.
// It does not import package testing either, as the shipped binary serves
// it; the test helpers (NewTestServer, NewClient, strict request checks
// against Zoom's OpenAPI file) are in internal/zoom/zoomtest.
package sandbox

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
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
	// BasicSeats caps the users of type 1 and NoMeetingSeats those of type 4
	// (the "maximum basic user limit" of some plans); 0 is unlimited.
	// Creating one past the cap answers 2033 (basic) or 3412, converting or
	// activating one answers 3412 (and 2033 for activating a basic user).
	BasicSeats, NoMeetingSeats int
	// FreeAddOns grants add-ons (webinar, large_meeting, zoom_events, ...)
	// through Bulk update features to users who are not licensed. Zoom
	// lists them in fail_details as "Can't update for free users", and so
	// does the sandbox by default: this lenient mode is for tests that
	// mean to look at something else.
	FreeAddOns bool
	// LenientBatches accepts more items in one call than Zoom does (group
	// admins past 10, assistants past 30) and clamps a page_size past the
	// documented maximum instead of refusing it, as older sandboxes did.
	// Off by default: the sandbox refuses them as Zoom does.
	LenientBatches bool
	// DailyGroupCap limits Create a group per UTC day; 0 is Zoom's 100,
	// negative is none.
	DailyGroupCap int
	// FeatureSeats caps, per feature_type of Bulk update features (e.g.
	// "webinar": 10), the users who may have the feature; past it a user
	// is listed in fail_details as "Not enough seats". Absent is unlimited.
	FeatureSeats map[string]int
	// TokenErrorsAs400 answers a bad or expired token with HTTP 400 code 124
	// on the operations whose reference lists it so (List users, Get user
	// summary, Get a user's token) instead of Zoom's usual 401. Off by
	// default: clients that refresh only on 401 would not recover.
	TokenErrorsAs400 bool
	// TokenTTL is the access token lifetime (default 1h).
	TokenTTL time.Duration
	// TokenUses, when set, expires each token after that many API calls:
	// tokens that lapse mid-run, whatever the machine's speed (tests).
	TokenUses                         int
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
	// UserPageSize is the most users a List users page holds (default
	// 2000, Zoom's largest now; older accounts stop at 300): the answer's
	// page_size says what was granted.
	UserPageSize int
	// ValidateRequest, when set, checks every routed API request before
	// anything else looks at it (body already read: body). An error answers
	// 400 with code 300 and a message starting "strict sandbox:", spends no
	// quota, and is kept for Violations. The test helper (zoomtest) sets it
	// to a check against Zoom's OpenAPI file; the shipped sandbox leaves it
	// nil, as Zoom itself ignores unknown fields.
	ValidateRequest func(r *http.Request, body []byte) error
}

// Server is a sandbox. Create it with New (no listener) or Start.
type Server struct {
	opts  Options
	tier  tierLimits
	now   func() time.Time
	seats int

	mu sync.RWMutex // guards st and version
	st *state
	// version counts the writes to st: the page starts of the user
	// listings (userPages) hold until the next one.
	version   uint64
	userPages userPageIndex

	lim     *limiter
	tokens  *tokenStore
	faults  *faultInjector
	stats   *statsRecorder
	pageKey []byte
	track   trackingIDs

	vmu        sync.Mutex // guards violations
	violations []string

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
		return nil, fmt.Errorf("sandbox: unknown tier %q (want free, pro or business)", opts.Tier)
	}
	opts.Tier = strings.ToLower(opts.Tier)
	if opts.FeaturesInterval == 0 {
		opts.FeaturesInterval = 10 * time.Second
	}
	if opts.TokenTTL <= 0 {
		opts.TokenTTL = time.Hour
	}
	if opts.Latency < 0 {
		return nil, errors.New("sandbox: negative latency")
	}
	if opts.Users < 0 {
		return nil, errors.New("sandbox: negative number of users to generate")
	}
	if opts.UserPageSize <= 0 {
		opts.UserPageSize = 2000
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
		return nil, fmt.Errorf("sandbox: %w", err)
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
	s.tokens.maxUses = opts.TokenUses
	if s.seats == 0 && opts.Seed != nil {
		s.seats = opts.Seed.LicensedSeats
	}
	if s.seats < 0 {
		return nil, errors.New("sandbox: negative licensed seats")
	}
	rand.Read(s.pageKey)
	s.st = newState(newIDGen(1))
	if err := s.load(opts.Seed); err != nil {
		return nil, fmt.Errorf("sandbox: seed: %w", err)
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
		return fmt.Errorf("sandbox: %w", err)
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
		return fmt.Errorf("sandbox: bad address %q: %w", addr, err)
	}
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	if host == "" {
		return fmt.Errorf("sandbox: address %q listens on every interface; the sandbox only serves loopback (e.g. 127.0.0.1:8765)", addr)
	}
	return fmt.Errorf("sandbox: address %q is not a loopback address; the sandbox only serves loopback (e.g. 127.0.0.1:8765)", addr)
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
	// Zoom tags every answer with a tracking ID its support asks for.
	w.Header().Set(TrackingHeader, s.track.next())
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
	// token400: the reference lists a bad token as 400 (not 401) code 124.
	token400 bool
}

func (rt *route) key() string { return rt.method + " " + rt.pattern }

var routes = func() []*route {
	rs := []*route{
		{method: "GET", pattern: "/users", category: Medium, handle: (*Server).listUsers, token400: true},
		{method: "POST", pattern: "/users", category: Light, handle: (*Server).createUser},
		{method: "GET", pattern: "/users/email", category: Light, handle: (*Server).checkEmail},
		{method: "GET", pattern: "/users/summary", category: Medium, handle: (*Server).userSummary, token400: true},
		{method: "POST", pattern: "/users/features", category: Medium, handle: (*Server).bulkFeatures},
		{method: "GET", pattern: "/users/{userId}", category: Light, handle: (*Server).getUser},
		{method: "PATCH", pattern: "/users/{userId}", category: Light, handle: (*Server).updateUser},
		{method: "DELETE", pattern: "/users/{userId}", category: Light, handle: (*Server).deleteUser},
		{method: "PUT", pattern: "/users/{userId}/status", category: Light, handle: (*Server).userStatus},
		{method: "GET", pattern: "/users/{userId}/settings", category: Medium, handle: (*Server).userSettings},
		{method: "PATCH", pattern: "/users/{userId}/settings", category: Medium, handle: (*Server).updateSettings},
		{method: "PUT", pattern: "/users/{userId}/email", category: Light, handle: (*Server).updateEmail},
		{method: "GET", pattern: "/users/{userId}/token", category: Light, handle: (*Server).userToken, token400: true},
		{method: "DELETE", pattern: "/users/{userId}/token", category: Light, handle: (*Server).revokeSSOToken},
		{method: "POST", pattern: "/users/{userId}/picture", category: Medium, handle: (*Server).uploadPicture},
		{method: "DELETE", pattern: "/users/{userId}/picture", category: Medium, handle: (*Server).deletePicture},
		{method: "POST", pattern: "/users/{userId}/settings/virtual_backgrounds", category: Medium, handle: (*Server).uploadUserVB},
		{method: "DELETE", pattern: "/users/{userId}/settings/virtual_backgrounds", category: Light, handle: (*Server).deleteUserVB},
		{method: "POST", pattern: "/groups/{groupId}/settings/virtual_backgrounds", category: Medium, handle: (*Server).uploadGroupVB},
		{method: "DELETE", pattern: "/groups/{groupId}/settings/virtual_backgrounds", category: Light, handle: (*Server).deleteGroupVB},
		{method: "GET", pattern: "/users/{userId}/schedulers", category: Medium, handle: (*Server).listSchedulers},
		{method: "DELETE", pattern: "/users/{userId}/schedulers", category: Light, handle: (*Server).deleteSchedulers},
		{method: "GET", pattern: "/users/{userId}/assistants", category: Medium, handle: (*Server).listAssistants},
		{method: "POST", pattern: "/users/{userId}/assistants", category: Medium, handle: (*Server).addAssistants},
		{method: "DELETE", pattern: "/users/{userId}/assistants", category: Light, handle: (*Server).deleteAssistants},
		{method: "DELETE", pattern: "/users/{userId}/assistants/{assistantId}", category: Light, handle: (*Server).deleteAssistant},

		{method: "GET", pattern: "/groups", category: Medium, handle: (*Server).listGroups},
		{method: "POST", pattern: "/groups", category: Light, handle: (*Server).createGroup},
		{method: "GET", pattern: "/groups/{groupId}", category: Light, handle: (*Server).getGroup},
		{method: "PATCH", pattern: "/groups/{groupId}", category: Light, handle: (*Server).updateGroup},
		{method: "DELETE", pattern: "/groups/{groupId}", category: Light, handle: (*Server).deleteGroup},
		{method: "GET", pattern: "/groups/{groupId}/settings", category: Medium, handle: (*Server).groupSettings},
		{method: "PATCH", pattern: "/groups/{groupId}/settings", category: Medium, handle: (*Server).updateGroupSettings},
		{method: "GET", pattern: "/groups/{groupId}/lock_settings", category: Medium, handle: (*Server).groupLockSettings},
		{method: "PATCH", pattern: "/groups/{groupId}/lock_settings", category: Medium, handle: (*Server).updateGroupLockSettings},
		{method: "GET", pattern: "/groups/{groupId}/admins", category: Medium, handle: (*Server).listGroupAdmins},
		{method: "POST", pattern: "/groups/{groupId}/admins", category: Medium, handle: (*Server).addGroupAdmins},
		{method: "DELETE", pattern: "/groups/{groupId}/admins/{userId}", category: Light, handle: (*Server).deleteGroupAdmin},
		{method: "GET", pattern: "/groups/{groupId}/members", category: Medium, handle: (*Server).listGroupMembers},
		{method: "POST", pattern: "/groups/{groupId}/members", category: Medium, handle: (*Server).addGroupMembers},
		{method: "PATCH", pattern: "/groups/{groupId}/members/{memberId}", category: Medium, handle: (*Server).updateGroupMember},
		{method: "DELETE", pattern: "/groups/{groupId}/members/{memberId}", category: Light, handle: (*Server).deleteGroupMember},

		{method: "GET", pattern: "/divisions", category: Light, handle: (*Server).listDivisions},
		{method: "POST", pattern: "/divisions", category: Light, handle: (*Server).createDivision},
		{method: "GET", pattern: "/divisions/{divisionId}", category: Light, handle: (*Server).getDivision},
		{method: "PATCH", pattern: "/divisions/{divisionId}", category: Light, handle: (*Server).updateDivision},
		{method: "DELETE", pattern: "/divisions/{divisionId}", category: Light, handle: (*Server).deleteDivision},
		{method: "GET", pattern: "/divisions/{divisionId}/users", category: Light, handle: (*Server).listDivisionUsers},
		{method: "POST", pattern: "/divisions/{divisionId}/users", category: Medium, handle: (*Server).assignDivision},

		{method: "GET", pattern: "/contacts/groups", category: Medium, handle: (*Server).listContactGroups},
		{method: "POST", pattern: "/contacts/groups", category: Heavy, handle: (*Server).createContactGroup},
		{method: "GET", pattern: "/contacts/groups/{groupId}", category: Light, handle: (*Server).getContactGroup},
		{method: "PATCH", pattern: "/contacts/groups/{groupId}", category: Heavy, handle: (*Server).updateContactGroup},
		{method: "DELETE", pattern: "/contacts/groups/{groupId}", category: Heavy, handle: (*Server).deleteContactGroup},
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
// beats a parameter, so /users/email is not user "email".
func match(method, path string) (rt *route, params map[string]string) {
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
			continue
		}
		if literals > best {
			rt, params, best = cand, ps, literals
		}
	}
	return rt, params
}

// CategoryOf is the rate-limit category (Light, Medium, Heavy, ...) of the
// API call method path, path as sent (below /v2, e.g. /v2/users/u1), or ""
// for one the sandbox does not serve. Tests use it to check a client's
// send schedule per category against the tier's limits.
func CategoryOf(method, path string) string {
	rt, _ := match(method, path)
	if rt == nil {
		return ""
	}
	return rt.category
}

// call is one API request as handlers see it.
type call struct {
	params      map[string]string
	contentType string
	query       url.Values
	body        []byte
	now         time.Time
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

// maxBody bounds a request body: a profile picture of up to 2 MB with its
// multipart framing fits, anything far larger is refused unread.
const maxBody = 3 << 20

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if !s.sleep(ctx, s.opts.Latency) {
		return
	}
	rt, params := match(r.Method, r.URL.EscapedPath())
	if resp := s.authenticate(r); resp != nil {
		if s.opts.TokenErrorsAs400 && rt != nil && rt.token400 {
			resp.status = http.StatusBadRequest
		}
		writeJSON(w, resp.status, resp.body)
		return
	}
	if rt == nil {
		// Zoom answers a method a path does not have as it answers an
		// unknown path: 404, code 2300 (not 405).
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
	if v := s.opts.ValidateRequest; v != nil {
		if err := v(r, body); err != nil {
			msg := fmt.Sprintf("%s %s: %v", r.Method, r.URL.RequestURI(), err)
			s.vmu.Lock()
			s.violations = append(s.violations, msg)
			s.vmu.Unlock()
			s.stats.invalid(key)
			writeJSON(w, http.StatusBadRequest, apiError{Code: 300, Message: "strict sandbox: " + err.Error()})
			return
		}
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

	c := &call{params: params, contentType: r.Header.Get("Content-Type"), query: r.URL.Query(), body: body, now: now}
	var resp response
	if write {
		s.mu.Lock()
		resp = rt.handle(s, c)
		s.version++
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

// Violations lists the requests ValidateRequest refused, as "METHOD
// /v2/path?query: reason", in the order they came.
func (s *Server) Violations() []string {
	s.vmu.Lock()
	defer s.vmu.Unlock()
	return slices.Clone(s.violations)
}

// TrackingHeader is the header Zoom sends with every answer.
const TrackingHeader = "x-zm-trackingid"

// trackingIDs hands out tracking IDs shaped like Zoom's
// ("v=2.0;clid=us06;rid=WEB_<32 hex>"): unique per answer, and not
// guessable from one another, as they identify a call to support.
type trackingIDs struct {
	mu  sync.Mutex
	key [16]byte
	n   uint64
}

func (t *trackingIDs) next() string {
	t.mu.Lock()
	if t.n == 0 {
		rand.Read(t.key[:])
	}
	t.n++
	m := hmac.New(sha256.New, t.key[:])
	binary.Write(m, binary.BigEndian, t.n)
	t.mu.Unlock()
	return "v=2.0;clid=us06;rid=WEB_" + hex.EncodeToString(m.Sum(nil)[:16])
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
	// Encoded into a reused buffer, the bytes json.Marshal gives without
	// its copy: a page of 300 users is 250 KB, and an export of 100,000
	// users allocated 47 MB here, which the collector chased through the
	// tool's heap as well (the sandbox runs in the tool's process in tests
	// and benchmarks).
	buf := jsonBufs.Get().(*bytes.Buffer)
	defer jsonBufs.Put(buf)
	buf.Reset()
	if err := json.NewEncoder(buf).Encode(body); err != nil {
		panic(err) // a sandbox bug: every body is a plain struct
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	w.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))) // Encode ends with a newline, Marshal does not
}

var jsonBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

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
