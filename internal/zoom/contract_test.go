package zoom_test

// Client request contract: every client method that has an operation in
// Zoom's published OpenAPI file runs against the sandbox through a recording
// proxy, and every request it sends (method, path, query, JSON body) is
// validated against the operation the spec routes it to, with kin-openapi's
// openapi3filter.ValidateRequest. Divisions, which the spec lacks, are
// checked by hand against the text reference.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/zoombulk/zoombulk/internal/zoom"
	"github.com/zoombulk/zoombulk/internal/zoom/apispec"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// recorded is one API request as the sandbox received it.
type recorded struct {
	Method string
	URI    string // path and query, as sent
	Header http.Header
	Body   []byte
}

func (r recorded) String() string { return r.Method + " " + r.URI }

// recorder keeps the API requests passing through the proxy.
type recorder struct {
	mu   sync.Mutex
	reqs []recorded
}

func (r *recorder) add(req recorded) {
	r.mu.Lock()
	r.reqs = append(r.reqs, req)
	r.mu.Unlock()
}

// take returns the requests recorded since the last take.
func (r *recorder) take() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.reqs
	r.reqs = nil
	return out
}

// contractEnv is a sandbox behind a recording proxy, a client that talks to
// the proxy, and a router over the spec whose server is the proxy.
type contractEnv struct {
	srv    *zoomtest.Server
	proxy  *httptest.Server
	rec    *recorder
	client *zoom.Client
	router routers.Router
}

func newContractEnv(t *testing.T) *contractEnv {
	t.Helper()
	apispec.File(t, apispec.SpecName) // skip before starting anything when the spec is absent
	srv := seeded(t, zoomtest.Options{
		NoRateLimits:     true, // deterministic: no 429s
		FeaturesInterval: -1,   // no 10 s spacing of POST /users/features
		DailyCreateCap:   -1,
		Users:            25, // enough active users for a listing of several pages
	})
	rec := &recorder{}
	sandbox := srv.Handler()
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		if r.URL.Path != "/oauth/token" { // the token endpoint is not part of the Users API
			rec.add(recorded{Method: r.Method, URI: r.URL.RequestURI(), Header: r.Header.Clone(), Body: body})
		}
		sandbox.ServeHTTP(w, r)
	}))
	t.Cleanup(proxy.Close)
	c := newClient(t, srv, func(cfg *zoom.Config) {
		cfg.APIURL, cfg.OAuthURL = proxy.URL+"/v2", proxy.URL+"/oauth/token"
		cfg.NoLimits = true // no client-side pacing either
		cfg.MaxAttempts = 1 // nothing here should need a retry; one would be recorded twice
	})
	_, router := contractSpec.Load(t, proxy.URL+"/v2")
	return &contractEnv{srv: srv, proxy: proxy, rec: rec, client: c, router: router}
}

// contractSpec is the spec with the body of PATCH /users/{userId}/settings
// narrowed to its alternative "The user's settings.": the others are the
// bodies of the ?option= variants, and as none has a required field any
// object would match several and the oneOf could never pass.
var contractSpec = apispec.NewLoader(func(doc *openapi3.T) error {
	pi := doc.Paths.Value("/users/{userId}/settings")
	if pi == nil || pi.Patch == nil || pi.Patch.RequestBody == nil || pi.Patch.RequestBody.Value == nil {
		return nil
	}
	if mt := pi.Patch.RequestBody.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil && mt.Schema.Value != nil {
		for _, alt := range mt.Schema.Value.OneOf {
			if alt.Value != nil && alt.Value.Properties["recording"] != nil {
				mt.Schema = alt
				break
			}
		}
	}
	return nil
})

// route finds the spec's operation for a recorded request, as a request to
// the proxy.
func (e *contractEnv) route(r recorded) (*http.Request, *routers.Route, map[string]string, error) {
	req, err := http.NewRequest(r.Method, e.proxy.URL+r.URI, bytes.NewReader(r.Body))
	if err != nil {
		return nil, nil, nil, err
	}
	req.Header = r.Header.Clone()
	route, params, err := e.router.FindRoute(req)
	return req, route, params, err
}

// referenceOnlyFields are body fields the spec's schemas lack and the text
// reference documents; a body may carry them.
var referenceOnlyFields = map[string][]string{
	"userCreate":        {"user_info.division_ids"}, // Create users: user_info.division_ids
	"userUpdate":        {"division_ids"},           // Update a user: division_ids
	"bulkUpdateFeature": {"subscription_id"},        // Bulk update features for users: subscription_id
}

