package jobs

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"time"

	"github.com/zoombulk/zoombulk/internal/results"
	"github.com/zoombulk/zoombulk/internal/sheet"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// RunInfo is run.json.
type RunInfo struct {
	Job         string `json:"job"`
	JobFile     string `json:"job_file"`
	JobSHA256   string `json:"job_sha256"`
	Input       string `json:"input"`
	InputSHA256 string `json:"input_sha256"`
	Sheet       string `json:"sheet,omitempty"`
	JobSource   string `json:"job_source,omitempty"`
	// UndoSHA256 is undo.csv's hash: an undo refuses a file that is not
	// the one the run wrote (unless --edited).
	UndoSHA256 string           `json:"undo_sha256,omitempty"`
	AccountID  string           `json:"account_id"`
	APIHost    string           `json:"api_host"`
	Version    string           `json:"version"`
	Tier       string           `json:"tier"`
	Share      float64          `json:"share"`
	Resumed    bool             `json:"resumed"`
	Aborted    string           `json:"aborted,omitempty"`
	Rows       int              `json:"rows"`
	Counts     map[string]int   `json:"counts"`
	Calls      map[string]int64 `json:"calls"`
	Retries    map[string]int64 `json:"retries"`
	QPS429     map[string]int64 `json:"qps_429"`
	Daily429   map[string]int64 `json:"daily_429"`
	Started    time.Time        `json:"started"`
	Finished   time.Time        `json:"finished"`
	Seconds    float64          `json:"seconds"`
	// Args are the arguments the run was started with, for a resume.
	Args []string `json:"args,omitempty"`
	// PlanOnly: the folder holds a dry run's plan (Plan), not a run.
	PlanOnly bool `json:"plan_only,omitempty"`
	// Plan is what a dry run planned, for zoombulk apply (applyplan.go).
	Plan *PlanRecord `json:"plan,omitempty"`
}

// writePlan writes changes.csv, plan.csv and plan.xlsx: before any write
// of a real run, and as the whole output of a dry run or a declined one.
func (e *engine) writePlan() ([]string, error) {
	rep := &results.PlanReport{Summary: e.planSummary(), Changes: e.planned.Changes, Rows: e.table()}
	if e.changes != nil {
		rep.EachChange = e.changes.each
	}
	if st := e.stream; st != nil {
		rep.EachRow = st.lines.each
	} else {
		// Each row's line is made as it is written, not kept.
		rep.EachRow = func(fn func(results.ResultRow) error) error {
			for _, r := range e.rows {
				if err := fn(e.planLine(r)); err != nil {
					return err
				}
			}
			return nil
		}
	}
	return results.WritePlan(e.Opts.OutDir, rep)
}

// summarizePlan fills a summary that stops at the plan.
func (e *engine) summarizePlan(sum *Summary) {
	sum.Rows = len(e.rows)
	sum.Finished = time.Now()
	sum.Stats = e.stats()
	if st := e.stream; st != nil {
		sum.Rows, sum.Failed = st.rows, st.failed
		return
	}
	for _, r := range e.rows {
		line := e.planLine(r)
		if line.Planned == results.ActFail {
			sum.Failed = append(sum.Failed, FailedRow{Row: line.Number, Email: r.email(), Step: line.Step, Status: results.Failed, Reason: line.Reason})
		}
	}
}

// table is the report's frame: the input columns (without the zb_ columns
// of a report fed back) and the steps.
func (e *engine) table() *results.Results {
	res := &results.Results{}
	for _, h := range e.sheet.Header {
		if !results.IsReportColumn(h) {
			res.Header = append(res.Header, h)
		}
	}
	for _, s := range e.steps {
		res.Steps = append(res.Steps, string(s.Kind))
	}
	return res
}

// inputCells are a row's cells without the zb_ columns, as text and as
// typed values (nil for CSV).
func (e *engine) inputCells(r *rowRun) ([]string, []sheet.Cell) {
	out := make([]string, 0, len(r.row.Cells))
	var typed []sheet.Cell
	for i, h := range e.sheet.Header {
		if results.IsReportColumn(h) || i >= len(r.row.Cells) {
			continue
		}
		out = append(out, r.row.Cells[i])
		if r.row.Values != nil {
			typed = append(typed, sheet.Row{Cells: r.row.Cells, Values: r.row.Values}.Value(i))
		}
	}
	return out, typed
}

