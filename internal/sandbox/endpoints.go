package sandbox

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Caps of the reference for the calls below.
const (
	maxEmailChanges   = 3 // per user in any 24 hours
	maxPictureBytes   = 2 << 20
	defaultGroupDaily = 100 // group creations per account and day
)

// paidOnly is the reference's answer to group and contact-group calls on a
// free account.
func (s *Server) paidOnly() *response {
	if s.opts.Tier != "free" {
		return nil
	}
	r := fail(http.StatusBadRequest, 200, "Only available for Paid account: %s.", s.opts.AccountID)
	return &r
}

// ---- Users: email, SSO token, picture ----

// PUT /users/{userId}/email. Zoom moves a user only to one of the account's
// managed domains, at most three times in 24 hours, and only to an address
// not in use anywhere in Zoom.
func (s *Server) updateEmail(c *call) response {
	u, bad := s.userParam(c)
	if bad != nil {
		return *bad
	}
	var b struct {
		Email *string `json:"email"`
	}
	if bad := decodeBody(c, &b); bad != nil {
		return *bad
	}
	switch {
	case b.Email == nil || strings.TrimSpace(*b.Email) == "":
		return invalid("email", "is required")
	case !validEmail(strings.TrimSpace(*b.Email)):
		return invalid("email", "is not a valid email address")
	}
	email := strings.TrimSpace(*b.Email)
	if u.Role == "owner" || u.Role == "admin" {
		return fail(http.StatusBadRequest, 1000, "Admin can not change other admins email.")
	}
	if u.Status == "pending" && u.InvitationExpired {
		return invitationExpired()
	}
	if strings.EqualFold(email, u.Email) {
		return reply(http.StatusNoContent, nil) // nothing to change
	}
	if !s.st.managed[emailDomain(email)] {
		return fail(http.StatusBadRequest, 300, "The email domain %s is not a managed domain of this account; an email can only be changed to an address of a managed domain.", emailDomain(email))
	}
	if s.st.byEmail[strings.ToLower(email)] != nil || s.st.external[strings.ToLower(email)] {
		return fail(http.StatusConflict, 1005, "Email \"%s\" has already been used.", email)
	}
	recent := 0
	for _, t := range u.EmailChanges {
		if c.now.Sub(t) < 24*time.Hour {
			recent++
		}
	}
	if recent >= maxEmailChanges {
		return fail(http.StatusBadRequest, 300, "A user's email address can be changed up to 3 times in any 24 hour period.")
	}
	delete(s.st.byEmail, strings.ToLower(u.Email))
	u.PreviousEmails = append(slices.Clip(u.PreviousEmails), u.Email)
	u.EmailChanges = append(slices.Clip(u.EmailChanges), c.now)
	u.Email = email
	s.st.byEmail[strings.ToLower(email)] = u
	return reply(http.StatusNoContent, nil)
}

// DELETE /users/{userId}/token: the user is logged out of Zoom.
func (s *Server) revokeSSOToken(c *call) response {
	u, bad := s.userParam(c)
	if bad != nil {
		return *bad
	}
	u.SSOTokenRevocations++
	return reply(http.StatusNoContent, nil)
}

// GET /users/{userId}/token?type=token|zak. A type=token answer says the
// old token is gone, as Zoom answers accounts not on its allowlist; zak
// answers a token derived from the user and the revocation count, so that
// revoking changes it.
func (s *Server) userToken(c *call) response {
	u, bad := s.userParam(c)
	if bad != nil {
		return *bad
	}
	switch typ := c.query.Get("type"); typ {
	case "", "token":
		return reply(http.StatusOK, struct {
			Token string `json:"token"`
		}{"Token is no longer supported. Please use ZAK token instead."})
	case "zak":
		return reply(http.StatusOK, struct {
			Token string `json:"token"`
		}{fmt.Sprintf("zak-%s-%d", strings.ToLower(u.ID), u.SSOTokenRevocations)})
	default:
		return invalid("type", "must be token or zak")
	}
}

