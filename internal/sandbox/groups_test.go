package sandbox

import (
	"fmt"
	"strings"
	"testing"
)

func groupOf(s *Server, id string) Group {
	for _, g := range s.Groups() {
		if g.ID == id {
			return g
		}
	}
	return Group{}
}

func TestGroups(t *testing.T) {
	s := newTestServer(t, Options{NoRateLimits: true, Seed: seedSmall()})
	c := newClient(t, s)

	var list struct {
		Groups        []groupJSON `json:"groups"`
		TotalRecords  int         `json:"total_records"`
		NextPageToken string      `json:"next_page_token"`
	}
	c.ok("GET", "/groups", nil, 200, &list)
	if list.TotalRecords != 3 || len(list.Groups) != 3 || list.Groups[1] != (groupJSON{"grp-sales", "Sales", 2}) {
		t.Fatalf("list %+v", list)
	}
	var g groupJSON
	c.ok("POST", "/groups", map[string]string{"name": "Finance"}, 201, &g)
	if g.Name != "Finance" || len(g.ID) != 22 || g.TotalMembers != 0 {
		t.Fatalf("created %+v", g)
	}
	wantErr(t, c.do("POST", "/groups", map[string]string{"name": "finance"}), 409, 4132, `The group name "finance" is already in use.`)
	wantErr(t, c.do("POST", "/groups", map[string]string{}), 400, 300, "Invalid parameter: name.")
	wantErr(t, c.do("POST", "/groups", map[string]string{"name": strings.Repeat("n", 128)}), 400, 300, "Invalid parameter: name.")
	c.ok("GET", "/groups/"+g.ID, nil, 200, &g)
	wantErr(t, c.do("GET", "/groups/nope", nil), 404, 4130, "A group with this nope does not exist.")
	wantErr(t, c.do("GET", "/groups/nope/members", nil), 404, 4130, "")
	wantErr(t, c.do("POST", "/groups/nope/members", map[string]any{"members": []map[string]string{{"id": "u-bob"}}}), 404, 4130, "")

	// Add: by id or email; existing members and unknown users are skipped.
	var added addedJSON
	c.ok("POST", "/groups/"+g.ID+"/members", map[string]any{"members": []map[string]string{
		{"id": "u-bob"}, {"email": "ANN@test.example"}, {"id": "ghost"}, {"email": "ghost@test.example"}, {"id": "u-bob"},
	}}, 201, &added)
	if added.IDs != "u-bob,u-ann" || added.AddedAt == "" {
		t.Fatalf("added %+v", added)
	}
	if got := groupOf(s, g.ID).MemberIDs; fmt.Sprint(got) != "[u-ann u-bob]" {
		t.Fatalf("members %v", got)
	}
	// Bob's first group stays his primary one.
	if u := s.mustUser(t, "bob@test.example"); fmt.Sprint(u.GroupIDs) != "[grp-sales "+g.ID+"]" {
		t.Fatalf("bob's groups %v", u.GroupIDs)
	}
	members31 := make([]map[string]string, 31)
	for i := range members31 {
		members31[i] = map[string]string{"id": "u-bob"}
	}
	e := wantErr(t, c.do("POST", "/groups/"+g.ID+"/members", map[string]any{"members": members31}), 400, 300, "")
	if e.Errors[0].Field != "members" {
		t.Fatalf("error %+v", e)
	}

	// Delete a member.
	c.ok("DELETE", "/groups/"+g.ID+"/members/u-bob", nil, 204, nil)
	wantErr(t, c.do("DELETE", "/groups/"+g.ID+"/members/u-bob", nil), 404, 4131, "Group member does not exist.")
	wantErr(t, c.do("DELETE", "/groups/"+g.ID+"/members/ghost", nil), 404, 4131, "")
	wantErr(t, c.do("DELETE", "/groups/nope/members/u-bob", nil), 404, 4130, "")
}

