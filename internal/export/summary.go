package export

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zoombulk/zoombulk/internal/sheet"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// Count is one line of a breakdown.
type Count struct {
	Name     string // what is counted: a type, a status, a group's name, ...
	ID       string // the group's or division's ID, the type's code; "" otherwise
	Users    int
	Licensed int // of those, users of type Licensed
}

// Last-login buckets, the license-reclaim view.
const (
	LoginNever   = "Never logged in"
	LoginRecent  = "Less than 30 days ago"
	LoginMonths  = "30 to 90 days ago"
	LoginStale   = "More than 90 days ago"
	staleAfter   = 90 * 24 * time.Hour
	recentWithin = 30 * 24 * time.Hour
)

// Names of the breakdown lines for users without a group, division or
// department, and the By Type line of pending users.
const (
	PendingType  = "Pending (not activated yet)"
	NoGroup      = "(no group)"
	NoDivision   = "(no division)"
	NoDepartment = "(no department)"
)

// Summary is the account's user summary (GET /users/summary) and the
// breakdowns computed from one listing of every status.
type Summary struct {
	At      time.Time        // when the export started, UTC
	Account zoom.UserSummary // Zoom's own counts
	Users   int              // users listed, every status
	Pages   int              // listing pages read

	ByType      []Count
	ByStatus    []Count
	ByGroup     []Count // a user in two groups counts in both
	ByDivision  []Count
	ByDept      []Count
	ByLastLogin []Count // never, < 30 days, 30-90 days, > 90 days before At
	// OwnerIdle says the account owner is licensed and never logged in or
	// not for over 90 days: counted on the Last Login sheet, but not a
	// reclaim candidate (export reclaim never lists the owner).
	OwnerIdle bool

	// Where the numbers come from, for the Details sheet.
	APIURL string
	Tier   string
	Share  float64
	Calls  map[zoom.Category]int64
}

// SummaryOptions shape a summary export.
type SummaryOptions struct {
	PageSize, Ahead int
	// PageNumbers lists several pages at once with page_number (see
	// UsersOptions.PageNumbers).
	PageNumbers bool
	Progress    func(Progress)
	Warn        func(string)
	// Now is the export time (default time.Now); login ages count from it.
	Now func() time.Time
}

// BuildSummary reads the account's user summary, its groups and divisions,
// and lists every user of every status once, counting as it goes (no user
// is kept in memory).
func BuildSummary(ctx context.Context, c *zoom.Client, opts SummaryOptions) (*Summary, error) {
	start, before := time.Now(), c.Stats()
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	s := &Summary{At: now().UTC().Truncate(time.Second), APIURL: c.APIURL(), Tier: c.Tier().Name, Share: c.Share()}
	acct, err := c.UserSummary(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the user summary: %w", err)
	}
	s.Account = *acct
	dir, err := zoom.LoadDirectory(ctx, c, true, true, opts.Warn)
	if err != nil {
		return nil, err
	}
	t := newTally(s.At)
	var pr Progress
	for page, err := range listUsers(ctx, c, AllStatuses, listOptions{PageSize: opts.PageSize, Ahead: opts.Ahead, PageNumbers: opts.PageNumbers}) {
		if err != nil {
			return nil, err
		}
		for i := range page.Users {
			t.add(&page.Users[i])
		}
		pr.Pages++
		pr.Listed += len(page.Users)
		pr.Done = pr.Listed
		pr.Total = page.Announced
		if opts.Progress != nil {
			pr.Elapsed = time.Since(start)
			opts.Progress(pr)
		}
	}
	s.Users, s.Pages = pr.Listed, pr.Pages
	t.finish(s, dir)
	s.Calls = c.Stats().CallsSince(before)
	return s, nil
}

// Summarize builds the summary and writes it to path (.xlsx only: it
// has several sheets and charts).
func Summarize(ctx context.Context, c *zoom.Client, path string, opts SummaryOptions) (*Result, *Summary, error) {
	start := time.Now()
	if _, err := CheckOutput(path, XLSX); err != nil {
		return nil, nil, err
	}
	s, err := BuildSummary(ctx, c, opts)
	if err != nil {
		return nil, nil, err
	}
	if err := s.WriteXLSX(path); err != nil {
		return nil, nil, err
	}
	return &Result{Path: path, Format: XLSX, Rows: s.Users, Pages: s.Pages, Elapsed: time.Since(start), Calls: s.Calls}, s, nil
}

