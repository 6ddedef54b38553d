package sandbox

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestUpdateEmail(t *testing.T) {
	clock := newFakeClock()
	seed := seedSmall()
	seed.ManagedDomains = []string{"test.example", "new.example"}
	seed.ExternalUsers = []string{"taken@new.example"}
	s := newTestServer(t, Options{NoRateLimits: true, Seed: seed, Now: clock.Now, TokenTTL: 72 * time.Hour})
	c := newClient(t, s)

	c.ok("PUT", "/users/ann@test.example/email", map[string]any{"email": "ann@new.example"}, 204, nil)
	u := s.mustUser(t, "ann@new.example")
	if u.ID != "u-ann" || fmt.Sprint(u.PreviousEmails) != "[ann@test.example]" {
		t.Fatalf("after change: %+v", u)
	}
	if _, ok := s.UserByEmail("ann@test.example"); ok {
		t.Fatal("the old address still finds the user")
	}
	var chk struct {
		Existed bool `json:"existed_email"`
	}
	c.ok("GET", "/users/email?email=ann@new.example", nil, 200, &chk)
	if !chk.Existed {
		t.Fatal("Check a user email does not see the new address")
	}

	tests := []struct {
		name, user, email string
		status, code      int
	}{
		{"taken in the account", "u-bob", "ANN@new.example", 409, 1005},
		{"taken elsewhere in Zoom", "u-bob", "taken@new.example", 409, 1005},
		{"not a managed domain", "u-bob", "bob@other.example", 400, 300},
		{"not an address", "u-bob", "bob@", 400, 300},
		{"an admin", "u-admin", "admin@new.example", 400, 1000},
		{"no such user", "nobody@test.example", "x@new.example", 404, 1001},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantErr(t, c.do("PUT", "/users/"+tt.user+"/email", map[string]any{"email": tt.email}), tt.status, tt.code, "")
		})
	}
	wantErr(t, c.do("PUT", "/users/u-bob/email", map[string]any{}), 400, 300, "")

	// Three changes in any 24 hours; the fourth waits until the first is a
	// day old. Ann has changed once already.
	clock.Advance(time.Hour)
	c.ok("PUT", "/users/u-ann/email", map[string]any{"email": "ann2@new.example"}, 204, nil)
	c.ok("PUT", "/users/u-ann/email", map[string]any{"email": "ann3@new.example"}, 204, nil)
	wantErr(t, c.do("PUT", "/users/u-ann/email", map[string]any{"email": "ann4@new.example"}), 400, 300,
		"A user's email address can be changed up to 3 times in any 24 hour period.")
	clock.Advance(23 * time.Hour)
	c.ok("PUT", "/users/u-ann/email", map[string]any{"email": "ann4@new.example"}, 204, nil)
	if st := s.Stats(); st.Calls["PUT /users/{userId}/email"] != 12 || st.Applied["PUT /users/{userId}/email"] != 4 {
		t.Fatalf("stats calls %d applied %d", st.Calls["PUT /users/{userId}/email"], st.Applied["PUT /users/{userId}/email"])
	}
}

func TestManagedDomainsDefaultToTheUsersDomains(t *testing.T) {
	s := newTestServer(t, Options{NoRateLimits: true, Seed: seedSmall()})
	c := newClient(t, s)
	c.ok("PUT", "/users/u-bob/email", map[string]any{"email": "robert@test.example"}, 204, nil)
	wantErr(t, c.do("PUT", "/users/u-ann/email", map[string]any{"email": "ann@elsewhere.example"}), 400, 300, "")
}

func TestRevokeSSOToken(t *testing.T) {
	s := newTestServer(t, Options{NoRateLimits: true, Seed: seedSmall()})
	c := newClient(t, s)
	c.ok("DELETE", "/users/bob@test.example/token", nil, 204, nil)
	if u := s.mustUser(t, "bob@test.example"); u.SSOTokenRevocations != 1 {
		t.Fatalf("revocations %d", u.SSOTokenRevocations)
	}
	wantErr(t, c.do("DELETE", "/users/ghost@test.example/token", nil), 404, 1001, "")
	var tok struct {
		Token string `json:"token"`
	}
	c.ok("GET", "/users/u-bob/token?type=zak", nil, 200, &tok)
	before := tok.Token
	c.ok("DELETE", "/users/u-bob/token", nil, 204, nil)
	c.ok("GET", "/users/u-bob/token?type=zak", nil, 200, &tok)
	if tok.Token == before || tok.Token == "" {
		t.Errorf("ZAK %q before and %q after a revocation", before, tok.Token)
	}
	wantErr(t, c.do("GET", "/users/u-bob/token?type=pin", nil), 400, 300, "")
	if st := s.Stats(); st.ByCategory[Light] != 6 {
		t.Fatalf("Light calls %d, want 6", st.ByCategory[Light])
	}
}