// finish settles every row, writes the reports and run.json.
func (e *engine) finish(sum *Summary) error {
	var journalErr error
	if e.journal != nil {
		journalErr = e.journal.Close()
	}
	if reason := e.reason(); reason != "" {
		sum.Aborted = reason
	}
	res := e.table()
	sum.Rows = len(e.rows)
	for _, r := range e.rows {
		line := e.resultLine(r)
		sum.Counts[line.Status]++
		if line.Status == results.Deferred {
			sum.DeferredTo = e.deferredTo
		}
		if line.Status.NeedsLook() {
			sum.Failed = append(sum.Failed, FailedRow{Row: line.Number, Email: r.email(), Step: line.Step, Status: line.Status, Reason: line.Reason})
		}
	}
	// Each row's line is made again as it is written, not kept.
	res.EachRow = func(fn func(results.ResultRow) error) error {
		for _, r := range e.rows {
			if err := fn(e.resultLine(r)); err != nil {
				return err
			}
		}
		return nil
	}
	sum.Finished = time.Now()
	sum.Stats = e.stats()
	info := e.runInfo(sum)
	res.Summary = summaryLines(info, sum)
	if e.quit() {
		res.NoWorkbook, sum.NoWorkbook = true, true
		sum.Notes = append(sum.Notes, "stopped at once: results.xlsx was not written (results.csv and failed.csv were); --resume writes it")
	}
	files, err := results.WriteResults(e.Opts.OutDir, res)
	if err != nil {
		return &ResultsError{Dir: e.Opts.OutDir, Err: err}
	}
	undo, err := e.writeUndo()
	if err != nil {
		return &ResultsError{Dir: e.Opts.OutDir, Err: err}
	}
	files = append(files, undo...)
	if info.UndoSHA256, err = fileSHA256(filepath.Join(e.Opts.OutDir, UndoCSV)); err != nil {
		return &ResultsError{Dir: e.Opts.OutDir, Err: err}
	}
	path := filepath.Join(e.Opts.OutDir, runJSON)
	data, _ := json.MarshalIndent(info, "", "  ")
	if err := sheet.WriteAtomic(path, func(w io.Writer) error {
		_, err := w.Write(append(data, '\n'))
		return err
	}); err != nil {
		return &ResultsError{Dir: e.Opts.OutDir, Err: err}
	}
	sum.Files = append(files, append(sum.Files, path, filepath.Join(e.Opts.OutDir, journalName))...)
	if journalErr != nil && sum.Aborted == "" {
		sum.Aborted = "the journal could not be written: " + journalErr.Error()
	}
	return nil
}

// resultLine is a row's line in results.csv; steps that never ran are
// not_run.
func (e *engine) resultLine(r *rowRun) results.ResultRow {
	line := results.ResultRow{Number: r.row.Number, UserID: r.knownID()}
	line.Cells, line.Values = e.inputCells(r)
	if r.invalid != nil {
		line.Status, line.Step, line.Reason, line.Hint = results.Failed, "validate", r.invalid.Reason, r.invalid.Hint
		for range r.steps {
			line.Steps = append(line.Steps, string(results.Skipped))
		}
		return line
	}
	for i := range r.steps {
		if r.steps[i].result == nil {
			r.steps[i].result = &results.StepResult{Status: results.NotRun}
		}
		line.Steps = append(line.Steps, string(r.steps[i].result.Status))
		if line.UserID == "" {
			line.UserID = r.steps[i].result.UserID
		}
	}
	out := results.Reduce(r.resultsOf())
	line.Status = out.Status
	if out.Step >= 0 {
		line.Step = string(e.steps[out.Step].Kind)
	}
	if res := out.Result; res != nil {
		line.HTTPStatus, line.ErrorCode, line.Reason, line.Hint, line.TrackingID = res.HTTPStatus, res.Code, res.Reason, res.Hint, res.TrackingID
	}
	if (out.Status == results.NotRun || out.Status == results.Partial) && line.Reason == "" {
		line.Reason = "the run stopped before this step: " + e.reason()
		line.Hint = "finish it with --resume " + e.Opts.OutDir
	}
	e.markUnlisted(r, &line)
	return line
}

