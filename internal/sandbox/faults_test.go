package sandbox

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

func TestParseFaults(t *testing.T) {
	tests := []struct {
		spec    string
		want    Faults
		wantErr string
	}{
		{"", Faults{}, ""},
		{"none", Faults{}, ""},
		{"5xx=0.05,reset=0.01,lost=0.01,html429=0.01,slow=0.01:3s,seed=7",
			Faults{Seed: 7, ServerError: 0.05, Reset: 0.01, LostAnswer: 0.01, HTML429: 0.01, Slow: 0.01, SlowDelay: 3 * time.Second}, ""},
		{" lost = 1 ", Faults{LostAnswer: 1}, ""},
		{"slow=0.5", Faults{Slow: 0.5}, ""},
		{"5xx=2", Faults{}, "between 0 and 1"},
		{"5xx=abc", Faults{}, "between 0 and 1"},
		{"timeout=0.1", Faults{}, `unknown fault "timeout"`},
		{"reset", Faults{}, "KEY=VALUE"},
		{"reset=0.1,reset=0.2", Faults{}, "twice"},
		{"seed=x", Faults{}, "not an integer"},
		{"slow=0.1:soon", Faults{}, "positive duration"},
		{"reset=0.1:3s", Faults{}, "only slow takes a duration"},
		{"5xx=0.6,reset=0.6", Faults{}, "more than 1"},
	}
	for _, tt := range tests {
		got, err := ParseFaults(tt.spec)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseFaults(%q) error %v, want %q", tt.spec, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseFaults(%q) = %+v, %v; want %+v", tt.spec, got, err, tt.want)
		}
		if err == nil && tt.spec != "" && tt.spec != "none" {
			back, err := ParseFaults(got.String())
			if err != nil || (back != got && got.SlowDelay != 0) {
				t.Errorf("String() %q does not read back: %+v %v", got.String(), back, err)
			}
		}
	}
}

// TestFaultKinds sets each fault to certainty and looks at what a client
// sees and what the account holds afterwards.
func TestFaultKinds(t *testing.T) {
	s := newTestServer(t, Options{NoRateLimits: true, Seed: seedSmall()})
	c := newClient(t, s)
	create := func(email string) (*result, error) {
		return c.send("POST", "/users", createBody("autoCreate", email, 1))
	}
	exists := func(email string) bool { _, ok := s.UserByEmail(email); return ok }

	t.Run("5xx", func(t *testing.T) {
		s.SetFaults(Faults{ServerError: 1, Seed: 1})
		statuses, html, jsonBodies := map[int]bool{}, 0, 0
		for i := range 30 {
			email := fmt.Sprintf("e5xx%d@x.example", i)
			r, err := create(email)
			if err != nil {
				t.Fatal(err)
			}
			statuses[r.status] = true
			if strings.HasPrefix(r.hdr.Get("Content-Type"), "text/html") {
				html++
			} else {
				r.apiErr(t)
				jsonBodies++
			}
			if exists(email) {
				t.Fatal("a 5xx applied the write")
			}
		}
		if !statuses[500] || !statuses[502] || !statuses[503] || len(statuses) != 3 || html == 0 || jsonBodies == 0 {
			t.Fatalf("statuses %v, %d html, %d json", statuses, html, jsonBodies)
		}
	})
	t.Run("reset", func(t *testing.T) {
		s.SetFaults(Faults{Reset: 1})
		_, err := create("reset@x.example")
		if err == nil {
			t.Fatal("no connection error")
		}
		if exists("reset@x.example") {
			t.Fatal("a reset call was applied")
		}
		if !isConnReset(err) {
			t.Fatalf("want a connection reset, got %v", err)
		}
	})
	t.Run("lost", func(t *testing.T) {
		s.SetFaults(Faults{LostAnswer: 1})
		_, err := create("lost@x.example")
		if err == nil {
			t.Fatal("the answer was not lost")
		}
		if !exists("lost@x.example") {
			t.Fatal("the lost answer's write was not applied")
		}
		// Reads are never "lost": there is nothing to apply.
		if _, err := c.send("GET", "/users/u-bob", nil); err != nil {
			t.Fatalf("read with lost=1: %v", err)
		}
	})
	t.Run("html429", func(t *testing.T) {
		s.SetFaults(Faults{HTML429: 1, Seed: 3})
		for i := range 6 {
			email := fmt.Sprintf("h429-%d@x.example", i)
			r, err := create(email)
			if err != nil {
				t.Fatal(err)
			}
			if r.status != 429 || strings.Contains(r.hdr.Get("Content-Type"), "json") {
				t.Fatalf("%d %q", r.status, r.hdr.Get("Content-Type"))
			}
			for h := range r.hdr {
				if strings.HasPrefix(h, "X-Ratelimit") || h == "Retry-After" {
					t.Fatalf("header %s on an edge 429", h)
				}
			}
			if exists(email) {
				t.Fatal("an HTML 429 applied the write")
			}
		}
	})
	s.SetFaults(Faults{})
	c.ok("GET", "/users", nil, 200, nil)

	st := s.Stats()
	if st.Faults["5xx"] != 30 || st.Faults["reset"] != 1 || st.Faults["lost"] != 1 || st.Faults["html429"] != 6 || st.Faults["slow"] != 0 {
		t.Fatalf("Stats.Faults = %v", st.Faults)
	}
	if st.Applied["POST /users"] != 1 { // lost
		t.Fatalf("Stats.Applied = %v", st.Applied)
	}
	// The token endpoint is never faulted.
	s.SetFaults(Faults{ServerError: 1})
	c.token()
}

