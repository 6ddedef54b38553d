package sandbox

import (
	"net/http"
	"slices"
	"strings"
)

const (
	maxContactUsers   = 50
	maxContactGroups  = 3
	maxContactRemoval = 20
)

// contactGroupParam finds {groupId}; the reference answers an unknown contact
// group with 400 code 300, not a 404.
func (s *Server) contactGroupParam(c *call) (*contactGroup, *response) {
	id := c.params["groupId"]
	cg := s.st.contactBy[id]
	if cg == nil {
		r := fail(http.StatusBadRequest, 300, "A group with this groupId: %s does not exist.", id)
		return nil, &r
	}
	return cg, nil
}

type contactGroupJSON struct {
	ID           string `json:"group_id"`
	Name         string `json:"group_name"`
	TotalMembers *int   `json:"total_members,omitempty"`
	Privacy      int    `json:"group_privacy"`
	Description  string `json:"description"`
}

// GET /contacts/groups
func (s *Server) listContactGroups(c *call) response {
	size, bad := s.pageSize(c, 10, 50, 0)
	if bad != nil {
		return *bad
	}
	const scope = "contact-groups"
	after, pageNo, bad := s.cursor(c, scope)
	if bad != nil {
		return *bad
	}
	page, more := collect(s.st.contacts, func(cg *contactGroup) int64 { return cg.seq }, after, size, func(*contactGroup) bool { return true })
	out := struct {
		Groups        []contactGroupJSON `json:"groups"`
		NextPageToken string             `json:"next_page_token"`
		PageSize      int                `json:"page_size"`
	}{Groups: make([]contactGroupJSON, 0, len(page)), PageSize: size}
	var last int64
	for _, cg := range page {
		out.Groups = append(out.Groups, contactGroupJSON{ID: cg.id, Name: cg.name, Privacy: cg.privacy, Description: cg.desc})
		last = cg.seq
	}
	out.NextPageToken = s.finish(c, scope, last, more, pageNo, size, len(s.st.contacts)).next
	return reply(http.StatusOK, out)
}

// GET /contacts/groups/{groupId}
func (s *Server) getContactGroup(c *call) response {
	cg, bad := s.contactGroupParam(c)
	if bad != nil {
		return *bad
	}
	n := len(cg.members)
	return reply(http.StatusOK, contactGroupJSON{ID: cg.id, Name: cg.name, TotalMembers: &n, Privacy: cg.privacy, Description: cg.desc})
}

type contactMemberJSON struct {
	Type int    `json:"type"`
	ID   string `json:"id"`
	Name string `json:"name"`
}

// GET /contacts/groups/{groupId}/members, in the order members were added.
func (s *Server) listContactMembers(c *call) response {
	cg, bad := s.contactGroupParam(c)
	if bad != nil {
		return *bad
	}
	size, bad := s.pageSize(c, 10, 50, 0)
	if bad != nil {
		return *bad
	}
	scope := "contact-members\x00" + cg.id
	after, pageNo, bad := s.cursor(c, scope)
	if bad != nil {
		return *bad
	}
	page, more := collect(cg.members, func(m contactMember) int64 { return m.seq }, after, size, func(contactMember) bool { return true })
	out := struct {
		Members       []contactMemberJSON `json:"group_members"`
		NextPageToken string              `json:"next_page_token"`
		PageSize      int                 `json:"page_size"`
	}{Members: make([]contactMemberJSON, 0, len(page)), PageSize: size}
	var last int64
	for _, m := range page {
		j := contactMemberJSON{Type: m.typ, ID: m.id}
		if m.typ == 1 {
			if u := s.st.byID[m.id]; u != nil {
				j.Name = u.DisplayName
			}
		} else if g := s.st.groupByID[m.id]; g != nil {
			j.Name = g.name
		}
		out.Members = append(out.Members, j)
		last = m.seq
	}
	out.NextPageToken = s.finish(c, scope, last, more, pageNo, size, len(cg.members)).next
	return reply(http.StatusOK, out)
}

// POST /contacts/groups/{groupId}/members: at most 50 users and 3 user groups
// a request. Unknown IDs and existing members are skipped; the answer lists
// the members added.
func (s *Server) addContactMembers(c *call) response {
	cg, bad := s.contactGroupParam(c)
	if bad != nil {
		return *bad
	}
	var b struct {
		Members []contactMemberRef `json:"group_members"`
	}
	if bad := decodeBody(c, &b); bad != nil {
		return *bad
	}
	if len(b.Members) == 0 {
		return invalid("group_members", "is required")
	}
	if bad := checkContactMembers("group_members", b.Members); bad != nil {
		return *bad
	}
	added := s.addContactRefs(cg, b.Members)
	return reply(http.StatusCreated, struct {
		MemberIDs []string `json:"member_ids"`
	}{added})
}

// DELETE /contacts/groups/{groupId}/members?member_ids=a,b (at most 20).
func (s *Server) removeContactMembers(c *call) response {
	cg, bad := s.contactGroupParam(c)
	if bad != nil {
		return *bad
	}
	var ids []string
	for _, id := range strings.Split(c.query.Get("member_ids"), ",") {
		if id = strings.TrimSpace(id); id != "" && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	switch {
	case len(ids) == 0:
		return invalid("member_ids", "is required")
	case len(ids) > maxContactRemoval:
		return fail(http.StatusBadRequest, 300, "The maximum number of memberId is 20.")
	}
	for _, id := range ids {
		if !cg.has(id) {
			return fail(http.StatusBadRequest, 300, "A member with this memberId: %s does not exist.", id)
		}
	}
	if len(ids) >= len(cg.members) {
		return fail(http.StatusBadRequest, 300, "A group must have at least one member.")
	}
	cg.members = slices.DeleteFunc(cg.members, func(m contactMember) bool { return slices.Contains(ids, m.id) })
	return reply(http.StatusNoContent, nil)
}
