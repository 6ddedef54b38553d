package sandbox

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"testing/synctest"
	"time"
)

func TestCategoryLimits(t *testing.T) {
	tests := []struct {
		tier     string
		method   string
		path     string
		category string
		limit    int
	}{
		{"pro", "GET", "/users/u-bob", Light, 30},
		{"pro", "GET", "/users", Medium, 20},
		{"pro", "GET", "/groups", Medium, 20},
		{"pro", "GET", "/divisions", Light, 30},
		{"pro", "GET", "/contacts/groups", Medium, 20},
		{"business", "GET", "/users/summary", Medium, 60},
		{"business", "DELETE", "/groups/grp-eng/members/nobody", Light, 80},
		{"business", "PUT", "/users/u-bob/status", Light, 80},
		{"free", "GET", "/users/u-bob/settings", Medium, 2},
		{"free", "GET", "/users/email?email=bob@test.example", Light, 4},
	}
	for _, tt := range tests {
		t.Run(tt.tier+" "+tt.method+" "+tt.path, func(t *testing.T) {
			clock := newFakeClock()
			s := newTestServer(t, Options{Tier: tt.tier, Seed: seedSmall(), Now: clock.Now})
			c := newClient(t, s)
			var body any
			if tt.method == "PUT" {
				body = map[string]string{"action": "clock_in"}
			}
			ok, limited := 0, 0
			for i := 0; i < tt.limit*3/2; i++ {
				r := c.do(tt.method, tt.path, body)
				if r.status != http.StatusTooManyRequests {
					ok++
					if got := r.hdr.Get("X-RateLimit-Category"); got != tt.category {
						t.Fatalf("X-RateLimit-Category %q, want %q", got, tt.category)
					}
					if got := r.hdr.Get("X-RateLimit-Remaining"); got != strconv.Itoa(tt.limit-ok) {
						t.Fatalf("call %d: X-RateLimit-Remaining %q, want %d", i, got, tt.limit-ok)
					}
					continue
				}
				limited++
				wantErr(t, r, 429, 429, qpsMessage)
				for h, want := range map[string]string{
					"X-RateLimit-Category": tt.category, "X-RateLimit-Type": "QPS",
					"X-RateLimit-Limit": strconv.Itoa(tt.limit), "X-RateLimit-Remaining": "0", "Retry-After": "1",
				} {
					if got := r.hdr.Get(h); got != want {
						t.Fatalf("%s = %q, want %q", h, got, want)
					}
				}
			}
			if ok != tt.limit || limited != tt.limit*3/2-tt.limit {
				t.Fatalf("%d answered, %d limited; want %d answered", ok, limited, tt.limit)
			}
			st := s.Stats()
			if st.QPS429[tt.category] != limited || st.ByCategory[tt.category] != tt.limit*3/2 {
				t.Fatalf("stats %+v", st)
			}
			// The bucket refills at the per-second rate.
			clock.Advance(time.Second/time.Duration(tt.limit) + time.Millisecond)
			if r := c.do(tt.method, tt.path, body); r.status == 429 {
				t.Fatalf("still limited after a refill: %s", r.raw)
			}
			if r := c.do(tt.method, tt.path, body); r.status != 429 {
				t.Fatalf("refilled more than one token: %d", r.status)
			}
			clock.Advance(time.Second)
			for range tt.limit {
				if r := c.do(tt.method, tt.path, body); r.status == 429 {
					t.Fatal("limited within a full second's quota")
				}
			}
		})
	}
}

func TestCategoriesAreIndependent(t *testing.T) {
	clock := newFakeClock()
	s := newTestServer(t, Options{Tier: "pro", Seed: seedSmall(), Now: clock.Now})
	c := newClient(t, s)
	for range 20 {
		c.ok("GET", "/users", nil, 200, nil)
	}
	wantErr(t, c.do("GET", "/groups", nil), 429, 429, qpsMessage) // same category (Medium)
	c.ok("GET", "/users/u-bob", nil, 200, nil)                    // Light is untouched
}

func TestNoRateLimits(t *testing.T) {
	s := newTestServer(t, Options{Tier: "free", NoRateLimits: true, Seed: seedSmall()})
	c := newClient(t, s)
	for range 50 {
		c.ok("GET", "/users", nil, 200, nil)
	}
}

