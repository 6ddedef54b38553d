package export

// The reclaim export: the licensed users who do not use their license, as
// a workbook that carries the job that takes the licenses back. The admin
// deletes the rows of the users to keep and runs the workbook.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zoombulk/zoombulk/internal/sheet"
	"github.com/zoombulk/zoombulk/internal/templates"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// ReclaimSheet is the data sheet of the reclaim workbook; ReclaimAbout
// says what the workbook is and what running it does.
const (
	ReclaimSheet = "Reclaim"
	ReclaimAbout = "About"
)

// LoginBuffer is how far behind Zoom's last-login times may be: Zoom
// updates them with a buffer of about three days.
const LoginBuffer = 72 * time.Hour

// ReclaimOptions choose who is idle.
type ReclaimOptions struct {
	// Idle is how long ago the last login must be; users who never
	// logged in are always idle.
	Idle time.Duration
	// Now is the time idleness is measured from (tests fix it).
	Now time.Time
}

// ReclaimResult is what the reclaim export wrote.
type ReclaimResult struct {
	*Result
	Licensed int  // licensed active users read
	Never    int  // of the rows, users who never logged in
	Owner    bool // the account owner was among the licensed users, and left out
}

// The IDs of Zoom's built-in roles, as List users gives them in role_id.
const (
	RoleOwnerID  = "0"
	RoleAdminID  = "1"
	RoleMemberID = "2"
)

// roleNames names the roles of the users listed: the built-in ones by
// their ID, any other (a custom role) from Get a user, which names it,
// once per role: the name is the account's, not the user's, so a hundred
// idle helpdesk agents cost one read, not a hundred.
type roleNames map[string]string

func (rn roleNames) name(ctx context.Context, c *zoom.Client, u *zoom.User) (string, error) {
	switch u.RoleID {
	case RoleOwnerID:
		return "Owner", nil
	case RoleAdminID:
		return "Admin", nil
	case RoleMemberID, "":
		return "Member", nil
	}
	if u.RoleName != "" {
		return u.RoleName, nil
	}
	if name, ok := rn[u.RoleID]; ok {
		return name, nil
	}
	full, err := c.GetUser(ctx, u.ID)
	if err != nil {
		return "", fmt.Errorf("reading the role of %s: %w", u.Email, err)
	}
	name := full.RoleName
	if name == "" {
		name = "role " + u.RoleID
	}
	rn[u.RoleID] = name
	return name, nil
}

