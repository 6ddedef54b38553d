package credentials

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// A profiles file others may write is refused with the chmod to run: it
// names the hosts the client secret goes to.
func TestProfilesFileMustBeTheOwnersAlone(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no mode bits on Windows")
	}
	path := filepath.Join(t.TempDir(), "my profiles", FileName)
	if err := Save(path, &Profile{Name: "acme", AccountID: "a", ClientID: "c", SecretEnv: "ACME_SECRET"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		mode os.FileMode
		says string // "" = accepted
	}{
		{0o600, ""},
		{0o644, ""},
		{0o664, "changed by its group (mode 0664)"},
		{0o666, "changed by everyone (mode 0666)"},
		{0o602, "changed by everyone"},
	} {
		if err := os.Chmod(path, tc.mode); err != nil {
			t.Fatal(err)
		}
		_, err := Find(path, "acme")
		switch {
		case tc.says == "" && err != nil:
			t.Errorf("mode %04o: %v", tc.mode, err)
		case tc.says != "" && (err == nil || !strings.Contains(err.Error(), tc.says) || !strings.Contains(err.Error(), "chmod go-w '"+path+"'")):
			t.Errorf("mode %04o: %v, want %q and the chmod", tc.mode, err, tc.says)
		}
	}
}
