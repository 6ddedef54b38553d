package zoomtest

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// RunWithoutLeaks runs a package's tests (from its TestMain) and then
// checks that none of the goroutines they started is still running: a
// sandbox left serving, a client's connection left open, a watcher waiting
// for a signal that will never come. The tests inside synctest bubbles are
// checked by synctest itself; this covers the others. Goroutines may take
// a moment to see their connection closed, so the check waits up to
// settle for them to end (it polls; no test waits on it). A leak is a
// failure: its stacks are printed and the exit code is 1.
func RunWithoutLeaks(m *testing.M, settle time.Duration) int {
	before := goroutineIDs(stacks())
	code := m.Run()
	if code != 0 {
		return code
	}
	deadline := time.Now().Add(settle)
	for {
		leaked := leakedGoroutines(before)
		if len(leaked) == 0 {
			return code
		}
		if time.Now().After(deadline) {
			fmt.Fprintf(os.Stderr, "zoomtest: %d goroutine(s) outlived the tests:\n\n%s\n", len(leaked), strings.Join(leaked, "\n\n"))
			return 1
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// stacks is every goroutine's stack, one entry each.
func stacks() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return strings.Split(string(bytes.TrimSpace(buf[:n])), "\n\n")
		}
		buf = make([]byte, 2*len(buf))
	}
}

// goroutineIDs is the set of the "goroutine N" headers of stacks.
func goroutineIDs(ss []string) map[string]bool {
	ids := map[string]bool{}
	for _, s := range ss {
		ids[goroutineID(s)] = true
	}
	return ids
}

func goroutineID(stack string) string {
	head, _, _ := strings.Cut(stack, " [")
	return head
}

// background are goroutines of the runtime and of package testing, which
// are not the tests' doing.
var background = []string{
	"testing.(*M).",
	"testing.tRunner.func",
	"testing.(*T).Run",
	"testing.runTests",
	"runtime.goexit0",
	"os/signal.signal_recv",
	"os/signal.loop",
	"runtime.ensureSigM",
	"runtime/trace.",
}

// leakedGoroutines are the stacks of goroutines that were not there
// before and are not the runtime's or this one.
func leakedGoroutines(before map[string]bool) []string {
	var out []string
	ss := stacks()
	self := goroutineID(ss[0]) // runtime.Stack lists the caller first
	for _, s := range ss {
		id := goroutineID(s)
		if id == self || before[id] || isBackground(s) {
			continue
		}
		out = append(out, s)
	}
	return out
}

func isBackground(stack string) bool {
	for _, b := range background {
		if strings.Contains(stack, b) {
			return true
		}
	}
	return false
}
