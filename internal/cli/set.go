package cli

// zoombulk set changes one user, or a few, from the command line: it
// writes the job and the one-line-per-user input into the run folder and
// runs them through the same engine as zoombulk run (plan, prompt, limits,
// results, undo, resume), so a change made with set is reported, undone
// and resumed like any run.

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/jobs"
	"github.com/zoombulk/zoombulk/internal/mapping"
)

func init() { register(newSetCmd) }

// The files set writes in its run folder: the job and its input.
const (
	setJobFile   = "set.yaml"
	setInputFile = "set.csv"
)

type setOptions struct {
	zoomFlags
	users       []string
	out         string
	dryRun, yes bool
	concurrency int
	maxRemovals string
	maxFailures string
}

func newSetCmd(stdio *IO, sigs <-chan os.Signal) *cobra.Command {
	var o setOptions
	cmd := &cobra.Command{
		Use:   "set USER field=value ... [--user USER ...]",
		Short: "Change one user, or a few, without a spreadsheet",
		Long: `Changes the fields of one or a few users: USER is an email address or a Zoom
user ID (--user adds more). Fields are the job file's field names (dept,
job_title, type, group, division, status, webinar, settings.recording.
cloud_recording, new_email, assistants, ...); the steps are inferred from them.

set goes through the same plan, prompt, limits, results and undo as a run: its
run folder (runs/set-<UTC time>, or --out) keeps set.yaml and set.csv, the job
and input it wrote, beside the plan, the results and undo.csv. An interrupted
set is finished with zoombulk run --resume DIR; zoombulk undo DIR puts it back.

A value is read as a cell of a sheet: names or codes (type=Licensed or type=2),
<clear> empties a field that can be emptied.

Exit codes as for run: 0 every user changed or already as asked; 1 some failed
(a user not in the account, a group that does not exist); 2 usage error (an
unknown field, no user); 3 interrupted, stopped by a limit, or declined; 4 cannot
authenticate or cannot reach Zoom.`,
		Example: `  zoombulk set jane@acme.com dept=Ops type=Licensed group=Sales
  zoombulk set jane@acme.com job_title="Head of Ops" --dry-run
  zoombulk set --user ann@acme.com --user bob@acme.com status=inactive --yes
  zoombulk set jane@acme.com webinar=500 --max-removals 0`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return setRun(cmd, stdio, sigs, args, &o)
		},
		// Completion offers the field names, each ending in "=".
		ValidArgsFunction: func(_ *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
			if len(args) == 0 && len(o.users) == 0 && !strings.Contains(toComplete, "=") {
				return nil, cobra.ShellCompDirectiveNoFileComp // the user: an email or ID
			}
			var names []string
			for _, f := range mapping.Catalogue() {
				if f.Target != mapping.Key && strings.HasPrefix(f.Name, toComplete) {
					names = append(names, f.Name+"=")
				}
			}
			return names, cobra.ShellCompDirectiveNoSpace | cobra.ShellCompDirectiveNoFileComp
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&o.users, "user", nil, "a user to change, by email or Zoom user ID (repeat for more)")
	f.StringVar(&o.out, "out", "", "the run folder, new or empty (default runs/set-<UTC time>)")
	f.BoolVar(&o.dryRun, "dry-run", false, "plan only: read the account, write changes.csv and plan.xlsx, change nothing")
	f.BoolVarP(&o.yes, "yes", "y", false, "do not ask for confirmation (required when stdin is not a terminal)")
	f.IntVar(&o.concurrency, "concurrency", 0, "calls in flight (default: sized from the rate limits)")
	f.StringVar(&o.maxRemovals, "max-removals", "", "N or N%: the removals the plan may hold (license downgrades, feature removals, deactivations, group removals)")
	f.StringVar(&o.maxFailures, "max-failures", "", "N or N%: the users whose change may fail before the run stops")
	o.zoomFlags.register(f)
	return cmd
}

// setField is one field=value of the command line.
type setField struct {
	name, value string
	field       mapping.Field
}

