// Package jobs is the engine: it plans a job against the account, applies
// it through a rate-limited worker pool, and keeps the journal that makes a
// run resumable. Each step kind is one file (step_*.go).
package jobs

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/results"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// Options shape a run.
type Options struct {
	Input ReadOptions
	// OutDir is the run folder. With Resume it holds the earlier run.
	OutDir string
	Resume bool
	// Force resumes even when the job or the input changed since.
	Force bool
	// Overwrite replaces a finished run in OutDir.
	Overwrite   bool
	DryRun      bool
	AllowDelete bool
	// MaxRemovals is --max-removals ("N" or "N%"): it replaces the job's
	// limits.max_removals, and the default limit on removals of members
	// no row lists ("" keeps the job's).
	MaxRemovals string
	// MaxFailures is --max-failures ("N" or "N%"): it replaces the job's
	// limits.max_failures ("" keeps the job's).
	MaxFailures string
	// Args are the arguments the run was started with (the job or sheet
	// and the flags that shape it), recorded in the journal and run.json
	// so that `zoombulk run --resume DIR` alone finishes the run.
	Args []string
	// Undo runs an undo job (undo.yaml of a run folder): fields changed
	// since that run are left as found (conflict), created users are
	// deleted only with AllowDelete (else kept).
	Undo bool
	// UndoOf is the folder of the run an undo job undoes (default: the
	// undo job's folder). Its account must be the client's.
	UndoOf string
	// UndoEdited accepts an undo.csv that is not the file its run wrote
	// (undo --edited): only rows whose user ID and email are a user the
	// run's journal names are acted on.
	UndoEdited bool
	// Strict refuses the whole file when any row has a problem.
	Strict bool
	// Concurrency bounds the calls in flight; 0 sizes it from the limits.
	Concurrency int
	// Confirm is asked after the plan, before any write; nil goes ahead.
	Confirm func(*Plan) (bool, error)
	// Tell, when set, is called just before Confirm: the story the
	// question follows (creations, removals, failing rows).
	Tell func(*Plan)
	// PlanProgressEvery is how often the plan's reads say how far they
	// got (0: every 10 s).
	PlanProgressEvery time.Duration
	// Baseline, when set, is the users export the input was edited from:
	// only the cells that differ from it are planned (baseline.go).
	Baseline *Baseline
	// Version is the tool's version, for run.json.
	// JobSource says where the job came from when it is not a job file
	// given as such (the job a workbook carries in a hidden sheet, a job
	// file found beside a workbook): the plan's and results' Summary and
	// run.json name it, so an approver sees what they approve.
	JobSource string
	Version   string
	// Rebuild writes the files of the run in OutDir again from its
	// journal and input, and sends nothing (zoombulk results). Client may
	// be nil then.
	Rebuild bool
	// Applying, when set, is called once the run is about to send its
	// first change (the journal is open): a stop before it is a stop
	// before anything was sent.
	Applying func()
	// Quit, when closed, is a second stop: the calls in flight are
	// cancelled too, and the results are written from the journal without
	// the workbook.
	Quit <-chan struct{}
	// Record, on a dry run, records the plan in run.json for zoombulk
	// apply: the command that made it and changes.csv's SHA-256.
	Record *PlanCommand
	// PlanChunkRows is how many rows a dry run plans at a time (stream.go;
	// 0: 16,384).
	PlanChunkRows int
	// Apply runs the plan a dry run recorded in OutDir (applyplan.go);
	// with DryRun it only checks that the plan still applies cleanly.
	Apply *ApplyOptions
}

// Events is how a run tells the terminal what it does. Implementations
// must be safe for concurrent use.
type Events interface {
	Planned(*Plan)
	StepStarted(step jobfile.Step, total int)
	RowDone(step jobfile.Step, status results.Status)
	StepFinished(step jobfile.Step)
	Logf(format string, args ...any)
}

// NopEvents ignores everything.
type NopEvents struct{}

func (NopEvents) Planned(*Plan)                        {}
func (NopEvents) StepStarted(jobfile.Step, int)        {}
func (NopEvents) RowDone(jobfile.Step, results.Status) {}
func (NopEvents) StepFinished(jobfile.Step)            {}
func (NopEvents) Logf(string, ...any)                  {}

// FailedRow is a row that needs a look, for the console and --json.
type FailedRow struct {
	Row    int
	Email  string
	Step   string
	Status results.Status
	Reason string
}

