package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/zoombulk/zoombulk/internal/jobfile"

	"github.com/spf13/cobra"
	"github.com/xuri/excelize/v2"

	"github.com/zoombulk/zoombulk/internal/jobs"
	"github.com/zoombulk/zoombulk/internal/mapping"
	"github.com/zoombulk/zoombulk/internal/sheet"
	"github.com/zoombulk/zoombulk/internal/templates"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// repoRoot is the repository, from this package's folder.
const repoRoot = "../.."

func repoPath(t *testing.T, rel string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join(repoRoot, rel))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// zbResult is one zoombulk invocation.
type zbResult struct {
	code           int
	stdout, stderr string
}

// zb runs zoombulk with args. env is the environment (nil: none, and any
// read of it is an error: commands must not need it).
func zb(t *testing.T, env func(string) string, args ...string) zbResult {
	t.Helper()
	return zbVia(t, env, inMemorySandbox, args...)
}

// zbVia is zb with the IO.Transport given.
func zbVia(t *testing.T, env func(string) string, transport func(http.Handler) http.RoundTripper, args ...string) zbResult {
	t.Helper()
	var out, errOut bytes.Buffer
	stdio := &IO{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Getenv: env,
		Exit:      func(code int) { t.Errorf("zoombulk %s exited the process with %d", strings.Join(args, " "), code) },
		Transport: transport}
	if env == nil {
		stdio.Getenv = func(k string) string {
			t.Errorf("zoombulk %s read %s from the environment", strings.Join(args, " "), k)
			return ""
		}
	}
	code := Main(context.Background(), args, stdio, nil)
	return zbResult{code, out.String(), errOut.String()}
}

// inMemorySandbox is the IO.Transport of the tests: --sandbox builds its
// sandbox without a socket and the client calls its handler in memory, so
// a test inside a synctest bubble waits out the pacing on the bubble's
// clock; calls to anything else go over the network as usual.
func inMemorySandbox(h http.Handler) http.RoundTripper {
	if h == nil {
		return nil
	}
	return zoomtest.Transport(h)
}

// inMemoryTo is the IO.Transport that reaches srv, a sandbox made by
// zoomtest.NewMemServer, in memory (and --sandbox's own sandbox too); with
// memEnv(srv) as the environment.
func inMemoryTo(srv *zoomtest.Server) func(http.Handler) http.RoundTripper {
	return func(h http.Handler) http.RoundTripper {
		if h == nil {
			h = srv.Handler()
		}
		return zoomtest.Transport(h)
	}
}

// memEnv is the environment that points zoombulk at srv through
// inMemoryTo(srv).
func memEnv(srv *zoomtest.Server) func(string) string {
	cfg := zoomtest.MemConfig(srv, 0)
	env := map[string]string{"ZOOM_ACCOUNT_ID": cfg.AccountID, "ZOOM_CLIENT_ID": cfg.ClientID, "ZOOM_CLIENT_SECRET": cfg.ClientSecret,
		"ZOOM_API_URL": cfg.APIURL, "ZOOM_OAUTH_URL": cfg.OAuthURL}
	return func(k string) string { return env[k] }
}

// sandboxEnv points zoombulk at a sandbox started by the test.
func sandboxEnv(srv *zoomtest.Server) func(string) string {
	env := map[string]string{}
	for _, kv := range srv.Env() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	return func(k string) string { return env[k] }
}

func sampleSeed(t *testing.T) *zoomtest.Seed {
	t.Helper()
	seed, err := zoomtest.LoadSeed(repoPath(t, "samples/sandbox-seed.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return seed
}

// resultRows reads a run's results.csv as maps keyed by header.
func resultRows(t *testing.T, dir string) []map[string]string {
	t.Helper()
	return readCSV(t, filepath.Join(dir, "results.csv"))
}

// readCSV reads a CSV the tool wrote as maps keyed by header.
func readCSV(t *testing.T, path string) []map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\uFEFF")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, rec := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = sheet.UnescapeFormula(rec[i])
		}
		out = append(out, m)
	}
	return out
}

