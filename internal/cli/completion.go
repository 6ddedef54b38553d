package cli

import (
	"os"

	"github.com/spf13/cobra"
)

func init() { register(newCompletionCmd) }

// completionShells are the shells cobra writes completion scripts for.
var completionShells = []string{"bash", "zsh", "fish", "powershell"}

// newCompletionCmd replaces cobra's default completion command (cobra adds
// its own only when the tree has none) with one that documents itself like
// the others: one argument, the shell, and an example per shell.
func newCompletionCmd(_ *IO, _ <-chan os.Signal) *cobra.Command {
	var noDesc bool
	cmd := &cobra.Command{
		Use:   "completion bash|zsh|fish|powershell",
		Short: "Print the shell completion script for bash, zsh, fish or PowerShell",
		Long: `Prints a script that makes the shell complete zoombulk's commands, flags, template
kinds and file names. Load it once in the current shell, or install it for every
new shell as below.

bash (needs the bash-completion package):
  source <(zoombulk completion bash)                                    # this shell
  zoombulk completion bash > /etc/bash_completion.d/zoombulk            # Linux, every shell
  zoombulk completion bash > $(brew --prefix)/etc/bash_completion.d/zoombulk   # macOS

zsh (completion must be enabled: autoload -U compinit; compinit):
  source <(zoombulk completion zsh)                                     # this shell
  zoombulk completion zsh > "${fpath[1]}/_zoombulk"                     # every shell

fish:
  zoombulk completion fish | source                                     # this shell
  zoombulk completion fish > ~/.config/fish/completions/zoombulk.fish   # every shell

PowerShell:
  zoombulk completion powershell | Out-String | Invoke-Expression       # this shell
  # every shell: add the line above to your $PROFILE`,
		Example: `  source <(zoombulk completion bash)
  zoombulk completion zsh > "${fpath[1]}/_zoombulk"
  zoombulk completion fish > ~/.config/fish/completions/zoombulk.fish
  zoombulk completion powershell | Out-String | Invoke-Expression`,
		ValidArgs:             completionShells,
		DisableFlagsInUseLine: true,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return exitf(ExitUsage, "name the shell: bash, zsh, fish or powershell")
			}
			return cobra.OnlyValidArgs(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			root, out := cmd.Root(), cmd.OutOrStdout()
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(out, !noDesc)
			case "zsh":
				if noDesc {
					return root.GenZshCompletionNoDesc(out)
				}
				return root.GenZshCompletion(out)
			case "fish":
				return root.GenFishCompletion(out, !noDesc)
			default:
				if noDesc {
					return root.GenPowerShellCompletion(out)
				}
				return root.GenPowerShellCompletionWithDesc(out)
			}
		},
	}
	cmd.Flags().BoolVar(&noDesc, "no-descriptions", false, "complete without the commands' and flags' descriptions")
	return cmd
}
