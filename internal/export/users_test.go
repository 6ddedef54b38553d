package export

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/zoombulk/zoombulk/internal/zoom"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

const formulaEmail = "eve.formula@acme.example"

// expectedUsers is what the users export must say about each user of the
// sandbox, by email: the listing's fields, names resolved.
func expectedUsers(srv *zoomtest.Server, details bool) map[string]map[string]string {
	groups := map[string]string{}
	for _, g := range srv.Groups() {
		groups[g.ID] = g.Name
	}
	divs := map[string]string{}
	for _, d := range srv.Divisions() {
		divs[d.ID] = d.Name
	}
	out := map[string]map[string]string{}
	for _, u := range srv.Users() {
		var names []string
		for _, id := range u.GroupIDs {
			names = append(names, groups[id])
		}
		id := u.ID
		if u.Status == "pending" && !details {
			id = "" // the listing does not give pending users' IDs
		}
		row := map[string]string{
			"Email": u.Email, "First Name": u.FirstName, "Last Name": u.LastName, "Display Name": u.DisplayName,
			"User Type": zoom.TypeName(u.Type), "Type Code": strconv.Itoa(u.Type), "Status": u.Status,
			"Department": u.Dept, "Groups": strings.Join(names, ";"), "Group IDs": strings.Join(u.GroupIDs, ";"),
			"Division": divs[u.DivisionID], "Division ID": u.DivisionID, "Timezone": u.Timezone, "User ID": id,
			"Created": stamp(u.CreatedAt), "Last Login": stamp(u.LastLoginTime),
		}
		if details {
			row["Job Title"], row["Location"], row["Language"] = u.JobTitle, u.Location, u.Language
		} else {
			row["Job Title"], row["Location"], row["Language"] = "", "", ""
		}
		out[strings.ToLower(u.Email)] = row
	}
	return out
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Truncate(time.Second).Format(time.RFC3339)
}

// normStamp reads a date cell back (CSV "2006-01-02 15:04:05", XLSX
// "2006-01-02T15:04:05" or "2006-01-02" at midnight) as RFC 3339 UTC.
func normStamp(s string) string {
	for _, layout := range []string{time.DateTime, "2006-01-02T15:04:05", time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Format(time.RFC3339)
		}
	}
	return s
}

func checkUsers(t *testing.T, tb exTable, want map[string]map[string]string) {
	t.Helper()
	wantHeader := []string{"Email", "First Name", "Last Name", "Display Name", "User Type", "Type Code", "Status",
		"Department", "Job Title", "Location", "Groups", "Group IDs", "Division", "Division ID", "Created",
		"Last Login", "Timezone", "Language", "User ID"}
	if !slices.Equal(tb.header, wantHeader) {
		t.Fatalf("header\n got %q\nwant %q", tb.header, wantHeader)
	}
	seen := map[string]bool{}
	bad := 0
	for _, row := range tb.rows {
		email := strings.ToLower(row[0])
		if seen[email] {
			t.Errorf("%s exported twice", email)
		}
		seen[email] = true
		exp, ok := want[email]
		if !ok {
			t.Errorf("%s is not a sandbox user", email)
			continue
		}
		for i, h := range tb.header {
			got := row[i]
			if h == "Created" || h == "Last Login" {
				got = normStamp(got)
			}
			if got != exp[h] && bad < 10 {
				bad++
				t.Errorf("%s %s = %q, want %q", email, h, got, exp[h])
			}
		}
	}
	for email := range want {
		if !seen[email] {
			t.Errorf("%s missing from the export", email)
		}
	}
	if len(tb.rows) != len(want) {
		t.Errorf("%d rows, want %d", len(tb.rows), len(want))
	}
}

