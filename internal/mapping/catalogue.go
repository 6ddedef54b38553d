// Package mapping knows the fields a job can set (the catalogue, from the
// Zoom reference), maps spreadsheet columns onto them, and checks every
// value of every row before anything is sent.
package mapping

import (
	"strings"

	"github.com/zoombulk/zoombulk/internal/fuzzy"
)

// Kind is how a field's values are written and checked.
type Kind int

const (
	Text    Kind = iota // free text, with a maximum length
	Email               // an email address
	Integer             // digits only (e.g. pmi)
	Enum                // one of Allowed (canonical spelling), after Aliases
	Bool                // true/false (yes/no, 1/0 accepted and canonicalised to true/false)
	Digits              // digits only, sent to Zoom as a JSON string (host_key: "012345" keeps its 0)
)

func (k Kind) String() string {
	switch k {
	case Text:
		return "text"
	case Email:
		return "email"
	case Integer:
		return "integer"
	case Digits:
		return "digits"
	case Enum:
		return "enum"
	case Bool:
		return "bool"
	}
	return "kind?"
}

// Target says which part of the API a field feeds.
type Target int

const (
	Profile           Target = iota // user_info of Create users and the body of Update a user
	Key                             // email or id: names the user (email is also sent on create)
	Feature                         // a feature_type of Bulk update features; the field name is the feature_type
	Status                          // desired status: active or inactive (Update user status)
	Group                           // a group name or ID (move_group)
	Division                        // a division name or ID (assign_division)
	Subscription                    // subscription_id of Bulk update features
	TransferEmail                   // transfer_email of Delete a user
	Password                        // password of Create users (autoCreate)
	NewEmail                        // the address change_email moves the user to
	Picture                         // a picture file name for upload_picture
	Setting                         // a leaf of Update user settings, named settings.<section>.<key>
	ContactGroup                    // a contact group name or ID (contact_groups)
	Member                          // a contact group member: a user email or a user group name (contact_groups)
	Description                     // a division's or contact group's description (upsert_divisions, contact_groups)
	Privacy                         // a contact group's privacy (contact_groups)
	Assistants                      // a user's assistants, emails separated by semicolons (set_assistants)
	RenameFrom                      // the current name of a group or division upsert_groups/upsert_divisions renames
	VirtualBackground               // Virtual Background file names, separated by semicolons (virtual_backgrounds)
	Lock                            // a group's locked setting, named lock.<section>.<key> (update_group_settings)
)

// Field is one entry of the catalogue.
type Field struct {
	Name   string // the API's own name, also the job file's key: "first_name", "webinar", "group"
	Kind   Kind
	Target Target
	// MaxLen bounds Text values in characters (runes); 0 = no limit.
	MaxLen int
	// MinLen is the least number of characters (runes) of a Text or
	// Integer value; 0 = no minimum. (host_key: 6, password: 8, pmi: 10.)
	MinLen int
	// Allowed lists the canonical values of an Enum or feature field, as
	// they are sent to Zoom ("1", "2", "4" for type).
	Allowed []string
	// Aliases map friendly spellings (matched trimmed, case-insensitively)
	// to canonical values: "Basic" -> "1", "Licensed" -> "2".
	Aliases map[string]string
	// Labels name the canonical values for people: "1" -> "Basic".
	Labels map[string]string
	// Clearable fields accept the clear token (empty string sent to Zoom).
	Clearable bool
	// Carried says which of Zoom's user answers carries the field: List
	// users and Get a user (ByList), only Get (ByGet), or neither
	// (NotCarried: vanity_name, host_key, about_me, linkedin_url, which
	// are sent without comparing). The plan reads a user only for what
	// the list leaves out, the users export leaves ByGet columns empty
	// without --details, and profile.go reads and sets zoom.User by
	// JSONKey for every carried profile field.
	Carried Carried
	// JSONKey is the field's key in Zoom's user JSON (zoom.User's json
	// tag) when it is not Name: group_ids for group. See UserKey.
	JSONKey string
	// Doc is one line for the Instructions sheet, --help and docs/jobs.md.
	Doc string
	// JSON is the type a Setting is sent as: boolean, integer or string.
	JSON string

	// contains, when set, must appear in a Text value (case-insensitively):
	// "linkedin.com" for linkedin_url.
	contains string
	// maxHan bounds the Chinese (Han) characters of a Text value: the
	// reference allows 5 in first and last names, 10 in display names.
	maxHan int
	// noLinks refuses hyperlinks and HTML (about_me).
	noLinks bool
	// lineBreaks lets a Text value hold line breaks, as Zoom's profile
	// page does for about_me; every other control character is refused.
	lineBreaks bool
}

