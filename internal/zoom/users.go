package zoom

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// User types (the "type" field).
const (
	TypeBasic      = 1
	TypeLicensed   = 2
	TypeUnassigned = 4
	TypeNone       = 99
)

// TypeName is a user type as a word.
func TypeName(t int) string {
	switch t {
	case TypeBasic:
		return "Basic"
	case TypeLicensed:
		return "Licensed"
	case TypeUnassigned:
		return "Unassigned"
	case TypeNone:
		return "None"
	}
	return strconv.Itoa(t)
}

// User statuses.
const (
	StatusActive   = "active"
	StatusInactive = "inactive"
	StatusPending  = "pending"
)

// User is a Zoom user as List users and Get a user return it. The listing
// omits some fields (job_title, location, language, ...) and, for pending
// users, the ID.
type User struct {
	ID                string    `json:"id,omitempty"`
	Email             string    `json:"email"`
	FirstName         string    `json:"first_name,omitempty"`
	LastName          string    `json:"last_name,omitempty"`
	DisplayName       string    `json:"display_name,omitempty"`
	Type              int       `json:"type"`
	Status            string    `json:"status,omitempty"`
	RoleID            string    `json:"role_id,omitempty"`
	RoleName          string    `json:"role_name,omitempty"`
	Dept              string    `json:"dept,omitempty"`
	JobTitle          string    `json:"job_title,omitempty"`
	Location          string    `json:"location,omitempty"`
	Company           string    `json:"company,omitempty"`
	Manager           string    `json:"manager,omitempty"`
	Timezone          string    `json:"timezone,omitempty"`
	Language          string    `json:"language,omitempty"`
	PhoneNumber       string    `json:"phone_number,omitempty"`
	PhoneCountry      string    `json:"phone_country,omitempty"`
	CostCenter        string    `json:"cost_center,omitempty"`
	Pronouns          string    `json:"pronouns,omitempty"`
	PMI               int64     `json:"pmi,omitempty"`
	Verified          int       `json:"verified,omitempty"`
	GroupIDs          []string  `json:"group_ids,omitempty"`
	DivisionIDs       []string  `json:"division_ids,omitempty"`
	CreatedAt         time.Time `json:"created_at,omitzero"`
	UserCreatedAt     time.Time `json:"user_created_at,omitzero"`
	LastLoginTime     time.Time `json:"last_login_time,omitzero"`
	LastClientVersion string    `json:"last_client_version,omitempty"`
	PlanUnitedType    string    `json:"plan_united_type,omitempty"`
	ZoomOneType       int64     `json:"zoom_one_type,omitempty"`
}

// Ref names a user the way batch bodies do: by ID, else by email.
func (u User) Ref() UserRef { return UserRef{ID: u.ID, Email: u.Email} }

// UserRef is one user in a batch body.
type UserRef struct {
	ID    string `json:"id,omitempty"`
	Email string `json:"email,omitempty"`
}

// Key is the ID when known, else the email: what a {userId} path takes.
func (r UserRef) Key() string {
	if r.ID != "" {
		return r.ID
	}
	return r.Email
}

var (
	epListUsers     = endpoint{method: http.MethodGet, path: "/users", category: Medium}
	epCreateUser    = endpoint{method: http.MethodPost, path: "/users", category: Light}
	epCheckEmail    = endpoint{method: http.MethodGet, path: "/users/email", category: Light}
	epUserSummary   = endpoint{method: http.MethodGet, path: "/users/summary", category: Medium}
	epFeatures      = endpoint{method: http.MethodPost, path: "/users/features", category: Medium, idempotent: true, features: true}
	epGetUser       = endpoint{method: http.MethodGet, path: "/users/{userId}", category: Light}
	epUpdateUser    = endpoint{method: http.MethodPatch, path: "/users/{userId}", category: Light, idempotent: true}
	epDeleteUser    = endpoint{method: http.MethodDelete, path: "/users/{userId}", category: Light, idempotent: true}
	epUserStatus    = endpoint{method: http.MethodPut, path: "/users/{userId}/status", category: Light, idempotent: true}
	epUserSettings  = endpoint{method: http.MethodGet, path: "/users/{userId}/settings", category: Medium}
	maxUserPageSize = 2000
)

// ListUsersOptions filter a listing.
type ListUsersOptions struct {
	// Status is active (Zoom's default), inactive or pending.
	Status string
	// PageSize defaults to the largest Zoom allows.
	PageSize int
	RoleID   string
}

// UsersPage is one page of a listing.
type UsersPage struct {
	Users         []User `json:"users"`
	PageSize      int    `json:"page_size"`
	TotalRecords  int    `json:"total_records"`
	NextPageToken string `json:"next_page_token"`
}

// ListUsersPages walks a listing page by page, following next_page_token.
func (c *Client) ListUsersPages(ctx context.Context, opts ListUsersOptions) iter.Seq2[*UsersPage, error] {
	return pages(ctx, c, epListUsers, nil, opts.query(), func(p *UsersPage) string { return p.NextPageToken })
}

