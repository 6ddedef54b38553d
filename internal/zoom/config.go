package zoom

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Defaults for the real Zoom.
const (
	DefaultAPIURL   = "https://api.zoom.us/v2"
	DefaultOAuthURL = "https://zoom.us/oauth/token"
	DefaultShare    = 0.8
	// MinShare is the least share: below it the Resource-intensive
	// category gets under one call in 10 minutes and a run looks hung.
	MinShare = 0.01
)

// Config says where Zoom is, who we are and how hard we may push.
type Config struct {
	AccountID, ClientID, ClientSecret string
	APIURL, OAuthURL                  string

	// Tier names the account's plan (free, pro, business); its rate limits
	// times Share are what the client allows itself. Share < 1 leaves room
	// for the other apps on the account. Share must be in [MinShare, 1];
	// ConfigFromEnv sets DefaultShare.
	Tier  string
	Share float64

	// NoLimits turns the client-side pacing off (the naive baseline of the
	// benchmarks, and nothing else).
	NoLimits bool
	// FeaturesInterval overrides Zoom's 10 s spacing of POST /users/features
	// (benchmarks scale it down together with the sandbox).
	FeaturesInterval time.Duration

	// Timeout bounds each HTTP attempt (default 30 s).
	Timeout time.Duration
	// MaxAttempts bounds the tries of one call (default 6).
	MaxAttempts int
	// BackoffBase and BackoffMax shape the retry waits (default 500 ms, 30 s).
	BackoffBase, BackoffMax time.Duration

	// HTTPClient, if set, is used instead of one built from Timeout (which
	// it takes when it has no timeout of its own).
	HTTPClient *http.Client
	// UserAgent names the tool in requests.
	UserAgent string
}

// ConfigFromEnv reads the ZOOM_* variables with Zoom's own names.
func ConfigFromEnv(getenv func(string) string) Config {
	return Config{
		AccountID:    strings.TrimSpace(getenv("ZOOM_ACCOUNT_ID")),
		ClientID:     strings.TrimSpace(getenv("ZOOM_CLIENT_ID")),
		ClientSecret: strings.TrimSpace(getenv("ZOOM_CLIENT_SECRET")),
		APIURL:       strings.TrimSpace(getenv("ZOOM_API_URL")),
		OAuthURL:     strings.TrimSpace(getenv("ZOOM_OAUTH_URL")),
		Share:        DefaultShare,
	}
}

// ErrMissingCredentials says which variables to set.
var ErrMissingCredentials = errors.New("missing credentials: set ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET (a Server-to-Server OAuth app), or use --sandbox")

func (c *Config) setDefaults() error {
	if c.AccountID == "" || c.ClientID == "" || c.ClientSecret == "" {
		return ErrMissingCredentials
	}
	if c.APIURL == "" {
		c.APIURL = DefaultAPIURL
	}
	if c.OAuthURL == "" {
		c.OAuthURL = DefaultOAuthURL
	}
	c.APIURL = strings.TrimRight(c.APIURL, "/")
	for _, u := range []struct{ name, value string }{{"ZOOM_API_URL", c.APIURL}, {"ZOOM_OAUTH_URL", c.OAuthURL}} {
		if err := CheckURL(u.value); err != nil {
			return fmt.Errorf("%s: %w", u.name, err)
		}
	}
	// NaN fails every comparison, so the test is written to let only
	// (0, 1] through: a NaN share would otherwise turn pacing off.
	if !(c.Share >= MinShare && c.Share <= 1) {
		return fmt.Errorf("share %v: must be from %v to 1 (the fraction of the account's rate limits to use)", c.Share, MinShare)
	}
	if c.FeaturesInterval < 0 || c.Timeout < 0 || c.MaxAttempts < 0 || c.BackoffBase < 0 || c.BackoffMax < 0 {
		return errors.New("zoom: negative features interval, timeout, attempts or backoff")
	}
	if c.Timeout == 0 {
		c.Timeout = 30 * time.Second
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = 6
	}
	if c.BackoffBase == 0 {
		c.BackoffBase = 500 * time.Millisecond
	}
	if c.BackoffMax == 0 {
		c.BackoffMax = 30 * time.Second
	}
	if c.FeaturesInterval == 0 {
		c.FeaturesInterval = FeaturesInterval
	}
	if c.UserAgent == "" {
		c.UserAgent = "zoombulk"
	}
	return nil
}

// CheckURL accepts https URLs, and plain http only to a loopback address:
// credentials and tokens must never cross a network in clear text.
func CheckURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%q is not a URL: %w", raw, err)
	}
	switch u.Scheme {
	case "https":
		if u.Host == "" {
			return fmt.Errorf("%q has no host", raw)
		}
		return nil
	case "http":
		if isLoopback(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("refusing plain http to %q: credentials would cross the network unencrypted; use https (http is allowed only to a loopback address)", u.Hostname())
	}
	return fmt.Errorf("%q: the scheme must be https", raw)
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
