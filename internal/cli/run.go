package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
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
	auto             autoOptions
	json             bool
	// src and sum are what the run read and ended with, for --json.
	src *jobSource
	sum *jobs.Summary
}

func newRunCmd(stdio *IO, sigs <-chan os.Signal) *cobra.Command {
	var o runOptions
	cmd := &cobra.Command{
		Use:   "run JOB.yaml | WORKBOOK.xlsx | SHEET.csv --steps STEP,...",
		Short: "Plan a job against the account and apply it",
		Long: `Reads the job's spreadsheet, checks every row, reads the account to plan each row
(create, update, unchanged, fail), shows the plan, asks to confirm (on a terminal;
--yes otherwise), and applies it within the account's rate limits. Every run writes
a folder with results.csv, results.xlsx, failed.csv, journal.jsonl and run.json,
one result line per input row.

Ctrl-C stops taking new work, lets calls in flight finish, writes every file and
exits 3; a second Ctrl-C quits at once (the journal keeps every finished row).
--resume DIR finishes an interrupted or deferred run without redoing work.

Before any write the plan is written (changes.csv: every field that will change,
from what to what; plan.xlsx) and the prompt names the account, the counts, the
removals and the time. A dry run or a declined prompt writes the plan files only.

The job is a job file; or a workbook written by zoombulk template, which carries
its job (a job file beside it with the same name wins); or a spreadsheet whose
headers are the tool's own labels (those of its exports and templates, any case
or spacing) with --steps naming the steps: the plan prints the mapping it used
and the columns it ignored.

Exit codes: 0 all rows succeeded or were already as asked; 1 some rows failed or
were deferred (with --dry-run: some rows would fail); 2 usage, job or input error
(nothing sent); 3 interrupted, stopped by a limit, or declined; 4 cannot
authenticate or cannot reach Zoom.`,
		Example: `  zoombulk run hires.yaml --dry-run
  zoombulk run hires.xlsx
  zoombulk run users.csv --steps update_users,move_group
  zoombulk run hires.yaml
  zoombulk run hires.yaml --resume runs/hires-20261127T101500Z
  zoombulk run hires.yaml --input runs/hires-20261127T101500Z/failed.csv
  zoombulk run samples/migration/job.yaml --sandbox --yes`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
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
	f.BoolVar(&o.check, "check", false, "plan only, for a scheduled check: exit 0 when the account already matches the job, 5 when it does not")
	f.BoolVarP(&o.yes, "yes", "y", false, "do not ask for confirmation (required when stdin is not a terminal)")
	f.BoolVar(&o.allowDelete, "allow-delete", false, "allow the delete_users step")
	f.BoolVar(&o.strict, "strict", false, "refuse the whole file when any row has a problem")
	f.IntVar(&o.concurrency, "concurrency", 0, "calls in flight (default: sized from the rate limits)")
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
	printMapping(stdio.ErrOut, src)
	if o.check {
		o.dryRun = true
	}
	if !o.dryRun && !o.yes && !stdio.InTTY {
		return exitf(ExitUsage, "stdin is not a terminal, so there is no one to confirm the changes: add --yes (or --dry-run to plan only)")
	}
	dir := o.out
	if o.resume != "" {
		if o.out != "" && filepath.Clean(o.out) != filepath.Clean(o.resume) {
			return exitf(ExitUsage, "--resume and --out name different folders; a resumed run writes into its own folder")
		}
		dir = o.resume
	}
	if dir == "" {
		dir = filepath.Join("runs", job.Name+"-"+time.Now().UTC().Format("20060102T150405Z"))
	}
	client, closeSandbox, err := o.connect(ctx, stdio)
	if err != nil {
		return err
	}
	defer closeSandbox()

	work, stop := watchRun(ctx, sigs, stdio, "--resume")
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
			Version:     Version,
		},
	}
	if !o.dryRun {
		runner.Opts.Confirm = confirmer(stdio, o.yes)
	}
	sum, err := runner.Run(work)
	err = headerRowHint(job, o.input, o.sheetName, err)
	o.sum = sum
	if o.check && err == nil {
		return checkExit(stdio, job, sum)
	}
	if sum != nil {
		printSummary(stdio, sum)
	}
	return runExit(sum, err)
}