// pendingCode is the key pending users are counted under in tally.types:
// no type code, so that By Type says what Zoom's summary says.
const pendingCode = -1

// tally counts users as they stream by. One rule holds on every sheet, the
// same as Zoom's user summary (licensed_users_count): a pending user (one
// who has not accepted the invitation) is not Licensed, Basic or
// Unassigned yet. It counts in the Users columns, on its own By Type line
// and on the pending By Status line, never in a Licensed column; so the
// Licensed numbers of every sheet add up to the Summary sheet's.
type tally struct {
	at     time.Time
	types  map[int]*Count
	status map[string]*Count
	groups map[string]*Count
	divs   map[string]*Count
	depts  map[string]*Count
	login  [4]Count
	// ownerIdle: the owner is licensed and in the never or stale bucket.
	ownerIdle bool
}

func newTally(at time.Time) *tally {
	return &tally{at: at, types: map[int]*Count{}, status: map[string]*Count{},
		groups: map[string]*Count{}, divs: map[string]*Count{}, depts: map[string]*Count{}}
}

func bumpCount[K comparable](m map[K]*Count, k K, licensed bool) {
	c := m[k]
	if c == nil {
		c = &Count{}
		m[k] = c
	}
	c.Users++
	if licensed {
		c.Licensed++
	}
}

// loginBucket is the index in tally.login of a last login time.
func loginBucket(last, at time.Time) int {
	switch age := at.Sub(last); {
	case last.IsZero():
		return 0
	case age < recentWithin:
		return 1
	case age <= staleAfter:
		return 2
	default:
		return 3
	}
}

func (t *tally) add(u *zoom.User) {
	pending := u.Status == zoom.StatusPending
	lic := u.Type == zoom.TypeLicensed && !pending
	if pending {
		bumpCount(t.types, pendingCode, false)
	} else {
		bumpCount(t.types, u.Type, lic)
	}
	bumpCount(t.status, u.Status, lic)
	seen := 0
	for i, gid := range u.GroupIDs {
		if gid == "" || slices.Contains(u.GroupIDs[:i], gid) {
			continue
		}
		bumpCount(t.groups, gid, lic)
		seen++
	}
	if seen == 0 {
		bumpCount(t.groups, "", lic)
	}
	bumpCount(t.divs, divisionID(u), lic)
	bumpCount(t.depts, strings.TrimSpace(u.Dept), lic)
	bucket := loginBucket(u.LastLoginTime, t.at)
	b := &t.login[bucket]
	b.Users++
	if lic {
		b.Licensed++
		if u.RoleID == RoleOwnerID && (bucket == 0 || bucket == 3) {
			t.ownerIdle = true
		}
	}
}

func (t *tally) finish(s *Summary, dir *zoom.Directory) {
	get := func(c *Count) Count {
		if c == nil {
			return Count{}
		}
		return *c
	}
	// Types: the three an admin assigns always, others when present.
	codes := []int{zoom.TypeBasic, zoom.TypeLicensed, zoom.TypeUnassigned}
	for code := range t.types {
		if code != pendingCode && !slices.Contains(codes, code) {
			codes = append(codes, code)
		}
	}
	slices.Sort(codes[3:])
	for _, code := range codes {
		c := get(t.types[code])
		c.Name, c.ID = zoom.TypeName(code), strconv.Itoa(code)
		s.ByType = append(s.ByType, c)
	}
	if c := t.types[pendingCode]; c != nil {
		s.ByType = append(s.ByType, Count{Name: PendingType, Users: c.Users})
	}
	statuses := slices.Clone(AllStatuses)
	for st := range t.status {
		if !slices.Contains(statuses, st) {
			statuses = append(statuses, st)
		}
	}
	slices.Sort(statuses[len(AllStatuses):])
	for _, st := range statuses {
		c := get(t.status[st])
		c.Name = st
		s.ByStatus = append(s.ByStatus, c)
	}

	// Groups and divisions: every one the account has (empty ones too),
	// plus IDs we could not name, largest first, the "none" line last.
	s.ByGroup = namedCounts(t.groups, func(yield func(id, name string) bool) {
		for _, g := range dir.Groups {
			if !yield(g.ID, g.Name) {
				return
			}
		}
	}, NoGroup)
	s.ByDivision = namedCounts(t.divs, func(yield func(id, name string) bool) {
		for _, d := range dir.Divisions {
			if !yield(d.ID, d.Name) {
				return
			}
		}
	}, NoDivision)
	s.ByDept = namedCounts(t.depts, func(func(string, string) bool) {}, NoDepartment)
	for i := range s.ByDept {
		s.ByDept[i].ID = "" // departments have no ID: the key is the name
	}
	s.OwnerIdle = t.ownerIdle
	for i, name := range []string{LoginNever, LoginRecent, LoginMonths, LoginStale} {
		c := t.login[i]
		c.Name = name
		s.ByLastLogin = append(s.ByLastLogin, c)
	}
}

