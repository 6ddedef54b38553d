package cli

// A run over several jobs (issue 29): `zoombulk run book.xlsx` when the
// workbook's sheets are read by job files beside it, or `zoombulk run
// a.yaml b.yaml c.yaml`. The jobs run in dependency order (groups and
// divisions, then users, then their memberships and settings, then
// admins, assistants and contact groups, removals last), after one plan
// and one prompt for all, into one run folder: a sub-folder per job with
// its own results, journal and undo, and jobs.json and summary.csv for
// the whole. --resume finishes the whole; zoombulk undo undoes it in
// reverse order. A job that does not finish stops the jobs after it that
// depend on it.

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/jobs"
	"github.com/zoombulk/zoombulk/internal/sheet"
	"github.com/zoombulk/zoombulk/internal/templates"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// JobsJSON names the jobs of a run over several jobs, in the order run.
const JobsJSON = "jobs.json"

// SummaryCSV is the one summary of a run over several jobs.
const SummaryCSV = "summary.csv"

// manyJob is one job of a run over several jobs.
type manyJob struct {
	src  *jobSource
	rank int
	sub  string // its folder in the run folder: 1-<job name>
	// what it came to
	status string // done, failed, stopped, not run, planned
	sum    *jobs.Summary
	code   int
	why    string
	// plan is the job's approved plan, when the run applies a dry run's
	// folder (applymany.go).
	plan *jobs.RunInfo
}

// jobSet is jobs.json.
type jobSet struct {
	Jobs []jobSetEntry `json:"jobs"`
}

type jobSetEntry struct {
	Name   string `json:"name"`
	Job    string `json:"job"`
	Folder string `json:"folder"`
	Rank   int    `json:"rank"`
}

// jobRank is the rank of a job's first need: its lowest step rank. Step
// kinds are ranked by what they need (groups and divisions exist before
// users are put in them, users before their memberships, settings and
// admin roles, and removals come last); each kind declares its rank
// (jobs.RunRank), 4 at most.
func jobRank(job *jobfile.Job) int {
	r := 4
	for _, s := range job.Steps {
		r = min(r, jobs.RunRank(s.Kind))
	}
	return r
}

// jobsBeside are the job files next to a workbook whose input is that
// workbook: each reads one of its sheets. Files that do not load as jobs
// are not the workbook's.
func jobsBeside(book string) ([]string, error) {
	abs, err := filepath.Abs(book)
	if err != nil {
		return nil, err
	}
	bookInfo, err := os.Stat(abs)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, pat := range []string{"*.yaml", "*.yml"} {
		matches, _ := filepath.Glob(filepath.Join(filepath.Dir(abs), pat))
		for _, m := range matches {
			job, err := jobfile.Load(m)
			if err != nil || job.Input.Path == "" {
				continue
			}
			if st, err := os.Stat(job.Input.Path); err == nil && os.SameFile(st, bookInfo) {
				out = append(out, m)
			}
		}
	}
	slices.Sort(out)
	return out, nil
}

// manyJobArgs says whether run's arguments are several jobs (or resume a
// run of several jobs), and loads them in the order they run. A workbook
// that carries a job, or has a job file of its own name beside it, is one
// job as before.
func manyJobArgs(args []string, auto autoOptions, resume string) ([]*manyJob, bool, error) {
	paths := args
	if len(args) == 1 {
		if beside := bookJobs(args[0], auto); len(beside) > 0 {
			paths = beside
		} else if _, ok, _ := readJobSet(resume); !ok {
			return nil, false, nil // one job (a --resume of a run of several jobs is one of them)
		}
	}
	if len(auto.steps) > 0 || len(auto.maps) > 0 || auto.match != "" {
		return nil, true, exitf(ExitUsage, "--steps, --map and --match build one job from a spreadsheet's headers; with several jobs, give each its job file")
	}
	var out []*manyJob
	for _, p := range paths {
		src, err := loadJobArg("run", p, auto)
		if err != nil {
			return nil, true, usageErr(err)
		}
		if len(args) == 1 && paths[0] != args[0] {
			src.note = "a job file beside the workbook that reads its sheet " + strconv.Quote(src.job.Input.Sheet)
		}
		out = append(out, &manyJob{src: src, rank: jobRank(src.job)})
	}
	slices.SortStableFunc(out, func(a, b *manyJob) int { return a.rank - b.rank })
	seen := map[string]bool{}
	for i, j := range out {
		j.sub = fmt.Sprintf("%d-%s", i+1, j.src.job.Name)
		if seen[j.sub] {
			return nil, true, exitf(ExitUsage, "two jobs are named %s: give each job its own name", j.src.job.Name)
		}
		seen[j.sub] = true
	}
	return out, true, nil
}

