package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/jobs"
	"github.com/zoombulk/zoombulk/internal/mapping"
	"github.com/zoombulk/zoombulk/internal/results"
	"github.com/zoombulk/zoombulk/internal/sheet"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// Version is the tool's version, set at build time with -ldflags.
var Version = "dev"

func init() { register(newRunCmd) }

type runOptions struct {
	zoomFlags
	input, sheetName string
	out, resume      string
	force, dryRun    bool
	overwrite, check bool
	yes, allowDelete bool
	strict           bool
	concurrency      int
	maxRemovals      string
	maxFailures      string
	// args are what the run records for a resume.
	args []string
	auto autoOptions
	json bool
	// src and sum are what the run read and ended with, for --json.
	src *jobSource
	sum *jobs.Summary
	// many is what a run over several jobs came to, for --json.
	many manyOutcome
}

// manyOutcome is a run over several jobs as --json reports it.
type manyOutcome struct {
	dir, account string
	set          []*manyJob
}

func newRunCmd(stdio *IO, sigs <-chan os.Signal) *cobra.Command {
	var o runOptions
	cmd := &cobra.Command{
		Use:   "run JOB.yaml... | WORKBOOK.xlsx | SHEET.csv --steps STEP,...",
		Short: "Plan a job against the account and apply it",
		Long: `Reads the job's spreadsheet, checks every row, reads the account to plan each row
(create, update, unchanged, fail), shows the plan, asks to confirm (on a terminal;
--yes otherwise), and applies it within the account's rate limits. Every run writes
a folder with results.csv, results.xlsx, failed.csv, journal.jsonl and run.json,
one result line per input row.

Ctrl-C stops taking new work, lets calls in flight finish, writes every file and
exits 3 (signals less than a second apart are one stop); a second stop cancels
the calls in flight and writes results.csv without the workbook; a third quits
at once (the journal keeps every finished row). --resume DIR finishes an
interrupted or deferred run without redoing work, with the same account's
credentials only; the run recorded its arguments, so nothing else is needed.

Before any write the plan is written (changes.csv: every field that will change,
from what to what; plan.xlsx) and the prompt names the account, the counts, the
removals and the time. A dry run or a declined prompt writes the plan files only
(a dry run adds run.json: what zoombulk apply needs to apply that very plan).

The job is a job file; or a workbook written by zoombulk template, which carries
its job (a job file beside it with the same name wins); or a spreadsheet whose
headers are the tool's own labels (those of its exports and templates, any case
or spacing) with --steps naming the steps: the plan prints the mapping it used
and the columns it ignored.

Several jobs run as one: zoombulk run a.yaml b.yaml c.yaml, or a workbook whose
sheets are read by job files beside it (and that carries no job of its own). They
run in dependency order (groups and divisions, users, memberships, admins,
assistants and contact groups, deletions) after one plan and one prompt, into
one folder with a sub-folder per job, jobs.json and summary.csv; a job that does
not finish stops the jobs that depend on it; --resume DIR finishes the whole and
zoombulk undo DIR undoes it, the last job first.

Exit codes: 0 all rows succeeded or were already as asked; 1 some rows failed or
were deferred (with --dry-run: some rows would fail); 2 usage, job or input error
(nothing sent); 3 interrupted, stopped by a limit (--max-failures,
--max-removals), or declined; 4 cannot authenticate or cannot reach Zoom;
5 with --check: the account differs from the job (or rows would fail).`,
		Example: `  zoombulk run hires.yaml --dry-run
  zoombulk run hires.xlsx
  zoombulk run users.csv --steps update_users,move_group
  zoombulk run hires.yaml
  zoombulk run --resume runs/hires-20261127T101500Z
  zoombulk run hires.yaml --check
  zoombulk run hires.yaml --input runs/hires-20261127T101500Z/failed.csv
  zoombulk run samples/migration/job.yaml --sandbox --yes
  zoombulk run samples/new-account/new-account.xlsx --yes
  zoombulk run groups.yaml users.yaml contacts.yaml --dry-run`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if set, many, _ := readJobSet(o.resume); o.resume != "" && !many {
				// The run recorded its arguments: --resume DIR alone is enough.
				var err error
				if args, err = resumeArgs(cmd, o.resume, args); err != nil {
					return err
				}
			} else if many && set != nil && len(args) == 0 {
				// jobs.json names the jobs (in the order they run): --resume
				// DIR alone finishes a run, or an apply, of several jobs.
				for _, e := range set.Jobs {
					args = append(args, e.Job)
				}
			}
			if len(args) == 0 {
				return exitf(ExitUsage, "run takes a job file, a workbook or a sheet with --steps (or --resume DIR to finish a run): zoombulk run --help")
			}
			// Several jobs, or a workbook whose sheets job files beside
			// it read: one run over them all (runmany.go).
			o.auto.sheet = o.sheetName
			if set, many, err := manyJobArgs(args, o.auto, o.resume); many || err != nil {
				if err == nil {
					label := strings.TrimSuffix(filepath.Base(args[0]), filepath.Ext(args[0]))
					if len(args) > 1 {
						label = "jobs"
					}
					o.many.set = set
					err = runMany(cmd.Context(), stdio, sigs, label, set, &o)
				}
				if o.json {
					if jerr := jsonOut(stdio.Out, newManyReport(&o, err)); jerr != nil && err == nil {
						return jerr
					}
				}
				return err
			}
			o.args = recordArgs(cmd, args[0])
			err := runJob(cmd.Context(), stdio, sigs, args[0], &o)
			if o.json {
				if jerr := jsonOut(stdio.Out, newRunReport(args[0], o.src, o.sum, err)); jerr != nil && err == nil {
					return jerr
				}
			}
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.input, "input", "", "read this spreadsheet instead of the job's input.path (e.g. a fixed failed.csv)")
	f.StringVar(&o.sheetName, "sheet", "", "the sheet to read in an .xlsx input (default the job's, else the first)")
	f.StringVar(&o.out, "out", "", "the run folder (default runs/<job name>-<UTC time>)")
	f.StringVar(&o.resume, "resume", "", "finish the interrupted or deferred run in this folder")
	f.BoolVar(&o.force, "force", false, "with --resume: go on even if the job or input changed since")
	f.BoolVar(&o.overwrite, "overwrite", false, "replace the finished run in the --out folder")
	f.BoolVar(&o.dryRun, "dry-run", false, "plan only: read the account, write changes.csv and plan.xlsx, change nothing")
	f.BoolVar(&o.check, "check", false, "plan only, for a scheduled check: print one line, keep no folder (unless --out), exit 0 when the account already matches the job, 5 when it does not")
	f.BoolVarP(&o.yes, "yes", "y", false, "do not ask for confirmation (required when stdin is not a terminal)")
	f.BoolVar(&o.allowDelete, "allow-delete", false, "allow the delete_users step")
	f.BoolVar(&o.strict, "strict", false, "refuse the whole file when any row has a problem")
	f.IntVar(&o.concurrency, "concurrency", 0, "calls in flight (default: sized from the rate limits)")
	f.StringVar(&o.maxRemovals, "max-removals", "", "N or N%: the removals the plan may hold; replaces the job's limits.max_removals and the default limit on members a sync takes out")
	f.StringVar(&o.maxFailures, "max-failures", "", "N or N%: the rows that may fail before the run stops; replaces the job's limits.max_failures")
	registerAutoFlags(f, &o.auto)
	f.BoolVar(&o.json, "json", false, "also write the final summary to stdout as one JSON object, for scripts")
	o.zoomFlags.register(f)
	return cmd
}