// enumRule is a value list the spec lost when its enums were stripped,
// restored from the text reference (or Zoom's documentation where the reference has no
// query parameters).
type enumRule struct {
	in      string // "query" or "body"
	path    string // query name, or an apispec.ValuesAt path into the body
	allowed []string
}

var requestEnums = map[string][]enumRule{
	// Zoom's List users documentation (the reference lists no query parameters): status = active | inactive | pending.
	"users": {{"query", "status", []string{"active", "inactive", "pending"}}},
	// Create users: action and user_info.type.
	"userCreate": {
		{"body", "action", []string{"create", "autoCreate", "custCreate", "ssoCreate"}},
		{"body", "user_info.type", []string{"1", "2", "4", "99"}},
	},
	// Update a user: type.
	"userUpdate": {{"body", "type", []string{"1", "2", "4", "99"}}},
	// Update user status: action.
	"userStatus": {{"body", "action", []string{"activate", "deactivate", "clock_in", "clock_out"}}},
	// Zoom's Delete a user documentation: action = disassociate | delete.
	"userDelete": {{"query", "action", []string{"disassociate", "delete"}}},
	// Bulk update features for users: feature_type.
	"bulkUpdateFeature": {{"body", "feature_type", []string{"user_type", "concurrent_meeting", "large_meeting", "webinar",
		"zoom_events", "zoom_whiteboard", "plan_united_type", "zoom_one_type", "zoom_iq_for_sales", "zoom_revenue_accelerator", "zoom_clips_plus"}}},
	// Update a group member: action.
	"updateAGroupMember": {{"body", "action", []string{"move", "set_primary"}}},
	// Add contact group members: group_members[].type.
	"contactGroupMemberAdd": {{"body", "group_members[].type", []string{"1", "2"}}},
}

// validate checks one request against the spec and returns the operation it
// was routed to. Beyond ValidateRequest it refuses query parameters and body
// fields the operation does not declare, and values outside the reference's
// lists.
//
// Beyond the choices of apispec.ValidationOptions, where the spec and the
// text reference differ in strictness, for the requests:
//   - format email: the reference's prose adds that PATCH manager may be a
//     display name; the client passes the caller's value through, and the
//     test sends an address, which both accept.
//   - additionalProperties: the spec never forbids extra fields, so
//     undeclaredFields refuses body fields the spec does not name, unless
//     the reference documents them (referenceOnlyFields).
//   - enums: stripped from the spec; restored by hand from the reference
//     (requestEnums).
func (e *contractEnv) validate(ctx context.Context, r recorded) (string, error) {
	req, route, params, err := e.route(r)
	if err != nil {
		return "", fmt.Errorf("no operation in the spec: %w", err)
	}
	op := route.Operation.OperationID
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: apispec.ValidationOptions()}
	var problems []string
	if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
		problems = append(problems, err.Error())
	}
	query := req.URL.Query()
	for _, name := range apispec.SortedKeys(query) {
		if route.Operation.Parameters.GetByInAndName(openapi3.ParameterInQuery, name) == nil &&
			route.PathItem.Parameters.GetByInAndName(openapi3.ParameterInQuery, name) == nil {
			problems = append(problems, fmt.Sprintf("query parameter %q is not a parameter of %s", name, op))
		}
	}
	var body any
	if len(r.Body) > 0 && !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		if body, err = apispec.DecodeJSON(r.Body); err != nil {
			problems = append(problems, "body is not JSON: "+err.Error())
		} else if rb := route.Operation.RequestBody; rb != nil && rb.Value != nil {
			if mt := rb.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil {
				for _, f := range undeclaredFields(mt.Schema.Value, body, "", referenceOnlyFields[op]) {
					problems = append(problems, fmt.Sprintf("body field %q is neither in the spec nor in the reference", f))
				}
			}
		}
	}
	for _, rule := range requestEnums[op] {
		var vals []any
		if rule.in == "query" {
			for _, v := range query[rule.path] {
				vals = append(vals, v)
			}
		} else {
			vals = apispec.ValuesAt(body, rule.path)
		}
		for _, v := range vals {
			if !slices.Contains(rule.allowed, fmt.Sprint(v)) {
				problems = append(problems, fmt.Sprintf("%s %s = %v: the reference allows %v", rule.in, rule.path, v, rule.allowed))
			}
		}
	}
	if len(problems) > 0 {
		return op, errors.New(strings.Join(problems, "\n\t"))
	}
	return op, nil
}