func xlsxRows(t *testing.T, f *excelize.File, name string) [][]string {
	t.Helper()
	rows, err := f.GetRows(name)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// dropdowns maps each column header of a sheet to its dropdown's list.
func dropdowns(t *testing.T, f *excelize.File, name string) map[string][]string {
	t.Helper()
	header := xlsxRows(t, f, name)[0]
	dvs, err := f.GetDataValidations(name)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, dv := range dvs {
		col, row, err := excelize.CellNameToCoordinates(strings.Split(dv.Sqref, ":")[0])
		if err != nil || row != 2 {
			t.Fatalf("dropdown on %q: want the data cells of one column", dv.Sqref)
		}
		var list []string
		if f1 := strings.Trim(dv.Formula1, `"`); !strings.Contains(dv.Formula1, "!") {
			list = strings.Split(f1, ",")
		} else {
			// A long list lives on a hidden sheet: 'lists'!$A$1:$A$9.
			ref := strings.ReplaceAll(dv.Formula1, "$", "")
			sh, rng, _ := strings.Cut(ref, "!")
			sh = strings.Trim(sh, "'")
			from, to, _ := strings.Cut(rng, ":")
			c1, r1, _ := excelize.CellNameToCoordinates(from)
			_, r2, _ := excelize.CellNameToCoordinates(to)
			for r := r1; r <= r2; r++ {
				cell, _ := excelize.CoordinatesToCellName(c1, r)
				v, _ := f.GetCellValue(sh, cell)
				list = append(list, v)
			}
		}
		out[header[col-1]] = list
	}
	return out
}

// Every kind: the workbook has the header, two muted example rows that the
// job skips, dropdowns on the enumerated columns, an Instructions line per
// column from the catalogue; the job loads and reads the sheet cleanly.
func TestTemplateEveryKind(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, k := range templates.Kinds() {
		t.Run(k.Name, func(t *testing.T) {
			path := filepath.Join(dir, k.Name+".xlsx")
			r := zb(t, nil, "template", k.Name, "-o", path)
			if r.code != ExitOK {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			jobPath := filepath.Join(dir, k.Name+".yaml")
			if !strings.Contains(r.stdout, "Wrote "+path) || !strings.Contains(r.stdout, "zoombulk validate "+jobPath) {
				t.Errorf("stdout:\n%s", r.stdout)
			}
			f, err := excelize.OpenFile(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if got := f.GetSheetList(); !slices.Equal(got[:2], []string{k.Sheet, templates.InstructionsSheet}) {
				t.Errorf("sheets %q", got)
			}
			rows := xlsxRows(t, f, k.Sheet)
			if len(rows) != 3 {
				t.Fatalf("%d rows, want the header and two examples", len(rows))
			}
			for i, c := range k.Columns {
				if rows[0][i] != c.Header {
					t.Errorf("header %d is %q, want %q", i+1, rows[0][i], c.Header)
				}
			}
			for _, row := range rows[1:] {
				// A group-policy row is a group, every other a user.
				if !strings.HasPrefix(row[0], "#") || (k.Columns[0].Field == "email") != strings.Contains(row[0], "@") {
					t.Errorf("example row %q: the first cell must be a #-marked email (a group's name when the rows are groups)", row)
				}
			}
			style, err := f.GetCellStyle(k.Sheet, "A2")
			if err != nil {
				t.Fatal(err)
			}
			if st, err := f.GetStyle(style); err != nil || st.Font == nil || !st.Font.Italic {
				t.Errorf("the example rows are not muted (style %+v, %v)", st, err)
			}
			dd := dropdowns(t, f, k.Sheet)
			for _, c := range k.Columns {
				fld, _ := mapping.Lookup(c.Field)
				want := len(c.Values) > 0
				if got := dd[c.Header]; want != (len(got) > 0) {
					t.Errorf("column %s: dropdown %q", c.Header, got)
				}
				if (fld.Kind == mapping.Enum || fld.Kind == mapping.Bool) && len(dd[c.Header]) == 0 {
					t.Errorf("column %s holds an enumerated field but has no dropdown", c.Header)
				}
				for i, v := range c.Values {
					if i < len(dd[c.Header]) && dd[c.Header][i] != v.Cell {
						t.Errorf("column %s: dropdown %q, want the job's values keys", c.Header, dd[c.Header])
						break
					}
				}
			}
			instr := xlsxRows(t, f, templates.InstructionsSheet)
			if !slices.Equal(instr[0][:4], []string{"Column", "Field", "Required", "Allowed values"}) {
				t.Errorf("instructions header %q", instr[0])
			}
			for i, c := range k.Columns {
				line := instr[i+1]
				fld, _ := mapping.Lookup(c.Field)
				if line[0] != c.Header || line[1] != c.Field || !strings.HasPrefix(line[4], fld.Doc) {
					t.Errorf("instructions line %q, want %s (%s): %s", line, c.Header, c.Field, fld.Doc)
				}
				if c.Required != (line[2] == "yes") {
					t.Errorf("column %s: required %q", c.Header, line[2])
				}
				for _, v := range c.Values {
					if !strings.Contains(line[3], v.Cell) {
						t.Errorf("column %s: allowed values %q lack %q", c.Header, line[3], v.Cell)
					}
				}
			}
			job, err := jobfile.Load(jobPath)
			if err != nil {
				t.Fatalf("the template's job does not load: %v", err)
			}
			sh, err := jobs.ReadSheet(job, jobs.ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(sh.Rows) != 0 {
				t.Errorf("the job reads %d rows: the examples must be skipped", len(sh.Rows))
			}
			if r := zb(t, nil, "validate", jobPath, "--out", t.TempDir()); r.code != ExitOK {
				t.Errorf("validate: exit %d: %s%s", r.code, r.stdout, r.stderr)
			}
		})
	}
}

func TestTemplateCSV(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "hires.csv")
	if r := zb(t, nil, "template", "create-users", "-o", path); r.code != ExitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("\uFEFFEmail,First Name,Last Name,License,")) || bytes.Count(data, []byte("\r\n#")) != 2 {
		t.Errorf("csv:\n%s", data)
	}
	job, err := jobfile.Load(filepath.Join(dir, "hires.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if job.Input.Path != path || job.Input.Sheet != "" || job.Name != "hires" {
		t.Errorf("job input %+v, name %q", job.Input, job.Name)
	}
}

func TestTemplateKeepsExistingFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "moves.xlsx")
	if r := zb(t, nil, "template", "group-moves", "-o", path); r.code != ExitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	// Both the spreadsheet and the job are kept, and the message says how to overwrite.
	for _, keep := range []string{path, filepath.Join(dir, "moves.yaml")} {
		if err := os.WriteFile(keep, []byte("mine"), 0o644); err != nil {
			t.Fatal(err)
		}
		other := strings.TrimSuffix(path, ".xlsx") + ".yaml"
		if keep == other {
			_ = os.Remove(path)
		} else {
			_ = os.Remove(other)
		}
		r := zb(t, nil, "template", "group-moves", "-o", path)
		if r.code != ExitUsage || !strings.Contains(r.stderr, keep+" already exists: pass --force") {
			t.Errorf("exit %d: %s", r.code, r.stderr)
		}
		if data, _ := os.ReadFile(keep); string(data) != "mine" {
			t.Errorf("%s was overwritten", keep)
		}
	}
	if r := zb(t, nil, "template", "group-moves", "-o", path, "--force"); r.code != ExitOK {
		t.Fatalf("--force: exit %d: %s", r.code, r.stderr)
	}
	if _, err := jobfile.Load(filepath.Join(dir, "moves.yaml")); err != nil {
		t.Error(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("files left behind: %v", entries)
	}
}

func TestTemplateUsageErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "x.xlsx")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"template", "licence", "-o", out}, `unknown template "licence" (did you mean "licenses"?)`},
		{[]string{"template", "-o", out}, "name one kind of template: create-users, update-users, licenses"},
		{[]string{"template", "licenses"}, `required flag(s) "output" not set`},
		{[]string{"template", "licenses", "-o", filepath.Join(dir, "x.ods")}, `unsupported file type ".ods"; a template is an .xlsx workbook or a .csv file`},
		{[]string{"template", "licenses", "-o", filepath.Join(dir, "nope", "x.xlsx")}, "does not exist: create it first"},
		{[]string{"template", "licenses", "-o", out, "--sandbox"}, "--sandbox only matters with --from-account"},
		{[]string{"template", "licenses", "-o", filepath.Join(dir, "x.csv"), "--from-account", "--sandbox"}, "a .csv file has none"},
	}
	for _, tt := range tests {
		r := zb(t, nil, tt.args...)
		if r.code != ExitUsage || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("%q: exit %d, stderr %q, want it to hold %q", tt.args, r.code, r.stderr, tt.want)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("files written on errors: %v", entries)
	}
	// Without credentials, --from-account is an authentication problem.
	r := zb(t, func(string) string { return "" }, "template", "create-users", "-o", out, "--from-account")
	if r.code != ExitAuth || !strings.Contains(r.stderr, "ZOOM_ACCOUNT_ID") {
		t.Errorf("no credentials: exit %d, %s", r.code, r.stderr)
	}
}

