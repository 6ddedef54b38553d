package zoomtest_test

// The sandbox's answers to the operations the jobs use beyond the first
// contract (profile fields, settings, email changes, SSO tokens, pictures,
// assistants, group admins, group and contact group upkeep), validated
// against Zoom's OpenAPI file the same way; divisions, which the file
// lacks, are compared with the text reference in
// TestSandboxDivisionsMatchTheReference.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"mime/multipart"
	"net/url"
	"testing"

	"github.com/zoombulk/zoombulk/internal/zoom/apispec"
)

// multipartPicture is a pic_file upload of a tiny PNG.
func multipartPicture(t *testing.T, data []byte) ([]byte, string) {
	t.Helper()
	if data == nil {
		var img bytes.Buffer
		if err := png.Encode(&img, image.NewRGBA(image.Rect(0, 0, 2, 2))); err != nil {
			t.Fatal(err)
		}
		data = img.Bytes()
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("pic_file", "profile.png")
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	return body.Bytes(), mw.FormDataContentType()
}

func TestSandboxNewOperationsMatchTheOpenAPISpec(t *testing.T) {
	cs := newContractSandbox(t)
	users, groups, _ := ids(cs.srv)
	grace, alan, ada, sam := users["grace.hopper@acme.example"], users["alan.turing@acme.example"], users["ada.lovelace@acme.example"], users["sam.seller@acme.example"]
	engineering, sales := groups["Engineering"], groups["Sales"]
	pic, picType := multipartPicture(t, nil)
	var newContact, newGroup string

	cases := []responseCase{
		{name: "UpdateUser every profile field", op: "userUpdate", status: 204,
			call: fixed(apiCall{method: "PATCH", path: "/users/" + alan, body: map[string]any{
				"pronouns": "he/him", "pronouns_option": 2, "phone_country": "GB", "about_me": "Computes.",
				"linkedin_url": "https://www.linkedin.com/in/alan", "host_key": "012345", "vanity_name": "alan.turing",
				"use_pmi": true, "cms_user_id": "k-1", "feature": map[string]any{"zoom_phone": true},
				"phone_numbers":     []any{map[string]any{"code": "+44", "country": "GB", "label": "Office", "number": "2079460000"}},
				"custom_attributes": []any{map[string]any{"key": "badge", "name": "Badge", "value": "7"}}}})},
		{name: "GetUser shows them", op: "user", status: 200,
			call: fixed(apiCall{method: "GET", path: "/users/" + alan}),
			check: func(t *testing.T, body any) {
				m, _ := body.(map[string]any)
				for k, want := range map[string]string{"pronouns": "he/him", "pronouns_option": "2", "phone_country": "GB",
					"vanity_url": "https://zoom.us/my/alan.turing", "use_pmi": "true", "cms_user_id": "k-1",
					"about_me": "Computes.", "linkedin_url": "https://www.linkedin.com/in/alan"} {
					if fmt.Sprint(m[k]) != want {
						t.Errorf("%s = %v, want %s", k, m[k], want)
					}
				}
			}},
		{name: "UpdateUserSettings", op: "userSettingsUpdate", status: 204,
			call: fixed(apiCall{method: "PATCH", path: "/users/" + grace + "/settings", body: map[string]any{
				"recording":        map[string]any{"cloud_recording": false, "auto_recording": "cloud"},
				"in_meeting":       map[string]any{"waiting_room": true},
				"schedule_meeting": map[string]any{"host_video": false}}})},
		{name: "GetUserSettings after the update", op: "userSettings", status: 200,
			call: fixed(apiCall{method: "GET", path: "/users/" + grace + "/settings"}),
			check: func(t *testing.T, body any) {
				for path, want := range map[string]string{"recording.cloud_recording": "false", "recording.auto_recording": "cloud",
					"in_meeting.waiting_room": "true", "schedule_meeting.host_video": "false", "recording.local_recording": "true"} {
					if v := apispec.ValuesAt(body, path); len(v) != 1 || fmt.Sprint(v[0]) != want {
						t.Errorf("%s = %v, want %s", path, v, want)
					}
				}
				for _, sec := range []string{"audio_conferencing", "email_notification", "feature", "in_meeting", "profile",
					"recording", "schedule_meeting", "telephony", "tsp", "whiteboard"} {
					if v := apispec.ValuesAt(body, sec); len(v) != 1 || apispec.JSONKind(v[0]) != "object" {
						t.Errorf("section %s = %v", sec, v)
					}
				}
			}},
		{name: "UpdateEmail", op: "userEmailUpdate", status: 204,
			call: fixed(apiCall{method: "PUT", path: "/users/" + sam + "/email", body: map[string]any{"email": "sam.sales@acme.example"}})},
		{name: "CheckEmail sees the new address", op: "userEmail", status: 200,
			call: fixed(apiCall{method: "GET", path: "/users/email", query: url.Values{"email": {"sam.sales@acme.example"}}}),
			check: func(t *testing.T, body any) {
				if v := apispec.ValuesAt(body, "existed_email"); len(v) != 1 || v[0] != true {
					t.Errorf("existed_email = %v", v)
				}
			}},
		{name: "GetUserToken zak", op: "userToken", status: 200,
			call: fixed(apiCall{method: "GET", path: "/users/" + grace + "/token", query: url.Values{"type": {"zak"}}}),
			check: func(t *testing.T, body any) {
				if str(body, "token") == "" {
					t.Errorf("no token: %v", body)
				}
			}},
		{name: "RevokeSSOToken", op: "userSSOTokenDelete", status: 204,
			call: fixed(apiCall{method: "DELETE", path: "/users/" + grace + "/token"})},
		{name: "UploadPicture", op: "userPicture", status: 201,
			call: fixed(apiCall{method: "POST", path: "/users/" + grace + "/picture", raw: pic, contentType: picType})},
		{name: "DeletePicture", op: "userPictureDelete", status: 204,
			call: fixed(apiCall{method: "DELETE", path: "/users/" + grace + "/picture"})},
		{name: "AddAssistants", op: "userAssistantCreate", status: 201,
			call: fixed(apiCall{method: "POST", path: "/users/" + grace + "/assistants", body: map[string]any{
				"assistants": []any{map[string]any{"id": ada}, map[string]any{"email": "sam.sales@acme.example"}}}}),
			check: func(t *testing.T, body any) {
				if str(body, "ids") != ada+","+sam || str(body, "add_at") == "" {
					t.Errorf("answer %v", body)
				}
			}},
		{name: "ListAssistants", op: "userAssistants", status: 200,
			call: fixed(apiCall{method: "GET", path: "/users/" + grace + "/assistants"}),
			check: func(t *testing.T, body any) {
				if got := apispec.ValuesAt(body, "assistants[].email"); fmt.Sprint(got) != "[ada.lovelace@acme.example sam.sales@acme.example]" {
					t.Errorf("assistants %v", got)
				}
			}},
		{name: "DeleteAssistant", op: "userAssistantDelete", status: 204,
			call: fixed(apiCall{method: "DELETE", path: "/users/" + grace + "/assistants/" + ada})},
		{name: "DeleteAssistants", op: "userAssistantsDelete", status: 204,
			call: fixed(apiCall{method: "DELETE", path: "/users/" + grace + "/assistants"})},
		{name: "CreateGroup", op: "groupCreate", status: 201,
			call:  fixed(apiCall{method: "POST", path: "/groups", body: map[string]any{"name": "Contract Upkeep"}}),
			check: func(t *testing.T, body any) { newGroup = str(body, "id") }},
		{name: "UpdateGroup", op: "groupUpdate", status: 204,
			call: func() apiCall {
				return apiCall{method: "PATCH", path: "/groups/" + newGroup, body: map[string]any{"name": "Contract Upkeep 2"}}
			}},
		{name: "AddGroupAdmins", op: "groupAdminsCreate", status: 201,
			call: fixed(apiCall{method: "POST", path: "/groups/" + engineering + "/admins", body: map[string]any{
				"admins": []any{map[string]any{"id": grace}, map[string]any{"email": "alan.turing@acme.example"}}}})},
		{name: "ListGroupAdmins", op: "groupAdmins", status: 200,
			call: fixed(apiCall{method: "GET", path: "/groups/" + engineering + "/admins", query: url.Values{"page_size": {"300"}}}),
			check: func(t *testing.T, body any) {
				if got := apispec.ValuesAt(body, "admins[].email"); fmt.Sprint(got) != "[grace.hopper@acme.example alan.turing@acme.example]" {
					t.Errorf("admins %v", got)
				}
			}},
		{name: "DeleteGroupAdmin", op: "groupAdminsDelete", status: 204,
			call: fixed(apiCall{method: "DELETE", path: "/groups/" + engineering + "/admins/" + alan})},
		{name: "DeleteGroup", op: "groupDelete", status: 204,
			call: func() apiCall { return apiCall{method: "DELETE", path: "/groups/" + newGroup} }},
		{name: "CreateContactGroup", op: "contactGroupCreate", status: 201,
			call: fixed(apiCall{method: "POST", path: "/contacts/groups", body: map[string]any{"group_name": "Contract Floor",
				"group_privacy": 2, "description": "Floor 2", "group_members": []any{map[string]any{"type": 1, "id": grace}, map[string]any{"type": 2, "id": sales}}}}),
			enums: []enumRule{{path: "group_privacy", allowed: contactPrivacy}},
			check: func(t *testing.T, body any) {
				newContact = str(body, "group_id")
				if v := apispec.ValuesAt(body, "total_members"); len(v) != 1 || fmt.Sprint(v[0]) != "2" {
					t.Errorf("total_members %v", v)
				}
			}},
		{name: "UpdateContactGroup", op: "contactGroupUpdate", status: 204,
			call: func() apiCall {
				return apiCall{method: "PATCH", path: "/contacts/groups/" + newContact, body: map[string]any{"name": "Contract Floor 3", "privacy": 3}}
			}},
		{name: "GetContactGroup", op: "contactGroup", status: 200,
			enums: []enumRule{{path: "group_privacy", allowed: contactPrivacy}},
			call:  func() apiCall { return apiCall{method: "GET", path: "/contacts/groups/" + newContact} },
			check: func(t *testing.T, body any) {
				if str(body, "group_name") != "Contract Floor 3" || str(body, "description") != "Floor 2" {
					t.Errorf("after update %v", body)
				}
			}},
		{name: "DeleteContactGroup", op: "contactGroupDelete", status: 204,
			call: func() apiCall { return apiCall{method: "DELETE", path: "/contacts/groups/" + newContact} }},
		{name: "DeleteUser with every transfer flag", op: "userDelete", status: 204,
			call: fixed(apiCall{method: "DELETE", path: "/users/linus.berg@acme.example", query: url.Values{"action": {"delete"},
				"transfer_email": {"grace.hopper@acme.example"}, "transfer_meeting": {"true"}, "transfer_webinar": {"true"},
				"transfer_recording": {"true"}, "transfer_whiteboard": {"true"}, "transfer_clipfiles": {"true"},
				"transfer_notes": {"true"}, "transfer_visitors": {"true"}, "transfer_docs": {"true"}}}),
			check: func(t *testing.T, _ any) {
				tr := cs.srv.Transfers()
				if len(tr) == 0 || fmt.Sprint(tr[len(tr)-1].What) != "[meeting webinar recording whiteboard clipfiles notes visitors docs]" {
					t.Errorf("transfers %+v", tr)
				}
			}},
		{name: "ListUsers by page_number", op: "users", status: 200,
			call: fixed(apiCall{method: "GET", path: "/users", query: url.Values{"page_size": {"5"}, "page_number": {"2"}}}),
			check: func(t *testing.T, body any) {
				if v := apispec.ValuesAt(body, "page_number"); len(v) != 1 || fmt.Sprint(v[0]) != "2" {
					t.Errorf("page_number %v", v)
				}
			}},
	}
	runResponseCases(t, cs, cases)
	for _, v := range cs.srv.Violations() {
		t.Errorf("the contract's own request was refused by the strict sandbox: %s", v)
	}
}

// TestSandboxNewErrorsMatchTheErrorResponse: the error codes of the new
// operations, each answer validated against the spec's ErrorResponse.
func TestSandboxNewErrorsMatchTheErrorResponse(t *testing.T) {
	cs := newContractSandbox(t)
	users, groups, _ := ids(cs.srv)
	grace, linus := users["grace.hopper@acme.example"], users["linus.berg@acme.example"]
	gif, gifType := multipartPicture(t, []byte("GIF89a not a png"))
	empty, emptyType := multipartPicture(t, []byte{})
	for _, tc := range []struct {
		name   string
		op     string
		call   apiCall
		status int
		code   int
	}{
		{"1005 new email in use", "userEmailUpdate", apiCall{method: "PUT", path: "/users/" + linus + "/email", body: map[string]any{"email": "grace.hopper@acme.example"}}, 409, 1005},
		{"300 email not in a managed domain", "userEmailUpdate", apiCall{method: "PUT", path: "/users/" + linus + "/email", body: map[string]any{"email": "linus@other.example"}}, 400, 300},
		{"1001 email of nobody", "userEmailUpdate", apiCall{method: "PUT", path: "/users/nobody@acme.example/email", body: map[string]any{"email": "x@acme.example"}}, 404, 1001},
		{"1001 token of nobody", "userSSOTokenDelete", apiCall{method: "DELETE", path: "/users/nobody@acme.example/token"}, 404, 1001},
		{"120 not a JPEG or PNG", "userPicture", apiCall{method: "POST", path: "/users/" + grace + "/picture", raw: gif, contentType: gifType}, 400, 120},
		{"120 empty file", "userPicture", apiCall{method: "POST", path: "/users/" + grace + "/picture", raw: empty, contentType: emptyType}, 400, 120},
		{"200 basic assistant", "userAssistantCreate", apiCall{method: "POST", path: "/users/" + grace + "/assistants",
			body: map[string]any{"assistants": []any{map[string]any{"id": linus}}}}, 400, 200},
		{"4130 admins of no group", "groupAdmins", apiCall{method: "GET", path: "/groups/no-such-group/admins"}, 404, 4130},
		{"4138 not an admin", "groupAdminsDelete", apiCall{method: "DELETE", path: "/groups/" + groups["Engineering"] + "/admins/" + linus}, 400, 4138},
		{"4132 group name in use", "groupUpdate", apiCall{method: "PATCH", path: "/groups/" + groups["Engineering"], body: map[string]any{"name": "Sales"}}, 409, 4132},
		{"4130 delete no group", "groupDelete", apiCall{method: "DELETE", path: "/groups/no-such-group"}, 404, 4130},
		{"300 contact group does not exist", "contactGroupUpdate", apiCall{method: "PATCH", path: "/contacts/groups/nope", body: map[string]any{"name": "X"}}, 400, 300},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := cs.send(t, tc.call)
			if a.status != tc.status {
				t.Fatalf("status %d, want %d: %s", a.status, tc.status, a.raw)
			}
			cs.mustMatch(t, tc.op, a)
			var e struct {
				Code    *int   `json:"code"`
				Message string `json:"message"`
			}
			if err := json.Unmarshal(a.raw, &e); err != nil || e.Code == nil || *e.Code != tc.code || e.Message == "" {
				t.Errorf("answer %s, want code %d with a message", a.raw, tc.code)
			}
		})
	}
}
