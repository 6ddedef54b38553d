package sheet

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// Open refuses at once what is not a regular file (a FIFO would block the
// open until a writer came, /dev/zero would never end) and what is not a
// spreadsheet, without repeating a line of it.
func TestOpenRefusesWhatIsNotASpreadsheet(t *testing.T) {
	dir := t.TempDir()
	const secret = "hunter2-secret"
	files := map[string]string{
		"env.csv":    "ZOOM_CLIENT_SECRET=" + secret + "\nexport ZOOM_ACCOUNT_ID = abc\n",
		"key.txt":    "-----BEGIN OPENSSH PRIVATE KEY-----\n" + secret + "\n",
		"binary.csv": "\x7fELF\x00\x00" + secret + "\n",
		"ok.csv":     "Email,Note\na@acme.example,x=y\n",
		"eq.csv":     "Email,Formula=Yes\na@acme.example,1\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe.csv"), 0o600); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
	if err := os.Symlink("/dev/zero", filepath.Join(dir, "zero.csv")); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	if err := os.Mkdir(filepath.Join(dir, "folder.xlsx"), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, says string // "" = opens
	}{
		{"pipe.csv", "named pipe"},
		{"zero.csv", "a device"},
		{"folder.xlsx", "a folder"},
		{"env.csv", "KEY=value settings"},
		{"key.txt", "a key or certificate"},
		{"binary.csv", "not look like a spreadsheet"},
		{"ok.csv", ""},
		{"eq.csv", ""},
	} {
		r, err := Open(filepath.Join(dir, tc.name), Options{})
		if tc.says == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			} else {
				r.Close()
			}
			continue
		}
		var in *InputError
		if !errors.As(err, &in) || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%s: %v, want an *InputError saying %q", tc.name, err, tc.says)
		}
		if err != nil && strings.Contains(err.Error(), secret) {
			t.Errorf("%s: the error shows the content: %v", tc.name, err)
		}
		if r != nil {
			r.Close()
		}
	}
}
