package cli

// zoombulk apply DIR where DIR is the dry run of several jobs (`zoombulk
// run book.xlsx --dry-run --out DIR`): jobs.json names the jobs in the
// order they run, and each job's sub-folder holds its approved plan. Each
// plan is checked as a single-job apply checks it (the account and host,
// the plan's age, changes.csv's digest, the job and input unchanged, row
// by row against the account now), all before one prompt for the whole;
// then the jobs apply in order through the machinery of a run over
// several jobs (manyRun), so that a job that does not finish stops the
// jobs that depend on it and the folder ends as such a run's does:
// summary.csv, jobs.json, --resume DIR and zoombulk undo DIR.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/jobs"
	"github.com/zoombulk/zoombulk/internal/results"
	"github.com/zoombulk/zoombulk/internal/sheet"
)

func applyMany(ctx context.Context, stdio *IO, sigs <-chan os.Signal, dir string, s *jobSet, o *applyOptions) error {
	set, err := planSet(dir, s)
	if err != nil {
		return err
	}
	if err := nobodyToConfirm(stdio, o.check, o.yes, checkOnly); err != nil {
		return err
	}
	client, closeSandbox, err := o.connect(ctx, stdio)
	if err != nil {
		return err
	}
	defer closeSandbox()
	work, stops, stop := watchRun(ctx, sigs, stdio, applyCommand(dir))
	defer stop()
	ro := &runOptions{zoomFlags: o.zoomFlags, yes: o.yes, allowDelete: o.allowDelete, concurrency: o.concurrency, dryRun: o.check, check: o.check}
	m := &manyRun{stdio: stdio, dir: dir, set: set, o: ro, client: client, ev: newRunEvents(stdio.ErrOut, stdio.ErrTTY), applying: o}

	lines, pending, calls, err := m.checkPlans(work)
	if err != nil {
		return err
	}
	if o.check {
		return applyManyCheckExit(stdio, dir, set)
	}
	if pending == 0 {
		// planSet refuses a folder whose plans were all applied: a job
		// left here was checked and is being applied.
		return manyDone(stdio, dir, set, false, false)
	}
	question := fmt.Sprintf("Apply the approved plans of %d %s to account %s (%s): %s; %d calls in all?",
		pending, plural("job", pending), client.AccountID(), client.APIHost(), strings.Join(lines, "; "), calls)
	if ok, err := approve(stdio, o.yes, question); err != nil || !ok {
		fmt.Fprintln(stdio.ErrOut, "Declined: nothing was changed.")
		return &ExitError{Code: ExitAborted}
	}
	if err := m.apply(work, stops); err != nil {
		return err
	}
	if err := writeJobSet(dir, set); err != nil {
		return err
	}
	err = manyDone(stdio, dir, set, false, false)
	var ee *ExitError
	if errors.As(err, &ee) && ee.Code == ExitAborted {
		fmt.Fprintln(stdio.ErrOut, "Finish the approved plans with: "+applyCommand(dir))
	}
	return err
}

// planSet reads the plan of each job of a dry run over several jobs, in
// jobs.json's order. A job whose plan was applied and finished is done (an
// apply of the folder that stopped is finished by applying it again); a
// folder where every plan was applied is refused, as is a job with no
// plan: the approval was for all of them.
func planSet(dir string, s *jobSet) ([]*manyJob, error) {
	if len(s.Jobs) == 0 {
		return nil, exitf(ExitUsage, "%s: %s names no jobs", dir, JobsJSON)
	}
	var set []*manyJob
	var applied error
	for _, e := range s.Jobs {
		sub := filepath.Join(dir, e.Folder)
		info, err := jobs.ReadPlan(sub)
		if errors.Is(err, jobs.ErrPlanApplied) && subState(sub) == "done" {
			applied = err
			set = append(set, &manyJob{src: &jobSource{job: &jobfile.Job{Name: e.Name, Path: e.Job}}, rank: e.Rank, sub: e.Folder, status: "done"})
			continue
		}
		if err != nil {
			return nil, &ExitError{Code: ExitUsage, Err: fmt.Errorf("job %s: %w", e.Name, err)}
		}
		src, err := planJob(info.Plan.Command)
		if err != nil {
			return nil, usageErr(fmt.Errorf("job %s: the plan's job: %w", e.Name, err))
		}
		set = append(set, &manyJob{src: src, rank: e.Rank, sub: e.Folder, plan: info})
	}
	if applied != nil && !hasPending(set) {
		return nil, &ExitError{Code: ExitUsage, Err: fmt.Errorf("every job's plan was applied already: %w", applied)}
	}
	return set, nil
}

func hasPending(set []*manyJob) bool {
	for _, j := range set {
		if j.status != "done" {
			return true
		}
	}
	return false
}

// applyRunner is the runner that applies a job's approved plan, with the
// options the plan was made with (as applyPlan does for one job).
func (m *manyRun) applyRunner(j *manyJob) *jobs.Runner {
	r := &jobs.Runner{Client: m.client, Job: j.src.job, Events: m.ev, Opts: m.applying.runOptions(j.plan.Plan.Command, filepath.Join(m.dir, j.sub))}
	r.Opts.Apply.Made = m.madeBefore(j)
	return r
}