// drain walks an iterator to its end.
func drain[T any](seq iter.Seq2[T, error]) (n int, err error) {
	for _, err := range seq {
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// fixture names the seed's objects by email or name.
type fixture struct {
	users, groups, contacts, divisions map[string]string
}

func newFixture(t *testing.T, srv *zoomtest.Server) *fixture {
	t.Helper()
	f := &fixture{users: map[string]string{}, groups: map[string]string{}, contacts: map[string]string{}, divisions: map[string]string{}}
	for _, u := range srv.Users() {
		f.users[u.Email] = u.ID
	}
	for _, g := range srv.Groups() {
		f.groups[g.Name] = g.ID
	}
	for _, cg := range srv.ContactGroups() {
		f.contacts[cg.Name] = cg.ID
	}
	for _, d := range srv.Divisions() {
		f.divisions[d.Name] = d.ID
	}
	return f
}

func must(t *testing.T, m map[string]string, key string) string {
	t.Helper()
	v, ok := m[key]
	if !ok {
		t.Fatalf("the seed has no %q", key)
	}
	return v
}

// requestCase is one client call and the operation its requests must go to.
type requestCase struct {
	name string
	op   string // operationId in the spec
	run  func(ctx context.Context, c *zoom.Client) error
	// check, if set, asserts more about the bodies the case sent.
	check func(t *testing.T, reqs []recorded)
}

// bodyOf decodes the JSON body of a recorded request.
func bodyOf(t *testing.T, r recorded) map[string]any {
	t.Helper()
	v, err := apispec.DecodeJSON(r.Body)
	if err != nil {
		t.Fatalf("%s: body %q: %v", r, r.Body, err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%s: body is a %s, want an object", r, apispec.JSONKind(v))
	}
	return m
}

// wantKinds asserts the JSON types of body fields ("type": "number").
func wantKinds(t *testing.T, r recorded, kinds map[string]string) {
	t.Helper()
	body := bodyOf(t, r)
	for _, path := range apispec.SortedKeys(kinds) {
		vals := apispec.ValuesAt(body, path)
		if len(vals) == 0 {
			t.Errorf("%s: body has no %s: %s", r, path, r.Body)
		}
		for _, v := range vals {
			if got := apispec.JSONKind(v); got != kinds[path] {
				t.Errorf("%s: %s is a JSON %s (%v), want a %s", r, path, got, v, kinds[path])
			}
		}
	}
}

func wantQuery(t *testing.T, r recorded, want map[string]string) {
	t.Helper()
	_, q, _ := strings.Cut(r.URI, "?")
	vals, err := parseQuery(q)
	if err != nil {
		t.Fatalf("%s: %v", r, err)
	}
	for _, k := range apispec.SortedKeys(want) {
		if got := vals[k]; len(got) != 1 || got[0] != want[k] {
			t.Errorf("%s: query %s = %q, want %q", r, k, got, want[k])
		}
	}
}

func TestClientRequestsMatchTheOpenAPISpec(t *testing.T) {
	env := newContractEnv(t)
	fx := newFixture(t, env.srv)
	grace := must(t, fx.users, "grace.hopper@acme.example")
	linus := must(t, fx.users, "linus.berg@acme.example")
	tom := must(t, fx.users, "tom.nguyen@acme.example")
	ada := must(t, fx.users, "ada.lovelace@acme.example")
	engineering := must(t, fx.groups, "Engineering")
	operations := must(t, fx.groups, "Operations")
	support := must(t, fx.groups, "Support")
	london := must(t, fx.contacts, "London Office")
	emea := must(t, fx.divisions, "EMEA")
	apac := must(t, fx.divisions, "APAC")
	var qaGroup string // created by a case, used by later ones

	list := func(status, role string, size int) func(context.Context, *zoom.Client) error {
		return func(ctx context.Context, c *zoom.Client) error {
			n, err := drain(c.ListUsers(ctx, zoom.ListUsersOptions{Status: status, RoleID: role, PageSize: size}))
			if err == nil && n == 0 {
				err = fmt.Errorf("listed no %s users", status)
			}
			return err
		}
	}
	cases := []requestCase{
		{name: "ListUsers active, several pages", op: "users", run: list(zoom.StatusActive, "", 10),
			check: func(t *testing.T, reqs []recorded) {
				if len(reqs) < 2 {
					t.Fatalf("%d requests: the listing did not page (the follow-up request with next_page_token is part of the contract)", len(reqs))
				}
				wantQuery(t, reqs[0], map[string]string{"status": "active", "page_size": "10"})
				if !strings.Contains(reqs[1].URI, "next_page_token=") {
					t.Errorf("%s: the second page does not carry next_page_token", reqs[1])
				}
			}},
		{name: "ListUsers inactive", op: "users", run: list(zoom.StatusInactive, "", 0),
			check: func(t *testing.T, reqs []recorded) {
				wantQuery(t, reqs[0], map[string]string{"status": "inactive", "page_size": "2000"})
			}},
		{name: "ListUsers pending", op: "users", run: list(zoom.StatusPending, "", 300)},
		{name: "ListUsers default status, by role", op: "users", run: list("", "2", 0),
			check: func(t *testing.T, reqs []recorded) { wantQuery(t, reqs[0], map[string]string{"role_id": "2"}) }},
		{name: "GetUser by ID", op: "user", run: func(ctx context.Context, c *zoom.Client) error {
			_, err := c.GetUser(ctx, grace)
			return err
		}},
		{name: "GetUser by email", op: "user", run: func(ctx context.Context, c *zoom.Client) error {
			_, err := c.GetUser(ctx, "grace.hopper@acme.example")
			return err
		}},
		{name: "CreateUser create", op: "userCreate", run: func(ctx context.Context, c *zoom.Client) error {
			_, err := c.CreateUser(ctx, zoom.ActionCreate, zoom.NewUser{Email: "contract.basic@acme.example", Type: zoom.TypeBasic,
				FirstName: "Con", LastName: "Tract", DisplayName: "Con Tract"})
			return err
		}, check: func(t *testing.T, reqs []recorded) {
			wantKinds(t, reqs[0], map[string]string{"action": "string", "user_info.email": "string", "user_info.type": "number",
				"user_info.first_name": "string", "user_info.display_name": "string"})
		}},
		{name: "CreateUser autoCreate with password and division", op: "userCreate", run: func(ctx context.Context, c *zoom.Client) error {
			_, err := c.CreateUser(ctx, zoom.ActionAutoCreate, zoom.NewUser{Email: "contract.licensed@acme.example", Type: zoom.TypeLicensed,
				FirstName: "Li", LastName: "Censed", Password: "Qx7#kPz9Lm", DivisionIDs: []string{emea}})
			return err
		}, check: func(t *testing.T, reqs []recorded) {
			wantKinds(t, reqs[0], map[string]string{"user_info.password": "string", "user_info.division_ids": "array", "user_info.division_ids[]": "string"})
		}},
		{name: "UpdateUser profile, type and dept", op: "userUpdate", run: func(ctx context.Context, c *zoom.Client) error {
			return c.UpdateUser(ctx, linus, map[string]any{
				"first_name": "Linus", "last_name": "Berg", "display_name": "Linus B.", "dept": "Platform", "type": zoom.TypeLicensed,
				"job_title": "Staff Engineer", "location": "Berlin", "company": "Acme", "timezone": "Europe/Berlin", "language": "de-DE",
				"cost_center": "CC-42", "phone_number": "+49 30 1234567", "phone_country": "DE",
				// The reference: "provide the manager's email address or display
				// name"; the spec says format email. An address satisfies both.
				"manager": "olivia.owner@acme.example",
			})
		}, check: func(t *testing.T, reqs []recorded) {
			wantKinds(t, reqs[0], map[string]string{"type": "number", "dept": "string", "manager": "string"})
		}},
		{name: "UpdateUser clears dept", op: "userUpdate", run: func(ctx context.Context, c *zoom.Client) error {
			return c.UpdateUser(ctx, "linus.berg@acme.example", map[string]any{"dept": ""})
		}, check: func(t *testing.T, reqs []recorded) {
			if got := string(reqs[0].Body); got != `{"dept":""}` {
				t.Errorf("body %s, want {\"dept\":\"\"}: only the given fields, an empty string to clear", got)
			}
		}},
		{name: "UpdateUser pmi and division", op: "userUpdate", run: func(ctx context.Context, c *zoom.Client) error {
			return c.UpdateUser(ctx, linus, map[string]any{"pmi": int64(3542471135), "division_ids": []string{apac}})
		}, check: func(t *testing.T, reqs []recorded) {
			wantKinds(t, reqs[0], map[string]string{"pmi": "number", "division_ids[]": "string"})
		}},
		{name: "SetUserStatus deactivate", op: "userStatus", run: func(ctx context.Context, c *zoom.Client) error {
			return c.SetUserStatus(ctx, tom, zoom.StatusDeactivate)
		}},
		{name: "SetUserStatus activate", op: "userStatus", run: func(ctx context.Context, c *zoom.Client) error {
			return c.SetUserStatus(ctx, "tom.nguyen@acme.example", zoom.StatusActivate)
		}},
		{name: "DeleteUser default action", op: "userDelete", run: func(ctx context.Context, c *zoom.Client) error {
			return c.DeleteUser(ctx, "contract.basic@acme.example", zoom.DeleteOptions{})
		}, check: func(t *testing.T, reqs []recorded) {
			if strings.Contains(reqs[0].URI, "?") {
				t.Errorf("%s: no options, yet a query", reqs[0])
			}
		}},
		{name: "DeleteUser delete with transfer_email", op: "userDelete", run: func(ctx context.Context, c *zoom.Client) error {
			return c.DeleteUser(ctx, "contract.licensed@acme.example", zoom.DeleteOptions{Action: "delete", TransferEmail: "olivia.owner@acme.example"})
		}, check: func(t *testing.T, reqs []recorded) {
			wantQuery(t, reqs[0], map[string]string{"action": "delete", "transfer_email": "olivia.owner@acme.example",
				"transfer_meeting": "true", "transfer_webinar": "true", "transfer_recording": "true", "transfer_whiteboard": "true",
				"transfer_clipfiles": "true", "transfer_notes": "true", "transfer_docs": "true", "transfer_visitors": "true"})
		}},
		{name: "UpdateSettings", op: "userSettingsUpdate", run: func(ctx context.Context, c *zoom.Client) error {
			return c.UpdateSettings(ctx, linus, map[string]any{"recording.cloud_recording": true, "recording.auto_recording": "cloud",
				"in_meeting.allow_participants_chat_with": 2, "schedule_meeting.host_video": false})
		}, check: func(t *testing.T, reqs []recorded) {
			wantKinds(t, reqs[0], map[string]string{"recording.cloud_recording": "boolean", "recording.auto_recording": "string",
				"in_meeting.allow_participants_chat_with": "number", "schedule_meeting.host_video": "boolean"})
		}},
		{name: "GetSettings", op: "userSettings", run: func(ctx context.Context, c *zoom.Client) error {
			s, err := c.GetSettings(ctx, linus)
			if v, _ := s.Get("recording.auto_recording"); err == nil && v != "cloud" {
				err = fmt.Errorf("auto_recording reads back %v", v)
			}
			return err
		}},
		{name: "ChangeEmail", op: "userEmailUpdate", run: func(ctx context.Context, c *zoom.Client) error {
			return c.ChangeEmail(ctx, linus, "linus.b@acme.example")
		}},
		{name: "RevokeSSOToken", op: "userSSOTokenDelete", run: func(ctx context.Context, c *zoom.Client) error {
			return c.RevokeSSOToken(ctx, linus)
		}},
		{name: "UploadPicture", op: "userPicture", run: func(ctx context.Context, c *zoom.Client) error {
			// The smallest PNG: the signature and an IHDR chunk are enough to sniff.
			png := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...)
			return c.UploadPicture(ctx, linus, "linus.png", png)
		}, check: func(t *testing.T, reqs []recorded) {
			if ct := reqs[0].Header.Get("Content-Type"); !strings.HasPrefix(ct, "multipart/form-data; boundary=") {
				t.Errorf("%s: Content-Type %q", reqs[0], ct)
			}
			if !bytes.Contains(reqs[0].Body, []byte(`name="pic_file"; filename="linus.png"`)) {
				t.Errorf("%s: no pic_file part: %.200q", reqs[0], reqs[0].Body)
			}
		}},
		{name: "CheckEmail", op: "userEmail", run: func(ctx context.Context, c *zoom.Client) error {
			ok, err := c.CheckEmail(ctx, "grace.hopper@acme.example")
			if err == nil && !ok {
				err = errors.New("a seeded email is not known")
			}
			return err
		}},
		{name: "UserSummary", op: "userSummary", run: func(ctx context.Context, c *zoom.Client) error {
			_, err := c.UserSummary(ctx)
			return err
		}},
		{name: "GetUserSettings", op: "userSettings", run: func(ctx context.Context, c *zoom.Client) error {
			_, err := c.GetUserSettings(ctx, grace)
			return err
		}},
		{name: "UpdateFeatures by id and email", op: "bulkUpdateFeature", run: func(ctx context.Context, c *zoom.Client) error {
			_, err := c.UpdateFeatures(ctx, zoom.FeatureUpdate{FeatureType: "webinar", FeatureValue: "64",
				Users: []zoom.UserRef{{ID: grace}, {Email: "alan.turing@acme.example"}}})
			return err
		}, check: func(t *testing.T, reqs []recorded) {
			wantKinds(t, reqs[0], map[string]string{"feature_type": "string", "feature_value": "string", "users": "array"})
		}},
		{name: "UpdateFeatures with a subscription", op: "bulkUpdateFeature", run: func(ctx context.Context, c *zoom.Client) error {
			_, err := c.UpdateFeatures(ctx, zoom.FeatureUpdate{FeatureType: "user_type", FeatureValue: "2", SubscriptionID: "SUBREF-ACME-2026",
				Users: []zoom.UserRef{{ID: tom}}})
			return err
		}, check: func(t *testing.T, reqs []recorded) {
			wantKinds(t, reqs[0], map[string]string{"subscription_id": "string", "users[].id": "string"})
		}},
		{name: "ListGroups", op: "groups", run: func(ctx context.Context, c *zoom.Client) error {
			_, err := c.ListGroups(ctx)
			return err
		}},
		{name: "GetGroup", op: "group", run: func(ctx context.Context, c *zoom.Client) error {
			_, err := c.GetGroup(ctx, engineering)
			return err
		}},
		{name: "CreateGroup", op: "groupCreate", run: func(ctx context.Context, c *zoom.Client) error {
			g, err := c.CreateGroup(ctx, "Contract QA")
			if err == nil {
				qaGroup = g.ID
			}
			return err
		}},
		{name: "ListGroupMembers", op: "groupMembers", run: func(ctx context.Context, c *zoom.Client) error {
			_, err := drain(c.ListGroupMembers(ctx, engineering))
			return err
		}},
		{name: "AddGroupMembers by id and email", op: "groupMembersCreate", run: func(ctx context.Context, c *zoom.Client) error {
			_, err := c.AddGroupMembers(ctx, qaGroup, []zoom.UserRef{{ID: grace}, {Email: "alan.turing@acme.example"}})
			return err
		}, check: func(t *testing.T, reqs []recorded) {
			wantKinds(t, reqs[0], map[string]string{"members": "array", "members[].id": "string", "members[].email": "string"})
		}},
		{name: "MoveGroupMember", op: "updateAGroupMember", run: func(ctx context.Context, c *zoom.Client) error {
			return c.MoveGroupMember(ctx, operations, ada, support)
		}},
		{name: "SetPrimaryGroup", op: "updateAGroupMember", run: func(ctx context.Context, c *zoom.Client) error {
			return c.SetPrimaryGroup(ctx, support, ada, support)
		}},
		{name: "RemoveGroupMember", op: "groupMembersDelete", run: func(ctx context.Context, c *zoom.Client) error {
			return c.RemoveGroupMember(ctx, qaGroup, grace)
		}},
		{name: "ListContactGroups", op: "contactGroups", run: func(ctx context.Context, c *zoom.Client) error {
			_, err := c.ListContactGroups(ctx)
			return err
		}},
		{name: "ListContactGroupMembers", op: "contactGroupMembers", run: func(ctx context.Context, c *zoom.Client) error {
			_, err := drain(c.ListContactGroupMembers(ctx, london))
			return err
		}},
		{name: "AddContactGroupMembers user and group", op: "contactGroupMemberAdd", run: func(ctx context.Context, c *zoom.Client) error {
			_, err := c.AddContactGroupMembers(ctx, london, []zoom.ContactGroupMember{{ID: grace, Type: 1}, {ID: engineering, Type: 2}})
			return err
		}, check: func(t *testing.T, reqs []recorded) {
			wantKinds(t, reqs[0], map[string]string{"group_members[].id": "string", "group_members[].type": "number"})
		}},
		{name: "RemoveContactGroupMembers", op: "contactGroupMemberRemove", run: func(ctx context.Context, c *zoom.Client) error {
			return c.RemoveContactGroupMembers(ctx, london, []string{grace, engineering})
		}, check: func(t *testing.T, reqs []recorded) {
			wantQuery(t, reqs[0], map[string]string{"member_ids": grace + "," + engineering})
		}},
	}

	ctx := context.Background()
	seen := map[string]bool{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env.rec.take()
			if err := tc.run(ctx, env.client); err != nil {
				t.Fatalf("%s: the call failed against the sandbox: %v", tc.op, err)
			}
			reqs := env.rec.take()
			if len(reqs) == 0 {
				t.Fatalf("%s: no request reached the proxy", tc.op)
			}
			for _, r := range reqs {
				op, err := env.validate(ctx, r)
				if op != tc.op {
					t.Errorf("%s: routed to operation %q, want %q", r, op, tc.op)
				}
				if err != nil {
					t.Errorf("%s (%s) does not match the spec:\n\t%v\n\tbody: %s", tc.op, r, err, r.Body)
				}
				seen[op] = true
			}
			if tc.check != nil {
				tc.check(t, reqs)
			}
		})
	}

	// Every operation of the brief was exercised.
	var missing []string
	for _, op := range []string{"users", "user", "userCreate", "userUpdate", "userStatus", "userDelete", "userEmail", "userSummary",
		"userSettings", "bulkUpdateFeature", "groups", "group", "groupCreate", "groupMembers", "groupMembersCreate",
		"updateAGroupMember", "groupMembersDelete", "contactGroups", "contactGroupMembers", "contactGroupMemberAdd",
		"contactGroupMemberRemove", "userSettingsUpdate", "userEmailUpdate", "userSSOTokenDelete", "userPicture"} {
		if !seen[op] {
			missing = append(missing, op)
		}
	}
	if len(missing) > 0 {
		t.Errorf("operations never exercised: %v", missing)
	}
}

