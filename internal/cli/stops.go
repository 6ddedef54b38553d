package cli

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// stopWindow joins signals: those within a second of each other are one
// stop. timeout(1), a kill of the process group and systemd deliver two
// or three at once, which must not count as "quit at once".
const stopWindow = time.Second

// runStops is how run and undo take Ctrl-C and SIGTERM. The first stop
// ends the taking of new work: calls in flight finish and every file is
// written (exit 3). A second stop also cancels the calls in flight, and
// the results are written from the journal without the workbook. A third
// quits at once. A stop before anything was sent says so.
type runStops struct {
	stdio    *IO
	resume   string
	applying atomic.Bool
	quit     chan struct{}
	done     chan struct{}
	once     sync.Once
}

// watchRun is the context of a run's work and its stops; resume is the
// command that finishes the run. The returned function ends the watch.
func watchRun(ctx context.Context, sigs <-chan os.Signal, stdio *IO, resume string) (context.Context, *runStops, context.CancelFunc) {
	work, cancel := context.WithCancel(ctx)
	s := &runStops{stdio: stdio, resume: resume, quit: make(chan struct{}), done: make(chan struct{})}
	if sigs != nil {
		go s.watch(sigs, cancel)
	}
	return work, s, func() {
		s.once.Do(func() { close(s.done) })
		cancel()
	}
}

// applied is jobs.Options.Applying: from now on a stop has calls to finish.
func (s *runStops) applied() { s.applying.Store(true) }

func (s *runStops) now() time.Time {
	if s.stdio.Now != nil {
		return s.stdio.Now()
	}
	return time.Now()
}

func (s *runStops) watch(sigs <-chan os.Signal, cancel context.CancelFunc) {
	var last time.Time
	stops := 0
	for {
		select {
		case <-s.done:
			return
		case <-sigs:
		}
		t := s.now()
		same := stops > 0 && t.Sub(last) < stopWindow
		last = t
		if same {
			continue
		}
		stops++
		out := s.stdio.ErrOut
		switch {
		case stops == 1 && !s.applying.Load():
			fmt.Fprintln(out, "\nStopping: nothing has been sent; stopping before anything is.")
			cancel()
		case stops == 1:
			fmt.Fprintln(out, "\nStopping: finishing the calls in flight and writing the results (stop again to cancel the calls in flight too).")
			cancel()
		case stops == 2:
			fmt.Fprintln(out, "Stopping now: cancelling the calls in flight and writing results.csv from the journal (stop again to quit at once).")
			close(s.quit)
		default:
			fmt.Fprintln(out, "Quitting now; the journal holds every finished row: finish with "+s.resume+".")
			s.stdio.exit(ExitAborted)
			return
		}
	}
}