// Summary is what a run ends with.
type Summary struct {
	Dir      string
	Rows     int
	Counts   results.Counts
	Plan     *Plan
	Stats    zoom.Stats
	Started  time.Time
	Finished time.Time
	DryRun   bool
	Declined bool   // the confirmation was answered no
	Aborted  string // why the run stopped early ("" if it did not)
	Files    []string
	// Failed lists the rows that need a look (results.Status.NeedsLook;
	// a plan's: the rows it fails), in row order.
	Failed     []FailedRow
	DeferredTo time.Time // when deferred rows can be resumed
	// Notes are lines the console adds to the summary (what was skipped).
	Notes []string
	// NoWorkbook: results.xlsx was not written (a second stop).
	NoWorkbook bool
}

// ErrAborted marks a run stopped by a limit, a declined prompt or an
// interrupt; the files were written.
var ErrAborted = errors.New("run aborted")

// ErrStoppedBeforeSending marks a run stopped while planning or at the
// prompt: nothing was sent. It wraps ErrAborted.
var ErrStoppedBeforeSending = fmt.Errorf("%w: stopped before anything was sent; nothing was changed", ErrAborted)

// ResultsError is a run whose report files could not be written (a full
// disk): the journal holds every row, and --resume writes them again. The
// run is unfinished (exit 3), not failed.
type ResultsError struct {
	Dir string
	Err error
}

func (e *ResultsError) Error() string {
	return fmt.Sprintf("writing the results in %s failed: %v; the journal (%s) holds every row: free some space and rebuild the results with zoombulk results %s, or finish the run with --resume %s (nothing done is sent again)",
		e.Dir, e.Err, journalName, e.Dir, e.Dir)
}

func (e *ResultsError) Unwrap() error { return e.Err }

// Runner runs one job.
type Runner struct {
	Client *zoom.Client
	Job    *jobfile.Job
	Opts   Options
	Events Events
}

type engine struct {
	// dirDeleted: the groups and divisions delete_groups/delete_divisions
	// rows delete, by ID (two rows naming one delete it once).
	dirDeleted map[string]bool

	*Runner
	sheet *Sheet
	rows  []*rowRun
	steps []jobfile.Step

	dir      *zoom.Directory // groups and divisions, for the names rows give
	transfer *transferTargets
	creates  *directoryCreates // groups and divisions create_missing makes
	prior    *journalState
	journal  *journal
	lock     *runLock
	planned  *Plan
	stream   *planStream // a dry run that plans a chunk at a time (stream.go)
	// changes keeps the plan's changes for its files, in the run folder
	// (stream.go): nil keeps them in Plan.Changes (zoombulk apply compares
	// them with the approved plan's).
	changes *spool[results.Change]
	listing *userListing // the listing a streamed plan read for its first chunk
	syncs   []SyncTarget // what each sync found at its targets

	// failures counts rows that failed; past the limit the run stops.
	failures    atomic.Int64
	maxFailures int // -1: no limit
	// failuresFrom names where the failure limit came from, for the
	// reason a run stops.
	failuresFrom string
	stopOnce     sync.Once
	work         context.Context // done once the run stops taking work (Ctrl-C included)
	stopWork     context.CancelFunc
	aborted      atomic.Value // string

	// deferUntil is set by a daily-limit 429: the rest of the step waits.
	deferMu    sync.Mutex
	deferUntil time.Time
	deferWhy   string
	deferredTo time.Time // the latest reset of any deferral, for the summary

	// noSeats is the first "no licenses left" answer (2034): the rows that
	// need a license after it fail without a call.
	noSeats atomic.Pointer[results.StepResult]

	// jobSum and inputSum identify the job and input files of the run.
	jobSum, inputSum string
	// column is the index of each input header, lower-cased.
	column map[string]int

	intentMu sync.Mutex // rowStep.intended
	madeDir  bool       // openRunDir created OutDir
	// undoEdited: the undo.csv of the undone run is not the file it wrote
	// (--edited); runPeople are the run's users then, ID -> email.
	undoEdited bool
	runPeople  map[string]string
	undone     *journalState // the undone run's journal (undoneJournal)

	// apply (applyplan.go): the plan folder's run.json, the approved
	// changes.csv records by row, and the rows left as conflicts.
	planInfo *RunInfo
	approved map[string]rowDigest
	leftRows []PlanConflict

	// statsBase are the client's counters when the run started: a client
	// shared by several runs counts each run's own calls.
	statsBase zoom.Stats
}