// bookJobs are the job files that read a workbook's sheets, when it is a
// workbook with no job of its own (carried, or a job file of its name).
func bookJobs(book string, auto autoOptions) []string {
	workbook, isSheet := spreadsheetExt(book)
	if !workbook || !isSheet || len(auto.steps) > 0 {
		return nil
	}
	if _, err := os.Stat(templates.JobPath(book)); err == nil {
		return nil
	}
	if _, ok, err := templates.EmbeddedJob(book); err != nil || ok {
		return nil // one job, or an error the one-job path says
	}
	beside, err := jobsBeside(book)
	if err != nil {
		return nil
	}
	return beside
}

// runMany runs several jobs as one run.
func runMany(ctx context.Context, stdio *IO, sigs <-chan os.Signal, label string, set []*manyJob, o *runOptions) error {
	if err := refuseManyOptions(stdio, o); err != nil {
		return err
	}
	dir, err := manyRunDir(o, label, set)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	o.many.dir = dir
	if err := writeJobSet(dir, set); err != nil {
		return err
	}
	client, closeSandbox, err := o.connect(ctx, stdio)
	if err != nil {
		return err
	}
	defer closeSandbox()
	o.many.account = client.AccountID()
	work, stops, stop := watchRun(ctx, sigs, stdio, resumeCommand(dir))
	defer stop()
	m := &manyRun{stdio: stdio, dir: dir, set: set, o: o, client: client, ev: newRunEvents(stdio.ErrOut, stdio.ErrTTY)}

	plans, pending, err := m.plan(work)
	if err != nil {
		return err
	}
	if o.dryRun {
		return manyDone(stdio, dir, set, true, o.check)
	}
	if pending == 0 {
		fmt.Fprintln(stdio.ErrOut, "Every job finished in an earlier run: nothing to do.")
		return manyDone(stdio, dir, set, false, false)
	}
	// One prompt for all.
	question := fmt.Sprintf("Apply %d %s to account %s (%s): %s?", pending, plural("job", pending), client.AccountID(), client.APIHost(), strings.Join(plans, "; "))
	if ok, err := approve(stdio, o.yes, question); err != nil || !ok {
		fmt.Fprintln(stdio.ErrOut, "Declined: nothing was changed.")
		return &ExitError{Code: ExitAborted}
	}
	if err := m.apply(work, stops); err != nil {
		return err
	}
	return manyDone(stdio, dir, set, false, false)
}

// refuseManyOptions refuses the flags that name one job's input or
// report, and a run with no one to confirm it; --check plans only.
func refuseManyOptions(stdio *IO, o *runOptions) error {
	switch {
	case o.input != "" || o.sheetName != "":
		return exitf(ExitUsage, "--input and --sheet name one job's spreadsheet; with several jobs each job file names its own")
	case o.overwrite:
		return exitf(ExitUsage, "--overwrite replaces one run; with several jobs choose another --out")
	}
	if o.check {
		o.dryRun = true
	}
	return nobodyToConfirm(stdio, o.dryRun, o.yes, planOnly)
}

// manyRunDir is the run's folder: the one --resume names (holding the
// same jobs), else --out or a new one under runs/, which must not hold a
// run of several jobs already.
func manyRunDir(o *runOptions, label string, set []*manyJob) (string, error) {
	dir := o.out
	if o.resume != "" {
		if o.out != "" && filepath.Clean(o.out) != filepath.Clean(o.resume) {
			return "", exitf(ExitUsage, "--resume and --out name different folders; a resumed run writes into its own folder")
		}
		dir = o.resume
		if err := sameSet(dir, set); err != nil {
			return "", err
		}
	}
	if dir == "" {
		dir = filepath.Join("runs", label+"-"+time.Now().UTC().Format("20060102T150405Z"))
	}
	if o.resume == "" {
		if _, err := os.Stat(filepath.Join(dir, JobsJSON)); err == nil {
			return "", exitf(ExitUsage, "%s holds a run of several jobs already: finish it with --resume %s, or choose another --out", dir, dir)
		}
	}
	return dir, nil
}

