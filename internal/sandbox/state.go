package sandbox

import (
	"maps"
	"slices"
	"strings"
	"time"
)

// User is a user as the sandbox holds it. Inspection methods return copies.
type User struct {
	ID, Email, FirstName, LastName, DisplayName string
	Type                                        int
	Status                                      string // active | inactive | pending
	Role                                        string // owner | admin | member
	Dept, JobTitle, Location, Company, Manager  string
	Timezone, Language, PhoneNumber, CostCenter string
	PMI                                         int64
	// GroupIDs lists the user's groups; the first is the primary group.
	GroupIDs   []string
	DivisionID string
	// Features maps a feature_type of POST /users/features to the value it
	// was set to, e.g. "webinar": "1". An absent key means the feature is off.
	Features      map[string]string
	CreatedAt     time.Time
	LastLoginTime time.Time // zero = never logged in

	// The rest of the profile Update a user takes.
	Pronouns         string
	PronounsOption   int // 1 ask, 2 always, 3 never; 0 unset
	PhoneCountry     string
	PhoneNumbers     []PhoneNumber
	AboutMe          string
	LinkedInURL      string
	HostKey          string
	VanityName       string
	UsePMI           bool
	CMSUserID        string
	CustomAttributes []CustomAttribute
	ZoomPhone        bool
	// InvitationExpired marks a pending user whose invitation ran out:
	// Zoom answers 1120 to changes of such a user.
	InvitationExpired bool
	// Picture is the profile picture's content type ("image/png"), with
	// PictureSize bytes; "" is none.
	Picture     string
	PictureSize int
	// SSOTokenRevocations counts DELETE /users/{userId}/token calls.
	SSOTokenRevocations int
	// EmailChanges are the times the email was changed (PUT
	// /users/{userId}/email), for the three-a-day rule.
	EmailChanges []time.Time
	// PreviousEmails are the addresses the user had, oldest first.
	PreviousEmails []string
	// Assistants are the assistants' user IDs, in the order added.
	Assistants []string
}

// PhoneNumber is an item of a user's phone_numbers.
type PhoneNumber struct {
	Code    string `json:"code,omitempty"`
	Country string `json:"country,omitempty"`
	Label   string `json:"label,omitempty"`
	Number  string `json:"number,omitempty"`
}

// CustomAttribute is an item of a user's custom_attributes.
type CustomAttribute struct {
	Key   string `json:"key,omitempty"`
	Name  string `json:"name,omitempty"`
	Value string `json:"value,omitempty"`
}

// Transfer is one deletion that handed a user's data to another user: the
// transfer_* flags of Delete a user that were true, by their name without
// the prefix ("meeting", "webinar", "recording", "whiteboard", "clipfiles",
// "notes", "visitors", "docs"), in that order.
type Transfer struct {
	FromID, FromEmail string
	ToID, ToEmail     string
	Action            string // disassociate | delete
	What              []string
}

// Group is a user group.
type Group struct {
	ID, Name  string
	MemberIDs []string // in user creation order
}

// Division is an account division. Exactly one is the main division.
type Division struct {
	ID, Name, Description string
	Main                  bool
}

// ContactGroup is a contact group; MemberIDs are user IDs (type 1 members)
// or group IDs (type 2 members) in the order they were added.
type ContactGroup struct {
	ID, Name, Description string
	Privacy               int
	MemberIDs             []string
}

func (u User) clone() User {
	u.GroupIDs = slices.Clone(u.GroupIDs)
	u.Features = maps.Clone(u.Features)
	u.PhoneNumbers = slices.Clone(u.PhoneNumbers)
	u.CustomAttributes = slices.Clone(u.CustomAttributes)
	u.EmailChanges = slices.Clone(u.EmailChanges)
	u.PreviousEmails = slices.Clone(u.PreviousEmails)
	u.Assistants = slices.Clone(u.Assistants)
	return u
}

