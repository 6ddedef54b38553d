package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/zoombulk/zoombulk/internal/templates"
)

func init() { register(newJobCmd) }

func newJobCmd(stdio *IO, _ <-chan os.Signal) *cobra.Command {
	return &cobra.Command{
		Use:   "job WORKBOOK.xlsx",
		Short: "Print the job a template workbook carries",
		Long: `Prints the job file that zoombulk template stored inside a workbook (its hidden
` + templates.JobSheet + ` sheet), with its input pointing at the workbook. Save it to edit
it: a job file beside the workbook wins over the one inside.`,
		Example: `  zoombulk job hires.xlsx
  zoombulk job hires.xlsx > hires.yaml`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return exitf(ExitUsage, "name one workbook: zoombulk job WORKBOOK.xlsx")
			}
			return nil
		},
		ValidArgsFunction: func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			return []string{"xlsx"}, cobra.ShellCompDirectiveFilterFileExt
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			path := args[0]
			job, ok, err := templates.EmbeddedJob(path)
			if err != nil {
				return &ExitError{Code: ExitUsage, Err: err}
			}
			if !ok {
				msg := fmt.Sprintf("%s carries no job (zoombulk template KIND -o FILE.xlsx writes workbooks that do)", path)
				beside := templates.JobPath(path)
				if _, err := os.Stat(beside); err == nil {
					msg += "; its job file is " + beside
				} else if !errors.Is(err, fs.ErrNotExist) {
					return &ExitError{Code: ExitUsage, Err: err}
				}
				return exitf(ExitUsage, "%s", msg)
			}
			_, err = stdio.Out.Write(job)
			return err
		},
	}
}
