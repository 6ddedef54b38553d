package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/zoombulk/zoombulk/internal/export"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

func init() { register(newExportCmd) }

// exportLogEvery is how often a plain progress line is printed when stderr
// is not a terminal.
var exportLogEvery = 5 * time.Second

// exportOptions are the flags every export shares.
type exportOptions struct {
	zoomFlags
	out   string
	force bool
}

func (o *exportOptions) register(cmd *cobra.Command, example string) {
	f := cmd.Flags()
	f.StringVarP(&o.out, "output", "o", "", "the file to write: "+example)
	_ = cmd.MarkFlagRequired("output")
	f.BoolVar(&o.force, "force", false, "replace the output file if it exists")
	o.zoomFlags.register(f)
}

func newExportCmd(stdio *IO, sigs <-chan os.Signal) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Export users, groups, divisions, contact groups or a summary to Excel or CSV",
		Long: `Reads the account and writes a workbook (.xlsx) or a CSV file (UTF-8 with BOM, which
Excel opens correctly). Workbooks have typed cells (numbers, dates), a frozen header
and filters. Text that looks like a formula (= + - @ at the start) is written as text
and never evaluated. A file appears under its name only when complete: an export that
fails or is interrupted leaves nothing behind (an earlier file of that name is kept).

Exit codes: 0 written; 1 Zoom failed during the export; 2 usage (bad flag, unknown
group or division, unsupported file type); 3 interrupted; 4 authentication failed.`,
		Example: `  zoombulk export users -o users.xlsx
  zoombulk export users -o sales.csv --group Sales --status active
  zoombulk export summary -o summary.xlsx
  zoombulk export group-members --group Engineering -o engineering.csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return exitf(ExitUsage, "say what to export: users, groups, divisions, group-members, contact-groups, assistants or summary (see zoombulk export --help)")
		},
	}
	cmd.AddCommand(
		newExportUsersCmd(stdio, sigs),
		newExportSummaryCmd(stdio, sigs),
		newExportTableCmd(stdio, sigs, "groups", "Export the groups: name, ID, member count (--admins: a row per admin)", "groups",
			func(ctx context.Context, c *zoom.Client, path string) (*export.Result, error) {
				return export.Groups(ctx, c, path)
			}, tableSwitch{flag: "admins", usage: "one row per group admin (Group, Admin), the shape upsert_groups and group_admins read",
				run: func(ctx context.Context, c *zoom.Client, path string) (*export.Result, error) {
					return export.GroupAdmins(ctx, c, path)
				}}, groupSettingsSwitch()),
		newExportTableCmd(stdio, sigs, "divisions", "Export the divisions: name, ID, description, main, member count", "divisions",
			func(ctx context.Context, c *zoom.Client, path string) (*export.Result, error) {
				return export.Divisions(ctx, c, path)
			}),
		newExportTableCmd(stdio, sigs, "contact-groups", "Export the contact groups: name, ID, privacy, description, member counts (--members: a row per member)", "contact groups",
			func(ctx context.Context, c *zoom.Client, path string) (*export.Result, error) {
				return export.ContactGroups(ctx, c, path)
			}, tableSwitch{flag: "members", usage: "one row per member (Contact Group, Member, Privacy, Description), the shape contact_groups reads",
				run: func(ctx context.Context, c *zoom.Client, path string) (*export.Result, error) {
					return export.ContactGroupMembers(ctx, c, path)
				}}),
		newExportTableCmd(stdio, sigs, "assistants", "Export the licensed users' assistants (Email, Assistants), the shape set_assistants reads", "users with assistants",
			func(ctx context.Context, c *zoom.Client, path string) (*export.Result, error) {
				return export.Assistants(ctx, c, path)
			}),
		newExportGroupMembersCmd(stdio, sigs),
	)
	return cmd
}

type exportUsersOptions struct {
	exportOptions
	statuses, fields []string
	settings         []string
	group, division  string
	details          bool
	pageNumbers      bool
}

func newExportUsersCmd(stdio *IO, sigs <-chan os.Signal) *cobra.Command {
	var o exportUsersOptions
	var fields []string
	for _, c := range export.UserColumns() {
		note := ""
		if c.Details {
			note = " (with --details)"
		}
		fields = append(fields, fmt.Sprintf("  %-16s %s%s", c.Key, c.Header, note))
	}
	cmd := &cobra.Command{
		Use:   "users -o FILE.xlsx|FILE.csv",
		Short: "Export every user, with group and division names",
		Long: `Lists every user of every status (active, inactive, pending; --status to choose) with
