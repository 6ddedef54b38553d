package jobs

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/results"
)

// RunDirError refuses a run folder: it holds another run. It is a usage
// error (exit 2): nothing was read from or sent to Zoom.
type RunDirError struct {
	Dir  string
	Msg  string
	Hint string
	Err  error // what kind of refusal, when a caller needs to tell (ErrUndoEdited)
}

func (e *RunDirError) Unwrap() error { return e.Err }

func (e *RunDirError) Error() string {
	s := e.Dir + ": " + e.Msg
	if e.Hint != "" {
		s += " (" + e.Hint + ")"
	}
	return s
}

const (
	runJSON  = "run.json"
	lockName = ".zoombulk.lock"
)

// openRunDir creates the run folder, or checks the earlier run in it. A
// folder that holds a finished run is not reused without --overwrite; one
// that holds an unfinished run is only resumed.
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
	if e.Opts.Resume || e.Opts.Rebuild {
		return e.openResume(dir)
	}
	if e.Opts.Apply != nil {
		return e.openApply(dir)
	}
	// A dry run's plan is no run: a new plan or a run may replace it.
	switch state, info := FolderState(dir); {
	case state == NoRun:
	case e.Opts.Overwrite && !e.Opts.DryRun && info != nil:
		moved, err := setAsideRun(dir)
		if err != nil {
			return err
		}
		e.Events.Logf("--overwrite: the earlier run's files (its undo.csv and journal included) were moved to %s", moved)
	case info == nil:
		return &RunDirError{Dir: dir, Msg: "holds a run that did not finish", Hint: "finish it with --resume " + dir + ", or choose another --out"}
	case state == RunUnfinished:
		return &RunDirError{Dir: dir, Msg: fmt.Sprintf("holds a run that stopped early on %s (%s)", info.Started.Format(time.RFC3339), info.Aborted),
			Hint: "finish it with --resume " + dir + ", or choose another --out"}
	default:
		return &RunDirError{Dir: dir, Msg: fmt.Sprintf("holds a finished run of %s from %s (%d rows: %s)", info.Job, info.Started.Format(time.RFC3339), info.Rows, countsOf(info)),
			Hint: "choose another --out, leave --out out for a new folder, or add --overwrite to replace it"}
	}
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		e.madeDir = true
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if e.Opts.DryRun {
		return nil
	}
	e.lock, err = takeLock(dir)
	return err
}

func (e *engine) openResume(dir string) error {
	st, err := readJournal(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return &RunDirError{Dir: dir, Msg: "holds no run to resume (no " + journalName + ")", Hint: "name the folder of an interrupted run, or run without --resume"}
	}
	if err != nil {
		return &RunDirError{Dir: dir, Msg: "cannot resume: " + err.Error()}
	}
	h := st.header
	acc, api := accountOf(dir, st)
	if e.Opts.Rebuild {
		// Nothing is sent: the files name the run's own account.
	} else if err := e.checkAccount(dir, acc, api, "resume"); err != nil {
		return err
	}
	if h.Sheet != "" && h.Sheet != e.sheet.Name || h.HeaderRow != 0 && h.HeaderRow != e.sheet.HeaderRow {
		return &jobfile.JobError{File: e.sheet.File, Msg: fmt.Sprintf("the run read sheet %q (header on row %d), but this resume reads sheet %q (header on row %d)",
			h.Sheet, h.HeaderRow, e.sheet.Name, e.sheet.HeaderRow), Hint: "resume with the same sheet, or start a new run for the other one", Err: ErrChangedSinceRun}
	}
	if h.Match != "" && h.Match != e.Job.Key() {
		return &jobfile.JobError{File: e.Job.Path, Msg: "the run matched rows by " + h.Match + ", this job by " + e.Job.Key(), Err: ErrChangedSinceRun,
			Hint: "resume with the job as it was"}
	}
	if !e.Opts.Force {
		if h.JobSHA256 != e.jobSum {
			return &jobfile.JobError{File: e.Job.Path, Msg: "the job file " + ErrChangedSinceRun.Error(), Err: ErrChangedSinceRun,
				Hint: "resume with the job as it was, or add --force to go on with the changed one"}
		}
		if h.InputSHA256 != e.inputSum {
			return &jobfile.JobError{File: e.sheet.File, Msg: "the input " + ErrChangedSinceRun.Error(), Err: ErrChangedSinceRun,
				Hint: "resume with the input as it was, or add --force (rows are matched by their email or id)"}
		}
	}
	e.prior = st
	if e.Opts.DryRun {
		return nil
	}
	e.lock, err = takeLock(dir)
	return err
}

