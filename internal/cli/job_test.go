package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// zoombulk job prints the job a template workbook carries, byte for byte
// the job file written beside it; workbooks without one are a usage error
// that says where the job is.
func TestJobCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "hires.xlsx")
	if r := zb(t, nil, "template", "create-users", "-o", path); r.code != ExitOK {
		t.Fatalf("template: exit %d: %s", r.code, r.stderr)
	}
	want, err := os.ReadFile(filepath.Join(dir, "hires.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	r := zb(t, nil, "job", path)
	if r.code != ExitOK || r.stdout != string(want) {
		t.Errorf("job: exit %d, stderr %q, stdout:\n%s\nwant:\n%s", r.code, r.stderr, r.stdout, want)
	}

	plain := filepath.Join(dir, "plain.xlsx")
	f := excelize.NewFile()
	if err := f.SaveAs(plain); err != nil {
		t.Fatal(err)
	}
	f.Close()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"job", plain}, "plain.xlsx carries no job (zoombulk template KIND -o FILE.xlsx writes workbooks that do)"},
		{[]string{"job", filepath.Join(dir, "hires.csv")}, "no such file"},
		{[]string{"job", filepath.Join(dir, "nope.xlsx")}, "no such file"},
		{[]string{"job"}, "name one workbook"},
	}
	for _, tt := range tests {
		r := zb(t, nil, tt.args...)
		if r.code != ExitUsage || !strings.Contains(r.stderr, tt.want) || r.stdout != "" {
			t.Errorf("%q: exit %d, stderr %q, want %q", tt.args, r.code, r.stderr, tt.want)
		}
	}
	// A CSV carries no job; its job file is named.
	csv := filepath.Join(dir, "leavers.csv")
	if r := zb(t, nil, "template", "offboarding", "-o", csv); r.code != ExitOK {
		t.Fatal(r.stderr)
	}
	r = zb(t, nil, "job", csv)
	if r.code != ExitUsage || !strings.Contains(r.stderr, "its job file is "+filepath.Join(dir, "leavers.yaml")) {
		t.Errorf("csv: exit %d, %q", r.code, r.stderr)
	}
}
