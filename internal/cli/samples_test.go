package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/results"

	"github.com/spf13/pflag"

	"github.com/zoombulk/zoombulk/internal/jobs"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// ---------------------------------------------------------------------
// The samples: every job runs on the sandbox with the results it is
// meant to show. The sandbox here is started by the test (so that its
// calls can be counted) and seeded like --sandbox.

// sampleJobs are every job under samples/; a new one must be added here.
var sampleJobs = []string{
	"samples/license-reshuffle/job.yaml",
	"samples/migration/job.yaml",
	"samples/new-account/1-groups.yaml",
	"samples/new-account/2-users.yaml",
	"samples/new-account/3-contacts.yaml",
	"samples/offboarding/deactivate.yaml",
	"samples/offboarding/remove.yaml",
	"samples/offboarding/transfer.yaml",
	"samples/recording-policy/job.yaml",
	"samples/domain-rename/job.yaml",
}

func TestSampleJobsAreAllTested(t *testing.T) {
	found, err := filepath.Glob(repoPath(t, "samples/*/*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var rel []string
	for _, f := range found {
		r, _ := filepath.Rel(repoPath(t, "."), f)
		rel = append(rel, filepath.ToSlash(r))
	}
	for _, job := range rel {
		switch {
		case slices.Contains(sampleJobs, job):
		case strings.HasPrefix(job, "samples/exports/"):
			// The exports guide's own examples: they must at least load.
			if _, err := jobfile.Load(repoPath(t, job)); err != nil {
				t.Errorf("%s: %v", job, err)
			}
		default:
			t.Errorf("%s is not tested: add it to sampleJobs and TestSamples", job)
		}
	}
	for _, job := range sampleJobs {
		if !slices.Contains(rel, job) {
			t.Errorf("%s is gone: remove it from sampleJobs", job)
		}
	}
}

// sampleRun runs a sample job on a fresh sandbox and returns it and the
// results by email.
type sampleRun struct {
	srv     *zoomtest.Server
	res     zbResult
	rows    []map[string]string
	byEmail map[string]map[string]string
}

func runSample(t *testing.T, job string, flags ...string) *sampleRun {
	t.Helper()
	srv := zoomtest.NewMemServer(t, zoomtest.Options{Seed: sampleSeed(t), Tier: "business"})
	out := filepath.Join(t.TempDir(), "run")
	args := append([]string{"run", repoPath(t, job), "--yes", "--tier", "business", "--out", out}, flags...)
	s := &sampleRun{srv: srv, res: zbVia(t, memEnv(srv), inMemoryTo(srv), args...), byEmail: map[string]map[string]string{}}
	if _, err := os.Stat(filepath.Join(out, "results.csv")); err != nil {
		t.Fatalf("exit %d, no results\n%s", s.res.code, s.res.stderr)
	}
	s.rows = resultRows(t, out)
	for _, r := range s.rows {
		s.byEmail[strings.ToLower(strings.TrimSpace(firstOf(r, "Email", "Work Email")))] = r
	}
	return s
}

func firstOf(m map[string]string, keys ...string) string {
	for _, k := range keys {
		if v, ok := m[k]; ok {
			return v
		}
	}
	return ""
}

// writes are the writes the sandbox applied, by endpoint, and every write
// endpoint called at all (a call answered 429 and retried counts once).
func (s *sampleRun) writes() map[string]int {
	st := s.srv.Stats()
	out := map[string]int{}
	for ep := range st.Calls {
		if !strings.HasPrefix(ep, "GET ") {
			out[ep] = st.Applied[ep]
		}
	}
	return out
}

func (s *sampleRun) user(t *testing.T, email string) zoomtest.User {
	t.Helper()
	u, ok := s.srv.UserByEmail(email)
	if !ok {
		t.Fatalf("no user %s in the sandbox", email)
	}
	return u
}

func (s *sampleRun) groupName(id string) string {
	for _, g := range s.srv.Groups() {
		if g.ID == id {
			return g.Name
		}
	}
	return ""
}

func (s *sampleRun) divisionName(id string) string {
	for _, d := range s.srv.Divisions() {
		if d.ID == id {
			return d.Name
		}
	}
	return ""
}

func TestSamples(t *testing.T) {
	t.Parallel()
	t.Run("validate", func(t *testing.T) {
		t.Parallel()
		for _, job := range sampleJobs {
			want := ExitOK
			if strings.Contains(job, "migration") {
				want = ExitUsage // one broken email, on purpose
			}
			r := zb(t, nil, "validate", repoPath(t, job), "--out", t.TempDir())
			if r.code != want {
				t.Errorf("validate %s: exit %d, want %d\n%s%s", job, r.code, want, r.stdout, r.stderr)
			}
		}
	})

	t.Run("migration", zoomtest.ParallelBubble(func(t *testing.T) {
		s := runSample(t, "samples/migration/job.yaml")
		if s.res.code != ExitPartial {
			t.Fatalf("exit %d, want 1 (two bad rows on purpose)\n%s", s.res.code, s.res.stderr)
		}
		if len(s.rows) != 60 {
			t.Fatalf("%d result rows, want 60 (the blank row is not one)", len(s.rows))
		}
		bad := s.byEmail["ethan.wright.acme.example"]
		if bad["zb_status"] != "failed" || bad["zb_step"] != "validate" || !strings.Contains(bad["zb_reason"], "has no @") || bad["zb_row"] != "12" {
			t.Errorf("the broken email: %v", bad)
		}
		typo := s.byEmail["isabella.costa@acme.example"]
		// The misspelt team fails in the plan: the row starts no step, so
		// no half-done user gets an invitation.
		if typo["zb_status"] != "failed" || typo["zb_step"] != "move_group" || typo["zb_hint"] != `did you mean "Engineering"?` ||
			typo["zb_create_users"] != "skipped" || typo["zb_row"] != "19" || !strings.HasPrefix(typo["zb_reason"], "not started: move_group: ") {
			t.Errorf("the misspelt team: %v", typo)
		}
		succeeded := 0
		for _, r := range s.rows {
			if r["zb_status"] == "succeeded" {
				succeeded++
			}
		}
		if succeeded != 58 {
			t.Errorf("%d rows succeeded, want 58", succeeded)
		}
		// The messy cells: trimmed, lower-cased, matched in any case, read as written.
		jose := s.user(t, "jose.alvarez@acme.example")
		if jose.FirstName != "José" || jose.LastName != "Álvarez" || jose.Type != 2 || s.groupName(jose.GroupIDs[0]) != "Engineering" ||
			s.divisionName(jose.DivisionID) != "Americas" || jose.JobTitle != "Software Engineer" || jose.Location != "New York" {
			t.Errorf("José: %+v", jose)
		}
		if r := s.byEmail["jose.alvarez@acme.example"]; r["Employee ID"] != "100231" || r["Start Date"] != "2027-01-04" {
			t.Errorf("the input columns as read: ID %q, start %q", r["Employee ID"], r["Start Date"])
		}
		if u := s.user(t, "sofia.rossi@acme.example"); u.FirstName != "Sofia" || u.Features["webinar"] != "1" {
			t.Errorf("Sofia: %+v", u)
		}
		if u := s.user(t, "liam.oconnor@acme.example"); u.Email != "liam.oconnor@acme.example" || u.LastName != "O'Connor" {
			t.Errorf("Liam: %+v", u)
		}
		s.user(t, "noah.kim@acme.example")
		if u := s.user(t, "zoe.muller@acme.example"); u.Type != 2 || u.FirstName != "Zoë" {
			t.Errorf("Zoë (license \"licensed\"): %+v", u)
		}
		if u := s.user(t, "mateo.fernandez@acme.example"); s.groupName(u.GroupIDs[0]) != "Engineering" {
			t.Errorf("Mateo (team \"engineering\"): %+v", u)
		}
		if u := s.user(t, "hannah.schmidt@acme.example"); u.Type != 1 {
			t.Errorf("Hannah (license \"BASIC\"): %+v", u)
		}
		if u := s.user(t, "lucas.silva@acme.example"); s.divisionName(u.DivisionID) != "EMEA" {
			t.Errorf("Lucas (region \"emea \"): %+v", u)
		}
		w := s.writes()
		if w["POST /users"] != 58 || w["POST /users/features"] != 1 {
			t.Errorf("writes %v: want 58 creates (none for the misspelt team) and one features call", w)
		}
	}))

	t.Run("license-reshuffle", zoomtest.ParallelBubble(func(t *testing.T) {
		s := runSample(t, "samples/license-reshuffle/job.yaml")
		if s.res.code != ExitOK {
			t.Fatalf("exit %d\n%s", s.res.code, s.res.stderr)
		}
		want := map[string]string{
			"linus.berg": "succeeded", "priya.patel": "succeeded", "wei.chen": "succeeded", "kenji.sato": "succeeded",
			"frank.numbers": "succeeded", "helen.hr": "succeeded",
			"grace.hopper": "unchanged", "sam.seller": "unchanged", "mark.eting": "unchanged", "tom.nguyen": "unchanged",
			"alan.turing": "unchanged", "chloe.dubois": "unchanged",
		}
		if len(s.rows) != len(want) {
			t.Errorf("%d rows", len(s.rows))
		}
		for who, status := range want {
			if got := s.byEmail[who+"@acme.example"]["zb_status"]; got != status {
				t.Errorf("%s: %s, want %s", who, got, status)
			}
		}
		// Only the changes cost calls: 4 license changes, one features call
		// for the webinar seats and one for the large-meeting seats.
		if w := s.writes(); len(w) != 2 || w["PATCH /users/{userId}"] != 4 || w["POST /users/features"] != 2 {
			t.Errorf("writes %v", w)
		}
		for who, typ := range map[string]int{"linus.berg": 2, "priya.patel": 2, "wei.chen": 2, "kenji.sato": 1} {
			if u := s.user(t, who+"@acme.example"); u.Type != typ {
				t.Errorf("%s: type %d, want %d", who, u.Type, typ)
			}
		}
		if u := s.user(t, "linus.berg@acme.example"); u.Features["webinar"] != "1" {
			t.Errorf("linus: features %v", u.Features)
		}
		if u := s.user(t, "helen.hr@acme.example"); u.Features["large_meeting"] != "128" {
			t.Errorf("helen: features %v", u.Features)
		}
	}))

	t.Run("offboarding-deactivate", func(t *testing.T) {
		t.Parallel()
		s := runSample(t, "samples/offboarding/deactivate.yaml")
		if s.res.code != ExitOK {
			t.Fatalf("exit %d\n%s", s.res.code, s.res.stderr)
		}
		for who, status := range map[string]string{"maria.garcia": "succeeded", "joe.join": "succeeded", "fatima.okafor": "unchanged"} {
			if got := s.byEmail[who+"@acme.example"]["zb_status"]; got != status {
				t.Errorf("%s: %s, want %s", who, got, status)
			}
			if u := s.user(t, who+"@acme.example"); u.Status != "inactive" {
				t.Errorf("%s is %s", who, u.Status)
			}
		}
		if w := s.writes(); len(w) != 1 || w["PUT /users/{userId}/status"] != 2 {
			t.Errorf("writes %v", w)
		}
	})

	t.Run("offboarding-remove", zoomtest.ParallelBubble(func(t *testing.T) {
		srv := zoomtest.NewMemServer(t, zoomtest.Options{Seed: sampleSeed(t)})
		r := zbVia(t, memEnv(srv), inMemoryTo(srv), "run", repoPath(t, "samples/offboarding/remove.yaml"), "--yes", "--out", t.TempDir())
		if r.code != ExitUsage || !strings.Contains(r.stderr, "--allow-delete") {
			t.Errorf("without --allow-delete: exit %d, %s", r.code, r.stderr)
		}
		s := runSample(t, "samples/offboarding/remove.yaml", "--allow-delete")
		if s.res.code != ExitOK {
			t.Fatalf("exit %d\n%s", s.res.code, s.res.stderr)
		}
		for who, status := range map[string]string{"dan.dormant": "succeeded", "ivy.nogroup": "succeeded", "eve.formula": "succeeded", "former.contractor": "unchanged"} {
			if got := s.byEmail[who+"@acme.example"]["zb_status"]; got != status {
				t.Errorf("%s: %s, want %s", who, got, status)
			}
			if _, ok := s.srv.UserByEmail(who + "@acme.example"); ok {
				t.Errorf("%s is still in the account", who)
			}
		}
		if w := s.writes(); len(w) != 1 || w["DELETE /users/{userId}"] != 3 {
			t.Errorf("writes %v", w)
		}
		for _, who := range []string{"frank.numbers", "adam.admin", "mark.eting"} {
			s.user(t, who+"@acme.example") // the transfer targets stay
		}
	}))

	t.Run("offboarding-transfer", func(t *testing.T) {
		t.Parallel()
		testOffboardingTransferSample(t)
	})
	t.Run("recording-policy", func(t *testing.T) {
		t.Parallel()
		testRecordingPolicySample(t)
	})
	t.Run("domain-rename", func(t *testing.T) {
		t.Parallel()
		testDomainRenameSample(t)
	})
}

// ---------------------------------------------------------------------
// The README and docs/: their commands work as written, and together they
// cover the reference. (Their generated sections and links are checked in
// internal/tools/docgen.)

// readme is README.md then docs/*.md, one after the other: the entry point
// and the reference it links to, where the commands and tables these
// tests check now live.
func readme(t *testing.T) string {
	t.Helper()
	pages, err := filepath.Glob(repoPath(t, "docs/*.md"))
	if err != nil || len(pages) == 0 {
		t.Fatalf("no docs/*.md: %v", err)
	}
	var b strings.Builder
	for _, page := range append([]string{repoPath(t, "README.md")}, pages...) {
		data, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(data)
		b.WriteString("\n")
	}
	return b.String()
}

// shellBlocks are the ```sh blocks of the README and docs, in order: every
// zoombulk line in them is meant to run as written from the repository
// root.
func shellBlocks(text string) [][]string {
	var blocks [][]string
	var cur []string
	in := false
	for _, line := range strings.Split(text, "\n") {
		switch {
		case !in && strings.TrimSpace(line) == "```sh":
			in, cur = true, nil
		case in && strings.TrimSpace(line) == "```":
			in = false
			blocks = append(blocks, cur)
		case in && strings.HasPrefix(strings.TrimSpace(line), "zoombulk "):
			cur = append(cur, strings.TrimSpace(line))
		}
	}
	return blocks
}

// readmeExit is the exit code of a README command when it is not 0.
var readmeExit = map[string]int{
	"zoombulk validate samples/migration/job.yaml":                                          ExitUsage,   // one broken email, on purpose
	"zoombulk run samples/migration/job.yaml --sandbox --yes --out runs/demo":               ExitPartial, // two bad rows, on purpose
	"zoombulk run samples/migration/job.yaml --sandbox --dry-run --out runs/migration-plan": ExitPartial, // the plan fails the same two
	// Alone on a fresh account, the contact groups' members (the users and
	// groups of steps 1 and 2) are not there yet: the plan fails their rows.
	"zoombulk run samples/new-account/3-contacts.yaml --sandbox --sandbox-seed samples/new-account/seed/account.yaml --dry-run --out runs/new-account-contacts": ExitPartial,
}

// shellWords splits a command line as a POSIX shell would for the simple
// lines of the README (quotes, no expansions), dropping a trailing comment.
func shellWords(line string) []string {
	var words []string
	var cur strings.Builder
	inWord, quote := false, rune(0)
	for _, r := range line {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == '#' && !inWord:
			return words
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}

// readmeArgs turns a README command into arguments for Main: inputs that
// exist in the repository become absolute, every output and every file a
// command writes go to dir, and --sandbox gets the sample seed (Main runs
// in this package's folder, not the repository root).
func readmeArgs(t *testing.T, line, dir string, n int) []string {
	words := shellWords(line)[1:]
	var args []string
	hasOut, hasSeed, sandbox := false, false, false
	for i := 0; i < len(words); i++ {
		w := words[i]
		switch {
		case w == "--out" || w == "-o" || w == "--output":
			hasOut = true
			args = append(args, w, filepath.Join(dir, words[i+1]))
			i++
			continue
		case w == "--sandbox":
			sandbox = true
		case w == "--sandbox-seed":
			hasSeed = true
		}
		if ext := filepath.Ext(w); ext == ".yaml" || ext == ".csv" || ext == ".xlsx" {
			if _, err := os.Stat(repoPath(t, w)); err == nil {
				w = repoPath(t, w)
			} else {
				w = filepath.Join(dir, w)
			}
		}
		args = append(args, w)
	}
	if sandbox && !hasSeed {
		args = append(args, "--sandbox-seed", repoPath(t, "samples/sandbox-seed.yaml"))
	}
	if !hasOut && (args[0] == "run" || args[0] == "validate") {
		args = append(args, "--out", filepath.Join(dir, fmt.Sprintf("out%d", n)))
	}
	return args
}

// The commands of the README and docs run as written: each ```sh block in
// order, the blocks side by side.
func TestReadmeCommands(t *testing.T) {
	t.Parallel()
	blocks := shellBlocks(readme(t))
	ran := map[string]bool{}
	for i, block := range blocks {
		t.Run(fmt.Sprintf("block%d", i+1), zoomtest.ParallelBubble(func(t *testing.T) {
			dir := t.TempDir()
			_ = os.MkdirAll(filepath.Join(dir, "runs"), 0o755)
			for n, line := range block {
				args := readmeArgs(t, line, dir, n)
				r := zb(t, func(string) string { return "" }, args...)
				if want := readmeExit[line]; r.code != want {
					t.Errorf("%s\nexit %d, want %d\n%s%s", line, r.code, want, r.stdout, r.stderr)
					return
				}
				if args[0] == "run" && !strings.Contains(r.stderr, "Report: ") {
					t.Errorf("%s: no report path\n%s", line, r.stderr)
				}
			}
		}))
		for _, line := range block {
			ran[line] = true
		}
	}
	for line := range readmeExit {
		if !ran[line] {
			t.Errorf("README.md and docs/ no longer have %q: update readmeExit", line)
		}
	}
	// Every sample runs in the walkthroughs.
	for _, job := range sampleJobs {
		found := false
		for line := range ran {
			if strings.Contains(line, " run "+job) && strings.Contains(line, "--sandbox") {
				found = true
			}
		}
		if !found {
			t.Errorf("no walkthrough runs %s --sandbox", job)
		}
	}
}

func TestShellWords(t *testing.T) {
	got := shellWords(`zoombulk run "a b.yaml" --x 'c d'  # a comment`)
	if !slices.Equal(got, []string{"zoombulk", "run", "a b.yaml", "--x", "c d"}) {
		t.Errorf("%q", got)
	}
}

// The job file examples of the README and docs load.
func TestReadmeJobExamples(t *testing.T) {
	text := readme(t)
	re := regexp.MustCompile("(?s)```yaml\n(.*?)```")
	n := 0
	for _, m := range re.FindAllStringSubmatch(text, -1) {
		if !strings.HasPrefix(m[1], "version: 1") {
			continue
		}
		n++
		path := filepath.Join(t.TempDir(), "job.yaml")
		if err := os.WriteFile(path, []byte(m[1]), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := jobfile.Load(path); err != nil {
			t.Errorf("docs job example %d: %v\n%s", n, err, m[1])
		}
	}
	if n == 0 {
		t.Error("README.md and docs/ have no job file example")
	}
}

// The README and docs cover what the tool does: steps, statuses, exit
// codes, run flags, scopes, the samples, the exports guide and the
// benchmark page.
func TestReadmeCoversTheReference(t *testing.T) {
	text := readme(t)
	var want []string
	for _, k := range jobs.StepKinds() {
		want = append(want, "| `"+string(k)+"` |")
	}
	for _, o := range results.Statuses {
		want = append(want, "| `"+string(o)+"` |")
	}
	for _, code := range []int{ExitOK, ExitPartial, ExitUsage, ExitAborted, ExitAuth} {
		want = append(want, fmt.Sprintf("| %d |", code))
	}
	for _, col := range []string{"zb_row", "zb_status", "zb_step", "zb_http_status", "zb_error_code", "zb_reason", "zb_hint", "zb_user_id", "zb_<step>"} {
		want = append(want, "`"+col+"`")
	}
	root := NewRootCmd(&IO{}, nil)
	runCmd, _, _ := root.Find([]string{"run"})
	runCmd.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Name != "help" {
			want = append(want, "`--"+f.Name)
		}
	})
	for _, s := range []string{"user:read:admin", "user:write:admin", "group:read:admin", "group:write:admin",
		"division:read:admin", "division:write:admin", "contact_group:read:admin",
		"user:read:list_users:admin", "user:write:user:admin", "user:update:user:admin", "user:write:feature:admin",
		"group:write:member:admin", "group:update:member:admin", "division:write:member:admin"} {
		want = append(want, "`"+s+"`")
	}
	want = append(want, "make demo\nmake test\n", "go install github.com/zoombulk/zoombulk@latest", "make build",
		"](samples/exports/README.md)", "## Performance", "bench/RESULTS.md", "zoombulk sandbox", "--sandbox",
		"zoombulk completion bash|zsh|fish|powershell", "ZOOM_ACCOUNT_ID", "ZOOM_CLIENT_ID", "ZOOM_CLIENT_SECRET",
		"ZOOM_API_URL", "ZOOM_OAUTH_URL", "--resume", "--share", "--tier", "one call every 10 s")
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("README.md and docs/ lack %q", w)
		}
	}
}