the largest page size and writes one row per user, groups and divisions by name and ID.
The headers are the job templates' own, so the file can be edited and fed to a job.

Zoom's List users answer has no job title, location or language, and no ID for pending
users: those columns stay empty unless --details reads each user (Get a user, one Light
call per user: about 26 minutes per 100,000 users on a business account).

Columns (--fields takes these names or the headers, comma-separated, in the order wanted):
` + strings.Join(fields, "\n"),
		Example: `  zoombulk export users -o users.xlsx
  zoombulk export users -o users.csv --status active,inactive --fields email,first_name,last_name,dept
  zoombulk export users -o emea.xlsx --division EMEA --details
  zoombulk export users -o recording.csv --settings recording.cloud_recording,in_meeting.waiting_room`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// Offline checks first: a typo costs no call.
			if _, err := export.ParseStatuses(o.statuses); err != nil {
				return &ExitError{Code: ExitUsage, Err: err}
			}
			if _, err := export.SelectUserColumns(o.fields); err != nil {
				return &ExitError{Code: ExitUsage, Err: err}
			}
			if _, err := export.SelectSettings(o.settings); err != nil {
				return &ExitError{Code: ExitUsage, Err: err}
			}
			return runExport(cmd.Context(), stdio, sigs, &o.exportOptions, "users", nil,
				func(ctx context.Context, c *zoom.Client, ui *exportUI) (*export.Result, error) {
					return export.Users(ctx, c, o.out, export.UsersOptions{
						Statuses: o.statuses, Fields: o.fields, Group: o.group, Division: o.division,
						Details: o.details, PageNumbers: o.pageNumbers, Progress: ui.update, Warn: ui.warn, Settings: o.settings,
					})
				})
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&o.statuses, "status", nil, "statuses to export: active, inactive, pending (default all three)")
	f.StringSliceVar(&o.fields, "fields", nil, "columns to write, in order (default all; see above)")
	f.StringVar(&o.group, "group", "", "only the members of this group (name or ID)")
	f.StringVar(&o.division, "division", "", "only the users of this division (name or ID)")
	f.BoolVar(&o.details, "details", false, "read each user (one Light call per user) to fill job title, location, language and pending users' IDs")
	f.BoolVar(&o.pageNumbers, "page-numbers", true, pageNumbersUsage)
	f.StringSliceVar(&o.settings, "settings", nil, "add setting columns (Get user settings, one Medium call per user): paths such as recording.cloud_recording,in_meeting.waiting_room, or all-common; the headers map straight back onto an update_settings job")
	o.exportOptions.register(cmd, "users.xlsx or users.csv")
	return cmd
}

// pageNumbersUsage explains --page-numbers: on by default, because at
// Zoom's 300 users a page a chain of tokens takes five times the rate's
// bound at 300 ms; =false keeps to the tokens, as the reference prefers.
const pageNumbersUsage = "when following next_page_token page after page would take more than twice the rate limit's time, read several pages of a status at once with page_number " +
	"(which Zoom marks deprecated), checked against total_records and listed again by token when they do not add up; =false always follows the tokens"

func newExportSummaryCmd(stdio *IO, sigs <-chan os.Signal) *cobra.Command {
	var o exportOptions
	var pageNumbers bool
	cmd := &cobra.Command{
		Use:   "summary -o FILE.xlsx",
		Short: "Export the account's user counts and breakdowns, with charts",
		Long: `Writes a workbook with the account's user summary (Zoom's own counts) and, from one
listing of every user, breakdowns by type, status, group, division, department and last
login (never, under 30 days, 30 to 90, over 90: licensed users counted apart, the
licence-reclaim view), charts for type, division and last login, and a Details sheet
with the raw numbers and the time of the export (UTC). Workbook only (.xlsx).

Pending users (invited, not activated yet) count in the Users columns and on their own
By Type line, never as Licensed: the same rule as Zoom's own licensed count, so every
sheet's Licensed numbers agree.`,
		Example: `  zoombulk export summary -o summary.xlsx`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var sum *export.Summary
			err := runExport(cmd.Context(), stdio, sigs, &o, "summary", []export.Format{export.XLSX},
				func(ctx context.Context, c *zoom.Client, ui *exportUI) (*export.Result, error) {
					res, s, err := export.Summarize(ctx, c, o.out, export.SummaryOptions{PageNumbers: pageNumbers, Progress: ui.update, Warn: ui.warn})
					sum = s
					return res, err
				})
			if err == nil && sum != nil {
				fmt.Fprintf(stdio.say(), "%s: %s\n", export.ReclaimLabel, groupDigits(sum.ReclaimCandidates()))
			}
			return err
		},
	}
	cmd.Flags().BoolVar(&pageNumbers, "page-numbers", true, pageNumbersUsage)
	o.register(cmd, "summary.xlsx")
	return cmd
}