// --from-account lists the account's groups and divisions in the dropdowns,
// from the credentials in the environment or from --sandbox.
func TestTemplateFromAccount(t *testing.T) {
	t.Parallel()
	synctest.Test(t, testTemplateFromAccount)
}

func testTemplateFromAccount(t *testing.T) {
	seed := sampleSeed(t)
	srv := zoomtest.NewMemServer(t, zoomtest.Options{Seed: seed})
	var groups, divisions []string
	for _, g := range seed.Groups {
		groups = append(groups, g.Name)
	}
	for _, d := range seed.Divisions {
		divisions = append(divisions, d.Name)
	}
	sort.Slice(groups, func(i, j int) bool { return strings.ToLower(groups[i]) < strings.ToLower(groups[j]) })
	sort.Slice(divisions, func(i, j int) bool { return strings.ToLower(divisions[i]) < strings.ToLower(divisions[j]) })

	dir := t.TempDir()
	runs := map[string][]string{
		"env":     {"template", "create-users", "-o", filepath.Join(dir, "env.xlsx"), "--from-account"},
		"sandbox": {"template", "create-users", "-o", filepath.Join(dir, "sandbox.xlsx"), "--from-account", "--sandbox", "--sandbox-seed", repoPath(t, "samples/sandbox-seed.yaml")},
	}
	for name, args := range runs {
		env := memEnv(srv)
		if name == "sandbox" {
			env = func(string) string { return "" }
		}
		r := zbVia(t, env, inMemoryTo(srv), args...)
		if r.code != ExitOK || !strings.Contains(r.stdout, "Dropdowns: 7 groups and 4 divisions from the account.") {
			t.Fatalf("%s: exit %d\n%s%s", name, r.code, r.stdout, r.stderr)
		}
		f, err := excelize.OpenFile(filepath.Join(dir, name+".xlsx"))
		if err != nil {
			t.Fatal(err)
		}
		dd := dropdowns(t, f, "Users")
		if !slices.Equal(dd["Group"], groups) || !slices.Equal(dd["Division"], divisions) {
			t.Errorf("%s: group dropdown %q, division dropdown %q", name, dd["Group"], dd["Division"])
		}
		instr := xlsxRows(t, f, templates.InstructionsSheet)
		if !strings.Contains(instr[8][3], "one of the account's 7 groups") {
			t.Errorf("%s: instructions for Group: %q", name, instr[8])
		}
		f.Close()
	}
	if st := srv.Stats(); st.Calls["GET /groups"] != 1 || st.Calls["GET /divisions"] != 1 {
		t.Errorf("calls: %v", st.Calls)
	}
}

