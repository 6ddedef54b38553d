package jobs

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zoombulk/zoombulk/internal/report"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// Options shape a run.
type Options struct {
	Input ReadOptions
	// OutDir is the run folder. With Resume it holds the earlier run.
	OutDir string
	Resume bool
	// Force resumes even when the job or the input changed since.
	Force       bool
	DryRun      bool
	AllowDelete bool
	// Strict refuses the whole file when any row has a problem.
	Strict bool
	// Concurrency bounds the calls in flight; 0 sizes it from the limits.
	Concurrency int
	// Confirm is asked after the plan, before any write; nil goes ahead.
	Confirm func(*Plan) (bool, error)
	// Version is the tool's version, for run.json.
	Version string
	// Tier and Share are recorded in run.json.
	Tier  string
	Share float64
}

// Events is how a run tells the terminal what it does. Implementations
// must be safe for concurrent use.
type Events interface {
	Planned(*Plan)
	StepStarted(step Step, total int)
	RowDone(step Step, outcome Outcome)
	StepFinished(step Step)
	Logf(format string, args ...any)
}

// NopEvents ignores everything.
type NopEvents struct{}

func (NopEvents) Planned(*Plan)         {}
func (NopEvents) StepStarted(Step, int) {}
func (NopEvents) RowDone(Step, Outcome) {}
func (NopEvents) StepFinished(Step)     {}
func (NopEvents) Logf(string, ...any)   {}

// Summary is what a run ends with.
type Summary struct {
	Dir      string
	Rows     int
	Counts   map[Outcome]int
	Plan     *Plan
	Stats    zoom.Stats
	Started  time.Time
	Finished time.Time
	DryRun   bool
	// WouldFail counts the rows a dry run's plan fails (validation included).
	WouldFail  int
	Declined   bool   // the confirmation was answered no
	Aborted    string // why the run stopped early ("" if it did not)
	Files      []string
	DeferredTo time.Time // when deferred rows can be resumed
}

// ErrAborted marks a run stopped by max_failures or an interrupt; the
// results were written.
var ErrAborted = errors.New("run aborted")

// Runner runs one job.
type Runner struct {
	Client *zoom.Client
	Job    *Job
	Opts   Options
	Events Events
}

type engine struct {
	*Runner
	sheet *Sheet
	rows  []*rowRun
	steps []Step

	dir     *report.Directory // groups and divisions, for the names rows give
	prior   *journalState
	journal *journal
	planned *Plan

	// failures counts rows that failed; past the limit the run stops.
	failures    atomic.Int64
	maxFailures int
	stopOnce    sync.Once
	stopWork    context.CancelFunc
	aborted     atomic.Value // string

	// deferUntil is set by a daily-limit 429: the rest of the step waits.
	deferMu    sync.Mutex
	deferUntil time.Time
	deferWhy   string
	deferredTo time.Time // the latest reset of any deferral, for the summary

	// jobSum and inputSum identify the job and input files of the run.
	jobSum, inputSum string
}

