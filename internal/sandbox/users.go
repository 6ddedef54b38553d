package sandbox

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Field limits from the reference's schemas (maxLength).
const (
	maxEmail       = 128
	maxName        = 64 // first_name, last_name
	maxDisplayName = 128
	maxJobTitle    = 128
	maxCompany     = 255
	maxLocation    = 256
)

// emailRE is the HTML living standard's "valid email address", which is what
// web forms (Zoom's among them) accept.
var emailRE = regexp.MustCompile("^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")

func validEmail(e string) bool { return len(e) <= maxEmail && emailRE.MatchString(e) }

func emailDomain(e string) string {
	_, d, _ := strings.Cut(e, "@")
	return strings.ToLower(d)
}

var roleIDs = map[string]string{"owner": "0", "admin": "1", "member": "2"}
var roleNames = map[string]string{"owner": "Owner", "admin": "Admin", "member": "Member"}

func userNotFound(id string) response {
	return fail(http.StatusNotFound, 1001, "User does not exist: %s.", id)
}

// userParam finds the {userId} of a call: an ID, or an email in any case.
func (s *Server) userParam(c *call) (*user, *response) {
	id := c.params["userId"]
	u := s.st.lookupUser(id)
	if u == nil {
		r := userNotFound(id)
		return nil, &r
	}
	return u, nil
}

// lastClientVersion is a plausible client version for a user who has logged
// in; it is not state anyone changes, so it is derived.
func lastClientVersion(u *user) string {
	if u.LastLoginTime.IsZero() {
		return ""
	}
	v := []string{"6.2.11.45813(mac)", "6.2.10.43047(win)", "6.1.12.41745(win)", "6.2.5.38211(iphone)", "6.0.12.32954(android)"}
	return v[u.seq%int64(len(v))]
}

// listUserJSON is an item of GET /users: the list schema, which has no
// job_title, location or language, and no id for pending users.
type listUserJSON struct {
	ID                string   `json:"id,omitempty"`
	FirstName         string   `json:"first_name"`
	LastName          string   `json:"last_name"`
	DisplayName       string   `json:"display_name"`
	Email             string   `json:"email"`
	Type              int      `json:"type"`
	PMI               int64    `json:"pmi,omitempty"`
	Timezone          string   `json:"timezone"`
	Verified          int      `json:"verified"`
	Dept              string   `json:"dept"`
	CreatedAt         string   `json:"created_at,omitempty"`
	UserCreatedAt     string   `json:"user_created_at,omitempty"`
	LastLoginTime     string   `json:"last_login_time,omitempty"`
	LastClientVersion string   `json:"last_client_version,omitempty"`
	GroupIDs          []string `json:"group_ids,omitempty"`
	DivisionIDs       []string `json:"division_ids,omitempty"`
	RoleID            string   `json:"role_id"`
	Status            string   `json:"status"`
	PlanUnitedType    string   `json:"plan_united_type,omitempty"`
}

func verified(u *user) int {
	if u.Status == "pending" {
		return 0
	}
	return 1
}

func toListUser(u *user) listUserJSON {
	j := listUserJSON{
		FirstName: u.FirstName, LastName: u.LastName, DisplayName: u.DisplayName, Email: u.Email,
		Type: u.Type, PMI: u.PMI, Timezone: u.Timezone, Verified: verified(u), Dept: u.Dept,
		CreatedAt: ts(u.CreatedAt), UserCreatedAt: ts(u.CreatedAt), LastLoginTime: ts(u.LastLoginTime),
		LastClientVersion: lastClientVersion(u), GroupIDs: slices.Clone(u.GroupIDs),
		DivisionIDs: []string{u.DivisionID}, RoleID: roleIDs[u.Role], Status: u.Status,
		PlanUnitedType: u.Features["plan_united_type"],
	}
	if u.Status != "pending" {
		j.ID = u.ID
	}
	return j
}

type userListJSON struct {
	NextPageToken string         `json:"next_page_token"`
	PageCount     int            `json:"page_count"`
	PageNumber    int            `json:"page_number"`
	PageSize      int            `json:"page_size"`
	TotalRecords  int            `json:"total_records"`
	Users         []listUserJSON `json:"users"`
}

var userStatuses = []string{"active", "inactive", "pending"}

