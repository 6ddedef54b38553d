package sandbox

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Faults are the failures the sandbox injects into /v2 calls (never into the
// token endpoint). Each call draws once: the probabilities are of disjoint
// outcomes and must not add up to more than 1.
type Faults struct {
	Seed        int64
	ServerError float64 // answer 500/502/503 (JSON or HTML body) without applying
	Reset       float64 // reset the connection before applying
	LostAnswer  float64 // apply a write (POST/PATCH/PUT/DELETE), then reset the connection
	HTML429     float64 // a 429 with an HTML (or empty) body and no X-RateLimit headers, not applied
	Slow        float64 // delay the answer by SlowDelay after applying
	SlowDelay   time.Duration
}

// defaultSlowDelay is the delay of "slow=P" without a duration.
const defaultSlowDelay = 5 * time.Second

func (f Faults) any() bool {
	return f.ServerError > 0 || f.Reset > 0 || f.LostAnswer > 0 || f.HTML429 > 0 || f.Slow > 0
}

func (f Faults) validate() error {
	sum := 0.0
	for _, p := range []struct {
		name string
		v    float64
	}{{"5xx", f.ServerError}, {"reset", f.Reset}, {"lost", f.LostAnswer}, {"html429", f.HTML429}, {"slow", f.Slow}} {
		if p.v < 0 || p.v > 1 || p.v != p.v {
			return fmt.Errorf("fault %s: probability %v is not between 0 and 1", p.name, p.v)
		}
		sum += p.v
	}
	if sum > 1+1e-9 {
		return fmt.Errorf("fault probabilities add up to %.4g, more than 1", sum)
	}
	if f.SlowDelay < 0 {
		return errors.New("fault slow: negative delay")
	}
	return nil
}

// String is the spec ParseFaults reads back.
func (f Faults) String() string {
	var parts []string
	add := func(k string, v float64) {
		if v > 0 {
			parts = append(parts, k+"="+strconv.FormatFloat(v, 'g', -1, 64))
		}
	}
	add("5xx", f.ServerError)
	add("reset", f.Reset)
	add("lost", f.LostAnswer)
	add("html429", f.HTML429)
	if f.Slow > 0 {
		d := f.SlowDelay
		if d == 0 {
			d = defaultSlowDelay
		}
		parts = append(parts, "slow="+strconv.FormatFloat(f.Slow, 'g', -1, 64)+":"+d.String())
	}
	if f.Seed != 0 {
		parts = append(parts, "seed="+strconv.FormatInt(f.Seed, 10))
	}
	return strings.Join(parts, ",")
}

// ParseFaults reads a fault spec such as
// "5xx=0.05,reset=0.01,lost=0.01,html429=0.01,slow=0.01:3s,seed=7". Each
// value is a probability per call; slow takes an optional ":DURATION" (default
// 5s). "" (or "none") is no faults.
func ParseFaults(spec string) (Faults, error) {
	var f Faults
	spec = strings.TrimSpace(spec)
	if spec == "" || strings.EqualFold(spec, "none") {
		return f, nil
	}
	seen := map[string]bool{}
	for _, item := range strings.Split(spec, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		key, val, ok := strings.Cut(item, "=")
		key, val = strings.ToLower(strings.TrimSpace(key)), strings.TrimSpace(val)
		if !ok || val == "" {
			return Faults{}, fmt.Errorf("fault spec %q: %q is not KEY=VALUE (keys: 5xx, reset, lost, html429, slow, seed)", spec, item)
		}
		if seen[key] {
			return Faults{}, fmt.Errorf("fault spec %q: %s is given twice", spec, key)
		}
		seen[key] = true
		if key == "seed" {
			n, err := strconv.ParseInt(val, 10, 64)
			if err != nil {
				return Faults{}, fmt.Errorf("fault spec %q: seed %q is not an integer", spec, val)
			}
			f.Seed = n
			continue
		}
		probText, durText, hasDur := strings.Cut(val, ":")
		p, err := strconv.ParseFloat(strings.TrimSpace(probText), 64)
		if err != nil || p < 0 || p > 1 {
			return Faults{}, fmt.Errorf("fault spec %q: %s=%s: the probability must be a number between 0 and 1", spec, key, val)
		}
		if hasDur && key != "slow" {
			return Faults{}, fmt.Errorf("fault spec %q: only slow takes a duration (slow=P:DURATION)", spec)
		}
		switch key {
		case "5xx":
			f.ServerError = p
		case "reset":
			f.Reset = p
		case "lost":
			f.LostAnswer = p
		case "html429":
			f.HTML429 = p
		case "slow":
			f.Slow = p
			if hasDur {
				d, err := time.ParseDuration(strings.TrimSpace(durText))
				if err != nil || d <= 0 {
					return Faults{}, fmt.Errorf("fault spec %q: slow delay %q is not a positive duration such as 3s", spec, durText)
				}
				f.SlowDelay = d
			}
		default:
			return Faults{}, fmt.Errorf("fault spec %q: unknown fault %q (keys: 5xx, reset, lost, html429, slow, seed)", spec, key)
		}
	}
	if err := f.validate(); err != nil {
		return Faults{}, fmt.Errorf("fault spec %q: %w", spec, err)
	}
	return f, nil
}

type faultKind int

const (
	noFault faultKind = iota
	fault5xx
	faultReset
	faultLost
	faultHTML429
	faultSlow
)

// faultInjector draws faults from a PCG seeded from Faults.Seed, so a run
// with the same seed and the same call order sees the same faults.
type faultInjector struct {
	mu  sync.Mutex
	f   Faults
	rng *rand.Rand
}

func newFaultInjector(f Faults) *faultInjector {
	fi := &faultInjector{}
	fi.set(f)
	return fi
}

func (fi *faultInjector) set(f Faults) {
	if f.Slow > 0 && f.SlowDelay == 0 {
		f.SlowDelay = defaultSlowDelay
	}
	fi.mu.Lock()
	fi.f = f
	fi.rng = rand.New(rand.NewPCG(uint64(f.Seed), 0x5a4f4f4d))
	fi.mu.Unlock()
}

// SetFaults replaces the fault configuration and restarts its random
// sequence. Invalid probabilities are a programming error and panic.
func (s *Server) SetFaults(f Faults) {
	if err := f.validate(); err != nil {
		panic("sandbox: SetFaults: " + err.Error())
	}
	s.faults.set(f)
}

// decide draws the fault for one call, and a number that picks its variant
// (status code, body shape).
func (fi *faultInjector) decide(write bool) (faultKind, uint64) {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	f := fi.f
	if !f.any() {
		return noFault, 0
	}
	u, variant := fi.rng.Float64(), fi.rng.Uint64()
	for _, c := range []struct {
		p    float64
		kind faultKind
	}{{f.ServerError, fault5xx}, {f.Reset, faultReset}, {f.LostAnswer, faultLost}, {f.HTML429, faultHTML429}, {f.Slow, faultSlow}} {
		if u < c.p {
			if c.kind == faultLost && !write {
				return noFault, 0 // only a write has an answer worth losing
			}
			return c.kind, variant
		}
		u -= c.p
	}
	return noFault, 0
}

func (fi *faultInjector) slowDelay() time.Duration {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	return fi.f.SlowDelay
}

// resetConn drops the connection with a TCP RST (SO_LINGER 0), so the client
// sees "connection reset by peer" rather than a clean end of stream.
func resetConn(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler) // net/http aborts the response without logging
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	conn.Close()
}