// TestFreeDailyCaps runs through the handler without a network: the free
// tier's Medium daily cap is 2,000 calls.
func TestFreeDailyCaps(t *testing.T) {
	clock := newFakeClock()
	s, err := New(Options{Tier: "free", Seed: seedSmall(), Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	tok := s.tokens.issue(clock.Now(), 48*time.Hour)
	h := s.Handler()
	get := func() *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", "/v2/users/summary", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w
	}
	for i := range 2000 {
		if i%2 == 0 {
			clock.Advance(time.Second)
		}
		w := get()
		if w.Code != 200 {
			t.Fatalf("call %d: %d %s", i, w.Code, w.Body)
		}
		// Only the call that spends the day's quota says so.
		spent := w.Header().Get("X-RateLimit-Type") == "Daily-limit"
		if spent != (i == 1999) || spent && (w.Header().Get("X-RateLimit-Remaining") != "0" || w.Header().Get("X-RateLimit-Limit") != "2000") {
			t.Fatalf("call %d: daily headers %v", i+1, w.Header())
		}
	}
	clock.Advance(time.Second)
	w := get()
	if w.Code != 429 || w.Header().Get("X-RateLimit-Type") != "Daily-limit" {
		t.Fatalf("call 2001: %d %v %s", w.Code, w.Header(), w.Body)
	}
	if got, want := w.Header().Get("Retry-After"), "2026-11-28T00:00:00Z"; got != want {
		t.Fatalf("Retry-After %q, want %q", got, want)
	}
	if s.Stats().Daily429[Medium] != 1 {
		t.Fatalf("Daily429 = %v", s.Stats().Daily429)
	}
	clock.Advance(14 * time.Hour) // past 00:00 UTC
	if w := get(); w.Code != 200 {
		t.Fatalf("after midnight: %d %s", w.Code, w.Body)
	}
}

func TestFeaturesInterval(t *testing.T) {
	clock := newFakeClock()
	// The rule holds without the category limits too.
	s := newTestServer(t, Options{NoRateLimits: true, Seed: seedSmall(), Now: clock.Now})
	c := newClient(t, s)
	body := func(v string) map[string]any {
		return map[string]any{"feature_type": "webinar", "feature_value": v, "users": []map[string]string{{"id": "u-ann"}}}
	}
	c.ok("POST", "/users/features", body("1"), 201, nil)
	r := c.do("POST", "/users/features", body("64"))
	wantErr(t, r, 429, 429, qpsMessage)
	if r.hdr.Get("X-RateLimit-Category") != Medium || r.hdr.Get("X-RateLimit-Type") != "QPS" || r.hdr.Get("Retry-After") != "10" {
		t.Fatalf("headers %v", r.hdr)
	}
	clock.Advance(9500 * time.Millisecond)
	r = c.do("POST", "/users/features", body("64"))
	wantErr(t, r, 429, 429, qpsMessage)
	if r.hdr.Get("Retry-After") != "1" {
		t.Fatalf("Retry-After %q, want 1 (rounded up)", r.hdr.Get("Retry-After"))
	}
	clock.Advance(500 * time.Millisecond)
	c.ok("POST", "/users/features", body("64"), 201, nil)
	if u, _ := s.UserByEmail("ann@test.example"); u.Features["webinar"] != "64" {
		t.Fatalf("features %v", u.Features)
	}
	if st := s.Stats(); st.QPS429[Medium] != 2 || st.Applied["POST /users/features"] != 2 {
		t.Fatalf("stats %+v", st)
	}
}

// TestFeaturesIntervalDefaultClock: without an injected clock the rule
// runs on time.Now, here a synctest bubble's: the second call within the
// interval is refused, one a nanosecond short of it too, and one at the
// interval goes through.
func TestFeaturesIntervalDefaultClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newMemTestServer(t, Options{Seed: seedSmall(), FeaturesInterval: 10 * time.Second})
		c := newMemClient(t, s)
		body := map[string]any{"feature_type": "zoom_whiteboard", "feature_value": "true", "users": []map[string]string{{"email": "bob@test.example"}}}
		c.ok("POST", "/users/features", body, 201, nil)
		wantErr(t, c.do("POST", "/users/features", body), 429, 429, qpsMessage)
		time.Sleep(10*time.Second - time.Nanosecond)
		wantErr(t, c.do("POST", "/users/features", body), 429, 429, qpsMessage)
		time.Sleep(time.Nanosecond)
		c.ok("POST", "/users/features", body, 201, nil)
	})
}

func TestDailyCreateCap(t *testing.T) {
	clock := newFakeClock()
	s := newTestServer(t, Options{NoRateLimits: true, DailyCreateCap: 3, Now: clock.Now})
	c := newClient(t, s)
	for i := range 3 {
		c.ok("POST", "/users", createBody("create", fmt.Sprintf("new%d@x.example", i), 1), 201, nil)
	}
	// Other create actions are not counted.
	c.ok("POST", "/users", createBody("autoCreate", "auto@x.example", 1), 201, nil)
	r := c.do("POST", "/users", createBody("create", "new3@x.example", 1))
	e := wantErr(t, r, 429, 429, "")
	if e.Message != dailyMessage(3, "Create users") {
		t.Fatalf("message %q", e.Message)
	}
	for h, want := range map[string]string{"X-RateLimit-Type": "Daily-limit", "X-RateLimit-Category": Light,
		"Retry-After": "2026-11-28T00:00:00Z", "X-RateLimit-Limit": "3", "X-RateLimit-Remaining": "0"} {
		if got := r.hdr.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if _, ok := s.UserByEmail("new3@x.example"); ok {
		t.Fatal("a refused create was applied")
	}
	if s.Stats().Daily429["create"] != 1 {
		t.Fatalf("Daily429 = %v", s.Stats().Daily429)
	}
	s.ResetDaily()
	c.ok("POST", "/users", createBody("create", "new3@x.example", 1), 201, nil)
	for i := 4; i < 6; i++ {
		c.ok("POST", "/users", createBody("create", fmt.Sprintf("new%d@x.example", i), 1), 201, nil)
	}
	wantErr(t, c.do("POST", "/users", createBody("create", "new6@x.example", 1)), 429, 429, "")
	clock.Advance(14 * time.Hour) // the next UTC day
	c.tok = c.token()
	c.ok("POST", "/users", createBody("create", "new6@x.example", 1), 201, nil)
}

func TestTierCreateCapDefault(t *testing.T) {
	for tier, want := range map[string]int{"free": 50, "pro": 1500, "business": 10000} {
		s, err := New(Options{Tier: tier})
		if err != nil {
			t.Fatal(err)
		}
		if s.lim.createCap != want {
			t.Errorf("%s: create cap %d, want %d", tier, s.lim.createCap, want)
		}
	}
	if _, err := New(Options{Tier: "enterprise-plus"}); err == nil {
		t.Error("unknown tier accepted")
	}
}