// POST /users/{userId}/picture, multipart/form-data with the file in
// pic_file: JPEG or PNG (by content, not name), at most 2 MB.
func (s *Server) uploadPicture(c *call) response {
	u, bad := s.userParam(c)
	if bad != nil {
		return *bad
	}
	data, _, found, err := formFile(c, "pic_file", maxPictureBytes)
	switch {
	case errors.Is(err, errNotMultipart):
		return fail(http.StatusBadRequest, 300, "The request must be multipart/form-data with the picture in pic_file.")
	case err != nil:
		return fail(http.StatusBadRequest, 300, "The multipart body cannot be read: %v.", err)
	}
	switch {
	case !found:
		return invalid("pic_file", "is required")
	case len(data) == 0:
		return fail(http.StatusBadRequest, 120, "File is empty.")
	case len(data) > maxPictureBytes:
		return fail(http.StatusBadRequest, 120, "File size cannot exceed 2M.")
	}
	kind := http.DetectContentType(data)
	if kind != "image/jpeg" && kind != "image/png" {
		return fail(http.StatusBadRequest, 120, "Only jpg/jpeg or png image file can be uploaded.")
	}
	u.Picture, u.PictureSize = kind, len(data)
	return reply(http.StatusCreated, struct{}{})
}

// errNotMultipart: an upload's body is not multipart/form-data.
var errNotMultipart = errors.New("not multipart/form-data")

// formFile reads the file in field of an upload's multipart/form-data
// body: its bytes, at most most+1 of them (so that the caller can tell a
// file past the limit), and its file name; found is false when no part
// has that name. err is errNotMultipart, or why the body cannot be read.
func formFile(c *call, field string, most int) (data []byte, name string, found bool, err error) {
	mt, params, err := mime.ParseMediaType(c.contentType)
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return nil, "", false, errNotMultipart
	}
	mr := multipart.NewReader(bytes.NewReader(c.body), params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return nil, "", false, nil
		}
		if err != nil {
			return nil, "", false, err
		}
		if p.FormName() == field {
			data, err := io.ReadAll(io.LimitReader(p, int64(most)+1))
			return data, p.FileName(), err == nil, err
		}
	}
}

// DELETE /users/{userId}/picture
func (s *Server) deletePicture(c *call) response {
	u, bad := s.userParam(c)
	if bad != nil {
		return *bad
	}
	u.Picture, u.PictureSize = "", 0
	return reply(http.StatusNoContent, nil)
}

// ---- Users: assistants ----

type assistantJSON struct {
	ID      string `json:"id"`
	Email   string `json:"email"`
	Private bool   `json:"can_manage_host_private_event"`
}

// GET /users/{userId}/assistants
func (s *Server) listAssistants(c *call) response {
	u, bad := s.userParam(c)
	if bad != nil {
		return *bad
	}
	out := struct {
		Assistants []assistantJSON `json:"assistants"`
	}{Assistants: []assistantJSON{}}
	for _, id := range u.Assistants {
		if a := s.st.byID[id]; a != nil {
			out.Assistants = append(out.Assistants, assistantJSON{ID: a.ID, Email: a.Email})
		}
	}
	return reply(http.StatusOK, out)
}

// The most items one call may carry: the maxItems of Zoom's OpenAPI file
// for POST /groups/{groupId}/admins and POST /users/{userId}/assistants.
const (
	maxGroupAdminsAdd = 10
	maxAssistantsAdd  = 30
)

