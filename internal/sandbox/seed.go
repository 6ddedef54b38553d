package sandbox

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Seed is a sandbox's initial data, as LoadSeed reads it from YAML:
//
//	account: { id: acme-sandbox, name: Acme Corp }
//	subscriptions: [SUBREF-ACME-2026]
//	licensed_seats: 0
//	blocked_domains: [blocked.example]
//	managed_domains: [acme.example, acme-new.example]   # default: the users' domains
//	external_users: [someone@elsewhere.example]          # have a Zoom account elsewhere
//	groups: [ { name: Engineering }, { name: Sales, id: optional-fixed-id } ]
//	divisions: [ { name: Main Division, main: true }, { name: EMEA, description: Europe } ]
//	contact_groups: [ { name: Office A, privacy: 1, members: [someone@acme.example, Sales] } ]
//	users:
//	  - { email: owner@acme.example, first_name: Olivia, last_name: Owner, type: 2, role: owner,
//	      groups: [Engineering], division: EMEA, features: { webinar: "1" }, created: 2024-01-05 }
//
// Groups and divisions are named by name or ID. Contact group members are
// user emails (type 1 members) or group names or IDs (type 2).
type Seed struct {
	Account        SeedAccount `yaml:"account"`
	Subscriptions  []string    `yaml:"subscriptions"`
	LicensedSeats  int         `yaml:"licensed_seats"`
	BlockedDomains []string    `yaml:"blocked_domains"`
	// ManagedDomains are the account's managed (associated) domains:
	// Update a user's email only moves users to these. Without the list,
	// the domains of the seed's users are.
	ManagedDomains []string `yaml:"managed_domains"`
	// ExternalUsers are addresses that hold a Zoom account elsewhere:
	// they can be invited (action create) but not created (1009).
	ExternalUsers []string `yaml:"external_users"`
	// ForeignGroupIDs are group IDs of other accounts: group calls naming
	// them answer 1010 instead of 4130.
	ForeignGroupIDs []string           `yaml:"foreign_group_ids"`
	Groups          []SeedGroup        `yaml:"groups"`
	Divisions       []SeedDivision     `yaml:"divisions"`
	ContactGroups   []SeedContactGroup `yaml:"contact_groups"`
	Users           []SeedUser         `yaml:"users"`
}

// SeedAccount names the account; its ID is the account_id the token
// endpoint expects unless Options.AccountID is set.
type SeedAccount struct {
	ID   string `yaml:"id"`
	Name string `yaml:"name"`
}

// SeedGroup is a user group; ID is generated when empty.
type SeedGroup struct {
	Name string `yaml:"name"`
	ID   string `yaml:"id"`
}

// SeedDivision is a division; at most one is Main.
type SeedDivision struct {
	Name        string `yaml:"name"`
	ID          string `yaml:"id"`
	Description string `yaml:"description"`
	Main        bool   `yaml:"main"`
}

// SeedContactGroup is a contact group.
type SeedContactGroup struct {
	Name        string   `yaml:"name"`
	Description string   `yaml:"description"`
	Privacy     int      `yaml:"privacy"` // 1 (default), 2 or 3
	Members     []string `yaml:"members"`
}

// SeedUser is a user. Type defaults to 1, role to member, status to active;
// created and last_login are dates (2006-01-02) or RFC 3339 times.
type SeedUser struct {
	ID          string            `yaml:"id"`
	Email       string            `yaml:"email"`
	FirstName   string            `yaml:"first_name"`
	LastName    string            `yaml:"last_name"`
	DisplayName string            `yaml:"display_name"`
	Type        int               `yaml:"type"`
	Role        string            `yaml:"role"`
	Status      string            `yaml:"status"`
	Dept        string            `yaml:"dept"`
	JobTitle    string            `yaml:"job_title"`
	Location    string            `yaml:"location"`
	Company     string            `yaml:"company"`
	Manager     string            `yaml:"manager"`
	Timezone    string            `yaml:"timezone"`
	Language    string            `yaml:"language"`
	PhoneNumber string            `yaml:"phone_number"`
	CostCenter  string            `yaml:"cost_center"`
	PMI         int64             `yaml:"pmi"`
	Groups      []string          `yaml:"groups"`
	Division    string            `yaml:"division"`
	Features    map[string]string `yaml:"features"`
	Created     string            `yaml:"created"`
	LastLogin   string            `yaml:"last_login"`
	// InvitationExpired marks a pending user whose invitation ran out
	// (Zoom answers changes to it with 1120).
	InvitationExpired bool `yaml:"invitation_expired"`
}

// LoadSeed reads a seed file. Unknown keys are errors, and every error names
// the file and the key (or line) at fault.
func LoadSeed(path string) (*Seed, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	return ParseSeed(path, data)
}