func pngBytes(t *testing.T, pad int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return append(b.Bytes(), make([]byte, pad)...)
}

// upload sends data as pic_file (or under field) in a multipart body.
func upload(t *testing.T, c *client, user, field string, data []byte) *result {
	t.Helper()
	return uploadTo(t, c, "/users/"+user+"/picture", field, "profile.png", data)
}

// uploadTo posts data as the file name in field of a multipart body to
// path (below /v2).
func uploadTo(t *testing.T, c *client, path, field, name string, data []byte) *result {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile(field, name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", c.base+"/v2"+path, &body)
	req.Header.Set("Authorization", "Bearer "+c.tok)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := c.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var raw bytes.Buffer
	raw.ReadFrom(resp.Body)
	return &result{status: resp.StatusCode, hdr: resp.Header, raw: raw.Bytes()}
}

func TestUploadPicture(t *testing.T) {
	s := newTestServer(t, Options{NoRateLimits: true, Seed: seedSmall()})
	c := newClient(t, s)
	if r := upload(t, c, "u-ann", "pic_file", pngBytes(t, 0)); r.status != 201 {
		t.Fatalf("upload: %d %s", r.status, r.raw)
	}
	if u := s.mustUser(t, "ann@test.example"); u.Picture != "image/png" {
		t.Fatalf("picture %q", u.Picture)
	}
	jpeg := append([]byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F', 0}, make([]byte, 100)...)
	if r := upload(t, c, "u-bob", "pic_file", jpeg); r.status != 201 {
		t.Fatalf("jpeg upload: %d %s", r.status, r.raw)
	}
	tests := []struct {
		name, field string
		data        []byte
		code        int
		msg         string
	}{
		{"empty", "pic_file", nil, 120, "File is empty."},
		{"over 2 MB", "pic_file", pngBytes(t, 2<<20), 120, "File size cannot exceed 2M."},
		{"a GIF named .png", "pic_file", []byte("GIF89a......"), 120, "Only jpg/jpeg or png image file can be uploaded."},
		{"wrong field", "picture", pngBytes(t, 0), 300, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantErr(t, upload(t, c, "u-bob", tt.field, tt.data), 400, tt.code, tt.msg)
		})
	}
	wantErr(t, upload(t, c, "ghost", "pic_file", pngBytes(t, 0)), 404, 1001, "")
	wantErr(t, c.do("POST", "/users/u-bob/picture", map[string]any{"pic_file": "x.png"}), 400, 300, "")
	c.ok("DELETE", "/users/u-ann/picture", nil, 204, nil)
	if u := s.mustUser(t, "ann@test.example"); u.Picture != "" {
		t.Fatal("picture not deleted")
	}
	if st := s.Stats(); st.ByCategory[Medium] != st.Calls["POST /users/{userId}/picture"]+1 {
		t.Fatalf("stats %+v", st)
	}
}

// A Virtual Background file is taken from the multipart field "file": an
// image is listed in the owner's settings under its name; no file, an
// empty one, or one that is not an image is refused with code 120.
func TestUploadVirtualBackground(t *testing.T) {
	s := newTestServer(t, Options{NoRateLimits: true, Seed: seedSmall()})
	c := newClient(t, s)
	const path = "/users/u-ann/settings/virtual_backgrounds"
	if r := uploadTo(t, c, path, "file", "beach.png", pngBytes(t, 0)); r.status != 201 {
		t.Fatalf("upload: %d %s", r.status, r.raw)
	}
	var settings struct {
		InMeeting struct {
			VB struct {
				Files []struct {
					Name string `json:"name"`
				} `json:"files"`
			} `json:"virtual_background_settings"`
		} `json:"in_meeting"`
	}
	c.ok("GET", "/users/u-ann/settings", nil, 200, &settings)
	if f := settings.InMeeting.VB.Files; len(f) != 1 || f[0].Name != "beach.png" {
		t.Fatalf("files %+v, want beach.png", f)
	}
	for _, tt := range []struct {
		name, field string
		data        []byte
		msg         string
	}{
		{"wrong field", "picture", pngBytes(t, 0), "No file uploaded, verify that a file has been uploaded."},
		{"empty", "file", nil, "No file uploaded, verify that a file has been uploaded."},
		{"not an image", "file", []byte("hello, world"), "Only jpg/jpeg, gif or png image file can be uploaded."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			wantErr(t, uploadTo(t, c, path, tt.field, "x.png", tt.data), 400, 120, tt.msg)
		})
	}
	wantErr(t, c.do("POST", path, map[string]any{"file": "x.png"}), 400, 120, "No file uploaded, verify that a file has been uploaded.")
}

