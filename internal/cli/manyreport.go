package cli

import (
	"errors"
	"path/filepath"
)

// manyReport is run --json of a run over several jobs: one JSON object for
// the whole run, with for each job, in the order they run, the summary a
// single job's --json prints (runReport).
type manyReport struct {
	Dir      string        `json:"dir,omitempty"`
	Account  string        `json:"account,omitempty"`
	DryRun   bool          `json:"dry_run"`
	ExitCode int           `json:"exit_code"`
	Outcome  string        `json:"outcome"`
	Error    string        `json:"error,omitempty"`
	Jobs     []manyJobJSON `json:"jobs"`
}

type manyJobJSON struct {
	Name    string    `json:"name"`
	Folder  string    `json:"folder"`
	Status  string    `json:"status"` // done, failed, stopped, not run, planned
	Reason  string    `json:"reason,omitempty"`
	Summary runReport `json:"summary"`
}

// outcomes name the exit codes in words a script can switch on.
var outcomes = map[int]string{
	ExitOK:      "ok",
	ExitPartial: "partial",
	ExitUsage:   "refused",
	ExitAborted: "stopped",
	ExitAuth:    "unreachable",
	ExitDrift:   "differs",
}

func outcomeOf(code int) string {
	if s, ok := outcomes[code]; ok {
		return s
	}
	return "error"
}

// newManyReport is the report of the run o.many describes, which ended
// with err.
func newManyReport(o *runOptions, err error) manyReport {
	code := exitCodeOf(err)
	r := manyReport{Dir: o.many.dir, Account: o.many.account, DryRun: o.dryRun, ExitCode: code, Outcome: outcomeOf(code),
		Error: errText(err), Jobs: []manyJobJSON{}}
	for _, j := range o.many.set {
		name := j.sub
		if j.src != nil && j.src.job != nil {
			name = j.src.job.Name
		}
		folder := j.sub
		if o.many.dir != "" {
			folder = filepath.Join(o.many.dir, j.sub)
		}
		status := j.status
		if status == "" {
			status = "not run" // the run ended before it came to this job
		}
		r.Jobs = append(r.Jobs, manyJobJSON{Name: name, Folder: folder, Status: status, Reason: j.why,
			Summary: newRunReport(name, j.src, j.sum, j.exit(o.check))})
	}
	return r
}

// exit is how the job ended, as its own run would have exited: the code
// its summary's exit_code reports.
func (j *manyJob) exit(check bool) error {
	var why error
	if j.why != "" {
		why = errors.New(j.why)
	}
	switch {
	case j.code != ExitOK:
		return &ExitError{Code: j.code, Err: why}
	case j.status == "not run" || j.status == "":
		return &ExitError{Code: ExitAborted, Err: why}
	case j.sum != nil && j.sum.DryRun && check:
		if p := j.sum.Plan; p != nil && (p.Writes() > 0 || p.Failing > 0) {
			return &ExitError{Code: ExitDrift}
		}
		return nil
	case j.sum != nil && j.sum.DryRun:
		return runExit(j.sum, nil)
	}
	return nil
}
