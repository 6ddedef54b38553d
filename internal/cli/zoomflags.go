package cli

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/spf13/pflag"

	"github.com/zoombulk/zoombulk/internal/credentials"
	"github.com/zoombulk/zoombulk/internal/sandbox"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// defaultSeed is the sandbox's data when --sandbox is given.
const defaultSeed = "samples/sandbox-seed.yaml"

// zoomFlags are the flags of every command that talks to Zoom.
type zoomFlags struct {
	tier        string
	share       float64
	sandbox     bool
	sandboxSeed string
	// featuresInterval scales Zoom's 10 s features rule, for sandboxes
	// that scale it too (zoombulk sandbox --features-interval); hidden.
	featuresInterval time.Duration
	// profile names the account profile to use instead of ZOOM_* variables.
	profile string
	// account is the account ID connect used, for messages.
	account string
	// flags is where the flags were registered, to tell a --tier given
	// from its default (a profile's tier applies only without one).
	flags *pflag.FlagSet
}

func (f *zoomFlags) register(fs *pflag.FlagSet) {
	f.flags = fs
	fs.StringVar(&f.tier, "tier", "pro", "the account's plan, for its rate limits: free, pro or business")
	fs.Float64Var(&f.share, "share", zoom.DefaultShare, "fraction of the account's rate limits to use (other apps share them)")
	fs.BoolVar(&f.sandbox, "sandbox", false, "run against an embedded sandbox Zoom instead of the real one (no credentials needed)")
	fs.StringVar(&f.sandboxSeed, "sandbox-seed", defaultSeed, "with --sandbox: the YAML file the sandbox starts from")
	fs.DurationVar(&f.featuresInterval, "features-interval", 0, "spacing of feature calls (default Zoom's 10s); only for sandboxes that scale it")
	_ = fs.MarkHidden("features-interval")
	fs.StringVar(&f.profile, "profile", "", "use this account profile (zoombulk auth profile list) instead of the ZOOM_* variables")
}

// connect builds a client from the environment, or starts an embedded
// sandbox and points the client at it, and gets a token before any work,
// so that bad credentials exit 4 with a clear message and nothing else
// happens. close stops the sandbox.
func (f *zoomFlags) connect(ctx context.Context, stdio *IO) (c *zoom.Client, close func(), err error) {
	getenv := stdio.Getenv
	close = func() {}
	if f.profile != "" {
		if f.sandbox {
			return nil, nil, exitf(ExitUsage, "--profile and --sandbox name two different accounts: give one")
		}
		getenv, err = f.profileEnv(stdio)
		if err != nil {
			return nil, nil, err
		}
	}
	var transport http.RoundTripper
	if f.sandbox {
		srv, err := f.startSandbox(stdio.Transport == nil)
		if err != nil {
			return nil, nil, &ExitError{Code: ExitUsage, Err: err}
		}
		env := map[string]string{}
		for _, kv := range srv.Env() {
			for i := 0; i < len(kv); i++ {
				if kv[i] == '=' {
					env[kv[:i]] = kv[i+1:]
					break
				}
			}
		}
		if stdio.Transport != nil {
			env["ZOOM_API_URL"], env["ZOOM_OAUTH_URL"] = inMemoryOrigin+"/v2", inMemoryOrigin+"/oauth/token"
			transport = stdio.Transport(srv.Handler())
		}
		getenv = func(k string) string { return env[k] }
		close = srv.Close
		fmt.Fprintf(stdio.ErrOut, "Using an embedded sandbox Zoom at %s (%s tier).\n", env["ZOOM_API_URL"], f.tier)
	} else if stdio.Transport != nil {
		transport = stdio.Transport(nil)
	}
	cfg := zoom.ConfigFromEnv(getenv)
	f.account = cfg.AccountID
	cfg.Tier, cfg.Share, cfg.FeaturesInterval = f.tier, f.share, f.featuresInterval
	if transport != nil {
		cfg.HTTPClient = &http.Client{Transport: transport}
	}
	c, err = zoom.New(cfg)
	if err != nil {
		close()
		if errors.Is(err, zoom.ErrMissingCredentials) {
			return nil, nil, &ExitError{Code: ExitAuth, Err: err}
		}
		return nil, nil, &ExitError{Code: ExitUsage, Err: err}
	}
	if err := c.Authenticate(ctx); err != nil {
		close()
		var unreachable *zoom.UnreachableError
		if errors.As(err, &unreachable) {
			// Not a credentials problem: say where, and why.
			return nil, nil, &ExitError{Code: ExitAuth, Err: err}
		}
		return nil, nil, &ExitError{Code: ExitAuth, Err: fmt.Errorf("%w\ncheck ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET (a Server-to-Server OAuth app, activated, with the user, group and division scopes)", err)}
	}
	return c, close, nil
}

// startSandbox builds the embedded sandbox, serving it on loopback when
// listen (without, only IO.Transport reaches it).
func (f *zoomFlags) startSandbox(listen bool) (*sandbox.Server, error) {
	seed, err := loadSeed(f.sandboxSeed, f.sandboxSeed != defaultSeed)
	if err != nil {
		return nil, fmt.Errorf("--sandbox-seed: %w", err)
	}
	opts := sandbox.Options{Tier: f.tier, Seed: seed, FeaturesInterval: f.featuresInterval}
	if !listen {
		return sandbox.New(opts)
	}
	return sandbox.Start("", opts)
}

// inMemoryOrigin is where a client reaching the embedded sandbox through
// IO.Transport addresses it: a loopback address (the client's rule for
// plain http) that the transport never dials.
const inMemoryOrigin = "http://127.0.0.1:9"

// profilesPath is the profiles file of the user's configuration folder.
func profilesPath(stdio *IO) (string, error) {
	dirOf := stdio.ConfigDir
	if dirOf == nil {
		dirOf = os.UserConfigDir
	}
	dir, err := dirOf()
	if err != nil {
		return "", exitf(ExitUsage, "cannot find the configuration folder for the profiles: %v", err)
	}
	return credentials.Path(dir), nil
}

// profileEnv reads the profile and returns the environment the client
// would read, with the profile's values in the ZOOM_* variables.
func (f *zoomFlags) profileEnv(stdio *IO) (func(string) string, error) {
	path, err := profilesPath(stdio)
	if err != nil {
		return nil, err
	}
	p, err := credentials.Find(path, f.profile)
	if err != nil {
		return nil, &ExitError{Code: ExitUsage, Err: err}
	}
	if p.Tier != "" && (f.flags == nil || !f.flags.Changed("tier")) {
		f.tier = p.Tier
	}
	secret, err := p.Secret(stdio.Getenv, stdio.Keyring)
	if err != nil {
		return nil, &ExitError{Code: ExitAuth, Err: err}
	}
	vals := map[string]string{
		"ZOOM_ACCOUNT_ID": p.AccountID, "ZOOM_CLIENT_ID": p.ClientID, "ZOOM_CLIENT_SECRET": secret,
		"ZOOM_API_URL": p.APIURL, "ZOOM_OAUTH_URL": p.OAuthURL,
	}
	return func(k string) string {
		if v, ok := vals[k]; ok {
			return v
		}
		return stdio.Getenv(k)
	}, nil
}