// GET /users
func (s *Server) listUsers(c *call) response {
	status := c.query.Get("status")
	if status == "" {
		status = "active"
	}
	if !slices.Contains(userStatuses, status) {
		return invalid("status", "must be active, inactive or pending")
	}
	roleID := c.query.Get("role_id")
	size, bad := s.pageSize(c, 30, 2000, s.opts.UserPageSize)
	if bad != nil {
		return *bad
	}
	scope := "users\x00" + status + "\x00" + roleID
	after, pageNo, bad := s.cursor(c, scope)
	if bad != nil {
		return *bad
	}
	keep := func(u *user) bool {
		return !u.gone && u.Status == status && (roleID == "" || roleIDs[u.Role] == roleID)
	}
	if a, n, given, bad := s.userPageStart(c, scope, keep, size); bad != nil {
		return *bad
	} else if given {
		after, pageNo = a, n
	}
	page, more := collect(s.st.users, func(u *user) int64 { return u.seq }, after, size, keep)
	total := s.st.statusCount[status]
	if roleID != "" {
		total = 0
		for _, u := range s.st.users {
			if keep(u) {
				total++
			}
		}
	}
	out := userListJSON{Users: make([]listUserJSON, 0, len(page))}
	var last int64
	for _, u := range page {
		out.Users = append(out.Users, toListUser(u))
		last = u.seq
	}
	pi := s.finish(c, scope, last, more, pageNo, size, total)
	out.NextPageToken, out.PageCount, out.PageNumber, out.PageSize, out.TotalRecords = pi.next, pi.count, pi.number, pi.size, pi.totalCount
	return reply(http.StatusOK, out)
}

type createUserBody struct {
	Action   string          `json:"action"`
	UserInfo *createUserInfo `json:"user_info"`
}

type createUserInfo struct {
	Email          string   `json:"email"`
	Type           *int     `json:"type"`
	FirstName      string   `json:"first_name"`
	LastName       string   `json:"last_name"`
	DisplayName    string   `json:"display_name"`
	Password       string   `json:"password"`
	DivisionIDs    []string `json:"division_ids"`
	PlanUnitedType string   `json:"plan_united_type"`
	Feature        *struct {
		ZoomOneType int64 `json:"zoom_one_type"`
	} `json:"feature"`
}

var createActions = []string{"create", "autoCreate", "custCreate", "ssoCreate"}

// fails is an answer as the checks that return *response give it (nil
// meaning the request goes ahead).
func fails(r response) *response { return &r }

// checkLen applies one of the reference's length limits.
func checkLen(field, v string, most int) *response {
	if utf8.RuneCountInString(v) > most {
		r := invalid(field, fmt.Sprintf("must be at most %d characters", most))
		return &r
	}
	return nil
}

func seatsMessageCreate() string {
	return `Your request to add a new Licensed user could not be approved at this time because your account has reached the permitted maximum number of Licensed users. Please purchase additional licenses or contact the Zoom support team to provision additional users in your account.`
}

func seatsMessageUpdate() string {
	return `Your request to convert this user's plan type to "Licensed" wasn't approved because your account has reached the permitted maximum number of "Licensed" users. Purchase additional licenses or contact the Zoom support team to provision additional users in your account.`
}

const planUnitedInvalid = `The value provided for "plan_united_type" parameter is invalid. Try again with a valid value.`

// seatsFull says whether one more type 2 user would exceed the licensed seats.
func (s *Server) seatsFull() bool { return s.seatsFullFor(2) }

// seatsFullFor says whether one more user of type typ would exceed that
// type's seats (Options.LicensedSeats, BasicSeats, NoMeetingSeats).
func (s *Server) seatsFullFor(typ int) bool {
	switch typ {
	case 2:
		return s.seats > 0 && s.st.licensed >= s.seats
	case 1:
		return s.opts.BasicSeats > 0 && s.st.typeCount[1] >= s.opts.BasicSeats
	case 4:
		return s.opts.NoMeetingSeats > 0 && s.st.typeCount[4] >= s.opts.NoMeetingSeats
	}
	return false
}

var typeNames = map[int]string{1: "Basic", 2: "Licensed", 4: "No-Meeting License", 99: "None"}