// 2,500 generated users plus the seed's, across the three statuses, to
// both formats: complete, no duplicates, names resolved, the formula
// neutralised.
func TestExportUsersSandbox(t *testing.T) {
	srv := exSandbox(t, zoomtest.Options{Users: 2500})
	c := exClient(t, srv, "", nil)
	want := expectedUsers(srv, false)
	statuses := map[string]int{}
	for _, u := range srv.Users() {
		statuses[u.Status]++
	}
	if statuses["active"] == 0 || statuses["inactive"] == 0 || statuses["pending"] == 0 {
		t.Fatalf("the sandbox should have users of every status: %v", statuses)
	}

	for _, ext := range []string{"csv", "xlsx"} {
		t.Run(ext, func(t *testing.T) {
			dir := t.TempDir()
			path := exPath(dir, "users."+ext)
			var last Progress
			calls := 0
			res, err := Users(context.Background(), c, path, UsersOptions{
				PageSize: 500, // several pages per status
				Progress: func(p Progress) { last = p; calls++ },
			})
			if err != nil {
				t.Fatal(err)
			}
			if res.Rows != len(want) || last.Rows != len(want) || last.Total != len(want) || last.Done != len(want) {
				t.Errorf("rows %d, progress %+v; want %d", res.Rows, last, len(want))
			}
			wantPages := 0
			for _, n := range statuses {
				wantPages += (n + 499) / 500
			}
			if res.Pages != wantPages || calls != wantPages {
				t.Errorf("pages %d, progress calls %d, want %d", res.Pages, calls, wantPages)
			}
			// The CSV's record of what it exported sits beside it (the
			// workbook keeps its record in a very hidden sheet).
			wantFiles := []string{"users." + ext}
			if ext == "csv" {
				wantFiles = append(wantFiles, "users.csv"+SnapshotSuffix)
			}
			if got := exDir(t, dir); !slices.Equal(got, wantFiles) {
				t.Errorf("folder holds %q, want %q", got, wantFiles)
			}
			checkUsers(t, exRead(t, path, ""), want)
			checkFormula(t, path, ext)
		})
	}
}

// checkFormula: the seed user whose first name is a formula comes out as
// text: never a formula cell in XLSX, escaped with an apostrophe in CSV.
func checkFormula(t *testing.T, path, ext string) {
	t.Helper()
	ok := false
	if ext == "csv" {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(raw), "\uFEFF") {
			t.Error("the CSV has no UTF-8 BOM")
		}
		for _, line := range strings.Split(string(raw), "\r\n") {
			if strings.HasPrefix(line, formulaEmail+",") {
				ok = true
				if !strings.HasPrefix(line, formulaEmail+`,"'=HYPERLINK(""http://x"",""y"")",Formula,`) {
					t.Errorf("formula not escaped: %s", line)
				}
			}
		}
		if !ok {
			t.Errorf("%s not in the CSV", formulaEmail)
		}
		return
	}
	names, _ := exZip(t, path)
	var sheets []string
	for _, n := range names {
		if strings.HasPrefix(n, "xl/worksheets/") && strings.HasSuffix(n, ".xml") {
			sheets = append(sheets, n)
		}
	}
	_, parts := exZip(t, path, sheets...)
	if len(parts) != 2 {
		t.Errorf("worksheets %q, want two: the users and the record of the export", sheets)
	}
	for n, x := range parts {
		if strings.Contains(x, "<f>") || strings.Contains(x, "<f ") {
			t.Errorf("%s holds formula elements", n)
		}
		if strings.Contains(x, ">"+snapMarker+"<") {
			continue // the record: the name is inside the user's packed values, in a text cell
		}
		// The cell holding the name is an inline string, not a formula.
		at := strings.Index(x, "HYPERLINK")
		if at < 0 {
			t.Fatalf("%s lacks the formula-like name", n)
		}
		open := strings.LastIndex(x[:at], "<c ")
		tag := x[open : open+strings.Index(x[open:], ">")+1]
		if !strings.Contains(tag, `t="inlineStr"`) {
			t.Errorf("the name's cell is %s, want an inline string", tag)
		}
		if !strings.Contains(x[open:at+len("HYPERLINK")], ">=HYPERLINK") {
			t.Errorf("the name's cell does not start with the formula text: %s", x[open:min(len(x), at+40)])
		}
		ok = true
	}
	if !ok {
		t.Errorf("%s not in the workbook", formulaEmail)
	}
}

