package cli

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/jobs"
	"github.com/zoombulk/zoombulk/internal/results"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// runEvents shows a run on stderr: a progress bar per step on a terminal,
// a plain line every few seconds otherwise.
type runEvents struct {
	w     io.Writer
	tty   bool
	every time.Duration

	mu      sync.Mutex
	bar     *progressbar.ProgressBar
	step    jobfile.Step
	total   int
	done    int
	looks   int // the step's rows that need a look (results.Status.NeedsLook)
	started time.Time
	logged  time.Time
	// printed is the done count of the last plain line, so a step's end
	// does not print the same line again.
	printed int
	// The features step waits interval between calls: the line says when
	// the next call goes, counted from the last answer (lastDone).
	interval time.Duration
	lastDone time.Time
	tick     chan struct{} // closed when the step ends
	refresh  time.Duration // how often the wait is refreshed
}

func newRunEvents(w io.Writer, tty bool) *runEvents {
	return &runEvents{w: w, tty: tty, every: 5 * time.Second, refresh: time.Second}
}

func (ev *runEvents) Planned(p *jobs.Plan) {
	ev.mu.Lock()
	ev.interval = p.FeaturesInterval
	ev.mu.Unlock()
	printPlan(ev.w, p)
}

func (ev *runEvents) StepStarted(step jobfile.Step, total int) {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	ev.step, ev.total, ev.done, ev.looks, ev.printed = step, total, 0, 0, -1
	ev.started, ev.logged, ev.lastDone = time.Now(), time.Now(), time.Now()
	if jobs.Paced(step.Kind) && total > 0 && ev.interval > 0 {
		// Between features calls nothing moves for up to the interval:
		// say when the next call goes, once a second.
		ev.tick = make(chan struct{})
		go ev.features(ev.tick)
	}
	if ev.tty && total > 0 {
		ev.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(ev.w),
			progressbar.OptionSetDescription(fmt.Sprintf("%-16s", step.Kind)),
			progressbar.OptionShowCount(),
			// The bar's own rate counts from its last render, which reads
			// millions of rows a second after a burst of batched answers:
			// the description carries our rate, rows per wall second.
			progressbar.OptionSetPredictTime(false),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSetWidth(30),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(ev.w) }),
		)
	}
}

func (ev *runEvents) RowDone(_ jobfile.Step, o results.Status) {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	ev.done++
	ev.lastDone = time.Now()
	if o.NeedsLook() {
		ev.looks++
	}
	if ev.bar != nil {
		ev.describe()
		_ = ev.bar.Add(1)
		return
	}
	if time.Since(ev.logged) >= ev.every {
		ev.logged = time.Now()
		ev.line()
	}
}

// features refreshes the features step's wait until done is closed.
func (ev *runEvents) features(done chan struct{}) {
	t := time.NewTicker(ev.refresh)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
		}
		ev.mu.Lock()
		if ev.tick != done { // the step has ended
			ev.mu.Unlock()
			return
		}
		if ev.bar != nil {
			ev.describe()
			_ = ev.bar.RenderBlank()
		} else if time.Since(ev.logged) >= ev.every {
			ev.logged = time.Now()
			ev.printed = -1 // the wait changed even if the count did not
			ev.line()
		}
		ev.mu.Unlock()
	}
}

// featuresWait is "next features call in 7s" ("" outside that step).
func (ev *runEvents) featuresWait() string {
	if ev.tick == nil || ev.done >= ev.total {
		return ""
	}
	left := time.Until(ev.lastDone.Add(ev.interval)).Round(time.Second)
	if left < time.Second {
		return "next features call now"
	}
	return fmt.Sprintf("next features call in %s", left)
}

func (ev *runEvents) StepFinished(jobfile.Step) {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	if ev.tick != nil {
		close(ev.tick)
		ev.tick = nil
	}
	if ev.bar != nil {
		_ = ev.bar.Finish()
		ev.bar = nil
		return
	}
	if ev.total > 0 {
		ev.line()
	}
}

// rateText is "12.5 rows/s, 2 to look at, next features call in 7s": rows
// per wall second since the step started (once a second has passed).
func (ev *runEvents) rateText() string {
	secs := time.Since(ev.started).Seconds()
	var parts []string
	if secs >= 1 { // before a second has passed a rate says nothing
		parts = append(parts, fmt.Sprintf("%.1f rows/s", float64(ev.done)/secs))
	}
	if ev.looks > 0 {
		parts = append(parts, fmt.Sprintf("%d to look at", ev.looks))
	}
	if w := ev.featuresWait(); w != "" {
		parts = append(parts, w)
	}
	return strings.Join(parts, ", ")
}