func runJob(ctx context.Context, stdio *IO, sigs <-chan os.Signal, jobPath string, o *runOptions) error {
	o.auto.sheet = o.sheetName
	src, err := loadJobArg("run", jobPath, o.auto)
	if err != nil {
		return usageErr(err)
	}
	o.src = src
	job := src.job
	if err := checkLimitFlags(o.maxRemovals, o.maxFailures); err != nil {
		return err
	}
	// --check prints one line: the plan's story goes nowhere, and the
	// line goes where the story would have (nowhere under --quiet).
	checkOut := stdio.ErrOut
	if o.check {
		o.dryRun = true
		stdio.ErrOut, stdio.ErrTTY = io.Discard, false
		defer func() { stdio.ErrOut = checkOut }()
	}
	printMapping(stdio.ErrOut, src)
	if err := nobodyToConfirm(stdio, o.dryRun, o.yes, planOnly); err != nil {
		return err
	}
	dir := o.out
	if o.resume != "" {
		if o.out != "" && filepath.Clean(o.out) != filepath.Clean(o.resume) {
			return exitf(ExitUsage, "--resume and --out name different folders; a resumed run writes into its own folder")
		}
		dir = o.resume
	}
	if dir == "" && o.check {
		// A scheduled check keeps no folder: its plan goes to a
		// temporary one (--out keeps it).
		tmp, err := os.MkdirTemp("", "zoombulk-check-")
		if err != nil {
			return &ExitError{Code: ExitUsage, Err: err}
		}
		defer os.RemoveAll(tmp)
		dir = filepath.Join(tmp, "plan")
	}
	if dir == "" {
		dir = filepath.Join("runs", job.Name+"-"+time.Now().UTC().Format("20060102T150405Z"))
	}
	client, closeSandbox, err := o.connect(ctx, stdio)
	if err != nil {
		return err
	}
	defer closeSandbox()

	work, stops, stop := watchRun(ctx, sigs, stdio, resumeCommand(dir))
	defer stop()

	ev := newRunEvents(stdio.ErrOut, stdio.ErrTTY)
	runner := &jobs.Runner{
		Client: client,
		Job:    job,
		Events: ev,
		Opts: jobs.Options{
			Input:       jobs.ReadOptions{Path: o.input, Sheet: o.sheetName},
			OutDir:      dir,
			Resume:      o.resume != "",
			Force:       o.force,
			Overwrite:   o.overwrite,
			DryRun:      o.dryRun,
			AllowDelete: o.allowDelete,
			Strict:      o.strict,
			Concurrency: o.concurrency,
			MaxRemovals: o.maxRemovals,
			MaxFailures: o.maxFailures,
			Args:        o.args,
			Baseline:    src.baseline,
			JobSource:   src.note,
			Tell:        storyTeller(stdio, o.yes),
			Version:     Version,
		},
	}
	if !o.dryRun {
		runner.Opts.Confirm = src.announce(stdio.promptOut(), confirmer(stdio, o.yes))
	} else {
		runner.Opts.Record = planCommand(jobPath, o) // for zoombulk apply
	}
	runner.Opts.Applying, runner.Opts.Quit = stops.applied, stops.quit
	sum, err := runner.Run(work)
	err = headerRowHint(job, o.input, o.sheetName, err)
	o.sum = sum
	if o.check && err == nil {
		cerr := checkExit(checkOut, job, sum, o.out != "")
		if o.out == "" {
			// The temporary folder is gone: --json names no file in it.
			sum.Dir, sum.Files = "", nil
		}
		return cerr
	}
	if sum != nil {
		printSummary(stdio, sum)
	}
	return runExit(sum, err)
}

