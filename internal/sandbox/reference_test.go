package sandbox

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestDeleteRecordsTransfers: every transfer_* flag Zoom's OpenAPI file lists
// is honoured, and what moved to whom is recorded.
func TestDeleteRecordsTransfers(t *testing.T) {
	s := newTestServer(t, Options{NoRateLimits: true, Seed: seedSmall()})
	c := newClient(t, s)
	all := "transfer_meeting=true&transfer_webinar=true&transfer_recording=true&transfer_whiteboard=true" +
		"&transfer_clipfiles=true&transfer_notes=true&transfer_visitors=true&transfer_docs=true"
	c.ok("DELETE", "/users/bob@test.example?action=delete&transfer_email=ann@test.example&"+all, nil, 204, nil)
	c.ok("DELETE", "/users/u-ina?transfer_email=ann@test.example&transfer_whiteboard=true&transfer_meeting=false", nil, 204, nil)
	// A recipient without flags receives nothing; flags without a recipient
	// move nothing.
	c.ok("POST", "/users", createBody("autoCreate", "x1@x.example", 1), 201, nil)
	c.ok("POST", "/users", createBody("autoCreate", "x2@x.example", 1), 201, nil)
	c.ok("DELETE", "/users/x1@x.example?transfer_email=ann@test.example", nil, 204, nil)
	c.ok("DELETE", "/users/x2@x.example?transfer_meeting=true", nil, 204, nil)

	got := s.Transfers()
	want := []Transfer{
		{FromID: "u-bob", FromEmail: "bob@test.example", ToID: "u-ann", ToEmail: "ann@test.example", Action: "delete",
			What: []string{"meeting", "webinar", "recording", "whiteboard", "clipfiles", "notes", "visitors", "docs"}},
		{FromID: "u-ina", FromEmail: "ina@test.example", ToID: "u-ann", ToEmail: "ann@test.example", Action: "disassociate",
			What: []string{"whiteboard"}},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("transfers\n got %+v\nwant %+v", got, want)
	}
	wantErr(t, c.do("DELETE", "/users/u-pat?transfer_email=ann@test.example&transfer_docs=yes", nil), 400, 300, "")
}

func TestUpdateUserStoresEveryReferenceField(t *testing.T) {
	s := newTestServer(t, Options{NoRateLimits: true, Seed: seedSmall()})
	c := newClient(t, s)
	body := map[string]any{
		"pronouns": "they/them", "pronouns_option": 2, "phone_country": "US", "about_me": "Plays the cello.",
		"linkedin_url": "https://www.linkedin.com/in/ann", "host_key": "012345", "vanity_name": "ann.lee",
		"use_pmi": true, "cms_user_id": "kaltura-1",
		"phone_numbers":     []map[string]string{{"code": "+1", "country": "US", "label": "Mobile", "number": "5550100"}},
		"custom_attributes": []map[string]string{{"key": "k1", "name": "Badge", "value": "42"}},
		"feature":           map[string]any{"zoom_phone": true},
	}
	c.ok("PATCH", "/users/u-ann", body, 204, nil)
	u := s.mustUser(t, "ann@test.example")
	if u.Pronouns != "they/them" || u.PronounsOption != 2 || u.PhoneCountry != "US" || u.AboutMe != "Plays the cello." ||
		u.LinkedInURL != "https://www.linkedin.com/in/ann" || u.HostKey != "012345" || u.VanityName != "ann.lee" ||
		!u.UsePMI || u.CMSUserID != "kaltura-1" || len(u.PhoneNumbers) != 1 || u.PhoneNumbers[0].Number != "5550100" ||
		len(u.CustomAttributes) != 1 || !u.ZoomPhone {
		t.Fatalf("stored %+v", u)
	}
	var got map[string]any
	c.ok("GET", "/users/u-ann?include_fields=host_key", nil, 200, &got)
	for k, v := range map[string]any{"pronouns": "they/them", "pronouns_option": 2.0, "phone_country": "US",
		"about_me": "Plays the cello.", "linkedin_url": "https://www.linkedin.com/in/ann", "use_pmi": true,
		"vanity_url": "https://zoom.us/my/ann.lee", "cms_user_id": "kaltura-1", "host_key": "012345"} {
		if got[k] != v {
			t.Errorf("GET %s = %#v, want %#v", k, got[k], v)
		}
	}
	got = nil
	c.ok("GET", "/users/u-ann", nil, 200, &got)
	if _, ok := got["host_key"]; ok {
		t.Error("host_key answered without include_fields=host_key")
	}

	tests := []struct {
		name   string
		body   map[string]any
		status int
		code   int
		msg    string
	}{
		{"host_key as a number", map[string]any{"host_key": 12345}, 400, 300, ""},
		{"host_key too short", map[string]any{"host_key": "123"}, 400, 300, ""},
		{"pronouns_option 4", map[string]any{"pronouns_option": 4}, 400, 300, ""},
		{"about_me with a link", map[string]any{"about_me": "see https://x.example"}, 400, 300, "The `about_me` field is illegal and can't contain hyperlinks or HTML code."},
		{"about_me with HTML", map[string]any{"about_me": "<b>hi</b>"}, 400, 300, ""},
		{"linkedin_url elsewhere", map[string]any{"linkedin_url": "https://example.com/ann"}, 400, 300, "The `linkedin_url` field is illegal. The URL must contain `linkedin.com`."},
		{"phone label", map[string]any{"phone_numbers": []map[string]string{{"label": "Car"}}}, 400, 300, ""},
		{"vanity name taken", map[string]any{"vanity_name": "ANN.LEE"}, 400, 4100, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantErr(t, c.do("PATCH", "/users/u-bob", tt.body), tt.status, tt.code, tt.msg)
		})
	}
	if u := s.mustUser(t, "bob@test.example"); u.VanityName != "" || u.HostKey != "" {
		t.Fatalf("a refused PATCH changed bob: %+v", u)
	}
}

