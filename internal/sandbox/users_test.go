package sandbox

import (
	"fmt"
	"strings"
	"testing"
)

func TestCreateUser(t *testing.T) {
	s := newTestServer(t, Options{NoRateLimits: true, Seed: seedSmall()})
	c := newClient(t, s)

	var created struct {
		ID, Email, FirstName, LastName string
		Type                           int
	}
	c.ok("POST", "/users", createBody("create", "New.Hire@x.example", 2), 201, &created)
	u, ok := s.UserByEmail("new.hire@X.example")
	if !ok || u.ID != created.ID || u.Status != "pending" || u.DisplayName != "Test User" || u.Type != 2 || u.Role != "member" {
		t.Fatalf("created %+v, stored %+v", created, u)
	}
	if divs := s.Divisions(); u.DivisionID != divs[0].ID {
		t.Errorf("new user's division %q, want the main one", u.DivisionID)
	}
	for _, action := range []string{"autoCreate", "custCreate", "ssoCreate"} {
		email := action + "@x.example"
		c.ok("POST", "/users", createBody(action, email, 1), 201, nil)
		if u, _ := s.UserByEmail(email); u.Status != "active" {
			t.Errorf("%s made a %s user", action, u.Status)
		}
	}
	body := createBody("ssoCreate", "none@x.example", 99)
	c.ok("POST", "/users", body, 201, nil)

	wantErr(t, c.do("POST", "/users", createBody("create", "new.hire@x.example", 1)), 409, 1005, `Email "new.hire@x.example" has already been used.`)
	wantErr(t, c.do("POST", "/users", createBody("create", "ann@TEST.example", 1)), 409, 1005, "")
	wantErr(t, c.do("POST", "/users", createBody("create", "x@Blocked.example", 1)), 400, 1107, "Email domain is blocked.")

	tests := []struct {
		name  string
		body  any
		field string
	}{
		{"no action", map[string]any{"user_info": map[string]any{"email": "a@x.example", "type": 1}}, "action"},
		{"bad action", createBody("make", "a@x.example", 1), "action"},
		{"no user_info", map[string]any{"action": "create"}, "user_info"},
		{"no email", map[string]any{"action": "create", "user_info": map[string]any{"type": 1}}, "user_info.email"},
		{"bad email", createBody("create", "a@@x", 1), "user_info.email"},
		{"no type", map[string]any{"action": "create", "user_info": map[string]any{"email": "a@x.example"}}, "user_info.type"},
		{"bad type", createBody("create", "a@x.example", 3), "user_info.type"},
		{"99 without sso", createBody("create", "a@x.example", 99), "user_info.type"},
		{"type as string", map[string]any{"action": "create", "user_info": map[string]any{"email": "a@x.example", "type": "2"}}, "user_info.type"},
		{"long first name", map[string]any{"action": "create", "user_info": map[string]any{"email": "a@x.example", "type": 1, "first_name": strings.Repeat("é", 65)}}, "user_info.first_name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := wantErr(t, c.do("POST", "/users", tt.body), 400, 300, "")
			if len(e.Errors) != 1 || e.Errors[0].Field != tt.field || !strings.Contains(e.Message, tt.field) {
				t.Fatalf("error %+v, want field %s", e, tt.field)
			}
		})
	}
	wantErr(t, c.do("POST", "/users", "{not json"), 400, 300, "Request Body should be a valid JSON object.")
	wantErr(t, c.do("POST", "/users", nil), 400, 300, "Request Body should be a valid JSON object.")
	if n := s.Stats().Applied["POST /users"]; n != 5 {
		t.Errorf("Applied = %d, want 5", n)
	}
}

