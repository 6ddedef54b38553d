package zoomtest_test

// Sandbox response contract: valid requests, sent with plain net/http (not
// the project's client, which the sandbox exists to test), and every answer
// (status and body) validated against Zoom's published OpenAPI file with
// kin-openapi's openapi3filter.ValidateResponse. What the file cannot say
// (its enums were stripped; it has no divisions) is asserted by hand from
// the text reference.
//
// The two files are read from shared/zoom-api next to the repository and
// never copied into it; without them the tests are skipped.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/zoombulk/zoombulk/internal/zoom/apispec"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// spec parses the OpenAPI file once for this package and narrows the
// answer of GET /users/{userId}/settings (narrowUserSettingsAnswer).
var spec = apispec.NewLoader(narrowUserSettingsAnswer)

// narrowUserSettingsAnswer narrows one schema of the loaded document (in memory; the
// file is untouched). The 200 of GET /users/{userId}/settings is a oneOf of
// five objects (user settings, and the answers to ?option=meeting_authentication,
// recording_authentication, meeting_security) none of which has a required
// field or forbids others, so any object matches several of them and a
// oneOf can never pass. The reference documents the same alternatives keyed
// by the option query parameter; without it the answer is "User settings",
// so that alternative is the one validated. Only this operation changes.
//
// The body of PATCH /users/{userId}/settings is the same kind of oneOf (the
// bodies of the ?option= variants beside the settings); without option it
// is the settings, so that alternative is kept for the request too.
func narrowUserSettingsAnswer(doc *openapi3.T) error {
	if pi := doc.Paths.Value("/users/{userId}/settings"); pi != nil && pi.Patch != nil && pi.Patch.RequestBody != nil {
		if mt := pi.Patch.RequestBody.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil && mt.Schema.Value != nil {
			for _, alt := range mt.Schema.Value.OneOf {
				if alt.Value != nil && alt.Value.Properties["recording"] != nil {
					mt.Schema = alt
					break
				}
			}
		}
	}
	if pi := doc.Paths.Value("/users/{userId}/settings"); pi != nil && pi.Get != nil {
		if ok := pi.Get.Responses.Status(http.StatusOK); ok != nil && ok.Value != nil {
			if mt := ok.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil && mt.Schema.Value != nil {
				for _, alt := range mt.Schema.Value.OneOf {
					if alt.Value != nil && alt.Value.Title == "User settings" {
						mt.Schema = alt
						return nil
					}
				}
			}
		}
	}
	return errors.New("GET /users/{userId}/settings: no 200 answer with a \"User settings\" alternative to validate against")
}

// contractSandbox is a sandbox with a token, and a router over the spec.
type contractSandbox struct {
	srv    *zoomtest.Server
	env    map[string]string
	hc     *http.Client
	token  string
	router routers.Router
}

func newContractSandbox(t *testing.T) *contractSandbox {
	t.Helper()
	apispec.File(t, apispec.SpecName) // skip before starting anything when the spec is absent
	cs := startSandbox(t)
	_, cs.router = spec.Load(t, cs.srv.APIURL())
	return cs
}

// startSandbox starts a seeded sandbox and gets a token, without the spec.
func startSandbox(t *testing.T) *contractSandbox {
	t.Helper()
	seed, err := zoomtest.LoadSeed("../../../samples/sandbox-seed.yaml")
	if err != nil {
		t.Fatal(err)
	}
	srv := zoomtest.NewTestServer(t, zoomtest.Options{
		Seed:             seed,
		NoRateLimits:     true, // deterministic: no 429s
		FeaturesInterval: -1,
		DailyCreateCap:   -1,
		Users:            25, // listings of several pages
	})
	cs := &contractSandbox{srv: srv, env: map[string]string{}, hc: &http.Client{Timeout: 10 * time.Second}}
	for _, kv := range srv.Env() {
		k, v, _ := strings.Cut(kv, "=")
		cs.env[k] = v
	}
	cs.token = cs.fetchToken(t)
	return cs
}

