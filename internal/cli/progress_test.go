package cli

import (
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/jobs"
	"github.com/zoombulk/zoombulk/internal/results"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Issue 12 item 7: plain progress lines come at most once per count, with
// rows per wall second; the features step says when its next call goes.
func TestProgressLines(t *testing.T) {
	synctest.Test(t, testProgressLines)
}

func testProgressLines(t *testing.T) {
	var out lockedBuffer
	ev := newRunEvents(&out, false)
	ev.every, ev.refresh = 0, time.Second
	ev.Planned(&jobs.Plan{FeaturesInterval: time.Hour})
	step := jobfile.Step{Kind: jobs.UpdateFeatures}
	ev.StepStarted(step, 60)
	ev.RowDone(step, results.Succeeded)
	// One refresh, a second of the bubble's time later: the ticker has
	// fired and its line is written once every goroutine is blocked again
	// (synctest.Wait). No row came in that second, and the wait it shows
	// has moved on all the same.
	time.Sleep(ev.refresh)
	synctest.Wait()
	ev.StepFinished(step)
	text := out.String()
	if !strings.Contains(text, "update_features: 1/60 rows (") || !strings.Contains(text, "next features call in 1h0m0s") {
		t.Errorf("no features wait in the progress lines:\n%s", text)
	}
	if !strings.Contains(text, "next features call in 59m59s)\n") {
		t.Errorf("the features wait was not refreshed a second later:\n%s", text)
	}
	lines := strings.Split(strings.TrimSpace(text), "\n")
	seen := map[string]bool{}
	for _, l := range lines[1:] { // the plan's lines first
		if strings.HasPrefix(l, "update_features: 1/60") && seen[l] && !strings.Contains(l, "next") {
			t.Errorf("line printed twice: %q", l)
		}
		seen[l] = true
	}
}
