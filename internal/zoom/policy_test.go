package zoom_test

// Tests of the retry policy, its read-back hooks, the typed errors of a Zoom
// that cannot be reached, redirects, token refresh and stops, against small
// scripted servers on 127.0.0.1 (and the sandbox where its behaviour is the
// point).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/zoombulk/zoombulk/internal/zoom"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// fake is a scripted Zoom: /oauth/token hands out tokens (or what token
// says), everything else goes to api. It counts what it received.
type fake struct {
	srv    *httptest.Server // nil for newMemFake's
	url    string
	h      http.Handler
	token  http.HandlerFunc // nil: a token "t1", "t2", ... valid for an hour
	api    http.HandlerFunc
	tokens atomic.Int64
	mu     sync.Mutex
	calls  map[string]int // "METHOD /path" -> count
}

func newFake(t *testing.T, api http.HandlerFunc) *fake {
	t.Helper()
	f := newMemFake(t, api)
	f.srv = httptest.NewServer(f.h)
	f.url = f.srv.URL
	t.Cleanup(f.srv.Close)
	return f
}

// newMemFake is newFake without a socket: the client calls it through
// zoomtest.Transport, so a test in a synctest bubble can wait on the
// client's backoff and pauses in virtual time.
func newMemFake(t *testing.T, api http.HandlerFunc) *fake {
	t.Helper()
	f := &fake{api: api, calls: map[string]int{}, url: zoomtest.MemURL}
	f.h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/oauth/token" {
			if f.token != nil {
				f.token(w, r)
				return
			}
			n := f.tokens.Add(1)
			fmt.Fprintf(w, `{"access_token":"t%d","token_type":"bearer","expires_in":3600}`, n)
			return
		}
		f.mu.Lock()
		f.calls[r.Method+" "+strings.TrimPrefix(r.URL.Path, "/v2")]++
		f.mu.Unlock()
		f.api(w, r)
	})
	return f
}

func (f *fake) count(key string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[key]
}

func (f *fake) client(t *testing.T, tweak func(*zoom.Config)) *zoom.Client {
	t.Helper()
	cfg := zoom.Config{AccountID: "acct", ClientID: "id", ClientSecret: "secret-value", Share: 1, Tier: "business",
		APIURL: f.url + "/v2", OAuthURL: f.url + "/oauth/token",
		MaxAttempts: 4, BackoffBase: time.Millisecond, BackoffMax: 2 * time.Millisecond, NoLimits: true}
	if tweak != nil {
		tweak(&cfg)
	}
	if f.srv == nil && cfg.HTTPClient == nil {
		timeout := cfg.Timeout
		if timeout == 0 {
			timeout = 30 * time.Second
		}
		cfg.HTTPClient = &http.Client{Transport: zoomtest.Transport(f.h), Timeout: timeout}
	}
	c, err := zoom.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func zoomErr(w http.ResponseWriter, status, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"code": code, "message": msg})
}

// closedURL is a loopback address where nothing listens.
func closedURL(t *testing.T) string {
	t.Helper()
	s := httptest.NewServer(http.NotFoundHandler())
	u := s.URL
	s.Close()
	return u
}

func TestOAuth5xxIsRetried(t *testing.T) {
	var n atomic.Int64
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {})
	f.token = func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) <= 2 {
			zoomErr(w, http.StatusServiceUnavailable, 0, "try later")
			return
		}
		fmt.Fprint(w, `{"access_token":"ok","expires_in":3600}`)
	}
	if err := f.client(t, nil).Authenticate(context.Background()); err != nil {
		t.Fatalf("Authenticate after two 503s: %v", err)
	}
	if n.Load() != 3 {
		t.Errorf("token requests = %d, want 3", n.Load())
	}
}