// newExportTableCmd builds the exports that are one small listing.
// tableSwitch is a flag that makes a table export write another shape of
// the same thing (groups --admins, contact-groups --members).
type tableSwitch struct {
	flag, usage string
	run         func(context.Context, *zoom.Client, string) (*export.Result, error)
	// list, when set, makes the flag take values (groups --settings):
	// the switch is on when it has any.
	list *[]string
}

func newExportTableCmd(stdio *IO, sigs <-chan os.Signal, name, short, what string,
	run func(context.Context, *zoom.Client, string) (*export.Result, error), switches ...tableSwitch) *cobra.Command {
	var o exportOptions
	on := make([]bool, len(switches))
	cmd := &cobra.Command{
		Use:     name + " -o FILE.xlsx|FILE.csv",
		Short:   short,
		Example: fmt.Sprintf("  zoombulk export %s -o %s.xlsx", name, name),
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			chosen := run
			for i, sw := range switches {
				if on[i] || (sw.list != nil && len(*sw.list) > 0) {
					chosen = sw.run
				}
			}
			return runExport(cmd.Context(), stdio, sigs, &o, what, nil,
				func(ctx context.Context, c *zoom.Client, _ *exportUI) (*export.Result, error) {
					return chosen(ctx, c, o.out)
				})
		},
	}
	for i, sw := range switches {
		if sw.list != nil {
			cmd.Flags().StringSliceVar(sw.list, sw.flag, nil, sw.usage)
			cmd.Example += fmt.Sprintf("\n  zoombulk export %s --%s all-common -o %s.xlsx", name, sw.flag, name)
			continue
		}
		cmd.Flags().BoolVar(&on[i], sw.flag, false, sw.usage)
		cmd.Example += fmt.Sprintf("\n  zoombulk export %s --%s -o %s.xlsx", name, sw.flag, name)
	}
	o.register(cmd, name+".xlsx or "+name+".csv")
	return cmd
}

func newExportGroupMembersCmd(stdio *IO, sigs <-chan os.Signal) *cobra.Command {
	var o exportOptions
	var group string
	cmd := &cobra.Command{
		Use:   "group-members --group NAME -o FILE.xlsx|FILE.csv",
		Short: "Export one group's members: email, names, type, user ID",
		Long: `Writes the members of one group with the users export's headers (Email, First Name,
Last Name, User Type, Type Code, User ID), so the file can feed a job.`,
		Example: `  zoombulk export group-members --group Engineering -o engineering.csv`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runExport(cmd.Context(), stdio, sigs, &o, "members", nil,
				func(ctx context.Context, c *zoom.Client, _ *exportUI) (*export.Result, error) {
					return export.GroupMembers(ctx, c, o.out, group)
				})
		},
	}
	cmd.Flags().StringVar(&group, "group", "", "the group (name or ID)")
	_ = cmd.MarkFlagRequired("group")
	o.register(cmd, "members.xlsx or members.csv")
	return cmd
}

// runExport is what every export does around its own call: check the
// output name offline, connect and authenticate, watch Ctrl-C, show
// progress, say what was written, and map failures to exit codes.
func runExport(ctx context.Context, stdio *IO, sigs <-chan os.Signal, o *exportOptions, what string, formats []export.Format,
	run func(context.Context, *zoom.Client, *exportUI) (*export.Result, error)) error {
	if _, err := export.CheckOutput(o.out, formats...); err != nil {
		return &ExitError{Code: ExitUsage, Err: err}
	}
	if _, err := os.Stat(o.out); err == nil && !o.force {
		return exitf(ExitUsage, "%s exists already: add --force to replace it, or choose another -o", o.out)
	}
	client, closeSandbox, err := o.connect(ctx, stdio)
	if err != nil {
		return err
	}
	defer closeSandbox()

	watching, end := context.WithCancel(ctx) // ends the watcher when the export returns
	defer end()
	work, stop := context.WithCancel(watching)
	defer stop()
	var interrupted atomic.Bool
	go watchInterrupts(watching, sigs, func() { interrupted.Store(true); stop() }, stdio,
		"Stopping the export (Ctrl-C again to quit at once); no file will be written.", "")

	ui := newExportUI(stdio.ErrOut, stdio.ErrTTY, what)
	res, err := run(work, client, ui)
	ui.finish(err == nil)
	if err != nil {
		return exportExit(err, interrupted.Load())
	}
	if what == "summary" {
		fmt.Fprintf(stdio.say(), "Exported the summary of %s users to %s", groupDigits(res.Rows), res.Path)
	} else {
		fmt.Fprintf(stdio.say(), "Exported %s %s to %s", groupDigits(res.Rows), what, res.Path)
	}
	if res.Pages > 0 {
		fmt.Fprintf(stdio.say(), " (%s, %s)", exportPlural(res.Pages, "listing page"), res.Elapsed.Round(100*time.Millisecond))
	}
	fmt.Fprintln(stdio.say())
	return nil
}