// seatsAnswer is the answer to creating (create) or converting a user to
// type typ when its seats are taken, with the codes the reference gives.
func (s *Server) seatsAnswer(typ, from int, create bool) response {
	switch {
	case typ == 2 && create:
		return fail(http.StatusBadRequest, 2034, "%s", seatsMessageCreate())
	case typ == 2:
		return fail(http.StatusBadRequest, 2034, "%s", seatsMessageUpdate())
	case typ == 1 && create:
		return fail(http.StatusBadRequest, 2033, "Your request to add a basic user wasn't approved because you've already reached the maximum basic user limit allowed in your account. For additional help regarding this issue, contact the Zoom Customer Support team.")
	case typ == 1:
		return fail(http.StatusBadRequest, 3412, `Your request to convert the user type of this "%s" user to a "Basic" user was not approved at this time because your account has reached the permitted maximum number of "%d" Basic users. Remove existing basic user(s) from your "Users" list or the "Pending Users" list before attempting to convert a user to a Basic user.`, typeNames[from], s.opts.BasicSeats)
	case create:
		return fail(http.StatusBadRequest, 3412, `Your request to add a new "%s" user couldn't be approved at this time because your account has reached the permitted maximum number of "%d" paying users. Please purchase additional licenses or contact the Zoom support team to provision additional users in your account.`, typeNames[typ], s.opts.NoMeetingSeats)
	default:
		return fail(http.StatusBadRequest, 3412, `Your request to convert the user type of a "%s" user to a "No-Meeting License" user was not approved at this time because your account has reached the permitted maximum number of "%d" No-Meeting License users. Remove the existing No-Meeting License user(s) from your "Users" list or the "Pending Users" list before attempting to convert a user to a No-Meeting License user.`, typeNames[from], s.opts.NoMeetingSeats)
	}
}

// invitationExpired is Zoom's answer to changing a pending user whose
// invitation ran out.
func invitationExpired() response {
	return fail(http.StatusBadRequest, 1120, "A valid invitation to join the Zoom account was not found for this user.")
}

// POST /users
func (s *Server) createUser(c *call) response {
	var b createUserBody
	if bad := decodeBody(c, &b); bad != nil {
		return *bad
	}
	if bad := checkCreateBody(&b); bad != nil {
		return *bad
	}
	in := b.UserInfo
	email := strings.TrimSpace(in.Email)
	if s.st.blocked[emailDomain(email)] {
		return fail(http.StatusBadRequest, 1107, "Email domain is blocked.")
	}
	if s.st.byEmail[strings.ToLower(email)] != nil {
		return fail(http.StatusConflict, 1005, "Email \"%s\" has already been used.", email)
	}
	if s.st.external[strings.ToLower(email)] && b.Action != "create" {
		// An address with a Zoom account elsewhere can be invited (create),
		// not taken over.
		return fail(http.StatusBadRequest, 1009, "The user %s already holds an active account.", email)
	}
	if s.seatsFullFor(*in.Type) {
		return s.seatsAnswer(*in.Type, 0, true)
	}
	var div *division
	if len(in.DivisionIDs) == 1 {
		if div = s.st.divByID[in.DivisionIDs[0]]; div == nil {
			return fail(http.StatusNotFound, 40406, "Division not found.")
		}
	}

	u := &user{User: User{
		ID: s.st.newID(), Email: email, FirstName: in.FirstName, LastName: in.LastName,
		DisplayName: in.DisplayName, Type: *in.Type, Status: "active", Role: "member",
		PMI: s.st.ids.pmi(), CreatedAt: c.now.UTC().Truncate(time.Second),
	}}
	if b.Action == "create" {
		// The user gets a confirmation email and stays pending until they
		// follow it.
		u.Status = "pending"
	}
	if u.DisplayName == "" {
		u.DisplayName = strings.TrimSpace(u.FirstName + " " + u.LastName)
	}
	if in.PlanUnitedType != "" {
		u.setFeature("plan_united_type", in.PlanUnitedType)
	}
	if in.Feature != nil && in.Feature.ZoomOneType != 0 {
		u.setFeature("zoom_one_type", strconv.FormatInt(in.Feature.ZoomOneType, 10))
	}
	if div != nil {
		u.DivisionID = div.id
	}
	s.st.addUser(u)
	return reply(http.StatusCreated, struct {
		ID        string `json:"id"`
		FirstName string `json:"first_name"`
		LastName  string `json:"last_name"`
		Email     string `json:"email"`
		Type      int    `json:"type"`
	}{u.ID, u.FirstName, u.LastName, u.Email, u.Type})
}

