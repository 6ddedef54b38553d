package export

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/zoombulk/zoombulk/internal/mapping"
	"github.com/zoombulk/zoombulk/internal/sheet"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// UserColumn is one column of the users export.
type UserColumn struct {
	Key    string // the --fields name (the API's field name where there is one)
	Header string // the header, the same as the job templates'
	Kind   sheet.Kind
	// Details marks columns that only Get a user answers: empty without
	// --details.
	Details bool
	// Groups / Divisions mark columns that need the names of the account's
	// groups / divisions.
	Groups, Divisions bool
	cell              func(u *zoom.User, d *zoom.Directory) sheet.Cell
}

func textOf(f func(u *zoom.User) string) func(*zoom.User, *zoom.Directory) sheet.Cell {
	return func(u *zoom.User, _ *zoom.Directory) sheet.Cell { return sheet.TextCell(f(u)) }
}

// userColumns is every column of the users export, in the default order.
// Details is derived from the job file's catalogue (see withDetails).
var userColumns = withDetails([]UserColumn{
	{Key: "email", Header: "Email", cell: textOf(func(u *zoom.User) string { return u.Email })},
	{Key: "first_name", Header: "First Name", cell: textOf(func(u *zoom.User) string { return u.FirstName })},
	{Key: "last_name", Header: "Last Name", cell: textOf(func(u *zoom.User) string { return u.LastName })},
	{Key: "display_name", Header: "Display Name", cell: textOf(func(u *zoom.User) string { return u.DisplayName })},
	{Key: "type", Header: "User Type", cell: textOf(func(u *zoom.User) string { return zoom.TypeName(u.Type) })},
	{Key: "type_code", Header: "Type Code", Kind: sheet.Integer, cell: func(u *zoom.User, _ *zoom.Directory) sheet.Cell { return sheet.IntCell(int64(u.Type)) }},
	{Key: "status", Header: "Status", cell: textOf(func(u *zoom.User) string { return u.Status })},
	{Key: "dept", Header: "Department", cell: textOf(func(u *zoom.User) string { return u.Dept })},
	{Key: "job_title", Header: "Job Title", cell: textOf(func(u *zoom.User) string { return u.JobTitle })},
	{Key: "location", Header: "Location", cell: textOf(func(u *zoom.User) string { return u.Location })},
	{Key: "groups", Header: "Groups", Groups: true, cell: func(u *zoom.User, d *zoom.Directory) sheet.Cell {
		names := make([]string, 0, len(u.GroupIDs))
		for _, id := range u.GroupIDs {
			if n := d.GroupName(id); n != "" {
				names = append(names, n)
			} else {
				names = append(names, id) // a group we could not name: its ID says more than nothing
			}
		}
		return sheet.TextCell(strings.Join(names, ";"))
	}},
	{Key: "group_ids", Header: "Group IDs", cell: textOf(func(u *zoom.User) string { return strings.Join(u.GroupIDs, ";") })},
	{Key: "division", Header: "Division", Divisions: true, cell: func(u *zoom.User, d *zoom.Directory) sheet.Cell {
		return sheet.TextCell(d.DivisionName(divisionID(u)))
	}},
	{Key: "division_id", Header: "Division ID", cell: textOf(divisionID)},
	{Key: "created_at", Header: "Created", Kind: sheet.DateTime, cell: func(u *zoom.User, _ *zoom.Directory) sheet.Cell { return sheet.DateTimeCell(u.CreatedAt.UTC()) }},
	{Key: "last_login_time", Header: "Last Login", Kind: sheet.DateTime, cell: func(u *zoom.User, _ *zoom.Directory) sheet.Cell { return sheet.DateTimeCell(u.LastLoginTime.UTC()) }},
	{Key: "timezone", Header: "Timezone", cell: textOf(func(u *zoom.User) string { return u.Timezone })},
	{Key: "language", Header: "Language", cell: textOf(func(u *zoom.User) string { return u.Language })},
	{Key: "id", Header: "User ID", cell: textOf(func(u *zoom.User) string { return u.ID })},
})

// withDetails marks the columns of catalogue fields that only Get a user
// carries (mapping.ByGet): the catalogue is the one place that says which
// answer carries a field, for the plan's reads and for this export.
func withDetails(cols []UserColumn) []UserColumn {
	for i, c := range cols {
		if f, ok := mapping.Lookup(c.Key); ok {
			cols[i].Details = f.Carried == mapping.ByGet
		}
	}
	return cols
}

