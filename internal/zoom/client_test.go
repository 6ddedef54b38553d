package zoom_test

import (
	"context"
	"errors"
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

// newClient points a client at a sandbox, with fast backoff for tests.
var newClient = zoomtest.NewClient

// seeded is a sandbox seeded like samples/, reached in memory (NewClient
// picks the in-memory transport for it): the tests that wait on the
// client's pacing run it in a synctest bubble.
func seeded(t *testing.T, opts zoomtest.Options) *zoomtest.Server {
	t.Helper()
	if opts.Seed == nil {
		seed, err := zoomtest.LoadSeed("../../samples/sandbox-seed.yaml")
		if err != nil {
			t.Fatal(err)
		}
		opts.Seed = seed
	}
	return zoomtest.NewMemServer(t, opts)
}

func TestTokenRefreshedOnceWhenZoomRejectsIt(t *testing.T) {
	synctest.Test(t, testTokenRefreshedOnceWhenZoomRejectsIt)
}

func testTokenRefreshedOnceWhenZoomRejectsIt(t *testing.T) {
	srv := seeded(t, zoomtest.Options{NoRateLimits: true})
	c := newClient(t, srv, nil)
	ctx := context.Background()
	if _, err := c.UserSummary(ctx); err != nil {
		t.Fatal(err)
	}
	srv.ExpireTokens() // mid-run: the cached token is now refused with 124
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.UserSummary(ctx)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("call after expiry: %v", err)
		}
	}
	// One token at the start, then one more shared by all eight workers.
	if got := c.Stats().Tokens; got != 2 {
		t.Errorf("tokens fetched = %d, want 2 (single-flight refresh)", got)
	}
}

func TestTokenExpiryFromTheSandboxClock(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	srv := seeded(t, zoomtest.Options{NoRateLimits: true, Now: clock, TokenTTL: time.Hour})
	c := newClient(t, srv, nil)
	ctx := context.Background()
	if _, err := c.UserSummary(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	now = now.Add(2 * time.Hour) // the sandbox's token lapsed; the client's cache did not notice
	mu.Unlock()
	if _, err := c.UserSummary(ctx); err != nil {
		t.Fatalf("after the token lapsed: %v", err)
	}
	if got := c.Stats().Tokens; got != 2 {
		t.Errorf("tokens = %d, want 2", got)
	}
}

func TestWrongSecretIsAnAuthErrorWithoutTheSecret(t *testing.T) {
	srv := seeded(t, zoomtest.Options{})
	c := newClient(t, srv, func(cfg *zoom.Config) { cfg.ClientSecret = "s3cr3t-wrong-value" })
	err := c.Authenticate(context.Background())
	var auth *zoom.AuthError
	if !errors.As(err, &auth) {
		t.Fatalf("err = %v, want *AuthError", err)
	}
	if strings.Contains(err.Error(), "s3cr3t-wrong-value") {
		t.Errorf("the error echoes the secret: %v", err)
	}
}

func TestQPS429StormSlowsTheCategoryAndEveryCallSucceeds(t *testing.T) {
	// The sandbox enforces the pro tier (Light 30/s); the client believes it
	// may send at business speed (80/s): the 429s must slow it down. The
	// answers take a second, so that the client sends more than pro's
	// burst before the first answer's X-RateLimit-Limit tells it the tier.
	srv := seeded(t, zoomtest.Options{Tier: "pro", Latency: time.Second})
	c := newClient(t, srv, nil)
	ctx := context.Background()
	users := srv.Users()
	var wg sync.WaitGroup
	var failed atomic.Int64
	for i := range 90 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.GetUser(ctx, users[i%len(users)].Email); err != nil {
				failed.Add(1)
				t.Log(err)
			}
		}()
	}
	wg.Wait()
	if failed.Load() > 0 {
		t.Fatalf("%d calls failed", failed.Load())
	}
	st := c.Stats()
	if st.QPS429[zoom.Light] == 0 {
		t.Fatalf("no 429s: the test did not storm (calls %d)", st.Calls[zoom.Light])
	}
	if st.Retries[zoom.Light] < st.QPS429[zoom.Light] {
		t.Errorf("retries %d < 429s %d: every 429 must be retried", st.Retries[zoom.Light], st.QPS429[zoom.Light])
	}
	if got := srv.Stats().QPS429[zoom.Light.String()]; int64(got) != st.QPS429[zoom.Light] {
		t.Errorf("client counted %d 429s, sandbox sent %d", st.QPS429[zoom.Light], got)
	}
}