// namedCounts turns counts keyed by ID into lines: the known objects (with their
// names) and any other key counted (named by its key), sorted by users then
// name, with the "" key last as none.
func namedCounts(counts map[string]*Count, known func(yield func(id, name string) bool), none string) []Count {
	var out []Count
	seen := map[string]bool{}
	for id, name := range known {
		seen[id] = true
		c := Count{}
		if n := counts[id]; n != nil {
			c = *n
		}
		c.Name, c.ID = name, id
		out = append(out, c)
	}
	for id, n := range counts {
		if id == "" || seen[id] {
			continue
		}
		c := *n
		c.Name, c.ID = id, id
		out = append(out, c)
	}
	slices.SortStableFunc(out, func(a, b Count) int {
		if a.Users != b.Users {
			return cmp.Compare(b.Users, a.Users)
		}
		return cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
	})
	if n := counts[""]; n != nil {
		c := *n
		c.Name = none
		out = append(out, c)
	}
	return out
}

// ReclaimLabel is the Summary sheet's line of ReclaimCandidates.
const ReclaimLabel = "Licensed users who never logged in or not for over 90 days (the owner aside)"

// ReclaimCandidates is the number of licensed users who never logged in
// or not for more than 90 days, the account owner aside: what export
// reclaim --idle 90d lists.
func (s *Summary) ReclaimCandidates() int {
	n := 0
	for _, c := range s.ByLastLogin {
		if c.Name == LoginNever || c.Name == LoginStale {
			n += c.Licensed
		}
	}
	if s.OwnerIdle {
		n--
	}
	return n
}