// Carried is which of Zoom's user answers carries a field.
type Carried int

const (
	NotCarried Carried = iota // neither List users nor Get a user answers it
	ByGet                     // only Get a user (GET /users/{userId})
	ByList                    // List users, and Get a user
)

// Listed says whether List users returns the field, so a listing is
// enough to tell whether a row is already as asked.
func (f Field) Listed() bool { return f.Carried == ByList }

// UserKey is the field's key in Zoom's user JSON: JSONKey, else Name.
func (f Field) UserKey() string {
	if f.JSONKey != "" {
		return f.JSONKey
	}
	return f.Name
}

// Limits that the reference (and Zoom's OpenAPI file) gives: email 128,
// first/last name 64, display_name 128, job_title 128, company 255,
// location 256, about_me 150, host_key 6-10, password 8-32. The others are
// ours, generous, and documented in each field's Doc: they catch a pasted
// paragraph, not a long name.
const (
	lenName    = 64
	lenLong    = 128
	lenCompany = 255
	lenURL     = 256
)

// Feature value lists, exactly as Bulk update features lists them.
var (
	onOff = map[string]string{"off": "0", "none": "0", "no": "0"}

	largeMeeting = codes(
		"1", "100 capacity",
		"32", "200 capacity",
		"64", "300 capacity",
		"128", "500 capacity",
		"256", "1000 capacity",
		"1024", "3000 capacity",
		"2048", "5000 capacity",
		"0", "off",
	)
	webinar = codes(
		"16", "100 capacity",
		"1", "500 capacity",
		"64", "1000 capacity",
		"128", "3000 capacity",
		"256", "5000 capacity",
		"512", "10000 capacity",
		"1024", "20000 capacity",
		"2048", "30000 capacity",
		"4096", "40000 capacity",
		"8192", "50000 capacity",
		"16384", "promo 500 capacity",
		"32768", "promo 1000 capacity",
		"0", "off",
	)
	zoomEvents = codes(
		"500", "500 capacity",
		"1000", "1000 capacity",
		"3000", "3000 capacity",
		"5000", "5000 capacity",
		"10000", "10000 capacity",
		"20000", "20000 capacity",
		"30000", "30000 capacity",
		"50000", "50000 capacity",
		"0", "off",
	)
	planUnited = codes(
		"1", "Pro-United with US/CA Unlimited",
		"2", "Pro-United with UK/IR Unlimited",
		"4", "Pro-United with AU/NZ Unlimited",
		"8", "Pro-United with Global Select",
		"16", "Pro-United with Zoom Phone Pro",
		"32", "Biz-United with US/CA Unlimited",
		"64", "Biz-United with UK/IR Unlimited",
		"128", "Biz-United with AU/NZ Unlimited",
		"256", "Biz-United with Global Select",
		"512", "Biz-United with Zoom Phone Pro",
		"1024", "Ent-United with US/CA Unlimited",
		"2048", "Ent-United with UK/IR Unlimited",
		"4096", "Ent-United with AU/NZ Unlimited",
		"8192", "Ent-United with Global Select",
		"16384", "Ent-United with Zoom Phone Pro",
		"32768", "Pro-United with JP Unlimited",
		"65536", "Biz-United with JP Unlimited",
		"131072", "Ent-United with JP Unlimited",
		"0", "off",
	)
	// The education codes are 2^54..2^59; the reference's enum lists print
	// three of them rounded (72057594037927940 ...), accepted as aliases.
	zoomOne = codes(
		"16", "Business Plus with US/CA Unlimited (Gov: Zoom One Business Plus)",
		"32", "Business Plus with UK/Ireland Unlimited",
		"64", "Business Plus with AU/NZ Unlimited",
		"128", "Business Plus with Japan Unlimited",
		"33554432", "Business Plus with Global Select",
		"134217728", "Enterprise Premier with US/CA Unlimited",
		"1073741824", "Enterprise Premier with AU/NZ Unlimited",
		"536870912", "Enterprise Premier with UK/Ireland Unlimited",
		"268435456", "Enterprise Premier with Japan Unlimited",
		"4398046511104", "Pro Plus with US/CA Unlimited",
		"18014398509481984", "Education School and Campus",
		"72057594037927936", "Education Enterprise Essentials",
		"576460752303423488", "Education Enterprise Student",
		"144115188075855872", "Education Enterprise Plus",
		"137438953472", "Education School and Campus Plus with US/CA Unlimited",
		"1099511627776", "Education School and Campus Plus with AU/NZ Unlimited",
		"549755813888", "Education School and Campus Plus with UK/Ireland Unlimited",
		"274877906944", "Education School and Campus Plus with Japan Unlimited",
		"2199023255552", "Education School and Campus Plus with Global Select",
		"4294967296", "Education Enterprise Premier with US/CA Unlimited",
		"34359738368", "Education Enterprise Premier with AU/NZ Unlimited",
		"17179869184", "Education Enterprise Premier with UK/Ireland Unlimited",
		"8589934592", "Education Enterprise Premier with Japan Unlimited",
		"68719476736", "Education Enterprise Premier with Global Select",
		"0", "off",
	)
)