func TestDailyCreateCapSurfacesTheResetTime(t *testing.T) {
	srv := seeded(t, zoomtest.Options{DailyCreateCap: 2})
	c := newClient(t, srv, nil)
	ctx := context.Background()
	for i := range 2 {
		if _, err := c.CreateUser(ctx, zoom.ActionCreate, zoom.NewUser{Email: "cap" + string(rune('a'+i)) + "@acme.example", Type: 1}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := c.CreateUser(ctx, zoom.ActionCreate, zoom.NewUser{Email: "capz@acme.example", Type: 1})
	var daily *zoom.DailyLimitError
	if !errors.As(err, &daily) {
		t.Fatalf("err = %v, want *DailyLimitError", err)
	}
	now := time.Now().UTC()
	midnight := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, time.UTC)
	if !daily.Reset.Equal(midnight) || !daily.Create {
		t.Errorf("reset = %v create = %v, want %v true", daily.Reset, daily.Create, midnight)
	}
	if !strings.Contains(err.Error(), midnight.Format(time.RFC3339)) {
		t.Errorf("message %q does not say when to resume", err)
	}
}

func TestHTMLAndEmptyErrorBodiesGiveClearErrors(t *testing.T) {
	for _, tc := range []struct {
		name, body, ctype string
		status            int
		want              string
	}{
		{"html 500", "<!DOCTYPE html><html><body>Bad gateway</body></html>", "text/html", 500, "HTML page"},
		{"empty 503", "", "", 503, "empty answer"},
		{"html 429", "<html><body>Too many</body></html>", "text/html", 429, "HTML page"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int64
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/oauth/token" {
					w.Write([]byte(`{"access_token":"t","token_type":"bearer","expires_in":3600}`))
					return
				}
				calls.Add(1)
				if tc.ctype != "" {
					w.Header().Set("Content-Type", tc.ctype)
				}
				w.WriteHeader(tc.status)
				w.Write([]byte(tc.body))
			}))
			defer ts.Close()
			c, err := zoom.New(zoom.Config{AccountID: "a", ClientID: "b", ClientSecret: "c", Share: 1, APIURL: ts.URL + "/v2", OAuthURL: ts.URL + "/oauth/token",
				MaxAttempts: 3, BackoffBase: time.Millisecond, BackoffMax: 2 * time.Millisecond, NoLimits: true})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.GetUser(context.Background(), "x@acme.example")
			var api *zoom.APIError
			if !errors.As(err, &api) || api.HTTPStatus != tc.status || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want an *APIError with status %d saying %q", err, tc.status, tc.want)
			}
			if calls.Load() != 3 {
				t.Errorf("calls = %d, want 3 (retried to MaxAttempts)", calls.Load())
			}
		})
	}
}

func TestNoRetryOnA4xxThatWillNotChange(t *testing.T) {
	srv := seeded(t, zoomtest.Options{})
	c := newClient(t, srv, nil)
	_, err := c.GetUser(context.Background(), "nobody@acme.example")
	if !zoom.HasCode(err, zoom.CodeUserNotFound) {
		t.Fatalf("err = %v, want code 1001", err)
	}
	if c.Stats().Retries[zoom.Light] != 0 {
		t.Errorf("a 404 was retried")
	}
}