// The licenses workbook has no Group or Division column: --from-account
// reads nothing (not even credentials) and says that no dropdown came from
// the account.
func TestTemplateFromAccountNoList(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "licenses.xlsx")
	r := zb(t, nil, "template", "licenses", "-o", path, "--from-account")
	if r.code != ExitOK || !strings.Contains(r.stdout, "No dropdown from the account: the licenses template has no Group or Division column (nothing was read).") || strings.Contains(r.stdout, "Dropdowns:") {
		t.Errorf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

// A kind with one of the two columns announces and reads only that one.
func TestTemplateFromAccountOneList(t *testing.T) {
	t.Parallel()
	synctest.Test(t, testTemplateFromAccountOneList)
}

func testTemplateFromAccountOneList(t *testing.T) {
	srv := zoomtest.NewMemServer(t, zoomtest.Options{Seed: sampleSeed(t)})
	dir := t.TempDir()
	tests := []struct {
		kind, want, dropdown, missing, call, noCall string
	}{
		{"group-moves", "Dropdown: 7 groups from the account (column Group).", "Group", "Division", "GET /groups", "GET /divisions"},
		{"divisions", "Dropdown: 4 divisions from the account (column Division).", "Division", "Group", "GET /divisions", "GET /groups"},
	}
	for _, tt := range tests {
		before := srv.Stats()
		path := filepath.Join(dir, tt.kind+".xlsx")
		r := zbVia(t, memEnv(srv), inMemoryTo(srv), "template", tt.kind, "-o", path, "--from-account")
		if r.code != ExitOK || !strings.Contains(r.stdout, tt.want) || strings.Contains(r.stdout, "Dropdowns:") {
			t.Fatalf("%s: exit %d, stdout %q, want %q", tt.kind, r.code, r.stdout, tt.want)
		}
		after := srv.Stats()
		if after.Calls[tt.call]-before.Calls[tt.call] != 1 || after.Calls[tt.noCall] != before.Calls[tt.noCall] {
			t.Errorf("%s: calls %v", tt.kind, after.Calls)
		}
		f, err := excelize.OpenFile(path)
		if err != nil {
			t.Fatal(err)
		}
		dd := dropdowns(t, f, f.GetSheetList()[0])
		if len(dd[tt.dropdown]) == 0 || dd[tt.missing] != nil {
			t.Errorf("%s: dropdowns %v", tt.kind, dd)
		}
		f.Close()
	}
}

// templateFiles are the committed templates: a workbook and a job per kind,
// and the CSV variant of create-users.
func templateFiles(t *testing.T) []string {
	var out []string
	for _, k := range templates.Kinds() {
		out = append(out, k.Name+".xlsx")
	}
	return append(out, "csv/create-users.csv")
}

// The committed templates are what the command writes: `make templates`
// regenerates them.
func TestTemplatesCommittedAreCurrent(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, name := range templateFiles(t) {
		kind := strings.TrimSuffix(filepath.Base(name), filepath.Ext(name))
		fresh := filepath.Join(dir, filepath.FromSlash(name))
		_ = os.MkdirAll(filepath.Dir(fresh), 0o755)
		if r := zb(t, nil, "template", kind, "-o", fresh); r.code != ExitOK {
			t.Fatalf("%s: exit %d: %s", name, r.code, r.stderr)
		}
		committed := repoPath(t, "templates/"+name)
		for _, pair := range [][2]string{{committed, fresh}, {templates.JobPath(committed), templates.JobPath(fresh)}} {
			if filepath.Ext(pair[0]) == ".xlsx" {
				compareWorkbooks(t, pair[0], pair[1])
				continue
			}
			got, err := os.ReadFile(pair[0])
			if err != nil {
				t.Errorf("%v: run make templates", err)
				continue
			}
			want, _ := os.ReadFile(pair[1])
			if !bytes.Equal(got, want) {
				t.Errorf("%s is stale: run make templates", pair[0])
			}
		}
	}
}

// compareWorkbooks compares every sheet's cells and dropdowns.
func compareWorkbooks(t *testing.T, committed, fresh string) {
	t.Helper()
	g, err := excelize.OpenFile(committed)
	if err != nil {
		t.Errorf("%v: run make templates", err)
		return
	}
	defer g.Close()
	w, err := excelize.OpenFile(fresh)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if !slices.Equal(g.GetSheetList(), w.GetSheetList()) {
		t.Errorf("%s is stale (sheets %q, want %q): run make templates", committed, g.GetSheetList(), w.GetSheetList())
		return
	}
	for _, name := range w.GetSheetList() {
		gr, wr := xlsxRows(t, g, name), xlsxRows(t, w, name)
		if !slices.EqualFunc(gr, wr, slices.Equal[[]string]) {
			t.Errorf("%s, sheet %s is stale: run make templates", committed, name)
		}
		gd, _ := g.GetDataValidations(name)
		wd, _ := w.GetDataValidations(name)
		if len(gd) != len(wd) {
			t.Errorf("%s, sheet %s: %d dropdowns, want %d: run make templates", committed, name, len(gd), len(wd))
			continue
		}
		for i := range wd {
			if gd[i].Sqref != wd[i].Sqref || gd[i].Formula1 != wd[i].Formula1 {
				t.Errorf("%s, sheet %s: dropdown %s %s, want %s %s: run make templates", committed, name, gd[i].Sqref, gd[i].Formula1, wd[i].Sqref, wd[i].Formula1)
			}
		}
	}
}

// Each committed template, its examples made real rows, runs on the
// sandbox and every row succeeds.
func TestTemplateExamplesRunOnSandbox(t *testing.T) {
	t.Parallel()
	seed := repoPath(t, "samples/sandbox-seed.yaml")
	for _, name := range templateFiles(t) {
		kind := strings.TrimSuffix(filepath.Base(name), filepath.Ext(name))
		t.Run(strings.ReplaceAll(name, "/", "_"), func(t *testing.T) {
			t.Parallel()
			k, _ := templates.Lookup(kind)
			dir := t.TempDir()
			src := repoPath(t, "templates/"+name)
			sheetPath := filepath.Join(dir, filepath.Base(name))
			copyFile(t, templates.JobPath(src), templates.JobPath(sheetPath))
			if filepath.Ext(name) == ".csv" {
				data, err := os.ReadFile(src)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(sheetPath, bytes.ReplaceAll(data, []byte("\n#"), []byte("\n")), 0o644); err != nil {
					t.Fatal(err)
				}
			} else {
				f, err := excelize.OpenFile(src)
				if err != nil {
					t.Fatal(err)
				}
				for row := 2; row <= 3; row++ {
					cell, _ := excelize.CoordinatesToCellName(1, row)
					v, _ := f.GetCellValue(k.Sheet, cell)
					if !strings.HasPrefix(v, "#") {
						t.Fatalf("%s of %s is %q: not an example", cell, name, v)
					}
					if err := f.SetCellStr(k.Sheet, cell, strings.TrimPrefix(v, "#")); err != nil {
						t.Fatal(err)
					}
				}
				if err := f.SaveAs(sheetPath); err != nil {
					t.Fatal(err)
				}
				f.Close()
			}
			out := filepath.Join(dir, "run")
			args := append([]string{"run", templates.JobPath(sheetPath), "--sandbox", "--sandbox-seed", seed, "--yes", "--out", out}, k.RunFlags...)
			r := zb(t, func(string) string { return "" }, args...)
			if r.code != ExitOK {
				t.Fatalf("exit %d\n%s", r.code, r.stderr)
			}
			rows := resultRows(t, out)
			if len(rows) != 2 {
				t.Fatalf("%d result rows, want the 2 examples", len(rows))
			}
			for _, row := range rows {
				if row["zb_status"] != "succeeded" {
					t.Errorf("%s: %s %s %s", row["Email"], row["zb_status"], row["zb_reason"], row["zb_hint"])
				}
			}
		})
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatalf("%v: run make templates", err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// Every command a user can see says what it does and shows an example.
func TestCommandsHaveShortAndExample(t *testing.T) {
	root := NewRootCmd(&IO{In: strings.NewReader(""), Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}}, nil)
	var walk func(c *cobra.Command)
	seen := 0
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			if sub.Hidden || sub.Name() == "help" {
				continue
			}
			seen++
			if strings.TrimSpace(sub.Short) == "" {
				t.Errorf("%q has no Short", sub.CommandPath())
			}
			if strings.TrimSpace(sub.Example) == "" {
				t.Errorf("%q has no Example", sub.CommandPath())
			} else if !strings.Contains(sub.Example, "zoombulk ") {
				t.Errorf("%q: the example does not show a zoombulk command: %q", sub.CommandPath(), sub.Example)
			}
			walk(sub)
		}
	}
	walk(root)
	for _, name := range []string{"template", "completion", "run", "validate", "export", "sandbox"} {
		if c, _, err := root.Find([]string{name}); err != nil || c.Name() != name {
			t.Errorf("no %s command", name)
		}
	}
	if seen < 10 {
		t.Errorf("only %d commands", seen)
	}
}

func TestTemplateHelp(t *testing.T) {
	r := zb(t, nil, "template", "--help")
	if r.code != ExitOK {
		t.Fatalf("exit %d", r.code)
	}
	for _, k := range templates.Kinds() {
		if !strings.Contains(r.stdout, k.Name) || !strings.Contains(r.stdout, k.Summary) {
			t.Errorf("help lacks %s: %s", k.Name, k.Summary)
		}
	}
	for _, want := range []string{"Examples:", "zoombulk template create-users -o hires.xlsx", "--from-account", "--force"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

func TestCompletion(t *testing.T) {
	for shell, want := range map[string]string{
		"bash": "# bash completion V2 for zoombulk", "zsh": "#compdef zoombulk",
		"fish": "# fish completion for zoombulk", "powershell": "# powershell completion for zoombulk",
	} {
		r := zb(t, nil, "completion", shell)
		if r.code != ExitOK || !strings.HasPrefix(r.stdout, want) {
			t.Errorf("%s: exit %d, %.80q", shell, r.code, r.stdout)
		}
	}
	if r := zb(t, nil, "completion", "tcsh"); r.code != ExitUsage {
		t.Errorf("tcsh: exit %d", r.code)
	}
	// The kinds complete, and -o offers spreadsheets.
	r := zb(t, nil, "__complete", "template", "lic")
	if !strings.Contains(r.stdout, "licenses\n") {
		t.Errorf("completing a kind: %q", r.stdout)
	}
	r = zb(t, nil, "__complete", "template", "licenses", "-o", "")
	if !strings.Contains(r.stdout, "xlsx\ncsv\n") {
		t.Errorf("completing -o: %q", r.stdout)
	}
}
