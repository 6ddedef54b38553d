package zoom

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// tokenSource gets Server-to-Server OAuth tokens and caches one. The mutex
// makes the fetch single-flight: workers that find the token expired wait
// for the one fetch instead of each asking for a new token.
type tokenSource struct {
	cfg  *Config
	http *http.Client

	mu      sync.Mutex
	token   string
	expires time.Time
	fetches int
}

// token returns a valid access token, fetching one when there is none, it
// expires soon, or it equals rejected (Zoom said 124 to it).
func (ts *tokenSource) get(ctx context.Context, rejected string) (string, error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.token != "" && ts.token != rejected && time.Now().Before(ts.expires) {
		return ts.token, nil
	}
	tok, ttl, err := ts.fetch(ctx)
	if err != nil {
		return "", err
	}
	ts.token = tok
	// Refresh early: a tenth of the lifetime, at most five minutes, so no
	// call goes out with a token about to lapse on the wire.
	ts.expires = time.Now().Add(ttl - min(ttl/10, 5*time.Minute))
	ts.fetches++
	return tok, nil
}

func (ts *tokenSource) fetch(ctx context.Context) (string, time.Duration, error) {
	q := url.Values{"grant_type": {"account_credentials"}, "account_id": {ts.cfg.AccountID}}
	target := ts.cfg.OAuthURL
	if strings.Contains(target, "?") {
		target += "&" + q.Encode()
	} else {
		target += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, nil)
	if err != nil {
		return "", 0, &AuthError{Err: err}
	}
	basic := base64.StdEncoding.EncodeToString([]byte(ts.cfg.ClientID + ":" + ts.cfg.ClientSecret))
	req.Header.Set("Authorization", "Basic "+basic)
	req.Header.Set("User-Agent", ts.cfg.UserAgent)
	resp, err := ts.http.Do(req)
	if err != nil {
		return "", 0, &AuthError{Err: redactURLError(err)}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Reason string `json:"reason"`
			Error  string `json:"error"`
		}
		_ = json.Unmarshal(body, &e)
		reason := e.Reason
		if reason == "" {
			reason = e.Error
		}
		if reason == "" {
			reason = http.StatusText(resp.StatusCode)
		}
		return "", 0, &AuthError{HTTPStatus: resp.StatusCode, Reason: reason}
	}
	var t struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &t); err != nil || t.AccessToken == "" {
		return "", 0, &AuthError{HTTPStatus: resp.StatusCode, Reason: "the token endpoint answered without an access_token"}
	}
	ttl := time.Duration(t.ExpiresIn) * time.Second
	if ttl <= 0 {
		ttl = time.Hour
	}
	return t.AccessToken, ttl, nil
}

// redactURLError drops the request URL from transport errors: it carries
// the account ID in its query, which is not secret but has no place in logs.
func redactURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return fmt.Errorf("%s %s: %w", ue.Op, redactQuery(ue.URL), ue.Err)
	}
	return err
}

func redactQuery(raw string) string {
	if i := strings.IndexByte(raw, '?'); i >= 0 {
		return raw[:i]
	}
	return raw
}