// fetchToken is Server-to-Server OAuth against the sandbox's /oauth/token.
func (cs *contractSandbox) fetchToken(t *testing.T) string {
	t.Helper()
	q := url.Values{"grant_type": {"account_credentials"}, "account_id": {cs.env["ZOOM_ACCOUNT_ID"]}}
	req, err := http.NewRequest(http.MethodPost, cs.env["ZOOM_OAUTH_URL"]+"?"+q.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(cs.env["ZOOM_CLIENT_ID"], cs.env["ZOOM_CLIENT_SECRET"])
	resp, err := cs.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || resp.StatusCode != http.StatusOK || tok.AccessToken == "" {
		t.Fatalf("token: %d %v", resp.StatusCode, err)
	}
	return tok.AccessToken
}

// apiCall is one request to the sandbox.
type apiCall struct {
	method, path string // path below /v2
	query        url.Values
	body         any    // JSON-encoded unless nil
	token        string // "" is the sandbox's token
	// raw and contentType, when raw is set, are the body as sent (a
	// multipart upload) in place of body.
	raw         []byte
	contentType string
}

// answer is a call and the sandbox's answer.
type answer struct {
	req    *http.Request // the request, rebuilt for validation
	body   []byte        // its body
	status int
	header http.Header
	raw    []byte
}

// request builds the HTTP request of a call, with its encoded body.
func (cs *contractSandbox) request(t *testing.T, c apiCall) (*http.Request, []byte) {
	t.Helper()
	target := cs.srv.APIURL() + c.path
	if len(c.query) > 0 {
		target += "?" + c.query.Encode()
	}
	var payload []byte
	if c.body != nil {
		var err error
		if payload, err = json.Marshal(c.body); err != nil {
			t.Fatal(err)
		}
	}
	if c.raw != nil {
		payload = c.raw
	}
	req, err := http.NewRequest(c.method, target, bytes.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	tok := c.token
	if tok == "" {
		tok = cs.token
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.contentType != "" {
		req.Header.Set("Content-Type", c.contentType)
	}
	return req, payload
}

// send makes a call to the sandbox.
func (cs *contractSandbox) send(t *testing.T, c apiCall) *answer {
	t.Helper()
	req, payload := cs.request(t, c)
	resp, err := cs.hc.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", c.method, c.path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := cs.request(t, c) // a fresh one, its body unread, for validation
	return &answer{req: again, body: payload, status: resp.StatusCode, header: resp.Header, raw: raw}
}

// validate checks a call and its answer against the operation op and
// returns the problems: the request must be valid (the test sends only
// valid ones), the answer's status declared and its body as the spec says.
//
// Beyond the choices of apispec.ValidationOptions, where the spec and the
// text reference differ in strictness, for the answers:
//   - format email: spec and reference agree that users[].email and manager
//     are "format:email". An empty manager is therefore not allowed: the
//     sandbox leaves the field out when a user has none.
//   - statuses: IncludeResponseStatus, and a 2xx must be declared by the
//     operation itself (below), since an undeclared one would otherwise be
//     checked against the loose "default" ErrorResponse and pass.
//   - GET /users/{userId}/settings: its oneOf cannot pass as written;
//     narrowed to the reference's default answer (narrowUserSettingsAnswer).
//   - contact group members: the spec names the list "members", the
//     reference "group_members"; the reference's name is asserted by hand.
//   - enums: stripped from the spec; restored by hand from the reference
//     (enumRule).
func (cs *contractSandbox) validate(op string, a *answer) []string {
	ctx := context.Background()
	route, params, err := cs.router.FindRoute(a.req)
	if err != nil {
		return []string{fmt.Sprintf("%s %s: no operation in the spec: %v", a.req.Method, a.req.URL.Path, err)}
	}
	if got := route.Operation.OperationID; got != op {
		return []string{fmt.Sprintf("%s %s routes to %q, want %q", a.req.Method, a.req.URL.Path, got, op)}
	}
	in := &openapi3filter.RequestValidationInput{Request: a.req, PathParams: params, Route: route, Options: apispec.ValidationOptions()}
	if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
		return []string{fmt.Sprintf("the test's own request does not match the spec: %v", err)}
	}
	var problems []string
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 a.status,
		Header:                 a.header,
		Body:                   io.NopCloser(bytes.NewReader(a.raw)),
		Options:                apispec.ValidationOptions(),
	}
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		problems = append(problems, err.Error())
	}
	// A 2xx must be one the operation declares: an undeclared success status
	// would fall through to "default" (the ErrorResponse) and pass.
	if a.status < 300 {
		declared := route.Operation.Responses.Status(a.status)
		if declared == nil {
			problems = append(problems, fmt.Sprintf("status %d is not one the spec declares (%v)", a.status, apispec.SortedKeys(route.Operation.Responses.Map())))
		} else if len(declared.Value.Content) == 0 && len(bytes.TrimSpace(a.raw)) > 0 {
			problems = append(problems, fmt.Sprintf("status %d has no content in the spec, yet a body came: %.200s", a.status, a.raw))
		}
	}
	if len(bytes.TrimSpace(a.raw)) > 0 {
		if ct := a.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			problems = append(problems, fmt.Sprintf("Content-Type %q, want application/json", ct))
		}
	}
	return problems
}

