package crashtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/zoombulk/zoombulk/internal/results"
	"github.com/zoombulk/zoombulk/internal/zoom"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// crashRows sizes the crash suite. The subprocess paces itself at the
// business tier (80 Light calls a second) on the real clock, so a full run
// of 200 rows takes about 4 s; the kills and resumes of the seeds run
// concurrently, each against its own sandbox, and the suite stays well
// under 30 s. Where the kills land is drawn from journal lines and applied
// writes, not from time, so the verdict never depends on the machine's
// speed.
func crashRows() int {
	if soak {
		return 600
	}
	return 200
}

func crashSeeds() []uint64 {
	switch {
	case soak:
		s := make([]uint64, 24)
		for i := range s {
			s[i] = uint64(i + 1)
		}
		return s
	case raceEnabled:
		return []uint64{1, 2, 3}
	}
	return []uint64{1, 2, 3, 4, 5, 6}
}

// reference is an uninterrupted run of the crash job, in-process and
// unpaced: the final state every crashed-and-resumed run must reach.
type reference struct {
	rows    [][]string
	state   map[string]string
	results []map[string]string
	creates int
	// journalLines and writes are the totals of a whole run, the ranges
	// the kill points are drawn from.
	journalLines, writes int
}

var (
	refOnce sync.Once
	refRun  *reference
)

// crashReference runs the reference once for the package: the crash job
// has at most one features call per process (every row with webinar seats
// asks for the same value and there are fewer than 30), because the CLI's
// client keeps Zoom's real 10 s between features calls.
func crashReference(t *testing.T) *reference {
	t.Helper()
	refOnce.Do(func() {
		sb := startMemSandbox(t, zoomtest.Options{NoRateLimits: true, FeaturesInterval: -1})
		hires := crashRows() - (len(sb.Users()) - 2) - 10
		rows := mixedRows(sb.Users(), crashRows(), hires/29+1, "") // at most 30 webinar rows
		dir, job := workdir(t, rows)
		out := filepath.Join(dir, "run")
		c := sb.client(t, func(cfg *zoom.Config) { cfg.NoLimits = true })
		sum, err := runInProcess(context.Background(), t, c, job, out, false)
		if err != nil {
			t.Fatalf("reference run: %v", err)
		}
		if sum.Counts[results.Failed] != 10 || sum.Counts[results.Succeeded] != len(rows)-10 {
			t.Fatalf("reference run: %v, want all but the 10 bad rows succeeded", sum.Counts)
		}
		st := sb.Stats()
		if n := st.Calls["POST /users/features"]; n != 1 {
			t.Fatalf("the reference made %d features calls; the crash job must make one", n)
		}
		writes := 0
		for _, n := range st.Applied {
			writes += n
		}
		refRun = &reference{rows: rows, state: accountState(sb.Server), results: readResults(t, out), creates: creates(rows),
			journalLines: countLines(filepath.Join(out, "journal.jsonl")), writes: writes}
		if n := st.Applied["POST /users"]; n != refRun.creates {
			t.Fatalf("the reference created %d users, want %d", n, refRun.creates)
		}
	})
	if refRun == nil {
		t.Fatal("the reference run failed")
	}
	return refRun
}

func appliedWrites(sb *sandbox) int {
	n := 0
	for _, v := range sb.Stats().Applied {
		n += v
	}
	return n
}

// runArgs are the flags of every subprocess run: the sandbox's tier at full
// share, no prompt.
var runArgs = []string{"--yes", "--tier", "business", "--share", "1"}

// TestKillAndResume kills the run with SIGKILL at random points (one or two
// kills per seed: the first run, then maybe the first resume), then resumes
// it to the end. The account ends as the uninterrupted run left it, no user
// is created twice, and results.csv has one line per input row.
func TestKillAndResume(t *testing.T) {
	t.Parallel()
	ref := crashReference(t)
	var wg sync.WaitGroup
	slots := make(chan struct{}, 6) // the seeds' sandboxes share this process's CPU
	for _, seed := range crashSeeds() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) { killAndResume(t, ref, seed, 0) })
		}()
	}
	// Two fixed points: while planning (the journal has its header and
	// nothing else) and while writing the reports (every row-step is in
	// the journal).
	for name, at := range map[string]int{"while-planning": 1, "while-reporting": ref.journalLines} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			slots <- struct{}{}
			defer func() { <-slots }()
			t.Run(name, func(t *testing.T) { killAndResume(t, ref, 0, at) })
		}()
	}
	wg.Wait()
}

