package zoomtest

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/zoombulk/zoombulk/internal/zoom"
)

// MemURL is the origin an in-memory client addresses: a loopback address,
// so the client's own rule (plain http only to loopback) holds, on a port
// nothing listens on. The in-memory transport never dials it. Each
// NewMemServer has an origin of its own (MemOrigin), as two sandboxes on
// sockets have two ports: a run folder bound to one API host is another
// host's to refuse.
const MemURL = "http://127.0.0.1:9"

// memOrigins are the origins given to NewMemServer's sandboxes.
var (
	memOrigins sync.Map // *Server -> string
	memPorts   atomic.Int64
)

// MemOrigin is the origin in-memory clients of srv address: its own for a
// NewMemServer, MemURL for any other.
func MemOrigin(srv *Server) string {
	if o, ok := memOrigins.Load(srv); ok {
		return o.(string)
	}
	return MemURL
}

// Transport is an http.RoundTripper that serves each request with h in the
// calling goroutine: no socket and no goroutine of its own. A client that
// uses it and a sandbox can live together in one testing/synctest bubble,
// where every wait (the client's pacing, the features interval, the
// sandbox's latency, timeouts) is virtual time that jumps as soon as every
// goroutine of the bubble is blocked: a paced run costs its CPU time only,
// the same on an idle machine and a loaded one.
//
// It does what a socket would for the client: the request's body is read
// before the handler runs (so httptrace's WroteRequest fires, as the
// features gate counts on), a handler that aborts the connection (the
// sandbox's injected resets and lost answers) is a connection reset, and a
// request whose context ends before an answer is written fails with the
// context's error (the client's timeout).
func Transport(h http.Handler) http.RoundTripper { return memTransport{h} }

type memTransport struct{ h http.Handler }

// errReset is what the client sees of a connection the server dropped.
var errReset = &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}

func (m memTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if trace := httptrace.ContextClientTrace(ctx); trace != nil && trace.WroteRequest != nil {
		trace.WroteRequest(httptrace.WroteRequestInfo{})
	}
	in := req.Clone(ctx)
	in.Body = io.NopCloser(bytes.NewReader(body))
	in.ContentLength = int64(len(body))
	in.RemoteAddr = "127.0.0.1:1"
	in.RequestURI = req.URL.RequestURI()
	in.Host = req.URL.Host
	in.Proto, in.ProtoMajor, in.ProtoMinor = "HTTP/1.1", 1, 1
	w := &memWriter{header: http.Header{}}
	if aborted := serve(m.h, w, in); aborted {
		return nil, errReset
	}
	if !w.wrote {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		w.WriteHeader(http.StatusOK) // a handler that wrote nothing answers 200, as net/http does
	}
	return &http.Response{
		Status:        strconv.Itoa(w.status) + " " + http.StatusText(w.status),
		StatusCode:    w.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        w.sent,
		Body:          io.NopCloser(bytes.NewReader(w.body.Bytes())),
		ContentLength: int64(w.body.Len()),
		Request:       req,
	}, nil
}

// serve runs the handler; a panic with http.ErrAbortHandler (how the
// sandbox drops a connection when it cannot hijack it) is reported as an
// abort, any other panic goes on.
func serve(h http.Handler, w http.ResponseWriter, r *http.Request) (aborted bool) {
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				aborted = true
				return
			}
			panic(p)
		}
	}()
	h.ServeHTTP(w, r)
	return false
}

// memWriter is the ResponseWriter of one in-memory request. It has no
// Hijack: the sandbox then aborts the handler to drop the connection.
type memWriter struct {
	header http.Header
	sent   http.Header // the header as WriteHeader sent it
	status int
	wrote  bool
	body   bytes.Buffer
}

func (w *memWriter) Header() http.Header { return w.header }

func (w *memWriter) WriteHeader(status int) {
	if w.wrote {
		return
	}
	w.wrote, w.status = true, status
	w.sent = w.header.Clone() // later changes to the map are not sent, as on a wire
}

func (w *memWriter) Write(p []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.body.Write(p)
}

// NewMemServer is NewTestServer without a socket: a sandbox (strict when
// Zoom's OpenAPI file is found) that only an in-memory client reaches
// (NewClient picks the in-memory transport for it). Create it, its client
// and whatever runs on them inside the same synctest bubble: the sandbox's
// latency and limit windows then run on the bubble's clock.
func NewMemServer(t testing.TB, opts Options, to ...TestOption) *Server {
	t.Helper()
	cfg := testConfig{mem: true}
	for _, o := range to {
		o(&cfg)
	}
	srv := newServer(t, opts, cfg)
	memOrigins.Store(srv, "http://127.0.0.1:"+strconv.FormatInt(10000+memPorts.Add(1)%50000, 10))
	t.Cleanup(func() { memOrigins.Delete(srv) })
	return srv
}