// madeBefore says which of j's approved records an earlier job of the set
// has made since the plan: a creation (a group, a division, ...) that a
// job it depends on (a lower rank) created as its approved plan said, and
// finished. Each job was planned against the account before any ran, so
// j's plan created them too; the plan made now finds them.
func (m *manyRun) madeBefore(j *manyJob) func(rec []string) bool {
	made := map[string]bool{}
	key := func(rec []string) string {
		return rec[results.ChangeColField] + "\x00" + strings.ToLower(sheet.UnescapeFormula(rec[results.ChangeColNew]))
	}
	for _, d := range m.set {
		if d == j {
			break
		}
		if d.status != "done" || d.rank >= j.rank {
			continue
		}
		err := results.EachChangeRecordIn(filepath.Join(m.dir, d.sub, results.ChangesCSV), func(rec []string) error {
			if rec[results.ChangeColAction] == string(results.ActCreate) && rec[results.ChangeColNew] != "" {
				made[key(rec)] = true
			}
			return nil
		})
		if err != nil {
			// Nothing is taken as made: the rows that needed it are
			// left as conflicts, the safe side.
			fmt.Fprintf(m.stdio.ErrOut, "Note: %s: %v\n", d.sub, err)
		}
	}
	if len(made) == 0 {
		return nil
	}
	return func(rec []string) bool {
		return rec[results.ChangeColAction] == string(results.ActCreate) && made[key(rec)]
	}
}

// checkPlans checks every job's approved plan before anything is sent:
// each is refused as a single-job apply refuses it, and the rows changed
// since are listed. It returns each job's line for the prompt, how many
// jobs are left to apply and the calls they make.
func (m *manyRun) checkPlans(work context.Context) (lines []string, pending, calls int, err error) {
	for i, j := range m.set {
		name := j.src.job.Name
		if j.status == "done" {
			fmt.Fprintf(m.stdio.ErrOut, "Job %d of %d: %s: its plan was applied in an earlier run (%s)\n", i+1, len(m.set), name, filepath.Join(m.dir, j.sub))
			continue
		}
		pending++
		p := j.plan.Plan
		fmt.Fprintf(m.stdio.ErrOut, "Job %d of %d: %s: plan made %s for account %s (%s): %d changes approved (changes.csv SHA-256 %s)\n",
			i+1, len(m.set), name, p.PlannedAt.UTC().Format(time.RFC3339), j.plan.AccountID, j.plan.APIHost, p.Changes, p.ChangesSHA256)
		r := m.runner(j)
		r.Opts.DryRun = true // reads the account and compares, sends nothing
		sum, err := r.Run(work)
		if err != nil {
			return nil, 0, 0, runExit(sum, fmt.Errorf("job %s: %w", name, err))
		}
		j.sum, j.status = sum, "planned"
		printConflicts(m.stdio, sum.Plan.Conflicts)
		line := fmt.Sprintf("%s: %s", name, sum.Plan.ActionText())
		if n := len(sum.Plan.Conflicts); n > 0 {
			line += fmt.Sprintf(" (%d %s left in conflict)", n, rowsWord(n))
		}
		lines = append(lines, line)
		calls += sum.Plan.Writes()
		if f := sum.Plan.Failing; f > 0 && i > 0 {
			// Planned before the jobs before it ran: a row that needs
			// what they create failed in the approved plan, and applying
			// it now would send calls no one approved.
			fmt.Fprintf(m.stdio.ErrOut, "%d %s of %s failed in the approved plan (some may need what an earlier job creates): apply leaves them as they were approved; once it is done, plan them again with zoombulk run --dry-run\n",
				f, rowsWord(f), name)
		}
	}
	return lines, pending, calls, nil
}

// applyManyCheckExit ends apply --check of several jobs: a line a job,
// exit 0 when every plan applies as approved, 5 when some rows would be
// left.
func applyManyCheckExit(stdio *IO, dir string, set []*manyJob) error {
	clean := true
	for _, j := range set {
		switch {
		case j.status == "done":
			fmt.Fprintf(stdio.ErrOut, "check %s: applied already\n", filepath.Join(dir, j.sub))
		case len(j.sum.Plan.Conflicts) == 0:
			fmt.Fprintf(stdio.ErrOut, "check %s: the plan applies cleanly: %s, %d calls\n", filepath.Join(dir, j.sub), j.sum.Plan.ActionText(), j.sum.Plan.Writes())
		default:
			clean = false
			n := len(j.sum.Plan.Conflicts)
			fmt.Fprintf(stdio.ErrOut, "check %s: %d %s changed since the plan and would be left as conflicts; the rest would apply: %s, %d calls\n",
				filepath.Join(dir, j.sub), n, rowsWord(n), j.sum.Plan.ActionText(), j.sum.Plan.Writes())
		}
	}
	if !clean {
		return &ExitError{Code: ExitDrift}
	}
	return nil
}