// cell is a row's cell in a column the mapping does not read (the zb_
// columns of an undo file); ok is false when the column or the cell is
// missing.
func (e *engine) cell(r *rowRun, header string) (string, bool) {
	if e.column == nil {
		e.column = map[string]int{}
		for i, h := range e.sheet.Header {
			e.column[strings.ToLower(strings.TrimSpace(h))] = i
		}
	}
	i, ok := e.column[header]
	if !ok || i >= len(r.row.Cells) {
		return "", false
	}
	v := strings.TrimSpace(r.row.Cells[i])
	return v, v != ""
}

// Run plans and applies the job. Cancelling ctx stops taking new work:
// calls in flight finish, every file is written, rows are reported as far
// as they got, and the error wraps ErrAborted.
func (r *Runner) Run(ctx context.Context) (*Summary, error) {
	if r.Events == nil {
		r.Events = NopEvents{}
	}
	e := &engine{Runner: r, steps: r.Job.Steps}
	if r.Client != nil {
		e.statsBase = r.Client.Stats()
	}
	sum := &Summary{Dir: r.Opts.OutDir, Started: time.Now(), DryRun: r.Opts.DryRun, Counts: results.Counts{}}
	if err := e.checkOptions(); err != nil {
		return nil, err
	}
	err := e.readAndCheckInput()
	defer e.closeSpools()
	if err != nil {
		return nil, err
	}
	if err := e.openRunDir(); err != nil {
		return nil, err
	}
	defer e.lock.release()
	if r.Opts.Rebuild {
		return e.rebuildRun(sum)
	}
	// A stop before anything is sent leaves no empty folder behind.
	defer func() {
		if e.madeDir && e.journal == nil {
			e.closeSpools()
			e.lock.release()
			os.Remove(e.Opts.OutDir) // only when empty
		}
	}()
	e.setFailureLimit()

	work, stop := context.WithCancel(ctx)
	defer stop()
	e.work, e.stopWork = work, stop

	if err := e.planInput(work); err != nil {
		if ctx.Err() == nil {
			return nil, err
		}
		// Interrupted while reading: nothing was changed, and no plan
		// is whole enough to write.
		return nil, ErrStoppedBeforeSending
	}
	sum.Plan = e.planned
	r.Events.Planned(e.planned)
	if r.Opts.Apply == nil { // apply keeps the approved plan's files as signed
		planFiles, err := e.writePlan()
		if err != nil {
			return nil, err
		}
		sum.Files = planFiles
	}
	e.closeSpools() // the plan's files hold it now
	if r.Opts.DryRun {
		return e.endDryRun(sum)
	}
	if err := e.approve(ctx, sum); err != nil {
		if sum.Aborted == "" { // the prompt's own error
			return nil, err
		}
		return sum, err
	}
	if err := e.startJournal(); err != nil {
		return nil, err
	}
	if r.Opts.Applying != nil {
		r.Opts.Applying()
	}
	if ctx.Err() == nil {
		e.apply(work)
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

// rebuildRun writes the run's files again from its journal (zoombulk
// results).
func (e *engine) rebuildRun(sum *Summary) (*Summary, error) {
	if err := e.rebuildSteps(); err != nil {
		return nil, err
	}
	if err := e.rebuild(sum); err != nil {
		return sum, err
	}
	return sum, nil
}

// endDryRun ends a run at its plan, which it records for zoombulk apply
// when asked.
func (e *engine) endDryRun(sum *Summary) (*Summary, error) {
	e.summarizePlan(sum)
	if e.Opts.Record != nil && e.Opts.Apply == nil && !e.Opts.Resume {
		if err := e.recordPlan(sum); err != nil {
			return nil, err
		}
	}
	return sum, nil
}

// checkOptions refuses what the run's options cannot mean: a deleting step
// without --allow-delete, limits that are no number or percentage.
func (e *engine) checkOptions() error {
	o := e.Opts
	for _, s := range e.steps {
		if k, ok := kindOf(s).(allowDeleter); ok && !o.AllowDelete && !o.Undo {
			return &jobfile.JobError{File: e.Job.Path, Line: s.Line, Key: "steps", Msg: string(s.Kind) + " " + k.deletes() + " from the account", Hint: "run with --allow-delete to confirm"}
		}
	}
	if o.MaxRemovals != "" {
		if _, _, err := jobfile.ParseLimit(o.MaxRemovals); err != nil {
			return &jobfile.JobError{Key: "--max-removals", Msg: err.Error(), Hint: "write a number of removals (15) or a percentage (10%)"}
		}
	}
	if o.MaxFailures != "" {
		if _, _, err := jobfile.ParseLimit(o.MaxFailures); err != nil {
			return &jobfile.JobError{Key: "--max-failures", Msg: err.Error(), Hint: "write a number of rows (5) or a percentage (10%)"}
		}
	}
	return nil
}

// readAndCheckInput reads the input (readInput), logs its notes, and
// refuses it when --strict finds problems, or when an undo's run is not
// the account's or its undo.csv is not the one it wrote.
func (e *engine) readAndCheckInput() error {
	sheet, err := e.readInput()
	if err != nil {
		return err
	}
	e.sheet = sheet
	for _, note := range sheet.Notes() {
		e.Events.Logf("Input: %s", note)
	}
	if e.Opts.Strict {
		if n := e.inputProblems(); n > 0 {
			return &jobfile.JobError{File: sheet.File, Msg: fmt.Sprintf("%d problems in the input and --strict refuses the whole file", n), Hint: "run zoombulk validate to list them"}
		}
	}
	if e.Opts.Undo && !e.Opts.Rebuild {
		// The run undone: its account, and its undo.csv as it wrote it.
		return e.checkUndoSource()
	}
	return nil
}

// setFailureLimit sets how many rows may fail before the run stops:
// --max-failures, else the job's limits.max_failures.
func (e *engine) setFailureLimit() {
	e.maxFailures, e.failuresFrom = e.Job.Limits.FailuresAllowed(e.inputRows()), "limits.max_failures"
	if s := e.Opts.MaxFailures; s != "" {
		n, pct, _ := jobfile.ParseLimit(s) // checked by checkOptions
		l := jobfile.Limits{SetFailures: true, MaxFailures: n, MaxFailuresPct: pct}
		e.maxFailures, e.failuresFrom = l.FailuresAllowed(e.inputRows()), "--max-failures"
	}
}

// approve stops a run that sends before its first write when the plan is
// over a removal limit, the prompt is declined or a stop came: sum says
// why (Aborted) and the error wraps ErrAborted. An error without Aborted is
// the prompt's own.
func (e *engine) approve(ctx context.Context, sum *Summary) error {
	stop := func(why string, err error) error {
		sum.Aborted = why
		e.summarizePlan(sum)
		return err
	}
	if e.planned.Stop != "" { // a removal limit: the plan says why and how to allow it
		why := e.planned.Stop + "; nothing was changed"
		return stop(why, fmt.Errorf("%w: %s", ErrAborted, why))
	}
	if e.Opts.Confirm != nil && e.planned.Writes() > 0 {
		if e.Opts.Tell != nil {
			e.Opts.Tell(e.planned)
		}
		ok, err := e.Opts.Confirm(e.planned)
		if err != nil {
			return err
		}
		if !ok {
			sum.Declined = true
			why := "declined at the confirmation; nothing was changed"
			return stop(why, fmt.Errorf("%w: %s", ErrAborted, why))
		}
	}
	if ctx.Err() != nil {
		// Stopped at the prompt or while the plan was written: the plan
		// files say what would have been done.
		return stop("stopped before anything was sent; nothing was changed", ErrStoppedBeforeSending)
	}
	return nil
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

// concurrency is the worker count for a category: by Little's law, enough
// calls in flight to keep its limit busy at the latency seen so far, within
// [4, 200]; --concurrency overrides. The pool re-reads it as answers come
// (forEachSized).
func (e *engine) concurrency(cat zoom.Category) int {
	if e.Opts.Concurrency > 0 {
		return e.Opts.Concurrency
	}
	n := e.Client.Rate(cat) * e.latencyOf(cat).Seconds() * 1.25
	return min(max(int(math.Ceil(n)), 4), 200)
}

// latencyOf is the answer time to expect of a category: its own answers'
// (the client measures every call), else the slowest seen in any category
// (the plan's reads), else half a second.
func (e *engine) latencyOf(cat zoom.Category) time.Duration {
	if l := e.Client.Latency(cat); l > 0 {
		return l
	}
	var l time.Duration
	for _, c := range zoom.Categories {
		l = max(l, e.Client.Latency(c))
	}
	if l <= 0 {
		l = 500 * time.Millisecond
	}
	return l
}
