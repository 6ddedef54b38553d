package cli

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/zoombulk/zoombulk/internal/jobs"
)

func init() { register(newApplyCmd) }

type applyOptions struct {
	zoomFlags
	yes, check  bool
	allowDelete bool
	maxAge      time.Duration
	concurrency int
}

func newApplyCmd(stdio *IO, sigs <-chan os.Signal) *cobra.Command {
	var o applyOptions
	cmd := &cobra.Command{
		Use:   "apply PLAN_DIR",
		Short: "Apply the plan a dry run wrote, exactly",
		Long: `Applies the plan of zoombulk run JOB --dry-run --out PLAN_DIR as approved: the
same rows and field changes, nothing the plan did not list. The plan folder
records the command, the job's and input's SHA-256, the account, and
changes.csv's SHA-256 (run.json).

Before any write, apply reads every row's current values again. A row whose
user changed since the plan (its changes are not the approved ones any more)
is a conflict: it is not applied, and its result shows each field's value
before the plan, now, and planned. The other rows go ahead. The plan folder
becomes the run folder: results, journal, undo.csv (zoombulk undo PLAN_DIR).
An apply that was stopped (Ctrl-C, a limit, a daily cap) is finished by running
zoombulk apply PLAN_DIR again: the rows done are not sent again.

Refused (exit 2, nothing sent): a changes.csv edited since the dry run, a plan
older than --max-age (24h), a plan made on another account, a job or input
changed since, a plan applied already.

--check (or --dry-run) says whether the plan still applies cleanly: one line,
exit 0 when it does, 5 when some rows are in conflict.

The dry run of several jobs (zoombulk run book.xlsx --dry-run --out DIR) is
applied as a whole: every job's plan is checked as above before anything is
sent, one prompt covers all, and the jobs apply in jobs.json's order, a job
that does not finish stopping the jobs that depend on it. Each job's results
go in its sub-folder, with summary.csv for the whole; zoombulk run --resume
DIR and zoombulk undo DIR work as for a run of several jobs.

Exit codes as for run: 0 every row applied or already as asked; 1 some rows
failed or are in conflict; 2 refused; 3 interrupted or declined; 4 cannot
authenticate or cannot reach Zoom; 5 (--check) the plan would leave rows.`,
		Example: `  zoombulk run hires.yaml --dry-run --out runs/hires-plan
  zoombulk apply runs/hires-plan --check
  zoombulk apply runs/hires-plan
  zoombulk apply runs/hires-plan --yes --max-age 72h
  zoombulk run new-account.xlsx --dry-run --out runs/setup-plan
  zoombulk apply runs/setup-plan --dry-run
  zoombulk apply runs/setup-plan`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return applyPlan(cmd.Context(), stdio, sigs, args[0], &o)
		},
	}
	f := cmd.Flags()
	f.BoolVarP(&o.yes, "yes", "y", false, "do not ask for confirmation (required when stdin is not a terminal)")
	f.BoolVar(&o.check, "check", false, "only say whether the plan still applies cleanly: exit 0 when it does, 5 when not")
	f.BoolVar(&o.check, "dry-run", false, "the same as --check: send nothing, say whether the plan still applies cleanly")
	f.BoolVar(&o.allowDelete, "allow-delete", false, "allow the plan's delete_users step (needed on the command line, every time)")
	f.DurationVar(&o.maxAge, "max-age", jobs.DefaultPlanAge, "refuse a plan older than this (e.g. 24h, 72h)")
	f.IntVar(&o.concurrency, "concurrency", 0, "calls in flight (default: sized from the rate limits)")
	o.zoomFlags.register(f)
	return cmd
}

// planCommand is what run records of a dry run, for apply.
func planCommand(jobArg string, o *runOptions) *jobs.PlanCommand {
	abs := func(p string) string {
		if p == "" {
			return "" // no --input: the job's own
		}
		return absPath(p)
	}
	return &jobs.PlanCommand{Job: abs(jobArg), Input: abs(o.input), Sheet: o.sheetName, Steps: o.auto.steps, Match: o.auto.match,
		Maps: o.auto.maps, Trust: o.auto.trust, AllowDelete: o.allowDelete, MaxRemovals: o.maxRemovals, Strict: o.strict}
}