// watchRun is the context of a run's work: the first Ctrl-C ends it (the
// calls in flight finish and the results are written), the second quits
// at once; resume is the command that finishes the run. The cancel func
// ends the work and the watching: the command calls it when it returns.
func watchRun(ctx context.Context, sigs <-chan os.Signal, stdio *IO, resume string) (context.Context, context.CancelFunc) {
	watching, end := context.WithCancel(ctx)
	work, stop := context.WithCancel(watching)
	go watchInterrupts(watching, sigs, stop, stdio,
		"Stopping: finishing the calls in flight and writing the results (Ctrl-C again to quit at once).",
		"Quitting now; the journal holds every finished row: finish with "+resume+".")
	return work, end
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
	return fmt.Sprintf("Apply to account %s (%s): %s, %d calls, about %s?", p.AccountID, p.APIHost, what, p.Writes(), p.Duration.Round(time.Second))
}

// confirmer asks before any write, or with --yes prints the question
// answered.
func confirmer(stdio *IO, yes bool) func(*jobs.Plan) (bool, error) {
	return func(p *jobs.Plan) (bool, error) {
		if yes {
			fmt.Fprintln(stdio.ErrOut, promptLine(p)+" yes (--yes)")
			return true, nil
		}
		return confirm(stdio, p)
	}
}

func confirm(stdio *IO, p *jobs.Plan) (bool, error) {
	fmt.Fprint(stdio.promptOut(), promptLine(p)+" [y/N] ")
	line, err := bufio.NewReader(stdio.In).ReadString('\n')
	if err != nil && line == "" {
		return false, nil
	}
	a := strings.ToLower(strings.TrimSpace(line))
	return a == "y" || a == "yes", nil
}

// maxListed bounds the failed rows the console lists.
const maxListed = 10

func printSummary(stdio *IO, sum *jobs.Summary) {
	w := stdio.ErrOut
	switch {
	case sum.DryRun:
		fmt.Fprintln(w, "Dry run: nothing was changed.")
		if n := len(sum.Failed); n > 0 {
			fmt.Fprintf(w, "%d of %d rows would fail:\n", n, sum.Rows)
		}
	case sum.Plan != nil && sum.Counts.Total() == 0:
		// Stopped at the plan: declined, or over a limit.
	default:
		fmt.Fprintf(w, "Done in %s: %d rows: %s\n", sum.Finished.Sub(sum.Started).Round(time.Millisecond), sum.Rows, sum.Counts)
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
	if sum.Aborted != "" {
		fmt.Fprintf(w, "Stopped: %s.\n", sum.Aborted)
		if sum.Counts.Total() > 0 {
			fmt.Fprintf(w, "Finish with: --resume %s\n", sum.Dir)
		}
	}
	if !sum.DeferredTo.IsZero() {
		fmt.Fprintf(w, "Deferred rows can be finished after %s with: --resume %s\n", sum.DeferredTo.UTC().Format(time.RFC3339), sum.Dir)
	}
	if len(sum.Files) > 0 {
		fmt.Fprintf(w, "Report: %s\n", sum.Files[0])
		for _, f := range sum.Files[1:] {
			fmt.Fprintf(w, "        %s\n", f)
		}
	}
}

func reportName(sum *jobs.Summary) string {
	if sum.Counts.Total() == 0 {
		return "plan.xlsx"
	}
	return "results.xlsx"
}

// checkExit ends --check with one line a cron mail can carry, and exit 0
// when the account matches the job, 5 when a run would change something or
// rows would fail.
func checkExit(stdio *IO, job *jobfile.Job, sum *jobs.Summary) error {
	p := sum.Plan
	changes := 0
	for _, c := range p.Changes {
		if c.Action != results.ActFail {
			changes++
		}
	}
	if p.Writes() == 0 && p.Failing == 0 {
		fmt.Fprintf(stdio.ErrOut, "check %s: account %s matches (%d rows)\n", job.Name, p.AccountID, p.Rows)
		return nil
	}
	fmt.Fprintf(stdio.ErrOut, "check %s: account %s differs: %s; %d field changes, %d rows would fail; see %s\n",
		job.Name, p.AccountID, p.ActionText(), changes, p.Failing, filepath.Join(sum.Dir, results.ChangesCSV))
	return &ExitError{Code: ExitDrift}
}

// runExit maps a run's outcome to the exit codes of the README's table.
func runExit(sum *jobs.Summary, err error) error {
	var jobErr *jobfile.JobError
	var colErr *mapping.ColumnError
	var inErr *sheet.InputError
	var dirErr *jobs.RunDirError
	var hdrErr *HeaderRowError
	switch {
	case err == nil:
	case errors.Is(err, jobs.ErrAborted):
		return &ExitError{Code: ExitAborted}
	case errors.As(err, &jobErr), errors.As(err, &colErr), errors.As(err, &inErr), errors.As(err, &dirErr), errors.As(err, &hdrErr), errors.Is(err, fs.ErrNotExist):
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