// Run plans and applies the job. Cancelling ctx stops taking new work:
// calls in flight finish, every file is written, untouched rows are
// not_run, and the error wraps ErrAborted.
func (r *Runner) Run(ctx context.Context) (*Summary, error) {
	if r.Events == nil {
		r.Events = NopEvents{}
	}
	e := &engine{Runner: r, steps: r.Job.Steps}
	sum := &Summary{Dir: r.Opts.OutDir, Started: time.Now(), DryRun: r.Opts.DryRun, Counts: map[Outcome]int{}}

	for _, s := range e.steps {
		if s.Kind == DeleteUsers && !r.Opts.AllowDelete {
			return nil, &JobError{File: r.Job.Path, Line: s.Line, Key: "steps", Msg: "delete_users removes users from the account", Hint: "run with --allow-delete to confirm"}
		}
	}
	sheet, err := ReadSheet(r.Job, r.Opts.Input)
	if err != nil {
		return nil, err
	}
	e.sheet = sheet
	if r.Opts.Strict {
		if probs := sheet.Problems(); len(probs) > 0 {
			return nil, &JobError{File: sheet.File, Msg: fmt.Sprintf("%d problems in the input and --strict refuses the whole file", len(probs)), Hint: "run zoombulk validate to list them"}
		}
	}
	if err := e.openRunDir(); err != nil {
		return nil, err
	}
	e.maxFailures = r.Job.Limits.MaxFailures
	if p := r.Job.Limits.MaxFailuresPct; p > 0 {
		e.maxFailures = int(math.Ceil(p / 100 * float64(len(sheet.Rows))))
	}

	work, stop := context.WithCancel(ctx)
	defer stop()
	e.stopWork = stop

	planErr := e.plan(work)
	sum.Plan = e.planned
	if planErr == nil {
		r.Events.Planned(e.planned)
	}
	switch {
	case planErr != nil && ctx.Err() == nil:
		if e.journal != nil {
			e.journal.Close()
		}
		return nil, planErr
	case planErr != nil:
		e.abort("interrupted while planning")
	case r.Opts.DryRun:
	default:
		if r.Opts.Confirm != nil && e.planned.Writes() > 0 {
			ok, err := r.Opts.Confirm(e.planned)
			if err != nil {
				return nil, err
			}
			if !ok {
				sum.Declined = true
				e.abort("declined at the confirmation")
			}
		}
		if e.reason() == "" {
			e.apply(work)
		}
	}
	if ctx.Err() != nil && e.reason() == "" {
		e.abort("interrupted")
	}
	if err := e.finish(sum); err != nil {
		return sum, err
	}
	if sum.Aborted != "" {
		return sum, fmt.Errorf("%w: %s", ErrAborted, sum.Aborted)
	}
	return sum, nil
}

// abort stops taking new work, once, remembering why.
func (e *engine) abort(why string) {
	e.stopOnce.Do(func() {
		e.aborted.Store(why)
		if e.stopWork != nil {
			e.stopWork()
		}
	})
}

func (e *engine) reason() string {
	s, _ := e.aborted.Load().(string)
	return s
}

// openRunDir creates the run folder, or checks the earlier run in it.
func (e *engine) openRunDir() error {
	dir := e.Opts.OutDir
	jobSum, err := fileSHA256(e.Job.Path)
	if err != nil {
		return err
	}
	inSum, err := fileSHA256(e.sheet.File)
	if err != nil {
		return err
	}
	e.jobSum, e.inputSum = jobSum, inSum
	if e.Opts.Resume {
		st, err := readJournal(dir)
		if err != nil {
			return fmt.Errorf("resuming %s: %w", dir, err)
		}
		if !e.Opts.Force {
			if st.header.JobSHA256 != jobSum {
				return &JobError{File: e.Job.Path, Msg: "the job file " + ErrChangedSinceRun.Error(), Hint: "resume with the job as it was, or add --force to go on with the changed one"}
			}
			if st.header.InputSHA256 != inSum {
				return &JobError{File: e.sheet.File, Msg: "the input " + ErrChangedSinceRun.Error(), Hint: "resume with the input as it was, or add --force (rows are matched by position)"}
			}
		}
		e.prior = st
		if e.Opts.DryRun {
			return nil
		}
		e.journal, err = appendJournal(dir)
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if e.Opts.DryRun {
		return nil
	}
	if _, err := os.Stat(filepath.Join(dir, journalName)); err == nil {
		return fmt.Errorf("%s already holds a run; use --resume %s to finish it, or another --out", dir, dir)
	}
	steps := make([]string, len(e.steps))
	for i, s := range e.steps {
		steps[i] = string(s.Kind)
	}
	abs, _ := filepath.Abs(e.sheet.File)
	e.journal, err = createJournal(dir, journalHeader{
		Job: e.Job.Path, JobSHA256: jobSum, Input: abs, InputSHA256: inSum, Steps: steps,
		Rows: len(e.sheet.Rows), Started: time.Now().UTC().Format(time.RFC3339), Version: e.Opts.Version,
	})
	return err
}

// concurrency is the worker count for a category: enough calls in flight to
// keep its limit busy at Zoom's typical latency (about half a second),
// unless --concurrency says otherwise.
func (e *engine) concurrency(cat zoom.Category) int {
	if e.Opts.Concurrency > 0 {
		return e.Opts.Concurrency
	}
	return min(max(int(math.Ceil(e.Client.Rate(cat)*0.6)), 4), 100)
}
