package zoomtest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/zoombulk/zoombulk/internal/zoom/apispec"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// recordingTB stands in for a test so that what NewTestServer reports at the
// end can be checked.
type recordingTB struct {
	testing.TB
	mu       sync.Mutex
	errors   []string
	cleanups []func()
}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recordingTB) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }

func (r *recordingTB) finish() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}

// call sends one request with a fresh token and returns the status and
// the error message (or the raw body when there is none).
func call(t *testing.T, srv *zoomtest.Server, method, path, contentType, body string) (int, string) {
	t.Helper()
	env := map[string]string{}
	for _, kv := range srv.Env() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	q := url.Values{"grant_type": {"account_credentials"}, "account_id": {env["ZOOM_ACCOUNT_ID"]}}
	treq, _ := http.NewRequest("POST", srv.OAuthURL()+"?"+q.Encode(), nil)
	treq.SetBasicAuth(env["ZOOM_CLIENT_ID"], env["ZOOM_CLIENT_SECRET"])
	tresp, err := http.DefaultClient.Do(treq)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	json.NewDecoder(tresp.Body).Decode(&tok)
	tresp.Body.Close()

	var rd io.Reader
	if body != "" {
		rd = bytes.NewReader([]byte(body))
	}
	req, _ := http.NewRequest(method, srv.APIURL()+path, rd)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var e struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(raw, &e) == nil && e.Message != "" {
		return resp.StatusCode, e.Message
	}
	return resp.StatusCode, string(raw)
}

func TestStrictSandboxRefusesWhatZoomsSchemaDoesNotAllow(t *testing.T) {
	if zoomtest.SpecPath() == "" {
		apispec.Missing(t, "shared/zoom-api/ZoomUserAPISpec.json not found next to the repository")
	}
	seed, err := zoomtest.LoadSeed("../../../samples/sandbox-seed.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var someone string
	for _, u := range seed.Users {
		if u.Status == "" || u.Status == "active" {
			if u.Role == "" || u.Role == "member" {
				someone = u.Email
				break
			}
		}
	}
	tests := []struct {
		name, method, path, body string
		problem                  string // "" = accepted
	}{
		{"host_key as a string", "PATCH", "/users/" + someone, `{"host_key":"012345"}`, ""},
		{"host_key as a number", "PATCH", "/users/" + someone, `{"host_key":12345}`, "host_key"},
		{"unknown body field", "PATCH", "/users/" + someone, `{"dept":"R&D","departement":"R&D"}`, `body field "departement"`},
		{"unknown nested field", "POST", "/users", `{"action":"create","user_info":{"email":"n@acme.example","type":1,"frist_name":"N"}}`, `"user_info.frist_name"`},
		{"reference-only field", "POST", "/users", `{"action":"create","user_info":{"email":"n2@acme.example","type":1,"division_ids":[]}}`, ""},
		{"unknown query parameter", "GET", "/users?statuss=active", "", `query parameter "statuss"`},
		{"mistyped query parameter", "GET", "/users?page_size=many", "", "page_size"},
		{"settings leaf mistyped", "PATCH", "/users/" + someone + "/settings", `{"recording":{"cloud_recording":"yes"}}`, "cloud_recording"},
		{"settings unknown leaf", "PATCH", "/users/" + someone + "/settings", `{"recording":{"cloud_recordings":true}}`, `"recording.cloud_recordings"`},
		{"delete with every transfer flag", "DELETE", "/users/" + someone + "?action=disassociate&transfer_whiteboard=true&transfer_clipfiles=true&transfer_notes=true&transfer_docs=true&transfer_visitors=true", "", ""},
	}
	rec := &recordingTB{TB: t}
	srv := zoomtest.NewTestServer(rec, zoomtest.Options{Seed: seed, NoRateLimits: true})
	wantViolations := 0
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ct := ""
			if tt.body != "" {
				ct = "application/json"
			}
			status, body := call(t, srv, tt.method, tt.path, ct, tt.body)
			if tt.problem == "" {
				if status >= 300 {
					t.Fatalf("refused: %d %s", status, body)
				}
				return
			}
			wantViolations++
			if status != 400 || !strings.Contains(body, "strict sandbox") || !strings.Contains(body, tt.problem) {
				t.Fatalf("answer %d %s, want 400 naming %s", status, body, tt.problem)
			}
		})
	}
	if n := len(srv.Violations()); n != wantViolations {
		t.Errorf("Violations() has %d entries, want %d: %q", n, wantViolations, srv.Violations())
	}
	rec.finish()
	if len(rec.errors) != wantViolations {
		t.Errorf("the test would have failed %d times, want %d: %q", len(rec.errors), wantViolations, rec.errors)
	}

	// Lenient: the sandbox answers as Zoom (which ignores unknown fields)
	// and the test is not failed.
	rec = &recordingTB{TB: t}
	srv = zoomtest.NewTestServer(rec, zoomtest.Options{Seed: seed, NoRateLimits: true}, zoomtest.Lenient())
	if status, body := call(t, srv, "PATCH", "/users/"+someone, "application/json", `{"dept":"R&D","departement":"R&D"}`); status != 204 {
		t.Fatalf("lenient: %d %s", status, body)
	}
	rec.finish()
	if len(rec.errors) != 0 {
		t.Errorf("lenient server failed the test: %q", rec.errors)
	}
}