// ParseSeed reads seed YAML; name says where it came from in errors.
func ParseSeed(name string, data []byte) (*Seed, error) {
	sd := &Seed{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(sd); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %s", name, yamlError(err))
	}
	// Building the state once checks every reference (groups, divisions,
	// members) and value, so that a bad file fails here and not in New.
	if err := sd.build(newState(newIDGen(1)), time.Now()); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return sd, nil
}

var (
	yamlFieldRE = regexp.MustCompile(`field (\S+) not found in type sandbox\.(\w+)`)
	yamlSection = map[string]string{
		"Seed": "at the top level", "SeedAccount": "in account", "SeedGroup": "in a groups entry",
		"SeedDivision": "in a divisions entry", "SeedContactGroup": "in a contact_groups entry", "SeedUser": "in a users entry",
	}
)

// yamlError rewrites yaml's messages in the seed's terms: "line 12: unknown
// key "fist_name" in a users entry" rather than Go type names.
func yamlError(err error) string {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return strings.TrimPrefix(err.Error(), "yaml: ")
	}
	msgs := make([]string, 0, len(te.Errors))
	for _, m := range te.Errors {
		m = yamlFieldRE.ReplaceAllStringFunc(m, func(s string) string {
			sub := yamlFieldRE.FindStringSubmatch(s)
			return fmt.Sprintf("unknown key %q %s", sub[1], yamlSection[sub[2]])
		})
		m = strings.ReplaceAll(m, "sandbox.", "")
		msgs = append(msgs, m)
	}
	return strings.Join(msgs, "; ")
}

// load puts the seed (or, for nil, an account with just an owner) into s.
func (s *Server) load(sd *Seed) error {
	if sd == nil {
		sd = &Seed{}
	}
	if err := sd.build(s.st, s.now()); err != nil {
		return err
	}
	if s.seats > 0 && s.st.licensed > s.seats {
		return fmt.Errorf("licensed_seats is %d but %d seeded users are licensed (type 2)", s.seats, s.st.licensed)
	}
	return nil
}

func parseSeedTime(v string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02", time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date (2006-01-02) or an RFC 3339 time", v)
}

var seedStatuses = []string{"active", "inactive", "pending"}

// build adds the seed's data to st, checking it as it goes; errors name the
// key at fault, e.g. users[3].groups[0].
func (sd *Seed) build(st *state, now time.Time) error {
	now = now.UTC().Truncate(time.Second)
	st.accountName = sd.Account.Name
	if sd.LicensedSeats < 0 {
		return errors.New("licensed_seats: must not be negative")
	}
	for _, step := range []func() error{
		func() error { return sd.buildAccount(st) },
		func() error { return sd.buildDivisions(st) },
		func() error { return sd.buildGroups(st) },
		func() error { return sd.buildUsers(st, now) },
		func() error { return sd.buildContactGroups(st) },
	} {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// buildAccount adds the subscriptions, the blocked and managed domains, the foreign group IDs and the external users.
func (sd *Seed) buildAccount(st *state) error {
	for i, sub := range sd.Subscriptions {
		if strings.TrimSpace(sub) == "" {
			return fmt.Errorf("subscriptions[%d]: empty", i)
		}
		st.subscriptions[sub] = true
	}
	for i, d := range sd.BlockedDomains {
		d = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(d), "@"))
		if d == "" || strings.Contains(d, "@") {
			return fmt.Errorf("blocked_domains[%d]: %q is not a domain", i, sd.BlockedDomains[i])
		}
		st.blocked[d] = true
	}
	for i, d := range sd.ManagedDomains {
		d = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(d), "@"))
		if d == "" || strings.Contains(d, "@") {
			return fmt.Errorf("managed_domains[%d]: %q is not a domain", i, sd.ManagedDomains[i])
		}
		st.managed[d] = true
	}
	for i, id := range sd.ForeignGroupIDs {
		if strings.TrimSpace(id) == "" {
			return fmt.Errorf("foreign_group_ids[%d]: empty", i)
		}
		st.foreignGroups[strings.TrimSpace(id)] = true
	}
	for i, e := range sd.ExternalUsers {
		if e = strings.TrimSpace(e); !validEmail(e) {
			return fmt.Errorf("external_users[%d]: %q is not a valid email address", i, sd.ExternalUsers[i])
		}
		st.external[strings.ToLower(e)] = true
	}
	return nil
}

