package jobs_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/zoombulk/zoombulk/internal/jobs"
	"github.com/zoombulk/zoombulk/internal/zoom/apispec"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// toolEndpoints reads the operations the client calls from its source:
// every endpoint{method: ..., path: ...} of package zoom.
func toolEndpoints(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../zoom/*.go")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`endpoint\{method: http\.Method(\w+), path: "([^"]+)"`)
	var out []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(src), -1) {
			out = append(out, strings.ToUpper(m[1])+" "+m[2])
		}
	}
	if len(out) < 30 {
		t.Fatalf("found %d endpoints in ../zoom: the pattern no longer matches the source", len(out))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// referenceCodes is the Zoom error codes the text reference lists for each
// operation ("METHOD /path").
func referenceCodes(t *testing.T) map[string][]int {
	t.Helper()
	raw, err := os.ReadFile(apispec.File(t, apispec.ReferenceName))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(raw), "\n")
	code := regexp.MustCompile("Error Code:\\*\\* `(\\d+)`")
	out := map[string][]int{}
	var op string
	for i, l := range lines {
		if strings.TrimSpace(l) == "- Method:" && i+2 < len(lines) {
			method, _, _ := strings.Cut(lines[i+1], " - Path:")
			path, _, _ := strings.Cut(lines[i+2], " - Tags")
			op = strings.ToUpper(strings.TrimSpace(method)) + " " + strings.TrimSpace(path)
			out[op] = nil
			continue
		}
		if op == "" || !strings.HasPrefix(l, "Status: ") {
			continue
		}
		for _, m := range code.FindAllStringSubmatch(l, -1) {
			n, _ := strconv.Atoi(m[1])
			if !slices.Contains(out[op], n) {
				out[op] = append(out[op], n)
			}
		}
	}
	return out
}

// Every error code the reference lists for an operation the tool calls has
// a hint, so no failed row ends without one; and the codes the issue named
// (the password's 1124 and the divisions' deletes among them).
func TestEveryReferenceCodeHasAHint(t *testing.T) {
	have := map[int]bool{}
	for _, h := range jobs.Hints() {
		if h.Code != 0 && h.Message == "" {
			have[h.Code] = true
		}
		if h.Do == "" || h.Meaning == "" {
			t.Errorf("code %d status %d: empty hint", h.Code, h.Status)
		}
	}
	ref := referenceCodes(t)
	for _, ep := range toolEndpoints(t) {
		codes, ok := ref[ep]
		if !ok {
			t.Errorf("%s: not in the reference", ep)
			continue
		}
		for _, c := range codes {
			if !have[c] {
				t.Errorf("%s: code %d has no hint (a line without Message)", ep, c)
			}
		}
	}
	for _, c := range []int{1122, 1124, 120, 40005, 42006, 42011, 42012} {
		if !have[c] {
			t.Errorf("code %d has no hint", c)
		}
	}
}

// A Basic assistant is refused by Zoom with code 200 "must either be a
// Licensed user": the row's hint says to license, not to check scopes.
func TestBasicAssistantHintSaysLicensed(t *testing.T) {
	synctest.Test(t, testBasicAssistantHintSaysLicensed)
}

func testBasicAssistantHintSaysLicensed(t *testing.T) {
	e := newEnv(t, zoomtest.Options{NoRateLimits: true})
	e.writeCSV("users.csv", []string{"Email", "Assistants"}, [][]string{
		{"grace.hopper@acme.example", "linus.berg@acme.example"}, // linus is Basic
	})
	job := e.write("assistants.yaml", "version: 1\ninput: users.csv\nfields: { email: Email, assistants: Assistants }\nsteps: [set_assistants]\n")
	out := filepath.Join(e.dir, "run")
	if _, err := e.run(context.Background(), job, out, nil); err != nil {
		t.Fatal(err)
	}
	lines := readResults(t, out)
	if len(lines) != 1 {
		t.Fatalf("%d result lines", len(lines))
	}
	l := lines[0]
	if l["zb_status"] != "failed" || l["zb_error_code"] != "200" || !strings.Contains(l["zb_hint"], "Licensed") || strings.Contains(l["zb_hint"], "scopes") {
		t.Errorf("status %s code %s hint %q, want failed 200 with a hint to license", l["zb_status"], l["zb_error_code"], l["zb_hint"])
	}
}