// TestValidatorCatchesABadRequest guards the guard: requests that break the
// contract are refused, so a passing contract test means something.
func TestValidatorCatchesABadRequest(t *testing.T) {
	env := newContractEnv(t)
	hdr := http.Header{"Content-Type": {"application/json"}}
	for _, tc := range []struct {
		name string
		r    recorded
		want string
	}{
		{"create without action", recorded{Method: "POST", URI: "/v2/users", Header: hdr, Body: []byte(`{"user_info":{"email":"a@b.example","type":1}}`)}, "action"},
		{"type as a string", recorded{Method: "PATCH", URI: "/v2/users/abc", Header: hdr, Body: []byte(`{"type":"2"}`)}, "type"},
		{"misspelt field", recorded{Method: "PATCH", URI: "/v2/users/abc", Header: hdr, Body: []byte(`{"frist_name":"A"}`)}, "frist_name"},
		{"unknown query parameter", recorded{Method: "GET", URI: "/v2/users?pagesize=10"}, "pagesize"},
		{"page_size over the maximum", recorded{Method: "GET", URI: "/v2/groups?page_size=301"}, "page_size"},
		{"manager not an email", recorded{Method: "PATCH", URI: "/v2/users/abc", Header: hdr, Body: []byte(`{"manager":"Boss <boss@x.example>"}`)}, "manager"},
		{"status outside the reference's list", recorded{Method: "PUT", URI: "/v2/users/abc/status", Header: hdr, Body: []byte(`{"action":"suspend"}`)}, "suspend"},
		{"body on a GET", recorded{Method: "GET", URI: "/v2/users/summary", Header: hdr, Body: []byte(`{}`)}, "body"},
		{"features without users", recorded{Method: "POST", URI: "/v2/users/features", Header: hdr, Body: []byte(`{"feature_type":"webinar","feature_value":"1"}`)}, "users"},
	} {
		_, err := env.validate(context.Background(), tc.r)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %s %s: err = %v, want an error naming %q", tc.name, tc.r, tc.r.Body, err, tc.want)
		}
	}
}

