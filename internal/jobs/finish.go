package jobs

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/zoombulk/zoombulk/internal/report"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// RunInfo is run.json.
type RunInfo struct {
	Job         string           `json:"job"`
	JobFile     string           `json:"job_file"`
	JobSHA256   string           `json:"job_sha256"`
	Input       string           `json:"input"`
	InputSHA256 string           `json:"input_sha256"`
	Version     string           `json:"version"`
	Tier        string           `json:"tier"`
	Share       float64          `json:"share"`
	DryRun      bool             `json:"dry_run"`
	Resumed     bool             `json:"resumed"`
	Aborted     string           `json:"aborted,omitempty"`
	Rows        int              `json:"rows"`
	Counts      map[string]int   `json:"counts"`
	Calls       map[string]int64 `json:"calls"`
	Retries     map[string]int64 `json:"retries"`
	QPS429      map[string]int64 `json:"qps_429"`
	Daily429    map[string]int64 `json:"daily_429"`
	Started     time.Time        `json:"started"`
	Finished    time.Time        `json:"finished"`
	Seconds     float64          `json:"seconds"`
}

// finish settles every row, writes the reports and run.json.
func (e *engine) finish(sum *Summary) error {
	if e.journal != nil {
		if err := e.journal.Close(); err != nil {
			return err
		}
	}
	if reason := e.reason(); reason != "" && !sum.Declined {
		sum.Aborted = reason
	}
	res := &report.Results{Header: e.sheet.Header, Plan: e.Opts.DryRun}
	for _, s := range e.steps {
		res.Steps = append(res.Steps, string(s.Kind))
	}
	sum.Rows = len(e.rows)
	for _, r := range e.rows {
		var line report.ResultRow
		if e.Opts.DryRun || sum.Declined {
			line = e.planLine(r)
			if line.Status == ActFail {
				sum.WouldFail++
			}
		} else {
			line = e.resultLine(r)
			sum.Counts[Outcome(line.Status)]++
			if line.Status == string(Deferred) {
				sum.DeferredTo = e.deferredTo
			}
		}
		res.Rows = append(res.Rows, line)
	}
	sum.Finished = time.Now()
	sum.Stats = e.Client.Stats()
	info := e.runInfo(sum)
	res.Summary = summaryLines(info, sum)
	files, err := report.WriteResults(e.Opts.OutDir, res)
	if err != nil {
		return err
	}
	runJSON := filepath.Join(e.Opts.OutDir, "run.json")
	data, _ := json.MarshalIndent(info, "", "  ")
	if err := os.WriteFile(runJSON, append(data, '\n'), 0o644); err != nil {
		return err
	}
	sum.Files = append(files, runJSON)
	if e.journal != nil {
		sum.Files = append(sum.Files, filepath.Join(e.Opts.OutDir, journalName))
	}
	return nil
}

// resultLine is a row's line in results.csv; steps that never ran are
// not_run.
func (e *engine) resultLine(r *rowRun) report.ResultRow {
	line := report.ResultRow{Number: r.row.Number, Cells: r.row.Cells}
	for i := range r.steps {
		if r.steps[i].result == nil {
			r.steps[i].result = &StepResult{Outcome: NotRun}
		}
		line.Steps = append(line.Steps, string(r.steps[i].result.Outcome))
	}
	status, step, res := r.final(e.steps)
	line.Status, line.Step = string(status), step
	line.HTTPStatus, line.ErrorCode, line.Reason, line.Hint = res.HTTPStatus, res.Code, res.Reason, res.Hint
	if status == NotRun && line.Reason == "" {
		line.Reason = "the run stopped before this row: " + e.reason()
		line.Hint = "finish it with --resume " + e.Opts.OutDir
	}
	line.UserID = r.knownID()
	for _, st := range r.steps {
		if line.UserID == "" && st.result != nil {
			line.UserID = st.result.UserID
		}
	}
	return line
}

// planLine is a row's line in plan.csv: zb_status is the planned action.
func (e *engine) planLine(r *rowRun) report.ResultRow {
	line := report.ResultRow{Number: r.row.Number, Cells: r.row.Cells, UserID: r.knownID()}
	if r.invalid != nil {
		line.Status, line.Step, line.Reason, line.Hint = ActFail, "validate", r.invalid.Reason, r.invalid.Hint
		for range r.steps {
			line.Steps = append(line.Steps, ActSkip)
		}
		return line
	}
	status := ActUnchanged
	for i, st := range r.steps {
		act := st.action
		if act == "" {
			act = string(NotRun)
		}
		line.Steps = append(line.Steps, act)
		switch {
		case status == ActFail:
		case act == ActFail:
			status, line.Step = ActFail, string(e.steps[i].Kind)
			line.Reason, line.Hint = st.fail.Reason, st.fail.Hint
			line.HTTPStatus, line.ErrorCode = st.fail.HTTPStatus, st.fail.Code
		case act == ActCreate, act == ActDelete:
			status = act
		case act == ActUnchanged, act == ActDone, act == ActSkip, act == string(NotRun):
		default:
			if status == ActUnchanged {
				status = ActUpdate
			}
		}
	}
	line.Status = status
	return line
}

func (e *engine) runInfo(sum *Summary) RunInfo {
	byCat := func(m map[zoom.Category]int64) map[string]int64 {
		out := map[string]int64{}
		for c, n := range m {
			if n > 0 {
				out[c.String()] = n
			}
		}
		return out
	}
	counts := map[string]int{}
	for o, n := range sum.Counts {
		counts[string(o)] = n
	}
	return RunInfo{
		Job: e.Job.Name, JobFile: e.Job.Path, JobSHA256: e.jobSum, Input: e.sheet.File, InputSHA256: e.inputSum,
		Version: e.Opts.Version, Tier: e.Client.Tier().Name, Share: e.Client.Share(), DryRun: e.Opts.DryRun,
		Resumed: e.Opts.Resume, Aborted: sum.Aborted, Rows: sum.Rows, Counts: counts,
		Calls: byCat(sum.Stats.Calls), Retries: byCat(sum.Stats.Retries), QPS429: byCat(sum.Stats.QPS429), Daily429: byCat(sum.Stats.Daily429),
		Started: sum.Started.UTC(), Finished: sum.Finished.UTC(), Seconds: sum.Finished.Sub(sum.Started).Seconds(),
	}
}

func summaryLines(info RunInfo, sum *Summary) [][2]string {
	lines := [][2]string{
		{"Job", info.Job}, {"Job file", info.JobFile}, {"Input", info.Input}, {"Input SHA-256", info.InputSHA256},
		{"Tier", fmt.Sprintf("%s × %.2f", info.Tier, info.Share)},
		{"Started (UTC)", info.Started.Format(time.RFC3339)}, {"Finished (UTC)", info.Finished.Format(time.RFC3339)},
		{"Duration", sum.Finished.Sub(sum.Started).Round(time.Millisecond).String()},
		{"Rows", strconv.Itoa(info.Rows)},
	}
	if info.DryRun {
		lines = append(lines, [2]string{"Dry run", "yes: nothing was changed"})
	}
	if info.Aborted != "" {
		lines = append(lines, [2]string{"Aborted", info.Aborted})
	}
	for _, o := range Outcomes {
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