// divisionID is a user's division: Zoom answers a list with (at most) one.
func divisionID(u *zoom.User) string {
	for _, id := range u.DivisionIDs {
		if id != "" {
			return id
		}
	}
	return ""
}

// UserColumns lists every column of the users export in the default order.
func UserColumns() []UserColumn { return slices.Clone(userColumns) }

// fieldAliases are other names --fields accepts.
var fieldAliases = map[string]string{
	"user_id": "id", "user_type": "type", "type_name": "type", "department": "dept",
	"created": "created_at", "last_login": "last_login_time", "group": "groups", "group_names": "groups",
	"division_name": "division", "division_ids": "division_id", "job": "job_title", "title": "job_title",
	"name": "display_name", "time_zone": "timezone",
}

func normField(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.NewReplacer(" ", "_", "-", "_").Replace(s)
}

// SelectUserColumns picks and orders columns by --fields: keys (email,
// first_name, type_code, ...) or headers ("First Name"), any case,
// comma-separated or repeated. None means every column. An unknown name is
// an *UnknownNameError.
func SelectUserColumns(fields []string) ([]UserColumn, error) {
	byName := map[string]int{}
	keys := make([]string, len(userColumns))
	for i, c := range userColumns {
		byName[normField(c.Key)] = i
		byName[normField(c.Header)] = i
		keys[i] = c.Key
	}
	for alias, key := range fieldAliases {
		byName[alias] = byName[key]
	}
	var out []UserColumn
	seen := map[int]bool{}
	for _, f := range fields {
		for _, name := range strings.Split(f, ",") {
			if strings.TrimSpace(name) == "" {
				continue
			}
			i, ok := byName[normField(name)]
			if !ok {
				return nil, zoom.UnknownName("field", strings.TrimSpace(name), keys)
			}
			if !seen[i] {
				seen[i] = true
				out = append(out, userColumns[i])
			}
		}
	}
	if len(out) == 0 {
		return UserColumns(), nil
	}
	return out, nil
}

// UsersOptions shape a users export.
type UsersOptions struct {
	// Statuses to list (ParseStatuses); none means all three.
	Statuses []string
	// Fields picks and orders the columns (SelectUserColumns); none: all.
	Fields []string
	// Group and Division keep only the users in that group / division
	// (a name, any case, or an ID).
	Group, Division string
	// Details reads each user with Get a user (Light) to fill the columns
	// the listing lacks: job title, location, language, and the ID of
	// pending users.
	Details bool
	// Workers bounds the Get a user calls in flight with Details
	// (default: from the Light rate).
	Workers int
	// PageSize of the listing (default and most: 2000).
	PageSize int
	// Ahead is how many pages the first status's listing may fetch ahead
	// of the writer (default 2); the other statuses list into a temporary
	// file meanwhile.
	Ahead int
	// PageNumbers fetches several pages of a status at once with
	// page_number, which the reference keeps but marks deprecated: without
	// it a status's pages come one after the other (each needs the previous
	// page's next_page_token), and at 300 ms an answer that is what bounds
	// the export's time. When an answer shows page_number is not honoured,
	// the listing goes on with next_page_token.
	PageNumbers bool
	// ListWorkers bounds the page_number fetches in flight per status
	// (default: the listing rate times the first answer's time, 2 to 64).
	ListWorkers int
	// Progress, if set, is called from the writer goroutine as pages and
	// users are handled.
	Progress func(Progress)
	// Warn, if set, receives notes worth telling the admin (the time
	// --details implies, divisions missing on the account).
	Warn func(string)
	// Settings adds a column per setting (SelectSettings: paths such as
	// recording.cloud_recording, or "all-common"), read with Get user
	// settings (Medium, one call per user). The headers are the job's field
	// names (settings.recording.cloud_recording), so the file maps straight
	// back onto an update_settings job.
	Settings []string
}

