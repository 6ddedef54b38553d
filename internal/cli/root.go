// Package cli holds zoombulk's commands. Commands parse flags, wire the domain
// packages together and map their errors to exit codes; the domain packages
// know nothing of the terminal.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/zoombulk/zoombulk/internal/credentials"
	"github.com/zoombulk/zoombulk/internal/fuzzy"
	"github.com/zoombulk/zoombulk/internal/results"
)

// Exit codes: the table of docs/results.md, defined once in package results.
const (
	ExitOK      = results.ExitOK      // every row succeeded or was already as asked
	ExitPartial = results.ExitFailed  // the run finished and some rows failed or were deferred
	ExitUsage   = results.ExitUsage   // usage, job or input error: nothing was sent
	ExitAborted = results.ExitAborted // interrupted, stopped by a limit, or declined; files written
	ExitAuth    = results.ExitAuth    // cannot authenticate or cannot reach Zoom
	ExitDrift   = results.ExitDrift   // --check: the account differs from the job
)

// Commit and Dirty name the source a binary was built from when Go's build
// information has no VCS stamp (go build records none in a git worktree,
// under GOFLAGS=-buildvcs=false or outside a clone): make build and make
// dist set them with -ldflags -X, next to Version for a tagged build.
var (
	Commit = ""
	Dirty  = "" // "true" when the tree had uncommitted changes
)

// versionText is what --version prints: the version set at build time
// (-ldflags -X, a release tag) or else the module's version from the build
// information (a pseudo-version with its commit for go install), then the
// commit the binary was built from, with a mark when the tree had local
// changes, and the Go version.
func versionText(info *debug.BuildInfo, ok bool) string {
	v := Version
	rev, when, modified, goVersion := Commit, "", Dirty == "true", ""
	if ok && info != nil {
		if v == "dev" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			v = info.Main.Version
		}
		goVersion = info.GoVersion
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				when = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	var extra []string
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		r := "commit " + rev
		if when != "" {
			r += " of " + when
		}
		if modified {
			r += ", with local changes"
		}
		extra = append(extra, r)
	}
	if goVersion != "" {
		extra = append(extra, goVersion)
	}
	if len(extra) == 0 {
		return v
	}
	return v + " (" + strings.Join(extra, ", ") + ")"
}

// ExitError carries an exit code up to Main. A nil Err means the command has
// already said what there is to say.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

func exitf(code int, format string, args ...any) error {
	return &ExitError{Code: code, Err: fmt.Errorf(format, args...)}
}

// IO is the terminal a command talks to. Tests pass buffers.
type IO struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
	// InTTY and ErrTTY say whether stdin and stderr are terminals: prompts
	// need the first, progress bars the second.
	InTTY  bool
	ErrTTY bool
	// Getenv reads the environment (credentials, ZOOM_API_URL, ...).
	Getenv func(string) string
	// Exit ends the process at once (a second Ctrl-C); tests replace it.
	Exit func(int)
	// Now is the clock of reports that measure time (export reclaim);
	// default time.Now.
	Now func() time.Time
	// ConfigDir is the user's configuration folder, where the account
	// profiles live (default os.UserConfigDir); Keyring holds profiles'
	// secrets (default the OS keyring). Tests replace both.
	ConfigDir func() (string, error)
	Keyring   credentials.Keyring
	// Transport, when set, carries every call to Zoom instead of the
	// network. It is given the embedded sandbox's handler when --sandbox
	// runs one (that sandbox then opens no socket), nil otherwise. Tests
	// set it to reach a sandbox in memory, inside a testing/synctest
	// bubble where the pacing costs no wall time.
	Transport func(sandbox http.Handler) http.RoundTripper

	// prompt is where questions go: stderr, even under --quiet.
	prompt io.Writer
	// quiet and json are the global --quiet and the command's --json.
	quiet bool
}

// promptOut is where a question to the user goes.
func (stdio *IO) promptOut() io.Writer {
	if stdio.prompt != nil {
		return stdio.prompt
	}
	return stdio.ErrOut
}

// say is where a command's closing summary goes ("Exported ...", "Wrote
// ..."): stdout, or nowhere under --quiet. What a command is asked to
// print (zoombulk job's YAML, --json) still goes to stdio.Out.
func (stdio *IO) say() io.Writer {
	if stdio.quiet {
		return io.Discard
	}
	return stdio.Out
}

func (stdio *IO) exit(code int) {
	if stdio.Exit != nil {
		stdio.Exit(code)
		return
	}
	os.Exit(code)
}

// StdIO is the process's own terminal.
func StdIO() *IO {
	return &IO{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		InTTY:  term.IsTerminal(int(os.Stdin.Fd())),
		ErrTTY: term.IsTerminal(int(os.Stderr.Fd())) && !plainTerminal(os.Getenv),
		Getenv: os.Getenv,
		Exit:   os.Exit,
	}
}