// mustMatch fails the test with the validator's messages.
func (cs *contractSandbox) mustMatch(t *testing.T, op string, a *answer) {
	t.Helper()
	if problems := cs.validate(op, a); len(problems) > 0 {
		t.Errorf("%s: the sandbox's %d answer does not match the spec:\n\t%s\n\tbody: %.600s", op, a.status, strings.Join(problems, "\n\t"), a.raw)
	}
}

// enumRule is a list of values the spec lost when its enums were stripped,
// restored from the text reference.
type enumRule struct {
	path    string // apispec.ValuesAt path into the answer
	allowed []string
	// optional: the field may be absent (otherwise at least one value must
	// be found, so that the check cannot pass vacuously).
	optional bool
}

var (
	// List users / Get a user / Create users: type "possible values: 1, 2, 4, 99".
	userTypes = []string{"1", "2", "4", "99"}
	// List users / Get a user: status "possible values: active, inactive, pending".
	userStatuses = []string{"active", "inactive", "pending"}
	// List users: verified "possible values: 1, 0".
	verifiedValues = []string{"0", "1"}
	// List contact groups: group_privacy "possible values: 1, 2, 3".
	contactPrivacy = []string{"1", "2", "3"}
	// List contact group members: type "possible values: 1, 2".
	contactMemberTypes = []string{"1", "2"}
	// Get user settings: feature.concurrent_meeting "possible values: Basic, Plus, None".
	concurrentMeeting = []string{"Basic", "Plus", "None"}
	// Bulk update features for users: fail_details[].reason.
	featureFailReasons = []string{"Users not found", "Have upcoming events", "Unpaid user", "Not enough seats",
		"Can't update for Zoom One users", "Can't update for free users", "Can't update for Zoom United users",
		"Can't update for Zoom Room users", "Not allowed to add basic users", "Can't update for non-SSO users", "No need to update"}
)

func checkEnums(t *testing.T, op string, body any, rules []enumRule) {
	t.Helper()
	for _, r := range rules {
		vals := apispec.ValuesAt(body, r.path)
		if len(vals) == 0 && !r.optional {
			t.Errorf("%s: no %s in the answer to check", op, r.path)
		}
		for _, v := range vals {
			if !slices.Contains(r.allowed, fmt.Sprint(v)) {
				t.Errorf("%s: %s = %v, the reference allows only %v", op, r.path, v, r.allowed)
			}
		}
	}
}

// responseCase is one request and what its answer must be.
type responseCase struct {
	name   string
	op     string // operationId
	call   func() apiCall
	status int
	enums  []enumRule
	check  func(t *testing.T, body any)
}

func ids(srv *zoomtest.Server) (users, groups, contacts map[string]string) {
	users, groups, contacts = map[string]string{}, map[string]string{}, map[string]string{}
	for _, u := range srv.Users() {
		users[u.Email] = u.ID
	}
	for _, g := range srv.Groups() {
		groups[g.Name] = g.ID
	}
	for _, cg := range srv.ContactGroups() {
		contacts[cg.Name] = cg.ID
	}
	return users, groups, contacts
}

func fixed(c apiCall) func() apiCall { return func() apiCall { return c } }

// str is a string field of a decoded JSON object ("" if absent).
func str(body any, key string) string {
	m, _ := body.(map[string]any)
	s, _ := m[key].(string)
	return s
}

