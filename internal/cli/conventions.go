package cli

// What a CLI user expects of any tool: --version from the build, flag
// values that complete, --quiet, NO_COLOR, and --json for scripts.

import (
	"encoding/json"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/xuri/excelize/v2"

	"github.com/zoombulk/zoombulk/internal/export"
	"github.com/zoombulk/zoombulk/internal/templates"
)

// plainTerminal says whether the terminal wants no decoration: NO_COLOR
// set (https://no-color.org) or TERM=dumb. zoombulk writes no colour; the
// live progress bars redraw lines, and give way to one line per step.
func plainTerminal(getenv func(string) string) bool {
	return getenv("NO_COLOR") != "" || getenv("TERM") == "dumb"
}

// flagValues are the values some flags take, for completion.
func flagValues(name string) []string {
	switch name {
	case "tier":
		return []string{"free", "pro", "business"}
	case "status":
		return []string{"active", "inactive", "pending"}
	case "match":
		return []string{"email", "id"}
	case "fields":
		var out []string
		for _, c := range export.UserColumns() {
			out = append(out, c.Key)
		}
		return out
	case "steps":
		return stepNames()
	}
	return nil
}

// listFlags take comma-separated lists: each item completes.
var listFlags = []string{"status", "fields", "steps"}

// completeValues completes a flag's value; in a list, the item after the
// last comma, keeping those before it.
func completeValues(name string, values []string) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		prefix, last := "", toComplete
		if slices.Contains(listFlags, name) {
			if i := strings.LastIndex(toComplete, ","); i >= 0 {
				prefix, last = toComplete[:i+1], toComplete[i+1:]
			}
		}
		done := strings.Split(prefix, ",")
		var out []string
		for _, v := range values {
			if strings.HasPrefix(v, last) && !slices.Contains(done, v) {
				out = append(out, prefix+v)
			}
		}
		dir := cobra.ShellCompDirectiveNoFileComp
		if slices.Contains(listFlags, name) {
			// A list goes on after a comma: no space after an item.
			dir |= cobra.ShellCompDirectiveNoSpace
		}
		return out, dir
	}
}

// completeSheet offers the sheets of the workbook the command reads: the
// --input flag's, else the argument's.
func completeSheet(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	path := ""
	if f := cmd.Flags().Lookup("input"); f != nil && f.Value.String() != "" {
		path = f.Value.String()
	} else if len(args) > 0 {
		path = args[0]
	}
	if ext := strings.ToLower(filepath.Ext(path)); ext != ".xlsx" && ext != ".xlsm" {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	defer f.Close()
	var out []string
	for _, s := range f.GetSheetList() {
		visible, _ := f.GetSheetVisible(s)
		if visible && s != templates.JobSheet && strings.HasPrefix(strings.ToLower(s), strings.ToLower(toComplete)) {
			out = append(out, s)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// addCompletions registers the value completions on every command that
// has one of the flags, so that command files need not each do it.
func addCompletions(cmd *cobra.Command) {
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if _, done := cmd.GetFlagCompletionFunc(f.Name); done {
			return
		}
		switch {
		case f.Name == "sheet":
			_ = cmd.RegisterFlagCompletionFunc(f.Name, completeSheet)
		case flagValues(f.Name) != nil:
			_ = cmd.RegisterFlagCompletionFunc(f.Name, completeValues(f.Name, flagValues(f.Name)))
		}
	})
	for _, c := range cmd.Commands() {
		addCompletions(c)
	}
}

// jsonOut writes v as one JSON object on a line.
func jsonOut(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