// POST /users/{userId}/assistants. The user and each assistant must be
// licensed; the whole request is refused at the first bad assistant.
func (s *Server) addAssistants(c *call) response {
	u, bad := s.userParam(c)
	if bad != nil {
		return *bad
	}
	var b struct {
		Assistants []struct {
			ID      string `json:"id"`
			Email   string `json:"email"`
			Private *bool  `json:"can_manage_host_private_event"`
		} `json:"assistants"`
	}
	if bad := decodeBody(c, &b); bad != nil {
		return *bad
	}
	if len(b.Assistants) == 0 {
		return invalid("assistants", "is required")
	}
	if len(b.Assistants) > maxAssistantsAdd && !s.opts.LenientBatches {
		return invalid("assistants", fmt.Sprintf("can hold at most %d assistants per request", maxAssistantsAdd))
	}
	if u.Type != 2 {
		return fail(http.StatusBadRequest, 200, "The user must either be a Licensed user or an On-prem user : %s.", u.ID)
	}
	var add []*user
	for _, ref := range b.Assistants {
		var a *user
		name := ref.Email
		if ref.ID != "" {
			a, name = s.st.byID[ref.ID], ref.ID
		} else if ref.Email != "" {
			a = s.st.byEmail[strings.ToLower(ref.Email)]
		}
		switch {
		case a == nil:
			return fail(http.StatusBadRequest, 200, "Can't find user %s.", name)
		case a == u:
			return fail(http.StatusBadRequest, 200, "Can't assign scheduling privilege to yourself.")
		case slices.Contains(u.Assistants, a.ID) || slices.Contains(add, a):
			return fail(http.StatusBadRequest, 200, "User %s has already granted scheduling privilege.", a.Email)
		case a.Type != 2:
			return fail(http.StatusBadRequest, 200, "The user must either be a Licensed user or an On-prem user : %s.", a.Email)
		}
		add = append(add, a)
	}
	ids := make([]string, 0, len(add))
	list := slices.Clone(u.Assistants)
	for _, a := range add {
		list = append(list, a.ID)
		ids = append(ids, a.ID)
	}
	u.Assistants = list
	s.st.assistantLinks += len(add)
	return reply(http.StatusCreated, struct {
		IDs   string `json:"ids"`
		AddAt string `json:"add_at"`
	}{strings.Join(ids, ","), ts(c.now)})
}

// DELETE /users/{userId}/assistants: all of them.
func (s *Server) deleteAssistants(c *call) response {
	u, bad := s.userParam(c)
	if bad != nil {
		return *bad
	}
	s.st.assistantLinks -= len(u.Assistants)
	u.Assistants = nil
	return reply(http.StatusNoContent, nil)
}

// DELETE /users/{userId}/assistants/{assistantId}
func (s *Server) deleteAssistant(c *call) response {
	u, bad := s.userParam(c)
	if bad != nil {
		return *bad
	}
	id := c.params["assistantId"]
	a := s.st.lookupUser(id)
	if a == nil || !slices.Contains(u.Assistants, a.ID) {
		return userNotFound(id)
	}
	u.Assistants = slices.DeleteFunc(slices.Clone(u.Assistants), func(x string) bool { return x == a.ID })
	s.st.assistantLinks--
	return reply(http.StatusNoContent, nil)
}

// ---- Groups: update, delete, admins ----

// groupNameProblem checks a group name as Create and Update a group do.
func (s *Server) groupNameProblem(name string, self *group) *response {
	switch {
	case name == "":
		r := response{status: http.StatusBadRequest, body: apiError{Code: 300, Message: "Invalid parameter: name.",
			Errors: []fieldError{{Field: "name", Message: "This field is required."}}}}
		return &r
	case utf8.RuneCountInString(name) > maxGroupName:
		r := response{status: http.StatusBadRequest, body: apiError{Code: 300, Message: "Invalid parameter: name.",
			Errors: []fieldError{{Field: "name", Message: "Must be less than 128 characters."}}}}
		return &r
	}
	if g := s.st.groupByName[strings.ToLower(name)]; g != nil && g != self {
		r := fail(http.StatusConflict, 4132, "The group name \"%s\" is already in use.", name)
		return &r
	}
	return nil
}

// PATCH /groups/{groupId}
func (s *Server) updateGroup(c *call) response {
	if bad := s.paidOnly(); bad != nil {
		return *bad
	}
	g, bad := s.groupParam(c)
	if bad != nil {
		return *bad
	}
	var b struct {
		Name *string `json:"name"`
	}
	if bad := decodeBody(c, &b); bad != nil {
		return *bad
	}
	if b.Name == nil {
		return reply(http.StatusNoContent, nil)
	}
	name := strings.TrimSpace(*b.Name)
	if bad := s.groupNameProblem(name, g); bad != nil {
		return *bad
	}
	delete(s.st.groupByName, strings.ToLower(g.name))
	g.name = name
	s.st.groupByName[strings.ToLower(name)] = g
	return reply(http.StatusNoContent, nil)
}