func TestSandboxAnswersMatchTheOpenAPISpec(t *testing.T) {
	cs := newContractSandbox(t)
	users, groups, contacts := ids(cs.srv)
	grace, linus, tom, ada := users["grace.hopper@acme.example"], users["linus.berg@acme.example"], users["tom.nguyen@acme.example"], users["ada.lovelace@acme.example"]
	engineering, operations, support := groups["Engineering"], groups["Operations"], groups["Support"]
	london := contacts["London Office"]
	var nextPage, qaGroup string // set by earlier cases

	listUsers := []enumRule{{path: "users[].type", allowed: userTypes}, {path: "users[].status", allowed: userStatuses},
		{path: "users[].verified", allowed: verifiedValues}}
	getUser := []enumRule{{path: "type", allowed: userTypes}, {path: "status", allowed: userStatuses}, {path: "verified", allowed: verifiedValues}}
	cases := []responseCase{
		{name: "ListUsers active, first page", op: "users", status: 200, enums: listUsers,
			call: fixed(apiCall{method: "GET", path: "/users", query: url.Values{"status": {"active"}, "page_size": {"10"}}}),
			check: func(t *testing.T, body any) {
				nextPage = str(body, "next_page_token")
				if nextPage == "" {
					t.Fatal("no next_page_token: the listing did not page")
				}
				for _, v := range apispec.ValuesAt(body, "users[].status") {
					if v != "active" {
						t.Errorf("status=active listed a %v user", v)
					}
				}
			}},
		{name: "ListUsers active, next page", op: "users", status: 200, enums: listUsers,
			call: func() apiCall {
				return apiCall{method: "GET", path: "/users", query: url.Values{"status": {"active"}, "page_size": {"10"}, "next_page_token": {nextPage}}}
			}},
		{name: "ListUsers inactive", op: "users", status: 200, enums: listUsers,
			call: fixed(apiCall{method: "GET", path: "/users", query: url.Values{"status": {"inactive"}, "page_size": {"2000"}}})},
		{name: "ListUsers pending (no ids)", op: "users", status: 200, enums: listUsers,
			call: fixed(apiCall{method: "GET", path: "/users", query: url.Values{"status": {"pending"}}}),
			check: func(t *testing.T, body any) {
				// The reference: the API does not return id for pending users.
				if got := apispec.ValuesAt(body, "users[].id"); len(got) > 0 {
					t.Errorf("pending users listed with ids %v", got)
				}
			}},
		{name: "ListUsers by role", op: "users", status: 200, enums: listUsers,
			call: fixed(apiCall{method: "GET", path: "/users", query: url.Values{"role_id": {"2"}}})},
		{name: "GetUser by ID", op: "user", status: 200, enums: getUser,
			call: fixed(apiCall{method: "GET", path: "/users/" + grace})},
		{name: "GetUser by email", op: "user", status: 200, enums: getUser,
			call: fixed(apiCall{method: "GET", path: "/users/linus.berg@acme.example"})},
		{name: "GetUser pending", op: "user", status: 200, enums: getUser,
			call: fixed(apiCall{method: "GET", path: "/users/nina.newhire@acme.example"})},
		{name: "CreateUser", op: "userCreate", status: 201, enums: []enumRule{{path: "type", allowed: userTypes}},
			call: fixed(apiCall{method: "POST", path: "/users", body: map[string]any{"action": "create",
				"user_info": map[string]any{"email": "contract.new@acme.example", "type": 1, "first_name": "Con", "last_name": "Tract"}}})},
		{name: "UpdateUser type and dept", op: "userUpdate", status: 204,
			call: fixed(apiCall{method: "PATCH", path: "/users/" + linus, body: map[string]any{"type": 2, "dept": "Platform",
				"job_title": "Staff Engineer", "manager": "olivia.owner@acme.example"}})},
		{name: "GetUser after an update (manager set)", op: "user", status: 200, enums: getUser,
			call: fixed(apiCall{method: "GET", path: "/users/" + linus}),
			check: func(t *testing.T, body any) {
				m, _ := body.(map[string]any)
				if m["manager"] != "olivia.owner@acme.example" || m["dept"] != "Platform" || fmt.Sprint(m["type"]) != "2" {
					t.Errorf("the update did not show: manager %v dept %v type %v", m["manager"], m["dept"], m["type"])
				}
			}},
		{name: "SetUserStatus deactivate", op: "userStatus", status: 200,
			call: fixed(apiCall{method: "PUT", path: "/users/" + tom + "/status", body: map[string]any{"action": "deactivate"}})},
		{name: "SetUserStatus activate", op: "userStatus", status: 200,
			call: fixed(apiCall{method: "PUT", path: "/users/" + tom + "/status", body: map[string]any{"action": "activate"}})},
		{name: "DeleteUser with action and transfer_email", op: "userDelete", status: 204,
			call: fixed(apiCall{method: "DELETE", path: "/users/contract.new@acme.example", query: url.Values{"action": {"delete"},
				"transfer_email": {"olivia.owner@acme.example"}, "transfer_meeting": {"true"}, "transfer_webinar": {"true"}, "transfer_recording": {"true"}}})},
		{name: "CheckEmail", op: "userEmail", status: 200,
			call: fixed(apiCall{method: "GET", path: "/users/email", query: url.Values{"email": {"grace.hopper@acme.example"}}}),
			check: func(t *testing.T, body any) {
				if v := apispec.ValuesAt(body, "existed_email"); len(v) != 1 || v[0] != true {
					t.Errorf("existed_email = %v, want true", v)
				}
			}},
		{name: "UserSummary", op: "userSummary", status: 200,
			call: fixed(apiCall{method: "GET", path: "/users/summary"})},
		{name: "GetUserSettings", op: "userSettings", status: 200,
			enums: []enumRule{{path: "feature.concurrent_meeting", allowed: concurrentMeeting}},
			call:  fixed(apiCall{method: "GET", path: "/users/" + grace + "/settings"})},
		{name: "UpdateFeatures (one done, one not needed, one unknown)", op: "bulkUpdateFeature", status: 201,
			enums: []enumRule{{path: "fail_details[].reason", allowed: featureFailReasons}},
			call: fixed(apiCall{method: "POST", path: "/users/features", body: map[string]any{"feature_type": "webinar", "feature_value": "64",
				"users": []any{map[string]any{"id": grace}, map[string]any{"email": "sam.seller@acme.example"}, map[string]any{"email": "nobody@acme.example"}}}})},
		{name: "ListGroups", op: "groups", status: 200,
			call: fixed(apiCall{method: "GET", path: "/groups"})},
		{name: "GetGroup", op: "group", status: 200,
			call: fixed(apiCall{method: "GET", path: "/groups/" + engineering})},
		{name: "CreateGroup", op: "groupCreate", status: 201,
			call: fixed(apiCall{method: "POST", path: "/groups", body: map[string]any{"name": "Contract QA"}}),
			check: func(t *testing.T, body any) {
				if qaGroup = str(body, "id"); qaGroup == "" {
					t.Fatal("the new group has no id")
				}
			}},
		{name: "ListGroupMembers", op: "groupMembers", status: 200,
			enums: []enumRule{{path: "members[].type", allowed: userTypes}},
			call:  fixed(apiCall{method: "GET", path: "/groups/" + operations + "/members", query: url.Values{"page_size": {"300"}}})},
		{name: "AddGroupMembers", op: "groupMembersCreate", status: 201,
			call: func() apiCall {
				return apiCall{method: "POST", path: "/groups/" + qaGroup + "/members", body: map[string]any{
					"members": []any{map[string]any{"id": grace}, map[string]any{"email": "alan.turing@acme.example"}}}}
			}},
		{name: "MoveGroupMember", op: "updateAGroupMember", status: 204,
			call: fixed(apiCall{method: "PATCH", path: "/groups/" + operations + "/members/" + ada, body: map[string]any{"action": "move", "target_group_id": support}})},
		{name: "SetPrimaryGroup", op: "updateAGroupMember", status: 204,
			call: fixed(apiCall{method: "PATCH", path: "/groups/" + support + "/members/" + ada, body: map[string]any{"action": "set_primary", "target_group_id": support}})},
		{name: "RemoveGroupMember", op: "groupMembersDelete", status: 204,
			call: func() apiCall { return apiCall{method: "DELETE", path: "/groups/" + qaGroup + "/members/" + grace} }},
		{name: "ListContactGroups", op: "contactGroups", status: 200,
			enums: []enumRule{{path: "groups[].group_privacy", allowed: contactPrivacy}},
			call:  fixed(apiCall{method: "GET", path: "/contacts/groups", query: url.Values{"page_size": {"50"}}})},
		{name: "ListContactGroupMembers", op: "contactGroupMembers", status: 200,
			// The spec names the list "members"; the reference (List contact
			// group members) names it "group_members", and the reference is
			// the authority: the spec's schema passes either way (it has no
			// required fields), so the name and the items are checked here.
			enums: []enumRule{{path: "group_members[].type", allowed: contactMemberTypes}},
			call:  fixed(apiCall{method: "GET", path: "/contacts/groups/" + contacts["Leadership"] + "/members", query: url.Values{"page_size": {"50"}}}),
			check: func(t *testing.T, body any) {
				m, _ := body.(map[string]any)
				if _, ok := m["members"]; ok {
					t.Errorf("answer has the spec's \"members\"; the reference's name is \"group_members\"")
				}
				for _, it := range apispec.ValuesAt(body, "group_members[]") {
					item, _ := it.(map[string]any)
					for field, kind := range map[string]string{"id": "string", "name": "string", "type": "number"} {
						if apispec.JSONKind(item[field]) != kind {
							t.Errorf("group_members item %v: %s is a %s, want a %s", item, field, apispec.JSONKind(item[field]), kind)
						}
					}
				}
			}},
		{name: "AddContactGroupMembers", op: "contactGroupMemberAdd", status: 201,
			call: fixed(apiCall{method: "POST", path: "/contacts/groups/" + london + "/members", body: map[string]any{
				"group_members": []any{map[string]any{"type": 1, "id": grace}, map[string]any{"type": 2, "id": engineering}}}}),
			check: func(t *testing.T, body any) {
				if got := apispec.ValuesAt(body, "member_ids[]"); len(got) != 2 {
					t.Errorf("member_ids = %v, want the 2 added", got)
				}
			}},
		{name: "RemoveContactGroupMembers", op: "contactGroupMemberRemove", status: 204,
			call: fixed(apiCall{method: "DELETE", path: "/contacts/groups/" + london + "/members", query: url.Values{"member_ids": {grace + "," + engineering}}})},
	}
	runResponseCases(t, cs, cases)

	// Every operation of the client's request contract was answered here too.
	seen := map[string]bool{}
	for _, tc := range cases {
		seen[tc.op] = true
	}
	for _, op := range []string{"users", "user", "userCreate", "userUpdate", "userStatus", "userDelete", "userEmail", "userSummary",
		"userSettings", "bulkUpdateFeature", "groups", "group", "groupCreate", "groupMembers", "groupMembersCreate",
		"updateAGroupMember", "groupMembersDelete", "contactGroups", "contactGroupMembers", "contactGroupMemberAdd",
		"contactGroupMemberRemove"} {
		if !seen[op] {
			t.Errorf("operation %s has no case", op)
		}
	}
}

