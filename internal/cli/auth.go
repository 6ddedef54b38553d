package cli

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

func init() { register(newAuthCmd) }

func newAuthCmd(stdio *IO, _ <-chan os.Signal) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "auth",
		Short: "Check the credentials",
		Example: `  zoombulk auth check
  zoombulk auth check --sandbox`,
	}
	var zf zoomFlags
	check := &cobra.Command{
		Use:   "check",
		Short: "Get a token, read the account's user summary and print its counts",
		Long: `Gets an access token with ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET,
reads the account's user summary and prints its counts and the API URL used.
Exits 4 when the credentials are refused.`,
		Example: `  export ZOOM_ACCOUNT_ID=... ZOOM_CLIENT_ID=... ZOOM_CLIENT_SECRET=...
  zoombulk auth check
  zoombulk auth check --sandbox`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			client, closeSandbox, err := zf.connect(ctx, stdio)
			if err != nil {
				return err
			}
			defer closeSandbox()
			sum, err := client.UserSummary(ctx)
			if err != nil {
				return exitf(ExitAuth, "the token works but reading the user summary failed: %w\nthe app needs the user:read:summary:admin scope", err)
			}
			out := stdio.Out
			fmt.Fprintf(out, "Credentials OK. API: %s\n", client.APIURL())
			fmt.Fprintf(out, "Users: %d in all\n", sum.TotalUsers)
			fmt.Fprintf(out, "  licensed  %d\n  basic     %d\n  join-only %d\n  on-prem   %d\n  rooms     %d\n  pending   %d\n",
				sum.LicensedUsers, sum.BasicUsers, sum.JoinOnlyUsers, sum.OnPremUsers, sum.RoomUsers, sum.PendingUsers)
			return nil
		},
	}
	zf.register(check.Flags())
	cmd.AddCommand(check)
	return cmd
}