func TestExportUsersFieldsAndFilters(t *testing.T) {
	srv := exSandbox(t, zoomtest.Options{Users: 300})
	c := exClient(t, srv, "", nil)
	groups := map[string]string{}
	for _, g := range srv.Groups() {
		groups[g.Name] = g.ID
	}
	divs := map[string]string{}
	for _, d := range srv.Divisions() {
		divs[d.Name] = d.ID
	}
	ctx := context.Background()

	tests := []struct {
		name       string
		opts       UsersOptions
		wantHeader []string
		keep       func(zoomtest.User) bool
	}{
		{"fields picked and ordered", UsersOptions{Fields: []string{"type_code,Email", "groups", "USER ID"}},
			[]string{"Type Code", "Email", "Groups", "User ID"}, func(zoomtest.User) bool { return true }},
		{"group by name, any case", UsersOptions{Group: " engineering ", Fields: []string{"email"}},
			[]string{"Email"}, func(u zoomtest.User) bool { return slices.Contains(u.GroupIDs, groups["Engineering"]) }},
		{"division by ID and one status", UsersOptions{Division: divs["EMEA"], Statuses: []string{"Inactive"}, Fields: []string{"email"}},
			[]string{"Email"}, func(u zoomtest.User) bool { return u.DivisionID == divs["EMEA"] && u.Status == "inactive" }},
		{"group and division", UsersOptions{Group: "Sales", Division: "APAC", Statuses: []string{"active,pending"}, Fields: []string{"email"}},
			[]string{"Email"}, func(u zoomtest.User) bool {
				return slices.Contains(u.GroupIDs, groups["Sales"]) && u.DivisionID == divs["APAC"] && u.Status != "inactive"
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := exPath(t.TempDir(), "u.csv")
			res, err := Users(ctx, c, path, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			tb := exRead(t, path, "")
			if !slices.Equal(tb.header, tt.wantHeader) {
				t.Errorf("header %q, want %q", tb.header, tt.wantHeader)
			}
			var want []string
			for _, u := range srv.Users() {
				if tt.keep(u) {
					want = append(want, u.Email)
				}
			}
			got := make([]string, len(tb.rows))
			for i, r := range tb.rows {
				got[i] = r[tb.col(t, "Email")]
			}
			slices.Sort(got)
			slices.Sort(want)
			if len(want) == 0 || !slices.Equal(got, want) {
				t.Errorf("got %d users, want %d", len(got), len(want))
			}
			if res.Rows != len(want) {
				t.Errorf("Result.Rows %d, want %d", res.Rows, len(want))
			}
		})
	}
}

func TestExportUsersUsageErrors(t *testing.T) {
	srv := exSandbox(t, zoomtest.Options{})
	c := exClient(t, srv, "", nil)
	dir := t.TempDir()
	tests := []struct {
		name    string
		path    string
		opts    UsersOptions
		wantMsg string
		closest []string
	}{
		{"unknown group", "u.xlsx", UsersOptions{Group: "Enginering"}, `unknown group "Enginering"; did you mean "Engineering"?`, []string{"Engineering"}},
		{"unknown division", "u.xlsx", UsersOptions{Division: "EMAE"}, `unknown division "EMAE"; did you mean "EMEA"`, []string{"EMEA"}},
		{"nothing close", "u.xlsx", UsersOptions{Group: "Zzzzzzzz"}, `unknown group "Zzzzzzzz"; the groups are "Engineering", "Sales"`, nil},
		{"unknown field", "u.csv", UsersOptions{Fields: []string{"email,frist_name"}}, `unknown field "frist_name"; did you mean "first_name"`, []string{"first_name"}},
		{"unknown status", "u.csv", UsersOptions{Statuses: []string{"deleted"}}, `unknown status "deleted"`, nil},
		{"extension", "u.xls", UsersOptions{}, `unsupported file type ".xls"; this export writes .csv or .xlsx`, nil},
		{"no extension", "users", UsersOptions{}, `the file name has no extension`, nil},
		{"missing folder", "nope/u.csv", UsersOptions{}, `does not exist`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Users(context.Background(), c, exPath(dir, tt.path), tt.opts)
			if err == nil || !IsUsage(err) || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("err = %v, want a usage error with %q", err, tt.wantMsg)
			}
			var un *zoom.UnknownNameError
			if tt.closest != nil && (!errors.As(err, &un) || !slices.Equal(un.Closest[:1], tt.closest)) {
				t.Errorf("closest %v, want %v", un, tt.closest)
			}
		})
	}
	if got := exDir(t, dir); len(got) != 0 {
		t.Errorf("files left behind: %q", got)
	}
}