// DELETE /groups/{groupId}: members leave it (and keep their other groups),
// and it leaves the contact groups it was a member of.
func (s *Server) deleteGroup(c *call) response {
	if bad := s.paidOnly(); bad != nil {
		return *bad
	}
	g, bad := s.groupParam(c)
	if bad != nil {
		return *bad
	}
	for id := range g.members {
		if u := s.st.byID[id]; u != nil {
			s.st.removeFromGroup(u, g)
		}
	}
	s.st.adminLinks -= len(g.admins)
	for _, cg := range s.st.contacts {
		cg.members = slices.DeleteFunc(cg.members, func(m contactMember) bool { return m.typ == 2 && m.id == g.id })
	}
	s.st.groups = slices.DeleteFunc(s.st.groups, func(x *group) bool { return x == g })
	delete(s.st.groupByID, g.id)
	delete(s.st.groupByName, strings.ToLower(g.name))
	return reply(http.StatusNoContent, nil)
}

type groupAdminJSON struct {
	Email string `json:"email"`
	Name  string `json:"name"`
}

// GET /groups/{groupId}/admins, in the order they were added.
func (s *Server) listGroupAdmins(c *call) response {
	if bad := s.paidOnly(); bad != nil {
		return *bad
	}
	g, bad := s.groupParam(c)
	if bad != nil {
		return *bad
	}
	size, bad := s.pageSize(c, 30, 300, 0)
	if bad != nil {
		return *bad
	}
	scope := "group-admins\x00" + g.id
	after, pageNo, bad := s.cursor(c, scope)
	if bad != nil {
		return *bad
	}
	type adm struct {
		seq int64
		u   *user
	}
	var all []adm
	for id, seq := range g.admins {
		if u := s.st.byID[id]; u != nil {
			all = append(all, adm{seq, u})
		}
	}
	slices.SortFunc(all, func(a, b adm) int { return int(a.seq - b.seq) })
	page, more := collect(all, func(a adm) int64 { return a.seq }, after, size, func(adm) bool { return true })
	out := struct {
		Admins        []groupAdminJSON `json:"admins"`
		NextPageToken string           `json:"next_page_token"`
		PageSize      int              `json:"page_size"`
		TotalRecords  int              `json:"total_records"`
	}{Admins: make([]groupAdminJSON, 0, len(page)), PageSize: size, TotalRecords: len(all)}
	var last int64
	for _, a := range page {
		out.Admins = append(out.Admins, groupAdminJSON{Email: a.u.Email, Name: a.u.DisplayName})
		last = a.seq
	}
	out.NextPageToken = s.finish(c, scope, last, more, pageNo, size, len(all)).next
	return reply(http.StatusOK, out)
}

// POST /groups/{groupId}/admins. Admins are named by id (the email is then
// ignored) or email; an unknown user fails the request, an existing admin
// is skipped. The answer lists the admins added.
func (s *Server) addGroupAdmins(c *call) response {
	if bad := s.paidOnly(); bad != nil {
		return *bad
	}
	g, bad := s.groupParam(c)
	if bad != nil {
		return *bad
	}
	var b struct {
		Admins []struct {
			ID    string `json:"id"`
			Email string `json:"email"`
		} `json:"admins"`
	}
	if bad := decodeBody(c, &b); bad != nil {
		return *bad
	}
	if len(b.Admins) == 0 {
		return response{status: http.StatusBadRequest, body: apiError{Code: 300, Message: "Validation Failed.",
			Errors: []fieldError{{Field: "admins", Message: "This field is required."}}}}
	}
	if len(b.Admins) > maxGroupAdminsAdd && !s.opts.LenientBatches {
		return response{status: http.StatusBadRequest, body: apiError{Code: 300, Message: "Validation Failed.",
			Errors: []fieldError{{Field: "admins", Message: fmt.Sprintf("At most %d admins can be added at once.", maxGroupAdminsAdd)}}}}
	}
	var add []*user
	for i, ref := range b.Admins {
		var u *user
		if ref.ID != "" {
			u = s.st.byID[ref.ID]
		} else if ref.Email != "" {
			u = s.st.byEmail[strings.ToLower(ref.Email)]
		}
		if u == nil {
			return response{status: http.StatusBadRequest, body: apiError{Code: 300, Message: "Validation Failed.",
				Errors: []fieldError{{Field: fmt.Sprintf("admins[%d]", i), Message: "No user with this id or email in the account."}}}}
		}
		if _, ok := g.admins[u.ID]; !ok && !slices.Contains(add, u) {
			add = append(add, u)
		}
	}
	ids := make([]string, 0, len(add))
	for _, u := range add {
		g.admins[u.ID] = s.st.nextSeq()
		ids = append(ids, u.ID)
	}
	s.st.adminLinks += len(add)
	return reply(http.StatusCreated, addedJSON{IDs: strings.Join(ids, ","), AddedAt: ts(c.now)})
}

