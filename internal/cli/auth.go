package cli

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/zoombulk/zoombulk/internal/credentials"
	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/jobs"
)

func init() { register(newAuthCmd) }

func newAuthCmd(stdio *IO, _ <-chan os.Signal) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "auth",
		Short: "Check the credentials, and keep named account profiles",
		Example: `  zoombulk auth check
  zoombulk auth check --profile prod --job hires.yaml
  zoombulk auth profile add prod --account-id AbC --client-id XyZ --secret-env ZOOM_PROD_SECRET`,
	}
	var zf zoomFlags
	var jobArg string
	check := &cobra.Command{
		Use:   "check",
		Short: "Get a token, say which account it is, and print the account's user counts",
		Long: `Gets an access token with ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET (or
the --profile's), says which account and API URL it is, reads the account's user
summary and prints its counts. With --job, lists the scopes the job's steps need and
which of them the app lacks. Exits 4 when the credentials are refused or scopes
are missing.`,
		Example: `  export ZOOM_ACCOUNT_ID=... ZOOM_CLIENT_ID=... ZOOM_CLIENT_SECRET=...
  zoombulk auth check
  zoombulk auth check --profile prod
  zoombulk auth check --job hires.yaml
  zoombulk auth check --sandbox`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			var steps []jobfile.Step
			if jobArg != "" {
				src, err := loadJobArg("auth check --job", jobArg, autoOptions{})
				if err != nil {
					return usageErr(err)
				}
				steps = src.job.Steps
			}
			client, closeSandbox, err := zf.connect(ctx, stdio)
			if err != nil {
				return err
			}
			defer closeSandbox()
			out := stdio.Out
			account := zf.account
			if zf.profile != "" {
				account += " (profile " + zf.profile + ")"
			}
			fmt.Fprintf(out, "Credentials OK. Account: %s\nAPI: %s\n", account, client.APIURL())
			if jobArg != "" {
				return printStepScopes(stdio, jobArg, steps, client.Scopes())
			}
			sum, err := client.UserSummary(ctx)
			if err != nil {
				return exitf(ExitAuth, "the token works but reading the user summary failed: %w\nthe app needs the user:read:summary:admin scope", err)
			}
			fmt.Fprintf(out, "Users: %d in all\n", sum.TotalUsers)
			fmt.Fprintf(out, "  licensed  %d\n  basic     %d\n  join-only %d\n  on-prem   %d\n  rooms     %d\n  pending   %d\n",
				sum.LicensedUsers, sum.BasicUsers, sum.JoinOnlyUsers, sum.OnPremUsers, sum.RoomUsers, sum.PendingUsers)
			return nil
		},
	}
	zf.register(check.Flags())
	check.Flags().StringVar(&jobArg, "job", "", "list the scopes this job (a job file or a workbook that carries one) needs, and those the app lacks")
	cmd.AddCommand(check, newProfileCmd(stdio))
	return cmd
}

// printStepScopes lists the scopes a job's steps need, from the calls
// their kinds declare, marking those the token lacks.
func printStepScopes(stdio *IO, job string, steps []jobfile.Step, granted []string) error {
	out := stdio.Out
	needs := credentials.Needs(jobs.Endpoints(steps), granted)
	names := make([]string, len(steps))
	for i, s := range steps {
		names[i] = string(s.Kind)
	}
	fmt.Fprintf(out, "Scopes %s needs (%s):\n", job, strings.Join(names, ", "))
	var missing []string
	for _, n := range needs {
		mark := "ok     "
		if !n.Granted {
			mark = "MISSING"
			missing = append(missing, n.Scope)
		}
		fmt.Fprintf(out, "  %s %s (or classic %s): %s\n", mark, n.Scope, n.Classic, strings.Join(n.Calls, ", "))
	}
	if len(granted) == 0 {
		fmt.Fprintln(out, "The token endpoint listed no scopes, so zoombulk cannot tell which are missing; check the app's scopes in the Marketplace.")
		return nil
	}
	if len(missing) > 0 {
		return exitf(ExitAuth, "the app lacks %d scope(s) the job needs: %s; add them to the app in the Zoom App Marketplace (Scopes) and activate it again",
			len(missing), strings.Join(missing, ", "))
	}
	fmt.Fprintln(out, "The app has every scope the job needs.")
	return nil
}