// checkCreateBody checks a Create users body as Zoom does, before it looks
// at the account.
func checkCreateBody(b *createUserBody) *response {
	switch {
	case b.Action == "":
		return fails(invalid("action", "is required"))
	case !slices.Contains(createActions, b.Action):
		return fails(invalid("action", "must be one of create, autoCreate, custCreate, ssoCreate"))
	case b.UserInfo == nil:
		return fails(invalid("user_info", "is required"))
	}
	in := b.UserInfo
	email := strings.TrimSpace(in.Email)
	switch {
	case email == "":
		return fails(invalid("user_info.email", "is required"))
	case !validEmail(email):
		return fails(invalid("user_info.email", "is not a valid email address"))
	case in.Type == nil:
		return fails(invalid("user_info.type", "is required"))
	case *in.Type == 99 && b.Action != "ssoCreate":
		return fails(invalid("user_info.type", "can be 99 only with action ssoCreate"))
	case !slices.Contains([]int{1, 2, 4, 99}, *in.Type):
		return fails(invalid("user_info.type", "must be 1, 2 or 4"))
	}
	if bad := checkCreateTexts(in); bad != nil {
		return bad
	}
	if in.Password != "" && (len(in.Password) < 8 || len(in.Password) > 32) {
		return fails(fail(http.StatusBadRequest, 300, "Invalid parameter: password"))
	}
	if in.PlanUnitedType != "" && !slices.Contains(planUnitedTypes, in.PlanUnitedType) {
		return fails(fail(http.StatusBadRequest, 300, planUnitedInvalid))
	}
	if in.Feature != nil && in.Feature.ZoomOneType != 0 && !slices.Contains(zoomOneTypes, strconv.FormatInt(in.Feature.ZoomOneType, 10)) {
		return fails(invalid("user_info.feature.zoom_one_type", "is not a valid Zoom Workplace plan option"))
	}
	if len(in.DivisionIDs) > 1 {
		return fails(invalid("user_info.division_ids", "can hold a single division"))
	}
	return nil
}

// GET /users/email?email=
func (s *Server) checkEmail(c *call) response {
	email := strings.TrimSpace(c.query.Get("email"))
	if email == "" {
		return fail(http.StatusBadRequest, 300, "Email is required.")
	}
	return reply(http.StatusOK, struct {
		Existed bool `json:"existed_email"`
	}{s.st.byEmail[strings.ToLower(email)] != nil})
}

// GET /users/summary. The per-type counts are of users who are not pending;
// pending users have their own count and, as the reference defines it, the
// total is the sum of the type counts and leaves them out.
func (s *Server) userSummary(c *call) response {
	var sum struct {
		Licensed  int `json:"licensed_users_count"`
		Basic     int `json:"basic_users_count"`
		OnPrem    int `json:"on_prem_users_count"`
		Room      int `json:"room_users_count"`
		Pending   int `json:"pending_users_count"`
		JoinOnly  int `json:"join_only_users_count"`
		TotalUser int `json:"total_users_count"`
	}
	for _, u := range s.st.users {
		switch {
		case u.gone:
		case u.Status == "pending":
			sum.Pending++
		case u.Type == 2:
			sum.Licensed++
		case u.Type == 1:
			sum.Basic++
		case u.Type == 4:
			sum.JoinOnly++
		}
	}
	sum.TotalUser = sum.Licensed + sum.Basic + sum.OnPrem + sum.Room + sum.JoinOnly
	return reply(http.StatusOK, sum)
}