func TestExportUsersDetails(t *testing.T) {
	synctest.Test(t, testExportUsersDetails)
}

func testExportUsersDetails(t *testing.T) {
	srv := exMemSandbox(t, zoomtest.Options{})
	c := exMemClient(t, srv, nil)
	path := exPath(t.TempDir(), "u.xlsx")
	var warnings []string
	var last Progress
	_, err := Users(context.Background(), c, path, UsersOptions{
		Details: true, Workers: 4,
		Warn:     func(s string) { warnings = append(warnings, s) },
		Progress: func(p Progress) { last = p },
	})
	if err != nil {
		t.Fatal(err)
	}
	want := expectedUsers(srv, true)
	checkUsers(t, exRead(t, path, ""), want)
	if len(warnings) != 1 || !strings.Contains(warnings[0], "--details reads each user") || !strings.Contains(warnings[0], strconv.Itoa(len(want))+" users") {
		t.Errorf("warnings %q", warnings)
	}
	if last.Done != len(want) {
		t.Errorf("progress %+v", last)
	}
	if got := c.Stats().Calls[zoom.Light]; got < int64(len(want)) {
		t.Errorf("%d Light calls, want one Get a user per user (%d)", got, len(want))
	}
}

// Zoom fails on the second page of a listing: the export fails, no file
// is left under the final name and an earlier export there is untouched.
func TestExportUsersFailureLeavesNoFile(t *testing.T) {
	srv := exSandbox(t, zoomtest.Options{Users: 600, NoRateLimits: true})
	target, _ := url.Parse(srv.URL())
	proxy := httputil.NewSingleHostReverseProxy(target)
	var failed atomic.Int32
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v2/users" && r.URL.Query().Get("next_page_token") != "" {
			failed.Add(1)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"code":300,"message":"The next page token is invalid or expired."}`))
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	defer front.Close()
	c := exClient(t, srv, front.URL+"/v2", nil)

	for _, ext := range []string{"csv", "xlsx"} {
		dir := t.TempDir()
		path := exPath(dir, "users."+ext)
		if err := os.WriteFile(path, []byte("an earlier export"), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Users(context.Background(), c, path, UsersOptions{PageSize: 100})
		var apiErr *zoom.APIError
		if !errors.As(err, &apiErr) || apiErr.Code != 300 || IsUsage(err) {
			t.Fatalf("%s: err = %v, want the API error", ext, err)
		}
		if !strings.Contains(err.Error(), "listing active users") {
			t.Errorf("the error does not say what failed: %v", err)
		}
		if b, _ := os.ReadFile(path); string(b) != "an earlier export" {
			t.Errorf("%s: the earlier file was replaced", ext)
		}
		if got := exDir(t, dir); len(got) != 1 {
			t.Errorf("%s: files left behind: %q", ext, got)
		}
	}
	if failed.Load() == 0 {
		t.Error("the fault was never hit")
	}
}

// A cancelled export (Ctrl-C) stops the listings and leaves no file.
func TestExportUsersCancelled(t *testing.T) {
	synctest.Test(t, testExportUsersCancelled)
}

func testExportUsersCancelled(t *testing.T) {
	srv := exMemSandbox(t, zoomtest.Options{Users: 1000, NoRateLimits: true})
	c := exMemClient(t, srv, nil)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err := Users(ctx, c, exPath(dir, "u.xlsx"), UsersOptions{PageSize: 50, Progress: func(p Progress) {
		if p.Pages == 2 {
			cancel()
		}
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if got := exDir(t, dir); len(got) != 0 {
		t.Errorf("files left behind: %q", got)
	}
}

// The first status runs ahead of the writer by a few pages at most; the
// later statuses are listed to the end at once, into their spools (a page
// token must not age while the writer is busy): memory is bounded whatever
// the account's size, and no token expires.
//
// In a bubble, in memory: the wait for the later statuses is on the
// bubble's clock, which moves only once every goroutine is blocked, so
// its limit is met only when nothing is listing them at all.
func TestListUsersIsBounded(t *testing.T) {
	synctest.Test(t, testListUsersIsBounded)
}

func testListUsersIsBounded(t *testing.T) {
	seed, err := zoomtest.LoadSeed(exSeedPath)
	if err != nil {
		t.Fatal(err)
	}
	srv := zoomtest.NewMemServer(t, zoomtest.Options{Seed: seed, Users: 2000, NoRateLimits: true})
	c := zoomtest.NewClient(t, srv, nil)
	const ahead, size = 2, 20
	spooled := make(chan string, len(AllStatuses))
	later := 0
	for _, s := range AllStatuses[1:] {
		n := 0
		for _, u := range srv.Users() {
			if u.Status == s {
				n++
			}
		}
		later += max(1, (n+size-1)/size)
	}
	pages, announced := 0, 0
	for p, err := range listUsers(context.Background(), c, AllStatuses, listOptions{PageSize: size, Ahead: ahead, spooled: func(s string) { spooled <- s }}) {
		if err != nil {
			t.Fatal(err)
		}
		pages++
		announced = p.Announced
		// A writer that is still on its first page when the later
		// statuses have been listed to the end.
		for range AllStatuses[1:] {
			select {
			case <-spooled:
			case <-time.After(30 * time.Second):
				t.Fatal("the later statuses were not listed while the writer was busy")
			}
		}
		break
	}
	if pages != 1 || announced != len(srv.Users()) {
		t.Fatalf("%d pages, %d users announced; want 1, %d", pages, announced, len(srv.Users()))
	}
	// Active: the page handed over, ahead in the channel, one being fetched.
	st := srv.Stats()
	if active := st.Calls["GET /users"] - later; active < 1 || active > ahead+2 {
		t.Errorf("%d active listing calls while the writer was on its first page; want 1 to %d", active, ahead+2)
	}
}

// Statuses come one after the other, each complete, whatever the page size.
func TestListUsersOrder(t *testing.T) {
	synctest.Test(t, testListUsersOrder)
}

func testListUsersOrder(t *testing.T) {
	srv := exMemSandbox(t, zoomtest.Options{Users: 500, NoRateLimits: true})
	c := exMemClient(t, srv, nil)
	var want []string
	for _, s := range AllStatuses {
		for _, u := range srv.Users() {
			if u.Status == s {
				want = append(want, s+" "+u.Email)
			}
		}
	}
	// page_number: the sandbox honours it (as the reference documents), so
	// the numbered pages cost no more calls than the tokens.
	for _, pageNumbers := range []bool{false, true} {
		before := srv.Stats().Calls["GET /users"]
		var got []string
		for p, err := range listUsers(context.Background(), c, AllStatuses, listOptions{PageSize: 7, Ahead: 1, PageNumbers: pageNumbers}) {
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range p.Users {
				if u.Status != p.Status {
					t.Fatalf("a %s user on a %s page", u.Status, p.Status)
				}
				got = append(got, u.Status+" "+u.Email)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("page numbers %v: got %d users, want %d in creation order by status", pageNumbers, len(got), len(want))
		}
		calls, pages := srv.Stats().Calls["GET /users"]-before, 0
		for _, s := range AllStatuses {
			n := 0
			for _, u := range srv.Users() {
				if u.Status == s {
					n++
				}
			}
			pages += max(1, (n+6)/7)
		}
		if calls != pages {
			t.Errorf("page numbers %v: %d listing calls, want %d", pageNumbers, calls, pages)
		}
	}
}

func TestParseStatuses(t *testing.T) {
	tests := []struct {
		in   []string
		want []string
		err  bool
	}{
		{nil, AllStatuses, false},
		{[]string{"pending", "ACTIVE"}, []string{"active", "pending"}, false},
		{[]string{"inactive,active,inactive"}, []string{"active", "inactive"}, false},
		{[]string{"all"}, AllStatuses, false},
		{[]string{" , "}, AllStatuses, false},
		{[]string{"suspended"}, nil, true},
	}
	for _, tt := range tests {
		got, err := ParseStatuses(tt.in)
		if (err != nil) != tt.err || !slices.Equal(got, tt.want) {
			t.Errorf("ParseStatuses(%q) = %q, %v", tt.in, got, err)
		}
	}
}

func TestSelectUserColumns(t *testing.T) {
	tests := []struct {
		in   []string
		want []string
	}{
		{nil, nil},
		{[]string{"email,first name", "Last-Name"}, []string{"Email", "First Name", "Last Name"}},
		{[]string{"user_id", "Department", "created", "last_login", "email", "EMAIL"}, []string{"User ID", "Department", "Created", "Last Login", "Email"}},
		{[]string{"type", "type_code", "division", "division_id"}, []string{"User Type", "Type Code", "Division", "Division ID"}},
	}
	for _, tt := range tests {
		cols, err := SelectUserColumns(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, c := range cols {
			got = append(got, c.Header)
		}
		if tt.want == nil {
			if len(got) != 19 {
				t.Errorf("default columns: %q", got)
			}
			continue
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("SelectUserColumns(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// Where Zoom honours page_number, PageNumbers fetches a status's pages
// several at a time; where an answer shows it does not (the first page
// again, or a 400), the listing goes on with next_page_token. Either way
// the export is the same, row for row, as the one that follows the tokens.
func TestExportUsersPageNumbers(t *testing.T) { synctest.Test(t, testExportUsersPageNumbers) }

func testExportUsersPageNumbers(t *testing.T) {
	srv := exMemSandbox(t, zoomtest.Options{Users: 900, NoRateLimits: true})
	pages := map[string]int{} // a status's pages of 50
	for _, u := range srv.Users() {
		pages[u.Status]++
	}
	for s, n := range pages {
		pages[s] = (n + 49) / 50
	}
	dir := t.TempDir()
	byToken := exPath(dir, "token.csv")
	front, numbered := apiMemFront(srv, honoured)
	if _, err := Users(context.Background(), exMemClient(t, srv, front), byToken, UsersOptions{PageSize: 50}); err != nil {
		t.Fatal(err)
	}
	if numbered.Load() != 0 {
		t.Fatalf("%d numbered calls without PageNumbers", numbered.Load())
	}
	want, _ := os.ReadFile(byToken)
	tests := []struct {
		pn pageNumber
		// numbered is how many calls give page_number, for a status of n
		// pages.
		numbered func(n int) int
	}{
		{honoured, func(n int) int { return n - 1 }},      // every page but the first
		{ignored, func(n int) int { return min(n-1, 1) }}, // page 2, once
		{refused, func(n int) int { return min(n-1, 1) }},
	}
	for _, tt := range tests {
		front, numbered := apiMemFront(srv, tt.pn)
		c := exMemClient(t, srv, front)
		path := exPath(dir, fmt.Sprintf("number-%d.csv", tt.pn))
		res, err := Users(context.Background(), c, path, UsersOptions{PageSize: 50, PageNumbers: true, ListWorkers: 4})
		if err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(path)
		if string(got) != string(want) || res.Rows != len(srv.Users()) {
			t.Errorf("page_number %d: the export (%d rows) differs from the token one (%d users)", tt.pn, res.Rows, len(srv.Users()))
		}
		calls := 0
		for _, n := range pages {
			calls += tt.numbered(n)
		}
		if got := numbered.Load(); got != int64(calls) {
			t.Errorf("page_number %d: %d calls gave page_number, want %d", tt.pn, got, calls)
		}
	}
}
