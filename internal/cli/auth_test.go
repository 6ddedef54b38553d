package cli

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/zoombulk/zoombulk/internal/credentials"
	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

func TestAuthCheck(t *testing.T) { synctest.Test(t, testAuthCheck) }

func testAuthCheck(t *testing.T) {
	e := newMemRunEnv(t, zoomtest.Options{})
	code, out := e.main(nil, "auth", "check")
	if code != ExitOK || !strings.Contains(out, "Credentials OK. Account: "+e.env["ZOOM_ACCOUNT_ID"]+"\nAPI: "+e.env["ZOOM_API_URL"]) || !strings.Contains(out, "licensed") {
		t.Fatalf("exit %d:\n%s", code, out)
	}

	e.env["ZOOM_CLIENT_SECRET"] = "wrong-secret-4711"
	code, out = e.main(nil, "auth", "check")
	if code != ExitAuth || !strings.Contains(out, "Invalid client_id or client_secret") {
		t.Fatalf("wrong secret: exit %d, want 4:\n%s", code, out)
	}
	if strings.Contains(out, "wrong-secret-4711") {
		t.Errorf("the output echoes the secret:\n%s", out)
	}
}

type testKeyring map[string]string

func (k testKeyring) Get(s, u string) (string, error) {
	v, ok := k[s+"/"+u]
	if !ok {
		return "", errors.New("not found")
	}
	return v, nil
}
func (k testKeyring) Set(s, u, v string) error { k[s+"/"+u] = v; return nil }

// profileMain runs zoombulk with a configuration folder and keyring of
// the test's own, and only env as the environment.
func profileMain(t *testing.T, cfgDir string, kr credentials.Keyring, env map[string]string, stdin string, args ...string) (int, string) {
	t.Helper()
	return profileMainVia(t, nil, cfgDir, kr, env, stdin, args...)
}

// profileMainVia is profileMain with the IO's Transport (nil: the network),
// so a test can reach a sandbox in memory (runEnv.transport).
func profileMainVia(t *testing.T, transport func(http.Handler) http.RoundTripper, cfgDir string, kr credentials.Keyring, env map[string]string, stdin string, args ...string) (int, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	stdio := &IO{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut, Getenv: func(k string) string { return env[k] },
		ConfigDir: func() (string, error) { return cfgDir, nil }, Keyring: kr,
		Exit: func(code int) { t.Errorf("exited with %d", code) }, Transport: transport}
	code := Main(context.Background(), args, stdio, nil)
	return code, out.String() + errOut.String()
}

// A profile names the account; the secret comes from the variable it
// names, or the keyring, and never lands in the profiles file.
func TestProfiles(t *testing.T) { synctest.Test(t, testProfiles) }

func testProfiles(t *testing.T) {
	e := newMemRunEnv(t, zoomtest.Options{})
	cfg := t.TempDir()
	kr := testKeyring{}
	secret := e.env["ZOOM_CLIENT_SECRET"]
	env := map[string]string{"ACME_PROD_SECRET": secret} // no ZOOM_* at all

	code, out := profileMainVia(t, e.transport, cfg, kr, env, "", "auth", "profile", "add", "prod", "--account-id", e.env["ZOOM_ACCOUNT_ID"],
		"--client-id", e.env["ZOOM_CLIENT_ID"], "--api-url", e.env["ZOOM_API_URL"], "--oauth-url", e.env["ZOOM_OAUTH_URL"], "--secret-env", "ACME_PROD_SECRET")
	if code != ExitOK || !strings.Contains(out, "Profile prod saved") {
		t.Fatalf("add: exit %d\n%s", code, out)
	}
	code, out = profileMainVia(t, e.transport, cfg, kr, env, secret+"\n", "auth", "profile", "add", "kept", "--account-id", e.env["ZOOM_ACCOUNT_ID"],
		"--client-id", e.env["ZOOM_CLIENT_ID"], "--api-url", e.env["ZOOM_API_URL"], "--oauth-url", e.env["ZOOM_OAUTH_URL"], "--keyring")
	if code != ExitOK || kr[credentials.KeyringService+"/kept"] != secret {
		t.Fatalf("add --keyring: exit %d\n%s", code, out)
	}
	data, err := os.ReadFile(filepath.Join(cfg, "zoombulk", credentials.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), secret) {
		t.Errorf("the profiles file holds the secret:\n%s", data)
	}

	for _, name := range []string{"prod", "kept"} {
		code, out = profileMainVia(t, e.transport, cfg, kr, env, "", "auth", "check", "--profile", name)
		if code != ExitOK || !strings.Contains(out, "Credentials OK. Account: "+e.env["ZOOM_ACCOUNT_ID"]+" (profile "+name+")") {
			t.Errorf("check --profile %s: exit %d\n%s", name, code, out)
		}
	}
	code, out = profileMainVia(t, e.transport, cfg, kr, env, "", "auth", "profile", "list")
	if code != ExitOK || !strings.Contains(out, "prod: account "+e.env["ZOOM_ACCOUNT_ID"]) || !strings.Contains(out, "secret from $ACME_PROD_SECRET") || strings.Contains(out, secret) {
		t.Errorf("list: exit %d\n%s", code, out)
	}

	// The variable unset: exit 4, naming it.
	code, out = profileMainVia(t, e.transport, cfg, kr, map[string]string{}, "", "auth", "check", "--profile", "prod")
	if code != ExitAuth || !strings.Contains(out, "ACME_PROD_SECRET that holds its secret is not set") {
		t.Errorf("unset secret: exit %d\n%s", code, out)
	}
	code, out = profileMainVia(t, e.transport, cfg, kr, env, "", "auth", "check", "--profile", "prd")
	if code != ExitUsage || !strings.Contains(out, `no profile "prd" (did you mean "prod"?)`) {
		t.Errorf("unknown profile: exit %d\n%s", code, out)
	}

	// --job lists the scopes the steps need; the sandbox's app has them all.
	job := e.file("job.yaml", createJob)
	e.file("users.csv", hires(1, "Sales"))
	code, out = profileMainVia(t, e.transport, cfg, kr, env, "", "auth", "check", "--profile", "prod", "--job", job)
	for _, want := range []string{"ok      user:write:user:admin (or classic user:write:admin): POST /users", "ok      group:write:member:admin", "The app has every scope the job needs."} {
		if code != ExitOK || !strings.Contains(out, want) {
			t.Errorf("check --job: exit %d, lacks %q\n%s", code, want, out)
		}
	}
}

func TestPrintScopesMissing(t *testing.T) {
	var out bytes.Buffer
	err := printStepScopes(&IO{Out: &out}, "job.yaml", []jobfile.Step{{Kind: "assign_division"}}, []string{"user:read:admin"})
	if exitCodeOf(err) != ExitAuth || !strings.Contains(err.Error(), "the app lacks 2 scope(s) the job needs: division:read:list_divisions:admin, division:write:member:admin") {
		t.Errorf("%v", err)
	}
	if !strings.Contains(out.String(), "MISSING division:write:member:admin (or classic division:write:admin): POST /divisions/{divisionId}/users") {
		t.Errorf("%s", out.String())
	}
}
