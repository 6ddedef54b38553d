package export

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/zoombulk/zoombulk/internal/zoom"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// expectedSummary computes, from the sandbox's own state, what the summary
// must say: name -> "users/licensed" per sheet.
func expectedSummary(srv *zoomtest.Server, at time.Time) (map[string]map[string]string, zoom.UserSummary) {
	want := map[string]map[string]string{}
	add := func(sheetName, name string, licensed bool) {
		if want[sheetName] == nil {
			want[sheetName] = map[string]string{}
		}
		var u, l int
		fmt.Sscanf(want[sheetName][name], "%d/%d", &u, &l)
		u++
		if licensed {
			l++
		}
		want[sheetName][name] = fmt.Sprintf("%d/%d", u, l)
	}
	groups := map[string]string{}
	for _, g := range srv.Groups() {
		groups[g.ID] = g.Name
		want["By Group"] = mapWith(want["By Group"], g.Name, "0/0")
	}
	divs := map[string]string{}
	for _, d := range srv.Divisions() {
		divs[d.ID] = d.Name
		want["By Division"] = mapWith(want["By Division"], d.Name, "0/0")
	}
	for _, name := range []string{"Basic", "Licensed", "Unassigned"} {
		want["By Type"] = mapWith(want["By Type"], name, "0/0")
	}
	var acct zoom.UserSummary
	for _, u := range srv.Users() {
		// Pending users are never Licensed, as in Zoom's own summary.
		lic := u.Type == zoom.TypeLicensed && u.Status != zoom.StatusPending
		if u.Status == zoom.StatusPending {
			add("By Type", PendingType, false)
		} else {
			add("By Type", zoom.TypeName(u.Type), lic)
		}
		add("By Status", u.Status, lic)
		if len(u.GroupIDs) == 0 {
			add("By Group", NoGroup, lic)
		}
		for _, id := range u.GroupIDs {
			add("By Group", groups[id], lic)
		}
		if u.DivisionID == "" {
			add("By Division", NoDivision, lic)
		} else {
			add("By Division", divs[u.DivisionID], lic)
		}
		dept := u.Dept
		if dept == "" {
			dept = NoDepartment
		}
		add("By Department", dept, lic)
		switch age := at.Sub(u.LastLoginTime); {
		case u.LastLoginTime.IsZero():
			add("Last Login", LoginNever, lic)
		case age < 30*24*time.Hour:
			add("Last Login", LoginRecent, lic)
		case age <= 90*24*time.Hour:
			add("Last Login", LoginMonths, lic)
		default:
			add("Last Login", LoginStale, lic)
		}
		switch {
		case u.Status == "pending":
			acct.PendingUsers++
		case u.Type == 1:
			acct.BasicUsers++
		case u.Type == 2:
			acct.LicensedUsers++
		case u.Type == 4:
			acct.JoinOnlyUsers++
		}
	}
	acct.TotalUsers = acct.BasicUsers + acct.LicensedUsers + acct.JoinOnlyUsers
	return want, acct
}

func mapWith(m map[string]string, k, v string) map[string]string {
	if m == nil {
		m = map[string]string{}
	}
	if _, ok := m[k]; !ok {
		m[k] = v
	}
	return m
}

