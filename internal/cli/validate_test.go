package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const corpus = "../../testdata/corpus"

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	getenv := func(k string) string {
		t.Errorf("validate read the environment: %s", k)
		return ""
	}
	code = Main(context.Background(), args, &IO{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Getenv: getenv}, nil)
	return code, out.String(), errOut.String()
}

func readValidation(t *testing.T, path string) [][]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		t.Error("validation.csv has no UTF-8 BOM")
	}
	recs, err := csv.NewReader(bytes.NewReader(data[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestValidateClean(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, "validate", filepath.Join(corpus, "job.yaml"), "--input", filepath.Join(corpus, "clean.csv"), "--out", out)
	if code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{
		"Job:    " + filepath.Join(corpus, "job.yaml") + " (create_users, update_features, move_group, assign_division, set_status)",
		"Input:  " + filepath.Join(corpus, "clean.csv"),
		"Rows read:          2\n",
		"Rows with problems: 0\n",
		"No problems: all 2 rows are ready.",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if stderr != "" {
		t.Errorf("stderr: %s", stderr)
	}
	recs := readValidation(t, filepath.Join(out, "validation.csv"))
	if len(recs) != 1 || strings.Join(recs[0], ",") != "row,column,field,value,problem,hint" {
		t.Errorf("validation.csv: %q", recs)
	}
}

func TestValidateProblems(t *testing.T) {
	out := filepath.Join(t.TempDir(), "reports", "today")
	code, stdout, stderr := runCLI(t, "validate", filepath.Join(corpus, "job.yaml"), "--out", out)
	if code != ExitUsage {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{
		"Rows read:          8\n",
		"Rows with problems: 7\n",
		"Problems by kind:\n  duplicate      2\n  enum           2\n  length         2\n  missing field  2\n  unmapped value 2\n  email          1\n  extra cells    1\n",
		"Problems:\n",
		`  row 3, column "Email": email "jill@example.com" is also in row 8 — each user may appear once in a file`,
		`  row 5, column "Email": "al@@example.com" is not a valid email address: it has more than one @ — write one address like name@example.com`,
		`  row 5, column "License": "Pro" is not one of the values the job maps for type — use one of "Basic", "Licensed", "Unassigned"`,
		`  row 10: the row has 2 cells past the last header: "extra", "cells" — give those columns a header, or delete the cells`,
		"Every problem is in " + filepath.Join(out, "validation.csv"),
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if want := "zoombulk: 7 of 8 rows have problems; nothing was sent"; !strings.HasPrefix(stderr, want) {
		t.Errorf("stderr %q", stderr)
	}
	recs := readValidation(t, filepath.Join(out, "validation.csv"))
	if len(recs) != 13 {
		t.Fatalf("%d lines in validation.csv: %q", len(recs), recs)
	}
	if got := strings.Join(recs[2], "|"); got != `5|Email|email|al@@example.com|"al@@example.com" is not a valid email address: it has more than one @|write one address like name@example.com` {
		t.Errorf("validation.csv line 3: %s", got)
	}
	if got := strings.Join(recs[11], "|"); !strings.HasPrefix(got, "10|||extra,cells|the row has 2 cells past the last header") {
		t.Errorf("validation.csv extra cells line: %s", got)
	}
}

// More than 20 problems: the first 20 are printed, the rest are in the file.
func TestValidateManyProblems(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("Email\n")
	for i := 0; i < 30; i++ {
		b.WriteString("not-an-email\n")
	}
	os.WriteFile(filepath.Join(dir, "in.csv"), []byte(b.String()), 0o644)
	os.WriteFile(filepath.Join(dir, "j.yaml"), []byte("version: 1\ninput: in.csv\nfields: {email: Email, dept: {default: Sales}}\nsteps: [update_users]\n"), 0o644)
	code, stdout, _ := runCLI(t, "validate", filepath.Join(dir, "j.yaml"), "--out", dir)
	if code != ExitUsage {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(stdout, "The first 20 of 30 problems:") || strings.Count(stdout, "\n  row ") != 20 {
		t.Errorf("stdout:\n%s", stdout)
	}
	if recs := readValidation(t, filepath.Join(dir, "validation.csv")); len(recs) != 31 {
		t.Errorf("%d lines", len(recs))
	}
}

func TestValidateJobErrors(t *testing.T) {
	dir := t.TempDir()
	job := filepath.Join(dir, "j.yaml")
	os.WriteFile(job, []byte("version: 1\ninput: in.csv\nfields:\n  firstname: First\n  email: Email\nsteps:\n  - create_users: {if_exist: update}\n"), 0o644)
	code, stdout, stderr := runCLI(t, "validate", job, "--out", dir)
	if code != ExitUsage || stdout != "" {
		t.Fatalf("exit %d, stdout %q", code, stdout)
	}
	for _, want := range []string{
		"zoombulk: the job file has problems (2):\n",
		"  " + job + `:4: fields.firstname: unknown field "firstname" (did you mean "first_name"?)`,
		"  " + job + `:7: steps[0].create_users.if_exist: unknown key (did you mean "if_exists"?)`,
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "validation.csv")); err == nil {
		t.Error("validation.csv written for a job error")
	}

	// A missing column is an input error: exit 2, naming the headers.
	os.WriteFile(filepath.Join(dir, "in.csv"), []byte("E-mail,Name\nx@y.io,X\n"), 0o644)
	os.WriteFile(job, []byte("version: 1\ninput: in.csv\nfields: {email: Email}\nsteps: [delete_users]\n"), 0o644)
	code, _, stderr = runCLI(t, "validate", job)
	if code != ExitUsage || !strings.Contains(stderr, `column "Email" is not in the header; the headers are "E-mail", "Name"; did you mean "E-mail"?`) {
		t.Errorf("exit %d: %s", code, stderr)
	}

	// A missing input file.
	code, _, stderr = runCLI(t, "validate", job, "--input", filepath.Join(dir, "nope.xlsx"))
	if code != ExitUsage || !strings.Contains(stderr, "nope.xlsx") {
		t.Errorf("exit %d: %s", code, stderr)
	}

	// Usage: no job file.
	code, _, stderr = runCLI(t, "validate")
	if code != ExitUsage || !strings.Contains(stderr, "accepts 1 arg") {
		t.Errorf("exit %d: %s", code, stderr)
	}
}

func TestValidateHelp(t *testing.T) {
	code, stdout, _ := runCLI(t, "validate", "--help")
	if code != ExitOK || !strings.Contains(stdout, "zoombulk validate hires.yaml") || !strings.Contains(stdout, "--out DIR") {
		t.Errorf("exit %d:\n%s", code, stdout)
	}
}

func TestGroupDigits(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 100000: "100,000", 1234567: "1,234,567", -5: "-5"} {
		if got := groupDigits(n); got != want {
			t.Errorf("groupDigits(%d) = %q, want %q", n, got, want)
		}
	}
}