// manyRun is a run over several jobs under way: one client and one event
// log for all its jobs, each into its sub-folder of dir.
type manyRun struct {
	stdio  *IO
	dir    string
	set    []*manyJob
	o      *runOptions
	client *zoom.Client
	ev     *runEvents
	// applying, when set, makes this the apply of the run folder's approved
	// plans (applymany.go): each job's runner applies its plan.
	applying *applyOptions
}

func (m *manyRun) runner(j *manyJob) *jobs.Runner {
	if m.applying != nil {
		return m.applyRunner(j)
	}
	r := &jobs.Runner{Client: m.client, Job: j.src.job, Events: m.ev, Opts: jobs.Options{
		OutDir: filepath.Join(m.dir, j.sub), AllowDelete: m.o.allowDelete, Strict: m.o.strict,
		Concurrency: m.o.concurrency, MaxRemovals: m.o.maxRemovals, Version: Version,
	}}
	if m.o.dryRun {
		// Each job's folder records its plan, so that zoombulk apply of
		// the run folder applies exactly what was approved.
		r.Opts.Record = planCommand(j.src.job.Path, m.o)
	}
	return r
}

// plan makes one plan: every job not finished yet, against the account
// as it is. It returns each job's line for the prompt and how many jobs
// are left to run; a job a --resume finds interrupted is finished, not
// planned again.
func (m *manyRun) plan(work context.Context) (plans []string, pending int, err error) {
	for i, j := range m.set {
		state := subState(filepath.Join(m.dir, j.sub))
		if state == "done" {
			j.status = "done"
			fmt.Fprintf(m.stdio.ErrOut, "Job %d of %d: %s finished in an earlier run (%s)\n", i+1, len(m.set), j.src.job.Name, filepath.Join(m.dir, j.sub))
			continue
		}
		pending++
		if state == "unfinished" {
			plans = append(plans, fmt.Sprintf("%s: an interrupted run, finished by --resume", j.src.job.Name))
			continue
		}
		fmt.Fprintf(m.stdio.ErrOut, "Job %d of %d: %s (%s)\n", i+1, len(m.set), j.src.job.Name, jobWhere(j.src))
		r := m.runner(j)
		r.Opts.DryRun = true
		sum, err := r.Run(work)
		if err != nil {
			return nil, 0, runExit(sum, fmt.Errorf("job %s: %w", j.src.job.Name, err))
		}
		j.sum, j.status = sum, "planned"
		line := fmt.Sprintf("%s: %s", j.src.job.Name, sum.Plan.ActionText())
		if sum.Plan.Failing > 0 {
			line += fmt.Sprintf(" (%d rows fail in this plan)", sum.Plan.Failing)
		}
		plans = append(plans, line)
	}
	later := slices.ContainsFunc(m.set[1:], func(j *manyJob) bool { return j.sum != nil && j.sum.Plan.Failing > 0 })
	if later {
		fmt.Fprintln(m.stdio.ErrOut, "Rows that need what an earlier job creates fail in this plan: each job is planned again just before it runs.")
	}
	return plans, pending, nil
}