func applyPlan(ctx context.Context, stdio *IO, sigs <-chan os.Signal, dir string, o *applyOptions) error {
	if s, many, err := readJobSet(dir); many {
		// The dry run of several jobs: a plan a job (applymany.go).
		if err != nil {
			return &ExitError{Code: ExitUsage, Err: err}
		}
		return applyMany(ctx, stdio, sigs, dir, s, o)
	}
	info, err := jobs.ReadPlan(dir)
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	src, err := planJob(info.Plan.Command)
	if err != nil {
		return usageErr(fmt.Errorf("the plan's job: %w", err))
	}
	if err := nobodyToConfirm(stdio, o.check, o.yes, checkOnly); err != nil {
		return err
	}
	client, closeSandbox, err := o.connect(ctx, stdio)
	if err != nil {
		return err
	}
	defer closeSandbox()
	fmt.Fprintf(stdio.ErrOut, "Plan %s: made %s for account %s (%s): %d changes approved (changes.csv SHA-256 %s)\n",
		dir, info.Plan.PlannedAt.UTC().Format(time.RFC3339), info.AccountID, info.APIHost, info.Plan.Changes, info.Plan.ChangesSHA256)

	work, stops, stop := watchRun(ctx, sigs, stdio, applyCommand(dir))
	defer stop()

	runner := &jobs.Runner{
		Client: client,
		Job:    src.job,
		Events: newRunEvents(stdio.ErrOut, stdio.ErrTTY),
		Opts:   o.runOptions(info.Plan.Command, dir),
	}
	runner.Opts.DryRun = o.check
	runner.Opts.Tell = storyTeller(stdio, o.yes)
	if !o.check {
		story := runner.Opts.Tell
		runner.Opts.Tell = func(p *jobs.Plan) {
			printConflicts(stdio, p.Conflicts)
			story(p)
		}
		runner.Opts.Confirm = confirmer(stdio, o.yes)
	}
	runner.Opts.Applying, runner.Opts.Quit = stops.applied, stops.quit
	sum, err := runner.Run(work)
	if sum != nil && sum.Aborted != "" && sum.Counts.Total() > 0 {
		printSummary(stdio, sum)
		fmt.Fprintln(stdio.ErrOut, "Finish the approved plan with: "+applyCommand(dir))
		return runExit(sum, err)
	}
	if err != nil || sum == nil {
		return runExit(sum, err)
	}
	if o.check {
		return applyCheckExit(stdio, dir, sum)
	}
	printSummary(stdio, sum)
	return runExit(sum, err)
}

// planJob loads the job a plan was made from, read as the dry run read it.
func planJob(c jobs.PlanCommand) (*jobSource, error) {
	return loadJobArg("apply", c.Job, autoOptions{steps: c.Steps, match: c.Match, sheet: c.Sheet, maps: c.Maps, trust: c.Trust})
}

// runOptions are the options of the runner that applies the plan c in
// dir: the plan's input, limits and strictness, and apply's own flags.
func (o *applyOptions) runOptions(c jobs.PlanCommand, dir string) jobs.Options {
	return jobs.Options{
		Input:       jobs.ReadOptions{Path: c.Input, Sheet: c.Sheet},
		OutDir:      dir,
		AllowDelete: o.allowDelete, // as for run: on the command line, every time
		MaxRemovals: c.MaxRemovals,
		Strict:      c.Strict,
		Concurrency: o.concurrency,
		Apply:       &jobs.ApplyOptions{MaxAge: o.maxAge},
		Version:     Version,
	}
}

// printConflicts lists the rows apply leaves, before the question.
func printConflicts(stdio *IO, left []jobs.PlanConflict) {
	if len(left) > 0 {
		fmt.Fprintf(stdio.ErrOut, "Changed since the plan, left as conflicts (not applied): %d %s\n", len(left), rowsWord(len(left)))
	}
	for i, c := range left {
		if i == maxListed {
			fmt.Fprintf(stdio.ErrOut, "  ... and %d more: see the results\n", len(left)-maxListed)
			break
		}
		fmt.Fprintf(stdio.ErrOut, "  %s %s: conflict: %s\n", rowName(c.Row), c.Email, c.Detail)
	}
}

// applyCheckExit ends apply --check with one line: exit 0 when the plan
// applies as approved, 5 when some rows would be left.
func applyCheckExit(stdio *IO, dir string, sum *jobs.Summary) error {
	p := sum.Plan
	if len(p.Conflicts) == 0 {
		fmt.Fprintf(stdio.ErrOut, "check %s: the plan applies cleanly to account %s: %s, %d calls (%d rows)\n", dir, p.AccountID, p.ActionText(), p.Writes(), p.Rows)
		return nil
	}
	fmt.Fprintf(stdio.ErrOut, "check %s: %d %s changed since the plan and would be left as conflicts; the rest would apply: %s, %d calls\n",
		dir, len(p.Conflicts), rowsWord(len(p.Conflicts)), p.ActionText(), p.Writes())
	for i, c := range p.Conflicts {
		if i == maxListed {
			fmt.Fprintf(stdio.ErrOut, "  ... and %d more\n", len(p.Conflicts)-maxListed)
			break
		}
		fmt.Fprintf(stdio.ErrOut, "  %s %s: %s\n", rowName(c.Row), c.Email, c.Detail)
	}
	return &ExitError{Code: ExitDrift}
}

// applyCommand is the command that finishes the apply of the plan in dir.
func applyCommand(dir string) string {
	return "zoombulk apply " + argQuote(dir)
}

func rowsWord(n int) string { return plural("row", n) }

// rowName is "row 12", or "member" for a member a sync would take out
// (no input row).
func rowName(n int) string {
	if n == 0 {
		return "member"
	}
	return fmt.Sprintf("row %d", n)
}
