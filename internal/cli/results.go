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

func init() { register(newResultsCmd) }

func newResultsCmd(stdio *IO, _ <-chan os.Signal) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "results RUN_DIR",
		Short: "Write a run's results again from its journal, sending nothing",
		Long: `Writes results.csv, results.xlsx, failed.csv, undo.csv, undo.yaml and run.json
of a run folder again from its journal and the run's job and input, without a
call to Zoom (no credentials needed): after a full disk, a second Ctrl-C or a
kill left them missing or stale. Rows the journal does not finish are not_run;
run --resume finishes them.

Exit codes: 0 every row succeeded or was already as asked; 1 some rows failed;
2 no run in the folder, or its job or input changed since (--force goes on,
matching rows by their email or id); 3 the journal does not finish every row.`,
		Example: `  zoombulk results runs/hires-20261127T101500Z`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return rebuildResults(cmd.Context(), stdio, args[0], force)
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "go on even if the job or input changed since the run")
	return cmd
}

func rebuildResults(ctx context.Context, stdio *IO, dir string, force bool) error {
	h, err := jobs.ReadRunHeader(dir)
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	job, err := jobfile.Load(h.Job)
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: fmt.Errorf("the run's job file: %w", err)}
	}
	runner := &jobs.Runner{
		Job:    job,
		Events: newRunEvents(stdio.ErrOut, false),
		Opts: jobs.Options{
			Input:   jobs.ReadOptions{Path: h.Input, Sheet: h.Sheet},
			OutDir:  dir,
			Force:   force,
			Rebuild: true,
			// An undo's folder rebuilds as an undo (its job is undo.yaml).
			Undo:    filepath.Base(h.Job) == jobs.UndoYAML,
			Version: Version,
		},
	}
	sum, err := runner.Run(ctx)
	if sum != nil {
		printSummary(stdio, sum)
	}
	return runExit(sum, err)
}