// user is the stored form: the public fields plus the creation sequence that
// orders every listing and anchors page tokens.
type user struct {
	User
	seq  int64
	gone bool // deleted; left in the slice until the next compaction
	// settings are what PATCH /users/{userId}/settings changed (nil: all
	// defaults).
	settings map[string]any
	// vbFiles are the user's Virtual Background files.
	vbFiles []vbFile
}

type group struct {
	id, name string
	seq      int64
	members  map[string]struct{} // user IDs
	admins   map[string]int64    // user ID -> sequence when added
	// settings and locks are what PATCH /groups/{groupId}/settings and
	// .../lock_settings changed (nil: all defaults).
	settings, locks map[string]any
	vbFiles         []vbFile
}

type division struct {
	id, name, desc string
	main           bool
	seq            int64
	count          int
}

type contactMember struct {
	seq int64
	id  string
	typ int // 1 user, 2 user group
}

type contactGroup struct {
	id, name, desc string
	privacy        int
	seq            int64
	members        []contactMember
}

// state is the account. Every field is guarded by Server.mu.
type state struct {
	accountName string
	seq         int64 // last sequence number handed out, shared by all kinds

	// users is in creation order (ascending seq) so that a page token can be
	// a sequence number and a binary search finds where the next page starts.
	users       []*user
	goneCount   int
	byID        map[string]*user
	byEmail     map[string]*user // lower-cased email
	statusCount map[string]int
	licensed    int         // users of type 2
	typeCount   map[int]int // active and pending users by type: the seats the basic and no-meeting caps count

	groups      []*group
	groupByID   map[string]*group
	groupByName map[string]*group // lower-cased name

	divisions []*division
	divByID   map[string]*division
	divByName map[string]*division
	mainDiv   *division

	contacts  []*contactGroup
	contactBy map[string]*contactGroup

	subscriptions map[string]bool
	blocked       map[string]bool // lower-cased domains
	managed       map[string]bool // lower-cased managed domains
	external      map[string]bool // lower-cased emails with a Zoom account elsewhere
	foreignGroups map[string]bool // group IDs of other accounts (1010)
	transfers     []Transfer
	// assistantLinks counts (user, assistant) pairs and adminLinks
	// (group, admin) pairs, to skip scans when there are none.
	assistantLinks, adminLinks int
	// groupCreations are the times groups were created, for the daily cap.
	groupCreations []time.Time

	ids *idGen
}

func newState(ids *idGen) *state {
	return &state{
		byID:          map[string]*user{},
		byEmail:       map[string]*user{},
		statusCount:   map[string]int{},
		typeCount:     map[int]int{},
		groupByID:     map[string]*group{},
		groupByName:   map[string]*group{},
		divByID:       map[string]*division{},
		divByName:     map[string]*division{},
		contactBy:     map[string]*contactGroup{},
		subscriptions: map[string]bool{},
		blocked:       map[string]bool{},
		managed:       map[string]bool{},
		external:      map[string]bool{},
		foreignGroups: map[string]bool{},
		ids:           ids,
	}
}

func (st *state) nextSeq() int64 {
	st.seq++
	return st.seq
}

// newID returns an ID not used by any user, group, division or contact group.
func (st *state) newID() string {
	for {
		id := st.ids.id()
		if st.byID[id] == nil && st.groupByID[id] == nil && st.divByID[id] == nil && st.contactBy[id] == nil {
			return id
		}
	}
}

// lookupUser finds a user by ID or, failing that, by email (case-insensitive),
// as Zoom's {userId} path parameters do.
func (st *state) lookupUser(idOrEmail string) *user {
	if u := st.byID[idOrEmail]; u != nil {
		return u
	}
	return st.byEmail[strings.ToLower(idOrEmail)]
}

func (st *state) lookupGroup(idOrName string) *group {
	if g := st.groupByID[idOrName]; g != nil {
		return g
	}
	return st.groupByName[strings.ToLower(idOrName)]
}

func (st *state) lookupDivision(idOrName string) *division {
	if d := st.divByID[idOrName]; d != nil {
		return d
	}
	return st.divByName[strings.ToLower(idOrName)]
}