// SelectSettings resolves --settings: setting paths with or without the
// settings. prefix, comma-separated or repeated, and "all-common" for
// mapping.CommonSettings. An unknown path is an *UnknownNameError naming the
// closest one.
func SelectSettings(names []string) ([]mapping.Field, error) {
	var out []mapping.Field
	seen := map[string]bool{}
	add := func(f mapping.Field) {
		if !seen[f.Name] {
			seen[f.Name] = true
			out = append(out, f)
		}
	}
	err := eachSettingName(names, func(p string) {
		f, _ := mapping.Lookup(mapping.SettingsPrefix + p)
		add(f)
	}, func(name string) error {
		full := name
		if !strings.HasPrefix(full, mapping.SettingsPrefix) {
			full = mapping.SettingsPrefix + full
		}
		f, ok := mapping.Lookup(full)
		if !ok || f.Target != mapping.Setting {
			e := &zoom.UnknownNameError{Kind: "setting", Name: name, Known: mapping.CommonSettings}
			if s := mapping.SuggestSetting(full); s != "" {
				e.Closest = []string{strings.TrimPrefix(s, mapping.SettingsPrefix)}
			}
			return e
		}
		add(f)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// eachSettingName walks the names of a --settings flag, comma-separated
// or repeated, in lower case: each of mapping.CommonSettings goes to
// common for "all-common", any other name to one, whose error ends the
// walk.
func eachSettingName(names []string, common func(path string), one func(name string) error) error {
	for _, n := range names {
		for _, name := range strings.Split(n, ",") {
			name = strings.ToLower(strings.TrimSpace(name))
			switch name {
			case "":
			case "all-common", "all_common":
				for _, p := range mapping.CommonSettings {
					common(p)
				}
			default:
				if err := one(name); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func settingColumn(f mapping.Field, of func(u *zoom.User) zoom.Settings) UserColumn {
	path := f.SettingPath()
	return UserColumn{Key: f.Name, Header: f.Name, cell: func(u *zoom.User, _ *zoom.Directory) sheet.Cell {
		v, _ := of(u).Get(path)
		// A number stays a number (auto_delete_cmr_days: 30), so that the
		// column sorts and sums; it reads back as the same digits.
		if x, ok := v.(float64); ok {
			if x == math.Trunc(x) && math.Abs(x) < 1e15 {
				return sheet.IntCell(int64(x))
			}
			return sheet.NumberCell(x)
		}
		return sheet.TextCell(mapping.SettingText(v))
	}}
}

// DetailsDuration is how long reading n users one by one takes at the
// client's Light rate.
func DetailsDuration(c *zoom.Client, n int) time.Duration {
	r := c.Rate(zoom.Light)
	if r <= 0 {
		return 0
	}
	return time.Duration(float64(n) / r * float64(time.Second))
}

// Users writes every user of the statuses asked to path (.csv or
// .xlsx), with group and division names resolved, streaming: pages are
// written as they arrive, by this goroutine, in listing order, so memory
// stays bounded whatever the number of users. On any error nothing is left
// under path.
func Users(ctx context.Context, c *zoom.Client, path string, opts UsersOptions) (*Result, error) {
	start, before := time.Now(), c.Stats()
	// settings holds the users being written's settings, by email.
	var settings map[string]zoom.Settings
	var settingsMu sync.Mutex
	cols, statuses, settingFields, err := usersColumns(opts, func(u *zoom.User) zoom.Settings { return settings[strings.ToLower(u.Email)] })
	if err != nil {
		return nil, err
	}
	out, err := newOutput(path)
	if err != nil {
		return nil, err
	}
	defer out.abort()

	// The groups and divisions are read while the listings start: each
	// takes an answer's time.
	ctx, cancel := context.WithCancel(ctx)
	type filter struct {
		dir  *zoom.Directory
		keep func(*zoom.User) bool
		err  error
	}
	filtered := make(chan filter, 1)
	go func() {
		dir, keep, err := userFilter(ctx, c, opts, cols)
		filtered <- filter{dir, keep, err}
	}()
	var f filter
	got := false
	defer func() {
		cancel()
		if !got {
			<-filtered // returned before we do
		}
	}()

	tw, err := out.addTable(usersTable(cols))
	if err != nil {
		return nil, fmt.Errorf("writing %s: %w", path, err)
	}
	var unread []string // the columns left empty: only Get a user fills them
	if !opts.Details {
		for _, col := range cols {
			if col.Details {
				unread = append(unread, col.Header)
			}
		}
	}
	// What the export writes is remembered (snapshot.go), so that the
	// file edited and run back sends only the edits.
	snap, err := newSnapWriter(path, out.format, cols, unread, c.AccountID(), start)
	if err != nil {
		return nil, fmt.Errorf("writing %s: %w", path, err)
	}
	defer snap.abort()

	workers := opts.Workers
	if workers <= 0 {
		workers = detailWorkers(c)
	}
	var pr Progress
	report := func() {
		if opts.Progress != nil {
			pr.Elapsed = time.Since(start)
			opts.Progress(pr)
		}
	}
	cells := make([]sheet.Cell, len(cols))
	write := func(users []zoom.User) error {
		for i := range users {
			for j, col := range cols {
				cells[j] = col.cell(&users[i], f.dir)
			}
			if err := tw.WriteRow(cells, sheet.Plain); err != nil {
				return fmt.Errorf("writing %s: %w", path, err)
			}
			if err := snap.add(cells); err != nil {
				return fmt.Errorf("writing the record of %s: %w", path, err)
			}
			pr.Rows++
		}
		return nil
	}
	warned := false
	for page, err := range listUsers(ctx, c, statuses, listOptions{PageSize: opts.PageSize, Ahead: opts.Ahead, PageNumbers: opts.PageNumbers, Workers: opts.ListWorkers}) {
		if err != nil {
			return nil, err
		}
		if !got {
			f, got = <-filtered, true
			if f.err != nil {
				return nil, f.err
			}
		}
		pr.Pages++
		pr.Listed += len(page.Users)
		pr.Total = page.Announced
		warnDetails(c, opts, page.Announced, &warned)
		listed := len(page.Users)
		kept := keepUsers(page.Users, f.keep)
		pr.Done += listed - len(kept)
		if !opts.Details && len(settingFields) == 0 {
			if err := write(kept); err != nil {
				return nil, err
			}
			pr.Done += len(kept)
			report()
			continue
		}
		if len(kept) == 0 {
			report()
		}
		// In chunks, so that progress moves while a 2,000-user page is read.
		chunk := 4 * workers
		for len(kept) > 0 {
			n := min(chunk, len(kept))
			if len(settingFields) > 0 {
				settings = map[string]zoom.Settings{}
			}
			if err := readChunk(ctx, c, kept[:n], workers, opts.Details, settings, &settingsMu); err != nil {
				return nil, err
			}
			if err := write(kept[:n]); err != nil {
				return nil, err
			}
			pr.Done += n
			kept = kept[n:]
			report()
		}
	}
	if err := commitUsers(tw, out, snap, path); err != nil {
		return nil, err
	}
	return &Result{Path: path, Format: out.format, Rows: pr.Rows, Pages: pr.Pages, Elapsed: time.Since(start), Calls: c.Stats().CallsSince(before)}, nil
}

// usersColumns parses the options' columns, statuses and settings; the
// settings columns read a user's settings with settingsOf.
func usersColumns(opts UsersOptions, settingsOf func(*zoom.User) zoom.Settings) ([]UserColumn, []string, []mapping.Field, error) {
	cols, err := SelectUserColumns(opts.Fields)
	if err != nil {
		return nil, nil, nil, err
	}
	statuses, err := ParseStatuses(opts.Statuses)
	if err != nil {
		return nil, nil, nil, err
	}
	settingFields, err := SelectSettings(opts.Settings)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, f := range settingFields {
		cols = append(cols, settingColumn(f, settingsOf))
	}
	return cols, statuses, settingFields, nil
}

// usersTable is the Users sheet of these columns.
func usersTable(cols []UserColumn) sheet.Table {
	table := sheet.Table{Name: "Users", Columns: make([]sheet.Column, len(cols))}
	for i, col := range cols {
		table.Columns[i] = sheet.Column{Header: col.Header, Kind: col.Kind}
	}
	return table
}

// detailWorkers is how many users are read at once by default: half the
// Light rate's calls a second, between 4 and 64.
func detailWorkers(c *zoom.Client) int {
	return min(max(int(c.Rate(zoom.Light)/2), 4), 64)
}

// keepUsers filters a page in place.
func keepUsers(users []zoom.User, keep func(*zoom.User) bool) []zoom.User {
	kept := users[:0]
	for i := range users {
		if keep(&users[i]) {
			kept = append(kept, users[i])
		}
	}
	return kept
}

// warnDetails tells once, on the first page, what --details costs.
func warnDetails(c *zoom.Client, opts UsersOptions, announced int, warned *bool) {
	if !opts.Details || *warned || opts.Warn == nil {
		return
	}
	*warned = true
	opts.Warn(detailsWarning(c, opts, announced))
}

// detailsWarning says what --details costs: one Get a user per user.
func detailsWarning(c *zoom.Client, opts UsersOptions, announced int) string {
	msg := fmt.Sprintf("--details reads each user with Get a user (Light, %.0f calls/s at this tier and share): about %s for %d users",
		c.Rate(zoom.Light), DetailsDuration(c, announced).Round(time.Second), announced)
	if opts.Group != "" || opts.Division != "" {
		msg += " (less: only the users of the group or division are read)"
	}
	return msg
}

// readChunk reads what a chunk of users needs before it is written: each
// user's details with --details, and their settings into settings (nil:
// no settings column was asked for).
func readChunk(ctx context.Context, c *zoom.Client, users []zoom.User, workers int, details bool, settings map[string]zoom.Settings, mu *sync.Mutex) error {
	if details {
		if err := readDetails(ctx, c, users, workers); err != nil {
			return err
		}
	}
	if settings != nil {
		return readSettings(ctx, c, users, settings, mu)
	}
	return nil
}

// commitUsers closes the users table and puts the file and the record of
// what it holds (in the workbook, or beside the CSV) in place.
func commitUsers(tw sheet.TableWriter, out *output, snap *snapWriter, path string) error {
	if err := tw.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if out.format == XLSX {
		if err := snap.copyTo(out.wb); err != nil {
			return fmt.Errorf("writing the record of %s: %w", path, err)
		}
	}
	if err := out.commit(); err != nil {
		return err
	}
	if out.format == CSV {
		if err := snap.commitCSV(); err != nil {
			return fmt.Errorf("writing %s: %w", path+SnapshotSuffix, err)
		}
	}
	return nil
}

// userFilter reads the groups and divisions the columns or filters need
// and returns which users the export keeps.
func userFilter(ctx context.Context, c *zoom.Client, opts UsersOptions, cols []UserColumn) (*zoom.Directory, func(*zoom.User) bool, error) {
	needGroups := opts.Group != "" || slices.ContainsFunc(cols, func(c UserColumn) bool { return c.Groups })
	needDivs := opts.Division != "" || slices.ContainsFunc(cols, func(c UserColumn) bool { return c.Divisions })
	dir, err := zoom.LoadDirectory(ctx, c, needGroups, needDivs, opts.Warn)
	if err != nil {
		return nil, nil, err
	}
	keep := func(*zoom.User) bool { return true }
	if opts.Group != "" || opts.Division != "" {
		var gid, did string
		if opts.Group != "" {
			g, err := dir.Group(opts.Group)
			if err != nil {
				return nil, nil, err
			}
			gid = g.ID
		}
		if opts.Division != "" {
			if dir.NoDivisions {
				return nil, nil, &UsageError{Msg: fmt.Sprintf("--division %q: this account has no divisions", opts.Division)}
			}
			d, err := dir.Division(opts.Division)
			if err != nil {
				return nil, nil, err
			}
			did = d.ID
		}
		keep = func(u *zoom.User) bool {
			return (gid == "" || slices.Contains(u.GroupIDs, gid)) && (did == "" || slices.Contains(u.DivisionIDs, did))
		}
	}
	return dir, keep, nil
}

// readDetails fills what the listing leaves out (job title, location,
// language, company, manager, phone, cost center; the ID of pending users)
// from Get a user, workers calls at a time. A user deleted since the listing
// keeps what the listing said.
func readDetails(ctx context.Context, c *zoom.Client, users []zoom.User, workers int) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	for i := range users {
		u := &users[i]
		g.Go(func() error {
			full, err := c.GetUser(gctx, zoom.UserRef{ID: u.ID, Email: u.Email}.Key())
			if zoom.HasCode(err, zoom.CodeUserNotFound) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("reading user %s: %w", u.Email, err)
			}
			mergeDetails(u, full)
			return nil
		})
	}
	return g.Wait()
}

// readSettings reads the users' settings (Get user settings, Medium) into
// into, by lower-cased email; a user deleted since the listing has none.
func readSettings(ctx context.Context, c *zoom.Client, users []zoom.User, into map[string]zoom.Settings, mu *sync.Mutex) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(min(max(int(c.Rate(zoom.Medium)/2), 4), 32))
	for i := range users {
		u := &users[i]
		g.Go(func() error {
			s, err := c.GetSettings(gctx, zoom.UserRef{ID: u.ID, Email: u.Email}.Key())
			if zoom.HasCode(err, zoom.CodeUserNotFound) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("reading the settings of %s: %w", u.Email, err)
			}
			mu.Lock()
			into[strings.ToLower(u.Email)] = s
			mu.Unlock()
			return nil
		})
	}
	return g.Wait()
}

func mergeDetails(u, full *zoom.User) {
	if u.ID == "" {
		u.ID = full.ID
	}
	u.JobTitle, u.Location, u.Language = full.JobTitle, full.Location, full.Language
	u.Company, u.Manager, u.PhoneNumber, u.CostCenter = full.Company, full.Manager, full.PhoneNumber, full.CostCenter
	u.RoleName = full.RoleName
}