// A user's schedulers are the users who made them an assistant, each with
// their ID, email and PMI as the reference lists them; deleting them takes
// the user off every one's assistants.
func TestSchedulers(t *testing.T) {
	seed := seedSmall()
	seed.Users = append(seed.Users, SeedUser{Email: "eve@test.example", Type: 2, ID: "u-eve"},
		SeedUser{Email: "max@test.example", Type: 2, ID: "u-max", PMI: 5551234567})
	s := newTestServer(t, Options{NoRateLimits: true, Seed: seed})
	c := newClient(t, s)
	c.ok("POST", "/users/u-max/assistants", map[string]any{"assistants": []map[string]any{{"id": "u-eve"}}}, 201, nil)
	c.ok("POST", "/users/u-ann/assistants", map[string]any{"assistants": []map[string]any{{"id": "u-eve"}}}, 201, nil)
	type scheduler struct {
		ID    string `json:"id"`
		Email string `json:"email"`
		PMI   int64  `json:"pmi"`
	}
	var list struct {
		Schedulers []scheduler `json:"schedulers"`
	}
	c.ok("GET", "/users/eve@test.example/schedulers", nil, 200, &list)
	ann := s.mustUser(t, "ann@test.example")
	want := []scheduler{{"u-ann", "ann@test.example", ann.PMI}, {"u-max", "max@test.example", 5551234567}}
	if fmt.Sprint(list.Schedulers) != fmt.Sprint(want) || ann.PMI == 0 {
		t.Fatalf("schedulers %+v, want %+v", list.Schedulers, want)
	}
	c.ok("DELETE", "/users/u-eve/schedulers", nil, 204, nil)
	c.ok("GET", "/users/u-eve/schedulers", nil, 200, &list)
	if len(list.Schedulers) != 0 || len(s.mustUser(t, "max@test.example").Assistants) != 0 {
		t.Fatalf("after delete: %+v", list)
	}
}

