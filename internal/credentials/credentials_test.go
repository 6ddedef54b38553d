package credentials

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/zoombulk/zoombulk/internal/zoom"
)

type mapKeyring map[string]string

func (m mapKeyring) Get(service, user string) (string, error) {
	s, ok := m[service+"/"+user]
	if !ok {
		return "", errors.New("secret not found in keyring")
	}
	return s, nil
}
func (m mapKeyring) Set(service, user, secret string) error { m[service+"/"+user] = secret; return nil }

func TestSaveFindSecret(t *testing.T) {
	path := Path(t.TempDir())
	if err := Save(path, &Profile{Name: "prod", AccountID: "acc1", ClientID: "cli1", SecretEnv: "PROD_SECRET"}); err != nil {
		t.Fatal(err)
	}
	if err := Save(path, &Profile{Name: "test", AccountID: "acc2", ClientID: "cli2", APIURL: "https://127.0.0.1:1/v2", Keyring: true}); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("profiles file: %v %v", st, err)
	}
	p, err := Find(path, "prod")
	if err != nil || p.AccountID != "acc1" || p.ClientID != "cli1" {
		t.Fatalf("%+v %v", p, err)
	}
	env := map[string]string{"PROD_SECRET": " s3cret "}
	if s, err := p.Secret(func(k string) string { return env[k] }, nil); err != nil || s != "s3cret" {
		t.Errorf("secret %q %v", s, err)
	}
	if _, err := p.Secret(func(string) string { return "" }, nil); err == nil || !strings.Contains(err.Error(), "PROD_SECRET that holds its secret is not set") {
		t.Errorf("unset variable: %v", err)
	}
	kp, err := Find(path, "test")
	if err != nil {
		t.Fatal(err)
	}
	kr := mapKeyring{KeyringService + "/test": "from-keyring"}
	if s, err := kp.Secret(nil, kr); err != nil || s != "from-keyring" {
		t.Errorf("keyring secret %q %v", s, err)
	}
	if _, err := Find(path, "prd"); err == nil || !strings.Contains(err.Error(), `no profile "prd" (did you mean "prod"?)`) {
		t.Errorf("unknown profile: %v", err)
	}
}

func TestProfilesFileRefusesSecrets(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"profiles:\n  prod:\n    account_id: a\n    client_id: c\n    client_secret: hunter2\n", `holds "client_secret" in plain text`},
		{"profiles:\n  prod:\n    account_id: a\n    client_id: c\n", `must name where its secret is`},
		{"profiles:\n  prod:\n    acount_id: a\n", `not a profiles file`},
		{"profiles:\n  prod:\n    client_id: c\n    secret_env: X\n", `lacks account_id`},
	} {
		path := filepath.Join(t.TempDir(), FileName)
		if err := os.WriteFile(path, []byte(tc.text), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Find(path, "prod")
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%q: %v, want %q", tc.text, err, tc.want)
		}
	}
}

// A profile's tier is one the client knows (the names --tier takes), in
// any case; another is refused when the file is read, naming the choices.
func TestProfileTier(t *testing.T) {
	for _, tc := range []struct {
		tier string
		want string // "" when the profile is accepted
	}{
		{"", ""},
		{"free", ""},
		{"Business", ""},
		{"enterprise", ""},
		{"education", ""},
		{"platinum", `profile "prod": unknown tier "platinum": use free, pro or business`},
	} {
		path := filepath.Join(t.TempDir(), FileName)
		text := "profiles:\n  prod:\n    account_id: a\n    client_id: c\n    secret_env: X\n    tier: \"" + tc.tier + "\"\n"
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		p, err := Find(path, "prod")
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("tier %q: %v, want it accepted", tc.tier, err)
		case tc.want == "" && p.Tier != tc.tier:
			t.Errorf("tier %q read as %q", tc.tier, p.Tier)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("tier %q: %v, want %q", tc.tier, err, tc.want)
		}
	}
}

// Needs marks each scope granted by itself or by its classic scope, lists
// every call under its scope once, and never grants a call with no scope.
func TestNeeds(t *testing.T) {
	noScope := zoom.Endpoint{Method: "DELETE", Path: "/users/{userId}/picture"}
	cases := []struct {
		name    string
		calls   []zoom.Endpoint
		granted []string
		want    map[string]bool
		calls0  []string // the calls listed under the first scope
	}{
		{"granular and classic", []zoom.Endpoint{zoom.OpListUsers, zoom.OpGetUser, zoom.OpListGroups, zoom.OpAddGroupMembers},
			[]string{"user:read:admin", "group:read:list_groups:admin"},
			map[string]bool{"user:read:list_users:admin": true, "user:read:user:admin": true, "group:read:list_groups:admin": true, "group:write:member:admin": false},
			[]string{"GET /users"}},
		{"one scope, two calls, listed once each", []zoom.Endpoint{zoom.OpCreateContactGroup, zoom.OpAddContactGroupMembers, zoom.OpCreateContactGroup},
			[]string{"contact_group:write:admin"},
			map[string]bool{"contact_group:write:admin": true},
			[]string{"POST /contacts/groups", "POST /contacts/groups/{groupId}/members"}},
		{"a call with no scope is missing", []zoom.Endpoint{noScope}, []string{"user:write:admin"},
			map[string]bool{"": false}, []string{"DELETE /users/{userId}/picture"}},
	}
	for _, tc := range cases {
		needs := Needs(tc.calls, tc.granted)
		got := map[string]bool{}
		for _, n := range needs {
			got[n.Scope] = n.Granted
		}
		if !maps.Equal(got, tc.want) {
			t.Errorf("%s: needs %v, want %v", tc.name, got, tc.want)
		}
		if len(needs) == 0 || !slices.Equal(needs[0].Calls, tc.calls0) {
			t.Errorf("%s: first scope's calls %v, want %v", tc.name, needs, tc.calls0)
		}
	}
}
