package credentials

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
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

func TestNeeds(t *testing.T) {
	needs := Needs([]string{"move_group"}, []string{"user:read:admin", "group:read:list_groups:admin"})
	got := map[string]bool{}
	for _, n := range needs {
		got[n.Scope] = n.Granted
	}
	want := map[string]bool{
		"user:read:list_users:admin": true, "user:read:user:admin": true, "group:read:list_groups:admin": true,
		"group:write:member:admin": false, "group:update:member:admin": false,
	}
	if len(got) != len(want) {
		t.Errorf("needs %v, want %v", got, want)
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s: granted %v (listed %v), want %v", k, g, ok, v)
		}
	}
}

// The table is the scopes table of docs/credentials.md, as data: every
// call it lists is there with the same granular scope.
func TestScopesMatchTheReadme(t *testing.T) {
	data, err := os.ReadFile("../../docs/credentials.md")
	if err != nil {
		t.Fatalf("the scopes table lives in docs/credentials.md: %v", err)
	}
	rows := map[string]string{}
	re := regexp.MustCompile("(?m)^\\| `([A-Z]+ [^`]+)` \\| [^|]* \\| `([a-z_:]+)`")
	for _, m := range re.FindAllStringSubmatch(string(data), -1) {
		rows[m[1]] = m[2]
	}
	if len(rows) == 0 {
		t.Fatal("no scopes table in docs/credentials.md")
	}
	for _, u := range Scopes {
		if rows[u.Call] != u.Granular {
			t.Errorf("%s: docs/credentials.md says %q, the table %q", u.Call, rows[u.Call], u.Granular)
		}
	}
}