// watchInterrupts turns the first Ctrl-C into a clean stop, saying
// stopping, and the second into an immediate exit, saying quitting. It
// returns when ctx ends (the command is over), whether or not a Ctrl-C
// came: no goroutine is left waiting for a second one.
func watchInterrupts(ctx context.Context, sigs <-chan os.Signal, stop func(), stdio *IO, stopping, quitting string) {
	if sigs == nil {
		return
	}
	select {
	case <-ctx.Done():
		return
	case <-sigs:
	}
	fmt.Fprintln(stdio.ErrOut, "\n"+stopping)
	stop()
	select {
	case <-ctx.Done():
		return
	case <-sigs:
	}
	if quitting != "" {
		fmt.Fprintln(stdio.ErrOut, quitting)
	}
	stdio.exit(ExitAborted)
}

// promptLine names what a run touches: "Apply to account abc123
// (api.zoom.us): create 59, update 1 (1 license downgrade), 129 calls,
// about 16s?".
func promptLine(p *jobs.Plan) string {
	what := p.ActionText()
	if r := p.RemovalText(); r != "" {
		what += " (" + r + ")"
	}
	took := ""
	if p.Planning >= time.Second { // on a large account planning is part of the wait
		took = fmt.Sprintf(" (planning took %s: %s in all)", p.Planning.Round(time.Second), (p.Planning + p.Duration).Round(time.Second))
	}
	return fmt.Sprintf("Apply to account %s (%s): %s, %d calls, about %s%s?", p.AccountID, p.APIHost, what, p.Writes(), p.Duration.Round(time.Second), took)
}