func TestLicensedSeats(t *testing.T) {
	s := newTestServer(t, Options{NoRateLimits: true, Seed: seedSmall(), LicensedSeats: 4, FeaturesInterval: -1})
	c := newClient(t, s) // the seed has 3 licensed users
	c.ok("POST", "/users", createBody("autoCreate", "fourth@x.example", 2), 201, nil)
	e := wantErr(t, c.do("POST", "/users", createBody("autoCreate", "fifth@x.example", 2)), 400, 2034, "")
	if !strings.Contains(e.Message, "maximum number") {
		t.Errorf("message %q", e.Message)
	}
	c.ok("POST", "/users", createBody("autoCreate", "basic@x.example", 1), 201, nil)
	wantErr(t, c.do("PATCH", "/users/basic@x.example", map[string]any{"type": 2}), 400, 2034, "")
	var res struct {
		Success []string     `json:"success_user_ids"`
		Fail    []failDetail `json:"fail_details"`
	}
	c.ok("POST", "/users/features", map[string]any{"feature_type": "user_type", "feature_value": "2",
		"users": []map[string]string{{"email": "basic@x.example"}, {"id": "u-ann"}, {"id": "ghost"}}}, 201, &res)
	want := map[string][]string{"Not enough seats": {s.mustUser(t, "basic@x.example").ID}, "No need to update": {"u-ann"}, "Users not found": {"ghost"}}
	if len(res.Success) != 0 || len(res.Fail) != 3 {
		t.Fatalf("answer %+v", res)
	}
	for _, f := range res.Fail {
		if fmt.Sprint(f.UserIDs) != fmt.Sprint(want[f.Reason]) {
			t.Errorf("%s: %v, want %v", f.Reason, f.UserIDs, want[f.Reason])
		}
	}
	// Freeing a seat lets it through.
	c.ok("PATCH", "/users/u-ann", map[string]any{"type": 1}, 204, nil)
	c.ok("PATCH", "/users/basic@x.example", map[string]any{"type": 2}, 204, nil)
}

func (s *Server) mustUser(t testing.TB, email string) User {
	t.Helper()
	u, ok := s.UserByEmail(email)
	if !ok {
		t.Fatalf("no user %s", email)
	}
	return u
}

func TestGetUpdateUser(t *testing.T) {
	s := newTestServer(t, Options{NoRateLimits: true, Seed: seedSmall()})
	c := newClient(t, s)
	wantErr(t, c.do("GET", "/users/ghost@x.example", nil), 404, 1001, "User does not exist: ghost@x.example.")
	wantErr(t, c.do("PATCH", "/users/nobody", map[string]any{}), 404, 1001, "User does not exist: nobody.")

	var g getUserJSON
	c.ok("GET", "/users/ANN@test.example", nil, 200, &g)
	if g.ID != "u-ann" || g.RoleName != "Member" || g.DivisionIDs[0] != "div-emea" || fmt.Sprint(g.GroupIDs) != "[grp-eng grp-sales]" {
		t.Fatalf("get %+v", g)
	}
	c.ok("PATCH", "/users/u-ann", map[string]any{
		"first_name": "Annie", "dept": "R&D", "job_title": "Lead", "location": "Oslo", "company": "Co",
		"manager": "boss@test.example", "timezone": "Europe/Oslo", "language": "en-US", "phone_number": "555", "phone_country": "NO",
		"cost_center": "CC1", "pmi": 1234567890, "division_ids": []string{"div-main"}, "unknown_field": true,
	}, 204, nil)
	u := s.mustUser(t, "ann@test.example")
	if u.FirstName != "Annie" || u.DisplayName != "Annie Lee" || u.Dept != "R&D" || u.JobTitle != "Lead" || u.Location != "Oslo" ||
		u.Company != "Co" || u.Manager != "boss@test.example" || u.Timezone != "Europe/Oslo" || u.PhoneNumber != "555" ||
		u.CostCenter != "CC1" || u.PMI != 1234567890 || u.DivisionID != "div-main" {
		t.Fatalf("after PATCH %+v", u)
	}
	c.ok("PATCH", "/users/u-ann", map[string]any{"display_name": "The Annie", "dept": ""}, 204, nil)
	if u := s.mustUser(t, "ann@test.example"); u.DisplayName != "The Annie" || u.Dept != "" {
		t.Fatalf("after PATCH %+v", u)
	}
	wantErr(t, c.do("PATCH", "/users/u-ann", map[string]any{"job_title": strings.Repeat("x", 129)}), 400, 300, "")
	wantErr(t, c.do("PATCH", "/users/u-ann", map[string]any{"type": 7}), 400, 300, "")
	wantErr(t, c.do("PATCH", "/users/u-ann", map[string]any{"type": 1, "plan_united_type": "1"}), 400, 300, "")
	wantErr(t, c.do("PATCH", "/users/u-ann", map[string]any{"division_ids": []string{"nope"}}), 404, 40406, "Division not found.")

	// group_id places a pending user in a group.
	c.ok("PATCH", "/users/pat@test.example", map[string]any{"group_id": "grp-eng"}, 204, nil)
	if u := s.mustUser(t, "pat@test.example"); fmt.Sprint(u.GroupIDs) != "[grp-eng]" {
		t.Fatalf("pending user's groups %v", u.GroupIDs)
	}
	// A pending user's created_at is the time of the call; user_created_at stays.
	c.ok("GET", "/users/u-pat", nil, 200, &g)
	if g.Status != "pending" || g.Verified != 0 {
		t.Fatalf("pending get %+v", g)
	}
}

