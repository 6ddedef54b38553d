package zoom

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// pageBodies are answers of List users, well formed or not.
var pageBodies = []string{
	`{"next_page_token":"t1","page_size":2,"total_records":3,"users":[{"email":"a@x.com","dept":"R&D [\"core\"] {x}"},{"email":"b@x.com"}]}`,
	`{"users":[{"email":"a@x.com","group_ids":["g1","g2"]}],"next_page_token":"","page_number":2,"page_count":5}`,
	" \n{ \"page_size\" : 30 ,\t\"users\" : [ ] , \"total_records\" : 0 } \n",
	`{"page_size":30,"users":null}`,
	`{"page_size":30}`,
	`{"users":[{"email":"q\\\"]}@x.com"}],"next_page_token":"a\\\"b"}`,
	`{"\u0075sers":[{"email":"a@x.com"}]}`,
	`{"users":[{"email":"a@x.com"}],"users":[]}`,
	// Refused.
	`{"users":}`,
	`{"users":[{"email":"a@x.com"}]`,
	`{"users":[{"email":"a@x.com"}]} trailing`,
	`{"page_size":30 "users":[]}`,
	`{"users":[{"email":"a@x.com"]}`,
	`{"users":[1,2]}`,
	`["users"]`,
	`{"users":"[\"unterminated]}`,
}

// A page decodes as the standard decoder decodes it, whatever the order of
// its members, the spaces, and the brackets and quotes inside strings; an
// answer the standard decoder refuses is refused.
func TestRawUsersPageDecode(t *testing.T) {
	for _, body := range pageBodies {
		checkPageDecode(t, body)
	}
}

func FuzzRawUsersPageDecode(f *testing.F) {
	for _, body := range pageBodies {
		f.Add(body)
	}
	f.Fuzz(checkPageDecode)
}

func checkPageDecode(t *testing.T, body string) {
	var want, got RawUsersPage
	var wantUsers, gotUsers []User
	wantErr := json.Unmarshal([]byte(body), &want)
	if wantErr == nil {
		wantUsers, wantErr = DecodeUsers(want.Users)
	}
	gotErr := got.decodeAnswer([]byte(body))
	if gotErr == nil {
		gotUsers, gotErr = DecodeUsers(got.Users)
	}
	if (gotErr != nil) != (wantErr != nil) {
		t.Fatalf("%s: error %v, the standard decoder's %v", body, gotErr, wantErr)
	}
	if gotErr != nil {
		return
	}
	got.Users, want.Users = nil, nil
	if len(wantUsers) == 0 && len(gotUsers) == 0 {
		wantUsers, gotUsers = nil, nil
	}
	if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(gotUsers, wantUsers) {
		t.Errorf("%s: %+v %+v, want %+v %+v", body, got, gotUsers, want, wantUsers)
	}
}

// The users are copied out: the answer's buffer is reused.
func TestRawUsersPageCopies(t *testing.T) {
	body := []byte(`{"users":[{"email":"a@x.com"}]}`)
	var p RawUsersPage
	if err := p.decodeAnswer(body); err != nil {
		t.Fatal(err)
	}
	for i := range body {
		body[i] = ' '
	}
	if users, err := DecodeUsers(p.Users); err != nil || len(users) != 1 || users[0].Email != "a@x.com" {
		t.Errorf("users %v, %v", users, err)
	}
}