// MemConfig is the zoom.Config of a client that reaches srv, a sandbox
// made by NewMemServer (or sandbox.New), through Transport: srv's
// credentials, MemOrigin(srv) as the API's origin, and an http.Client with the
// given per-attempt timeout (0: 30 s, the client's default). The tier,
// share and backoff are the client's defaults; callers set what they test.
func MemConfig(srv *Server, timeout time.Duration) zoom.Config {
	cfg := memConfig(srv)
	cfg.Timeout = memTimeout(timeout)
	cfg.HTTPClient = &http.Client{Transport: Transport(srv.Handler()), Timeout: cfg.Timeout}
	return cfg
}

// memConfig is srvConfig with MemOrigin(srv) as the API's origin.
func memConfig(srv *Server) zoom.Config {
	cfg := srvConfig(srv)
	origin := MemOrigin(srv)
	cfg.APIURL, cfg.OAuthURL = origin+"/v2", origin+"/oauth/token"
	return cfg
}

// srvConfig is the zoom.Config that srv.Env gives: its credentials and
// URLs, the rest the client's defaults.
func srvConfig(srv *Server) zoom.Config {
	env := map[string]string{}
	for _, kv := range srv.Env() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	return zoom.ConfigFromEnv(func(k string) string { return env[k] })
}

// memTimeout is an in-memory client's per-attempt timeout: 0 is the
// client's default, 30 s.
func memTimeout(timeout time.Duration) time.Duration {
	if timeout <= 0 {
		return 30 * time.Second
	}
	return timeout
}

// A Recorder wraps a handler and keeps the moment (time.Now: virtual time
// in a bubble) and the route of every request it passes on, so that pacing
// tests can check the client's own send schedule against its bound rather
// than count the server's 429s.
type Recorder struct {
	h  http.Handler
	mu sync.Mutex
	at []Sent
}

// Sent is one request as a Recorder saw it arrive.
type Sent struct {
	At     time.Time
	Method string
	Path   string // the URL path, e.g. /v2/users/u1
	// Category is the call's rate-limit category (CategoryOf), "" for the
	// token endpoint.
	Category string
}

// NewRecorder records the requests h serves.
func NewRecorder(h http.Handler) *Recorder { return &Recorder{h: h} }

func (r *Recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	s := Sent{At: time.Now(), Method: req.Method, Path: req.URL.Path, Category: CategoryOf(req.Method, req.URL.Path)}
	r.mu.Lock()
	r.at = append(r.at, s)
	r.mu.Unlock()
	r.h.ServeHTTP(w, req)
}

// MaxPerSecond is, for each rate-limit category, the most calls sent in
// any one second (MaxInWindow): what Zoom, counting per second, would see
// of the send schedule at worst. The token endpoint has no category and
// is left out.
func (r *Recorder) MaxPerSecond() map[string]int {
	byCat := map[string][]Sent{}
	for _, s := range r.Sends(nil) {
		if s.Category != "" {
			byCat[s.Category] = append(byCat[s.Category], s)
		}
	}
	out := map[string]int{}
	for cat, sends := range byCat {
		out[cat] = MaxInWindow(sends, time.Second)
	}
	return out
}

// MinSpacing is the shortest time between two consecutive sends (0 for
// fewer than two).
func MinSpacing(sends []Sent) time.Duration {
	var m time.Duration
	for i := 1; i < len(sends); i++ {
		if d := sends[i].At.Sub(sends[i-1].At); i == 1 || d < m {
			m = d
		}
	}
	return m
}

// Sends lists the requests recorded so far that keep(s) accepts (nil: all),
// in the order they arrived.
func (r *Recorder) Sends(keep func(Sent) bool) []Sent {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Sent
	for _, s := range r.at {
		if keep == nil || keep(s) {
			out = append(out, s)
		}
	}
	return out
}

// MaxInWindow is the largest number of sends in any window of length d
// (a window is [t, t+d), t at any send): what Zoom's per-second counting
// can at most see of them, wherever its seconds start. Spans are compared
// at the microsecond: the client's token bucket computes its delays in
// floating point and now and then sends a nanosecond before 1/rate is
// up, which no count on Zoom's side can see (and which would otherwise put
// rate+1 sends in a window of exactly evenly spaced calls).
func MaxInWindow(sends []Sent, d time.Duration) int { return len(BusiestWindow(sends, d)) }

// BusiestWindow is the first window of length d (as MaxInWindow counts
// them) that holds the most sends: the calls that crowded it, for a
// failing test to show.
func BusiestWindow(sends []Sent, d time.Duration) []Sent {
	var best []Sent
	lo := 0
	for hi := range sends {
		for sends[hi].At.Sub(sends[lo].At).Round(time.Microsecond) >= d {
			lo++
		}
		if hi-lo+1 > len(best) {
			best = sends[lo : hi+1]
		}
	}
	return best
}