func newProfileCmd(stdio *IO) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "profile",
		Short: "Keep named account profiles (account, app, where the secret is)",
		Long: `Profiles name accounts: --profile NAME on any command uses the profile's account ID,
client ID and API URL instead of the ZOOM_* variables. A profile never holds the
secret: it names the environment variable that does (--secret-env), or keeps it
in the OS keyring (--keyring: the secret is read from stdin and stored there).
The profiles live in ` + "`" + `<user config folder>/zoombulk/profiles.yaml` + "`" + `.`,
		Example: `  zoombulk auth profile add prod --account-id AbC --client-id XyZ --secret-env ZOOM_PROD_SECRET
  zoombulk auth profile add prod --account-id AbC --client-id XyZ --keyring < secret.txt
  zoombulk auth profile list`,
	}
	var p credentials.Profile
	add := &cobra.Command{
		Use:   "add NAME",
		Short: "Add or replace a profile",
		Example: `  zoombulk auth profile add prod --account-id AbC --client-id XyZ --secret-env ZOOM_PROD_SECRET
  zoombulk auth profile add test --account-id DeF --client-id UvW --keyring`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path, err := profilesPath(stdio)
			if err != nil {
				return err
			}
			p.Name = args[0]
			if p.Keyring {
				if p.SecretEnv != "" {
					return exitf(ExitUsage, "give --secret-env or --keyring, not both")
				}
				if stdio.InTTY {
					fmt.Fprint(stdio.promptOut(), "Client secret (stored in the keyring, not shown): ")
				}
				line, _ := bufio.NewReader(stdio.In).ReadString('\n')
				secret := strings.TrimSpace(line)
				if secret == "" {
					return exitf(ExitUsage, "--keyring: no secret on stdin")
				}
				kr := stdio.Keyring
				if kr == nil {
					kr = credentials.OSKeyring{}
				}
				if err := kr.Set(credentials.KeyringService, p.Name, secret); err != nil {
					return exitf(ExitUsage, "storing the secret in the keyring: %v; use --secret-env VARIABLE instead", err)
				}
			}
			if err := credentials.Save(path, &p); err != nil {
				return &ExitError{Code: ExitUsage, Err: err}
			}
			fmt.Fprintf(stdio.Out, "Profile %s saved in %s (account %s; secret from %s).\n", p.Name, path, p.AccountID, p.SecretSource())
			return nil
		},
	}
	f := add.Flags()
	f.StringVar(&p.AccountID, "account-id", "", "the account ID of the Server-to-Server OAuth app")
	f.StringVar(&p.ClientID, "client-id", "", "the app's client ID")
	f.StringVar(&p.APIURL, "api-url", "", "the API URL (default https://api.zoom.us/v2)")
	f.StringVar(&p.OAuthURL, "oauth-url", "", "the token URL (default https://zoom.us/oauth/token)")
	f.StringVar(&p.SecretEnv, "secret-env", "", "the environment variable that holds the client secret")
	f.BoolVar(&p.Keyring, "keyring", false, "read the client secret from stdin and keep it in the OS keyring")
	f.StringVar(&p.Tier, "tier", "", "the account's plan (free, pro or business): commands using the profile keep to its rate limits unless --tier is given")
	list := &cobra.Command{
		Use:     "list",
		Short:   "List the profiles",
		Example: `  zoombulk auth profile list`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			path, err := profilesPath(stdio)
			if err != nil {
				return err
			}
			ps, err := credentials.Load(path)
			if err != nil {
				return &ExitError{Code: ExitUsage, Err: err}
			}
			if len(ps) == 0 {
				fmt.Fprintf(stdio.Out, "No profiles in %s.\n", path)
				return nil
			}
			for _, n := range credentials.Names(ps) {
				p := ps[n]
				api := p.APIURL
				if api == "" {
					api = "https://api.zoom.us/v2"
				}
				tier := ""
				if p.Tier != "" {
					tier = ", tier " + p.Tier
				}
				fmt.Fprintf(stdio.Out, "%s: account %s, client %s, %s%s, secret from %s\n", n, p.AccountID, p.ClientID, api, tier, p.SecretSource())
			}
			return nil
		},
	}
	cmd.AddCommand(add, list)
	return cmd
}