func TestGroupMemberMoveAndPrimary(t *testing.T) {
	s := newTestServer(t, Options{NoRateLimits: true, Seed: seedSmall()})
	c := newClient(t, s)
	groups := func(email string) string { return fmt.Sprint(s.mustUser(t, email).GroupIDs) }

	// Ann is in [grp-eng grp-sales]; move her primary group to Support.
	support := s.Groups()[2].ID
	c.ok("PATCH", "/groups/grp-eng/members/u-ann", map[string]string{"action": "move", "target_group_id": support}, 204, nil)
	if got := groups("ann@test.example"); got != "["+support+" grp-sales]" {
		t.Fatalf("after move: %s", got)
	}
	// Moving a secondary group keeps the primary.
	c.ok("PATCH", "/groups/grp-sales/members/ann@test.example", map[string]string{"action": "move", "target_group_id": "grp-eng"}, 204, nil)
	if got := groups("ann@test.example"); got != "["+support+" grp-eng]" {
		t.Fatalf("after second move: %s", got)
	}
	c.ok("PATCH", "/groups/"+support+"/members/u-ann", map[string]string{"action": "set_primary", "target_group_id": "grp-eng"}, 204, nil)
	if got := groups("ann@test.example"); got != "[grp-eng "+support+"]" {
		t.Fatalf("after set_primary: %s", got)
	}
	if m := groupOf(s, "grp-sales").MemberIDs; fmt.Sprint(m) != "[u-bob]" {
		t.Fatalf("sales members %v", m)
	}
	// Moving into a group the user is already in just leaves the source.
	c.ok("PATCH", "/groups/grp-eng/members/u-ann", map[string]string{"action": "move", "target_group_id": support}, 204, nil)
	if got := groups("ann@test.example"); got != "["+support+"]" {
		t.Fatalf("after merge move: %s", got)
	}

	wantErr(t, c.do("PATCH", "/groups/grp-sales/members/u-bob", map[string]string{"action": "move"}), 400, 300, "The target_group_id can not be empty.")
	wantErr(t, c.do("PATCH", "/groups/grp-sales/members/u-bob", map[string]string{"action": "move", "target_group_id": ""}), 400, 300, "The target_group_id can not be empty.")
	wantErr(t, c.do("PATCH", "/groups/grp-sales/members/u-bob", map[string]string{"target_group_id": "grp-eng"}), 400, 300, "")
	wantErr(t, c.do("PATCH", "/groups/grp-sales/members/u-bob", map[string]string{"action": "copy", "target_group_id": "grp-eng"}), 400, 300, "")
	wantErr(t, c.do("PATCH", "/groups/grp-sales/members/u-bob", map[string]string{"action": "move", "target_group_id": "nope"}), 404, 4130, "A group with this nope does not exist.")
	wantErr(t, c.do("PATCH", "/groups/nope/members/u-bob", map[string]string{"action": "move", "target_group_id": "grp-eng"}), 404, 4130, "")
	wantErr(t, c.do("PATCH", "/groups/grp-eng/members/u-bob", map[string]string{"action": "move", "target_group_id": "grp-sales"}), 404, 4131, "")
	// set_primary needs membership of the target.
	wantErr(t, c.do("PATCH", "/groups/grp-sales/members/u-bob", map[string]string{"action": "set_primary", "target_group_id": "grp-eng"}), 404, 4131, "")
}

func TestDivisions(t *testing.T) {
	s := newTestServer(t, Options{NoRateLimits: true, Seed: seedSmall()})
	c := newClient(t, s)
	type divList struct {
		Divisions    []divisionJSON `json:"divisions"`
		TotalRecords int            `json:"total_records"`
		PageSize     int            `json:"page_size"`
	}
	var list divList
	c.ok("GET", "/divisions", nil, 200, &list)
	if list.TotalRecords != 2 || !list.Divisions[0].Main || *list.Divisions[0].TotalMembers != 5 || *list.Divisions[1].TotalMembers != 1 {
		t.Fatalf("divisions %+v", list)
	}
	var d divisionJSON
	c.ok("POST", "/divisions", map[string]string{"division_name": "APAC", "division_description": "Asia"}, 201, &d)
	if d.Name != "APAC" || d.Description != "Asia" || d.ID == "" {
		t.Fatalf("created %+v", d)
	}
	wantErr(t, c.do("POST", "/divisions", map[string]string{"division_name": "apac"}), 409, 409, "This name is already in use. Please try another.")
	e := wantErr(t, c.do("POST", "/divisions", map[string]string{"division_description": "x"}), 400, 40005, "Invalid field.")
	if e.Errors[0].Field != "division_name" {
		t.Fatalf("error %+v", e)
	}
	c.ok("GET", "/divisions/"+d.ID, nil, 200, &d)
	wantErr(t, c.do("GET", "/divisions/nope", nil), 404, 40406, "Division not found.")
	wantErr(t, c.do("GET", "/divisions/nope/users", nil), 404, 40406, "Division not found.")
	wantErr(t, c.do("POST", "/divisions/nope/users", map[string]any{"users": []map[string]string{{"user_id": "u-bob"}}}), 404, 40406, "Division not found.")

	// Assign: by user_id (user_email ignored then) or user_email; unknown users skipped.
	var added addedJSON
	c.ok("POST", "/divisions/"+d.ID+"/users", map[string]any{"users": []map[string]string{
		{"user_id": "u-bob", "user_email": "ann@test.example"}, {"user_email": "ANN@test.example"}, {"user_email": "ghost@test.example"},
	}}, 201, &added)
	if added.IDs != "u-bob,u-ann" {
		t.Fatalf("added %+v", added)
	}
	if u := s.mustUser(t, "ann@test.example"); u.DivisionID != d.ID {
		t.Fatalf("ann's division %s", u.DivisionID)
	}
	var users struct {
		Users        []divisionUserJSON `json:"users"`
		TotalRecords int                `json:"total_records"`
	}
	c.ok("GET", "/divisions/"+d.ID+"/users", nil, 200, &users)
	if users.TotalRecords != 2 || users.Users[0] != (divisionUserJSON{"u-ann", "Ann Lee", "ann@test.example"}) {
		t.Fatalf("division users %+v", users)
	}
	c.ok("GET", "/divisions", nil, 200, &list)
	if *list.Divisions[0].TotalMembers != 4 || *list.Divisions[1].TotalMembers != 0 || *list.Divisions[2].TotalMembers != 2 {
		t.Fatalf("counts after assign %+v", list.Divisions)
	}
	users31 := make([]map[string]string, 31)
	for i := range users31 {
		users31[i] = map[string]string{"user_id": "u-bob"}
	}
	wantErr(t, c.do("POST", "/divisions/"+d.ID+"/users", map[string]any{"users": users31}), 400, 300, "Invalid parameters.")
}

