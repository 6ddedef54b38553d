package sandbox

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"strings"
	"sync"
	"time"
)

// tokenStore holds issued access tokens and their expiry. Tokens are random
// and opaque: nothing about them is derivable, as with Zoom's.
type tokenStore struct {
	mu     sync.Mutex
	expiry map[string]time.Time
	// uses counts each token's calls, for Options.TokenUses.
	uses    map[string]int
	maxUses int
}

func newTokenStore() *tokenStore {
	return &tokenStore{expiry: map[string]time.Time{}, uses: map[string]int{}}
}

func (ts *tokenStore) issue(now time.Time, ttl time.Duration) string {
	b := make([]byte, 32)
	rand.Read(b)
	tok := "sbx_" + base64.RawURLEncoding.EncodeToString(b)
	ts.mu.Lock()
	ts.expiry[tok] = now.Add(ttl)
	ts.mu.Unlock()
	return tok
}

// check says whether tok is known and whether it has expired.
func (ts *tokenStore) check(tok string, now time.Time) (known, expired bool) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	exp, ok := ts.expiry[tok]
	if !ok {
		return false, false
	}
	if ts.maxUses > 0 {
		ts.uses[tok]++
		if ts.uses[tok] > ts.maxUses {
			return true, true
		}
	}
	return true, !now.Before(exp)
}

// ExpireTokens makes every token issued so far answer 401 code 124 "Access
// token is expired.", as if their hour had passed.
func (s *Server) ExpireTokens() {
	s.tokens.mu.Lock()
	defer s.tokens.mu.Unlock()
	for tok := range s.tokens.expiry {
		s.tokens.expiry[tok] = time.Time{}
	}
}

type oauthError struct {
	Reason string `json:"reason"`
	Error  string `json:"error"`
}

type tokenAnswer struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
	Scope       string `json:"scope"`
}

const tokenScope = "user:read:admin user:write:admin group:read:admin group:write:admin " +
	"division:read:admin division:write:admin contact_group:read:admin contact_group:write:admin"

// serveToken is Server-to-Server OAuth: POST
// /oauth/token?grant_type=account_credentials&account_id=ID with HTTP Basic
// client credentials. A new token leaves earlier ones valid until they expire.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeJSON(w, http.StatusMethodNotAllowed, oauthError{Reason: "Method Not Allowed", Error: "invalid_request"})
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok || id != s.opts.ClientID || secret != s.opts.ClientSecret {
		writeJSON(w, http.StatusUnauthorized, oauthError{Reason: "Invalid client_id or client_secret", Error: "invalid_client"})
		return
	}
	// Zoom takes the parameters in the query; a form body is accepted too.
	switch gt := r.FormValue("grant_type"); gt {
	case "account_credentials":
	case "":
		writeJSON(w, http.StatusBadRequest, oauthError{Reason: "Missing grant type", Error: "invalid_request"})
		return
	default:
		writeJSON(w, http.StatusBadRequest, oauthError{Reason: "Unsupported grant type", Error: "unsupported_grant_type"})
		return
	}
	switch acct := r.FormValue("account_id"); {
	case acct == "":
		writeJSON(w, http.StatusBadRequest, oauthError{Reason: "Missing account_id", Error: "invalid_request"})
		return
	case acct != s.opts.AccountID:
		writeJSON(w, http.StatusBadRequest, oauthError{Reason: "Invalid account_id", Error: "invalid_request"})
		return
	}
	ttl := s.opts.TokenTTL
	tok := s.tokens.issue(s.now(), ttl)
	s.stats.token()
	secs := int64(ttl / time.Second)
	if secs < 1 {
		secs = 1
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, tokenAnswer{AccessToken: tok, TokenType: "bearer", ExpiresIn: secs, Scope: tokenScope})
}

// authenticate checks the bearer token of an API call; nil means go on.
func (s *Server) authenticate(r *http.Request) *response {
	h := r.Header.Get("Authorization")
	scheme, tok, _ := strings.Cut(h, " ")
	tok = strings.TrimSpace(tok)
	if !strings.EqualFold(scheme, "Bearer") || tok == "" {
		resp := fail(http.StatusUnauthorized, 124, "Invalid access token.")
		return &resp
	}
	known, expired := s.tokens.check(tok, s.now())
	switch {
	case !known:
		resp := fail(http.StatusUnauthorized, 124, "Invalid access token.")
		return &resp
	case expired:
		resp := fail(http.StatusUnauthorized, 124, "Access token is expired.")
		return &resp
	}
	return nil
}