// addUser stores u (which has everything but its sequence number set) and
// puts it in its division, the main one when it names none.
func (st *state) addUser(u *user) {
	u.seq = st.nextSeq()
	st.users = append(st.users, u)
	st.byID[u.ID] = u
	st.byEmail[strings.ToLower(u.Email)] = u
	st.statusCount[u.Status]++
	if u.Status != "inactive" {
		st.typeCount[u.Type]++
	}
	if u.Type == 2 {
		st.licensed++
	}
	d := st.divByID[u.DivisionID]
	if d == nil {
		d = st.mainDiv
	}
	u.DivisionID = d.id
	d.count++
}

// removeUser takes u out of the account: its indexes, groups, division and
// contact groups. The slice keeps a tombstone so that positions stay valid
// until enough of them pile up to be worth compacting.
func (st *state) removeUser(u *user) {
	if u.gone {
		return
	}
	u.gone = true
	delete(st.byID, u.ID)
	delete(st.byEmail, strings.ToLower(u.Email))
	st.statusCount[u.Status]--
	if u.Status != "inactive" {
		st.typeCount[u.Type]--
	}
	if u.Type == 2 {
		st.licensed--
	}
	for _, gid := range u.GroupIDs {
		if g := st.groupByID[gid]; g != nil {
			delete(g.members, u.ID)
		}
	}
	if d := st.divByID[u.DivisionID]; d != nil {
		d.count--
	}
	for _, cg := range st.contacts {
		cg.members = slices.DeleteFunc(cg.members, func(m contactMember) bool { return m.typ == 1 && m.id == u.ID })
	}
	for _, o := range st.assistantOwners(u.ID) {
		o.Assistants = slices.DeleteFunc(slices.Clone(o.Assistants), func(id string) bool { return id == u.ID })
		st.assistantLinks--
	}
	st.assistantLinks -= len(u.Assistants)
	if st.adminLinks > 0 {
		for _, g := range st.groups {
			if _, ok := g.admins[u.ID]; ok {
				delete(g.admins, u.ID)
				st.adminLinks--
			}
		}
	}
	st.goneCount++
	if st.goneCount > 64 && st.goneCount*2 > len(st.users) {
		st.users = slices.DeleteFunc(st.users, func(u *user) bool { return u.gone })
		st.goneCount = 0
	}
}

// assistantOwners lists the users who have id as an assistant. Most
// accounts have none, so the scan is skipped then.
func (st *state) assistantOwners(id string) []*user {
	if st.assistantLinks == 0 {
		return nil
	}
	var out []*user
	for _, o := range st.byID {
		if slices.Contains(o.Assistants, id) {
			out = append(out, o)
		}
	}
	return out
}

func (st *state) setStatus(u *user, status string) {
	switch {
	case u.Status == "inactive" && status != "inactive":
		st.typeCount[u.Type]++
	case u.Status != "inactive" && status == "inactive":
		st.typeCount[u.Type]--
	}
	st.statusCount[u.Status]--
	u.Status = status
	st.statusCount[status]++
}

func (st *state) setType(u *user, typ int) {
	if u.Type == 2 {
		st.licensed--
	}
	if u.Status != "inactive" {
		st.typeCount[u.Type]--
		st.typeCount[typ]++
	}
	u.Type = typ
	if typ == 2 {
		st.licensed++
	}
}

func (st *state) setDivision(u *user, d *division) {
	if old := st.divByID[u.DivisionID]; old != nil {
		old.count--
	}
	u.DivisionID = d.id
	d.count++
}

// addToGroup makes u a member of g; a user's first group is its primary one.
func (st *state) addToGroup(u *user, g *group) bool {
	if _, ok := g.members[u.ID]; ok {
		return false
	}
	g.members[u.ID] = struct{}{}
	// A new slice each time: response builders may still hold the old one.
	u.GroupIDs = append(slices.Clip(u.GroupIDs), g.id)
	return true
}

