package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/zoombulk/zoombulk/internal/sandbox"
)

func init() { register(newSandboxCmd) }

// defaultSeedPath is used when --seed is not given and the file exists, so
// that `zoombulk sandbox` in a checkout serves the sample account.
const defaultSeedPath = "samples/sandbox-seed.yaml"

type sandboxOptions struct {
	addr             string
	seed             string
	tier             string
	latency          time.Duration
	faults           string
	users            int
	pageSize         int
	featuresInterval time.Duration
	tokenTTL         time.Duration
	licensedSeats    int
	basicSeats       int
	freeAddOns       bool
	paidFeatures     bool // deprecated: now the default
}

func newSandboxCmd(stdio *IO, sigs <-chan os.Signal) *cobra.Command {
	o := &sandboxOptions{}
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Serve a local, in-memory Zoom API to try zoombulk on",
		Long: `Serve an in-memory Zoom on a loopback address: the Users, Groups, Divisions and
Contact Groups endpoints zoombulk uses (users and their settings, email changes,
SSO tokens, profile pictures, assistants, group admins, contact groups), with
Zoom's status and error codes, a Server-to-Server OAuth token endpoint, the
account tier's rate limits (429s with X-RateLimit-* headers), the one call every
10 s rule of bulk feature updates, the daily create and group caps, and an
x-zm-trackingid header on every answer.

It prints the export lines that point zoombulk at it; paste them into another
shell. Nothing leaves the machine and nothing is kept: stopping the sandbox
forgets every change.

--faults injects failures, each a probability per API call:
  5xx=P      answer 500/502/503 without applying
  reset=P    reset the connection before applying
  lost=P     apply a write, then reset the connection (the answer is lost)
  html429=P  a 429 with an HTML body and no rate-limit headers
  slow=P:D   apply, then answer after D (e.g. slow=0.01:3s)
  seed=N     the random sequence to draw from`,
		Example: `  # The sample account (samples/sandbox-seed.yaml) on 127.0.0.1:8765:
  zoombulk sandbox

  # 5,000 extra users, Pro tier limits, 50 ms per call and some failures:
  zoombulk sandbox --users 5000 --tier pro --latency 50ms --faults 5xx=0.02,lost=0.01,seed=7

  # 100,000 users served 300 a page, as many Zoom accounts get them, at 300 ms:
  zoombulk sandbox --users 100000 --page-size 300 --latency 300ms

  # Then, in another shell:
  export ZOOM_ACCOUNT_ID='acme-sandbox' ...   # the lines the sandbox printed
  zoombulk run samples/migration/job.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runSandbox(cmd.Context(), stdio, sigs, o, cmd.Flags().Changed("seed"))
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.addr, "addr", "127.0.0.1:8765", "loopback address to listen on (port 0 picks a free port)")
	f.StringVar(&o.seed, "seed", defaultSeedPath, `seed file (YAML); "" for an empty account with only its owner`)
	f.StringVar(&o.tier, "tier", "business", "account tier whose rate limits apply: free, pro or business")
	f.DurationVar(&o.latency, "latency", 0, "delay added to every API response")
	f.StringVar(&o.faults, "faults", "", "faults to inject, e.g. 5xx=0.05,reset=0.01,lost=0.01,html429=0.01,slow=0.01:3s,seed=7")
	f.IntVar(&o.users, "users", 0, "generate this many extra users")
	f.IntVar(&o.pageSize, "page-size", 2000, "most users a List users page holds, whatever page_size asks (many Zoom accounts get 300)")
	f.DurationVar(&o.featuresInterval, "features-interval", 10*time.Second, "minimum spacing of bulk feature updates (0 turns the rule off)")
	f.DurationVar(&o.tokenTTL, "token-ttl", time.Hour, "access token lifetime")
	f.IntVar(&o.licensedSeats, "licensed-seats", 0, "licensed (type 2) users the account may have; 0 takes the seed's, or unlimited (answers 2034 past it)")
	f.IntVar(&o.basicSeats, "basic-seats", 0, "basic (type 1) users the account may have; 0 is unlimited (answers 2033/3412 past it)")
	f.BoolVar(&o.freeAddOns, "free-add-ons", false, `grant add-ons (webinar, large_meeting, ...) to users who are not licensed too (Zoom answers "Can't update for free users")`)
	// Kept so that scripts written for the old opt-in still start.
	f.BoolVar(&o.paidFeatures, "paid-features-only", false, "")
	_ = f.MarkDeprecated("paid-features-only", "add-ons go to licensed users only by default now, as Zoom grants them")
	return cmd
}

func runSandbox(ctx context.Context, stdio *IO, sigs <-chan os.Signal, o *sandboxOptions, seedGiven bool) error {
	if ctx == nil {
		ctx = context.Background()
	}
	opts, err := o.options(seedGiven)
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	s, err := sandbox.Start(o.addr, opts)
	if err != nil {
		return exitf(ExitUsage, "sandbox: %v", strings.TrimPrefix(err.Error(), "sandbox: "))
	}
	defer s.Close()

	for _, kv := range s.Env() {
		name, value, _ := strings.Cut(kv, "=")
		fmt.Fprintf(stdio.Out, "export %s=%s\n", name, shellQuote(value))
	}
	what := fmt.Sprintf("%d users", len(s.Users()))
	if opts.Seed != nil && opts.Seed.Account.Name != "" {
		what = opts.Seed.Account.Name + ", " + what
	}
	fmt.Fprintf(stdio.Out, "# Zoom sandbox (%s, %s tier) serving %s\n", what, o.tier, s.APIURL())
	if opts.Faults != (sandbox.Faults{}) {
		fmt.Fprintf(stdio.Out, "# injecting faults: %s\n", opts.Faults)
	}
	fmt.Fprintln(stdio.Out, "# Paste the export lines into another shell. Press Ctrl-C here to stop; changes are not kept.")

	select {
	case <-sigs:
	case <-ctx.Done():
	}
	st := s.Stats()
	calls, limited := 0, 0
	for _, n := range st.Calls {
		calls += n
	}
	for _, m := range []map[string]int{st.QPS429, st.Daily429} {
		for _, n := range m {
			limited += n
		}
	}
	fmt.Fprintf(stdio.ErrOut, "zoombulk: sandbox stopped after %d API calls (%d rate-limited)\n", calls, limited)
	return nil
}

// options turns the flags into sandbox options, refusing bad values before
// anything listens.
func (o *sandboxOptions) options(seedGiven bool) (sandbox.Options, error) {
	opts := sandbox.Options{Latency: o.latency, Users: o.users, UserPageSize: o.pageSize, TokenTTL: o.tokenTTL, FeaturesInterval: o.featuresInterval,
		LicensedSeats: o.licensedSeats, BasicSeats: o.basicSeats, FreeAddOns: o.freeAddOns}
	switch strings.ToLower(o.tier) {
	case "free", "pro", "business":
		opts.Tier = strings.ToLower(o.tier)
	default:
		return opts, fmt.Errorf("--tier %q: want free, pro or business", o.tier)
	}
	switch {
	case o.latency < 0:
		return opts, fmt.Errorf("--latency %v: must not be negative", o.latency)
	case o.users < 0:
		return opts, fmt.Errorf("--users %d: must not be negative", o.users)
	case o.pageSize < 1 || o.pageSize > 2000:
		return opts, fmt.Errorf("--page-size %d: want 1 to 2000 (Zoom's most)", o.pageSize)
	case o.featuresInterval < 0:
		return opts, fmt.Errorf("--features-interval %v: must not be negative", o.featuresInterval)
	case o.tokenTTL <= 0:
		return opts, fmt.Errorf("--token-ttl %v: must be positive", o.tokenTTL)
	case o.licensedSeats < 0:
		return opts, fmt.Errorf("--licensed-seats %d: must not be negative", o.licensedSeats)
	case o.basicSeats < 0:
		return opts, fmt.Errorf("--basic-seats %d: must not be negative", o.basicSeats)
	}
	if o.featuresInterval == 0 {
		opts.FeaturesInterval = -1 // the sandbox's "off"
	}
	faults, err := sandbox.ParseFaults(o.faults)
	if err != nil {
		return opts, fmt.Errorf("--faults: %w", err)
	}
	opts.Faults = faults

	sd, err := loadSeed(o.seed, seedGiven)
	if err != nil {
		return opts, fmt.Errorf("--seed: %w", err)
	}
	opts.Seed = sd
	return opts, nil
}

// SampleSeed is samples/sandbox-seed.yaml built into the binary (main sets
// it), so that --sandbox shows the sample account from any directory.
var SampleSeed []byte

// loadSeed reads a sandbox seed. The default path falls back to the
// built-in sample seed when the file is not there; a path the user gave
// must exist. "" is an empty account.
func loadSeed(path string, given bool) (*sandbox.Seed, error) {
	if path == "" {
		return nil, nil
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) && !given {
		if SampleSeed == nil {
			return nil, nil
		}
		return sandbox.ParseSeed("the built-in sample seed", SampleSeed)
	}
	return sandbox.LoadSeed(path)
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