func TestContactGroups(t *testing.T) {
	s := newTestServer(t, Options{NoRateLimits: true, Seed: seedSmall()})
	c := newClient(t, s)
	var list struct {
		Groups   []contactGroupJSON `json:"groups"`
		PageSize int                `json:"page_size"`
	}
	c.ok("GET", "/contacts/groups", nil, 200, &list)
	if len(list.Groups) != 1 || list.Groups[0].Name != "Office" || list.Groups[0].Privacy != 1 || list.PageSize != 10 {
		t.Fatalf("list %+v", list)
	}
	id := list.Groups[0].ID
	var added struct {
		MemberIDs []string `json:"member_ids"`
	}
	c.ok("POST", "/contacts/groups/"+id+"/members", map[string]any{"group_members": []map[string]any{
		{"type": 1, "id": "u-pat"}, {"type": 1, "id": "u-ann"}, {"type": 2, "id": "grp-sales"}, {"type": 1, "id": "ghost"},
	}}, 201, &added)
	if fmt.Sprint(added.MemberIDs) != "[u-pat grp-sales]" {
		t.Fatalf("added %v", added.MemberIDs)
	}
	var members struct {
		Members []contactMemberJSON `json:"group_members"`
	}
	c.ok("GET", "/contacts/groups/"+id+"/members", nil, 200, &members)
	if len(members.Members) != 4 || members.Members[3] != (contactMemberJSON{2, "grp-sales", "Sales"}) || members.Members[0].Name != "Ann Lee" {
		t.Fatalf("members %+v", members)
	}

	many := func(n, typ int) map[string]any {
		m := make([]map[string]any, n)
		for i := range m {
			m[i] = map[string]any{"type": typ, "id": fmt.Sprint("x", i)}
		}
		return map[string]any{"group_members": m}
	}
	wantErr(t, c.do("POST", "/contacts/groups/"+id+"/members", many(51, 1)), 400, 300, "The maximum number of user member per request is 50.")
	wantErr(t, c.do("POST", "/contacts/groups/"+id+"/members", many(4, 2)), 400, 300, "The maximum number of group member per request is 3.")
	c.ok("POST", "/contacts/groups/"+id+"/members", many(50, 1), 201, nil)
	wantErr(t, c.do("GET", "/contacts/groups/nope/members", nil), 400, 300, "A group with this groupId: nope does not exist.")

	ids := make([]string, 21)
	for i := range ids {
		ids[i] = fmt.Sprint("m", i)
	}
	wantErr(t, c.do("DELETE", "/contacts/groups/"+id+"/members?member_ids="+strings.Join(ids, ","), nil), 400, 300, "The maximum number of memberId is 20.")
	wantErr(t, c.do("DELETE", "/contacts/groups/"+id+"/members?member_ids=u-ann,ghost", nil), 400, 300, "A member with this memberId: ghost does not exist.")
	wantErr(t, c.do("DELETE", "/contacts/groups/"+id+"/members", nil), 400, 300, "")
	c.ok("DELETE", "/contacts/groups/"+id+"/members?member_ids=u-ann,grp-sales", nil, 204, nil)
	if m := s.ContactGroups()[0].MemberIDs; fmt.Sprint(m) != "[u-bob u-pat]" {
		t.Fatalf("members %v", m)
	}
	wantErr(t, c.do("DELETE", "/contacts/groups/"+id+"/members?member_ids=u-bob,u-pat", nil), 400, 300, "A group must have at least one member.")
	if st := s.Stats(); st.ByCategory[Heavy] != 9 {
		t.Fatalf("Heavy calls %d, want 9", st.ByCategory[Heavy])
	}
}