// startJournal opens the journal just before the first write: a dry run,
// a declined prompt or a refused plan leave none.
func (e *engine) startJournal() error {
	dir := e.Opts.OutDir
	var err error
	if e.prior != nil {
		if e.journal, err = appendJournal(dir); err != nil {
			return err
		}
		return e.settleCreates(e.work)
	}
	steps := make([]string, len(e.steps))
	for i, s := range e.steps {
		steps[i] = string(s.Kind)
	}
	abs, _ := filepath.Abs(e.sheet.File)
	e.journal, err = createJournal(dir, journalHeader{
		Job: e.Job.Path, JobSHA256: e.jobSum, Input: abs, InputSHA256: e.inputSum, Sheet: e.sheet.Name, HeaderRow: e.sheet.HeaderRow,
		Match: e.Job.Key(), Steps: steps, Rows: e.inputRows(), Started: time.Now().UTC().Format(time.RFC3339), Version: e.Opts.Version,
		AccountID: e.Client.AccountID(), APIHost: e.Client.APIHost(), Args: e.Opts.Args,
	})
	return err
}

// RunState is what a run folder holds.
type RunState int

const (
	NoRun         RunState = iota // nothing, or only a dry run's plan
	RunFinished                   // a run that finished every row it could
	RunUnfinished                 // a run that stopped early, deferred or left rows not run, or a journal with no run.json
)

// FolderState says what dir holds, with the run's run.json when it has
// one (nil for a journal alone).
func FolderState(dir string) (RunState, *RunInfo) {
	if info, err := readRunInfo(dir); err == nil && !info.PlanOnly {
		if info.Aborted != "" || info.Counts[string(results.Deferred)] > 0 || info.Counts[string(results.NotRun)] > 0 {
			return RunUnfinished, info
		}
		return RunFinished, info
	}
	if _, err := os.Stat(filepath.Join(dir, journalName)); err == nil {
		return RunUnfinished, nil
	}
	return NoRun, nil
}

func readRunInfo(dir string) (*RunInfo, error) {
	data, err := os.ReadFile(filepath.Join(dir, runJSON))
	if err != nil {
		return nil, err
	}
	var info RunInfo
	if err := json.Unmarshal(data, &info); err != nil {
		return nil, err
	}
	return &info, nil
}

func countsOf(info *RunInfo) string {
	c := results.Counts{}
	for k, v := range info.Counts {
		c[results.Status(k)] = v
	}
	return c.String()
}

// setAsideRun moves the files of a finished run into
// RUN_DIR/replaced-<UTC time>/ (--overwrite): its undo.csv, journal and
// the folder of its undo stay, so that run can still be undone.
func setAsideRun(dir string) (string, error) {
	dest := filepath.Join(dir, "replaced-"+time.Now().UTC().Format("20060102T150405.000Z"))
	if err := os.Mkdir(dest, 0o755); err != nil {
		return "", err
	}
	for _, name := range []string{runJSON, journalName, results.ResultsCSV, results.ResultsXLSX, results.FailedCSV,
		results.PlanCSV, results.PlanXLSX, results.ChangesCSV, UndoCSV, UndoYAML, "undo"} {
		if err := os.Rename(filepath.Join(dir, name), filepath.Join(dest, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
	}
	return dest, nil
}

// runLock keeps two processes from applying the same run folder at once.
type runLock struct{ path string }

// takeLock creates the folder's lock file, holding this process's ID. A
// lock whose process is gone (a killed run) is taken over.
func takeLock(dir string) (*runLock, error) {
	path := filepath.Join(dir, lockName)
	for attempt := 0; attempt < 2; attempt++ {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err == nil {
			fmt.Fprintf(f, "%d\n", os.Getpid())
			return &runLock{path: path}, f.Close()
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		data, _ := os.ReadFile(path)
		pid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
		if pid > 0 && pid != os.Getpid() && alive(pid) {
			return nil, &RunDirError{Dir: dir, Msg: fmt.Sprintf("another zoombulk (process %d) is running in this folder", pid),
				Hint: "wait for it to finish; two runs on one folder would both apply the same rows"}
		}
		os.Remove(path) // stale: its process is gone
	}
	return nil, &RunDirError{Dir: dir, Msg: "cannot take the folder's lock", Hint: "remove " + path + " if no zoombulk is running"}
}

func alive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	return p.Signal(syscall.Signal(0)) == nil
}

func (l *runLock) release() {
	if l != nil {
		os.Remove(l.path)
	}
}

// RunArgs are the arguments a run in dir was started with, from its
// run.json or, for a run that ended before writing it, its journal's
// header: what `zoombulk run --resume DIR` runs again. A run recorded
// before the arguments were kept gives none (nil, nil).
func RunArgs(dir string) ([]string, error) {
	if info, err := readRunInfo(dir); err == nil && len(info.Args) > 0 {
		return info.Args, nil
	}
	h, err := readJournalHeader(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &RunDirError{Dir: dir, Msg: "holds no run to resume (no " + journalName + ")", Hint: "name the folder of an interrupted run, or run without --resume"}
	}
	if err != nil {
		return nil, &RunDirError{Dir: dir, Msg: "cannot resume: " + err.Error()}
	}
	return h.Args, nil
}
