package cli

import (
	"errors"
	"sort"
	"time"

	"github.com/zoombulk/zoombulk/internal/jobs"
	"github.com/zoombulk/zoombulk/internal/mapping"
)

// runReport is run --json: the final summary as one JSON object, for
// scripts. The keys are stable; the human summary still goes to stderr.
type runReport struct {
	Job        string          `json:"job"`
	Dir        string          `json:"dir,omitempty"`
	DryRun     bool            `json:"dry_run"`
	Rows       int             `json:"rows"`
	Counts     map[string]int  `json:"counts"`
	ExitCode   int             `json:"exit_code"`
	Error      string          `json:"error,omitempty"`
	Aborted    string          `json:"aborted,omitempty"`
	DeferredTo *time.Time      `json:"deferred_to,omitempty"`
	Account    string          `json:"account,omitempty"`
	Planned    map[string]int  `json:"planned,omitempty"` // actions the plan counted, over all steps
	Calls      int             `json:"calls_planned"`
	Started    *time.Time      `json:"started,omitempty"`
	Finished   *time.Time      `json:"finished,omitempty"`
	Failed     []failedRowJSON `json:"failed"`
	Files      []string        `json:"files"`
	Mapping    []mappedColumn  `json:"mapping,omitempty"`
	Ignored    []string        `json:"ignored_columns,omitempty"`
}

type failedRowJSON struct {
	Row    int    `json:"row"`
	Email  string `json:"email"`
	Status string `json:"status"`
	Step   string `json:"step"`
	Reason string `json:"reason"`
}

type mappedColumn struct {
	Column string `json:"column"`
	Field  string `json:"field"`
}

// exitCodeOf is the process exit code an error from a command means.
func exitCodeOf(err error) int {
	if err == nil {
		return ExitOK
	}
	var exit *ExitError
	if errors.As(err, &exit) {
		return exit.Code
	}
	return ExitUsage
}

func errText(err error) string {
	var exit *ExitError
	if errors.As(err, &exit) && exit.Err == nil {
		return ""
	}
	if err == nil {
		return ""
	}
	return err.Error()
}

func newRunReport(name string, src *jobSource, sum *jobs.Summary, err error) runReport {
	r := runReport{Job: name, Counts: map[string]int{}, ExitCode: exitCodeOf(err), Error: errText(err),
		Failed: []failedRowJSON{}, Files: []string{}}
	if src != nil {
		if src.job != nil {
			r.Job = src.job.Name
		}
		for _, m := range src.mapped {
			r.Mapping = append(r.Mapping, mappedColumn{Column: m[0], Field: m[1]})
		}
		r.Ignored = src.ignored
	}
	if sum == nil {
		return r
	}
	r.Dir, r.DryRun, r.Rows, r.Aborted = sum.Dir, sum.DryRun, sum.Rows, sum.Aborted
	for st, n := range sum.Counts {
		r.Counts[string(st)] = n
	}
	if !sum.DeferredTo.IsZero() {
		t := sum.DeferredTo.UTC()
		r.DeferredTo = &t
	}
	if !sum.Started.IsZero() {
		s, f := sum.Started.UTC(), sum.Finished.UTC()
		r.Started, r.Finished = &s, &f
	}
	if p := sum.Plan; p != nil {
		r.Account = p.AccountID
		r.Calls = p.Writes()
		r.Planned = map[string]int{}
		for _, sp := range p.Steps {
			for a, n := range sp.Actions {
				r.Planned[string(a)] += n
			}
		}
	}
	for _, f := range sum.Failed {
		r.Failed = append(r.Failed, failedRowJSON{Row: f.Row, Email: f.Email, Status: string(f.Status), Step: f.Step, Reason: f.Reason})
	}
	if sum.Files != nil {
		r.Files = sum.Files
	}
	return r
}

// validateReport is validate --json.
type validateReport struct {
	Job              string         `json:"job"`
	Input            string         `json:"input,omitempty"`
	Rows             int            `json:"rows"`
	RowsWithProblems int            `json:"rows_with_problems"`
	ProblemsByKind   map[string]int `json:"problems_by_kind"`
	Problems         []problemJSON  `json:"problems"`
	Report           string         `json:"report,omitempty"`
	ExitCode         int            `json:"exit_code"`
	Error            string         `json:"error,omitempty"`
	Mapping          []mappedColumn `json:"mapping,omitempty"`
	Ignored          []string       `json:"ignored_columns,omitempty"`
}

type problemJSON struct {
	Row     int    `json:"row"`
	Column  string `json:"column,omitempty"`
	Field   string `json:"field,omitempty"`
	Value   string `json:"value,omitempty"`
	Kind    string `json:"kind"`
	Problem string `json:"problem"`
	Hint    string `json:"hint,omitempty"`
}

func problemsJSON(ps []mapping.Problem) ([]problemJSON, map[string]int) {
	out := make([]problemJSON, 0, len(ps))
	kinds := map[string]int{}
	for _, p := range ps {
		out = append(out, problemJSON{Row: p.Row, Column: p.Column, Field: p.Field, Value: p.Value, Kind: p.Kind, Problem: p.Msg, Hint: p.Hint})
		kinds[p.Kind]++
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Row < out[j].Row })
	return out, kinds
}