func runResponseCases(t *testing.T, cs *contractSandbox, cases []responseCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := cs.send(t, tc.call())
			if a.status != tc.status {
				t.Fatalf("%s: status %d, want %d: %s", tc.op, a.status, tc.status, a.raw)
			}
			cs.mustMatch(t, tc.op, a)
			var body any
			if len(bytes.TrimSpace(a.raw)) > 0 {
				var err error
				if body, err = apispec.DecodeJSON(a.raw); err != nil {
					t.Fatalf("%s: the answer is not JSON: %v: %s", tc.op, err, a.raw)
				}
			}
			checkEnums(t, tc.op, body, tc.enums)
			if tc.check != nil {
				tc.check(t, body)
			}
		})
	}
}

// TestResponseValidatorCatchesBadAnswers guards the guard: answers that
// break the contract are refused, so a passing contract test means something.
func TestResponseValidatorCatchesBadAnswers(t *testing.T) {
	cs := newContractSandbox(t)
	jsonCT := http.Header{"Content-Type": {"application/json"}}
	for _, tc := range []struct {
		name   string
		op     string
		call   apiCall
		status int
		header http.Header
		raw    string
		want   string
	}{
		{"type as a string", "user", apiCall{method: "GET", path: "/users/x"}, 200, jsonCT, `{"id":"x","type":"2"}`, "/type"},
		{"type missing", "user", apiCall{method: "GET", path: "/users/x"}, 200, jsonCT, `{"id":"x"}`, "type"},
		{"manager empty", "user", apiCall{method: "GET", path: "/users/x"}, 200, jsonCT, `{"type":1,"manager":""}`, "manager"},
		{"created_at not a date-time", "users", apiCall{method: "GET", path: "/users"}, 200, jsonCT,
			`{"users":[{"email":"a@b.example","type":1,"created_at":"2021-03-01 10:00"}]}`, "created_at"},
		{"list email not an email", "users", apiCall{method: "GET", path: "/users"}, 200, jsonCT, `{"users":[{"email":"nobody","type":1}]}`, "email"},
		{"200 where the spec says 201", "groupCreate", apiCall{method: "POST", path: "/groups", body: map[string]any{"name": "x"}}, 200, jsonCT, `{"id":"g"}`, "not one the spec declares"},
		{"body on a 204", "groupMembersDelete", apiCall{method: "DELETE", path: "/groups/g/members/m"}, 204, jsonCT, `{}`, "no content"},
		{"error code as a string", "group", apiCall{method: "GET", path: "/groups/g"}, 404, jsonCT, `{"code":"4130","message":"x"}`, "/code"},
		{"not JSON", "userSummary", apiCall{method: "GET", path: "/users/summary"}, 200, http.Header{"Content-Type": {"text/html"}}, `<html></html>`, "text/html"},
	} {
		req, payload := cs.request(t, tc.call)
		a := &answer{req: req, body: payload, status: tc.status, header: tc.header, raw: []byte(tc.raw)}
		problems := strings.Join(cs.validate(tc.op, a), "\n")
		if !strings.Contains(problems, tc.want) {
			t.Errorf("%s: problems %q, want one naming %q", tc.name, problems, tc.want)
		}
	}
}