func TestAssistants(t *testing.T) {
	seed := seedSmall()
	seed.Users = append(seed.Users, SeedUser{Email: "eve@test.example", Type: 2, ID: "u-eve"}, SeedUser{Email: "max@test.example", Type: 2, ID: "u-max"})
	s := newTestServer(t, Options{NoRateLimits: true, Seed: seed})
	c := newClient(t, s)
	var added struct {
		IDs   string `json:"ids"`
		AddAt string `json:"add_at"`
	}
	c.ok("POST", "/users/u-ann/assistants", map[string]any{"assistants": []map[string]any{{"id": "u-eve"}, {"email": "MAX@test.example"}}}, 201, &added)
	if added.IDs != "u-eve,u-max" || added.AddAt == "" {
		t.Fatalf("answer %+v", added)
	}
	var list struct {
		Assistants []assistantJSON `json:"assistants"`
	}
	c.ok("GET", "/users/ann@test.example/assistants", nil, 200, &list)
	if fmt.Sprint(list.Assistants) != "[{u-eve eve@test.example false} {u-max max@test.example false}]" {
		t.Fatalf("list %+v", list)
	}
	for _, tt := range []struct {
		name, user string
		ref        map[string]any
		msg        string
	}{
		{"already one", "u-ann", map[string]any{"id": "u-eve"}, "User eve@test.example has already granted scheduling privilege."},
		{"yourself", "u-ann", map[string]any{"email": "ann@test.example"}, "Can't assign scheduling privilege to yourself."},
		{"unknown", "u-ann", map[string]any{"email": "ghost@test.example"}, "Can't find user ghost@test.example."},
		{"basic assistant", "u-ann", map[string]any{"id": "u-bob"}, "The user must either be a Licensed user or an On-prem user : bob@test.example."},
		{"basic user", "u-bob", map[string]any{"id": "u-eve"}, "The user must either be a Licensed user or an On-prem user : u-bob."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			wantErr(t, c.do("POST", "/users/"+tt.user+"/assistants", map[string]any{"assistants": []any{tt.ref}}), 400, 200, tt.msg)
		})
	}
	c.ok("DELETE", "/users/u-ann/assistants/eve@test.example", nil, 204, nil)
	wantErr(t, c.do("DELETE", "/users/u-ann/assistants/u-eve", nil), 404, 1001, "")
	// A deleted user stops being anyone's assistant.
	c.ok("DELETE", "/users/u-max?action=delete", nil, 204, nil)
	if u := s.mustUser(t, "ann@test.example"); len(u.Assistants) != 0 {
		t.Fatalf("assistants %v", u.Assistants)
	}
	c.ok("POST", "/users/u-ann/assistants", map[string]any{"assistants": []map[string]any{{"id": "u-eve"}}}, 201, nil)
	c.ok("DELETE", "/users/u-ann/assistants", nil, 204, nil)
	c.ok("GET", "/users/u-ann/assistants", nil, 200, &list)
	if len(list.Assistants) != 0 {
		t.Fatalf("after delete all: %+v", list)
	}
	st := s.Stats()
	if st.Calls["GET /users/{userId}/assistants"] != 2 || st.Calls["DELETE /users/{userId}/assistants"] != 1 ||
		st.Calls["DELETE /users/{userId}/assistants/{assistantId}"] != 2 {
		t.Fatalf("calls %v", st.Calls)
	}
}

func TestGroupsUpdateDeleteAndAdmins(t *testing.T) {
	s := newTestServer(t, Options{NoRateLimits: true, Seed: seedSmall(), DailyGroupCap: 2})
	c := newClient(t, s)
	c.ok("PATCH", "/groups/grp-eng", map[string]any{"name": "R&D"}, 204, nil)
	wantErr(t, c.do("PATCH", "/groups/grp-eng", map[string]any{"name": "sales"}), 409, 4132, "")
	wantErr(t, c.do("PATCH", "/groups/grp-eng", map[string]any{"name": strings.Repeat("g", 128)}), 400, 300, "")
	wantErr(t, c.do("PATCH", "/groups/nope", map[string]any{"name": "X"}), 404, 4130, "")

	var added addedJSON
	c.ok("POST", "/groups/grp-eng/admins", map[string]any{"admins": []map[string]string{{"id": "u-ann"}, {"email": "bob@test.example"}, {"id": "u-ann"}}}, 201, &added)
	if added.IDs != "u-ann,u-bob" {
		t.Fatalf("added %+v", added)
	}
	wantErr(t, c.do("POST", "/groups/grp-eng/admins", map[string]any{"admins": []map[string]string{{"email": "ghost@test.example"}}}), 400, 300, "Validation Failed.")
	wantErr(t, c.do("POST", "/groups/nope/admins", map[string]any{"admins": []map[string]string{{"id": "u-ann"}}}), 404, 4130, "")
	var admins struct {
		Admins        []groupAdminJSON `json:"admins"`
		NextPageToken string           `json:"next_page_token"`
		TotalRecords  int              `json:"total_records"`
	}
	c.ok("GET", "/groups/grp-eng/admins?page_size=1", nil, 200, &admins)
	if len(admins.Admins) != 1 || admins.Admins[0].Email != "ann@test.example" || admins.TotalRecords != 2 || admins.NextPageToken == "" {
		t.Fatalf("page 1 %+v", admins)
	}
	c.ok("GET", "/groups/grp-eng/admins?page_size=1&next_page_token="+admins.NextPageToken, nil, 200, &admins)
	if len(admins.Admins) != 1 || admins.Admins[0].Email != "bob@test.example" || admins.NextPageToken != "" {
		t.Fatalf("page 2 %+v", admins)
	}
	c.ok("DELETE", "/groups/grp-eng/admins/bob@test.example", nil, 204, nil)
	wantErr(t, c.do("DELETE", "/groups/grp-eng/admins/u-bob", nil), 400, 4138, "")

	// Delete: members keep their other groups; contact groups drop it.
	c.ok("POST", "/contacts/groups", map[string]any{"group_name": "All R&D", "group_members": []map[string]any{{"type": 2, "id": "grp-eng"}, {"type": 1, "id": "u-bob"}}}, 201, nil)
	c.ok("DELETE", "/groups/grp-eng", nil, 204, nil)
	if u := s.mustUser(t, "ann@test.example"); fmt.Sprint(u.GroupIDs) != "[grp-sales]" {
		t.Fatalf("ann's groups %v", u.GroupIDs)
	}
	for _, cg := range s.ContactGroups() {
		if cg.Name == "All R&D" && fmt.Sprint(cg.MemberIDs) != "[u-bob]" {
			t.Fatalf("contact group members %v", cg.MemberIDs)
		}
	}
	wantErr(t, c.do("GET", "/groups/grp-eng", nil), 404, 4130, "")

	// The daily creation cap (2 here, Zoom's 100 by default).
	c.ok("POST", "/groups", map[string]any{"name": "G1"}, 201, nil)
	c.ok("POST", "/groups", map[string]any{"name": "G2"}, 201, nil)
	wantErr(t, c.do("POST", "/groups", map[string]any{"name": "G3"}), 400, 300, "")

	free := newTestServer(t, Options{NoRateLimits: true, Seed: seedSmall(), Tier: "free"})
	fc := newClient(t, free)
	wantErr(t, fc.do("POST", "/groups", map[string]any{"name": "G"}), 400, 200, "")
	wantErr(t, fc.do("GET", "/groups/grp-eng/admins", nil), 400, 200, "")
}