// apply runs the jobs not finished, in order. A job that does not finish
// stops the jobs of a later rank (they depend on it), and a stopped run
// runs no more jobs; both are recorded as not run, with why.
func (m *manyRun) apply(work context.Context, stops *runStops) error {
	stoppedBy := -1 // the rank of the first job that did not finish
	for i, j := range m.set {
		if j.status == "done" {
			continue
		}
		if work.Err() != nil {
			j.status, j.why = "not run", "the run was stopped"
			continue
		}
		if stoppedBy >= 0 && j.rank > stoppedBy {
			j.status, j.why = "not run", "an earlier job it depends on did not finish"
			continue
		}
		fmt.Fprintf(m.stdio.ErrOut, "Job %d of %d: %s\n", i+1, len(m.set), j.src.job.Name)
		r := m.runner(j)
		// An apply's runner finishes a stopped apply itself (its plan's
		// journal); a run's resumes the job's run.
		r.Opts.Resume = m.applying == nil && subState(filepath.Join(m.dir, j.sub)) == "unfinished"
		r.Opts.Applying, r.Opts.Quit = stops.applied, stops.quit
		sum, err := r.Run(work)
		if sum != nil {
			// What finishes a job finishes the whole: the run's folder,
			// not the job's.
			finish := resumeCommand(m.dir)
			if m.applying != nil {
				finish = applyCommand(m.dir)
			}
			printSummaryFor(m.stdio, sum, finish)
		}
		j.sum = sum
		if err := m.record(j, runExit(sum, err)); err != nil {
			return err
		}
		if j.code != ExitOK && stoppedBy < 0 {
			stoppedBy = j.rank
		}
	}
	return nil
}

// record notes how a job ended from its exit: done, or failed with its
// exit code and error. An error that is no exit of a run (the run
// folder, the disk) ends the whole run.
func (m *manyRun) record(j *manyJob, exit error) error {
	var ee *ExitError
	switch {
	case exit == nil:
		j.status, j.code = "done", ExitOK
	case errors.As(exit, &ee):
		j.code = ee.Code
		j.status = "failed"
		if ee.Code == ExitAborted {
			j.status = "stopped" // interrupted, a limit, a daily cap: --resume finishes it
		}
		if ee.Err != nil {
			j.why = ee.Err.Error()
			fmt.Fprintf(m.stdio.ErrOut, "Error: %v\n", ee.Err)
		}
	default:
		return exit
	}
	return nil
}

// ask puts a yes/no question on the terminal.
func ask(stdio *IO, q string) (bool, error) {
	fmt.Fprint(stdio.promptOut(), q+" [y/N] ")
	line, err := bufio.NewReader(stdio.In).ReadString('\n')
	if err != nil && line == "" {
		return false, nil
	}
	a := strings.ToLower(strings.TrimSpace(line))
	return a == "y" || a == "yes", nil
}

func plural(word string, n int) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// jobWhere says what a job reads.
func jobWhere(src *jobSource) string {
	in := filepath.Base(src.job.Input.Path)
	if s := src.job.Input.Sheet; s != "" {
		in += ", sheet " + strconv.Quote(s)
	}
	return filepath.Base(src.job.Path) + " reads " + in
}

// subState says where a job's folder is: "done" (a run finished in it),
// "unfinished" (a journal without a finished run) or "" (not run yet).
func subState(sub string) string {
	switch state, _ := jobs.FolderState(sub); state {
	case jobs.RunFinished:
		return "done"
	case jobs.RunUnfinished:
		return "unfinished"
	}
	return ""
}

func writeJobSet(dir string, set []*manyJob) error {
	var s jobSet
	for _, j := range set {
		abs, _ := filepath.Abs(j.src.job.Path)
		s.Jobs = append(s.Jobs, jobSetEntry{Name: j.src.job.Name, Job: abs, Folder: j.sub, Rank: j.rank})
	}
	data, _ := json.MarshalIndent(s, "", "  ")
	return sheet.WriteAtomic(filepath.Join(dir, JobsJSON), func(w io.Writer) error {
		_, err := w.Write(append(data, '\n'))
		return err
	})
}

// readJobSet reads jobs.json of a run over several jobs (ok false when
// dir is a run of one job).
func readJobSet(dir string) (*jobSet, bool, error) {
	if dir == "" {
		return nil, false, nil
	}
	data, err := os.ReadFile(filepath.Join(dir, JobsJSON))
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, true, err
	}
	var s jobSet
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, true, fmt.Errorf("%s: %w", filepath.Join(dir, JobsJSON), err)
	}
	return &s, true, nil
}

