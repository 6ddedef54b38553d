package zoom

import (
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
