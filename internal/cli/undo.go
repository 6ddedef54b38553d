package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/jobs"
)

func init() { register(newUndoCmd) }

type undoOptions struct {
	zoomFlags
	out              string
	resume, dryRun   bool
	yes, allowDelete bool
	overwrite        bool
	edited           bool
	concurrency      int
	maxRemovals      string
	maxFailures      string
}

func newUndoCmd(stdio *IO, sigs <-chan os.Signal) *cobra.Command {
	var o undoOptions
	cmd := &cobra.Command{
		Use:   "undo RUN_DIR",
		Short: "Put back what a run changed",
		Long: `Every real run records, in its folder, the value each field had before the run
changed it (undo.csv) and a job that puts those values back (undo.yaml). undo
plans and applies that job like any run: plan files, the prompt, results, --resume.

The run folder is bound to its account: undo with another account's credentials
(or the same account ID on another host) is refused before any call. A row is
acted on only while the user with its zb_user_id still has its email; a user
re-created with the same address, or who has another address now, is left alone
(conflict). An undo.csv edited since the run is refused unless --edited.

A field someone changed after the run is left as found: the row says conflict,
with the value found and the value the run had set. Users the run created are
deleted only with --allow-delete (else the row says kept). Groups and divisions
the run created are deleted when the undo leaves them empty (else kept, saying
why): the plan lists them among the removals. Users the run deleted cannot come
back: the plan says so before anyone confirms.

Exit codes as for run: 0 every row put back (or kept); 1 some rows failed or
are in conflict; 2 usage error, no undo.yaml in the folder, another account, or
an edited undo.csv without --edited; 3 interrupted or
declined; 4 cannot authenticate or cannot reach Zoom.`,
		Example: `  zoombulk undo runs/license-reshuffle-20261127T101500Z --dry-run
  zoombulk undo runs/license-reshuffle-20261127T101500Z
  zoombulk undo runs/migration-20261127T101500Z --allow-delete --yes`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return undoRun(cmd.Context(), stdio, sigs, args[0], &o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.out, "out", "", "the undo's run folder (default RUN_DIR/undo)")
	f.BoolVar(&o.resume, "resume", false, "finish an interrupted or deferred undo in its folder")
	f.BoolVar(&o.overwrite, "overwrite", false, "replace a finished undo in the --out folder")
	f.BoolVar(&o.dryRun, "dry-run", false, "plan only: read the account, write changes.csv and plan.xlsx, change nothing")
	f.BoolVarP(&o.yes, "yes", "y", false, "do not ask for confirmation (required when stdin is not a terminal)")
	f.BoolVar(&o.allowDelete, "allow-delete", false, "delete the users the run created (else they are kept)")
	f.BoolVar(&o.edited, "edited", false, "accept an undo.csv changed since the run wrote it; only rows whose zb_user_id and email name a user the run changed are acted on")
	f.IntVar(&o.concurrency, "concurrency", 0, "calls in flight (default: sized from the rate limits)")
	f.StringVar(&o.maxRemovals, "max-removals", "", "N or N%: the removals the undo's plan may hold (deleting created users, taking back licenses, ...)")
	f.StringVar(&o.maxFailures, "max-failures", "", "N or N%: the rows that may fail before the undo stops")
	o.zoomFlags.register(f)
	return cmd
}

func undoRun(ctx context.Context, stdio *IO, sigs <-chan os.Signal, runDir string, o *undoOptions) error {
	if err := checkLimitFlags(o.maxRemovals, o.maxFailures); err != nil {
		return err
	}
	if set, ok, err := readJobSet(runDir); err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	} else if ok { // a run over several jobs: each undone, the last first
		return undoMany(ctx, stdio, sigs, runDir, set, o)
	}
	path, err := jobs.UndoJobPath(runDir)
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	if jobs.NothingToUndo(runDir) {
		fmt.Fprintf(stdio.ErrOut, "Nothing to undo: the run in %s changed nothing an undo can put back (see %s).\n", runDir, filepath.Join(runDir, jobs.UndoCSV))
		return nil
	}
	job, err := jobfile.Load(path)
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	if len(job.Steps) == 0 {
		fmt.Fprintf(stdio.ErrOut, "Nothing to undo: the run in %s changed nothing an undo can put back (see %s).\n", runDir, filepath.Join(runDir, jobs.UndoCSV))
		return nil
	}
	if err := nobodyToConfirm(stdio, o.dryRun, o.yes, planOnly); err != nil {
		return err
	}
	dir := o.out
	if dir == "" {
		dir = filepath.Join(runDir, "undo")
	}
	client, closeSandbox, err := o.connect(ctx, stdio)
	if err != nil {
		return err
	}
	defer closeSandbox()

	resume := "zoombulk undo " + argQuote(runDir) + " --resume"
	if o.out != "" {
		resume += " --out " + argQuote(o.out)
	}
	work, stops, stop := watchRun(ctx, sigs, stdio, resume)
	defer stop()

	runner := &jobs.Runner{
		Client: client,
		Job:    job,
		Events: newRunEvents(stdio.ErrOut, stdio.ErrTTY),
		Opts: jobs.Options{
			OutDir:      dir,
			Resume:      o.resume,
			Overwrite:   o.overwrite,
			DryRun:      o.dryRun,
			AllowDelete: o.allowDelete,
			Undo:        true,
			UndoOf:      runDir,
			UndoEdited:  o.edited,
			Concurrency: o.concurrency,
			MaxRemovals: o.maxRemovals,
			MaxFailures: o.maxFailures,
			Version:     Version,
		},
	}
	if !o.dryRun {
		runner.Opts.Confirm = confirmer(stdio, o.yes)
	}
	runner.Opts.Applying, runner.Opts.Quit = stops.applied, stops.quit
	sum, err := runner.Run(work)
	if sum != nil {
		printSummaryFor(stdio, sum, resume)
	}
	return runExit(sum, err)
}