// Main runs zoombulk with args and returns the process exit code. Interrupts
// arrive on sigs; commands that run long watch them.
func Main(ctx context.Context, args []string, stdio *IO, sigs <-chan os.Signal) int {
	// Errors go to stderr even when --quiet silences the rest.
	errOut := stdio.ErrOut
	defer func() { stdio.ErrOut = errOut }()
	root := NewRootCmd(stdio, sigs)
	root.SetArgs(args)
	if err := unknownSubcommand(root, args); err != nil {
		fmt.Fprintln(errOut, "zoombulk:", err)
		return ExitUsage
	}
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var exit *ExitError
	if errors.As(err, &exit) {
		if exit.Err != nil {
			fmt.Fprintln(errOut, "zoombulk:", exit.Err)
		}
		return exit.Code
	}
	// cobra's own errors (unknown flag, wrong arguments) are usage errors.
	fmt.Fprintln(errOut, "zoombulk:", err)
	return ExitUsage
}

// NewRootCmd builds the command tree.
func NewRootCmd(stdio *IO, sigs <-chan os.Signal) *cobra.Command {
	root := &cobra.Command{
		Use:   "zoombulk",
		Short: "Bulk changes to a Zoom account from spreadsheets, and exports back to Excel",
		Long: `zoombulk turns spreadsheets (CSV or XLSX) into bulk changes through the Zoom
Users API, within the account's rate limits, with one result line per input row;
and exports users, groups, divisions and a summary report to Excel.

Credentials come from the environment (a Server-to-Server OAuth app):
  ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID, ZOOM_CLIENT_SECRET
  ZOOM_API_URL   (default https://api.zoom.us/v2)
  ZOOM_OAUTH_URL (default https://zoom.us/oauth/token)
or from a named profile (--profile NAME; zoombulk auth profile add writes one),
whose secret is in an environment variable it names or in the OS keyring.

zoombulk writes no colour; NO_COLOR or TERM=dumb also turn the live progress
bars into one line per step.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       versionText(debug.ReadBuildInfo()),
		PersistentPreRun: func(*cobra.Command, []string) {
			if stdio.quiet {
				stdio.prompt = stdio.ErrOut
				stdio.ErrOut = io.Discard
				stdio.ErrTTY = false
			}
		},
	}
	root.SetVersionTemplate("zoombulk {{.Version}}\n")
	root.PersistentFlags().BoolVarP(&stdio.quiet, "quiet", "q", false, "print only errors (and the questions asked, and --json output)")
	root.SetIn(stdio.In)
	root.SetOut(stdio.Out)
	root.SetErr(stdio.ErrOut)
	for _, add := range commands {
		root.AddCommand(add(stdio, sigs))
	}
	for _, sub := range subcommands {
		for _, c := range root.Commands() {
			if c.Name() == sub.parent {
				c.AddCommand(sub.add(stdio, sigs))
			}
		}
	}
	addCompletions(root)
	return root
}

// commands lists the constructors of the top-level commands; each command's
// file registers itself in init so that files stay independent.
var commands []func(*IO, <-chan os.Signal) *cobra.Command

func register(f func(*IO, <-chan os.Signal) *cobra.Command) { commands = append(commands, f) }

// subcommands are commands that go under a top-level one (export reclaim)
// from a file of their own, so that the parent's file need not list them.
var subcommands []struct {
	parent string
	add    func(*IO, <-chan os.Signal) *cobra.Command
}

func registerSub(parent string, f func(*IO, <-chan os.Signal) *cobra.Command) {
	subcommands = append(subcommands, struct {
		parent string
		add    func(*IO, <-chan os.Signal) *cobra.Command
	}{parent, f})
}

// unknownSubcommand names the mistake in "zoombulk export user": a word
// after a command that has subcommands and is none of them. cobra would
// otherwise complain about the next flag instead.
func unknownSubcommand(root *cobra.Command, args []string) error {
	cmd, rest, err := root.Find(args)
	if err != nil || cmd == root || !cmd.HasAvailableSubCommands() || len(rest) == 0 {
		return nil
	}
	word := rest[0]
	if strings.HasPrefix(word, "-") {
		return nil
	}
	var names []string
	for _, c := range cmd.Commands() {
		if c.IsAvailableCommand() && c.Name() != "help" {
			names = append(names, c.Name())
		}
	}
	msg := fmt.Sprintf("%s has no %q", cmd.CommandPath(), word)
	if near := fuzzy.Closest(word, names, 1); len(near) > 0 {
		msg += fmt.Sprintf(" (did you mean %q?)", near[0])
	}
	return fmt.Errorf("%s; choose one of %s", msg, strings.Join(names, ", "))
}