// promptStory is what the prompt says before the question, so that an
// approver sees the whole run in one place: what it creates, what it takes
// away by kind (and the limit that allowed it), and the rows that will
// fail.
func promptStory(p *jobs.Plan) []string {
	var lines []string
	if c := p.CreationText(); c != "" {
		lines = append(lines, "Creates: "+c)
	}
	if r := p.RemovalText(); r != "" {
		lines = append(lines, "Removes: "+r)
		for _, t := range p.Syncs {
			if n := t.Removes(); n > 0 {
				lines = append(lines, fmt.Sprintf("  %s: %d of the %d members of %s no row lists", t.Step, n, t.Members, t.What))
			}
		}
		lines = append(lines, "  Removal limit: "+p.Limit)
	}
	if p.Failing > 0 {
		lines = append(lines, fmt.Sprintf("Rows that will fail: %d", p.Failing))
		for i, c := range p.FailSample {
			if i == 3 {
				lines = append(lines, fmt.Sprintf("  ... and %d more: see plan.xlsx", p.Failing-3))
				break
			}
			lines = append(lines, fmt.Sprintf("  row %d %s at %s: %s", c.Row, c.Email, c.Step, c.Reason))
		}
	}
	return lines
}

// storyTeller prints the prompt's story where the question goes (with
// --yes, where its answered line goes); the engine calls it just before
// the question.
func storyTeller(stdio *IO, yes bool) func(*jobs.Plan) {
	return func(p *jobs.Plan) {
		w := stdio.promptOut()
		if yes {
			w = stdio.ErrOut
		}
		for _, l := range promptStory(p) {
			fmt.Fprintln(w, l)
		}
	}
}

// confirmer asks before any write, or with --yes prints the question
// answered.
func confirmer(stdio *IO, yes bool) func(*jobs.Plan) (bool, error) {
	return func(p *jobs.Plan) (bool, error) {
		return approve(stdio, yes, promptLine(p))
	}
}

// What a command that would ask offers instead, when stdin is no terminal.
const (
	planOnly  = "--dry-run to plan only"
	checkOnly = "--check to check only"
)

// nobodyToConfirm refuses a command that would ask for confirmation when
// stdin is not a terminal and --yes is not given; dryRun (a plan or a
// check only) asks nothing, and alt names that flag.
func nobodyToConfirm(stdio *IO, dryRun, yes bool, alt string) error {
	if dryRun || yes || stdio.InTTY {
		return nil
	}
	return exitf(ExitUsage, "stdin is not a terminal, so there is no one to confirm the changes: add --yes (or %s)", alt)
}