// killAndResume kills at random points drawn from seed, or (fixedAt > 0)
// once, at that journal line.
func killAndResume(t *testing.T, ref *reference, seed uint64, fixedAt int) {
	sb := startSandbox(t, zoomtest.Options{Tier: "business", FeaturesInterval: 100 * time.Millisecond})
	dir, job := workdir(t, ref.rows)
	out := filepath.Join(dir, "run")
	journal := filepath.Join(out, "journal.jsonl")
	var key [32]byte
	key[0], key[1], key[31] = byte(seed), byte(seed>>8), 'k'
	rng := rand.New(rand.NewChaCha8(key))
	outputs := map[string][]byte{}
	kills := 1 + int(seed%2) // odd seeds also kill the first resume
	if fixedAt > 0 {
		kills = 1
	}
	for k := range kills {
		args := append([]string{"run", job, "--out", out}, runArgs...)
		if k > 0 {
			args = append([]string{"run", job, "--resume", out}, runArgs...)
		}
		// The kill point: a number of journal lines (row-steps finished)
		// or of writes the sandbox applied (the journal lags behind them:
		// these land between a call and its result line).
		var cond func() bool
		var point string
		if fixedAt > 0 {
			cond = func() bool { return countLines(journal) >= fixedAt }
			point = fmt.Sprintf("journal line %d of %d", fixedAt, ref.journalLines)
		} else if (seed+uint64(k))%2 == 0 {
			from := countLines(journal)
			at := from + 1 + rng.IntN(max(1, ref.journalLines-from))
			cond = func() bool { return countLines(journal) >= at }
			point = fmt.Sprintf("journal line %d of %d", at, ref.journalLines)
		} else {
			from := appliedWrites(sb)
			at := from + 1 + rng.IntN(max(1, ref.writes-from))
			cond = func() bool { return appliedWrites(sb) >= at }
			point = fmt.Sprintf("applied write %d of about %d", at, ref.writes)
		}
		p := start(t, dir, sb.env(), args...)
		if waitFor(2*time.Minute, p.exited, cond) {
			p.cmd.Process.Signal(syscall.SIGKILL)
		}
		code := p.wait(t)
		outputs[fmt.Sprintf("run %d output", k)] = p.output()
		t.Logf("seed %d, run %d: SIGKILL at %s: exit %d, %d journal lines, %d users created", seed, k, point, code, countLines(journal), sb.Stats().Applied["POST /users"])
		if code == 2 || code == 4 {
			t.Fatalf("run %d: exit %d\n%s", k, code, p.stderr.String())
		}
		sb.quiesce(t)
	}

	p := start(t, dir, sb.env(), append([]string{"run", job, "--resume", out}, runArgs...)...)
	code := p.wait(t)
	outputs["final resume output"] = p.output()
	if code != 1 { // the 10 bad rows fail
		t.Fatalf("final resume: exit %d, want 1\n%s", code, p.stderr.String())
	}
	checkResults(t, out, ref.rows, ref.results)
	compareState(t, ref.state, accountState(sb.Server))
	if n := sb.Stats().Applied["POST /users"]; n != ref.creates {
		t.Errorf("%d creates applied across the runs, want %d: a user was created twice or not at all", n, ref.creates)
	}
	if found := leaks(t, sb.secretsOf(), []string{out}, outputs); len(found) > 0 {
		t.Errorf("secrets leaked:\n%s", strings.Join(found, "\n"))
	}
}

// TestInterruptAndResume: SIGINT stops the run cleanly (calls in flight
// finish, every file is written, untouched rows are not_run, exit 3); the
// resume finishes it to the same state as an uninterrupted run.
func TestInterruptAndResume(t *testing.T) {
	t.Parallel()
	ref := crashReference(t)
	sb := startSandbox(t, zoomtest.Options{Tier: "business", FeaturesInterval: 100 * time.Millisecond})
	dir, job := workdir(t, ref.rows)
	out := filepath.Join(dir, "run")
	journal := filepath.Join(out, "journal.jsonl")

	p := start(t, dir, sb.env(), append([]string{"run", job, "--out", out}, runArgs...)...)
	at := ref.journalLines * 2 / 5
	if !waitFor(2*time.Minute, p.exited, func() bool { return countLines(journal) >= at }) {
		t.Fatalf("the run ended (exit %d) before reaching journal line %d\n%s", p.wait(t), at, p.stderr.String())
	}
	p.cmd.Process.Signal(os.Interrupt)
	if code := p.wait(t); code != 3 {
		t.Fatalf("after SIGINT: exit %d, want 3\n%s", code, p.stderr.String())
	}
	if !strings.Contains(p.stderr.String(), "Stopping") || !strings.Contains(p.stderr.String(), "--resume") {
		t.Errorf("stderr does not say it stopped and how to resume:\n%s", p.stderr.String())
	}
	lines := readResults(t, out)
	if len(lines) != len(ref.rows) {
		t.Fatalf("the interrupted run's results.csv has %d lines for %d rows", len(lines), len(ref.rows))
	}
	// The report is the record: a row is partial when some of its steps
	// were done, not_run only when nothing was; a create the report
	// claims is in the account, and a row the report says did nothing
	// created no one.
	notRun, partial := 0, 0
	for _, l := range lines {
		_, exists := sb.UserByEmail(l["Email"])
		switch l["zb_status"] {
		case "not_run":
			notRun++
			if strings.HasPrefix(l["Email"], "hire") && exists {
				t.Errorf("%s: not_run, but the account has the user", l["Email"])
			}
		case "partial":
			partial++
		}
		if l["zb_create_users"] == "succeeded" && !exists {
			t.Errorf("%s: the report says created, the account has no such user", l["Email"])
		}
	}
	if notRun+partial == 0 {
		t.Errorf("no row is not_run or partial after an interrupt at journal line %d of %d", at, ref.journalLines)
	}
	for _, f := range []string{"results.xlsx", "failed.csv", "run.json"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("the interrupted run did not write %s: %v", f, err)
		}
	}
	outputs := map[string][]byte{"interrupted run output": p.output()}
	sb.quiesce(t)

	p = start(t, dir, sb.env(), append([]string{"run", job, "--resume", out}, runArgs...)...)
	if code := p.wait(t); code != 1 {
		t.Fatalf("resume: exit %d, want 1\n%s", code, p.stderr.String())
	}
	outputs["resume output"] = p.output()
	checkResults(t, out, ref.rows, ref.results)
	compareState(t, ref.state, accountState(sb.Server))
	if n := sb.Stats().Applied["POST /users"]; n != ref.creates {
		t.Errorf("%d creates applied across the runs, want %d", n, ref.creates)
	}
	if found := leaks(t, sb.secretsOf(), []string{out}, outputs); len(found) > 0 {
		t.Errorf("secrets leaked:\n%s", strings.Join(found, "\n"))
	}
}
