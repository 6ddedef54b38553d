package templates

// The templates `zoombulk template KIND` writes. Each is a sheet (headers,
// two example rows) and the job that reads it; the example rows name users
// of the sample account (samples/sandbox-seed.yaml), so that a template
// with its examples turned into real rows runs as it is on the sandbox.

import (
	"slices"
	"strings"

	"github.com/zoombulk/zoombulk/internal/mapping"
)

// Kind is one kind of template.
type Kind struct {
	Name    string // create-users, update-users, ...
	Summary string // one line, for --help and the job file's first line
	Sheet   string // the data sheet of the workbook
	Columns []Column
	// About says what the job does, a line each, for the head of the job
	// file and the Instructions sheet.
	About []string
	// Steps are the lines of the job's steps block, comments included,
	// each indented as it goes under "steps:".
	Steps []string
	// Examples are the two example rows; their first cell starts with "#",
	// which makes a job skip them.
	Examples [][]string
	// RunFlags are the flags `zoombulk run` needs for this job.
	RunFlags []string
}

// Column is one column of a template and its mapping in the job.
type Column struct {
	Header string
	Field  string // catalogue name
	// Required columns must be filled on every row ("required: true" in the
	// job, except for the key, which every row needs anyway).
	Required bool
	// Values is the job's values map, in order: the cell texts the
	// dropdown offers and the value each sends.
	Values []ValueKey
	// Default is the value sent when the cell is empty ("" = none).
	Default string
	// Note adds to the Instructions sheet's description.
	Note string
}

// ValueKey is one entry of a values map.
type ValueKey struct{ Cell, Value string }

var licenseValues = []ValueKey{{"Basic", "1"}, {"Licensed", "2"}, {"Unassigned", "4"}}

// capacityValues turns a capacity feature's codes into a values map keyed
// by what admins call them: "500" for the 500-attendee webinar (code 1),
// "Promo 500", and "None" for off.
func capacityValues(feature string) []ValueKey {
	f, _ := mapping.Lookup(feature)
	var out []ValueKey
	var off *ValueKey
	for _, code := range f.Allowed {
		label := strings.TrimSuffix(f.Labels[code], " capacity")
		switch {
		case code == "0":
			off = &ValueKey{"None", code}
			continue
		case strings.HasPrefix(label, "promo "):
			label = "Promo " + strings.TrimPrefix(label, "promo ")
		}
		out = append(out, ValueKey{label, code})
	}
	if off != nil {
		out = append(out, *off)
	}
	return out
}

func capacityNote(who string) string {
	return "In this sheet a seat is named by its capacity in " + who + " (None takes it away); the job sends Zoom's code."
}

var onOffValues = []ValueKey{{"On", "true"}, {"Off", "false"}}