// codeList is a list of canonical codes with their labels, in the
// reference's order.
type codeList struct {
	allowed []string
	labels  map[string]string
}

func codes(pairs ...string) codeList {
	c := codeList{labels: make(map[string]string, len(pairs)/2)}
	for i := 0; i+1 < len(pairs); i += 2 {
		c.allowed = append(c.allowed, pairs[i])
		c.labels[pairs[i]] = pairs[i+1]
	}
	return c
}

func merge(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

var boolAliases = map[string]string{
	"yes": "true", "y": "true", "on": "true", "1": "true", "enabled": "true",
	"no": "false", "n": "false", "off": "false", "0": "false", "none": "false", "disabled": "false",
}

var boolLabels = map[string]string{"true": "on", "false": "off"}

func text(name string, max int, clearable bool, carried Carried, doc string) Field {
	return Field{Name: name, Kind: Text, Target: Profile, MaxLen: max, Clearable: clearable, Carried: carried, Doc: doc}
}

func withHan(f Field, n int) Field { f.maxHan = n; return f }

func feature(name string, c codeList, aliases map[string]string, doc string) Field {
	return Field{Name: name, Kind: Enum, Target: Feature, Allowed: c.allowed, Labels: c.labels, Aliases: aliases, Doc: doc}
}

func boolFeature(name, doc string) Field {
	return Field{Name: name, Kind: Bool, Target: Feature, Allowed: []string{"true", "false"},
		Labels: boolLabels, Aliases: boolAliases, Doc: doc}
}

var catalogue = []Field{
	// Keys.
	{Name: "email", Kind: Email, Target: Key, MaxLen: lenLong, Carried: ByList,
		Doc: "The user's email address (lower-cased); names the user when match is email."},
	{Name: "id", Kind: Text, Target: Key, MaxLen: lenName, Carried: ByList,
		Doc: "The Zoom user ID; names the user when match is id."},

	// Profile: Create users' user_info and Update a user's body.
	withHan(text("first_name", lenName, false, ByList, "First name, at most 64 characters (5 Chinese characters)."), 5),
	withHan(text("last_name", lenName, false, ByList, "Last name, at most 64 characters (5 Chinese characters)."), 5),
	withHan(text("display_name", lenLong, true, ByList, "Display name, at most 128 characters (10 Chinese characters); cleared, Zoom derives it from the names."), 10),
	{Name: "type", Kind: Enum, Target: Profile, Carried: ByList,
		Allowed: []string{"1", "2", "4"},
		Labels:  map[string]string{"1": "Basic", "2": "Licensed", "4": "Unassigned without Meetings Basic"},
		Aliases: map[string]string{"basic": "1", "licensed": "2", "unassigned": "4", "unassigned without meetings basic": "4"},
		Doc:     "User type: 1 Basic, 2 Licensed, 4 Unassigned without Meetings Basic (the names work too)."},
	text("dept", lenLong, true, ByList, "Department, at most 128 characters."),
	text("job_title", lenLong, true, ByGet, "Job title, at most 128 characters."),
	text("location", lenURL, true, ByGet, "Location, at most 256 characters."),
	text("company", lenCompany, true, ByGet, "Company, at most 255 characters."),
	text("manager", lenLong, true, ByGet, "Manager: the email address or display name of a user in the same account."),
	text("timezone", lenName, false, ByList, "Time zone ID from Zoom's list, e.g. America/Chicago."),
	text("language", lenName, false, ByGet, "Web portal language, e.g. en-US."),
	text("phone_number", 30, true, ByGet, "Phone number (deprecated by Zoom), at most 30 characters; sent with phone_country."),
	{Name: "phone_country", Kind: Text, Target: Profile, MinLen: 2, MaxLen: 2, Clearable: true, Carried: ByGet,
		Doc: "Two-letter country ID of phone_number (US, GB); needed whenever phone_number is mapped."},
	text("cost_center", lenLong, true, ByGet, "Cost center, at most 128 characters."),
	{Name: "pmi", Kind: Integer, Target: Profile, MinLen: 10, MaxLen: 10, Carried: ByList,
		Doc: "Personal meeting ID: exactly 10 digits."},
	text("vanity_name", lenName, true, NotCarried, "Personal meeting room name, at most 64 characters."),
	{Name: "host_key", Kind: Digits, Target: Profile, MinLen: 6, MaxLen: 10,
		Doc: "Host key: 6 to 10 digits."},
	text("pronouns", lenName, true, ByGet, "Pronouns, at most 64 characters."),
	{Name: "about_me", Kind: Text, Target: Profile, MaxLen: 150, Clearable: true, noLinks: true, lineBreaks: true,
		Doc: "Self-introduction, at most 150 characters; no links or HTML."},
	{Name: "linkedin_url", Kind: Text, Target: Profile, MaxLen: lenURL, Clearable: true, contains: "linkedin.com",
		Doc: "LinkedIn profile URL; must contain linkedin.com."},

	// Status.
	{Name: "status", Kind: Enum, Target: Status, Carried: ByList,
		Allowed: []string{"active", "inactive"},
		Aliases: map[string]string{"activate": "active", "activated": "active", "reactivate": "active",
			"deactivate": "inactive", "deactivated": "inactive"},
		Doc: "Desired status: active or inactive (activate/deactivate work too)."},

	// Group and division.
	{Name: "group", Kind: Text, Target: Group, MaxLen: lenLong, Carried: ByList, JSONKey: "group_ids",
		Doc: "A group name or ID; move_group puts the user in it."},
	{Name: "division", Kind: Text, Target: Division, MaxLen: lenLong, Carried: ByList, JSONKey: "division_ids",
		Doc: "A division name or ID; assign_division puts the user in it."},

	// Features: the feature_type values of Bulk update features.
	{Name: "user_type", Kind: Enum, Target: Feature,
		Allowed: []string{"1", "2"},
		Labels:  map[string]string{"1": "Basic", "2": "Licensed"},
		Aliases: map[string]string{"basic": "1", "licensed": "2"},
		Doc:     "Feature user_type: 1 Basic or 2 Licensed."},
	{Name: "concurrent_meeting", Kind: Enum, Target: Feature,
		Allowed: []string{"Basic", "Plus", "None"},
		Aliases: map[string]string{"off": "None", "0": "None"},
		Doc:     "Feature concurrent_meeting: Basic, Plus or None."},
	feature("large_meeting", largeMeeting, onOff, "Feature large_meeting: 1 (100), 32 (200), 64 (300), 128 (500), 256 (1000), 1024 (3000), 2048 (5000) capacity, 0 off."),
	feature("webinar", webinar, onOff, "Feature webinar: 16 (100), 1 (500), 64 (1000), 128 (3000), 256 (5000), 512 ... 8192 (10000-50000) capacity, 16384/32768 promo, 0 off."),
	feature("zoom_events", zoomEvents, onOff, "Feature zoom_events: the capacity (500, 1000, 3000, 5000, 10000, 20000, 30000, 50000), 0 off."),
	boolFeature("zoom_whiteboard", "Feature zoom_whiteboard: true or false."),
	boolFeature("zoom_revenue_accelerator", "Feature zoom_revenue_accelerator: true or false."),
	boolFeature("zoom_clips_plus", "Feature zoom_clips_plus: true or false."),
	feature("plan_united_type", planUnited, onOff, "Feature plan_united_type: the Zoom United plan code (1 ... 131072), 0 off."),
	feature("zoom_one_type", zoomOne, merge(onOff, map[string]string{
		"72057594037927940":  "72057594037927936",
		"144115188075855870": "144115188075855872",
		"576460752303423500": "576460752303423488",
	}), "Feature zoom_one_type: the Zoom Workplace plan code (16 ... 576460752303423488), 0 off."),

	// Subscription, transfer, password.
	{Name: "subscription_id", Kind: Text, Target: Subscription, MaxLen: lenLong,
		Doc: "Subscription ID for update_features, when the account has several plans."},
	{Name: "transfer_email", Kind: Email, Target: TransferEmail, MaxLen: lenLong,
		Doc: "delete_users: the user who receives the deleted user's data."},
	{Name: "password", Kind: Text, Target: Password, MinLen: 8, MaxLen: 32,
		Doc: "Password for create_users with action autoCreate: 8 to 32 characters."},

	// Email change and picture.
	{Name: "new_email", Kind: Email, Target: NewEmail, MaxLen: lenLong,
		Doc: "change_email: the address the user moves to (a managed domain of the account)."},
	{Name: "picture", Kind: Text, Target: Picture, MaxLen: lenURL,
		Doc: "upload_picture: a JPG or PNG file name (at most 2 MB), in the step's folder."},
	// Contact groups, descriptions, assistants.
	{Name: "contact_group", Kind: Text, Target: ContactGroup, MaxLen: lenLong,
		Doc: "A contact group name or ID; contact_groups creates it when missing and adds the row's member."},
	{Name: "member", Kind: Text, Target: Member, MaxLen: lenLong,
		Doc: "A contact group member: a user's email or a user group's name."},
	{Name: "description", Kind: Text, Target: Description, MaxLen: 500, Clearable: true,
		Doc: "A division's or contact group's description (upsert_divisions, contact_groups)."},
	{Name: "privacy", Kind: Enum, Target: Privacy,
		Allowed: []string{"1", "2", "3"},
		Labels:  map[string]string{"1": "Visible to anyone, searchable by anyone", "2": "Visible to members only, searchable by anyone", "3": "Visible to members only, searchable by members only"},
		Aliases: map[string]string{"public": "1", "anyone": "1", "members": "2", "private": "3"},
		Doc:     "Contact group privacy: 1 visible to anyone, 2 visible to members (searchable by anyone), 3 members only; or public, members, private."},
	{Name: "assistants", Kind: Text, Target: Assistants, MaxLen: 4000, Clearable: true,
		Doc: "A user's assistants: emails separated by semicolons (set_assistants)."},
	{Name: "rename_from", Kind: Text, Target: RenameFrom, MaxLen: lenLong,
		Doc: "The name a group or division has now: upsert_groups or upsert_divisions renames it to the row's name (an empty cell: the row is an upsert as usual)."},
	{Name: "virtual_background", Kind: Text, Target: VirtualBackground, MaxLen: 4000, Clearable: true,
		Doc: "virtual_backgrounds: JPG or PNG files (at most 15 MB) in the input's folder, separated by semicolons."},
}

var byName = func() map[string]int {
	m := make(map[string]int, len(catalogue))
	for i, f := range catalogue {
		m[f.Name] = i
	}
	return m
}()

// Catalogue returns every field, in a stable order (key, profile, status,
// group, division, features, subscription, transfer, password).
func Catalogue() []Field {
	out := make([]Field, len(catalogue))
	copy(out, catalogue)
	return out
}

// Lookup finds a field by name (exact, lower-case API name); a setting is
// named settings.<section>.<key> (settings.recording.cloud_recording).
func Lookup(name string) (Field, bool) {
	i, ok := byName[name]
	if !ok {
		if j, ok := settingByName[name]; ok {
			return settingFields[j], true
		}
		if j, ok := lockByName[name]; ok {
			return lockFields[j], true
		}
		return Field{}, false
	}
	return catalogue[i], true
}

// Suggest returns the closest field name to a misspelt one ("" if none is
// close), for "did you mean" messages.
func Suggest(name string) string {
	names := make([]string, len(catalogue))
	for i, f := range catalogue {
		names[i] = f.Name
	}
	if strings.HasPrefix(name, SettingsPrefix) {
		return SuggestSetting(name)
	}
	return fuzzy.Key(name, names)
}