// TestSlowFault: a slow answer is applied first, then held for the delay,
// so a client with a shorter timeout meets a timeout on a write that took
// effect; reads are held the same. In a synctest bubble (in memory), so
// the client's timeout and the delay are the only clocks: no machine is
// too slow for the write to land before the timeout.
func TestSlowFault(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newMemTestServer(t, Options{NoRateLimits: true, Seed: seedSmall(), Faults: Faults{Slow: 1, SlowDelay: 300 * time.Millisecond}})
		c := newMemClient(t, s)
		impatient := &client{t: t, s: s, hc: &http.Client{Transport: c.hc.Transport, Timeout: 50 * time.Millisecond}, base: c.base, tok: c.tok}
		start := time.Now()
		_, err := impatient.send("POST", "/users", createBody("autoCreate", "slow@x.example", 1))
		var ne net.Error
		if err == nil || !errors.As(err, &ne) || !ne.Timeout() {
			t.Fatalf("want a timeout, got %v", err)
		}
		if d := time.Since(start); d != 50*time.Millisecond {
			t.Errorf("the timeout came after %v, want the client's 50ms", d)
		}
		if _, ok := s.UserByEmail("slow@x.example"); !ok {
			t.Fatal("slow answers apply before they are delayed")
		}
		start = time.Now()
		c.ok("GET", "/users/u-bob", nil, 200, nil)
		if d := time.Since(start); d != 300*time.Millisecond {
			t.Fatalf("answered after %v, want the 300ms delay", d)
		}
		if st := s.Stats(); st.Faults["slow"] != 2 || st.Applied["POST /users"] != 1 {
			t.Errorf("faults %v, applied %v: want 2 slow answers and the write applied", st.Faults, st.Applied)
		}
	})
}

func isConnReset(err error) bool {
	return strings.Contains(err.Error(), "connection reset") || strings.Contains(err.Error(), "EOF")
}

func TestFaultsDeterministic(t *testing.T) {
	run := func() []faultKind {
		fi := newFaultInjector(Faults{Seed: 42, ServerError: 0.2, Reset: 0.1, LostAnswer: 0.1, HTML429: 0.1, Slow: 0.1})
		var out []faultKind
		for range 200 {
			k, _ := fi.decide(true)
			out = append(out, k)
		}
		return out
	}
	a, b := run(), run()
	counts := map[faultKind]int{}
	for i := range a {
		if a[i] != b[i] {
			t.Fatal("same seed, different faults")
		}
		counts[a[i]]++
	}
	if counts[noFault] < 40 || counts[fault5xx] < 20 || counts[faultLost] == 0 {
		t.Fatalf("distribution %v", counts)
	}
}

// TestLatency, in a synctest bubble: the latency is the sandbox's own wait
// on time's timers, so it is exactly the option's, and the token endpoint
// has none.
func TestLatency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newMemTestServer(t, Options{NoRateLimits: true, Latency: 80 * time.Millisecond})
		c := newMemClient(t, s)
		start := time.Now()
		c.token()
		if d := time.Since(start); d != 0 {
			t.Errorf("token endpoint took %v, want no latency", d)
		}
		start = time.Now()
		c.ok("GET", "/users", nil, 200, nil)
		if d := time.Since(start); d != 80*time.Millisecond {
			t.Errorf("API call took %v, want the 80ms latency", d)
		}
	})
}
