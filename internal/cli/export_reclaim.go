package cli

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/zoombulk/zoombulk/internal/export"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

func init() { registerSub("export", newExportReclaimCmd) }

func newExportReclaimCmd(stdio *IO, sigs <-chan os.Signal) *cobra.Command {
	var o exportOptions
	var idle string
	cmd := &cobra.Command{
		Use:   "reclaim --idle 90d -o FILE.xlsx",
		Short: "Export the licensed users who have not logged in lately, as a workbook that takes their licenses back",
		Long: `Writes the licensed active users whose last login is older than --idle, and those
who never logged in, with their role, department, groups, division and feature
seats (webinar, large meeting, Zoom Events); the account owner is never listed.
The workbook carries its job: running it
takes each row's feature seats away and makes the user Basic (update_features with
user_type). Delete the rows of the users who keep their license, then:
zoombulk run FILE.xlsx --dry-run, and zoombulk run FILE.xlsx.

Zoom updates last-login times with a buffer of about three days; the workbook's
About sheet says so.`,
		Example: `  zoombulk export reclaim --idle 90d -o reclaim.xlsx
  zoombulk run reclaim.xlsx --dry-run`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := export.ParseIdle(idle)
			if err != nil {
				return &ExitError{Code: ExitUsage, Err: err}
			}
			now := time.Now
			if stdio.Now != nil {
				now = stdio.Now
			}
			var never int
			err = runExport(cmd.Context(), stdio, sigs, &o, "idle licensed users", []export.Format{export.XLSX},
				func(ctx context.Context, c *zoom.Client, _ *exportUI) (*export.Result, error) {
					res, err := export.Reclaim(ctx, c, o.out, export.ReclaimOptions{Idle: d, Now: now()})
					if err != nil {
						return nil, err
					}
					never = res.Never
					return res.Result, nil
				})
			if err == nil {
				fmt.Fprintf(stdio.say(), "%d of them never logged in. Last-login times lag by about three days at Zoom.\nDelete the rows of users who keep their license, then: zoombulk run %s --dry-run\n", never, o.out)
			}
			return err
		},
	}
	cmd.Flags().StringVar(&idle, "idle", "90d", "how long since the last login: days (90d), weeks (12w) or hours")
	o.register(cmd, "reclaim.xlsx")
	return cmd
}
