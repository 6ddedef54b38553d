package sandbox

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestTokenEndpoint(t *testing.T) {
	s := newTestServer(t, Options{NoRateLimits: true, TokenTTL: 90 * time.Minute})
	post := func(query, id, secret string) (*http.Response, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest("POST", s.OAuthURL()+query, nil)
		if id != "" {
			req.SetBasicAuth(id, secret)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		json.NewDecoder(resp.Body).Decode(&m)
		return resp, m
	}
	good := "?grant_type=account_credentials&account_id=sandbox-account"
	tests := []struct {
		name       string
		query      string
		id, secret string
		status     int
		errCode    string
	}{
		{"ok", good, "sandbox-client", "sandbox-secret", 200, ""},
		{"wrong secret", good, "sandbox-client", "nope", 401, "invalid_client"},
		{"wrong client", good, "other", "sandbox-secret", 401, "invalid_client"},
		{"no credentials", good, "", "", 401, "invalid_client"},
		{"wrong account", "?grant_type=account_credentials&account_id=other", "sandbox-client", "sandbox-secret", 400, "invalid_request"},
		{"wrong grant", "?grant_type=client_credentials&account_id=sandbox-account", "sandbox-client", "sandbox-secret", 400, "unsupported_grant_type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, m := post(tt.query, tt.id, tt.secret)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d (%v)", resp.StatusCode, tt.status, m)
			}
			if tt.errCode != "" {
				if m["error"] != tt.errCode || m["reason"] == "" {
					t.Fatalf("body %v, want error %s with a reason", m, tt.errCode)
				}
				return
			}
			if m["token_type"] != "bearer" || m["expires_in"] != float64(5400) || m["access_token"] == "" || m["scope"] == "" {
				t.Fatalf("token answer %v", m)
			}
		})
	}
	if st := s.Stats(); st.Tokens != 1 {
		t.Errorf("Stats.Tokens = %d, want 1", st.Tokens)
	}
}

func TestAPIAuth(t *testing.T) {
	clock := newFakeClock()
	s := newTestServer(t, Options{NoRateLimits: true, Now: clock.Now})
	c := newClient(t, s)
	c.ok("GET", "/users", nil, 200, nil)

	// A second token leaves the first one valid.
	first := c.tok
	second := c.token()
	if first == second {
		t.Fatal("two tokens are equal")
	}
	c.ok("GET", "/users", nil, 200, nil)

	anon := &client{t: t, s: s, hc: http.DefaultClient, base: s.URL()}
	wantErr(t, anon.do("GET", "/users", nil), 401, 124, "Invalid access token.")
	anon.tok = "made-up"
	wantErr(t, anon.do("GET", "/users", nil), 401, 124, "Invalid access token.")

	clock.Advance(time.Hour)
	wantErr(t, c.do("GET", "/users", nil), 401, 124, "Access token is expired.")
	c.tok = c.token()
	c.ok("GET", "/users", nil, 200, nil)

	s.ExpireTokens()
	wantErr(t, c.do("GET", "/users", nil), 401, 124, "Access token is expired.")
	c.tok = c.token()
	c.ok("GET", "/users", nil, 200, nil)
}

func TestUnknownEndpoint(t *testing.T) {
	s := newTestServer(t, Options{NoRateLimits: true})
	c := newClient(t, s)
	wantErr(t, c.do("GET", "/meetings", nil), 404, 2300, "This API endpoint is not recognized.")
	wantErr(t, c.do("GET", "/users/x/y/z", nil), 404, 2300, "This API endpoint is not recognized.")
	// A method the path does not have is answered like an unknown path, as
	// Zoom does (404 code 2300), not with 405.
	r := c.do("PUT", "/groups", nil)
	wantErr(t, r, 404, 2300, "This API endpoint is not recognized.")
	if a := r.hdr.Get("Allow"); a != "" {
		t.Errorf("Allow = %q, want none", a)
	}
}

func TestEveryAnswerCarriesATrackingID(t *testing.T) {
	s := newTestServer(t, Options{NoRateLimits: true, Seed: seedSmall()})
	c := newClient(t, s)
	seen := map[string]bool{}
	for _, r := range []*result{
		c.do("GET", "/users", nil),                  // 200
		c.do("GET", "/users/nobody@x.example", nil), // 404 1001
		c.do("GET", "/meetings", nil),               // unknown route
		c.do("PATCH", "/users/u-bob", `{"dept":"R&D"}`),
	} {
		id := r.hdr.Get("x-zm-trackingid")
		if !strings.HasPrefix(id, "v=2.0;clid=") || seen[id] {
			t.Errorf("status %d: x-zm-trackingid %q, want a new Zoom-shaped ID", r.status, id)
		}
		seen[id] = true
	}
	// The token endpoint too.
	req, _ := http.NewRequest("POST", s.OAuthURL()+"?grant_type=account_credentials&account_id=nope", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("x-zm-trackingid") == "" {
		t.Error("token answer has no x-zm-trackingid")
	}
}

func TestStartRefusesNonLoopback(t *testing.T) {
	for _, addr := range []string{":0", "0.0.0.0:0", "192.0.2.1:0", "example.com:80", "nonsense"} {
		if s, err := Start(addr, Options{}); err == nil {
			s.Close()
			t.Errorf("Start(%q) succeeded", addr)
		}
	}
	s, err := Start("localhost:0", Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
}

func TestEnv(t *testing.T) {
	s := newTestServer(t, Options{Seed: seedSmall()})
	env := strings.Join(s.Env(), "\n")
	for _, want := range []string{"ZOOM_ACCOUNT_ID=acct-1", "ZOOM_CLIENT_ID=sandbox-client", "ZOOM_CLIENT_SECRET=sandbox-secret",
		"ZOOM_API_URL=" + s.URL() + "/v2", "ZOOM_OAUTH_URL=" + s.URL() + "/oauth/token"} {
		if !strings.Contains(env, want) {
			t.Errorf("Env lacks %s:\n%s", want, env)
		}
	}
	if !strings.HasPrefix(s.URL(), "http://127.0.0.1:") {
		t.Errorf("URL = %s", s.URL())
	}
}

// TokenUses expires a token after that many calls, whatever the time.
func TestTokenUses(t *testing.T) {
	ts := newTokenStore()
	ts.maxUses = 2
	tok := ts.issue(time.Now(), time.Hour)
	for i, want := range []bool{false, false, true} {
		if known, expired := ts.check(tok, time.Now()); !known || expired != want {
			t.Errorf("call %d: known %v expired %v, want expired %v", i+1, known, expired, want)
		}
	}
}
