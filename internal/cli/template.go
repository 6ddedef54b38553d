package cli

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/zoombulk/zoombulk/internal/templates"
)

func init() { register(newTemplateCmd) }

type templateOptions struct {
	zoomFlags
	out         string
	force       bool
	fromAccount bool
}

func newTemplateCmd(stdio *IO, _ <-chan os.Signal) *cobra.Command {
	var o templateOptions
	var kinds strings.Builder
	var withLists []string
	for _, k := range templates.Kinds() {
		fmt.Fprintf(&kinds, "  %-13s %s\n", k.Name, k.Summary)
		if len(k.AccountLists()) > 0 {
			withLists = append(withLists, k.Name)
		}
	}
	cmd := &cobra.Command{
		Use:   "template KIND -o FILE.xlsx|FILE.csv",
		Short: "Write a spreadsheet to fill in and the job file that reads it",
		Long: `Writes a spreadsheet for one kind of bulk change and, beside it, the job file that
reads it (FILE.yaml). The workbook has the header row, two grey example rows (their
first cell starts with #, so jobs skip them), dropdowns on the columns that take a
fixed list of values, and an Instructions sheet: one line per column with what it
is, whether it is required and the values it takes. A .csv file has the header and
the example rows only.

Kinds:
` + kinds.String() + `
--from-account reads the account's groups and divisions (with the credentials in
the environment, or --sandbox) and puts their names in the Group and Division
dropdowns of the kinds that have those columns (` + strings.Join(withLists, ", ") + `).
Existing files are kept unless --force.`,
		Example: `  zoombulk template create-users -o hires.xlsx
  zoombulk template licenses -o q1-licenses.xlsx --from-account
  zoombulk template offboarding -o leavers.csv
  zoombulk template group-moves -o moves.xlsx --from-account --sandbox`,
		ValidArgs: templates.KindNames(),
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return exitf(ExitUsage, "name one kind of template: %s", strings.Join(templates.KindNames(), ", "))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if !o.fromAccount {
				for _, name := range []string{"sandbox", "sandbox-seed", "tier", "share"} {
					if cmd.Flags().Changed(name) {
						return exitf(ExitUsage, "--%s only matters with --from-account (which reads the account's groups and divisions)", name)
					}
				}
			}
			return runTemplate(cmd.Context(), stdio, args[0], &o)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.out, "output", "o", "", "the spreadsheet to write: FILE.xlsx or FILE.csv (the job goes to FILE.yaml)")
	f.BoolVar(&o.force, "force", false, "overwrite FILE and FILE.yaml if they exist")
	f.BoolVar(&o.fromAccount, "from-account", false, "fill the Group and Division dropdowns with the account's names (needs credentials or --sandbox)")
	_ = cmd.MarkFlagRequired("output")
	_ = cmd.MarkFlagFilename("output", "xlsx", "csv")
	o.zoomFlags.register(f)
	return cmd
}

func runTemplate(ctx context.Context, stdio *IO, kind string, o *templateOptions) error {
	// Offline checks first: a typo costs no call.
	k, format, err := templates.Check(kind, o.out, o.force)
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	opts := templates.Options{Kind: k.Name, Path: o.out, Force: o.force}
	lists := k.AccountLists()
	if o.fromAccount {
		if format != templates.XLSX {
			return exitf(ExitUsage, "--from-account fills the workbook's dropdowns, and a .csv file has none: write an .xlsx file")
		}
		// A kind without those columns has nothing to read: no call, and
		// the end says so instead of announcing dropdowns.
		if len(lists) > 0 {
			if opts.Groups, opts.Divisions, err = accountNames(ctx, stdio, &o.zoomFlags, lists); err != nil {
				return err
			}
		}
	}
	files, err := templates.Write(opts)
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	run := "zoombulk run " + files.Job
	for _, f := range k.RunFlags {
		run += " " + f
	}
	w := stdio.say()
	if format == templates.XLSX {
		fmt.Fprintf(w, "Wrote %s (sheets %s and %s; the workbook carries its job too: zoombulk job %s prints it) and %s.\n",
			files.Sheet, k.Sheet, templates.InstructionsSheet, files.Sheet, files.Job)
	} else {
		fmt.Fprintf(w, "Wrote %s and %s.\n", files.Sheet, files.Job)
	}
	if o.fromAccount {
		// Say only what the workbook has: a kind has a Group column, a
		// Division column, or both.
		switch {
		case len(lists) == 0:
			fmt.Fprintf(w, "No dropdown from the account: the %s template has no Group or Division column (nothing was read).\n", k.Name)
		case len(lists) == 2:
			fmt.Fprintf(w, "Dropdowns: %d groups and %d divisions from the account.\n", len(opts.Groups), len(opts.Divisions))
		case lists[0] == "group":
			fmt.Fprintf(w, "Dropdown: %d groups from the account (column Group).\n", len(opts.Groups))
		default:
			fmt.Fprintf(w, "Dropdown: %d divisions from the account (column Division).\n", len(opts.Divisions))
		}
	}
	fmt.Fprintf(w, "Fill it in (rows starting with # are examples and are ignored), then:\n")
	fmt.Fprintf(w, "  zoombulk validate %s\n  %s --dry-run\n  %s\n", files.Job, run, run)
	return nil
}

// accountNames reads the names of the account's groups and divisions, only
// those of lists ("group", "division").
func accountNames(ctx context.Context, stdio *IO, zf *zoomFlags, lists []string) (groups, divisions []string, err error) {
	client, closeSandbox, err := zf.connect(ctx, stdio)
	if err != nil {
		return nil, nil, err
	}
	defer closeSandbox()
	if slices.Contains(lists, "group") {
		gs, err := client.ListGroups(ctx)
		if err != nil {
			return nil, nil, exitf(ExitPartial, "listing the groups: %w\n(the app needs the group:read:admin scope)", err)
		}
		for _, g := range gs {
			groups = append(groups, g.Name)
		}
	}
	if slices.Contains(lists, "division") {
		ds, err := client.ListDivisions(ctx)
		if err != nil {
			return nil, nil, exitf(ExitPartial, "listing the divisions: %w\n(the app needs the division:read:admin scope; accounts without divisions can drop --from-account)", err)
		}
		for _, d := range ds {
			divisions = append(divisions, d.Name)
		}
	}
	return groups, divisions, nil
}