func (st *state) removeFromGroup(u *user, g *group) bool {
	if _, ok := g.members[u.ID]; !ok {
		return false
	}
	delete(g.members, u.ID)
	u.GroupIDs = slices.DeleteFunc(slices.Clone(u.GroupIDs), func(id string) bool { return id == g.id })
	return true
}

func (st *state) addGroup(id, name string) *group {
	if id == "" {
		id = st.newID()
	}
	g := &group{id: id, name: name, seq: st.nextSeq(), members: map[string]struct{}{}, admins: map[string]int64{}}
	st.groups = append(st.groups, g)
	st.groupByID[id] = g
	st.groupByName[strings.ToLower(name)] = g
	return g
}

func (st *state) addDivision(id, name, desc string, main bool) *division {
	if id == "" {
		id = st.newID()
	}
	d := &division{id: id, name: name, desc: desc, main: main, seq: st.nextSeq()}
	st.divisions = append(st.divisions, d)
	st.divByID[id] = d
	st.divByName[strings.ToLower(name)] = d
	if main {
		st.mainDiv = d
	}
	return d
}

func (st *state) addContactGroup(name, desc string, privacy int) *contactGroup {
	cg := &contactGroup{id: st.newID(), name: name, desc: desc, privacy: privacy, seq: st.nextSeq()}
	st.contacts = append(st.contacts, cg)
	st.contactBy[cg.id] = cg
	return cg
}

func (cg *contactGroup) has(id string) bool {
	return slices.ContainsFunc(cg.members, func(m contactMember) bool { return m.id == id })
}

func (st *state) addContactMember(cg *contactGroup, id string, typ int) bool {
	if cg.has(id) {
		return false
	}
	cg.members = append(cg.members, contactMember{seq: st.nextSeq(), id: id, typ: typ})
	return true
}

// Users returns a copy of every user, in creation order.
func (s *Server) Users() []User {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]User, 0, len(s.st.byID))
	for _, u := range s.st.users {
		if !u.gone {
			out = append(out, u.User.clone())
		}
	}
	return out
}

// UserByEmail returns a copy of the user with that email, case-insensitively.
func (s *Server) UserByEmail(email string) (User, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u := s.st.byEmail[strings.ToLower(email)]
	if u == nil {
		return User{}, false
	}
	return u.User.clone(), true
}

// Groups returns a copy of every group, in creation order, with its members
// in user creation order.
func (s *Server) Groups() []Group {
	s.mu.RLock()
	defer s.mu.RUnlock()
	members := map[string][]string{}
	for _, u := range s.st.users {
		if u.gone {
			continue
		}
		for _, gid := range u.GroupIDs {
			members[gid] = append(members[gid], u.ID)
		}
	}
	out := make([]Group, 0, len(s.st.groups))
	for _, g := range s.st.groups {
		out = append(out, Group{ID: g.id, Name: g.name, MemberIDs: members[g.id]})
	}
	return out
}

// Divisions returns a copy of every division, in creation order.
func (s *Server) Divisions() []Division {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Division, 0, len(s.st.divisions))
	for _, d := range s.st.divisions {
		out = append(out, Division{ID: d.id, Name: d.name, Description: d.desc, Main: d.main})
	}
	return out
}

// Transfers lists what deletions handed over to other users, in order.
func (s *Server) Transfers() []Transfer {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Transfer, len(s.st.transfers))
	for i, t := range s.st.transfers {
		t.What = slices.Clone(t.What)
		out[i] = t
	}
	return out
}

// ContactGroups returns a copy of every contact group, in creation order.
func (s *Server) ContactGroups() []ContactGroup {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]ContactGroup, 0, len(s.st.contacts))
	for _, cg := range s.st.contacts {
		ids := make([]string, 0, len(cg.members))
		for _, m := range cg.members {
			ids = append(ids, m.id)
		}
		out = append(out, ContactGroup{ID: cg.id, Name: cg.name, Description: cg.desc, Privacy: cg.privacy, MemberIDs: ids})
	}
	return out
}