func TestReferenceErrorCodes(t *testing.T) {
	seed := seedSmall()
	seed.ExternalUsers = []string{"elsewhere@x.example"}
	seed.Users = append(seed.Users, SeedUser{Email: "late@test.example", Type: 1, Status: "pending", ID: "u-late", InvitationExpired: true})
	// seedSmall: 3 licensed (owner, admin, ann), 3 basic seats taken with
	// late (bob, pat, late; ina is deactivated and holds none).
	s := newTestServer(t, Options{NoRateLimits: true, Seed: seed, BasicSeats: 5, NoMeetingSeats: 1, FeaturesInterval: -1})
	c0 := newClient(t, s)
	c0.ok("POST", "/users", createBody("autoCreate", "b4@x.example", 1), 201, nil)
	c := newClient(t, s)

	// 1009: an address with a Zoom account elsewhere is invited, not created.
	wantErr(t, c.do("POST", "/users", createBody("autoCreate", "elsewhere@x.example", 1)), 400, 1009, "The user elsewhere@x.example already holds an active account.")
	c.ok("POST", "/users", createBody("create", "elsewhere@x.example", 1), 201, nil) // the 5th basic user
	// 2033 creating a basic user past the cap; 3412 converting to one.
	wantErr(t, c.do("POST", "/users", createBody("autoCreate", "b6@x.example", 1)), 400, 2033, "")
	e := wantErr(t, c.do("PATCH", "/users/u-ann", map[string]any{"type": 1}), 400, 3412, "")
	if !strings.Contains(e.Message, `"Licensed" user to a "Basic" user`) || !strings.Contains(e.Message, `"5"`) {
		t.Errorf("3412 message %q", e.Message)
	}
	// Ina is deactivated: activating her needs a basic seat (2033).
	wantErr(t, c.do("PUT", "/users/u-ina/status", map[string]any{"action": "activate"}), 400, 2033, "")
	c.ok("PATCH", "/users/u-bob", map[string]any{"type": 4}, 204, nil) // frees a basic seat
	c.ok("PUT", "/users/u-ina/status", map[string]any{"action": "activate"}, 200, nil)
	wantErr(t, c.do("PATCH", "/users/u-ina", map[string]any{"type": 4}), 400, 3412, "")
	wantErr(t, c.do("POST", "/users", createBody("autoCreate", "nm@x.example", 4)), 400, 3412, "")
	// 1120: a pending user whose invitation ran out.
	for _, call := range []struct{ method, path string }{
		{"PATCH", "/users/u-late"}, {"DELETE", "/users/u-late"}, {"PUT", "/users/u-late/status"}, {"PATCH", "/users/u-late/settings"},
	} {
		var body any
		switch call.method {
		case "PATCH":
			body = map[string]any{"dept": "x"}
			if strings.HasSuffix(call.path, "settings") {
				body = map[string]any{"recording": map[string]any{"cloud_recording": false}}
			}
		case "PUT":
			body = map[string]any{"action": "activate"}
		}
		wantErr(t, c.do(call.method, call.path, body), 400, 1120, "A valid invitation to join the Zoom account was not found for this user.")
	}
}

