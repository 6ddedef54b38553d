package cli

import (
	"strings"
	"testing"

	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

func TestAuthCheck(t *testing.T) {
	e := newRunEnv(t, zoomtest.Options{})
	code, out := e.main(nil, "auth", "check")
	if code != ExitOK || !strings.Contains(out, "Credentials OK. API: "+e.srv.APIURL()) || !strings.Contains(out, "licensed") {
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