// describe puts the step and its rate on the bar.
func (ev *runEvents) describe() {
	ev.bar.Describe(fmt.Sprintf("%-16s %s", ev.step.Kind, ev.rateText()))
}

// line is the non-terminal progress line, printed once per count.
func (ev *runEvents) line() {
	if ev.done == ev.printed {
		return
	}
	ev.printed = ev.done
	if rate := ev.rateText(); rate != "" {
		fmt.Fprintf(ev.w, "%s: %d/%d rows (%s)\n", ev.step.Kind, ev.done, ev.total, rate)
		return
	}
	fmt.Fprintf(ev.w, "%s: %d/%d rows\n", ev.step.Kind, ev.done, ev.total)
}

func (ev *runEvents) Logf(format string, args ...any) {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	if ev.bar != nil {
		_ = ev.bar.Clear()
	}
	fmt.Fprintf(ev.w, format+"\n", args...)
}

// printPlan shows the plan's counts, removals, calls and implied time.
func printPlan(w io.Writer, p *jobs.Plan) {
	fmt.Fprintf(w, "Plan for account %s (%s): %d rows", p.AccountID, p.APIHost, p.Rows)
	if p.Invalid > 0 {
		fmt.Fprintf(w, ", %d with problems (reported failed, not sent)", p.Invalid)
	}
	if p.Done > 0 {
		fmt.Fprintf(w, ", %d finished by the earlier run", p.Done)
	}
	fmt.Fprintln(w)
	for _, sp := range p.Steps {
		acts := sp.Actions.Text(nil)
		if acts == "" {
			acts = "nothing"
		}
		fmt.Fprintf(w, "  %-16s %s\n", sp.Kind, acts)
	}
	if c := p.CreationText(); c != "" {
		fmt.Fprintf(w, "Creations: %s\n", c)
	}
	printSyncs(w, p)
	if r := p.RemovalText(); r != "" {
		fmt.Fprintf(w, "Removals: %s (listed in changes.csv)\n", r)
		for _, c := range p.RemovalSample[:min(len(p.RemovalSample), maxListed)] {
			fmt.Fprintf(w, "  %s %s: %s %s -> %s (%s)\n", c.Email, c.Step, c.Field, c.Current, c.New, c.Removal)
		}
		if n := p.RemovalCount(); n > maxListed {
			fmt.Fprintf(w, "  ... and %d more\n", n-maxListed)
		}
	}
	var calls []string
	for _, c := range zoom.Categories {
		if n := p.Calls[c]; n > 0 {
			calls = append(calls, fmt.Sprintf("%s %d", c, n))
		}
	}
	if len(calls) == 0 {
		fmt.Fprintln(w, "Calls: none: every row is already as asked or cannot be sent")
	} else {
		fmt.Fprintf(w, "Calls: %s", strings.Join(calls, ", "))
		if p.FeatureCalls > 0 {
			fmt.Fprintf(w, " (features: %d calls, one every %s)", p.FeatureCalls, p.FeaturesInterval)
		}
		fmt.Fprintf(w, "\nTime it should take: about %s\n", p.Duration.Round(time.Second))
	}
	var reads []string
	for _, c := range zoom.Categories {
		if n := p.Reads[c]; n > 0 {
			reads = append(reads, fmt.Sprintf("%s %d", c, n))
		}
	}
	if len(reads) > 0 {
		fmt.Fprintf(w, "Reads spent planning: %s, in %s\n", strings.Join(reads, ", "), p.Planning.Round(100*time.Millisecond))
	}
	for _, warn := range p.Warnings {
		fmt.Fprintln(w, "Warning:", warn)
	}
}

// printSyncs lists each sync target with members no row lists: how many
// it takes out, what the limit allows, or the rows that hold it back.
func printSyncs(w io.Writer, p *jobs.Plan) {
	if len(p.Syncs) == 0 {
		return
	}
	fmt.Fprintf(w, "Members no row lists (removal limit: %s):\n", p.Limit)
	for _, t := range p.Syncs {
		switch {
		case len(t.HeldBy) > 0:
			fmt.Fprintf(w, "  %s %s: %d of %d, none taken out: held back by %d failing %s\n", t.Step, t.What, t.Unlisted, t.Members, len(t.HeldBy), rowsWord(len(t.HeldBy)))
		case t.Allowed >= 0:
			fmt.Fprintf(w, "  %s %s: %d of %d to take out (the limit allows %d)\n", t.Step, t.What, t.Unlisted, t.Members, t.Allowed)
		default:
			fmt.Fprintf(w, "  %s %s: %d of %d to take out\n", t.Step, t.What, t.Unlisted, t.Members)
		}
	}
}