// setSteps infers the steps from the fields: each field feeds the step
// of the kind that changes its target on existing users, in the order the
// kinds declare (jobs.SetKinds: the license before the feature seats that
// need it), except that a reactivation goes first but a deactivation
// last, so the other changes reach an active user.
func setSteps(fields []setField) ([]jobfile.StepKind, error) {
	want := map[jobfile.StepKind]bool{}
	status, _ := jobs.SetKindFor(mapping.Status)
	statusFirst := false
	for _, f := range fields {
		k, ok := jobs.SetKindFor(f.field.Target)
		switch {
		case f.field.Target == mapping.Key:
			return nil, exitf(ExitUsage, "set: %s names the user, it is not a field to set: give the user first (zoombulk set USER field=value); to change an address, set new_email=ADDRESS", f.name)
		case !ok:
			return nil, exitf(ExitUsage, "set: %s is a field of a sheet's job only (it needs a step set does not infer): write a job file, or see zoombulk template --help", f.name)
		case f.field.Target == mapping.Status:
			v, _ := f.field.Canonical(f.value)
			statusFirst = v == "active"
		}
		want[k] = true
		if f.field.Target == mapping.Subscription && !slices.ContainsFunc(fields, func(g setField) bool { return g.field.Target == mapping.Feature }) {
			return nil, exitf(ExitUsage, "set: subscription_id goes with a feature (webinar=500 subscription_id=...)")
		}
	}
	var steps []jobfile.StepKind
	if want[status] && statusFirst {
		steps = append(steps, status)
	}
	for _, k := range jobs.SetKinds() {
		if want[k] && k != status {
			steps = append(steps, k)
		}
	}
	if want[status] && !statusFirst {
		steps = append(steps, status)
	}
	return steps, nil
}

// parseSetArgs splits the command line into users and field=value pairs.
func parseSetArgs(args, flagUsers []string) (users []string, fields []setField, err error) {
	users = append(users, flagUsers...)
	for i, a := range args {
		name, value, ok := strings.Cut(a, "=")
		if !ok {
			if i == 0 {
				users = append([]string{a}, users...)
				continue
			}
			return nil, nil, exitf(ExitUsage, "set: %q is not field=value; the user comes first (zoombulk set USER field=value ...), more users with --user", a)
		}
		name = strings.TrimSpace(name)
		f, known := mapping.Lookup(name)
		if !known {
			msg := fmt.Sprintf("set: %q is not a field", name)
			if s := mapping.Suggest(name); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			return nil, nil, exitf(ExitUsage, "%s; the fields are the job file's field names, listed in the job file reference (docs/jobs.md)", msg)
		}
		for _, g := range fields {
			if g.name == name {
				return nil, nil, exitf(ExitUsage, "set: %s is given twice (%s=%s and %s=%s): give it once", name, name, g.value, name, value)
			}
		}
		fields = append(fields, setField{name: name, value: value, field: f})
	}
	if len(users) == 0 {
		return nil, nil, exitf(ExitUsage, "set: name the user to change: zoombulk set USER field=value ... (USER is an email address or a Zoom user ID)")
	}
	if len(fields) == 0 {
		return nil, nil, exitf(ExitUsage, "set: say what to change: zoombulk set %s field=value ... (e.g. dept=Ops type=Licensed group=Sales)", users[0])
	}
	seen := map[string]bool{}
	for _, u := range users {
		k := strings.ToLower(strings.TrimSpace(u))
		if k == "" {
			return nil, nil, exitf(ExitUsage, "set: a --user is empty")
		}
		if seen[k] {
			return nil, nil, exitf(ExitUsage, "set: %s is named twice", u)
		}
		seen[k] = true
	}
	return users, fields, nil
}

// setMatch is how the users are named: all by email or all by ID.
func setMatch(users []string) (string, error) {
	emails := 0
	for _, u := range users {
		if strings.Contains(u, "@") {
			emails++
		}
	}
	switch emails {
	case len(users):
		return "email", nil
	case 0:
		return "id", nil
	}
	return "", exitf(ExitUsage, "set: name every user the same way, all by email or all by Zoom user ID (one set for each)")
}

// writeSetJob writes the job and its input into dir.
func writeSetJob(dir, match string, users []string, fields []setField, steps []jobfile.StepKind) (string, error) {
	var b strings.Builder
	b.WriteString("# Written by zoombulk set: the job of this run, reading set.csv beside it.\n")
	fmt.Fprintf(&b, "version: 1\nname: set\ninput: %s\nmatch: %s\nfields:\n  %s: %s\n", setInputFile, match, match, yamlQuote(match))
	for _, f := range fields {
		fmt.Fprintf(&b, "  %s: %s\n", f.name, yamlQuote(f.name))
	}
	b.WriteString("steps:\n")
	for _, s := range steps {
		fmt.Fprintf(&b, "  - %s\n", s)
	}
	jobPath := filepath.Join(dir, setJobFile)
	if err := os.WriteFile(jobPath, []byte(b.String()), 0o644); err != nil {
		return "", err
	}
	in, err := os.Create(filepath.Join(dir, setInputFile))
	if err != nil {
		return "", err
	}
	w := csv.NewWriter(in)
	header := []string{match}
	for _, f := range fields {
		header = append(header, f.name)
	}
	_ = w.Write(header)
	for _, u := range users {
		row := []string{strings.TrimSpace(u)}
		for _, f := range fields {
			row = append(row, f.value)
		}
		_ = w.Write(row)
	}
	w.Flush()
	if err := errors.Join(w.Error(), in.Close()); err != nil {
		return "", err
	}
	return jobPath, nil
}

