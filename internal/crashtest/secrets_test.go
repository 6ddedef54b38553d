package crashtest

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

const formulaEmail = "eve.formula@acme.example"
const formulaName = `=HYPERLINK("http://x","y")`

// TestSecretsNeverLeak runs every command that talks to Zoom as a
// subprocess, with a distinctive client secret, tokens that expire every
// second (so several are issued) and faults that put API errors in the
// reports, then searches every output and every file (workbooks unzipped)
// for the secret, the Basic credentials made of it and every token the
// token endpoint handed out.
func TestSecretsNeverLeak(t *testing.T) {
	t.Parallel()
	ref := crashReference(t)
	rows := ref.rows[len(ref.rows)-60:] // seeded members, typos, broken emails (including eve.formula)
	sb := startSandbox(t, zoomtest.Options{Tier: "business", TokenTTL: time.Second, FeaturesInterval: 100 * time.Millisecond,
		Faults: zoomtest.Faults{Seed: 9, ServerError: 0.05, LostAnswer: 0.03, HTML429: 0.02}})
	dir, job := workdir(t, rows)
	outputs := map[string][]byte{}
	run := func(name string, want int, env []string, args ...string) *proc {
		t.Helper()
		p := start(t, dir, env, args...)
		code := p.wait(t)
		outputs[name] = p.output()
		if code != want {
			t.Errorf("%s: exit %d, want %d\n%s", name, code, want, p.stderr.String())
		}
		return p
	}
	// The job has rows that fail on purpose: the dry run says so with exit 1.
	run("dry run", 1, sb.env(), append([]string{"run", job, "--dry-run", "--out", "plan"}, runArgs[1:]...)...)
	run("run", 1, sb.env(), append([]string{"run", job, "--out", "run"}, runArgs...)...)
	run("rerun", 1, sb.env(), append([]string{"run", job, "--out", "rerun"}, runArgs...)...)
	for _, f := range []string{"users.xlsx", "users.csv", "summary.xlsx", "groups.csv"} {
		kind := strings.TrimSuffix(strings.TrimSuffix(f, ".xlsx"), ".csv")
		// export- names: users.csv is the job's input, which an export
		// does not replace without --force.
		run("export "+f, 0, sb.env(), "export", kind, "-o", "export-"+f, "--tier", "business", "--share", "1")
	}
	run("auth check", 0, sb.env(), "auth", "check", "--tier", "business")

	// Wrong credentials: the secret that was tried is not echoed either.
	wrong := newSecret()
	env := append(sb.env(), "ZOOM_CLIENT_SECRET="+wrong)
	p := run("run with a wrong secret", 4, env, append([]string{"run", job, "--out", "denied"}, runArgs...)...)
	if !strings.Contains(p.stderr.String(), "ZOOM_CLIENT_SECRET") {
		t.Errorf("a failed authentication does not say which variables to check:\n%s", p.stderr.String())
	}

	tokens := sb.issuedTokens()
	if len(tokens) < 4 {
		t.Errorf("%d tokens issued: want several, to look for", len(tokens))
	}
	secrets := append(sb.secretsOf(), wrong)
	if found := leaks(t, secrets, []string{dir}, outputs); len(found) > 0 {
		t.Errorf("secrets leaked:\n%s", strings.Join(found, "\n"))
	}
	// The results hold the formula-like name as text too.
	data, err := os.ReadFile(filepath.Join(dir, "run", "results.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(`"'=HYPERLINK(""http://x"",""y"")"`)) {
		t.Errorf("results.csv does not escape eve.formula's first name as text")
	}
	checkNoFormula(t, filepath.Join(dir, "run", "results.xlsx"))
}

// TestPlainHTTPRefused: credentials never go over plain http to a host
// that is not loopback: the run stops before any call, exit 2, saying why.
func TestPlainHTTPRefused(t *testing.T) {
	t.Parallel()
	dir, job := workdir(t, [][]string{{"a@acme.example", "A", "B", "Basic", "", "Sales", "EMEA", ""}})
	base := []string{"ZOOM_ACCOUNT_ID=acct", "ZOOM_CLIENT_ID=id", "ZOOM_CLIENT_SECRET=" + newSecret()}
	for _, c := range []struct {
		name string
		env  []string
		args []string
	}{
		{"API URL", []string{"ZOOM_API_URL=http://api.example.com/v2"}, []string{"run", job, "--yes", "--out", "r1"}},
		{"OAuth URL", []string{"ZOOM_OAUTH_URL=http://203.0.113.7/oauth/token"}, []string{"run", job, "--yes", "--out", "r2"}},
		{"export", []string{"ZOOM_API_URL=http://10.1.2.3:8080/v2"}, []string{"export", "users", "-o", "u.csv"}},
	} {
		p := start(t, dir, append(base, c.env...), c.args...)
		code := p.wait(t)
		if code != 2 {
			t.Errorf("%s: exit %d, want 2\n%s", c.name, code, p.stderr.String())
		}
		if msg := p.stderr.String(); !strings.Contains(msg, "refusing plain http") || !strings.Contains(msg, "loopback") {
			t.Errorf("%s: the refusal does not say why:\n%s", c.name, msg)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "r1", "journal.jsonl")); err == nil {
		t.Error("a refused run started a journal")
	}
}

// TestExportFormulaAsText: the seeded user whose first name is
// =HYPERLINK(...) exports as text: escaped with an apostrophe in CSV, a
// string cell (never a formula) in XLSX.
func TestExportFormulaAsText(t *testing.T) {
	t.Parallel()
	sb := startSandbox(t, zoomtest.Options{})
	dir := t.TempDir()
	for _, f := range []string{"users.csv", "users.xlsx"} {
		p := start(t, dir, sb.env(), "export", "users", "-o", f, "--tier", "business")
		if code := p.wait(t); code != 0 {
			t.Fatalf("export %s: exit %d\n%s", f, code, p.stderr.String())
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, "users.csv"))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, formulaEmail+",") {
			found = true
			if !strings.Contains(line, `"'=HYPERLINK(""http://x"",""y"")"`) {
				t.Errorf("users.csv: the formula is not escaped as text: %s", line)
			}
		}
	}
	if !found {
		t.Errorf("users.csv has no line for %s", formulaEmail)
	}
	checkNoFormula(t, filepath.Join(dir, "users.xlsx"))
}

// checkNoFormula: the workbook has the formula-like name as a text cell and
// no formula anywhere.
func checkNoFormula(t *testing.T, path string) {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	found := false
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		for r, row := range rows {
			for c, v := range row {
				cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
				if formula, _ := f.GetCellFormula(sheet, cell); formula != "" {
					t.Errorf("%s %s!%s is a formula: %s", filepath.Base(path), sheet, cell, formula)
				}
				if v == formulaName {
					found = true
					if typ, _ := f.GetCellType(sheet, cell); typ != excelize.CellTypeInlineString && typ != excelize.CellTypeSharedString {
						t.Errorf("%s %s!%s holds the name as cell type %v, want a string", filepath.Base(path), sheet, cell, typ)
					}
				}
			}
		}
	}
	if !found {
		t.Errorf("%s does not hold %s as text", filepath.Base(path), formulaName)
	}
}