// DELETE /groups/{groupId}/admins/{userId}
func (s *Server) deleteGroupAdmin(c *call) response {
	if bad := s.paidOnly(); bad != nil {
		return *bad
	}
	g, bad := s.groupParam(c)
	if bad != nil {
		return *bad
	}
	u := s.st.lookupUser(c.params["userId"])
	if u == nil {
		return fail(http.StatusBadRequest, 4138, "That user is not an administrator for the group: \"%s\".", g.id)
	}
	if _, ok := g.admins[u.ID]; !ok {
		return fail(http.StatusBadRequest, 4138, "That user is not an administrator for the group: \"%s\".", g.id)
	}
	delete(g.admins, u.ID)
	s.st.adminLinks--
	return reply(http.StatusNoContent, nil)
}

// ---- Divisions: update, delete ----

// PATCH /divisions/{divisionId}
func (s *Server) updateDivision(c *call) response {
	d, bad := s.divisionParam(c)
	if bad != nil {
		return *bad
	}
	var b struct {
		Name        *string `json:"division_name"`
		Description *string `json:"division_description"`
	}
	if bad := decodeBody(c, &b); bad != nil {
		return *bad
	}
	if b.Name != nil {
		name := strings.TrimSpace(*b.Name)
		if name == "" {
			return response{status: http.StatusBadRequest, body: apiError{Code: 40005, Message: "Invalid parameters.",
				Errors: []fieldError{{Field: "division_name", Message: "This field can not be empty."}}}}
		}
		if o := s.st.divByName[strings.ToLower(name)]; o != nil && o != d {
			return fail(http.StatusConflict, http.StatusConflict, "This name is already in use. Please try another.")
		}
		delete(s.st.divByName, strings.ToLower(d.name))
		d.name = name
		s.st.divByName[strings.ToLower(name)] = d
	}
	if b.Description != nil {
		d.desc = *b.Description
	}
	return reply(http.StatusNoContent, nil)
}

// DELETE /divisions/{divisionId}
func (s *Server) deleteDivision(c *call) response {
	d, bad := s.divisionParam(c)
	if bad != nil {
		return *bad
	}
	switch {
	case d.main:
		return fail(http.StatusBadRequest, 42011, "Main division can't be deleted.")
	case d.count > 0:
		return fail(http.StatusBadRequest, 42012, "Please remove all users from this division before deleting.")
	}
	s.st.divisions = slices.DeleteFunc(s.st.divisions, func(x *division) bool { return x == d })
	delete(s.st.divByID, d.id)
	delete(s.st.divByName, strings.ToLower(d.name))
	return reply(http.StatusNoContent, nil)
}

// ---- Contact groups: create, update, delete ----

type contactMemberRef struct {
	Type int    `json:"type"`
	ID   string `json:"id"`
}

// checkContactMembers applies the per-request caps (50 users, 3 user
// groups) and the member types.
func checkContactMembers(field string, ms []contactMemberRef) *response {
	users, groups := 0, 0
	for i, m := range ms {
		switch m.Type {
		case 1:
			users++
		case 2:
			groups++
		default:
			r := invalid(fmt.Sprintf("%s[%d].type", field, i), "must be 1 (user) or 2 (user group)")
			return &r
		}
		if m.ID == "" {
			r := invalid(fmt.Sprintf("%s[%d].id", field, i), "is required")
			return &r
		}
	}
	if users > maxContactUsers {
		r := fail(http.StatusBadRequest, 300, "The maximum number of user member per request is 50.")
		return &r
	}
	if groups > maxContactGroups {
		r := fail(http.StatusBadRequest, 300, "The maximum number of group member per request is 3.")
		return &r
	}
	return nil
}