// getUserJSON is GET /users/{userId}: the Get schema.
type getUserJSON struct {
	ID                 string   `json:"id"`
	FirstName          string   `json:"first_name"`
	LastName           string   `json:"last_name"`
	DisplayName        string   `json:"display_name"`
	Email              string   `json:"email"`
	Type               int      `json:"type"`
	RoleName           string   `json:"role_name"`
	PMI                int64    `json:"pmi"`
	UsePMI             bool     `json:"use_pmi"`
	PersonalMeetingURL string   `json:"personal_meeting_url"`
	Timezone           string   `json:"timezone"`
	Verified           int      `json:"verified"`
	Dept               string   `json:"dept"`
	CreatedAt          string   `json:"created_at"`
	UserCreatedAt      string   `json:"user_created_at"`
	LastLoginTime      string   `json:"last_login_time,omitempty"`
	LastClientVersion  string   `json:"last_client_version,omitempty"`
	GroupIDs           []string `json:"group_ids"`
	DivisionIDs        []string `json:"division_ids"`
	IMGroupIDs         []string `json:"im_group_ids"`
	JID                string   `json:"jid"`
	AccountID          string   `json:"account_id"`
	Language           string   `json:"language"`
	PhoneNumber        string   `json:"phone_number"`
	Status             string   `json:"status"`
	RoleID             string   `json:"role_id"`
	JobTitle           string   `json:"job_title"`
	Location           string   `json:"location"`
	Company            string   `json:"company"`
	Manager            string   `json:"manager,omitempty"` // format email: absent, not "", when unset
	CostCenter         string   `json:"cost_center"`
	LoginTypes         []int    `json:"login_types"`
	Cluster            string   `json:"cluster"`
	ZoomOneType        int64    `json:"zoom_one_type,omitempty"`
	PlanUnitedType     string   `json:"plan_united_type,omitempty"`

	Pronouns         string            `json:"pronouns,omitempty"`
	PronounsOption   int               `json:"pronouns_option,omitempty"`
	PhoneCountry     string            `json:"phone_country,omitempty"`
	PhoneNumbers     []PhoneNumber     `json:"phone_numbers,omitempty"`
	VanityURL        string            `json:"vanity_url,omitempty"`
	CMSUserID        string            `json:"cms_user_id,omitempty"`
	CustomAttributes []CustomAttribute `json:"custom_attributes,omitempty"`
	PicURL           string            `json:"pic_url,omitempty"`
	// Not in the Get schema, but what Update a user set must be readable.
	AboutMe     string `json:"about_me,omitempty"`
	LinkedInURL string `json:"linkedin_url,omitempty"`
	HostKey     string `json:"host_key,omitempty"` // only with include_fields=host_key
}

// GET /users/{userId}
func (s *Server) getUser(c *call) response {
	u, bad := s.userParam(c)
	if bad != nil {
		return *bad
	}
	created := ts(u.CreatedAt)
	if u.Status == "pending" {
		// The reference: a pending user's created_at is the time of the call.
		created = ts(c.now)
	}
	zot, _ := strconv.ParseInt(u.Features["zoom_one_type"], 10, 64)
	j := getUserJSON{
		ID: u.ID, FirstName: u.FirstName, LastName: u.LastName, DisplayName: u.DisplayName,
		Email: u.Email, Type: u.Type, RoleName: roleNames[u.Role], PMI: u.PMI,
		PersonalMeetingURL: fmt.Sprintf("https://zoom.us/j/%d", u.PMI), Timezone: u.Timezone,
		Verified: verified(u), Dept: u.Dept, CreatedAt: created, UserCreatedAt: ts(u.CreatedAt),
		LastLoginTime: ts(u.LastLoginTime), LastClientVersion: lastClientVersion(u),
		GroupIDs: append([]string{}, u.GroupIDs...), DivisionIDs: []string{u.DivisionID}, IMGroupIDs: []string{},
		JID: strings.ToLower(u.ID) + "@xmpp.zoom.us", AccountID: s.opts.AccountID, Language: u.Language,
		PhoneNumber: u.PhoneNumber, Status: u.Status, RoleID: roleIDs[u.Role], JobTitle: u.JobTitle,
		Location: u.Location, Company: u.Company, Manager: u.Manager, CostCenter: u.CostCenter,
		LoginTypes: []int{100}, Cluster: "us06", ZoomOneType: zot, PlanUnitedType: u.Features["plan_united_type"],
		UsePMI: u.UsePMI, Pronouns: u.Pronouns, PronounsOption: u.PronounsOption, PhoneCountry: u.PhoneCountry,
		PhoneNumbers: slices.Clone(u.PhoneNumbers), CMSUserID: u.CMSUserID, CustomAttributes: slices.Clone(u.CustomAttributes),
		AboutMe: u.AboutMe, LinkedInURL: u.LinkedInURL,
	}
	if u.VanityName != "" {
		j.VanityURL = "https://zoom.us/my/" + u.VanityName
	}
	if u.Picture != "" {
		j.PicURL = "https://us06web.zoom.us/p/v2/" + strings.ToLower(u.ID) + "/picture"
	}
	if slices.Contains(strings.Split(c.query.Get("include_fields"), ","), "host_key") {
		j.HostKey = u.HostKey
	}
	return reply(http.StatusOK, j)
}