// buildDivisions adds the divisions and the main one.
func (sd *Seed) buildDivisions(st *state) error {
	// Divisions: there is always exactly one main division. Without one
	// marked main, a division called "Main Division" is it, or one is made.
	mains := 0
	for _, d := range sd.Divisions {
		if d.Main {
			mains++
		}
	}
	if mains > 1 {
		return errors.New("divisions: more than one is main")
	}
	if mains == 0 && !slices.ContainsFunc(sd.Divisions, func(d SeedDivision) bool { return strings.EqualFold(d.Name, "Main Division") }) {
		st.addDivision("", "Main Division", "", true)
	}
	for i, d := range sd.Divisions {
		name := strings.TrimSpace(d.Name)
		if name == "" {
			return fmt.Errorf("divisions[%d].name: missing", i)
		}
		if st.divByName[strings.ToLower(name)] != nil {
			return fmt.Errorf("divisions[%d].name: %q is used twice", i, name)
		}
		if d.ID != "" && st.divByID[d.ID] != nil {
			return fmt.Errorf("divisions[%d].id: %q is used twice", i, d.ID)
		}
		main := d.Main || (mains == 0 && strings.EqualFold(name, "Main Division"))
		st.addDivision(d.ID, name, d.Description, main)
	}
	return nil
}

// buildGroups adds the groups.
func (sd *Seed) buildGroups(st *state) error {
	for i, g := range sd.Groups {
		name := strings.TrimSpace(g.Name)
		switch {
		case name == "":
			return fmt.Errorf("groups[%d].name: missing", i)
		case len(name) > maxGroupName:
			return fmt.Errorf("groups[%d].name: longer than %d characters", i, maxGroupName)
		case st.groupByName[strings.ToLower(name)] != nil:
			return fmt.Errorf("groups[%d].name: %q is used twice", i, name)
		case g.ID != "" && (st.groupByID[g.ID] != nil || st.divByID[g.ID] != nil):
			return fmt.Errorf("groups[%d].id: %q is used twice", i, g.ID)
		}
		st.addGroup(g.ID, name)
	}
	return nil
}

// buildUsers adds the users, and the owner when none is given.
func (sd *Seed) buildUsers(st *state, now time.Time) error {
	owners := 0
	for _, u := range sd.Users {
		if u.Role == "owner" {
			owners++
		}
	}
	if owners > 1 {
		return errors.New("users: more than one has role owner")
	}
	if owners == 0 {
		// Every account has an owner.
		st.addUser(&user{User: User{
			ID: st.newID(), Email: "owner@example.com", FirstName: "Sandbox", LastName: "Owner",
			DisplayName: "Sandbox Owner", Type: 2, Status: "active", Role: "owner", PMI: st.ids.pmi(),
			Timezone: "UTC", Language: "en-US", CreatedAt: now.AddDate(-2, 0, 0), LastLoginTime: now.AddDate(0, 0, -1),
		}})
	}
	for i, su := range sd.Users {
		u, err := sd.seedUser(st, su, now)
		if err != nil {
			return fmt.Errorf("users[%d] (%s): %w", i, su.Email, err)
		}
		st.addUser(u)
		for _, g := range u.GroupIDs {
			st.groupByID[g].members[u.ID] = struct{}{}
		}
		if len(sd.ManagedDomains) == 0 {
			// Without a list, the domains the account's users have are its
			// managed domains.
			st.managed[emailDomain(u.Email)] = true
		}
	}
	if sd.LicensedSeats > 0 && st.licensed > sd.LicensedSeats {
		return fmt.Errorf("licensed_seats: %d, but %d users are licensed (type 2)", sd.LicensedSeats, st.licensed)
	}
	return nil
}

// buildContactGroups adds the contact groups and their members.
func (sd *Seed) buildContactGroups(st *state) error {
	for i, scg := range sd.ContactGroups {
		name := strings.TrimSpace(scg.Name)
		if name == "" {
			return fmt.Errorf("contact_groups[%d].name: missing", i)
		}
		privacy := scg.Privacy
		if privacy == 0 {
			privacy = 1
		}
		if privacy < 1 || privacy > 3 {
			return fmt.Errorf("contact_groups[%d].privacy: %d is not 1, 2 or 3", i, scg.Privacy)
		}
		cg := st.addContactGroup(name, scg.Description, privacy)
		for j, m := range scg.Members {
			if u := st.byEmail[strings.ToLower(strings.TrimSpace(m))]; u != nil {
				st.addContactMember(cg, u.ID, 1)
			} else if g := st.lookupGroup(strings.TrimSpace(m)); g != nil {
				st.addContactMember(cg, g.id, 2)
			} else {
				return fmt.Errorf("contact_groups[%d].members[%d]: %q is neither a user's email nor a group", i, j, m)
			}
		}
	}
	return nil
}