func TestUserStatusAndDelete(t *testing.T) {
	s := newTestServer(t, Options{NoRateLimits: true, Seed: seedSmall()})
	c := newClient(t, s)
	c.ok("PUT", "/users/u-bob/status", map[string]string{"action": "deactivate"}, 200, nil)
	if u := s.mustUser(t, "bob@test.example"); u.Status != "inactive" {
		t.Fatalf("status %s", u.Status)
	}
	c.ok("PUT", "/users/bob@test.example/status", map[string]string{"action": "activate"}, 200, nil)
	c.ok("PUT", "/users/u-bob/status", map[string]string{"action": "activate"}, 200, nil)
	if u := s.mustUser(t, "bob@test.example"); u.Status != "active" {
		t.Fatalf("status %s", u.Status)
	}
	wantErr(t, c.do("PUT", "/users/u-admin/status", map[string]string{"action": "deactivate"}), 400, 200,
		"Zoom Room and Admin users' status cannot be activated or deactivated.")
	wantErr(t, c.do("PUT", "/users/u-owner/status", map[string]string{"action": "deactivate"}), 400, 200, "")
	wantErr(t, c.do("PUT", "/users/u-pat/status", map[string]string{"action": "activate"}), 400, 300, "")
	wantErr(t, c.do("PUT", "/users/u-bob/status", map[string]string{"action": "pause"}), 400, 300, "")
	wantErr(t, c.do("PUT", "/users/u-bob/status", map[string]string{}), 400, 300, "")
	wantErr(t, c.do("PUT", "/users/ghost/status", map[string]string{"action": "activate"}), 404, 1001, "")

	wantErr(t, c.do("DELETE", "/users/u-admin", nil), 400, 1117, "You can not disassociate an Admin user.")
	wantErr(t, c.do("DELETE", "/users/u-owner?action=delete", nil), 400, 1117, "")
	wantErr(t, c.do("DELETE", "/users/u-bob?transfer_email=BOB@test.example", nil), 400, 300,
		"The transfer-to email address cannot be the same as the unlinked or deleted user's email address.")
	wantErr(t, c.do("DELETE", "/users/u-bob?transfer_email=ghost@test.example", nil), 404, 1001, "User does not exist: ghost@test.example.")
	wantErr(t, c.do("DELETE", "/users/u-bob?action=shred", nil), 400, 300, "")
	c.ok("DELETE", "/users/u-bob?transfer_email=ann@test.example", nil, 204, nil)
	if _, ok := s.UserByEmail("bob@test.example"); ok {
		t.Fatal("deleted user still there")
	}
	for _, g := range s.Groups() {
		for _, id := range g.MemberIDs {
			if id == "u-bob" {
				t.Fatal("deleted user still in a group")
			}
		}
	}
	if cg := s.ContactGroups(); len(cg[0].MemberIDs) != 1 {
		t.Fatalf("contact group %+v", cg[0])
	}
	wantErr(t, c.do("GET", "/users/u-bob", nil), 404, 1001, "")
	c.ok("POST", "/users", createBody("create", "bob@test.example", 1), 201, nil) // the email is free again
}

func TestCheckEmailAndSummary(t *testing.T) {
	s := newTestServer(t, Options{NoRateLimits: true, Seed: seedSmall()})
	c := newClient(t, s)
	var e struct {
		Existed bool `json:"existed_email"`
	}
	c.ok("GET", "/users/email?email=ANN@test.example", nil, 200, &e)
	if !e.Existed {
		t.Error("existing email not found")
	}
	c.ok("GET", "/users/email?email=nobody@test.example", nil, 200, &e)
	if e.Existed {
		t.Error("unknown email found")
	}
	wantErr(t, c.do("GET", "/users/email", nil), 400, 300, "Email is required.")

	var sum map[string]int
	c.ok("GET", "/users/summary", nil, 200, &sum)
	// owner, admin, ann: licensed; bob, ina: basic; pat: pending.
	want := map[string]int{"licensed_users_count": 3, "basic_users_count": 2, "join_only_users_count": 0,
		"pending_users_count": 1, "on_prem_users_count": 0, "room_users_count": 0, "total_users_count": 5}
	if fmt.Sprint(sum) != fmt.Sprint(want) {
		t.Fatalf("summary %v, want %v", sum, want)
	}
}