// sameSet refuses a --resume whose jobs are not the folder's.
func sameSet(dir string, set []*manyJob) error {
	s, ok, err := readJobSet(dir)
	switch {
	case err != nil:
		return &ExitError{Code: ExitUsage, Err: err}
	case !ok:
		return exitf(ExitUsage, "%s holds no run of several jobs (no %s): name the folder the run wrote", dir, JobsJSON)
	}
	var want []string
	for _, e := range s.Jobs {
		want = append(want, e.Folder)
	}
	var got []string
	for _, j := range set {
		got = append(got, j.sub)
	}
	if !slices.Equal(want, got) {
		return exitf(ExitUsage, "%s holds a run of the jobs %s, not %s: resume with the same jobs", dir, strings.Join(want, ", "), strings.Join(got, ", "))
	}
	return nil
}

// manyDone writes summary.csv, prints one line a job, and exits with the
// worst job's code (a job not run because another stopped counts as
// stopped).
func manyDone(stdio *IO, dir string, set []*manyJob, dryRun, check bool) error {
	cols := []sheet.Column{{Header: "job"}, {Header: "job_file"}, {Header: "folder"}, {Header: "status"}, {Header: "rows"}, {Header: "counts"}, {Header: "reason"}}
	path := filepath.Join(dir, SummaryCSV)
	code := ExitOK
	drift := false
	err := sheet.WriteAtomic(path, func(f io.Writer) error {
		w, err := sheet.NewCSVWriter(f, cols)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdio.ErrOut, "Jobs (%s):\n", dir)
		for _, j := range set {
			rows, counts := "", ""
			if j.sum != nil {
				rows = strconv.Itoa(j.sum.Rows)
				counts = j.sum.Counts.String()
				if dryRun {
					counts = j.sum.Plan.ActionText()
					if j.sum.Plan.Failing > 0 {
						counts += fmt.Sprintf(", %d rows fail", j.sum.Plan.Failing)
					}
					if j.sum.Plan.Writes() > 0 || j.sum.Plan.Failing > 0 {
						drift = true
					}
				}
			}
			switch {
			case dryRun && j.sum != nil && j.sum.Plan.Failing > 0:
				code = max(code, ExitPartial)
			case j.status == "not run" && code < ExitAborted:
				code = ExitAborted
			case j.code > code && j.code != ExitDrift:
				code = j.code
			}
			fmt.Fprintf(stdio.ErrOut, "  %s: %s %s %s\n", j.sub, j.status, counts, j.why)
			if err := w.WriteRow([]sheet.Cell{sheet.TextCell(j.src.job.Name), sheet.TextCell(j.src.job.Path), sheet.TextCell(j.sub),
				sheet.TextCell(j.status), sheet.TextCell(rows), sheet.TextCell(counts), sheet.TextCell(j.why)}, sheet.Plain); err != nil {
				return err
			}
		}
		return w.Close()
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdio.ErrOut, "Summary: %s\n", path)
	if check {
		if drift {
			return &ExitError{Code: ExitDrift}
		}
		return nil
	}
	if code != ExitOK {
		return &ExitError{Code: code}
	}
	return nil
}

// undoMany undoes a run over several jobs, the last job first.
func undoMany(ctx context.Context, stdio *IO, sigs <-chan os.Signal, dir string, s *jobSet, o *undoOptions) error {
	if o.out != "" {
		return exitf(ExitUsage, "--out: the undo of a run over several jobs goes in each job's folder (FOLDER/undo)")
	}
	worst := ExitOK
	for i := len(s.Jobs) - 1; i >= 0; i-- {
		e := s.Jobs[i]
		sub := filepath.Join(dir, e.Folder)
		if _, err := os.Stat(filepath.Join(sub, jobs.UndoYAML)); err != nil {
			fmt.Fprintf(stdio.ErrOut, "Undo %s: not run, nothing to undo\n", e.Name)
			continue
		}
		fmt.Fprintf(stdio.ErrOut, "Undo %s (%s)\n", e.Name, sub)
		err := undoRun(ctx, stdio, sigs, sub, o)
		var ee *ExitError
		switch {
		case err == nil:
		case errors.As(err, &ee):
			if ee.Err != nil {
				fmt.Fprintf(stdio.ErrOut, "Error: %v\n", ee.Err)
			}
			worst = max(worst, ee.Code)
			if ee.Code == ExitAborted || ee.Code == ExitAuth {
				return &ExitError{Code: ee.Code}
			}
		default:
			return err
		}
	}
	if worst != ExitOK {
		return &ExitError{Code: worst}
	}
	return nil
}
