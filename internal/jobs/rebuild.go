package jobs

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"

	"github.com/zoombulk/zoombulk/internal/results"
)

// Rebuilding a run's files: results.csv, results.xlsx, failed.csv,
// undo.csv, undo.yaml and run.json are all derived from the journal and
// the input, so a run whose files were lost (a full disk, a second stop, a
// kill) gets them back without a call to Zoom: `zoombulk results RUN_DIR`.
// Rows the journal has not finished are not_run, as after a stop.

// RunHeader is what a run folder's journal says of the run: its job and
// input files, the sheet read and the account it was made on.
type RunHeader struct {
	Job, Input, Sheet  string
	AccountID, APIHost string
	Steps              []string
}

// ReadRunHeader reads the head of a run folder's journal.
func ReadRunHeader(dir string) (*RunHeader, error) {
	h, err := readJournalHeader(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &RunDirError{Dir: dir, Msg: "holds no run (no " + journalName + ")", Hint: "name the folder of a run"}
	}
	if err != nil {
		return nil, &RunDirError{Dir: dir, Msg: "cannot read the journal: " + err.Error()}
	}
	return &RunHeader{Job: h.Job, Input: h.Input, Sheet: h.Sheet, AccountID: h.AccountID, APIHost: h.APIHost, Steps: h.Steps}, nil
}

// rebuild writes the run's files from the journal alone (Options.Rebuild).
func (e *engine) rebuild(sum *Summary) error {
	keyField := e.Job.Key()
	e.rows = make([]*rowRun, len(e.sheet.Rows))
	unfinished := false
	for i := range e.sheet.Rows {
		row := &e.sheet.Rows[i]
		r := &rowRun{row: row, steps: make([]rowStep, len(e.steps))}
		e.rows[i] = r
		r.key = e.rowKey(row, keyField) // the journal is keyed by it
		if len(row.Record.Problems) > 0 {
			r.invalid = invalidResult(row)
			for j := range r.steps {
				r.steps[j].result = &results.StepResult{Status: results.Skipped, Reason: "the row failed validation"}
			}
			continue
		}
		if e.restore(r) {
			unfinished = true
		}
	}
	if unfinished {
		e.abort("the journal does not finish every row (rebuilt by zoombulk results)")
	}
	return e.finish(sum)
}

// rebuildAccount is the account of a rebuilt run: the journal's.
func (e *engine) rebuildAccount() (string, string) {
	if e.prior != nil {
		return e.prior.header.AccountID, e.prior.header.APIHost
	}
	return "", ""
}

// rebuildSteps checks that the job's steps are the run's.
func (e *engine) rebuildSteps() error {
	var steps []string
	for _, s := range e.steps {
		steps = append(steps, string(s.Kind))
	}
	if !slices.Equal(steps, e.prior.header.Steps) {
		return &RunDirError{Dir: e.Opts.OutDir, Msg: fmt.Sprintf("the job's steps (%s) are not the run's (%s)", strings.Join(steps, ", "), strings.Join(e.prior.header.Steps, ", ")),
			Hint: "rebuild with the job file the run used: " + filepath.Base(e.prior.header.Job)}
	}
	return nil
}