// addContactRefs adds members that exist and are not members yet; it
// returns the IDs added.
func (s *Server) addContactRefs(cg *contactGroup, ms []contactMemberRef) []string {
	added := []string{}
	for _, m := range ms {
		id := ""
		if m.Type == 1 {
			if u := s.st.lookupUser(m.ID); u != nil {
				id = u.ID
			}
		} else if g := s.st.groupByID[m.ID]; g != nil {
			id = g.id
		}
		if id != "" && s.st.addContactMember(cg, id, m.Type) {
			added = append(added, id)
		}
	}
	return added
}

func (s *Server) contactNameTaken(name string, self *contactGroup) bool {
	for _, cg := range s.st.contacts {
		if cg != self && strings.EqualFold(cg.name, name) {
			return true
		}
	}
	return false
}

// POST /contacts/groups
func (s *Server) createContactGroup(c *call) response {
	if bad := s.paidOnly(); bad != nil {
		return *bad
	}
	var b struct {
		Name        string             `json:"group_name"`
		Description string             `json:"description"`
		Privacy     *int               `json:"group_privacy"`
		Members     []contactMemberRef `json:"group_members"`
	}
	if bad := decodeBody(c, &b); bad != nil {
		return *bad
	}
	name := strings.TrimSpace(b.Name)
	privacy := 1
	if b.Privacy != nil {
		privacy = *b.Privacy
	}
	switch {
	case name == "":
		return invalid("group_name", "is required")
	case privacy < 1 || privacy > 3:
		return invalid("group_privacy", "must be 1, 2 or 3")
	case s.contactNameTaken(name, nil):
		return fail(http.StatusBadRequest, 300, "A contact group named \"%s\" already exists.", name)
	}
	if bad := checkContactMembers("group_members", b.Members); bad != nil {
		return *bad
	}
	cg := s.st.addContactGroup(name, b.Description, privacy)
	s.addContactRefs(cg, b.Members)
	n := len(cg.members)
	return reply(http.StatusCreated, contactGroupJSON{ID: cg.id, Name: cg.name, TotalMembers: &n, Privacy: cg.privacy, Description: cg.desc})
}

// PATCH /contacts/groups/{groupId}
func (s *Server) updateContactGroup(c *call) response {
	if bad := s.paidOnly(); bad != nil {
		return *bad
	}
	cg, bad := s.contactGroupParam(c)
	if bad != nil {
		return *bad
	}
	var b struct {
		Name        *string `json:"name"`
		Description *string `json:"description"`
		Privacy     *int    `json:"privacy"`
	}
	if bad := decodeBody(c, &b); bad != nil {
		return *bad
	}
	if b.Privacy != nil && (*b.Privacy < 1 || *b.Privacy > 3) {
		return invalid("privacy", "must be 1, 2 or 3")
	}
	if b.Name != nil {
		name := strings.TrimSpace(*b.Name)
		if name == "" {
			return invalid("name", "must not be empty")
		}
		if s.contactNameTaken(name, cg) {
			return fail(http.StatusBadRequest, 300, "A contact group named \"%s\" already exists.", name)
		}
		cg.name = name
	}
	if b.Description != nil {
		cg.desc = *b.Description
	}
	if b.Privacy != nil {
		cg.privacy = *b.Privacy
	}
	return reply(http.StatusNoContent, nil)
}

// DELETE /contacts/groups/{groupId}
func (s *Server) deleteContactGroup(c *call) response {
	if bad := s.paidOnly(); bad != nil {
		return *bad
	}
	cg, bad := s.contactGroupParam(c)
	if bad != nil {
		return *bad
	}
	s.st.contacts = slices.DeleteFunc(s.st.contacts, func(x *contactGroup) bool { return x == cg })
	delete(s.st.contactBy, cg.id)
	return reply(http.StatusNoContent, nil)
}