// updateUserBody holds the Update-a-user fields the sandbox stores; a nil
// field was absent, an empty string clears.
type updateUserBody struct {
	FirstName      *string   `json:"first_name"`
	LastName       *string   `json:"last_name"`
	DisplayName    *string   `json:"display_name"`
	Dept           *string   `json:"dept"`
	JobTitle       *string   `json:"job_title"`
	Location       *string   `json:"location"`
	Company        *string   `json:"company"`
	Manager        *string   `json:"manager"`
	Timezone       *string   `json:"timezone"`
	Language       *string   `json:"language"`
	PhoneNumber    *string   `json:"phone_number"`
	CostCenter     *string   `json:"cost_center"`
	Type           *int      `json:"type"`
	PMI            *int64    `json:"pmi"`
	GroupID        *string   `json:"group_id"`
	DivisionIDs    *[]string `json:"division_ids"`
	ZoomOneType    *int64    `json:"zoom_one_type"`
	PlanUnitedType *string   `json:"plan_united_type"`

	Pronouns         *string            `json:"pronouns"`
	PronounsOption   *int               `json:"pronouns_option"`
	PhoneCountry     *string            `json:"phone_country"`
	PhoneNumbers     *[]PhoneNumber     `json:"phone_numbers"`
	AboutMe          *string            `json:"about_me"`
	LinkedInURL      *string            `json:"linkedin_url"`
	HostKey          *string            `json:"host_key"`
	VanityName       *string            `json:"vanity_name"`
	UsePMI           *bool              `json:"use_pmi"`
	CMSUserID        *string            `json:"cms_user_id"`
	CustomAttributes *[]CustomAttribute `json:"custom_attributes"`
	Feature          *struct {
		ZoomPhone *bool `json:"zoom_phone"`
	} `json:"feature"`
}

// htmlOrLinkRE finds what about_me may not hold: HTML tags or hyperlinks.
var htmlOrLinkRE = regexp.MustCompile(`(?i)<[a-z/!][^>]*>|https?://|www\.`)

// hostKeyRE is Zoom's host key rule: 6 to 10 digits.
var hostKeyRE = regexp.MustCompile(`^[0-9]{6,10}$`)

var phoneLabels = []string{"Mobile", "Office", "Home", "Fax"}

// PATCH /users/{userId}
func (s *Server) updateUser(c *call) response {
	u, bad := s.userParam(c)
	if bad != nil {
		return *bad
	}
	var b updateUserBody
	if bad := decodeBody(c, &b); bad != nil {
		return *bad
	}
	if u.Status == "pending" && u.InvitationExpired {
		return invitationExpired()
	}
	for _, check := range []func() *response{
		func() *response { return checkUpdateTexts(&b) },
		func() *response { return s.checkUpdatePlan(u, &b) },
		func() *response { return s.checkUpdateOther(u, &b) },
	} {
		if bad := check(); bad != nil {
			return *bad
		}
	}
	div, grp, bad := s.updatePlaces(u, &b)
	if bad != nil {
		return *bad
	}
	s.applyUpdate(u, &b)
	if div != nil {
		s.st.setDivision(u, div)
	}
	if grp != nil {
		s.st.addToGroup(u, grp)
	}
	return reply(http.StatusNoContent, nil)
}

// checkUpdatePlan checks what an update asks of the user's plan: type,
// plan_united_type, zoom_one_type (one at a time), the seats, the PMI.
func (s *Server) checkUpdatePlan(u *user, b *updateUserBody) *response {
	plans := 0
	for _, set := range []bool{b.Type != nil, b.PlanUnitedType != nil, b.ZoomOneType != nil} {
		if set {
			plans++
		}
	}
	if plans > 1 {
		return fails(fail(http.StatusBadRequest, 300, `You can't change the "type" or "plan_united_type" or "zoom_one_type" at the same time.`))
	}
	if b.Type != nil {
		switch *b.Type {
		case 1, 2, 4:
		case 99:
			return fails(invalid("type", "can be 99 only for users created with ssoCreate"))
		default:
			return fails(invalid("type", "must be 1, 2 or 4"))
		}
		if *b.Type != u.Type && s.seatsFullFor(*b.Type) {
			return fails(s.seatsAnswer(*b.Type, u.Type, false))
		}
	}
	if b.PlanUnitedType != nil && *b.PlanUnitedType != "none" && !slices.Contains(planUnitedTypes, *b.PlanUnitedType) {
		return fails(fail(http.StatusBadRequest, 300, planUnitedInvalid))
	}
	if b.ZoomOneType != nil && *b.ZoomOneType != 0 && !slices.Contains(zoomOneTypes, strconv.FormatInt(*b.ZoomOneType, 10)) {
		return fails(invalid("zoom_one_type", "is not a valid Zoom Workplace plan option"))
	}
	if b.PMI != nil && (*b.PMI < 1000000000 || *b.PMI > 9999999999) {
		return fails(invalid("pmi", "must be a 10-digit number"))
	}
	if b.PMI != nil && u.Type == 4 {
		return fails(fail(http.StatusBadRequest, 200, `You cannot change PMI information for a "No Meetings License" user.`))
	}
	return nil
}