// approve asks question on the terminal, or with --yes says it was
// answered yes, so that the log shows what was approved either way.
func approve(stdio *IO, yes bool, question string) (bool, error) {
	if yes {
		fmt.Fprintln(stdio.ErrOut, question+" yes (--yes)")
		return true, nil
	}
	return ask(stdio, question)
}

// maxListed bounds the failed rows the console lists.
const maxListed = 10

func printSummary(stdio *IO, sum *jobs.Summary) {
	printSummaryFor(stdio, sum, resumeCommand(sum.Dir))
}

// printSummaryFor is printSummary with the command that finishes the run
// (an undo's differs from a run's).
func printSummaryFor(stdio *IO, sum *jobs.Summary, resume string) {
	w := stdio.ErrOut
	switch {
	case sum.DryRun:
		fmt.Fprintln(w, "Dry run: nothing was changed.")
		if sum.Plan != nil && sum.Plan.Stop != "" {
			fmt.Fprintf(w, "The real run would stop before any write: %s.\n", sum.Plan.Stop)
		}
		if n := len(sum.Failed); n > 0 {
			fmt.Fprintf(w, "%d of %d rows would fail:\n", n, sum.Rows)
		}
	case sum.Plan != nil && sum.Counts.Total() == 0:
		// Stopped at the plan: declined, or over a limit.
	default:
		rows := fmt.Sprintf("%d rows", sum.Rows)
		if sum.Plan != nil && sum.Rows > sum.Plan.Rows {
			// The rows a sync adds are members no input row lists.
			rows = fmt.Sprintf("%d rows and %d members no row lists", sum.Plan.Rows, sum.Rows-sum.Plan.Rows)
		}
		fmt.Fprintf(w, "Done in %s: %s: %s\n", sum.Finished.Sub(sum.Started).Round(time.Millisecond), rows, sum.Counts)
		var parts []string
		for _, c := range zoom.Categories {
			if n := sum.Stats.Calls[c]; n > 0 {
				part := fmt.Sprintf("%s %d", c, n)
				if q := sum.Stats.QPS429[c] + sum.Stats.Daily429[c]; q > 0 {
					part += fmt.Sprintf(" (%d answered 429)", q)
				}
				parts = append(parts, part)
			}
		}
		if len(parts) > 0 {
			fmt.Fprintf(w, "Calls: %s; retries %d\n", strings.Join(parts, ", "), zoom.Total(sum.Stats.Retries))
		}
		if t := sum.Stats.SensedTier; t != "" {
			// The client slowed to the account's limits; say so, so that
			// the next run starts at the right pace.
			fmt.Fprintf(w, "The account answers like tier %s: use `--tier %s` (or set it in the profile).\n", t, t)
		}
		if len(sum.Failed) > 0 {
			fmt.Fprintln(w, "Rows that need a look:")
		}
	}
	for i, f := range sum.Failed {
		if i == maxListed {
			fmt.Fprintf(w, "  ... and %d more: see %s\n", len(sum.Failed)-maxListed, reportName(sum))
			break
		}
		fmt.Fprintf(w, "  row %d %s: %s at %s: %s\n", f.Row, f.Email, f.Status, f.Step, f.Reason)
	}
	for _, n := range sum.Notes {
		fmt.Fprintf(w, "Note: %s.\n", n)
	}
	if sum.Aborted != "" {
		fmt.Fprintf(w, "Stopped: %s.\n", sum.Aborted)
		if sum.Counts.Total() > 0 {
			fmt.Fprintf(w, "Finish with: %s\n", resume)
		}
	}
	if !sum.DeferredTo.IsZero() {
		fmt.Fprintf(w, "Deferred rows can be finished after %s with: %s\n", sum.DeferredTo.UTC().Format(time.RFC3339), resume)
	}
	if len(sum.Files) > 0 {
		fmt.Fprintf(w, "Report: %s\n", sum.Files[0])
		for _, f := range sum.Files[1:] {
			fmt.Fprintf(w, "        %s\n", f)
		}
	}
}