// userArrays are users of List users pages, as Zoom writes them and not:
// the scanner reads the first kind, and hands the others to the standard
// decoder.
var userArrays = []string{
	`[]`, ` [ ] `, `null`, `[{}]`,
	`[{"id":"u1","email":"a@x.com","first_name":"Ann","last_name":"Lee","display_name":"Ann Lee","type":2,"pmi":1234567890,"timezone":"Europe/Paris","verified":1,"dept":"R&D","created_at":"2024-01-02T03:04:05Z","last_login_time":"2025-02-03T04:05:06Z","last_client_version":"6.0.1","pic_url":"https://x/y.png","language":"fr-FR","phone_number":"","status":"active","role_id":"2","group_ids":["g1","g2"],"division_ids":[],"user_created_at":"2024-01-02T03:04:05+02:00","employee_unique_id":"E1","custom_attributes":[{"key":"k","name":"n","value":"v"}],"plan_united_type":"1","zoom_one_type":16,"cms_user_id":"","host_key":"x","x":{"a":[1,2.5e3,-0.5,true,false,null]}}]`,
	`[{"email":"a@x.com","group_ids":null,"division_ids":null,"type":null,"created_at":null},{"email":"b@x.com"}]`,
	`[{"email":"a@x.com","email":"b@x.com"},{"id":"u2","email":"c@x.com","id":"u3"}]`,
	`[{"email":"é@x.com","first_name":"Zoë","dept":"日本"}]`,
	// Handed over, decoded or refused as the standard decoder does.
	`[{"email":"a\u0040x.com","first_name":"\"Q\""}]`,
	`[{"EMAIL":"a@x.com","Type":2}]`,
	`[{"email":"a@x.com","type":2.0}]`,
	`[{"email":"a@x.com","type":1e2}]`,
	`[{"email":"a@x.com","type":"2"}]`,
	`[{"email":"a@x.com","type":99999999999999999999}]`,
	`[{"email":"a@x.com","group_ids":["g1",null]}]`,
	`[{"email":"a@x.com","group_ids":"g1"}]`,
	`[{"email":"a@x.com","created_at":"yesterday"}]`,
	`[{"email":"a@x.com","created_at":5}]`,
	`[{"email":5}]`,
	`[{"email":"a@x.com","first_name":"bad \xff byte"}]`,
	`[{"email":"a@x.com","ſtatus":"x"}]`,
	`[null]`, `[1]`, `["a"]`, `{}`,
	`[{"email":"a@x.com"}] x`, `[{"email":"a@x.com"},]`, `[{"email":"a@x.com",}]`,
	`[{"email":"a@x.com","x":01}]`, `[{"email":"a@x.com","x":-}]`, `[{"email":"a@x.com","x":1.}]`,
	`[{"email":"a@x.com","x":tru}]`, `[{"email":"a@x.com","x":"\x01"}]`, `[{"email":"a@x.com","x":"\q"}]`,
	`[{"email":"a@x.com","x":"\u12"}]`, `[{"email":"a@x.com"`, `[{"email":"a@x.com" "id":"u1"}]`,
}

// DecodeUsers and UserIdentities answer as the standard decoder does, on
// every input: the same users, the same refusals.
func TestDecodeUsersAsTheStandardDecoder(t *testing.T) {
	for i, raw := range userArrays {
		checkDecodeUsers(t, raw)
		// The users as Zoom writes them are the scanner's, not handed over.
		if ok := scanUsers([]byte(raw), true, func() *User { return new(User) }, nil); i < userArraysScanned && i != 2 && !ok {
			t.Errorf("%s: handed to the standard decoder", raw)
		}
	}
}

// userArraysScanned is how many of userArrays the scanner reads itself
// (null aside).
const userArraysScanned = 8

func FuzzDecodeUsers(f *testing.F) {
	for _, raw := range userArrays {
		f.Add(raw)
	}
	f.Fuzz(checkDecodeUsers)
}

func checkDecodeUsers(t *testing.T, raw string) {
	if raw == "" {
		return // no users member: none, without decoding
	}
	var want []User
	wantErr := json.Unmarshal([]byte(raw), &want)
	got, gotErr := DecodeUsers(json.RawMessage(raw))
	if (gotErr != nil) != (wantErr != nil) {
		t.Fatalf("%s: error %v, the standard decoder's %v", raw, gotErr, wantErr)
	}
	if gotErr == nil {
		if len(want) == 0 && len(got) == 0 {
			want, got = nil, nil
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %+v\nwant %+v", raw, got, want)
		}
	}
	var objs []json.RawMessage
	wantErr = json.Unmarshal([]byte(raw), &objs)
	var wantIDs []UserIdentity
	for _, o := range objs {
		var who struct {
			ID    string `json:"id"`
			Email string `json:"email"`
		}
		if wantErr = json.Unmarshal(o, &who); wantErr != nil {
			break
		}
		wantIDs = append(wantIDs, UserIdentity{ID: who.ID, Email: who.Email, Raw: o})
	}
	gotIDs, gotErr := UserIdentities(json.RawMessage(raw))
	if (gotErr != nil) != (wantErr != nil) {
		t.Fatalf("%s: identities: error %v, the standard decoder's %v", raw, gotErr, wantErr)
	}
	if gotErr != nil {
		return
	}
	if len(gotIDs) != len(wantIDs) {
		t.Fatalf("%s: %d identities, want %d", raw, len(gotIDs), len(wantIDs))
	}
	for i := range gotIDs {
		g, w := gotIDs[i], wantIDs[i]
		if g.ID != w.ID || g.Email != w.Email || !bytes.Equal(g.Raw, w.Raw) {
			t.Errorf("%s: identity %d %q %q %s, want %q %q %s", raw, i, g.ID, g.Email, g.Raw, w.ID, w.Email, w.Raw)
		}
	}
}