func TestFeaturesFreeUsersAndSeats(t *testing.T) {
	s := newTestServer(t, Options{NoRateLimits: true, Seed: seedSmall(), FeaturesInterval: -1, FeatureSeats: map[string]int{"webinar": 2}})
	c := newClient(t, s)
	type answer struct {
		Success []string     `json:"success_user_ids"`
		Fail    []failDetail `json:"fail_details"`
	}
	users := []map[string]string{{"id": "u-owner"}, {"id": "u-admin"}, {"id": "u-ann"}, {"id": "u-bob"}}
	var a answer
	c.ok("POST", "/users/features", map[string]any{"feature_type": "webinar", "feature_value": "1", "users": users}, 201, &a)
	if fmt.Sprint(a.Success) != "[u-owner u-admin]" ||
		fmt.Sprint(a.Fail) != "[{Not enough seats [u-ann]} {Can't update for free users [u-bob]}]" {
		t.Fatalf("answer %+v", a)
	}
	// Turning a feature off frees its seat.
	c.ok("POST", "/users/features", map[string]any{"feature_type": "webinar", "feature_value": "0", "users": users[:1]}, 201, nil)
	c.ok("POST", "/users/features", map[string]any{"feature_type": "webinar", "feature_value": "1", "users": users[2:3]}, 201, &a)
	if fmt.Sprint(a.Success) != "[u-ann]" {
		t.Fatalf("answer %+v", a)
	}

	free := newTestServer(t, Options{NoRateLimits: true, Seed: seedSmall(), FeaturesInterval: -1, Tier: "free"})
	fc := newClient(t, free)
	wantErr(t, fc.do("POST", "/users/features", map[string]any{"feature_type": "webinar", "feature_value": "1", "users": users[:1]}),
		400, 200, "Current account must be a paid account.")
}

func TestTokenErrorsAs400WhereTheReferenceSaysSo(t *testing.T) {
	for _, as400 := range []bool{false, true} {
		s := newTestServer(t, Options{NoRateLimits: true, Seed: seedSmall(), TokenErrorsAs400: as400})
		c := newClient(t, s)
		c.tok = "not-a-token"
		want := 401
		if as400 {
			want = 400
		}
		wantErr(t, c.do("GET", "/users", nil), want, 124, "Invalid access token.")
		wantErr(t, c.do("GET", "/users/summary", nil), want, 124, "")
		wantErr(t, c.do("GET", "/users/u-ann/token?type=zak", nil), want, 124, "")
		wantErr(t, c.do("GET", "/users/u-ann", nil), 401, 124, "") // Get a user lists no 400/124
	}
}

func TestUserSettingsSectionsAndPatch(t *testing.T) {
	s := newTestServer(t, Options{NoRateLimits: true, Seed: seedSmall()})
	c := newClient(t, s)
	var set map[string]any
	c.ok("GET", "/users/u-ann/settings", nil, 200, &set)
	for _, sec := range []string{"audio_conferencing", "email_notification", "feature", "in_meeting", "profile",
		"recording", "schedule_meeting", "telephony", "tsp", "whiteboard"} {
		if _, ok := set[sec].(map[string]any); !ok {
			t.Errorf("section %s missing: %v", sec, set[sec])
		}
	}
	// Partial and nested: other keys of the section keep their values.
	c.ok("PATCH", "/users/u-ann/settings", map[string]any{
		"recording":  map[string]any{"cloud_recording": false, "auto_recording": "cloud"},
		"in_meeting": map[string]any{"waiting_room": true},
	}, 204, nil)
	c.ok("PATCH", "/users/u-ann/settings", map[string]any{"recording": map[string]any{"local_recording": false}}, 204, nil)
	c.ok("GET", "/users/u-ann/settings", nil, 200, &set)
	rec, inm := set["recording"].(map[string]any), set["in_meeting"].(map[string]any)
	if rec["cloud_recording"] != false || rec["auto_recording"] != "cloud" || rec["local_recording"] != false ||
		rec["record_speaker_view"] != true || inm["waiting_room"] != true || inm["chat"] != true {
		t.Fatalf("after PATCH: recording %v, in_meeting waiting_room %v chat %v", rec, inm["waiting_room"], inm["chat"])
	}
	// Other users keep the defaults.
	c.ok("GET", "/users/u-bob/settings", nil, 200, &set)
	if set["recording"].(map[string]any)["cloud_recording"] != true {
		t.Fatal("bob's settings changed with ann's")
	}
	for name, body := range map[string]any{
		"bad enum":         map[string]any{"recording": map[string]any{"auto_recording": "sometimes"}},
		"wrong type":       map[string]any{"recording": map[string]any{"cloud_recording": "yes"}},
		"section not obj":  map[string]any{"recording": true},
		"unknown section":  map[string]any{"recordings": map[string]any{}},
		"nothing to patch": map[string]any{},
	} {
		t.Run(name, func(t *testing.T) {
			wantErr(t, c.do("PATCH", "/users/u-bob/settings", body), 400, 300, "")
		})
	}
	if st := s.Stats(); st.ByCategory["Medium"] < 4 || st.Applied["PATCH /users/{userId}/settings"] != 2 {
		t.Fatalf("stats %+v", st)
	}
}