func reportName(sum *jobs.Summary) string {
	switch {
	case sum.Counts.Total() == 0:
		return "plan.xlsx"
	case sum.NoWorkbook:
		return "results.csv"
	}
	return "results.xlsx"
}

// checkExit ends --check with one line a cron mail can carry, and exit 0
// when the account matches the job ("in sync"), 5 when a run would change
// something or rows would fail ("N changes: ..."), naming the limit a real
// run would stop at. kept says the plan's folder is kept (--out).
func checkExit(w io.Writer, job *jobfile.Job, sum *jobs.Summary, kept bool) error {
	p := sum.Plan
	if p.Writes() == 0 && p.Failing == 0 {
		fmt.Fprintf(w, "check %s: in sync: account %s matches (%d rows)\n", job.Name, p.AccountID, p.Rows)
		return nil
	}
	line := fmt.Sprintf("check %s: %d changes: account %s differs: %s", job.Name, p.ChangedRows, p.AccountID, p.ActionText())
	if r := p.RemovalText(); r != "" {
		line += " (" + r + ")"
	}
	if p.Failing > 0 {
		line += fmt.Sprintf("; %d rows would fail", p.Failing)
	}
	if p.Stop != "" {
		line += "; a real run would stop before any write: " + p.Stop
	}
	if kept {
		line += "; see " + filepath.Join(sum.Dir, results.ChangesCSV)
	}
	fmt.Fprintln(w, line)
	return &ExitError{Code: ExitDrift}
}

// checkLimitFlags refuses a --max-removals or --max-failures that is not
// N or N%, before anything is read.
func checkLimitFlags(maxRemovals, maxFailures string) error {
	if maxRemovals != "" {
		if _, _, err := jobfile.ParseLimit(maxRemovals); err != nil {
			return exitf(ExitUsage, "--max-removals: %v: write a number of removals (15) or a percentage (10%%)", err)
		}
	}
	if maxFailures != "" {
		if _, _, err := jobfile.ParseLimit(maxFailures); err != nil {
			return exitf(ExitUsage, "--max-failures: %v: write a number of rows (5) or a percentage (10%%)", err)
		}
	}
	return nil
}

// runExit maps a run's outcome to the exit codes of docs/results.md's table.
func runExit(sum *jobs.Summary, err error) error {
	var jobErr *jobfile.JobError
	var colErr *mapping.ColumnError
	var inErr *sheet.InputError
	var dirErr *jobs.RunDirError
	var hdrErr *HeaderRowError
	var accErr *jobs.AccountMismatchError
	var resErr *jobs.ResultsError
	switch {
	case err == nil:
	case errors.As(err, &resErr):
		// The journal is whole: an unfinished run, not a failed one.
		return &ExitError{Code: ExitAborted, Err: err}
	case sum == nil && errors.Is(err, jobs.ErrAborted):
		return &ExitError{Code: ExitAborted, Err: err}
	case errors.Is(err, jobs.ErrAborted):
		return &ExitError{Code: ExitAborted}
	case errors.As(err, &jobErr), errors.As(err, &colErr), errors.As(err, &inErr), errors.As(err, &dirErr), errors.As(err, &hdrErr), errors.As(err, &accErr), errors.Is(err, fs.ErrNotExist):
		return &ExitError{Code: ExitUsage, Err: err}
	case zoom.CannotConnect(err):
		return &ExitError{Code: ExitAuth, Err: err}
	default:
		return &ExitError{Code: ExitPartial, Err: err}
	}
	if sum.DryRun {
		// A dry run answers the question a script asks of it: would every
		// row go through?
		if len(sum.Failed) > 0 {
			return &ExitError{Code: ExitPartial}
		}
		return nil
	}
	if code := sum.Counts.ExitCode(); code != ExitOK {
		return &ExitError{Code: code}
	}
	return nil
}