// checkUpdateOther checks the update's fields that are neither plain text
// nor the plan: pronouns_option, the phone, the personal link name.
func (s *Server) checkUpdateOther(u *user, b *updateUserBody) *response {
	if b.PronounsOption != nil && (*b.PronounsOption < 1 || *b.PronounsOption > 3) {
		return fails(invalid("pronouns_option", "must be 1, 2 or 3"))
	}
	if b.PhoneNumber != nil && *b.PhoneNumber != "" && (b.PhoneCountry == nil || *b.PhoneCountry == "") {
		// The reference: "To update a phone number, you must also provide
		// the phone_country field."
		return fails(invalid("phone_country", "is required to update phone_number"))
	}
	if b.PhoneNumbers != nil {
		for i, pn := range *b.PhoneNumbers {
			if pn.Label != "" && !slices.Contains(phoneLabels, pn.Label) {
				return fails(invalid(fmt.Sprintf("phone_numbers[%d].label", i), "must be Mobile, Office, Home or Fax"))
			}
		}
	}
	if b.VanityName != nil && *b.VanityName != "" {
		for _, o := range s.st.byID {
			if o != u && strings.EqualFold(o.VanityName, *b.VanityName) {
				return fails(fail(http.StatusBadRequest, 4100, `User is already taken by another user from your account. Choose another "Personal Link Name".`))
			}
		}
	}
	return nil
}

// updatePlaces finds the division and (for a pending user) the group an
// update names.
func (s *Server) updatePlaces(u *user, b *updateUserBody) (*division, *group, *response) {
	var div *division
	if b.DivisionIDs != nil {
		switch ids := *b.DivisionIDs; {
		case len(ids) > 1:
			r := invalid("division_ids", "can hold a single division")
			return nil, nil, &r
		case len(ids) == 1:
			if div = s.st.divByID[ids[0]]; div == nil {
				r := fail(http.StatusNotFound, 40406, "Division not found.")
				return nil, nil, &r
			}
		}
	}
	var grp *group
	if b.GroupID != nil && *b.GroupID != "" && u.Status == "pending" {
		// group_id places a pending user in a group; for others it is ignored.
		if grp = s.st.groupByID[*b.GroupID]; grp == nil {
			r := fail(http.StatusNotFound, 4130, "Group does not exist: %s.", *b.GroupID)
			return nil, nil, &r
		}
	}
	return div, grp, nil
}

// applyUpdate stores a checked update on the user (the division and group
// aside).
func (s *Server) applyUpdate(u *user, b *updateUserBody) {
	setUpdateTexts(u, b)
	if b.PronounsOption != nil {
		u.PronounsOption = *b.PronounsOption
	}
	if b.UsePMI != nil {
		u.UsePMI = *b.UsePMI
	}
	if b.PhoneNumbers != nil {
		u.PhoneNumbers = slices.Clone(*b.PhoneNumbers)
	}
	if b.CustomAttributes != nil {
		u.CustomAttributes = slices.Clone(*b.CustomAttributes)
	}
	if b.Feature != nil && b.Feature.ZoomPhone != nil {
		u.ZoomPhone = *b.Feature.ZoomPhone
	}
	if (b.DisplayName == nil || *b.DisplayName == "") && (b.DisplayName != nil || b.FirstName != nil || b.LastName != nil) {
		// The reference: an empty display_name is derived from the names.
		u.DisplayName = strings.TrimSpace(u.FirstName + " " + u.LastName)
	}
	if b.Type != nil {
		s.st.setType(u, *b.Type)
	}
	if b.PMI != nil {
		u.PMI = *b.PMI
	}
	if b.PlanUnitedType != nil {
		u.setFeature("plan_united_type", *b.PlanUnitedType)
	}
	if b.ZoomOneType != nil {
		u.setFeature("zoom_one_type", strconv.FormatInt(*b.ZoomOneType, 10))
	}
}