func TestPageNumberAndPageSizeLimits(t *testing.T) {
	s := newTestServer(t, Options{NoRateLimits: true, Users: 95})
	c := newClient(t, s)
	var all []string
	for tok := ""; ; {
		var p userPage
		c.ok("GET", "/users?page_size=40&next_page_token="+tok, nil, 200, &p)
		for _, u := range p.Users {
			all = append(all, u.Email)
		}
		if tok = p.NextPageToken; tok == "" {
			break
		}
	}
	var byNumber []string
	for n := 1; ; n++ {
		var p userPage
		c.ok("GET", fmt.Sprintf("/users?page_size=40&page_number=%d", n), nil, 200, &p)
		if p.PageNumber != n {
			t.Fatalf("page_number %d answered as %d", n, p.PageNumber)
		}
		if len(p.Users) == 0 {
			break
		}
		for _, u := range p.Users {
			byNumber = append(byNumber, u.Email)
		}
	}
	if !slices.Equal(all, byNumber) || len(all) == 0 {
		t.Fatalf("page_number pages (%d users) differ from token pages (%d users)", len(byNumber), len(all))
	}
	wantErr(t, c.do("GET", "/users?page_number=0", nil), 400, 300, "")

	// The OpenAPI file's maximum and default page_size per listing: past
	// the maximum Zoom refuses (300), and LenientBatches clamps instead.
	lenient := newClient(t, newTestServer(t, Options{NoRateLimits: true, Seed: seedSmall(), LenientBatches: true}))
	for _, tt := range []struct {
		path      string
		def, most int
	}{
		{"/users", 30, 2000},
		{"/contacts/groups", 10, 50},
		{"/divisions", 30, 300},
		{"/groups", 30, 300},
	} {
		for q, want := range map[string]int{"": tt.def, fmt.Sprintf("?page_size=%d", tt.most): tt.most} {
			var p struct {
				PageSize *int `json:"page_size"`
			}
			c.ok("GET", tt.path+q, nil, 200, &p)
			if p.PageSize != nil && *p.PageSize != want {
				t.Errorf("GET %s%s: page_size %d, want %d", tt.path, q, *p.PageSize, want)
			}
		}
		over := fmt.Sprintf("%s?page_size=%d", tt.path, tt.most+1)
		wantErr(t, c.do("GET", over, nil), 400, 300, "")
		var p struct {
			PageSize *int `json:"page_size"`
		}
		lenient.ok("GET", over, nil, 200, &p)
		if p.PageSize != nil && *p.PageSize != tt.most {
			t.Errorf("lenient GET %s: page_size %d, want %d", over, *p.PageSize, tt.most)
		}
	}
}

// By default add-ons go to licensed users only, as Zoom grants them;
// FreeAddOns grants them to anyone.
func TestFeaturesForFreeUsers(t *testing.T) {
	for _, tc := range []struct {
		name      string
		free      bool
		succeeded string
		reason    string
	}{
		{name: "as Zoom does", succeeded: "[]", reason: "Can't update for free users"},
		{name: "FreeAddOns", free: true, succeeded: "[u-bob]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestServer(t, Options{NoRateLimits: true, Seed: seedSmall(), FeaturesInterval: -1, FreeAddOns: tc.free})
			c := newClient(t, s)
			var a struct {
				Success []string     `json:"success_user_ids"`
				Fail    []failDetail `json:"fail_details"`
			}
			c.ok("POST", "/users/features", map[string]any{"feature_type": "webinar", "feature_value": "1", "users": []map[string]string{{"id": "u-bob"}}}, 201, &a)
			if fmt.Sprint(a.Success) != tc.succeeded {
				t.Errorf("succeeded %v, want %s", a.Success, tc.succeeded)
			}
			if tc.reason != "" && (len(a.Fail) != 1 || a.Fail[0].Reason != tc.reason) {
				t.Errorf("fail_details %+v, want %q", a.Fail, tc.reason)
			}
		})
	}
}