// TestSandboxErrorsMatchTheErrorResponse validates error answers against the
// spec's default response, the ErrorResponse schema, and the codes against
// the reference and Zoom's published error codes. ErrorResponse requires nothing, so code and
// message are asserted by hand.
func TestSandboxErrorsMatchTheErrorResponse(t *testing.T) {
	cs := newContractSandbox(t)
	users, groups, _ := ids(cs.srv)
	for _, tc := range []struct {
		name   string
		op     string
		call   apiCall
		status int
		code   int
		field  string // errors[].field, when the answer names one
	}{
		{"1001 user does not exist", "user", apiCall{method: "GET", path: "/users/nobody@acme.example"}, 404, 1001, ""},
		{"4130 group does not exist", "group", apiCall{method: "GET", path: "/groups/no-such-group"}, 404, 4130, ""},
		{"4131 group member does not exist", "groupMembersDelete",
			apiCall{method: "DELETE", path: "/groups/" + groups["Engineering"] + "/members/" + users["sam.seller@acme.example"]}, 404, 4131, ""},
		{"1005 email already used", "userCreate", apiCall{method: "POST", path: "/users", body: map[string]any{"action": "create",
			"user_info": map[string]any{"email": "grace.hopper@acme.example", "type": 1}}}, 409, 1005, ""},
		{"300 invalid field", "users", apiCall{method: "GET", path: "/users", query: url.Values{"status": {"dormant"}}}, 400, 300, "status"},
		{"124 invalid token", "userSummary", apiCall{method: "GET", path: "/users/summary", token: "not-a-token"}, 401, 124, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := cs.send(t, tc.call)
			if a.status != tc.status {
				t.Fatalf("status %d, want %d: %s", a.status, tc.status, a.raw)
			}
			cs.mustMatch(t, tc.op, a)
			var e struct {
				Code    *int    `json:"code"`
				Message *string `json:"message"`
				Errors  []struct {
					Field, Message string
				} `json:"errors"`
			}
			if err := json.Unmarshal(a.raw, &e); err != nil {
				t.Fatalf("not an ErrorResponse: %v: %s", err, a.raw)
			}
			if e.Code == nil || *e.Code != tc.code {
				t.Errorf("code = %v, want %d: %s", e.Code, tc.code, a.raw)
			}
			if e.Message == nil || *e.Message == "" {
				t.Errorf("no message: %s", a.raw)
			}
			if tc.field != "" && (len(e.Errors) == 0 || e.Errors[0].Field != tc.field || e.Errors[0].Message == "") {
				t.Errorf("errors = %+v, want one naming field %q", e.Errors, tc.field)
			}
		})
	}
}

