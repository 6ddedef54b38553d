package sandbox

import (
	"encoding/json"
	"fmt"
	"net/url"
	"testing"
	"time"
)

type userPage struct {
	NextPageToken string         `json:"next_page_token"`
	PageCount     int            `json:"page_count"`
	PageNumber    int            `json:"page_number"`
	PageSize      int            `json:"page_size"`
	TotalRecords  int            `json:"total_records"`
	Users         []listUserJSON `json:"users"`
}

// TestPaginationStable lists 1,000 users 77 at a time while users are created
// and deleted: every user that existed throughout is seen exactly once.
func TestPaginationStable(t *testing.T) {
	s := newTestServer(t, Options{NoRateLimits: true, Users: 1000})
	c := newClient(t, s)
	before := map[string]bool{}
	for _, u := range s.Users() {
		if u.Status == "active" {
			before[u.Email] = true
		}
	}
	seen := map[string]int{}
	var created []string
	tok, pages := "", 0
	for {
		var p userPage
		c.ok("GET", "/users?page_size=77&next_page_token="+url.QueryEscape(tok), nil, 200, &p)
		pages++
		if p.PageSize != 77 || p.PageNumber != pages {
			t.Fatalf("page %d: page_size %d page_number %d", pages, p.PageSize, p.PageNumber)
		}
		if p.PageCount != (p.TotalRecords+76)/77 {
			t.Fatalf("page_count %d for %d records", p.PageCount, p.TotalRecords)
		}
		for _, u := range p.Users {
			seen[u.Email]++
			if u.Status != "active" {
				t.Fatalf("status=active listing holds %s (%s)", u.Email, u.Status)
			}
		}
		// Churn between pages: create active users (autoCreate) and delete
		// some of them again. Only users that exist throughout must be seen
		// exactly once; the churned ones may or may not appear.
		for i := range 3 {
			email := fmt.Sprintf("churn%d-%d@example.org", pages, i)
			c.ok("POST", "/users", createBody("autoCreate", email, 1), 201, nil)
			created = append(created, email)
		}
		if len(created) > 4 {
			c.ok("DELETE", "/users/"+created[0], nil, 204, nil)
			created = created[1:]
		}
		if p.NextPageToken == "" {
			break
		}
		tok = p.NextPageToken
	}
	for email := range before {
		if seen[email] != 1 {
			t.Errorf("%s seen %d times", email, seen[email])
		}
	}
	for email, n := range seen {
		if n != 1 {
			t.Errorf("%s seen %d times", email, n)
		}
	}
	if pages < 10 {
		t.Fatalf("only %d pages", pages)
	}
}

func TestPaginationStatusesAndClamp(t *testing.T) {
	s := newTestServer(t, Options{NoRateLimits: true, Users: 300})
	c := newClient(t, s)
	counts := map[string]int{}
	for _, u := range s.Users() {
		counts[u.Status]++
	}
	for _, status := range []string{"active", "inactive", "pending"} {
		var p userPage
		c.ok("GET", "/users?page_size=2000&status="+status, nil, 200, &p)
		if p.PageSize != 2000 {
			t.Errorf("page_size %d, want 2000", p.PageSize)
		}
		if len(p.Users) != counts[status] || p.TotalRecords != counts[status] || p.NextPageToken != "" {
			t.Errorf("%s: %d users, total %d, want %d", status, len(p.Users), p.TotalRecords, counts[status])
		}
		for _, u := range p.Users {
			if (u.ID == "") != (status == "pending") {
				t.Errorf("%s user %s has id %q", status, u.Email, u.ID)
			}
		}
	}
	var p userPage
	c.ok("GET", "/users", nil, 200, &p)
	if p.PageSize != 30 || len(p.Users) != 30 {
		t.Errorf("default page: size %d, %d users", p.PageSize, len(p.Users))
	}
	wantErr(t, c.do("GET", "/users?status=gone", nil), 400, 300, "")

	// An account that grants fewer users a page says so in page_size.
	old := newClient(t, newTestServer(t, Options{NoRateLimits: true, Users: 300, UserPageSize: 100}))
	old.ok("GET", "/users?page_size=2000", nil, 200, &p)
	if p.PageSize != 100 || len(p.Users) != 100 || p.NextPageToken == "" {
		t.Errorf("UserPageSize 100: page_size %d, %d users, next %q", p.PageSize, len(p.Users), p.NextPageToken)
	}
}