func TestExportSummarySandbox(t *testing.T) {
	srv := exSandbox(t, zoomtest.Options{Users: 2500})
	c := exClient(t, srv, "", nil)
	at := time.Now().UTC().Truncate(time.Second)
	dir := t.TempDir()
	path := exPath(dir, "summary.xlsx")
	var last Progress
	res, s, err := Summarize(context.Background(), c, path, SummaryOptions{
		PageSize: 1000, Now: func() time.Time { return at }, Progress: func(p Progress) { last = p },
	})
	if err != nil {
		t.Fatal(err)
	}
	want, acct := expectedSummary(srv, at)
	users := srv.Users()
	if s.Account != acct {
		t.Errorf("account summary %+v, want %+v", s.Account, acct)
	}
	if s.Users != len(users) || res.Rows != len(users) || last.Listed != len(users) || last.Total != len(users) {
		t.Errorf("users %d, rows %d, progress %+v; want %d", s.Users, res.Rows, last, len(users))
	}

	// Every breakdown sheet, read back, says what the sandbox holds.
	for sheetName, lines := range want {
		tb := exRead(t, path, sheetName)
		name, usersCol := 0, tb.col(t, "Users")
		licCol := -1
		if slices.Contains(tb.header, "Licensed") {
			licCol = tb.col(t, "Licensed")
		}
		got := map[string]string{}
		for _, r := range tb.rows {
			lic := "?"
			if licCol >= 0 {
				lic = r[licCol]
			}
			got[r[name]] = r[usersCol] + "/" + lic
		}
		if len(got) != len(lines) {
			t.Errorf("%s: %d lines, want %d: %v", sheetName, len(got), len(lines), got)
		}
		for k, v := range lines {
			if licCol < 0 {
				v, _, _ = strings.Cut(v, "/")
				v += "/?"
			}
			if got[k] != v {
				t.Errorf("%s %q: users/licensed %s, want %s", sheetName, k, got[k], v)
			}
		}
	}

	// The group and division lines carry their IDs; the "none" lines come last.
	tb := exRead(t, path, "By Group")
	for _, g := range srv.Groups() {
		found := false
		for _, r := range tb.rows {
			found = found || (r[0] == g.Name && r[1] == g.ID)
		}
		if !found {
			t.Errorf("By Group lacks %s (%s)", g.Name, g.ID)
		}
	}
	if lastRow := tb.rows[len(tb.rows)-1]; lastRow[0] != NoGroup {
		t.Errorf("By Group ends with %q, want %q", lastRow[0], NoGroup)
	}

	// Overview and details.
	sum := exRead(t, path, "Summary")
	kv := map[string]string{}
	for _, r := range sum.rows {
		kv[r[0]] = r[1]
	}
	for k, v := range map[string]int{
		"Licensed users": acct.LicensedUsers, "Pending users (not activated yet; never counted as Licensed)": acct.PendingUsers,
		"Users listed: all statuses": len(users), ReclaimLabel: s.ReclaimCandidates(),
	} {
		if kv[k] != strconv.Itoa(v) {
			t.Errorf("Summary %q = %q, want %d", k, kv[k], v)
		}
	}
	details := exRead(t, path, "Details")
	kv = map[string]string{}
	for _, r := range details.rows {
		kv[r[0]] = r[1]
	}
	if kv["Exported at (ISO 8601)"] != at.Format(time.RFC3339) || kv["Exported at (UTC)"] != at.Format("2006-01-02T15:04:05") {
		t.Errorf("export time: %q / %q, want %s", kv["Exported at (ISO 8601)"], kv["Exported at (UTC)"], at)
	}
	if kv["total_users_count"] != strconv.Itoa(acct.TotalUsers) || kv["Users listed"] != strconv.Itoa(len(users)) {
		t.Errorf("details: %v", kv)
	}

	// Charts: type, division and last login, each in a drawing.
	names, _ := exZip(t, path)
	var charts, drawings int
	for _, n := range names {
		switch {
		case strings.HasPrefix(n, "xl/charts/chart") && strings.HasSuffix(n, ".xml"):
			charts++
		case strings.HasPrefix(n, "xl/drawings/drawing") && strings.HasSuffix(n, ".xml"):
			drawings++
		}
	}
	if charts != 3 || drawings != 3 {
		t.Errorf("%d charts in %d drawings, want 3 in 3: %q", charts, drawings, names)
	}
	_, parts := exZip(t, path, "xl/charts/chart1.xml")
	if x := parts["xl/charts/chart1.xml"]; !strings.Contains(x, "Users by type") || !strings.Contains(x, fmt.Sprintf("By Type&#39;!$A$2:$A$%d", len(s.ByType)+1)) {
		t.Errorf("chart1 is not the type chart over the type lines: %q", regexp.MustCompile(`<f>[^<]*</f>|Users by \w+`).FindAllString(x, -1))
	}
	if got := exDir(t, dir); !slices.Equal(got, []string{"summary.xlsx"}) {
		t.Errorf("folder holds %q", got)
	}
}

// One rule for pending users on every sheet: the Licensed numbers of the
// Summary sheet, the By Type sheet and every breakdown's Licensed column
// agree, even when pending users were invited as Licensed.
func TestExportSummaryLicensedAgreesAcrossSheets(t *testing.T) {
	synctest.Test(t, testExportSummaryLicensedAgreesAcrossSheets)
}