// WriteXLSX writes the summary workbook: Summary, By Type (with a chart),
// By Status, By Group, By Division (with a chart), By Department, Last
// Login and Details (the raw numbers and the export time, UTC). The file
// appears under path only once complete.
func (s *Summary) WriteXLSX(path string) error {
	if _, err := CheckOutput(path, XLSX); err != nil {
		return err
	}
	wb := sheet.NewWorkbook()
	defer wb.Close()
	wrap := func(err error) error { return fmt.Errorf("writing %s: %w", path, err) }

	overview := [][2]any{
		{"Licensed users", s.Account.LicensedUsers},
		{"Basic users", s.Account.BasicUsers},
		{"Unassigned (join-only) users", s.Account.JoinOnlyUsers},
		{"On-prem users", s.Account.OnPremUsers},
		{"Room users", s.Account.RoomUsers},
		{"Pending users (not activated yet; never counted as Licensed)", s.Account.PendingUsers},
		{"Total users (Zoom's count, pending users not included)", s.Account.TotalUsers},
	}
	for _, st := range s.ByStatus {
		overview = append(overview, [2]any{"Users listed: " + st.Name, st.Users})
	}
	overview = append(overview,
		[2]any{"Users listed: all statuses", s.Users},
		[2]any{ReclaimLabel, s.ReclaimCandidates()},
		[2]any{"Exported at (UTC)", s.At},
	)
	if err := writeKV(wb, "Summary", "Measure", "Value", overview); err != nil {
		return wrap(err)
	}

	breakdowns := []struct {
		sheet, name, id string
		idKind          sheet.Kind
		rows            []Count
		licensed        bool
		chart           *sheet.Chart
	}{
		{"By Type", "User Type", "Type Code", sheet.Integer, s.ByType, false, &sheet.Chart{Kind: sheet.PieChart, Title: "Users by type"}},
		{"By Status", "Status", "", 0, s.ByStatus, true, nil},
		{"By Group", "Group", "Group ID", sheet.Text, s.ByGroup, true, nil},
		{"By Division", "Division", "Division ID", sheet.Text, s.ByDivision, true, &sheet.Chart{Kind: sheet.BarChart, Title: "Users by division"}},
		{"By Department", "Department", "", 0, s.ByDept, true, nil},
		{"Last Login", "Last Login", "", 0, s.ByLastLogin, true, &sheet.Chart{Kind: sheet.ColumnChart, Title: "Licensed users by last login"}},
	}
	for _, b := range breakdowns {
		cols := []sheet.Column{{Header: b.name}}
		if b.id != "" {
			cols = append(cols, sheet.Column{Header: b.id, Kind: b.idKind})
		}
		usersCol := len(cols) + 1
		cols = append(cols, sheet.Column{Header: "Users", Kind: sheet.Integer})
		if b.licensed {
			cols = append(cols, sheet.Column{Header: "Licensed", Kind: sheet.Integer})
		}
		tw, err := wb.AddTable(sheet.Table{Name: b.sheet, Columns: cols})
		if err != nil {
			return wrap(err)
		}
		for _, c := range b.rows {
			row := []sheet.Cell{sheet.TextCell(c.Name)}
			if b.id != "" {
				row = append(row, idCell(c.ID, b.idKind))
			}
			row = append(row, sheet.IntCell(int64(c.Users)))
			if b.licensed {
				row = append(row, sheet.IntCell(int64(c.Licensed)))
			}
			if err := tw.WriteRow(row, sheet.Plain); err != nil {
				return wrap(err)
			}
		}
		if ch := b.chart; ch != nil && len(b.rows) > 0 {
			valuesCol := usersCol
			if b.sheet == "Last Login" {
				valuesCol = usersCol + 1 // the licensed users: the reclaim view
			}
			ch.Categories = sheet.CellRange(1, 2, 1, len(b.rows)+1)
			ch.Values = sheet.CellRange(valuesCol, 2, valuesCol, len(b.rows)+1)
			ch.Anchor = cellName(len(cols)+2, 2)
			if err := wb.AddChart(b.sheet, *ch); err != nil {
				return wrap(err)
			}
		}
		if err := tw.Close(); err != nil {
			return wrap(err)
		}
	}

	details := [][2]any{
		{"Exported at (UTC)", s.At},
		{"Exported at (ISO 8601)", s.At.Format(time.RFC3339)},
		{"Zoom API", s.APIURL},
		{"Rate-limit tier", s.Tier},
		{"Share of the rate limits used", s.Share},
		{"Statuses listed", strings.Join(AllStatuses, ", ")},
		{"Listing pages", s.Pages},
		{"Users listed", s.Users},
		{"licensed_users_count", s.Account.LicensedUsers},
		{"basic_users_count", s.Account.BasicUsers},
		{"on_prem_users_count", s.Account.OnPremUsers},
		{"room_users_count", s.Account.RoomUsers},
		{"pending_users_count", s.Account.PendingUsers},
		{"join_only_users_count", s.Account.JoinOnlyUsers},
		{"total_users_count", s.Account.TotalUsers},
	}
	for _, cat := range zoom.Categories {
		if n := s.Calls[cat]; n > 0 {
			details = append(details, [2]any{"API calls (" + cat.String() + ")", n})
		}
	}
	if err := writeKV(wb, "Details", "Item", "Value", details); err != nil {
		return wrap(err)
	}
	if err := wb.SaveAs(path); err != nil {
		return wrap(err)
	}
	return nil
}

func cellName(col, row int) string {
	r := sheet.CellRange(col, row, col, row)
	name, _, _ := strings.Cut(r, ":")
	return name
}

func idCell(id string, kind sheet.Kind) sheet.Cell {
	if kind == sheet.Integer {
		if n, err := strconv.ParseInt(id, 10, 64); err == nil {
			return sheet.IntCell(n)
		}
	}
	return sheet.TextCell(id)
}

// writeKV writes a two-column table of labelled values.
func writeKV(wb *sheet.Workbook, name, key, value string, rows [][2]any) error {
	tw, err := wb.AddTable(sheet.Table{Name: name, Columns: []sheet.Column{{Header: key}, {Header: value, Width: 24}}})
	if err != nil {
		return err
	}
	for _, r := range rows {
		var v sheet.Cell
		switch x := r[1].(type) {
		case int:
			v = sheet.IntCell(int64(x))
		case int64:
			v = sheet.IntCell(x)
		case float64:
			v = sheet.NumberCell(x)
		case time.Time:
			v = sheet.DateTimeCell(x.UTC())
		case string:
			v = sheet.TextCell(x)
		default:
			v = sheet.TextCell(fmt.Sprint(x))
		}
		if err := tw.WriteRow([]sheet.Cell{sheet.TextCell(r[0].(string)), v}, sheet.Plain); err != nil {
			return err
		}
	}
	return tw.Close()
}