// seedUser turns a seed entry into a user, checking each field.
func (sd *Seed) seedUser(st *state, su SeedUser, now time.Time) (*user, error) {
	email := strings.TrimSpace(su.Email)
	if err := seedUserIdentity(st, su, email); err != nil {
		return nil, err
	}
	u := &user{User: User{
		ID: su.ID, Email: email, FirstName: su.FirstName, LastName: su.LastName, DisplayName: su.DisplayName,
		Type: su.Type, Role: su.Role, Status: su.Status, Dept: su.Dept, JobTitle: su.JobTitle,
		Location: su.Location, Company: su.Company, Manager: su.Manager, Timezone: su.Timezone,
		Language: su.Language, PhoneNumber: su.PhoneNumber, CostCenter: su.CostCenter, PMI: su.PMI,
		CreatedAt: now,
	}}
	if u.ID == "" {
		u.ID = st.newID()
	}
	for _, step := range []func() error{
		func() error { return seedUserDefaults(st, u, su) },
		func() error { return seedUserTimes(u, su) },
		func() error { return seedUserPlaces(st, u, su) },
		func() error { return seedUserFeatures(u, su) },
	} {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// seedUserIdentity checks a seed user's email, ID and names.
func seedUserIdentity(st *state, su SeedUser, email string) error {
	switch {
	case email == "":
		return errors.New("email: missing")
	case !validEmail(email):
		return fmt.Errorf("email: %q is not a valid email address", email)
	case st.byEmail[strings.ToLower(email)] != nil:
		return fmt.Errorf("email: %q is used twice", email)
	case su.ID != "" && (st.byID[su.ID] != nil || st.groupByID[su.ID] != nil || st.divByID[su.ID] != nil):
		return fmt.Errorf("id: %q is used twice", su.ID)
	case len([]rune(su.FirstName)) > maxName:
		return fmt.Errorf("first_name: longer than %d characters", maxName)
	case len([]rune(su.LastName)) > maxName:
		return fmt.Errorf("last_name: longer than %d characters", maxName)
	}
	return nil
}

// seedUserDefaults fills in and checks the type, role, status and
// invitation, the display name and the PMI.
func seedUserDefaults(st *state, u *user, su SeedUser) error {
	if u.Type == 0 {
		u.Type = 1
	}
	if !slices.Contains([]int{1, 2, 4, 99}, u.Type) {
		return fmt.Errorf("type: %d is not 1, 2, 4 or 99", su.Type)
	}
	if u.Role == "" {
		u.Role = "member"
	}
	if roleIDs[u.Role] == "" {
		return fmt.Errorf("role: %q is not owner, admin or member", su.Role)
	}
	if u.Status == "" {
		u.Status = "active"
	}
	if !slices.Contains(seedStatuses, u.Status) {
		return fmt.Errorf("status: %q is not active, inactive or pending", su.Status)
	}
	if su.InvitationExpired {
		if u.Status != "pending" {
			return errors.New("invitation_expired: only a pending user has an invitation")
		}
		u.InvitationExpired = true
	}
	if u.DisplayName == "" {
		u.DisplayName = strings.TrimSpace(u.FirstName + " " + u.LastName)
	}
	if u.PMI == 0 {
		u.PMI = st.ids.pmi()
	}
	return nil
}

// seedUserTimes sets when the user was created and last signed in.
func seedUserTimes(u *user, su SeedUser) error {
	if su.Created != "" {
		t, err := parseSeedTime(su.Created)
		if err != nil {
			return fmt.Errorf("created: %w", err)
		}
		u.CreatedAt = t
	}
	if su.LastLogin != "" {
		t, err := parseSeedTime(su.LastLogin)
		if err != nil {
			return fmt.Errorf("last_login: %w", err)
		}
		u.LastLoginTime = t
	}
	return nil
}

// seedUserPlaces puts the user in their groups and division.
func seedUserPlaces(st *state, u *user, su SeedUser) error {
	for j, name := range su.Groups {
		g := st.lookupGroup(strings.TrimSpace(name))
		if g == nil {
			return fmt.Errorf("groups[%d]: unknown group %q", j, name)
		}
		if !slices.Contains(u.GroupIDs, g.id) {
			u.GroupIDs = append(u.GroupIDs, g.id)
		}
	}
	if su.Division != "" {
		d := st.lookupDivision(strings.TrimSpace(su.Division))
		if d == nil {
			return fmt.Errorf("division: unknown division %q", su.Division)
		}
		u.DivisionID = d.id
	}
	return nil
}

// seedUserFeatures sets the user's features.
func seedUserFeatures(u *user, su SeedUser) error {
	for ft, v := range su.Features {
		switch {
		case ft == "user_type":
			return errors.New("features.user_type: set the user's type instead")
		case !slices.Contains(featureTypes, ft):
			return fmt.Errorf("features.%s: unknown feature type (want one of %s)", ft, strings.Join(featureTypes[1:], ", "))
		case !validFeatureValue(ft, v):
			return fmt.Errorf("features.%s: %q is not a valid value", ft, v)
		}
		u.setFeature(ft, v)
	}
	return nil
}