// markUnlisted names a sync's own row (a member no input row lists) in
// the reports: action `remove (not listed)`, its target, its step.
func (e *engine) markUnlisted(r *rowRun, line *results.ResultRow) {
	if r.unlisted == "" {
		return
	}
	line.Action, line.Target = pick(r.dirDelete, results.ActDelete, results.ActRemoveUnlisted), r.unlisted
	if line.Step == "" {
		line.Step = string(e.steps[r.syncStep].Kind)
	}
}

// planLine is a row's line in the plan: zb_status is the planned action.
func (e *engine) planLine(r *rowRun) results.ResultRow {
	line := results.ResultRow{Number: r.row.Number, UserID: r.knownID()}
	line.Cells, line.Values = e.inputCells(r)
	if r.invalid != nil {
		line.Planned, line.Step, line.Reason, line.Hint = results.ActFail, "validate", r.invalid.Reason, r.invalid.Hint
		for range r.steps {
			line.Steps = append(line.Steps, string(results.ActSkip))
		}
		return line
	}
	status := results.ActUnchanged
	for i, st := range r.steps {
		act := st.action
		if act == "" {
			act = results.Action(results.NotRun)
		}
		line.Steps = append(line.Steps, string(act))
		switch {
		case status == results.ActFail:
		case act == results.ActFail:
			status, line.Step = results.ActFail, string(e.steps[i].Kind)
			line.Reason, line.Hint = st.fail.Reason, st.fail.Hint
			line.HTTPStatus, line.ErrorCode = st.fail.HTTPStatus, st.fail.Code
		case act == results.ActCreate, act == results.ActDelete, act == results.ActDisassoc:
			status = act
		case !act.Writes():
		case status == results.ActUnchanged:
			status = results.ActUpdate
		}
	}
	line.Planned = status
	if r.unlisted != "" && status != results.ActFail {
		line.Planned = pick(r.dirDelete, status, results.ActRemoveUnlisted)
	}
	e.markUnlisted(r, &line)
	return line
}

func byCategory(m map[zoom.Category]int64) map[string]int64 {
	out := map[string]int64{}
	for c, n := range m {
		if n > 0 {
			out[c.String()] = n
		}
	}
	return out
}

func (e *engine) runInfo(sum *Summary) RunInfo {
	var acc, api, tier string
	var share float64
	if e.Client != nil {
		acc, api, tier, share = e.Client.AccountID(), e.Client.APIHost(), e.Client.Tier().Name, e.Client.Share()
	} else {
		acc, api = e.rebuildAccount()
	}
	counts := map[string]int{}
	for o, n := range sum.Counts {
		counts[string(o)] = n
	}
	return RunInfo{
		Job: e.Job.Name, JobFile: e.Job.Path, JobSHA256: e.jobSum, Input: e.sheet.File, InputSHA256: e.inputSum, Sheet: e.sheet.Name, JobSource: e.Opts.JobSource,
		AccountID: acc, APIHost: api,
		Version: e.Opts.Version, Tier: tier, Share: share,
		Resumed: e.Opts.Resume, Aborted: sum.Aborted, Rows: sum.Rows, Counts: counts,
		Calls: byCategory(sum.Stats.Calls), Retries: byCategory(sum.Stats.Retries), QPS429: byCategory(sum.Stats.QPS429), Daily429: byCategory(sum.Stats.Daily429),
		Started: sum.Started.UTC(), Finished: sum.Finished.UTC(), Seconds: sum.Finished.Sub(sum.Started).Seconds(),
		Args: e.runArgs(),
		Plan: e.appliedPlan(),
	}
}