// DELETE /users/{userId}?action=disassociate|delete&transfer_email=
func (s *Server) deleteUser(c *call) response {
	u, bad := s.userParam(c)
	if bad != nil {
		return *bad
	}
	action := c.query.Get("action")
	if action == "" {
		action = "disassociate"
	}
	if action != "disassociate" && action != "delete" {
		return invalid("action", "must be disassociate or delete")
	}
	if u.Role == "owner" || u.Role == "admin" {
		return fail(http.StatusBadRequest, 1117, "You can not disassociate an Admin user.")
	}
	if u.Status == "pending" && u.InvitationExpired {
		return invitationExpired()
	}
	flags := map[string]bool{}
	for _, what := range transferKinds {
		v := c.query.Get("transfer_" + what)
		switch v {
		case "", "false":
		case "true":
			flags[what] = true
		default:
			return invalid("transfer_"+what, "must be true or false")
		}
	}
	var to *user
	if te := c.query.Get("transfer_email"); te != "" {
		if strings.EqualFold(te, u.Email) {
			return fail(http.StatusBadRequest, 300, "The transfer-to email address cannot be the same as the unlinked or deleted user's email address.")
		}
		if to = s.st.byEmail[strings.ToLower(te)]; to == nil {
			return userNotFound(te)
		}
	}
	if to != nil {
		t := Transfer{FromID: u.ID, FromEmail: u.Email, ToID: to.ID, ToEmail: to.Email, Action: action}
		for _, what := range transferKinds {
			if flags[what] {
				t.What = append(t.What, what)
			}
		}
		if len(t.What) > 0 {
			s.st.transfers = append(s.st.transfers, t)
		}
	}
	s.st.removeUser(u)
	return reply(http.StatusNoContent, nil)
}

// transferKinds are the transfer_* flags of Delete a user, as Zoom's
// OpenAPI file lists them; without transfer_email none of them moves
// anything.
var transferKinds = []string{"meeting", "webinar", "recording", "whiteboard", "clipfiles", "notes", "visitors", "docs"}

// PUT /users/{userId}/status
func (s *Server) userStatus(c *call) response {
	u, bad := s.userParam(c)
	if bad != nil {
		return *bad
	}
	var b struct {
		Action string `json:"action"`
	}
	if bad := decodeBody(c, &b); bad != nil {
		return *bad
	}
	switch b.Action {
	case "":
		return invalid("action", "is required")
	case "activate", "deactivate":
	case "clock_in", "clock_out":
		return reply(http.StatusOK, nil)
	default:
		return invalid("action", "must be one of activate, deactivate, clock_in, clock_out")
	}
	if u.Role == "owner" || u.Role == "admin" {
		return fail(http.StatusBadRequest, 200, "Zoom Room and Admin users' status cannot be activated or deactivated.")
	}
	if u.Status == "pending" && u.InvitationExpired {
		return invitationExpired()
	}
	if u.Status == "pending" {
		return fail(http.StatusBadRequest, 300, "The user %s has not accepted the invitation yet; a pending user cannot be activated or deactivated.", u.Email)
	}
	if b.Action == "activate" && u.Status == "inactive" && u.Type != 2 && s.seatsFullFor(u.Type) {
		// A deactivated user holds no seat; coming back needs one.
		if u.Type == 1 {
			return fail(http.StatusBadRequest, 2033, `Your request to activate the "Basic" user was not approved because you have already reached the maximum "Basic" user limit allowed in your account. For additional help regarding this issue, contact the Zoom Customer Support team.`)
		}
		return fail(http.StatusBadRequest, 3412, "Your request to activate the user was not approved at this time because your account has reached the permitted maximum number of %d no-meeting-license users. Remove the existing no-meeting-license user(s) from your \"Users\" list or the \"Pending Users\" list before attempting to activate this user.", s.opts.NoMeetingSeats)
	}
	if b.Action == "activate" {
		s.st.setStatus(u, "active")
	} else {
		s.st.setStatus(u, "inactive")
	}
	return reply(http.StatusOK, nil)
}