func TestDivisionsUpdateAndDelete(t *testing.T) {
	s := newTestServer(t, Options{NoRateLimits: true, Seed: seedSmall()})
	c := newClient(t, s)
	c.ok("PATCH", "/divisions/div-emea", map[string]any{"division_name": "Europe", "division_description": "EU and UK"}, 204, nil)
	var d divisionJSON
	c.ok("GET", "/divisions/div-emea", nil, 200, &d)
	if d.Name != "Europe" || d.Description != "EU and UK" {
		t.Fatalf("division %+v", d)
	}
	wantErr(t, c.do("PATCH", "/divisions/div-emea", map[string]any{"division_name": "main division"}), 409, 409, "This name is already in use. Please try another.")
	wantErr(t, c.do("PATCH", "/divisions/nope", map[string]any{"division_name": "X"}), 404, 40406, "")
	wantErr(t, c.do("DELETE", "/divisions/div-main", nil), 400, 42011, "Main division can't be deleted.")
	wantErr(t, c.do("DELETE", "/divisions/div-emea", nil), 400, 42012, "") // ann is in it
	c.ok("POST", "/divisions/div-main/users", map[string]any{"users": []map[string]string{{"user_id": "u-ann"}}}, 201, nil)
	c.ok("DELETE", "/divisions/div-emea", nil, 204, nil)
	if n := len(s.Divisions()); n != 1 {
		t.Fatalf("%d divisions left", n)
	}
	// 500 divisions at most.
	for i := len(s.Divisions()); i < maxDivisions; i++ {
		c.ok("POST", "/divisions", map[string]any{"division_name": fmt.Sprintf("D%d", i)}, 201, nil)
	}
	wantErr(t, c.do("POST", "/divisions", map[string]any{"division_name": "one too many"}), 400, 42006, "")
}