func exportPlural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return groupDigits(n) + " " + noun + "s"
}

// exportExit maps an export's failure to an exit code. Nothing was written
// in every case.
func exportExit(err error, interrupted bool) error {
	switch {
	case export.IsUsage(err):
		return &ExitError{Code: ExitUsage, Err: err}
	case interrupted && errors.Is(err, context.Canceled):
		return exitf(ExitAborted, "interrupted: no file was written")
	case zoom.CannotConnect(err):
		return &ExitError{Code: ExitAuth, Err: err}
	}
	return exitf(ExitPartial, "export failed, no file was written: %w", err)
}

// exportUI shows an export's progress on stderr: a bar on a terminal
// (users read, pages, users/s), a plain line every few seconds otherwise.
type exportUI struct {
	w     io.Writer
	tty   bool
	what  string
	every time.Duration

	mu     sync.Mutex
	bar    *progressbar.ProgressBar
	last   export.Progress
	logged time.Time
	start  time.Time
}

func newExportUI(w io.Writer, tty bool, what string) *exportUI {
	now := time.Now()
	return &exportUI{w: w, tty: tty, what: what, every: exportLogEvery, logged: now, start: now}
}

func (ui *exportUI) update(p export.Progress) {
	ui.mu.Lock()
	defer ui.mu.Unlock()
	ui.last = p
	if ui.tty {
		if ui.bar == nil {
			max := int64(-1)
			if p.Total > 0 {
				max = int64(p.Total)
			}
			ui.bar = progressbar.NewOptions64(max,
				progressbar.OptionSetWriter(ui.w),
				progressbar.OptionShowCount(),
				progressbar.OptionShowIts(),
				progressbar.OptionSetItsString("users"),
				progressbar.OptionSetPredictTime(true),
				progressbar.OptionThrottle(100*time.Millisecond),
				progressbar.OptionSetWidth(30),
				progressbar.OptionOnCompletion(func() { fmt.Fprintln(ui.w) }),
			)
		}
		if p.Total > 0 && ui.bar.GetMax64() != int64(p.Total) {
			ui.bar.ChangeMax64(int64(p.Total))
		}
		ui.bar.Describe(ui.what + ", " + exportPlural(p.Pages, "page"))
		_ = ui.bar.Set64(int64(p.Done))
		return
	}
	if time.Since(ui.logged) >= ui.every {
		ui.logged = time.Now()
		ui.line(p)
	}
}

// line is the non-terminal progress line.
func (ui *exportUI) line(p export.Progress) {
	rate := 0.0
	if s := p.Elapsed.Seconds(); s > 0 {
		rate = float64(p.Done) / s
	}
	of := ""
	if p.Total > 0 {
		of = " of " + groupDigits(p.Total)
	}
	fmt.Fprintf(ui.w, "export %s: %s%s users (%s, %s written), %.0f users/s\n",
		ui.what, groupDigits(p.Done), of, exportPlural(p.Pages, "page"), exportPlural(p.Rows, "row"), rate)
}

func (ui *exportUI) warn(msg string) {
	ui.mu.Lock()
	defer ui.mu.Unlock()
	if ui.bar != nil {
		_ = ui.bar.Clear()
	}
	fmt.Fprintln(ui.w, "Warning:", msg)
}

// finish ends the bar; a listing that took long enough to log gets a last
// line so the log shows where it ended.
func (ui *exportUI) finish(ok bool) {
	ui.mu.Lock()
	defer ui.mu.Unlock()
	if ui.bar != nil {
		if ok {
			_ = ui.bar.Finish()
		} else {
			_ = ui.bar.Exit()
			fmt.Fprintln(ui.w)
		}
		ui.bar = nil
		return
	}
	if !ui.tty && ui.last.Pages > 0 && time.Since(ui.start) >= ui.every {
		ui.line(ui.last)
	}
}
