package zoomtest_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptrace"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// TestTransport: what the in-memory transport gives the client is what a
// socket would: the answer, a reset for a dropped connection, the context's
// error for an answer that never came, and the trace's WroteRequest.
func TestTransport(t *testing.T) {
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		status  int
		body    string
		reset   bool
		timeout bool // no answer: the client's timeout ends the call
	}{
		{name: "an answer", handler: func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			w.Header().Set("X-Seen", string(b))
			w.WriteHeader(http.StatusCreated)
			w.Write([]byte(`{"id":"u1"}`))
		}, status: 201, body: `{"id":"u1"}`},
		{name: "nothing written is 200", handler: func(http.ResponseWriter, *http.Request) {}, status: 200},
		{name: "a dropped connection", handler: func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) }, reset: true},
		{name: "no answer before the timeout", handler: func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(time.Hour):
				w.WriteHeader(200)
			}
		}, timeout: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				hc := &http.Client{Transport: zoomtest.Transport(tc.handler), Timeout: time.Minute}
				wrote := false
				ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { wrote = true }})
				req, _ := http.NewRequestWithContext(ctx, "POST", zoomtest.MemURL+"/v2/users", strings.NewReader("hello"))
				start := time.Now()
				resp, err := hc.Do(req)
				if !wrote {
					t.Error("WroteRequest did not fire")
				}
				switch {
				case tc.reset:
					if err == nil || !errors.Is(err, syscall.ECONNRESET) {
						t.Fatalf("err = %v, want a connection reset", err)
					}
				case tc.timeout:
					var ne interface{ Timeout() bool }
					if err == nil || !errors.As(err, &ne) || !ne.Timeout() {
						t.Fatalf("err = %v, want a timeout", err)
					}
					if d := time.Since(start); d != time.Minute {
						t.Errorf("timed out after %v, want the client's minute", d)
					}
				default:
					if err != nil {
						t.Fatal(err)
					}
					body, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if resp.StatusCode != tc.status || string(body) != tc.body {
						t.Errorf("got %d %q, want %d %q", resp.StatusCode, body, tc.status, tc.body)
					}
					if tc.status == 201 && resp.Header.Get("X-Seen") != "hello" {
						t.Errorf("the handler read %q, want the request body", resp.Header.Get("X-Seen"))
					}
				}
			})
		})
	}
}

// TestMaxInWindow: the most sends in any one second, as Zoom's per-second
// count sees a schedule.
func TestMaxInWindow(t *testing.T) {
	at := func(offsets ...time.Duration) []zoomtest.Sent {
		base := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
		var out []zoomtest.Sent
		for _, o := range offsets {
			out = append(out, zoomtest.Sent{At: base.Add(o)})
		}
		return out
	}
	even := func(n int, gap time.Duration) []time.Duration {
		var out []time.Duration
		for i := range n {
			out = append(out, time.Duration(i)*gap)
		}
		return out
	}
	early := func(offsets []time.Duration, i int, by time.Duration) []time.Duration {
		out := append([]time.Duration(nil), offsets...)
		for j := i; j < len(out); j++ {
			out[j] -= by
		}
		return out
	}
	for _, tc := range []struct {
		name  string
		sends []zoomtest.Sent
		want  int
	}{
		{"none", nil, 0},
		{"one", at(0), 1},
		{"80 a second, evenly", at(even(200, 12500*time.Microsecond)...), 80},
		{"a call a millisecond early", at(early(even(200, 12500*time.Microsecond), 80, time.Millisecond)...), 81},
		{"a nanosecond early is rounding", at(early(even(200, 12500*time.Microsecond), 80, time.Nanosecond)...), 80},
		{"a burst", at(0, 0, 0, time.Second, time.Second), 3},
		{"a burst across a boundary", at(999*time.Millisecond, time.Second, 1001*time.Millisecond), 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := zoomtest.MaxInWindow(tc.sends, time.Second); got != tc.want {
				t.Errorf("MaxInWindow = %d, want %d", got, tc.want)
			}
			// BusiestWindow is those sends: consecutive, within a second.
			w := zoomtest.BusiestWindow(tc.sends, time.Second)
			if len(w) != tc.want {
				t.Fatalf("BusiestWindow holds %d sends, want %d", len(w), tc.want)
			}
			if len(w) > 0 && w[len(w)-1].At.Sub(w[0].At).Round(time.Microsecond) >= time.Second {
				t.Errorf("BusiestWindow spans %v", w[len(w)-1].At.Sub(w[0].At))
			}
		})
	}
}