func setRun(cmd *cobra.Command, stdio *IO, sigs <-chan os.Signal, args []string, o *setOptions) error {
	ctx := cmd.Context()
	users, fields, err := parseSetArgs(args, o.users)
	if err != nil {
		return err
	}
	if err := checkLimitFlags(o.maxRemovals, o.maxFailures); err != nil {
		return err
	}
	match, err := setMatch(users)
	if err != nil {
		return err
	}
	steps, err := setSteps(fields)
	if err != nil {
		return err
	}
	if err := nobodyToConfirm(stdio, o.dryRun, o.yes, planOnly); err != nil {
		return err
	}
	dir := o.out
	if dir == "" {
		dir = filepath.Join("runs", "set-"+time.Now().UTC().Format("20060102T150405Z"))
	}
	// The folder holds the job and input set writes: a folder with
	// anything in it already (another run) is not written into.
	ents, err := os.ReadDir(dir)
	made := errors.Is(err, fs.ErrNotExist) // so removed again if set stops before a plan
	switch {
	case err == nil && len(ents) > 0:
		return exitf(ExitUsage, "%s is not empty: set writes its job and input in a new or empty folder; choose another --out, or leave --out out", dir)
	case err != nil && !made:
		return &ExitError{Code: ExitUsage, Err: err}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	jobPath, err := writeSetJob(dir, match, users, fields, steps)
	keep := false
	defer func() {
		if !keep {
			// Stopped before a plan was written: the folder would hold
			// only what set wrote.
			os.Remove(filepath.Join(dir, setJobFile))
			os.Remove(filepath.Join(dir, setInputFile))
			if made {
				os.Remove(dir)
			}
		}
	}()
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	job, err := jobfile.Load(jobPath)
	if err != nil {
		return usageErr(err)
	}
	if err := setProblems(job, fields); err != nil {
		return err
	}
	client, closeSandbox, err := o.connect(ctx, stdio)
	if err != nil {
		return err
	}
	defer closeSandbox()

	resume := resumeCommand(dir)
	work, stops, stop := watchRun(ctx, sigs, stdio, resume)
	defer stop()
	runner := &jobs.Runner{
		Client: client,
		Job:    job,
		Events: newRunEvents(stdio.ErrOut, stdio.ErrTTY),
		Opts: jobs.Options{
			OutDir:      dir,
			DryRun:      o.dryRun,
			Concurrency: o.concurrency,
			MaxRemovals: o.maxRemovals,
			MaxFailures: o.maxFailures,
			Args:        recordArgs(cmd, jobPath), // a resume runs the job set wrote, with set's limits
			Tell:        storyTeller(stdio, o.yes),
			Version:     Version,
		},
	}
	if !o.dryRun {
		runner.Opts.Confirm = confirmer(stdio, o.yes)
	}
	runner.Opts.Applying, runner.Opts.Quit = stops.applied, stops.quit
	sum, err := runner.Run(work)
	keep = sum != nil
	if sum != nil {
		printSummaryFor(stdio, sum, resume)
	}
	return runExit(sum, err)
}

// setProblems refuses a value no run would take (type=Licenced,
// status=gone) before anything is read from Zoom: on a command line the
// mistake is the admin's to retype, not a failed row of a report.
func setProblems(job *jobfile.Job, fields []setField) error {
	s, err := jobs.ReadSheet(job, jobs.ReadOptions{})
	if err != nil {
		return usageErr(err)
	}
	var msgs []string
	seen := map[string]bool{}
	for _, p := range s.Problems() {
		what := p.Field
		for _, f := range fields {
			if f.name == p.Field {
				what = f.name + "=" + f.value
			}
		}
		msg := what + ": " + p.Msg
		if p.Hint != "" {
			msg += " (" + p.Hint + ")"
		}
		if !seen[msg] {
			seen[msg] = true
			msgs = append(msgs, msg)
		}
	}
	if len(msgs) > 0 {
		return exitf(ExitUsage, "set: %s", strings.Join(msgs, "; "))
	}
	return nil
}