func TestContactGroupsCreateUpdateAndCaps(t *testing.T) {
	seed := seedSmall()
	for i := range 120 {
		seed.Users = append(seed.Users, SeedUser{Email: fmt.Sprintf("m%03d@test.example", i), ID: fmt.Sprintf("u-m%03d", i)})
	}
	s := newTestServer(t, Options{NoRateLimits: true, Seed: seed})
	c := newClient(t, s)
	var cg contactGroupJSON
	c.ok("POST", "/contacts/groups", map[string]any{"group_name": "Floor 3", "description": "Third floor", "group_privacy": 2}, 201, &cg)
	if cg.ID == "" || cg.Name != "Floor 3" || cg.Privacy != 2 || cg.Description != "Third floor" || cg.TotalMembers == nil || *cg.TotalMembers != 0 {
		t.Fatalf("created %+v", cg)
	}
	wantErr(t, c.do("POST", "/contacts/groups", map[string]any{"group_name": "floor 3"}), 400, 300, "")
	wantErr(t, c.do("POST", "/contacts/groups", map[string]any{"group_name": "P", "group_privacy": 4}), 400, 300, "")
	wantErr(t, c.do("POST", "/contacts/groups", map[string]any{}), 400, 300, "")

	// 120 members take 3 add calls of at most 50 users; 51 is refused.
	members := func(from, to int) []map[string]any {
		var out []map[string]any
		for i := from; i < to; i++ {
			out = append(out, map[string]any{"type": 1, "id": fmt.Sprintf("u-m%03d", i)})
		}
		return out
	}
	wantErr(t, c.do("POST", "/contacts/groups/"+cg.ID+"/members", map[string]any{"group_members": members(0, 51)}), 400, 300,
		"The maximum number of user member per request is 50.")
	wantErr(t, c.do("POST", "/contacts/groups/"+cg.ID+"/members", map[string]any{"group_members": []map[string]any{
		{"type": 2, "id": "grp-eng"}, {"type": 2, "id": "grp-sales"}, {"type": 2, "id": "grp-eng"}, {"type": 2, "id": "grp-sales"}}}), 400, 300,
		"The maximum number of group member per request is 3.")
	for _, r := range [][2]int{{0, 50}, {50, 100}, {100, 120}} {
		c.ok("POST", "/contacts/groups/"+cg.ID+"/members", map[string]any{"group_members": members(r[0], r[1])}, 201, nil)
	}
	var got contactGroupJSON
	c.ok("GET", "/contacts/groups/"+cg.ID, nil, 200, &got)
	if *got.TotalMembers != 120 {
		t.Fatalf("%d members", *got.TotalMembers)
	}
	// Removal takes at most 20 ids a call.
	ids := make([]string, 21)
	for i := range ids {
		ids[i] = fmt.Sprintf("u-m%03d", i)
	}
	wantErr(t, c.do("DELETE", "/contacts/groups/"+cg.ID+"/members?member_ids="+strings.Join(ids, ","), nil), 400, 300, "The maximum number of memberId is 20.")
	c.ok("DELETE", "/contacts/groups/"+cg.ID+"/members?member_ids="+strings.Join(ids[:20], ","), nil, 204, nil)

	c.ok("PATCH", "/contacts/groups/"+cg.ID, map[string]any{"name": "Floor 4", "privacy": 3}, 204, nil)
	c.ok("GET", "/contacts/groups/"+cg.ID, nil, 200, &got)
	if got.Name != "Floor 4" || got.Privacy != 3 || got.Description != "Third floor" || *got.TotalMembers != 100 {
		t.Fatalf("after update %+v", got)
	}
	wantErr(t, c.do("PATCH", "/contacts/groups/"+cg.ID, map[string]any{"privacy": 0}), 400, 300, "")
	wantErr(t, c.do("PATCH", "/contacts/groups/nope", map[string]any{"name": "X"}), 400, 300, "A group with this groupId: nope does not exist.")
	c.ok("DELETE", "/contacts/groups/"+cg.ID, nil, 204, nil)
	wantErr(t, c.do("GET", "/contacts/groups/"+cg.ID, nil), 400, 300, "")
	st := s.Stats()
	if st.ByCategory[Heavy] != st.Calls["POST /contacts/groups"]+st.Calls["PATCH /contacts/groups/{groupId}"]+
		st.Calls["DELETE /contacts/groups/{groupId}"]+st.Calls["POST /contacts/groups/{groupId}/members"]+
		st.Calls["DELETE /contacts/groups/{groupId}/members"] || st.Applied["POST /contacts/groups/{groupId}/members"] != 3 {
		t.Fatalf("stats %+v", st)
	}
}