func TestUnreachableIsNotACredentialsProblem(t *testing.T) {
	dead := closedURL(t)
	live := newFake(t, func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{}`)) })
	for _, tc := range []struct {
		name     string
		api, tok string
		run      func(*zoom.Client) error
	}{
		{"token endpoint refuses connections", live.srv.URL + "/v2", dead + "/oauth/token",
			func(c *zoom.Client) error { return c.Authenticate(context.Background()) }},
		{"API refuses connections", dead + "/v2", live.srv.URL + "/oauth/token",
			func(c *zoom.Client) error { _, err := c.UserSummary(context.Background()); return err }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := live.client(t, func(cfg *zoom.Config) { cfg.APIURL, cfg.OAuthURL = tc.api, tc.tok })
			err := tc.run(c)
			var unreachable *zoom.UnreachableError
			if !errors.As(err, &unreachable) {
				t.Fatalf("err = %v (%T), want *zoom.UnreachableError", err, err)
			}
			var auth *zoom.AuthError
			if errors.As(err, &auth) {
				t.Errorf("an unreachable host is reported as an *AuthError: %v", err)
			}
			want := "cannot reach " + dead + ": connection refused"
			if err.Error() != want {
				t.Errorf("message = %q, want %q", err, want)
			}
		})
	}
}

func TestOAuth5xxThatPersistsIsUnreachable(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {})
	f.token = func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusBadGateway) }
	err := f.client(t, nil).Authenticate(context.Background())
	var unreachable *zoom.UnreachableError
	if !errors.As(err, &unreachable) || !strings.Contains(err.Error(), "HTTP 502") {
		t.Fatalf("err = %v, want *UnreachableError naming HTTP 502", err)
	}
}

// user is a minimal Get a user answer.
func user(w http.ResponseWriter, status string, groups ...string) {
	json.NewEncoder(w).Encode(map[string]any{"id": "u1", "email": "a@acme.example", "type": 1, "status": status, "group_ids": groups})
}

// TestReadBackAfterALostAnswer runs every write's read-back hook: each
// script loses the first answer (a 502 or a cut connection) and the write's
// second try or look-up settles it.
func TestReadBackAfterALostAnswer(t *testing.T) {
	cut := func(w http.ResponseWriter) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}
	type script func(n int, w http.ResponseWriter, r *http.Request) // n: the call's number for its "METHOD /path"
	for _, tc := range []struct {
		name    string
		script  script
		run     func(context.Context, *zoom.Client) error
		wantErr bool
		sent    map[string]int // calls the server must have seen
	}{
		{
			name: "create, answer cut, look-up finds it: sent once",
			script: func(n int, w http.ResponseWriter, r *http.Request) {
				switch r.Method {
				case http.MethodPost:
					cut(w)
				case http.MethodGet:
					user(w, "pending")
				}
			},
			run: func(ctx context.Context, c *zoom.Client) error {
				u, err := c.CreateUser(ctx, zoom.ActionCreate, zoom.NewUser{Email: "a@acme.example", Type: 1})
				if err == nil && (!u.Recovered || u.ID != "u1") {
					return fmt.Errorf("got %+v, want the looked-up user, recovered", u)
				}
				return err
			},
			sent: map[string]int{"POST /users": 1, "GET /users/a@acme.example": 1},
		},
		{
			name: "create, 502, look-up finds nobody: resent once",
			script: func(n int, w http.ResponseWriter, r *http.Request) {
				switch {
				case r.Method == http.MethodPost && n == 1:
					zoomErr(w, 502, 0, "bad gateway")
				case r.Method == http.MethodPost:
					w.WriteHeader(201)
					w.Write([]byte(`{"id":"u9","email":"a@acme.example","type":1}`))
				default:
					zoomErr(w, 404, zoom.CodeUserNotFound, "User does not exist")
				}
			},
			run: func(ctx context.Context, c *zoom.Client) error {
				_, err := c.CreateUser(ctx, zoom.ActionCreate, zoom.NewUser{Email: "a@acme.example", Type: 1})
				return err
			},
			sent: map[string]int{"POST /users": 2, "GET /users/a@acme.example": 1},
		},
		{
			name: "create, 502, look-up fails: ambiguous, never resent",
			script: func(n int, w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodPost {
					zoomErr(w, 502, 0, "bad gateway")
					return
				}
				zoomErr(w, 400, 300, "nonsense")
			},
			run: func(ctx context.Context, c *zoom.Client) error {
				_, err := c.CreateUser(ctx, zoom.ActionCreate, zoom.NewUser{Email: "a@acme.example", Type: 1})
				var amb *zoom.AmbiguousError
				if err != nil && !errors.As(err, &amb) {
					return fmt.Errorf("err = %v, want *AmbiguousError", err)
				}
				return err
			},
			wantErr: true,
			sent:    map[string]int{"POST /users": 1},
		},
		{
			name: "delete, 502 then 1001: done",
			script: func(n int, w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					zoomErr(w, 502, 0, "bad gateway")
					return
				}
				zoomErr(w, 404, zoom.CodeUserNotFound, "User does not exist")
			},
			run: func(ctx context.Context, c *zoom.Client) error {
				return c.DeleteUser(ctx, "u1", zoom.DeleteOptions{})
			},
			sent: map[string]int{"DELETE /users/u1": 2},
		},
		{
			name: "delete of a user that was never there: 1001 stands",
			script: func(n int, w http.ResponseWriter, r *http.Request) {
				zoomErr(w, 404, zoom.CodeUserNotFound, "User does not exist")
			},
			run:     func(ctx context.Context, c *zoom.Client) error { return c.DeleteUser(ctx, "u1", zoom.DeleteOptions{}) },
			wantErr: true,
			sent:    map[string]int{"DELETE /users/u1": 1},
		},
		{
			name: "status, cut twice then 400: read back shows it done",
			script: func(n int, w http.ResponseWriter, r *http.Request) {
				switch {
				case r.Method == http.MethodGet:
					user(w, "inactive")
				case n <= 2:
					cut(w)
				default:
					zoomErr(w, 400, 3412, "whatever")
				}
			},
			run: func(ctx context.Context, c *zoom.Client) error {
				return c.SetUserStatus(ctx, "u1", zoom.StatusDeactivate)
			},
			sent: map[string]int{"PUT /users/u1/status": 3, "GET /users/u1": 1},
		},
		{
			name: "group move, 502 then 4131: read back shows it moved",
			script: func(n int, w http.ResponseWriter, r *http.Request) {
				switch {
				case r.Method == http.MethodGet:
					user(w, "active", "g2")
				case n == 1:
					zoomErr(w, 502, 0, "bad gateway")
				default:
					zoomErr(w, 400, zoom.CodeGroupMemberAbsent, "not a member")
				}
			},
			run: func(ctx context.Context, c *zoom.Client) error {
				return c.MoveGroupMember(ctx, "g1", "u1", "g2")
			},
			sent: map[string]int{"PATCH /groups/g1/members/u1": 2, "GET /users/u1": 1},
		},
		{
			name: "features, 502 then success: the result says it is in doubt",
			script: func(n int, w http.ResponseWriter, r *http.Request) {
				if n == 1 {
					zoomErr(w, 502, 0, "bad gateway")
					return
				}
				w.Write([]byte(`{"success_user_ids":[],"fail_details":[{"reason":"No need to update","user_ids":["u1"]}]}`))
			},
			run: func(ctx context.Context, c *zoom.Client) error {
				res, err := c.UpdateFeatures(ctx, zoom.FeatureUpdate{FeatureType: "webinar", FeatureValue: "true", Users: []zoom.UserRef{{ID: "u1"}}})
				if err == nil && !res.Ambiguous {
					return errors.New("Ambiguous = false after a lost answer")
				}
				return err
			},
			sent: map[string]int{"POST /users/features": 2},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			seen := map[string]int{}
			f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				k := r.Method + " " + r.URL.Path
				seen[k]++
				n := seen[k]
				mu.Unlock()
				tc.script(n, w, r)
			})
			c := f.client(t, nil)
			err := tc.run(context.Background(), c)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			for k, want := range tc.sent {
				if got := f.count(k); got != want {
					t.Errorf("%s sent %d times, want %d", k, got, want)
				}
			}
		})
	}
}

func TestTokenRefreshedOnEveryRejectionCode(t *testing.T) {
	for _, tc := range []struct {
		name         string
		status, code int
	}{
		{"401 124", 401, 124},
		{"400 124", 400, 124},
		{"divisions 401 30031002", 401, 30031002},
		{"divisions 401 30031004", 401, 30031004},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, nil)
			f.api = func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("Authorization") == "Bearer t1" {
					zoomErr(w, tc.status, tc.code, "Invalid access token.")
					return
				}
				w.Write([]byte(`{"divisions":[]}`))
			}
			c := f.client(t, nil)
			if _, err := c.ListDivisions(context.Background()); err != nil {
				t.Fatalf("after a rejected token: %v", err)
			}
			if got := c.Stats().Tokens; got != 2 {
				t.Errorf("tokens fetched = %d, want 2", got)
			}
		})
	}
}

func TestManyWorkersRejectedAtOnceShareOneNewToken(t *testing.T) {
	synctest.Test(t, testManyWorkersRejectedAtOnceShareOneNewToken)
}

func testManyWorkersRejectedAtOnceShareOneNewToken(t *testing.T) {
	release := make(chan struct{})
	var waiting atomic.Int64
	f := newMemFake(t, nil)
	f.api = func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "Bearer t1" {
			// Hold every first-token call until all workers are in, so they
			// all see the 401 together.
			waiting.Add(1)
			<-release
			zoomErr(w, 401, 124, "Access token is expired.")
			return
		}
		w.Write([]byte(`{"total_users_count":1}`))
	}
	c := f.client(t, nil)
	if err := c.Authenticate(context.Background()); err != nil {
		t.Fatal(err)
	}
	const workers = 12
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Go(func() {
			_, err := c.UserSummary(context.Background())
			errs <- err
		})
	}
	synctest.Wait() // every worker holds its first-token call
	if n := waiting.Load(); n != workers {
		t.Fatalf("%d of %d workers reached Zoom with the first token", n, workers)
	}
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := f.tokens.Load(); got != 2 {
		t.Errorf("tokens fetched = %d, want 2 (one refresh for %d workers)", got, workers)
	}
}

func TestTokenWithTooLittleLifeIsRefreshedBeforeSending(t *testing.T) {
	synctest.Test(t, testTokenWithTooLittleLifeIsRefreshedBeforeSending)
}

func testTokenWithTooLittleLifeIsRefreshedBeforeSending(t *testing.T) {
	// Tokens live 1 s; the features interval is 1 s. The second call waits
	// for the gate after the first one took the token, so that token would
	// lapse on the wire: the client must take a fresh one before sending,
	// and Zoom must never see an expired token.
	srv := seeded(t, zoomtest.Options{NoRateLimits: true, TokenTTL: time.Second, FeaturesInterval: time.Second})
	var refused atomic.Int64 // 401 answers, counted by a proxy in front of the sandbox
	sandbox := srv.Handler()
	proxy := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w}
		sandbox.ServeHTTP(rec, r)
		if rec.status == http.StatusUnauthorized {
			refused.Add(1)
		}
	})
	c := newClient(t, srv, func(cfg *zoom.Config) {
		cfg.FeaturesInterval = time.Second
		cfg.HTTPClient = &http.Client{Transport: zoomtest.Transport(proxy), Timeout: 30 * time.Second}
	})
	users := srv.Users()
	ctx := context.Background()
	for i := range 2 {
		if _, err := c.UpdateFeatures(ctx, zoom.FeatureUpdate{FeatureType: "webinar", FeatureValue: "64",
			Users: []zoom.UserRef{{ID: users[i].ID}}}); err != nil {
			t.Fatal(err)
		}
	}
	if n := refused.Load(); n != 0 {
		t.Errorf("Zoom refused %d calls for an expired token, want 0: the token must be fresh when the call goes out", n)
	}
	if n := srv.Stats().Calls["POST /users/features"]; n != 2 {
		t.Errorf("features calls sent = %d, want 2", n)
	}
	if got := c.Stats().Tokens; got != 2 {
		t.Errorf("tokens = %d, want 2", got)
	}
}

func TestJSON429WithoutTypeSlowsTheWholeCategory(t *testing.T) {
	synctest.Test(t, testJSON429WithoutTypeSlowsTheWholeCategory)
}

// In a bubble: the times are virtual, so the pause is checked to the
// nanosecond, and synctest.Wait is the moment the client has read the 429
// and is waiting out its Retry-After.
func testJSON429WithoutTypeSlowsTheWholeCategory(t *testing.T) {
	var first atomic.Bool
	rejected := make(chan time.Time, 1)
	var secondAt atomic.Int64
	f := newMemFake(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v2/users/a" && first.CompareAndSwap(false, true) {
			// Zoom's JSON 429 with a Retry-After but no X-RateLimit-Type.
			w.Header().Set("Retry-After", "1")
			rejected <- time.Now()
			zoomErr(w, 429, 429, "You have reached the maximum per-second rate limit for this API.")
			return
		}
		if r.URL.Path == "/v2/users/b" {
			secondAt.Store(time.Now().UnixNano())
		}
		user(w, "active")
	})
	c := f.client(t, func(cfg *zoom.Config) { cfg.NoLimits = false })
	ctx := context.Background()
	done := make(chan error, 1)
	go func() { _, err := c.GetUser(ctx, "a"); done <- err }()
	at := <-rejected
	synctest.Wait() // the client has read the 429 and waits
	if _, err := c.GetUser(ctx, "b"); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// The other call of the category waited for the Retry-After too.
	if gap := time.Duration(secondAt.Load() - at.UnixNano()); gap < time.Second {
		t.Errorf("the next Light call went out %v after the 429, want at least 1s (Retry-After)", gap)
	}
	if got := c.Stats().QPS429[zoom.Light]; got != 1 {
		t.Errorf("QPS429 = %d, want 1", got)
	}
}

func TestTrackingIDIsKeptOnFailures(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("x-zm-trackingid", "v=2.0;clid=us06;rid=WEB_abc123")
		zoomErr(w, 404, zoom.CodeUserNotFound, "User does not exist: x")
	})
	_, err := f.client(t, nil).GetUser(context.Background(), "x")
	var api *zoom.APIError
	if !errors.As(err, &api) || api.TrackingID != "v=2.0;clid=us06;rid=WEB_abc123" {
		t.Fatalf("err = %#v, want TrackingID from the header", err)
	}
	if got := zoom.TrackingID(fmt.Errorf("wrapped: %w", err)); got != api.TrackingID {
		t.Errorf("zoom.TrackingID = %q", got)
	}
	if zoom.TrackingID(errors.New("other")) != "" {
		t.Error("TrackingID of a non-Zoom error is not empty")
	}
}

func TestRedirectsNeverDowngradeNorLeakCredentials(t *testing.T) {
	var leaked atomic.Int64
	var got atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Add(1)
		if r.Header.Get("Authorization") != "" {
			leaked.Add(1)
		}
		zoomErr(w, 401, 124, "no")
	}))
	defer other.Close()

	t.Run("https to plain http", func(t *testing.T) {
		tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, other.URL+r.URL.RequestURI(), http.StatusTemporaryRedirect)
		}))
		defer tlsSrv.Close()
		before := got.Load()
		c, err := zoom.New(zoom.Config{AccountID: "a", ClientID: "b", ClientSecret: "s3cret", Share: 1, MaxAttempts: 2,
			APIURL: tlsSrv.URL + "/v2", OAuthURL: tlsSrv.URL + "/oauth/token", HTTPClient: tlsSrv.Client()})
		if err != nil {
			t.Fatal(err)
		}
		err = c.Authenticate(context.Background())
		if err == nil || !strings.Contains(err.Error(), "not https") {
			t.Errorf("err = %v, want a refused redirect", err)
		}
		if got.Load() != before {
			t.Errorf("the plain-http host got %d requests", got.Load()-before)
		}
	})
	t.Run("another host", func(t *testing.T) {
		// Another port of 127.0.0.1 is another server: Go's own redirect
		// rule compares host names only and would pass the header on.
		target := other.URL
		from := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, target+r.URL.RequestURI(), http.StatusTemporaryRedirect)
		}))
		defer from.Close()
		c, err := zoom.New(zoom.Config{AccountID: "a", ClientID: "b", ClientSecret: "s3cret", Share: 1, MaxAttempts: 1,
			APIURL: from.URL + "/v2", OAuthURL: from.URL + "/oauth/token"})
		if err != nil {
			t.Fatal(err)
		}
		_ = c.Authenticate(context.Background())
		if got.Load() == 0 {
			t.Fatal("the redirect target was not reached")
		}
		if leaked.Load() != 0 {
			t.Errorf("%d requests carried Authorization to another host", leaked.Load())
		}
	})
}

// In a bubble, in memory: a call that is not let go by the stop waits its
// gate out in virtual time and is sent, which the test sees (no ErrNotSent,
// two calls); one that hangs is the bubble's deadlock. No wall-clock limit.
func TestStopReturnsWaitingCallsUnsent(t *testing.T) {
	feat := zoom.FeatureUpdate{FeatureType: "webinar", FeatureValue: "true", Users: []zoom.UserRef{{ID: "u1"}}}
	for _, tc := range []struct {
		name  string
		tweak func(*zoom.Config)
		call  func(context.Context, *zoom.Client) error
	}{
		{"waiting for the features gate", func(cfg *zoom.Config) { cfg.NoLimits, cfg.FeaturesInterval = false, time.Hour },
			func(ctx context.Context, c *zoom.Client) error { _, err := c.UpdateFeatures(ctx, feat); return err }},
		{"waiting for a rate-limit slot", func(cfg *zoom.Config) { cfg.NoLimits, cfg.Tier, cfg.Share = false, "free", zoom.MinShare },
			func(ctx context.Context, c *zoom.Client) error { _, err := c.GetUser(ctx, "u1"); return err }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var sent atomic.Int64
				f := newMemFake(t, func(w http.ResponseWriter, r *http.Request) {
					sent.Add(1)
					w.Write([]byte(`{"success_user_ids":["u1"]}`))
				})
				c := f.client(t, tc.tweak)
				stop := make(chan struct{})
				ctx := zoom.WithStop(context.Background(), stop)
				if err := tc.call(ctx, c); err != nil { // the first goes out at once
					t.Fatal(err)
				}
				done := make(chan error, 1)
				go func() { done <- tc.call(ctx, c) }()
				close(stop)
				if err := <-done; !errors.Is(err, zoom.ErrNotSent) {
					t.Fatalf("err = %v, want ErrNotSent", err)
				}
				if n := sent.Load(); n != 1 {
					t.Errorf("server got %d calls, want 1 (nothing after the stop)", n)
				}
			})
		})
	}
}

func TestStopLetsACallOnTheWireFinish(t *testing.T) {
	arrived := make(chan struct{})
	answer := make(chan struct{})
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-answer
		user(w, "active")
	})
	c := f.client(t, nil)
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		_, err := c.GetUser(zoom.WithStop(context.Background(), stop), "u1")
		done <- err
	}()
	<-arrived
	close(stop)
	close(answer)
	if err := <-done; err != nil {
		t.Fatalf("a call on the wire when the stop fired: %v, want its answer", err)
	}
}

func TestLatencyIsMeasuredPerCategory(t *testing.T) {
	synctest.Test(t, testLatencyIsMeasuredPerCategory)
}

func testLatencyIsMeasuredPerCategory(t *testing.T) {
	srv := seeded(t, zoomtest.Options{NoRateLimits: true, Latency: 40 * time.Millisecond})
	c := newClient(t, srv, nil)
	if c.Latency(zoom.Light) != 0 {
		t.Fatal("latency before any call")
	}
	for range 3 {
		if _, err := c.GetUser(context.Background(), srv.Users()[0].Email); err != nil {
			t.Fatal(err)
		}
	}
	// Virtual time: the answer takes the sandbox's 40 ms, to the nanosecond.
	if got := c.Latency(zoom.Light); got != 40*time.Millisecond {
		t.Errorf("Light latency = %v, want the sandbox's 40ms", got)
	}
	if got := c.Latency(zoom.Heavy); got != 0 {
		t.Errorf("Heavy latency = %v without a Heavy call", got)
	}
}

func TestConfigRefusesUnusableShares(t *testing.T) {
	for _, share := range []float64{math.NaN(), 0, -0.5, 1.01, math.Inf(1)} {
		_, err := zoom.New(zoom.Config{AccountID: "a", ClientID: "b", ClientSecret: "c", Share: share})
		if err == nil {
			t.Errorf("share %v accepted", share)
		}
	}
	for _, share := range []float64{0.01, 0.8, 1} {
		if _, err := zoom.New(zoom.Config{AccountID: "a", ClientID: "b", ClientSecret: "c", Share: share}); err != nil {
			t.Errorf("share %v: %v", share, err)
		}
	}
	if cfg := zoom.ConfigFromEnv(func(string) string { return "" }); cfg.Share != zoom.DefaultShare {
		t.Errorf("ConfigFromEnv share = %v, want the default", cfg.Share)
	}
}

func TestStopAfterALostAnswerIsAmbiguousNotUnsent(t *testing.T) {
	stop := make(chan struct{})
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		close(stop) // the run stops while this write is on the wire
		zoomErr(w, 502, 0, "bad gateway")
	})
	c := f.client(t, nil)
	err := c.UpdateUser(zoom.WithStop(context.Background(), stop), "u1", map[string]any{"dept": "Ops"})
	var amb *zoom.AmbiguousError
	if !errors.As(err, &amb) || errors.Is(err, zoom.ErrNotSent) {
		t.Fatalf("err = %v, want *AmbiguousError (the write may have been applied), not ErrNotSent", err)
	}
	if n := f.count("PATCH /users/u1"); n != 1 {
		t.Errorf("PATCH sent %d times, want 1 (no resend after the stop)", n)
	}
}

// TestFeaturesSpacingSpendsNo429OnTheSandbox sends features calls back to
// back through the sandbox, which enforces the interval as Zoom does: every
// call goes through on its first try (the old fixed-margin gate met 429s
// here in most runs on a loaded machine), and the step takes no more than
// calls × interval.
func TestFeaturesSpacingSpendsNo429OnTheSandbox(t *testing.T) {
	synctest.Test(t, testFeaturesSpacingSpendsNo429OnTheSandbox)
}

func testFeaturesSpacingSpendsNo429OnTheSandbox(t *testing.T) {
	const calls, interval = 10, 200 * time.Millisecond
	srv := seeded(t, zoomtest.Options{Tier: "business", FeaturesInterval: interval, Latency: 30 * time.Millisecond, Users: 20})
	c := newClient(t, srv, func(cfg *zoom.Config) { cfg.FeaturesInterval = interval })
	users := srv.Users()
	start := time.Now()
	for i := range calls {
		if _, err := c.UpdateFeatures(context.Background(), zoom.FeatureUpdate{FeatureType: "webinar", FeatureValue: "64",
			Users: []zoom.UserRef{{ID: users[i].ID}}}); err != nil {
			t.Fatal(err)
		}
	}
	elapsed := time.Since(start)
	st := srv.Stats()
	if n := st.Calls["POST /users/features"]; n != calls {
		t.Errorf("features calls sent = %d, want %d (429s: %v)", n, calls, st.QPS429)
	}
	// The design's budget for the features step: 2 % over calls × interval.
	if budget := calls * interval * 102 / 100; elapsed > budget {
		t.Errorf("%d calls took %v, over the budget of %v", calls, elapsed, budget)
	}
	t.Logf("%d calls in %v: %.3f of calls × interval", calls, elapsed, float64(elapsed)/float64(calls*interval))
}

// statusRecorder notes the status a handler answers with.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func TestCreateThatTimesOutIsReadBack(t *testing.T) {
	synctest.Test(t, testCreateThatTimesOutIsReadBack)
}

func testCreateThatTimesOutIsReadBack(t *testing.T) {
	f := newMemFake(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			// Never answers: the client's timeout ends it. The body is read
			// first, so the server notices the closed connection.
			io.ReadAll(r.Body)
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
			return
		}
		user(w, "pending")
	})
	// One attempt, so the read-back is the one at the end of the call; an
	// HTTP timeout is Zoom's silence, not the caller giving up.
	c := f.client(t, func(cfg *zoom.Config) { cfg.Timeout, cfg.MaxAttempts = 50*time.Millisecond, 1 })
	u, err := c.CreateUser(context.Background(), zoom.ActionCreate, zoom.NewUser{Email: "a@acme.example", Type: 1})
	if err != nil {
		t.Fatalf("create whose answer timed out: %v, want the user found by the read-back", err)
	}
	if !u.Recovered || u.ID != "u1" {
		t.Errorf("got %+v, want the looked-up user, recovered", u)
	}
}