// TestClientDivisionRequestsMatchTheReference checks the division calls,
// which the OpenAPI file does not have, against the text reference: paths,
// and the request bodies' field names and JSON types.
func TestClientDivisionRequestsMatchTheReference(t *testing.T) {
	env := newContractEnv(t)
	apispec.File(t, apispec.ReferenceName)
	fx := newFixture(t, env.srv)
	emea := must(t, fx.divisions, "EMEA")
	grace := must(t, fx.users, "grace.hopper@acme.example")
	ctx := context.Background()
	c := env.client

	createExample := apispec.ReferenceExample(t, "Create a division", "Request Body")
	assignExample := apispec.ReferenceExample(t, "Assign a division", "Request Body")

	var created *zoom.Division
	for _, tc := range []struct {
		name, method, path string
		run                func() error
		example            map[string]any // the reference's request example, for bodies
	}{
		{"ListDivisions", "GET", "/v2/divisions", func() error { _, err := c.ListDivisions(ctx); return err }, nil},
		{"GetDivision", "GET", "/v2/divisions/" + emea, func() error { _, err := c.GetDivision(ctx, emea); return err }, nil},
		{"CreateDivision", "POST", "/v2/divisions", func() (err error) {
			created, err = c.CreateDivision(ctx, "Contract Division", "made by the contract test")
			return err
		}, createExample},
		{"CreateDivision without description", "POST", "/v2/divisions", func() error {
			_, err := c.CreateDivision(ctx, "Contract Division 2", "")
			return err
		}, createExample},
		{"ListDivisionMembers", "GET", "/v2/divisions/" + emea + "/users", func() error {
			_, err := drain(c.ListDivisionMembers(ctx, emea))
			return err
		}, nil},
		{"AssignDivision by id and email", "POST", "/v2/divisions/{new}/users", func() error {
			_, err := c.AssignDivision(ctx, created.ID, []zoom.DivisionUser{{ID: grace}, {Email: "alan.turing@acme.example"}})
			return err
		}, assignExample},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env.rec.take()
			if err := tc.run(); err != nil {
				t.Fatalf("the call failed against the sandbox: %v", err)
			}
			reqs := env.rec.take()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1: %v", len(reqs), reqs)
			}
			r := reqs[0]
			path, query, _ := strings.Cut(r.URI, "?")
			want := tc.path
			if created != nil {
				want = strings.Replace(want, "{new}", created.ID, 1)
			}
			if r.Method != tc.method || path != want {
				t.Errorf("sent %s %s, want %s %s", r.Method, path, tc.method, want)
			}
			// The spec has no divisions: nothing may route there by accident.
			if _, route, _, err := env.route(r); err == nil {
				t.Errorf("%s routes to spec operation %q; the spec was supposed to have no divisions", r, route.Operation.OperationID)
			}
			if q, err := parseQuery(query); err != nil {
				t.Error(err)
			} else {
				for k := range q {
					if k != "page_size" && k != "next_page_token" {
						t.Errorf("%s: query parameter %q", r, k)
					}
				}
			}
			if tc.example == nil {
				if len(r.Body) > 0 {
					t.Errorf("%s carries a body: %s", r, r.Body)
				}
				return
			}
			if ct := r.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("%s: Content-Type %q", r, ct)
			}
			body := bodyOf(t, r)
			matchExampleFields(t, "", body, tc.example)
			switch tc.name {
			case "CreateDivision", "CreateDivision without description":
				if name, _ := body["division_name"].(string); name == "" {
					t.Errorf("division_name (required) missing: %s", r.Body)
				}
				if _, ok := body["division_description"]; ok != (tc.name == "CreateDivision") {
					t.Errorf("division_description present = %v, want it only when given: %s", ok, r.Body)
				}
			default:
				users, _ := body["users"].([]any)
				if len(users) != 2 {
					t.Fatalf("users = %v, want the 2 given", body["users"])
				}
				for i, u := range users {
					m, _ := u.(map[string]any)
					if len(m) != 1 {
						t.Errorf("users[%d] = %v: one of user_id or user_email (the reference: if both, only user_id is used)", i, u)
					}
				}
			}
		})
	}
}