// TestSandboxDivisionsMatchTheReference: the OpenAPI file has no divisions,
// so each division answer is compared field by field with the text
// reference's example for its status: the same field names, each of the
// same JSON type (arrays' items against the example's first item).
func TestSandboxDivisionsMatchTheReference(t *testing.T) {
	apispec.File(t, apispec.ReferenceName) // the spec is not needed: it has no divisions
	cs := startSandbox(t)
	var emea string
	for _, d := range cs.srv.Divisions() {
		if d.Name == "EMEA" {
			emea = d.ID
		}
	}
	users, _, _ := ids(cs.srv)
	var created string
	for _, tc := range []struct {
		title  string // the reference's section
		call   func() apiCall
		status int
	}{
		{"List divisions", func() apiCall { return apiCall{method: "GET", path: "/divisions"} }, 200},
		{"Get a division", func() apiCall { return apiCall{method: "GET", path: "/divisions/" + emea} }, 200},
		{"Create a division", func() apiCall {
			return apiCall{method: "POST", path: "/divisions", body: map[string]any{"division_name": "Contract Division", "division_description": "made by the contract test"}}
		}, 201},
		{"List division members", func() apiCall { return apiCall{method: "GET", path: "/divisions/" + emea + "/users"} }, 200},
		{"Assign a division", func() apiCall {
			return apiCall{method: "POST", path: "/divisions/" + created + "/users", body: map[string]any{
				"users": []any{map[string]any{"user_id": users["grace.hopper@acme.example"]}, map[string]any{"user_email": "alan.turing@acme.example"}}}}
		}, 201},
	} {
		t.Run(tc.title, func(t *testing.T) {
			example := apispec.ReferenceExample(t, tc.title, fmt.Sprintf("Status: %d", tc.status))
			a := cs.send(t, tc.call())
			if a.status != tc.status {
				t.Fatalf("status %d, want %d (the reference's): %s", a.status, tc.status, a.raw)
			}
			if ct := a.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q", ct)
			}
			v, err := apispec.DecodeJSON(a.raw)
			if err != nil {
				t.Fatalf("not JSON: %v: %s", err, a.raw)
			}
			body, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("a JSON %s, want an object: %s", apispec.JSONKind(v), a.raw)
			}
			sameFields(t, "", body, example)
			switch tc.title {
			case "Create a division":
				created, _ = body["division_id"].(string)
			case "Assign a division":
				// added_at: the example's "2022-03-25T03:08:12Z"; ids: comma-separated.
				if at, _ := body["added_at"].(string); !isRFC3339(at) {
					t.Errorf("added_at %q is not a date-time like the example's", at)
				}
				if ids, _ := body["ids"].(string); len(strings.Split(ids, ",")) != 2 {
					t.Errorf("ids = %q, want the 2 users, comma-separated", ids)
				}
			case "List divisions", "List division members":
				items := "divisions"
				if tc.title == "List division members" {
					items = "users"
				}
				if len(apispec.ValuesAt(body, items+"[]")) == 0 {
					t.Errorf("no %s listed: nothing to compare with the example", items)
				}
			}
		})
	}
	t.Run("unknown division is 404 code 40406", func(t *testing.T) {
		a := cs.send(t, apiCall{method: "POST", path: "/divisions/no-such-division/users", body: map[string]any{
			"users": []any{map[string]any{"user_email": "alan.turing@acme.example"}}}})
		var e struct{ Code int }
		if err := json.Unmarshal(a.raw, &e); err != nil || a.status != 404 || e.Code != 40406 {
			t.Errorf("status %d %s, want 404 with code 40406 (Assign a division)", a.status, a.raw)
		}
	})
}

