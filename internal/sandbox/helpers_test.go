package sandbox

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// newTestServer starts a sandbox on 127.0.0.1:0 for the length of a test.
// (The package zoomtest has the exported helper; it imports this package,
// so this package's own tests cannot use it.)
func newTestServer(t testing.TB, opts Options) *Server {
	t.Helper()
	s, err := Start("", opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// fakeClock is the injected clock for tests where time matters.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// client is a bare net/http client of the sandbox: the tests must not trust
// the project's own API client, which the sandbox exists to test.
type client struct {
	t    testing.TB
	s    *Server
	hc   *http.Client
	base string // the sandbox's root URL
	tok  string
}

func newClient(t testing.TB, s *Server) *client {
	t.Helper()
	c := &client{t: t, s: s, hc: &http.Client{Timeout: 10 * time.Second}, base: s.URL()}
	c.tok = c.token()
	return c
}

// newMemTestServer is a sandbox that serves no socket, for newMemClient.
func newMemTestServer(t testing.TB, opts Options) *Server {
	t.Helper()
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// newMemClient is a client that calls the sandbox's handler in its own
// goroutine (no socket): with the sandbox it can live in a synctest
// bubble, where the sandbox's latency and intervals pass in virtual time.
// (zoomtest.Transport is the full version; zoomtest imports this package.)
func newMemClient(t testing.TB, s *Server) *client {
	t.Helper()
	c := &client{t: t, s: s, hc: &http.Client{Transport: handlerTransport{s.Handler()}}, base: "http://127.0.0.1:9"}
	c.tok = c.token()
	return c
}

// handlerTransport answers a request with the handler, in memory.
type handlerTransport struct{ h http.Handler }

func (ht handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body == nil {
		r.Body = http.NoBody // a server's request always has a body
	}
	w := httptest.NewRecorder()
	ht.h.ServeHTTP(w, r)
	if err := r.Context().Err(); err != nil && w.Body.Len() == 0 {
		return nil, err // the client gave up (its timeout) before an answer
	}
	return w.Result(), nil
}

func (c *client) token() string {
	c.t.Helper()
	req, _ := http.NewRequest("POST", c.base+"/oauth/token?grant_type=account_credentials&account_id="+c.s.opts.AccountID, nil)
	req.SetBasicAuth(c.s.opts.ClientID, c.s.opts.ClientSecret)
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok tokenAnswer
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || resp.StatusCode != 200 {
		c.t.Fatalf("token: %d %v", resp.StatusCode, err)
	}
	return tok.AccessToken
}

type result struct {
	status int
	hdr    http.Header
	raw    []byte
}

// send makes a call and returns the transport error, if any.
func (c *client) send(method, path string, body any) (*result, error) {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, c.base+"/v2"+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if c.tok != "" {
		req.Header.Set("Authorization", "Bearer "+c.tok)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	return &result{status: resp.StatusCode, hdr: resp.Header, raw: raw}, nil
}

func (c *client) do(method, path string, body any) *result {
	c.t.Helper()
	r, err := c.send(method, path, body)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	return r
}

// ok makes a call that must answer want, and decodes the body into out.
func (c *client) ok(method, path string, body any, want int, out any) {
	c.t.Helper()
	r := c.do(method, path, body)
	if r.status != want {
		c.t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.status, want, r.raw)
	}
	if out != nil {
		if err := json.Unmarshal(r.raw, out); err != nil {
			c.t.Fatalf("%s %s: %v in %s", method, path, err, r.raw)
		}
	}
}

func (r *result) apiErr(t testing.TB) apiError {
	t.Helper()
	var e apiError
	if err := json.Unmarshal(r.raw, &e); err != nil {
		t.Fatalf("error body %q: %v", r.raw, err)
	}
	return e
}

// wantErr checks a Zoom error answer: status, code and message.
func wantErr(t testing.TB, r *result, status, code int, message string) apiError {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.raw)
	}
	if ct := r.hdr.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q, want JSON", ct)
	}
	e := r.apiErr(t)
	if e.Code != code || (message != "" && e.Message != message) {
		t.Fatalf("error %d %q, want %d %q", e.Code, e.Message, code, message)
	}
	return e
}

func createBody(action, email string, typ int) map[string]any {
	return map[string]any{"action": action, "user_info": map[string]any{
		"email": email, "type": typ, "first_name": "Test", "last_name": "User"}}
}

// seedSmall is a little account for tests.
func seedSmall() *Seed {
	return &Seed{
		Account:        SeedAccount{ID: "acct-1", Name: "Test Co"},
		Subscriptions:  []string{"SUBREF-1"},
		BlockedDomains: []string{"blocked.example"},
		Groups:         []SeedGroup{{Name: "Engineering", ID: "grp-eng"}, {Name: "Sales", ID: "grp-sales"}, {Name: "Support"}},
		Divisions:      []SeedDivision{{Name: "Main Division", Main: true, ID: "div-main"}, {Name: "EMEA", ID: "div-emea"}},
		Users: []SeedUser{
			{Email: "owner@test.example", FirstName: "O", LastName: "Wner", Type: 2, Role: "owner", ID: "u-owner"},
			{Email: "admin@test.example", FirstName: "A", LastName: "Dmin", Type: 2, Role: "admin", ID: "u-admin"},
			{Email: "ann@test.example", FirstName: "Ann", LastName: "Lee", Type: 2, ID: "u-ann", Groups: []string{"Engineering", "Sales"}, Division: "EMEA"},
			{Email: "bob@test.example", FirstName: "Bob", LastName: "Ray", Type: 1, ID: "u-bob", Groups: []string{"Sales"}},
			{Email: "pat@test.example", FirstName: "Pat", LastName: "Pend", Type: 1, ID: "u-pat", Status: "pending"},
			{Email: "ina@test.example", FirstName: "Ina", LastName: "Ctive", Type: 1, ID: "u-ina", Status: "inactive"},
		},
		ContactGroups: []SeedContactGroup{{Name: "Office", Members: []string{"ann@test.example", "bob@test.example"}}},
	}
}

// featureSettingsJSON is the feature section of Get user settings.
type featureSettingsJSON struct {
	MeetingCapacity        int    `json:"meeting_capacity"`
	LargeMeeting           bool   `json:"large_meeting"`
	LargeMeetingCapacity   int    `json:"large_meeting_capacity,omitempty"`
	Webinar                bool   `json:"webinar"`
	WebinarCapacity        int    `json:"webinar_capacity,omitempty"`
	ZoomEvents             bool   `json:"zoom_events"`
	ZoomEventsCapacity     int    `json:"zoom_events_capacity,omitempty"`
	ConcurrentMeeting      string `json:"concurrent_meeting"`
	ZoomWhiteboard         bool   `json:"zoom_whiteboard"`
	ZoomRevenueAccelerator bool   `json:"zoom_revenue_accelerator"`
	ZoomIQForSales         bool   `json:"zoom_iq_for_sales"`
	ZoomClipsPlus          bool   `json:"zoom_clips_plus"`
	ZoomPhone              bool   `json:"zoom_phone"`
}
