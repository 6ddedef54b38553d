package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/jobs"
	"github.com/zoombulk/zoombulk/internal/mapping"
	"github.com/zoombulk/zoombulk/internal/sheet"
)

func init() { register(newValidateCmd) }

// validationFile is the report validate writes.
const validationFile = "validation.csv"

// shownProblems is how many problems validate prints in full.
const shownProblems = 20

type validateOptions struct {
	input string
	sheet string
	out   string
	auto  autoOptions
	json  bool
}

func newValidateCmd(stdio *IO, _ <-chan os.Signal) *cobra.Command {
	var o validateOptions
	cmd := &cobra.Command{
		Use:   "validate JOB.yaml | WORKBOOK.xlsx | SHEET.csv --steps STEP,...",
		Short: "Check a job file and every row of its input, offline",
		Long: `validate reads the job file and every row of its input and reports every
problem at once: unknown keys and fields in the job, missing columns, and per
row the required fields, email syntax, values that are not allowed, cells
that the job's values maps do not cover, and users listed twice.

Nothing is sent to Zoom and no credentials are read. The summary and the
first 20 problems are printed; with --out DIR every problem goes to
DIR/validation.csv (row, column, field, value, problem, hint), which opens in
Excel. Without --out nothing is written.

Like run, validate takes a workbook that carries its job, or a spreadsheet
with --steps to map its headers.

Exit status: 0 when every row is ready, 2 when the job, the input or any row
has a problem.`,
		Example: `  zoombulk validate hires.yaml
  zoombulk validate hires.yaml --input fixed-hires.csv --out reports/
  zoombulk validate migration.yaml --sheet "New users"
  zoombulk validate hires.xlsx
  zoombulk validate users.csv --steps update_users`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rep := &validateReport{Job: args[0], ProblemsByKind: map[string]int{}, Problems: []problemJSON{}}
			err := runValidate(stdio, args[0], o, rep)
			if o.json {
				rep.ExitCode, rep.Error = exitCodeOf(err), errText(err)
				if jerr := jsonOut(stdio.Out, rep); jerr != nil && err == nil {
					return jerr
				}
			}
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.input, "input", "", "read this `FILE` instead of the job's input.path (.csv or .xlsx)")
	f.StringVar(&o.sheet, "sheet", "", "read this `SHEET` of the workbook instead of the job's input.sheet")
	f.StringVar(&o.out, "out", "", "write every problem to validation.csv in this `DIR` (without it nothing is written)")
	registerAutoFlags(f, &o.auto)
	f.BoolVar(&o.json, "json", false, "write the summary and every problem to stdout as one JSON object (the report goes to stderr)")
	return cmd
}

func runValidate(stdio *IO, jobPath string, o validateOptions, rep *validateReport) error {
	// The report is for people: on stdout, unless stdout carries JSON.
	human := stdio.Out
	if o.json {
		human = stdio.ErrOut
	}
	if stdio.quiet {
		human = io.Discard
	}
	o.auto.sheet = o.sheet
	src, err := loadJobArg("validate", jobPath, o.auto)
	if err != nil {
		var exit *ExitError
		if errors.As(err, &exit) {
			return err
		}
		return &ExitError{Code: ExitUsage, Err: errorLines("the job file has problems", err)}
	}
	job := src.job
	rep.Job = job.Name
	for _, m := range src.mapped {
		rep.Mapping = append(rep.Mapping, mappedColumn{Column: m[0], Field: m[1]})
	}
	rep.Ignored = src.ignored
	printMapping(human, src)
	// The report is written only where --out asks: a check leaves no
	// folder behind (the console lists the problems).
	report := ""
	if o.out != "" {
		report = filepath.Join(o.out, validationFile)
	}
	// Problems stream into the report; only the first few and the counts
	// are kept (every one with --json, which lists them).
	v := validation{byKind: map[string]int{}, badRows: map[int]bool{}}
	w := &validationWriter{path: report}
	var all []mapping.Problem
	in, rows, err := jobs.Validate(job, jobs.ReadOptions{Path: o.input, Sheet: o.sheet}, func(p mapping.Problem) error {
		v.add(p)
		if o.json {
			all = append(all, p)
		}
		return w.write(p)
	})
	if err == nil {
		err = w.close()
	}
	if w.err != nil {
		return exitf(ExitUsage, "writing %s: %v", report, w.err)
	}
	if err != nil {
		err = headerRowHint(job, o.input, o.sheet, err)
		return &ExitError{Code: ExitUsage, Err: errorLines("the input cannot be used", err)}
	}
	rep.Input, rep.Rows, rep.Report = in.File, rows, report
	rep.RowsWithProblems = len(v.badRows)
	rep.Problems, rep.ProblemsByKind = problemsJSON(all)
	printValidation(human, job, in, rows, v, report)
	if v.total == 0 {
		return nil
	}
	where := "add --out DIR to write every problem to validation.csv"
	if report != "" {
		where = "every problem is in " + report
	}
	return exitf(ExitUsage, "%s of %s rows have problems; nothing was sent (%s)",
		groupDigits(len(v.badRows)), groupDigits(rows), where)
}

// validation is what validate keeps of the problems.
type validation struct {
	total   int
	byKind  map[string]int
	badRows map[int]bool
	first   []mapping.Problem // the first shownProblems
}

func (v *validation) add(p mapping.Problem) {
	v.total++
	v.byKind[p.Kind]++
	v.badRows[p.Row] = true
	if len(v.first) < shownProblems {
		v.first = append(v.first, p)
	}
}