func TestLostCreateAnswerIsSettledByALookUp(t *testing.T) {
	srv := seeded(t, zoomtest.Options{Faults: zoomtest.Faults{LostAnswer: 1, Seed: 1}})
	c := newClient(t, srv, nil)
	got, err := c.CreateUser(context.Background(), zoom.ActionCreate, zoom.NewUser{Email: "lost@acme.example", Type: 1, FirstName: "Lo", LastName: "St"})
	if err != nil {
		t.Fatal(err)
	}
	if !got.Recovered || got.ID == "" {
		t.Errorf("got %+v, want a recovered user with an ID", got)
	}
	if n := srv.Stats().Applied["POST /users"]; n != 1 {
		t.Errorf("creates applied = %d, want exactly 1", n)
	}
	if n := srv.Stats().Calls["POST /users"]; n != 1 {
		t.Errorf("creates sent = %d, want 1: a lost create is looked up, not resent", n)
	}
}

func TestResetBeforeApplyingIsRetriedAfterTheLookUp(t *testing.T) {
	synctest.Test(t, testResetBeforeApplyingIsRetriedAfterTheLookUp)
}

func testResetBeforeApplyingIsRetriedAfterTheLookUp(t *testing.T) {
	srv := seeded(t, zoomtest.Options{})
	c := newClient(t, srv, nil)
	srv.SetFaults(zoomtest.Faults{Reset: 1, Seed: 3})
	// Let the first attempt fail, then heal the network. The channel closes
	// under the sandbox's lock at the reset; the client then waits its
	// backoff (never 0), on the bubble's clock, which does not move while
	// the healer is runnable: the network is healed before the look-up,
	// whatever the backoff drawn.
	reset := srv.FaultsReached("reset", 1)
	done := make(chan struct{})
	go func() {
		<-reset
		srv.SetFaults(zoomtest.Faults{})
		close(done)
	}()
	got, err := c.CreateUser(context.Background(), zoom.ActionCreate, zoom.NewUser{Email: "reset@acme.example", Type: 1})
	<-done
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := srv.UserByEmail("reset@acme.example"); !ok || got.ID == "" {
		t.Fatalf("user not created: %+v", got)
	}
	st := srv.Stats()
	if st.Applied["POST /users"] != 1 || st.Faults["reset"] != 1 || st.Calls["POST /users"] != 2 {
		t.Errorf("creates applied %d, sent %d, resets %d: want one reset create, then one applied",
			st.Applied["POST /users"], st.Calls["POST /users"], st.Faults["reset"])
	}
	if n := st.Calls["GET /users/{userId}"]; n != 1 {
		t.Errorf("%d look-ups, want 1: a create in doubt is looked up before it is sent again", n)
	}
}

func TestPlainHTTPRefusedExceptToLoopback(t *testing.T) {
	for _, tc := range []struct {
		url string
		ok  bool
	}{
		{"https://api.zoom.us/v2", true},
		{"http://127.0.0.1:8080/v2", true},
		{"http://localhost:8080/v2", true},
		{"http://[::1]:8080/v2", true},
		{"http://api.zoom.us/v2", false},
		{"http://10.0.0.5/v2", false},
		{"ftp://x/v2", false},
	} {
		err := zoom.CheckURL(tc.url)
		if (err == nil) != tc.ok {
			t.Errorf("CheckURL(%q) = %v, want ok=%v", tc.url, err, tc.ok)
		}
		_, err = zoom.New(zoom.Config{AccountID: "a", ClientID: "b", ClientSecret: "c", Share: 1, APIURL: tc.url})
		if (err == nil) != tc.ok {
			t.Errorf("New with %q = %v, want ok=%v", tc.url, err, tc.ok)
		}
	}
}

func TestListUsersWalksEveryPage(t *testing.T) {
	srv := seeded(t, zoomtest.Options{Users: 2500, NoRateLimits: true})
	c := newClient(t, srv, nil)
	seen := map[string]bool{}
	for _, status := range []string{zoom.StatusActive, zoom.StatusInactive, zoom.StatusPending} {
		for u, err := range c.ListUsers(context.Background(), zoom.ListUsersOptions{Status: status, PageSize: 300}) {
			if err != nil {
				t.Fatal(err)
			}
			if seen[u.Email] {
				t.Fatalf("%s listed twice", u.Email)
			}
			seen[u.Email] = true
		}
	}
	if want := len(srv.Users()); len(seen) != want {
		t.Errorf("listed %d users, the sandbox has %d", len(seen), want)
	}
}