// query is the listing's filters and page size (at most the reference's
// 2,000 a page).
func (o ListUsersOptions) query() url.Values {
	q := url.Values{}
	if o.Status != "" {
		q.Set("status", o.Status)
	}
	if o.RoleID != "" {
		q.Set("role_id", o.RoleID)
	}
	size := o.PageSize
	if size <= 0 || size > maxUserPageSize {
		size = maxUserPageSize
	}
	q.Set("page_size", strconv.Itoa(size))
	return q
}

// ListUsers walks every user of a listing.
func (c *Client) ListUsers(ctx context.Context, opts ListUsersOptions) iter.Seq2[User, error] {
	return flatten(c.ListUsersPages(ctx, opts), func(p *UsersPage) []User { return p.Users })
}

// GetUser reads one user by ID or email.
func (c *Client) GetUser(ctx context.Context, idOrEmail string) (*User, error) {
	var u User
	_, err := c.do(ctx, call{ep: epGetUser, params: []string{idOrEmail}, out: &u})
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// FindUser is GetUser that answers (nil, nil) when the user does not exist.
func (c *Client) FindUser(ctx context.Context, idOrEmail string) (*User, error) {
	u, err := c.GetUser(ctx, idOrEmail)
	if HasCode(err, CodeUserNotFound) {
		return nil, nil
	}
	return u, err
}

// NewUser is the user_info of Create users.
type NewUser struct {
	Email       string   `json:"email"`
	Type        int      `json:"type"`
	FirstName   string   `json:"first_name,omitempty"`
	LastName    string   `json:"last_name,omitempty"`
	DisplayName string   `json:"display_name,omitempty"`
	Password    string   `json:"password,omitempty"`
	DivisionIDs []string `json:"division_ids,omitempty"`
}

// Create actions.
const (
	ActionCreate     = "create"
	ActionAutoCreate = "autoCreate"
	ActionCustCreate = "custCreate"
	ActionSSOCreate  = "ssoCreate"
)

// CreatedUser is the answer to Create users.
type CreatedUser struct {
	ID        string `json:"id"`
	Email     string `json:"email"`
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
	Type      int    `json:"type"`
	// Recovered is true when the answer was lost and a look-up found the
	// user: the create took effect, once.
	Recovered bool `json:"-"`
}

// CreateUser adds a user. A create whose answer is lost (a reset, a
// timeout, a 5xx) is never resent blind: the email is looked up first, and
// only when no such user exists is the create tried again. A 409 1005 on
// such a retry means the earlier attempt worked.
func (c *Client) CreateUser(ctx context.Context, action string, info NewUser) (*CreatedUser, error) {
	body := struct {
		Action   string  `json:"action"`
		UserInfo NewUser `json:"user_info"`
	}{action, info}
	var out CreatedUser
	res, err := c.do(ctx, call{ep: epCreateUser, body: body, out: &out,
		settle: func(ctx context.Context, _ error) (bool, error) {
			u, err := c.FindUser(ctx, info.Email)
			if err != nil || u == nil {
				return false, err
			}
			out = *createdFrom(u)
			return true, nil
		}})
	if err != nil {
		return nil, err
	}
	out.Recovered = res.doubt
	return &out, nil
}

func createdFrom(u *User) *CreatedUser {
	return &CreatedUser{ID: u.ID, Email: u.Email, FirstName: u.FirstName, LastName: u.LastName, Type: u.Type, Recovered: true}
}

// UpdateUser patches a user's profile with only the given fields (Zoom's
// own field names; an empty string clears a text field).
func (c *Client) UpdateUser(ctx context.Context, idOrEmail string, fields map[string]any) error {
	_, err := c.do(ctx, call{ep: epUpdateUser, params: []string{idOrEmail}, body: fields})
	return err
}

// Status actions.
const (
	StatusActivate   = "activate"
	StatusDeactivate = "deactivate"
)

// SetUserStatus activates or deactivates a user. After a lost answer the
// user is read back: when the status is already the one asked, it worked.
func (c *Client) SetUserStatus(ctx context.Context, idOrEmail, action string) error {
	_, err := c.do(ctx, call{ep: epUserStatus, params: []string{idOrEmail}, body: map[string]string{"action": action},
		settle: func(ctx context.Context, _ error) (bool, error) {
			u, err := c.GetUser(ctx, idOrEmail)
			return err == nil && u.Status == statusAfter(action), err
		}})
	return err
}

func statusAfter(action string) string {
	if action == StatusDeactivate {
		return StatusInactive
	}
	return StatusActive
}

// TransferFlags are every transfer query flag Delete a user takes: with a
// transfer_email, all of the leaver's data goes to that user.
var TransferFlags = []string{"transfer_meeting", "transfer_webinar", "transfer_recording", "transfer_whiteboard",
	"transfer_clipfiles", "transfer_notes", "transfer_docs", "transfer_visitors"}

// DeleteOptions shape Delete a user.
type DeleteOptions struct {
	// Action is disassociate (Zoom's default) or delete.
	Action        string
	TransferEmail string
}

// DeleteUser disassociates or deletes a user. After a lost answer a 1001
// means the earlier attempt worked.
func (c *Client) DeleteUser(ctx context.Context, idOrEmail string, opts DeleteOptions) error {
	q := url.Values{}
	if opts.Action != "" {
		q.Set("action", opts.Action)
	}
	if opts.TransferEmail != "" {
		q.Set("transfer_email", opts.TransferEmail)
		for _, what := range TransferFlags {
			q.Set(what, "true")
		}
	}
	_, err := c.do(ctx, call{ep: epDeleteUser, params: []string{idOrEmail}, query: q,
		settle: func(_ context.Context, err error) (bool, error) { return HasCode(err, CodeUserNotFound), nil }})
	return err
}

// CheckEmail says whether an email is registered with Zoom in this account.
func (c *Client) CheckEmail(ctx context.Context, email string) (bool, error) {
	var out struct {
		Existed bool `json:"existed_email"`
	}
	_, err := c.do(ctx, call{ep: epCheckEmail, query: url.Values{"email": {email}}, out: &out})
	return out.Existed, err
}

// UserSummary is the answer of Get user summary.
type UserSummary struct {
	LicensedUsers int `json:"licensed_users_count"`
	BasicUsers    int `json:"basic_users_count"`
	OnPremUsers   int `json:"on_prem_users_count"`
	RoomUsers     int `json:"room_users_count"`
	PendingUsers  int `json:"pending_users_count"`
	JoinOnlyUsers int `json:"join_only_users_count"`
	TotalUsers    int `json:"total_users_count"`
}

// UserSummary reads the account's user counts.
func (c *Client) UserSummary(ctx context.Context) (*UserSummary, error) {
	var s UserSummary
	if _, err := c.do(ctx, call{ep: epUserSummary, out: &s}); err != nil {
		return nil, err
	}
	return &s, nil
}

// FeatureSettings is the "feature" object of Get user settings: what a
// user's licences and add-ons are now.
type FeatureSettings struct {
	MeetingCapacity      int    `json:"meeting_capacity,omitempty"`
	LargeMeeting         bool   `json:"large_meeting"`
	LargeMeetingCapacity int    `json:"large_meeting_capacity,omitempty"`
	Webinar              bool   `json:"webinar"`
	WebinarCapacity      int    `json:"webinar_capacity,omitempty"`
	ZoomEvents           bool   `json:"zoom_events"`
	ZoomEventsCapacity   int    `json:"zoom_events_capacity,omitempty"`
	ConcurrentMeeting    string `json:"concurrent_meeting,omitempty"`
	ZoomWhiteboard       bool   `json:"zoom_whiteboard"`
}

// UserSettings is the part of Get user settings the tool reads.
type UserSettings struct {
	Feature FeatureSettings `json:"feature"`
}

// GetUserSettings reads a user's settings.
func (c *Client) GetUserSettings(ctx context.Context, idOrEmail string) (*UserSettings, error) {
	var s UserSettings
	if _, err := c.do(ctx, call{ep: epUserSettings, params: []string{idOrEmail}, out: &s}); err != nil {
		return nil, err
	}
	return &s, nil
}

// FeatureUpdate is the body of Bulk update features for users.
type FeatureUpdate struct {
	FeatureType    string    `json:"feature_type"`
	FeatureValue   string    `json:"feature_value"`
	SubscriptionID string    `json:"subscription_id,omitempty"`
	Users          []UserRef `json:"users"`
}

// MaxFeatureUsers is the most users one features call may carry.
const MaxFeatureUsers = 30

// FeatureFailure is one reason with the users it applies to.
type FeatureFailure struct {
	Reason  string   `json:"reason"`
	UserIDs []string `json:"user_ids"`
}

// FeatureResult is the answer of Bulk update features for users.
type FeatureResult struct {
	SuccessUserIDs []string         `json:"success_user_ids"`
	FailDetails    []FeatureFailure `json:"fail_details"`
	// Ambiguous: an earlier attempt may have been applied, so "No need to
	// update" may be our own doing.
	Ambiguous bool `json:"-"`
}

// ReasonNoNeed is Zoom's fail_details reason for a user already as asked.
const ReasonNoNeed = "No need to update"

// UpdateFeatures changes one feature for up to 30 users. The client spaces
// these calls by the features interval, account-wide.
func (c *Client) UpdateFeatures(ctx context.Context, u FeatureUpdate) (*FeatureResult, error) {
	if len(u.Users) == 0 || len(u.Users) > MaxFeatureUsers {
		return nil, &APIError{Method: epFeatures.method, Path: epFeatures.path, Code: CodeInvalidField,
			Message: "a features call carries 1 to 30 users, not " + strconv.Itoa(len(u.Users))}
	}
	var out FeatureResult
	res, err := c.do(ctx, call{ep: epFeatures, body: u, out: &out})
	if err != nil {
		return nil, err
	}
	out.Ambiguous = res.doubt
	return &out, nil
}