// sameFields asserts that body has exactly the fields of the reference's
// example, each of the same JSON type, recursively.
func sameFields(t *testing.T, path string, body, example map[string]any) {
	t.Helper()
	for _, k := range apispec.SortedKeys(example) {
		if _, ok := body[k]; !ok {
			t.Errorf("field %s of the reference's example is missing", strings.TrimPrefix(path+"."+k, "."))
		}
	}
	for _, k := range apispec.SortedKeys(body) {
		p := strings.TrimPrefix(path+"."+k, ".")
		ex, ok := example[k]
		if !ok {
			t.Errorf("field %s is not in the reference's example", p)
			continue
		}
		got := body[k]
		if apispec.JSONKind(got) != apispec.JSONKind(ex) {
			t.Errorf("field %s is a JSON %s, the reference's example has a %s", p, apispec.JSONKind(got), apispec.JSONKind(ex))
			continue
		}
		switch got := got.(type) {
		case map[string]any:
			sameFields(t, p, got, ex.(map[string]any))
		case []any:
			exItems := ex.([]any)
			if len(exItems) == 0 {
				continue
			}
			for i, it := range got {
				ip := fmt.Sprintf("%s[%d]", p, i)
				if apispec.JSONKind(it) != apispec.JSONKind(exItems[0]) {
					t.Errorf("%s is a JSON %s, the reference's example has a %s", ip, apispec.JSONKind(it), apispec.JSONKind(exItems[0]))
					continue
				}
				if m, ok := it.(map[string]any); ok {
					sameFields(t, ip, m, exItems[0].(map[string]any))
				}
			}
		}
	}
}

func isRFC3339(s string) bool {
	_, err := time.Parse(time.RFC3339, s)
	return err == nil
}