func summaryLines(info RunInfo, sum *Summary) [][2]string {
	lines := [][2]string{
		{"Account", info.AccountID}, {"API host", info.APIHost},
		{"Job", info.Job}, {"Job file", info.JobFile}, {"Input", info.Input}, {"Input SHA-256", info.InputSHA256},
	}
	lines = append(lines, sourceLines(info.JobSource, info.Sheet)...)
	lines = append(lines, [][2]string{
		{"Tier", fmt.Sprintf("%s × %.2f", info.Tier, info.Share)},
		{"Started (UTC)", info.Started.Format(time.RFC3339)}, {"Finished (UTC)", info.Finished.Format(time.RFC3339)},
		{"Duration", sum.Finished.Sub(sum.Started).Round(time.Millisecond).String()},
		{"Rows", strconv.Itoa(info.Rows)},
	}...)
	if info.Aborted != "" {
		lines = append(lines, [2]string{"Stopped early", info.Aborted})
	}
	for _, o := range results.Statuses {
		if n, ok := info.Counts[string(o)]; ok {
			lines = append(lines, [2]string{"Rows " + string(o), strconv.Itoa(n)})
		}
	}
	for _, c := range zoom.Categories {
		if n := info.Calls[c.String()]; n > 0 {
			lines = append(lines, [2]string{c.String() + " calls", strconv.FormatInt(n, 10)})
		}
		if n := info.QPS429[c.String()] + info.Daily429[c.String()]; n > 0 {
			lines = append(lines, [2]string{c.String() + " 429s", strconv.FormatInt(n, 10)})
		}
	}
	return lines
}

// planSummary is the plan's Summary sheet: what an approver signs.
func (e *engine) planSummary() [][2]string {
	p := e.planned
	lines := [][2]string{
		{"Account", p.AccountID}, {"API host", p.APIHost}, {"Job", e.Job.Name}, {"Job file", e.Job.Path},
		{"Input", e.sheet.File}, {"Input SHA-256", e.inputSum},
	}
	lines = append(lines, sourceLines(e.Opts.JobSource, e.sheet.Name)...)
	lines = append(lines, [][2]string{
		{"Rows", strconv.Itoa(p.Rows)},
		{"Rows that fail", strconv.Itoa(p.Failing)},
		{"Planned (UTC)", time.Now().UTC().Format(time.RFC3339)},
	}...)
	for _, sp := range p.Steps {
		lines = append(lines, [2]string{"Step " + sp.Kind, sp.Actions.Text(nil)})
	}
	for _, c := range zoom.Categories {
		if n := p.Calls[c]; n > 0 {
			lines = append(lines, [2]string{c.String() + " calls to make", strconv.Itoa(n)})
		}
	}
	lines = append(lines, [2]string{"Time the limits imply", p.Duration.Round(time.Second).String()})
	removals := p.RemovalText()
	if removals == "" {
		removals = "none"
	}
	lines = append(lines, [2]string{"Removals", removals})
	lines = append(lines, planLimitLines(p)...)
	for _, w := range p.Warnings {
		lines = append(lines, [2]string{"Warning", w})
	}
	return lines
}

// quit says whether a second stop came (Options.Quit closed).
func (e *engine) quit() bool {
	if e.Opts.Quit == nil {
		return false
	}
	select {
	case <-e.Opts.Quit:
		return true
	default:
		return false
	}
}

// stats are the client's counts (none when rebuilding without a client).
func (e *engine) stats() zoom.Stats {
	if e.Client == nil {
		return zoom.Stats{}
	}
	return statsSince(e.Client.Stats(), e.statsBase)
}

// statsSince is what a run spent of a client other runs share (the jobs
// of a run over several jobs): the counters less those at its start.
func statsSince(now, base zoom.Stats) zoom.Stats {
	sub := func(m, b map[zoom.Category]int64) map[zoom.Category]int64 {
		out := map[zoom.Category]int64{}
		for c, n := range m {
			if d := n - b[c]; d > 0 {
				out[c] = d
			}
		}
		return out
	}
	now.Calls, now.Retries, now.QPS429, now.Daily429 = sub(now.Calls, base.Calls), sub(now.Retries, base.Retries), sub(now.QPS429, base.QPS429), sub(now.Daily429, base.Daily429)
	now.Tokens -= base.Tokens
	return now
}

// runArgs are the arguments recorded for the run: this invocation's, or on
// a resume given none, those the run was started with.
func (e *engine) runArgs() []string {
	if len(e.Opts.Args) > 0 {
		return e.Opts.Args
	}
	if e.prior != nil {
		return e.prior.header.Args
	}
	return nil
}

// sourceLines name the sheet a workbook input was read from and, when the
// job is not a job file given as such, where it came from (a workbook's
// hidden sheet): what the approver of a plan has to see.
func sourceLines(source, sheetName string) [][2]string {
	var lines [][2]string
	if source != "" {
		lines = append(lines, [2]string{"Job source", source})
	}
	if sheetName != "" {
		lines = append(lines, [2]string{"Sheet read", sheetName})
	}
	return lines
}