func TestPageTokenInvalid(t *testing.T) {
	clock := newFakeClock()
	s := newTestServer(t, Options{NoRateLimits: true, Users: 100, Now: clock.Now, TokenTTL: 24 * time.Hour})
	c := newClient(t, s)
	var p userPage
	c.ok("GET", "/users?page_size=10", nil, 200, &p)
	tok := url.QueryEscape(p.NextPageToken)
	const msg = "The next page token is invalid or expired."
	// Bound to the query: another status, another listing.
	wantErr(t, c.do("GET", "/users?status=inactive&next_page_token="+tok, nil), 400, 300, msg)
	wantErr(t, c.do("GET", "/groups?next_page_token="+tok, nil), 400, 300, msg)
	wantErr(t, c.do("GET", "/users?next_page_token=garbage", nil), 400, 300, msg)
	wantErr(t, c.do("GET", "/users?next_page_token="+tok+"x", nil), 400, 300, msg)
	clock.Advance(14 * time.Minute)
	c.ok("GET", "/users?page_size=10&next_page_token="+tok, nil, 200, &p)
	clock.Advance(2 * time.Minute)
	wantErr(t, c.do("GET", "/users?page_size=10&next_page_token="+tok, nil), 400, 300, msg)
}

func TestPendingUsersHaveNoIDInList(t *testing.T) {
	s := newTestServer(t, Options{NoRateLimits: true, Seed: seedSmall()})
	c := newClient(t, s)
	var created struct{ ID string }
	c.ok("POST", "/users", createBody("create", "newbie@x.example", 1), 201, &created)
	var p userPage
	c.ok("GET", "/users?status=pending", nil, 200, &p)
	if len(p.Users) != 2 {
		t.Fatalf("%d pending users, want 2", len(p.Users))
	}
	for _, u := range p.Users {
		if u.ID != "" || u.Verified != 0 {
			t.Errorf("pending %s: id %q verified %d", u.Email, u.ID, u.Verified)
		}
	}
	// The raw JSON has no "id" key at all.
	r := c.do("GET", "/users?status=pending", nil)
	var raw struct{ Users []map[string]any }
	if err := json.Unmarshal(r.raw, &raw); err != nil {
		t.Fatal(err)
	}
	for _, u := range raw.Users {
		if _, has := u["id"]; has {
			t.Errorf("pending user with id: %v", u)
		}
		for _, k := range []string{"job_title", "location", "language"} {
			if _, has := u[k]; has {
				t.Errorf("list item has %s, which the list schema lacks", k)
			}
		}
	}
	// Get a user does give the id.
	var got getUserJSON
	c.ok("GET", "/users/newbie@x.example", nil, 200, &got)
	if got.ID != created.ID || got.Status != "pending" {
		t.Fatalf("get: %+v", got)
	}
}

func TestGroupMembersPaging(t *testing.T) {
	s := newTestServer(t, Options{NoRateLimits: true, Seed: seedSmall(), Users: 500})
	c := newClient(t, s)
	want := 0
	for _, g := range s.Groups() {
		if g.ID == "grp-sales" {
			want = len(g.MemberIDs)
		}
	}
	seen := map[string]bool{}
	tok := ""
	for {
		var p struct {
			Members       []groupMemberJSON `json:"members"`
			NextPageToken string            `json:"next_page_token"`
			TotalRecords  int               `json:"total_records"`
		}
		c.ok("GET", "/groups/grp-sales/members?page_size=40&next_page_token="+url.QueryEscape(tok), nil, 200, &p)
		if p.TotalRecords != want {
			t.Fatalf("total_records %d, want %d", p.TotalRecords, want)
		}
		for _, m := range p.Members {
			if seen[m.ID] {
				t.Fatalf("%s twice", m.ID)
			}
			seen[m.ID] = true
		}
		if tok = p.NextPageToken; tok == "" {
			break
		}
	}
	if len(seen) != want || want < 100 {
		t.Fatalf("saw %d members, want %d", len(seen), want)
	}
}