// kinds lists the kinds in the order --help shows them.
var kinds = []Kind{
	{
		Name:    "create-users",
		Summary: "add new users, with their license, profile, group and division",
		Sheet:   "Users",
		Columns: []Column{
			{Header: "Email", Field: "email", Required: true},
			{Header: "First Name", Field: "first_name", Required: true},
			{Header: "Last Name", Field: "last_name", Required: true},
			{Header: "License", Field: "type", Values: licenseValues, Default: "1"},
			{Header: "Department", Field: "dept"},
			{Header: "Job Title", Field: "job_title"},
			{Header: "Location", Field: "location"},
			{Header: "Group", Field: "group"},
			{Header: "Division", Field: "division"},
		},
		About: []string{
			"Creates each user (Zoom emails an invitation; the user is pending until accepting it),",
			"then puts the user in the group and the division. Users who exist already are",
			"brought in line with the sheet (if_exists: update).",
		},
		Steps: []string{
			"  # action: create (invitation by email), autoCreate, custCreate or ssoCreate;",
			"  # if_exists: update (bring existing users in line), skip (leave them) or fail.",
			"  - create_users: { action: create, if_exists: update }",
			"  - move_group: { to: group }          # mode: move (default), add or set_primary",
			"  - assign_division: { to: division }",
		},
		Examples: [][]string{
			{"# jane.doe@acme.example", "Jane", "Doe", "Licensed", "Sales", "Account Executive", "Chicago", "Sales", "Americas"},
			{"# li.wei@acme.example", "Li", "Wei", "Basic", "Engineering", "Software Engineer", "Singapore", "Engineering", "APAC"},
		},
	},
	{
		Name:    "update-users",
		Summary: "change profile fields of existing users (names, department, job title, ...)",
		Sheet:   "Users",
		Columns: []Column{
			{Header: "Email", Field: "email", Required: true},
			{Header: "First Name", Field: "first_name"},
			{Header: "Last Name", Field: "last_name"},
			{Header: "Display Name", Field: "display_name"},
			{Header: "Department", Field: "dept"},
			{Header: "Job Title", Field: "job_title"},
			{Header: "Location", Field: "location"},
			{Header: "Company", Field: "company"},
			{Header: "Manager", Field: "manager"},
			{Header: "Cost Center", Field: "cost_center"},
			{Header: "Time Zone", Field: "timezone"},
			{Header: "Language", Field: "language"},
		},
		About: []string{
			"Updates the profile of each user: only the filled-in cells are sent, and only when",
			"they differ from what the account holds (rows already as asked cost no call).",
			"Write <clear> in a cell to empty the field.",
		},
		Steps: []string{
			"  - update_users",
		},
		Examples: [][]string{
			{"# grace.hopper@acme.example", "", "", "", "", "Distinguished Engineer", "Arlington"},
			{"# priya.patel@acme.example", "", "", "", "Customer Success", "Support Manager"},
		},
	},
	{
		Name:    "licenses",
		Summary: "change license types (Basic, Licensed) and feature seats (webinar, large meetings, ...)",
		Sheet:   "Users",
		Columns: []Column{
			{Header: "Email", Field: "email", Required: true},
			{Header: "License", Field: "type", Values: licenseValues},
			{Header: "Webinar", Field: "webinar", Values: capacityValues("webinar"), Note: capacityNote("attendees")},
			{Header: "Large Meeting", Field: "large_meeting", Values: capacityValues("large_meeting"), Note: capacityNote("participants")},
			{Header: "Zoom Events", Field: "zoom_events", Values: capacityValues("zoom_events"), Note: capacityNote("attendees")},
			{Header: "Whiteboard", Field: "zoom_whiteboard", Values: onOffValues},
		},
		About: []string{
			"Sets each user's license type first (a user needs a license before a feature seat),",
			"then the feature seats. Feature changes go 30 users a call, one call every 10 seconds",
			"(Zoom's rule), grouped by feature and value: a quarter's reshuffle takes minutes.",
			"Empty cells leave the license or feature as it is.",
		},
		Steps: []string{
			"  - update_users                       # the License column: PATCH /users/{id}",
			"  - update_features: [webinar, large_meeting, zoom_events, zoom_whiteboard]",
		},
		Examples: [][]string{
			{"# linus.berg@acme.example", "Licensed", "500"},
			{"# kenji.sato@acme.example", "Basic"},
		},
	},
	{
		Name:    "group-moves",
		Summary: "move users to another group",
		Sheet:   "Users",
		Columns: []Column{
			{Header: "Email", Field: "email", Required: true},
			{Header: "Group", Field: "group", Required: true},
		},
		About: []string{
			"Moves each user from their primary group to the group named (users in no group",
			"are added to it). Users already in that group cost no call.",
		},
		Steps: []string{
			"  # mode: move (leave the primary group for this one), add (join it as well)",
			"  # or set_primary (make a group the user is in the primary one).",
			"  - move_group: { to: group, mode: move }",
		},
		Examples: [][]string{
			{"# linus.berg@acme.example", "Operations"},
			{"# priya.patel@acme.example", "Engineering"},
		},
	},
	{
		Name:    "divisions",
		Summary: "assign users to divisions",
		Sheet:   "Users",
		Columns: []Column{
			{Header: "Email", Field: "email", Required: true},
			{Header: "Division", Field: "division", Required: true},
		},
		About: []string{
			"Assigns each user to the division named, 30 users a call per division.",
			"Users already in that division cost no call.",
		},
		Steps: []string{
			"  - assign_division: { to: division }",
		},
		Examples: [][]string{
			{"# linus.berg@acme.example", "Americas"},
			{"# wei.chen@acme.example", "EMEA"},
		},
	},
	{
		Name:    "offboarding",
		Summary: "remove leavers from the account (disassociate or delete), or deactivate them",
		Sheet:   "Users",
		Columns: []Column{
			{Header: "Email", Field: "email", Required: true},
			{Header: "Transfer Data To", Field: "transfer_email",
				Note: "Their meetings, webinars and cloud recordings move to this user; empty: nothing is transferred"},
		},
		About: []string{
			"Removes each user from the account: disassociate turns the user into a free Zoom",
			"account of their own (their data goes with them unless transferred); action: delete",
			"deletes the user and their data for good. Either way their meetings, webinars and",
			"cloud recordings can first go to another user (Transfer Data To). Needs --allow-delete.",
			"To deactivate instead (reversible, no --allow-delete), replace the steps with",
			"  - set_status",
			"and add under fields:  status: { default: inactive }",
		},
		Steps: []string{
			"  # action: disassociate (the user keeps a free account of their own) or delete (for good).",
			"  - delete_users: { action: disassociate, transfer_email: transfer_email }",
		},
		Examples: [][]string{
			{"# dan.dormant@acme.example", "frank.numbers@acme.example"},
			{"# ivy.nogroup@acme.example", "adam.admin@acme.example"},
		},
		RunFlags: []string{"--allow-delete"},
	},
	{
		Name:    "group-policy",
		Summary: "set and lock settings for whole groups (cloud recording, waiting room, ...)",
		Sheet:   "Groups",
		Columns: []Column{
			{Header: "Group", Field: "group", Required: true},
			{Header: "Cloud Recording", Field: "settings.recording.cloud_recording", Values: onOffValues},
			{Header: "Lock Cloud Recording", Field: "lock.recording.cloud_recording", Values: lockValues},
			{Header: "Auto Recording", Field: "settings.recording.auto_recording",
				Values: []ValueKey{{"Cloud", "cloud"}, {"Local", "local"}, {"None", "none"}}},
			{Header: "Lock Auto Recording", Field: "lock.recording.auto_recording", Values: lockValues},
			{Header: "Waiting Room", Field: "settings.in_meeting.waiting_room", Values: onOffValues},
			{Header: "Lock Waiting Room", Field: "lock.in_meeting.waiting_room", Values: lockValues},
			{Header: "Screen Sharing", Field: "settings.in_meeting.screen_sharing", Values: onOffValues},
			{Header: "Lock Screen Sharing", Field: "lock.in_meeting.screen_sharing", Values: lockValues},
		},
		About: []string{
			"Sets each group's settings and locks them (a locked setting cannot be changed by the",
			"group's members). Each group's settings and locks are read once and only what differs",
			"is sent; an empty cell leaves the setting as it is. Unlocking counts as a removal.",
			"Any other settings.<section>.<key> or lock.<section>.<key> field can be added.",
		},
		Steps: []string{
			"  - update_group_settings",
		},
		Examples: [][]string{
			{"# Sales", "On", "Locked", "Cloud", "Locked"},
			{"# Finance", "", "", "", "", "On", "Locked"},
		},
	},
}

// lockValues are a lock column's cells.
var lockValues = []ValueKey{{"Locked", "true"}, {"Unlocked", "false"}}

// Kinds lists every kind of template.
func Kinds() []Kind {
	out := make([]Kind, len(kinds))
	copy(out, kinds)
	return out
}

// KindNames lists the kinds' names.
func KindNames() []string {
	out := make([]string, len(kinds))
	for i, k := range kinds {
		out[i] = k.Name
	}
	return out
}

// Lookup finds a kind by name (any case).
func Lookup(name string) (Kind, bool) {
	for _, k := range kinds {
		if strings.EqualFold(k.Name, strings.TrimSpace(name)) {
			return k, true
		}
	}
	return Kind{}, false
}

// AccountLists are the fields of the kind whose dropdown --from-account
// fills from the account: "group" and/or "division", in that order; none
// for kinds without those columns.
func (k Kind) AccountLists() []string {
	var out []string
	for _, f := range []string{"group", "division"} {
		if slices.ContainsFunc(k.Columns, func(c Column) bool { return c.Field == f }) {
			out = append(out, f)
		}
	}
	return out
}