// Zoom takes at most 10 group admins and 30 assistants in one call and
// refuses the whole call past that; LenientBatches takes them.
func TestBatchMaxima(t *testing.T) {
	seed := seedSmall()
	for i := range 31 {
		seed.Users = append(seed.Users, SeedUser{ID: fmt.Sprintf("u-extra%02d", i), Email: fmt.Sprintf("extra%02d@acme.test", i), Type: 2})
	}
	refs := func(n int) []map[string]string {
		out := make([]map[string]string, n)
		for i := range out {
			out[i] = map[string]string{"id": fmt.Sprintf("u-extra%02d", i)}
		}
		return out
	}
	for _, lenient := range []bool{false, true} {
		s := newTestServer(t, Options{NoRateLimits: true, Seed: seed, LenientBatches: lenient})
		c := newClient(t, s)
		for _, tc := range []struct {
			path, key string
			most      int
		}{
			{"/groups/grp-sales/admins", "admins", 10},
			{"/users/u-owner/assistants", "assistants", 30},
		} {
			if lenient {
				c.ok("POST", tc.path, map[string]any{tc.key: refs(tc.most + 1)}, 201, nil)
				continue
			}
			wantErr(t, c.do("POST", tc.path, map[string]any{tc.key: refs(tc.most + 1)}), 400, 300, "")
			c.ok("POST", tc.path, map[string]any{tc.key: refs(tc.most)}, 201, nil)
		}
	}
}

func TestGroupOfAnotherAccount(t *testing.T) {
	seed := seedSmall()
	seed.ForeignGroupIDs = []string{"grp-elsewhere"}
	s := newTestServer(t, Options{NoRateLimits: true, Seed: seed})
	c := newClient(t, s)
	for _, call := range []struct{ method, path string }{
		{"GET", "/groups/grp-elsewhere"},
		{"DELETE", "/groups/grp-elsewhere/members/u-ann"},
		{"GET", "/groups/grp-elsewhere/members"},
	} {
		wantErr(t, c.do(call.method, call.path, nil), 400, 1010, "Group does not belong to this account:acct-1.")
	}
	wantErr(t, c.do("GET", "/groups/grp-nowhere", nil), 404, 4130, "")
}

// Numbered pages follow the account as it changes: after a user is
// deleted or deactivated, page N starts where walking the listing says,
// not where it started before (the page starts are kept between writes).
func TestPageNumbersAfterWrites(t *testing.T) {
	s := newTestServer(t, Options{NoRateLimits: true, Users: 95})
	c := newClient(t, s)
	walk := func(status string) (byToken, byNumber []string) {
		for tok := ""; ; {
			var p userPage
			c.ok("GET", "/users?status="+status+"&page_size=30&next_page_token="+tok, nil, 200, &p)
			for _, u := range p.Users {
				byToken = append(byToken, u.Email)
			}
			if tok = p.NextPageToken; tok == "" {
				break
			}
		}
		for n := 1; n < 10; n++ {
			var p userPage
			c.ok("GET", fmt.Sprintf("/users?status=%s&page_size=30&page_number=%d", status, n), nil, 200, &p)
			for _, u := range p.Users {
				byNumber = append(byNumber, u.Email)
			}
		}
		return byToken, byNumber
	}
	check := func(when string) {
		t.Helper()
		for _, status := range []string{"active", "inactive"} {
			byToken, byNumber := walk(status)
			if !slices.Equal(byToken, byNumber) || status == "active" && len(byToken) < 31 {
				t.Fatalf("%s, %s: by number %d users %v, by token %d %v", when, status, len(byNumber), byNumber, len(byToken), byToken)
			}
		}
	}
	check("at first")
	var p userPage
	c.ok("GET", "/users?page_size=10", nil, 200, &p)
	c.ok("DELETE", "/users/"+p.Users[8].ID+"?action=delete", nil, 204, nil)
	check("after a delete")
	c.ok("PUT", "/users/"+p.Users[9].ID+"/status", map[string]any{"action": "deactivate"}, 200, nil)
	check("after a deactivation")
}