// ParseIdle reads --idle: days ("90d"), weeks ("12w") or a Go duration
// ("2160h").
func ParseIdle(s string) (time.Duration, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	bad := &UsageError{Msg: fmt.Sprintf("--idle %q: give days (90d), weeks (12w) or hours (2160h)", s)}
	for suffix, unit := range map[string]time.Duration{"d": 24 * time.Hour, "w": 7 * 24 * time.Hour} {
		if n, ok := strings.CutSuffix(s, suffix); ok {
			v, err := strconv.Atoi(n)
			if err != nil || v <= 0 {
				return 0, bad
			}
			return time.Duration(v) * unit, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, bad
	}
	return d, nil
}

// reclaimFeatures are the feature seats the job takes back, in the order
// it takes them (seats first: a user needs the license to hold them), and
// their headers.
var reclaimFeatures = []struct{ field, header string }{
	{"webinar", "Webinar"}, {"large_meeting", "Large Meeting"}, {"zoom_events", "Zoom Events"},
}

// reclaimJob is the job the workbook carries.
func reclaimJob(file string) string {
	var b strings.Builder
	b.WriteString(`# The job this reclaim workbook carries (zoombulk job FILE.xlsx prints it).
# Each row's user loses the feature seats they hold (webinar, large meeting,
# Zoom Events), then goes from Licensed to Basic (the user_type feature).
# Delete the rows of the users to keep before running: zoombulk run FILE.xlsx
version: 1
name: reclaim
`)
	fmt.Fprintf(&b, "input: { path: %s, sheet: %s }\n", strconv.Quote(file), ReclaimSheet)
	b.WriteString("fields:\n  email: Email\n")
	var steps []string
	for _, f := range reclaimFeatures {
		fmt.Fprintf(&b, "  %s: { default: \"0\" }    # the seat taken away\n", f.field)
		steps = append(steps, f.field)
	}
	b.WriteString("  user_type: { default: \"1\" }  # Basic\n")
	steps = append(steps, "user_type")
	fmt.Fprintf(&b, "steps:\n  - update_features: [%s]\n", strings.Join(steps, ", "))
	return b.String()
}

// Reclaim writes the licensed users whose last login is older than
// o.Idle, and those who never logged in, with their department, groups,
// division and feature seats, to an .xlsx workbook that carries the job
// taking their licenses back.
func Reclaim(ctx context.Context, c *zoom.Client, path string, o ReclaimOptions) (*ReclaimResult, error) {
	start, before := time.Now(), c.Stats()
	if _, err := CheckOutput(path, XLSX); err != nil {
		return nil, err
	}
	if o.Idle <= 0 {
		return nil, &UsageError{Msg: "give --idle, e.g. --idle 90d"}
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	cutoff := o.Now.Add(-o.Idle)
	dir, err := zoom.LoadDirectory(ctx, c, true, true, nil)
	if err != nil {
		return nil, err
	}
	res := &ReclaimResult{}
	idle, err := listIdleLicensed(ctx, c, cutoff, res)
	if err != nil {
		return nil, err
	}

	wb := sheet.NewWorkbook()
	defer wb.Close()
	if err := writeReclaimUsers(ctx, c, wb, dir, idle, o.Now, res); err != nil {
		return nil, err
	}
	if err := writeReclaimAbout(wb, path, cutoff, o.Idle, len(idle), res.Licensed); err != nil {
		return nil, err
	}
	if err := writeWorkbookWithJob(wb, path, reclaimJob(filepath.Base(path))); err != nil {
		return nil, err
	}
	res.Result = tableResult(c, before, start, path, XLSX, len(idle))
	return res, nil
}

// listIdleLicensed lists the active licensed users who last logged in
// before cutoff or never did, longest idle first, counting the licensed
// users and noting the owner in res.
func listIdleLicensed(ctx context.Context, c *zoom.Client, cutoff time.Time, res *ReclaimResult) ([]zoom.User, error) {
	var idle []zoom.User
	for u, err := range c.ListUsers(ctx, zoom.ListUsersOptions{Status: zoom.StatusActive}) {
		if err != nil {
			return nil, fmt.Errorf("listing the users: %w", err)
		}
		if u.Type != zoom.TypeLicensed {
			continue
		}
		res.Licensed++
		// The account owner holds the account and its billing: whether
		// the owner keeps a license is not a row to delete from a bulk
		// list, so the owner is never a candidate.
		if u.RoleID == RoleOwnerID {
			res.Owner = true
			continue
		}
		if u.LastLoginTime.IsZero() || u.LastLoginTime.Before(cutoff) {
			idle = append(idle, u)
		}
	}
	// Longest idle first: never logged in, then the oldest login.
	slices.SortStableFunc(idle, func(a, b zoom.User) int { return a.LastLoginTime.Compare(b.LastLoginTime) })
	return idle, nil
}

// writeReclaimUsers writes the Reclaim sheet: one row per idle user, with
// the feature seats read from each user's settings. A user deleted since
// the listing has no row; res.Never counts those who never logged in.
func writeReclaimUsers(ctx context.Context, c *zoom.Client, wb *sheet.Workbook, dir *zoom.Directory, idle []zoom.User, now time.Time, res *ReclaimResult) error {
	cols := []sheet.Column{
		{Header: "Email"}, {Header: "First Name"}, {Header: "Last Name"}, {Header: "Department"},
		{Header: "Groups"}, {Header: "Division"}, {Header: "Last Login", Kind: sheet.DateTime},
		{Header: "Days Since Login", Kind: sheet.Integer}, {Header: "License"}, {Header: "Role"},
	}
	for _, f := range reclaimFeatures {
		cols = append(cols, sheet.Column{Header: f.header})
	}
	tw, err := wb.AddTable(sheet.Table{Name: ReclaimSheet, Columns: cols})
	if err != nil {
		return err
	}
	roles := roleNames{}
	for _, u := range idle {
		st, err := c.GetUserSettings(ctx, u.ID)
		var api *zoom.APIError
		switch {
		case errors.As(err, &api) && api.HTTPStatus == 404:
			continue // deleted since the listing
		case err != nil:
			return fmt.Errorf("reading the features of %s: %w", u.Email, err)
		}
		row, err := reclaimRow(ctx, c, dir, roles, &u, st.Feature, now)
		if err != nil {
			return err
		}
		if u.LastLoginTime.IsZero() {
			res.Never++
		}
		if err := tw.WriteRow(row, sheet.Plain); err != nil {
			return err
		}
	}
	return tw.Close()
}

// reclaimRow is one idle user's row: who they are, where they sit, how
// long since they logged in ("never" for those who did not), their
// license and role, and the size of each feature seat they hold.
func reclaimRow(ctx context.Context, c *zoom.Client, dir *zoom.Directory, roles roleNames, u *zoom.User, f zoom.FeatureSettings, now time.Time) ([]sheet.Cell, error) {
	groups := make([]string, len(u.GroupIDs))
	for i, id := range u.GroupIDs {
		groups[i] = dir.GroupName(id)
	}
	login, days := sheet.TextCell(""), sheet.TextCell("never")
	if !u.LastLoginTime.IsZero() {
		login = sheet.DateTimeCell(u.LastLoginTime.UTC())
		days = sheet.IntCell(int64(now.Sub(u.LastLoginTime) / (24 * time.Hour)))
	}
	role, err := roles.name(ctx, c, u)
	if err != nil {
		return nil, err
	}
	return []sheet.Cell{
		sheet.TextCell(u.Email), sheet.TextCell(u.FirstName), sheet.TextCell(u.LastName), sheet.TextCell(u.Dept),
		sheet.TextCell(strings.Join(groups, "; ")), sheet.TextCell(dir.DivisionName(divisionID(u))), login, days,
		sheet.TextCell(zoom.TypeName(u.Type)), sheet.TextCell(role),
		seatCell(f.Webinar, f.WebinarCapacity), seatCell(f.LargeMeeting, f.LargeMeetingCapacity), seatCell(f.ZoomEvents, f.ZoomEventsCapacity),
	}, nil
}

// seatCell is a feature seat's cell. A seat's size is a number (a webinar
// of 500 sorts and sums as one); a seat Zoom gives no size for says yes.
func seatCell(on bool, capacity int) sheet.Cell {
	switch {
	case !on:
		return sheet.TextCell("")
	case capacity > 0:
		return sheet.IntCell(int64(capacity))
	}
	return sheet.TextCell("yes")
}

// writeReclaimAbout writes the About sheet: what the list holds, who is
// left out, the caveat of Zoom's login times, and what running it does.
func writeReclaimAbout(wb *sheet.Workbook, path string, cutoff time.Time, idleFor time.Duration, listed, licensed int) error {
	about, err := wb.AddTable(sheet.Table{Name: ReclaimAbout, Columns: []sheet.Column{{Header: "About this workbook", Width: 110}}})
	if err != nil {
		return err
	}
	for _, line := range []string{
		fmt.Sprintf("Licensed active users whose last login is before %s (idle %s or more), and those who never logged in: %d of %d licensed users.",
			cutoff.UTC().Format("2006-01-02 15:04 MST"), idleText(idleFor), listed, licensed),
		"The account owner is never listed. The Role column names the admins, whose license you may want to keep.",
		"Zoom updates last-login times with a buffer of about three days: a user shown idle may have signed in during the last three days.",
		"Running this workbook (zoombulk run " + filepath.Base(path) + ") takes each row's webinar, large meeting and Zoom Events seats away, then makes the user Basic.",
		"Delete the rows of the users who keep their license before running it; zoombulk run --dry-run shows the plan first.",
		"The job is in the hidden zoombulk-job sheet: zoombulk job " + filepath.Base(path) + " prints it.",
	} {
		if err := about.WriteRow([]sheet.Cell{sheet.TextCell(line)}, sheet.Plain); err != nil {
			return err
		}
	}
	return about.Close()
}

// writeWorkbookWithJob writes the workbook to path with job embedded in
// it, atomically: an earlier file there is replaced only when the new one
// is whole.
func writeWorkbookWithJob(wb *sheet.Workbook, path, job string) error {
	var buf bytes.Buffer
	if err := wb.Write(&buf); err != nil {
		return err
	}
	data, err := templates.EmbedJob(buf.Bytes(), job)
	if err != nil {
		return err
	}
	return sheet.WriteAtomic(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

func idleText(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	}
	return d.String()
}