func TestBulkFeaturesAndSettings(t *testing.T) {
	s := newTestServer(t, Options{NoRateLimits: true, Seed: seedSmall(), FeaturesInterval: -1, Tier: "pro"})
	c := newClient(t, s)
	var res struct {
		Success []string     `json:"success_user_ids"`
		Fail    []failDetail `json:"fail_details"`
	}
	c.ok("POST", "/users/features", map[string]any{"feature_type": "webinar", "feature_value": "64",
		"users": []map[string]string{{"id": "u-ann"}, {"email": "BOB@test.example"}, {"email": "ghost@test.example"}}}, 201, &res)
	// Bob is a Basic (free) user: add-ons go on licensed users only.
	if fmt.Sprint(res.Success) != "[u-ann]" || fmt.Sprint(res.Fail) != "[{Can't update for free users [u-bob]} {Users not found [ghost@test.example]}]" {
		t.Fatalf("answer %+v", res)
	}
	c.ok("POST", "/users/features", map[string]any{"feature_type": "webinar", "feature_value": "64",
		"users": []map[string]string{{"id": "u-ann"}}}, 201, &res)
	if len(res.Success) != 0 || res.Fail[0].Reason != "No need to update" {
		t.Fatalf("answer %+v", res)
	}
	c.ok("POST", "/users/features", map[string]any{"feature_type": "large_meeting", "feature_value": "256",
		"users": []map[string]string{{"id": "u-ann"}}, "subscription_id": "SUBREF-1"}, 201, nil)

	var set struct {
		Feature featureSettingsJSON `json:"feature"`
	}
	c.ok("GET", "/users/u-ann/settings", nil, 200, &set)
	f := set.Feature
	if !f.Webinar || f.WebinarCapacity != 1000 || !f.LargeMeeting || f.LargeMeetingCapacity != 1000 || f.MeetingCapacity != 100 || f.ConcurrentMeeting != "None" {
		t.Fatalf("settings %+v", f)
	}
	// "0" turns the feature off; turning off what is off needs no update.
	c.ok("POST", "/users/features", map[string]any{"feature_type": "webinar", "feature_value": "0",
		"users": []map[string]string{{"id": "u-ann"}}}, 201, nil)
	if u := s.mustUser(t, "ann@test.example"); u.Features["webinar"] != "" || u.Features["large_meeting"] != "256" {
		t.Fatalf("features %v", u.Features)
	}
	c.ok("GET", "/users/u-ann/settings", nil, 200, &set)
	if set.Feature.Webinar {
		t.Fatal("webinar still on")
	}
	// user_type changes the type.
	c.ok("POST", "/users/features", map[string]any{"feature_type": "user_type", "feature_value": "2",
		"users": []map[string]string{{"id": "u-bob"}}}, 201, &res)
	if u := s.mustUser(t, "bob@test.example"); u.Type != 2 || fmt.Sprint(res.Success) != "[u-bob]" {
		t.Fatalf("type %d, answer %+v", u.Type, res)
	}

	users31 := make([]map[string]string, 31)
	for i := range users31 {
		users31[i] = map[string]string{"id": fmt.Sprint("u", i)}
	}
	tests := []struct {
		name  string
		body  map[string]any
		field string
		msg   string
	}{
		{"no type", map[string]any{"feature_value": "1", "users": users31[:1]}, "feature_type", ""},
		{"bad type", map[string]any{"feature_type": "teleport", "feature_value": "1", "users": users31[:1]}, "feature_type", ""},
		{"no value", map[string]any{"feature_type": "webinar", "users": users31[:1]}, "feature_value", ""},
		{"bad value", map[string]any{"feature_type": "webinar", "feature_value": "2", "users": users31[:1]}, "feature_value", ""},
		{"bad bool", map[string]any{"feature_type": "zoom_whiteboard", "feature_value": "yes", "users": users31[:1]}, "feature_value", ""},
		{"no users", map[string]any{"feature_type": "webinar", "feature_value": "1"}, "users", ""},
		{"31 users", map[string]any{"feature_type": "webinar", "feature_value": "1", "users": users31}, "users", ""},
		{"subscription", map[string]any{"feature_type": "webinar", "feature_value": "1", "users": users31[:1], "subscription_id": "SUBREF-X"}, "",
			`The subscription "SUBREF-X" you entered does not exist. Please choose a different subscription and try again.`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := wantErr(t, c.do("POST", "/users/features", tt.body), 400, 300, tt.msg)
			if tt.field != "" && (len(e.Errors) != 1 || e.Errors[0].Field != tt.field) {
				t.Fatalf("error %+v, want field %s", e, tt.field)
			}
		})
	}
}