// matchExampleFields asserts that every field of body is one the reference's
// example has, with the same JSON type, recursively (an array's items against
// the example's first item).
func matchExampleFields(t *testing.T, path string, body, example map[string]any) {
	t.Helper()
	for _, k := range apispec.SortedKeys(body) {
		p := strings.TrimPrefix(path+"."+k, ".")
		ex, ok := example[k]
		if !ok {
			t.Errorf("field %s is not in the reference's example %v", p, example)
			continue
		}
		got := body[k]
		if apispec.JSONKind(got) != apispec.JSONKind(ex) {
			t.Errorf("field %s is a JSON %s, the reference's example has a %s", p, apispec.JSONKind(got), apispec.JSONKind(ex))
			continue
		}
		switch got := got.(type) {
		case map[string]any:
			matchExampleFields(t, p, got, ex.(map[string]any))
		case []any:
			exItems := ex.([]any)
			if len(exItems) == 0 {
				continue
			}
			for i, it := range got {
				if apispec.JSONKind(it) != apispec.JSONKind(exItems[0]) {
					t.Errorf("%s[%d] is a JSON %s, the reference's example has a %s", p, i, apispec.JSONKind(it), apispec.JSONKind(exItems[0]))
					continue
				}
				if m, ok := it.(map[string]any); ok {
					matchExampleFields(t, fmt.Sprintf("%s[%d]", p, i), m, exItems[0].(map[string]any))
				}
			}
		}
	}
}

func parseQuery(q string) (map[string][]string, error) {
	if q == "" {
		return map[string][]string{}, nil
	}
	vals, err := url.ParseQuery(q)
	if err != nil {
		return nil, fmt.Errorf("query %q: %w", q, err)
	}
	return vals, nil
}