// errorLines puts each of several joined errors on its own line.
func errorLines(what string, err error) error {
	var many interface{ Unwrap() []error }
	if errors.As(err, &many) {
		errs := many.Unwrap()
		if len(errs) > 1 {
			var b strings.Builder
			fmt.Fprintf(&b, "%s (%d):", what, len(errs))
			for _, e := range errs {
				b.WriteString("\n  ")
				b.WriteString(strings.ReplaceAll(e.Error(), "\n", "\n    "))
			}
			return errors.New(b.String())
		}
	}
	return err
}

// validationWriter writes validation.csv, made at the first problem (or
// at close): Validate emits nothing when the input cannot be used, and then
// there is no report.
type validationWriter struct {
	path string
	f    *os.File
	w    sheet.TableWriter
	err  error // the first error writing
}

func (v *validationWriter) open() error {
	if err := os.MkdirAll(filepath.Dir(v.path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(v.path)
	if err != nil {
		return err
	}
	v.f = f
	v.w, err = sheet.NewCSVWriter(f, []sheet.Column{
		{Header: "row"}, {Header: "column"}, {Header: "field"}, {Header: "value"}, {Header: "problem"}, {Header: "hint"},
	})
	return err
}

func (v *validationWriter) write(p mapping.Problem) error {
	if v.path == "" {
		return nil // no --out: no report
	}
	if v.f == nil && v.err == nil {
		v.err = v.open()
	}
	if v.err == nil {
		v.err = v.w.WriteRow([]sheet.Cell{
			sheet.IntCell(int64(p.Row)), sheet.TextCell(p.Column), sheet.TextCell(p.Field),
			sheet.TextCell(p.Value), sheet.TextCell(p.Msg), sheet.TextCell(p.Hint),
		}, sheet.Plain)
	}
	return v.err
}

func (v *validationWriter) close() error {
	if v.path == "" {
		return nil
	}
	if v.f == nil && v.err == nil {
		v.err = v.open()
	}
	if v.err == nil {
		v.err = v.w.Close()
	}
	if v.f != nil {
		v.err = errors.Join(v.err, v.f.Close())
	}
	return v.err
}

func printValidation(w io.Writer, job *jobfile.Job, in *jobs.Input, rows int, v validation, report string) {
	steps := make([]string, len(job.Steps))
	for i, s := range job.Steps {
		steps[i] = string(s.Kind)
	}
	fmt.Fprintf(w, "Job:    %s (%s)\n", job.Path, strings.Join(steps, ", "))
	fmt.Fprintf(w, "Input:  %s\n", in.File)
	fmt.Fprintf(w, "Rows read:          %s\n", groupDigits(rows))
	for _, note := range in.Notes() {
		fmt.Fprintf(w, "Input:              %s\n", note)
	}
	fmt.Fprintf(w, "Rows with problems: %s\n", groupDigits(len(v.badRows)))
	if v.total == 0 {
		if rows == 0 {
			fmt.Fprintln(w, "The input has no data rows: there is nothing to do.")
			return
		}
		fmt.Fprintf(w, "No problems: all %s rows are ready.\n", groupDigits(rows))
		return
	}
	counts := v.byKind
	kinds := make([]string, 0, len(counts))
	width := 0
	for k := range counts {
		kinds = append(kinds, k)
		width = max(width, len(k))
	}
	sort.Slice(kinds, func(i, j int) bool {
		if counts[kinds[i]] != counts[kinds[j]] {
			return counts[kinds[i]] > counts[kinds[j]]
		}
		return kinds[i] < kinds[j]
	})
	fmt.Fprintf(w, "Problems by kind:\n")
	for _, k := range kinds {
		fmt.Fprintf(w, "  %-*s %s\n", width, k, groupDigits(counts[k]))
	}
	if len(v.first) < v.total {
		fmt.Fprintf(w, "\nThe first %d of %s problems:\n", len(v.first), groupDigits(v.total))
	} else {
		fmt.Fprintf(w, "\nProblems:\n")
	}
	for _, p := range v.first {
		fmt.Fprintf(w, "  %s\n", problemLine(p))
	}
	if report != "" {
		fmt.Fprintf(w, "\nEvery problem is in %s.\n", report)
	} else if len(v.first) < v.total {
		fmt.Fprintf(w, "\nEvery problem goes to %s with --out DIR.\n", validationFile)
	}
}

// problemLine reads `row 7, column "Email": "x" is not a valid email
// address — write one address like name@example.com`.
func problemLine(p mapping.Problem) string {
	var b strings.Builder
	b.WriteString("row ")
	b.WriteString(strconv.Itoa(p.Row))
	if p.Column != "" {
		fmt.Fprintf(&b, ", column %q", p.Column)
	} else if p.Field != "" {
		fmt.Fprintf(&b, ", field %s", p.Field)
	}
	b.WriteString(": ")
	b.WriteString(p.Msg)
	if p.Hint != "" {
		b.WriteString(" — ")
		b.WriteString(p.Hint)
	}
	return b.String()
}

// groupDigits writes 1234567 as 1,234,567.
func groupDigits(n int) string {
	s := strconv.Itoa(n)
	if n < 0 || len(s) <= 3 {
		return s
	}
	var b strings.Builder
	pre := len(s) % 3
	if pre > 0 {
		b.WriteString(s[:pre])
	}
	for i := pre; i < len(s); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}
