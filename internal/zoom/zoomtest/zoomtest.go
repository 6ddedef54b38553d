// Package zoomtest is the test helper around the sandbox Zoom
// (internal/sandbox): one NewTestServer that starts a strict sandbox for the
// length of a test, and one NewClient that points the project's API client
// at it. It imports package testing, so only tests may import it; the
// shipped binary uses internal/sandbox directly.
//
// The sandbox's types are re-exported as aliases so that tests written
// against zoomtest.Options, zoomtest.Server, ... keep compiling.
package zoomtest

import (
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/zoombulk/zoombulk/internal/sandbox"
	"github.com/zoombulk/zoombulk/internal/zoom"
	"github.com/zoombulk/zoombulk/internal/zoom/apispec"
)

// Aliases of the sandbox's types.
type (
	Options          = sandbox.Options
	Server           = sandbox.Server
	Stats            = sandbox.Stats
	Faults           = sandbox.Faults
	User             = sandbox.User
	Group            = sandbox.Group
	Division         = sandbox.Division
	ContactGroup     = sandbox.ContactGroup
	Transfer         = sandbox.Transfer
	Seed             = sandbox.Seed
	SeedAccount      = sandbox.SeedAccount
	SeedUser         = sandbox.SeedUser
	SeedGroup        = sandbox.SeedGroup
	SeedDivision     = sandbox.SeedDivision
	SeedContactGroup = sandbox.SeedContactGroup
)

// The sandbox's constructors and parsers, for tests that need them
// without the test lifetime of NewTestServer.
var (
	New         = sandbox.New
	Start       = sandbox.Start
	LoadSeed    = sandbox.LoadSeed
	ParseSeed   = sandbox.ParseSeed
	ParseFaults = sandbox.ParseFaults
	CategoryOf  = sandbox.CategoryOf
)

// A TestOption changes what NewTestServer does.
type TestOption func(*testConfig)

type testConfig struct {
	lenient bool
	mem     bool // no socket: NewMemServer
}

// Lenient turns strict mode off for a test that sends requests Zoom's
// OpenAPI file does not allow on purpose (to see the sandbox's error
// answers). Such requests are still answered as Zoom would answer them.
func Lenient() TestOption { return func(c *testConfig) { c.lenient = true } }

// NewTestServer starts a sandbox on 127.0.0.1:0 for the length of a test.
//
// It is strict when Zoom's OpenAPI file is found next to the repository
// (shared/zoom-api/ZoomUserAPISpec.json; see SpecPath): every request's body
// and parameters are checked against the file, with unknown body fields and
// mistyped values refused (400, code 300, "strict sandbox: ..."), and the
// test fails at its end listing each refused request, even when the code
// under test swallowed the error. Without the file the sandbox is the same
// minus this check. opts.ValidateRequest, when set, is kept as it is.
func NewTestServer(t testing.TB, opts Options, to ...TestOption) *Server {
	t.Helper()
	var cfg testConfig
	for _, o := range to {
		o(&cfg)
	}
	return newServer(t, opts, cfg)
}

// requireContract is set (apispec.RequireEnv=1, as .ci/run does) where
// Zoom's OpenAPI file must be found: a strict sandbox or a contract test
// without it fails instead of quietly running lenient or skipping.
var requireContract = os.Getenv(apispec.RequireEnv) == "1"

func newServer(t testing.TB, opts Options, cfg testConfig) *Server {
	t.Helper()
	if opts.ValidateRequest == nil && !cfg.lenient {
		if v, err := StrictValidator(); err != nil {
			t.Fatalf("strict sandbox: %v", err)
		} else if v != nil {
			opts.ValidateRequest = v
		} else if requireContract {
			t.Fatalf("strict sandbox: %s=1 but %s was not found (set %s to the folder that holds it)", apispec.RequireEnv, specName, dirEnv)
		}
	}
	var s *Server
	var err error
	if cfg.mem {
		s, err = sandbox.New(opts)
	} else {
		s, err = sandbox.Start("", opts)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Close()
		if cfg.lenient {
			return
		}
		for _, v := range s.Violations() {
			t.Errorf("strict sandbox: %s", v)
		}
	})
	return s
}

// NewClient is the project's API client pointed at srv: business tier at
// full share and fast backoff, so tests spend no time waiting. tweak, if
// not nil, adjusts the configuration before the client is built. A sandbox
// that serves no socket (NewMemServer) is reached through Transport, with
// an http.Client whose timeout is the configuration's Timeout (default
// 30 s) unless tweak set its own HTTPClient.
func NewClient(t testing.TB, srv *Server, tweak func(*zoom.Config)) *zoom.Client {
	t.Helper()
	mem := srv.URL() == ""
	cfg := srvConfig(srv)
	if mem {
		cfg = memConfig(srv)
	}
	cfg.Tier, cfg.Share = "business", 1
	cfg.BackoffBase, cfg.BackoffMax = 5*time.Millisecond, 50*time.Millisecond
	if tweak != nil {
		tweak(&cfg)
	}
	if mem && cfg.HTTPClient == nil {
		timeout := memTimeout(cfg.Timeout)
		// Only srv's origin is srv: a tweak may point the client elsewhere
		// (a test's proxy in front of srv), which is then reached as usual.
		mem, origin := Transport(srv.Handler()), MemOrigin(srv)
		cfg.HTTPClient = &http.Client{Timeout: timeout, Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if "http://"+r.URL.Host == origin {
				return mem.RoundTrip(r)
			}
			return http.DefaultTransport.RoundTrip(r)
		})}
	}
	c, err := zoom.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