func testExportSummaryLicensedAgreesAcrossSheets(t *testing.T) {
	srv := exMemSandbox(t, zoomtest.Options{Users: 600})
	pendingLicensed := 0
	for _, u := range srv.Users() {
		if u.Status == zoom.StatusPending && u.Type == zoom.TypeLicensed {
			pendingLicensed++
		}
	}
	if pendingLicensed == 0 {
		t.Fatal("the sandbox has no pending Licensed user: the test would prove nothing")
	}
	c := exMemClient(t, srv, nil)
	path := exPath(t.TempDir(), "summary.xlsx")
	if _, _, err := Summarize(context.Background(), c, path, SummaryOptions{}); err != nil {
		t.Fatal(err)
	}
	kv := map[string]string{}
	for _, r := range exRead(t, path, "Summary").rows {
		kv[r[0]] = r[1]
	}
	want := kv["Licensed users"]
	if want == "" {
		t.Fatalf("no Licensed users line on the Summary sheet: %v", kv)
	}
	byType := exRead(t, path, "By Type")
	for _, r := range byType.rows {
		if r[0] == "Licensed" && r[byType.col(t, "Users")] != want {
			t.Errorf("By Type says Licensed %s, the Summary sheet %s", r[byType.col(t, "Users")], want)
		}
	}
	for _, name := range []string{"By Status", "By Division", "By Department", "Last Login"} {
		tb := exRead(t, path, name)
		lc, sum := tb.col(t, "Licensed"), 0
		for _, r := range tb.rows {
			n, _ := strconv.Atoi(r[lc])
			sum += n
			if r[0] == zoom.StatusPending && n != 0 {
				t.Errorf("%s counts %d pending users as Licensed", name, n)
			}
		}
		if strconv.Itoa(sum) != want {
			t.Errorf("%s: the Licensed column adds up to %d, the Summary sheet says %s", name, sum, want)
		}
	}
}

func TestExportSummaryIsXLSXOnly(t *testing.T) {
	synctest.Test(t, testExportSummaryIsXLSXOnly)
}

func testExportSummaryIsXLSXOnly(t *testing.T) {
	srv := exMemSandbox(t, zoomtest.Options{})
	c := exMemClient(t, srv, nil)
	_, _, err := Summarize(context.Background(), c, exPath(t.TempDir(), "s.csv"), SummaryOptions{})
	if !IsUsage(err) || !strings.Contains(err.Error(), "this export writes .xlsx") {
		t.Fatalf("err = %v", err)
	}
	if n := zoom.Total(c.Stats().Calls); n != 0 {
		t.Errorf("%d calls made before refusing the file name", n)
	}
}

func TestLoginBucket(t *testing.T) {
	at := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	tests := []struct {
		last time.Time
		want int
	}{
		{time.Time{}, 0},
		{at, 1},
		{at.Add(-29 * day), 1},
		{at.Add(-30 * day), 2},
		{at.Add(-90 * day), 2},
		{at.Add(-90*day - time.Second), 3},
		{at.Add(-400 * day), 3},
		{at.Add(time.Hour), 1}, // clocks disagree: a login "in the future" is recent
	}
	for _, tt := range tests {
		if got := loginBucket(tt.last, at); got != tt.want {
			t.Errorf("loginBucket(%s) = %d, want %d", tt.last, got, tt.want)
		}
	}
}

// The summary's reclaim line counts what export reclaim --idle 90d lists:
// on the sample account, five licensed users idle for over 90 days on the
// Last Login sheet, the owner among them, so four to reclaim.
func TestSummaryReclaimLeavesTheOwnerOut(t *testing.T) {
	synctest.Test(t, testSummaryReclaimLeavesTheOwnerOut)
}

func testSummaryReclaimLeavesTheOwnerOut(t *testing.T) {
	srv := exMemSandbox(t, zoomtest.Options{})
	c := exMemClient(t, srv, nil)
	at := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	s, err := BuildSummary(context.Background(), c, SummaryOptions{Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	stale := -1
	for _, b := range s.ByLastLogin {
		if b.Name == LoginStale {
			stale = b.Licensed
		}
	}
	if stale != 5 || !s.OwnerIdle || s.ReclaimCandidates() != 4 {
		t.Errorf("licensed idle over 90 days %d, owner idle %v, candidates %d: want 5, true, 4", stale, s.OwnerIdle, s.ReclaimCandidates())
	}
	res, err := Reclaim(context.Background(), c, exPath(t.TempDir(), "reclaim.xlsx"), ReclaimOptions{Idle: 90 * 24 * time.Hour, Now: at})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != s.ReclaimCandidates() || !res.Owner {
		t.Errorf("export reclaim lists %d (owner seen %v), the summary counts %d", res.Rows, res.Owner, s.ReclaimCandidates())
	}
}
