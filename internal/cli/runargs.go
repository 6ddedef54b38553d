package cli

// A run records the arguments it was started with (run.json and the
// journal's header), so that `zoombulk run --resume DIR` alone finishes it,
// whatever it was started with: a job file, a workbook, a sheet with
// --steps and --map, or zoombulk set.

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/zoombulk/zoombulk/internal/jobs"
)

// notRecorded are the flags that say how this invocation goes, not what
// the run is: a resume gives its own.
var notRecorded = map[string]bool{
	"out": true, "resume": true, "overwrite": true, "dry-run": true, "check": true,
	"yes": true, "json": true, "force": true, "quiet": true, "help": true,
}

// pathFlags hold file names: recorded absolute, so that a resume from
// another folder reads the same files.
var pathFlags = map[string]bool{"input": true, "sandbox-seed": true}

// recordArgs are the arguments to record for a run: the job (absolute)
// and every flag given that shapes the run, as --name=value.
func recordArgs(cmd *cobra.Command, job string) []string {
	var out []string
	if job != "" {
		out = append(out, absPath(job))
	}
	cmd.Flags().Visit(func(f *pflag.Flag) {
		if notRecorded[f.Name] {
			return
		}
		values := []string{f.Value.String()}
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			values = sv.GetSlice()
		}
		for _, v := range values {
			if pathFlags[f.Name] {
				v = absPath(v)
			}
			out = append(out, "--"+f.Name+"="+v)
		}
	})
	return out
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// resumeArgs completes the arguments of `zoombulk run --resume DIR`: the
// job the run was started with when none is given, and each recorded flag
// this command line does not give itself.
func resumeArgs(cmd *cobra.Command, dir string, args []string) ([]string, error) {
	recorded, err := jobs.RunArgs(dir)
	if err != nil {
		return nil, &ExitError{Code: ExitUsage, Err: err}
	}
	if len(recorded) == 0 {
		if len(args) == 0 {
			return nil, exitf(ExitUsage, "%s holds a run that did not record its arguments: give its job too, e.g. zoombulk run JOB.yaml --resume %s", dir, dir)
		}
		return args, nil
	}
	if len(args) == 0 {
		if strings.HasPrefix(recorded[0], "--") {
			return nil, exitf(ExitUsage, "%s does not record the job its run read: give it, e.g. zoombulk run JOB.yaml --resume %s", dir, dir)
		}
		args = []string{recorded[0]}
	}
	fs := cmd.Flags()
	given := map[string]bool{}
	fs.Visit(func(f *pflag.Flag) { given[f.Name] = true })
	for _, a := range recorded {
		name, value, ok := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		if !ok || !strings.HasPrefix(a, "--") || given[name] || notRecorded[name] {
			continue
		}
		if fs.Lookup(name) == nil {
			continue // a flag of zoombulk set that run has not (none today)
		}
		if err := fs.Set(name, value); err != nil {
			return nil, exitf(ExitUsage, "%s: the recorded argument --%s=%s: %v", dir, name, value, err)
		}
	}
	return args, nil
}

// resumeCommand is the command that finishes the run in dir.
func resumeCommand(dir string) string {
	return "zoombulk run --resume " + argQuote(dir)
}

// argQuote quotes a path for a command line only when it needs it.
func argQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$`!*?[]{}()<>|&;#~") {
		return s
	}
	if os.PathSeparator == '\\' {
		return `"` + s + `"`
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