const htmlPage = "<html>\r\n<head><title>%[1]d %[2]s</title></head>\r\n<body>\r\n<center><h1>%[1]d %[2]s</h1></center>\r\n</body>\r\n</html>\r\n"

// serverError answers 500, 502 or 503, with a JSON body (as the API itself
// would) or an HTML page (as a gateway in front of it would).
func serverError(w http.ResponseWriter, variant uint64) {
	status := []int{http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable}[variant%3]
	if variant>>8&1 == 0 {
		writeJSON(w, status, apiError{Code: status, Message: http.StatusText(status)})
		return
	}
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(status)
	fmt.Fprintf(w, htmlPage, status, http.StatusText(status))
}

// htmlTooMany is a 429 from the edge rather than the API: no X-RateLimit
// headers, no Retry-After, and an HTML page, sometimes without a
// Content-Type, sometimes with no body at all.
func htmlTooMany(w http.ResponseWriter, variant uint64) {
	h := w.Header()
	switch variant % 3 {
	case 0:
		h.Set("Content-Type", "text/html")
	default:
		h["Content-Type"] = nil // no sniffing either
	}
	w.WriteHeader(http.StatusTooManyRequests)
	if variant%3 != 2 {
		fmt.Fprintf(w, htmlPage, http.StatusTooManyRequests, http.StatusText(http.StatusTooManyRequests))
	}
}
