package sandbox

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

const (
	maxGroups        = 5000
	maxGroupName     = 127 // "less than 128 characters"
	maxGroupMembersN = 30
)

func groupNotFound(id string) response {
	return fail(http.StatusNotFound, 4130, "A group with this %s does not exist.", id)
}

func memberNotFound() response {
	return fail(http.StatusNotFound, 4131, "Group member does not exist.")
}

func (s *Server) groupParam(c *call) (*group, *response) {
	id := c.params["groupId"]
	g := s.st.groupByID[id]
	if g == nil && s.st.foreignGroups[id] {
		r := fail(http.StatusBadRequest, 1010, "Group does not belong to this account:%s.", s.opts.AccountID)
		return nil, &r
	}
	if g == nil {
		r := groupNotFound(id)
		return nil, &r
	}
	return g, nil
}

type groupJSON struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	TotalMembers int    `json:"total_members"`
}

func toGroupJSON(g *group) groupJSON {
	return groupJSON{ID: g.id, Name: g.name, TotalMembers: len(g.members)}
}

// GET /groups
func (s *Server) listGroups(c *call) response {
	size, bad := s.pageSize(c, 30, 300, 0)
	if bad != nil {
		return *bad
	}
	const scope = "groups"
	after, pageNo, bad := s.cursor(c, scope)
	if bad != nil {
		return *bad
	}
	page, more := collect(s.st.groups, func(g *group) int64 { return g.seq }, after, size, func(*group) bool { return true })
	out := struct {
		Groups        []groupJSON `json:"groups"`
		TotalRecords  int         `json:"total_records"`
		NextPageToken string      `json:"next_page_token"`
	}{Groups: make([]groupJSON, 0, len(page)), TotalRecords: len(s.st.groups)}
	var last int64
	for _, g := range page {
		out.Groups = append(out.Groups, toGroupJSON(g))
		last = g.seq
	}
	out.NextPageToken = s.finish(c, scope, last, more, pageNo, size, len(s.st.groups)).next
	return reply(http.StatusOK, out)
}

// POST /groups
func (s *Server) createGroup(c *call) response {
	var b struct {
		Name string `json:"name"`
	}
	if bad := decodeBody(c, &b); bad != nil {
		return *bad
	}
	if bad := s.paidOnly(); bad != nil {
		return *bad
	}
	name := strings.TrimSpace(b.Name)
	if bad := s.groupNameProblem(name, nil); bad != nil {
		return *bad
	}
	if len(s.st.groups) >= maxGroups {
		return fail(http.StatusBadRequest, 300, "It has reached the maximum number of groups. You can clean up some groups then add.")
	}
	// At most 100 creations per account and UTC day (DailyGroupCap).
	daily := s.opts.DailyGroupCap
	if daily == 0 {
		daily = defaultGroupDaily
	}
	day := c.now.UTC().Truncate(24 * time.Hour)
	s.st.groupCreations = slices.DeleteFunc(s.st.groupCreations, func(t time.Time) bool { return t.Before(day) })
	if daily > 0 && len(s.st.groupCreations) >= daily {
		return fail(http.StatusBadRequest, 300, "You can add a maximum of %d groups in one account per day. Try again tomorrow.", daily)
	}
	s.st.groupCreations = append(s.st.groupCreations, c.now)
	g := s.st.addGroup("", name)
	return reply(http.StatusCreated, toGroupJSON(g))
}

// GET /groups/{groupId}
func (s *Server) getGroup(c *call) response {
	g, bad := s.groupParam(c)
	if bad != nil {
		return *bad
	}
	return reply(http.StatusOK, toGroupJSON(g))
}

type groupMemberJSON struct {
	Email     string `json:"email"`
	FirstName string `json:"first_name"`
	ID        string `json:"id"`
	LastName  string `json:"last_name"`
	Type      int    `json:"type"`
}

// GET /groups/{groupId}/members, in user creation order.
func (s *Server) listGroupMembers(c *call) response {
	g, bad := s.groupParam(c)
	if bad != nil {
		return *bad
	}
	size, bad := s.pageSize(c, 30, 2000, 0)
	if bad != nil {
		return *bad
	}
	scope := "group-members\x00" + g.id
	after, pageNo, bad := s.cursor(c, scope)
	if bad != nil {
		return *bad
	}
	keep := func(u *user) bool {
		_, ok := g.members[u.ID]
		return ok && !u.gone
	}
	if a, n, given, bad := byPageNumber(c, s.st.users, func(u *user) int64 { return u.seq }, keep, size); bad != nil {
		return *bad
	} else if given {
		after, pageNo = a, n
	}
	page, more := collect(s.st.users, func(u *user) int64 { return u.seq }, after, size, keep)
	out := struct {
		Members       []groupMemberJSON `json:"members"`
		NextPageToken string            `json:"next_page_token"`
		PageCount     int               `json:"page_count"`
		PageNumber    int               `json:"page_number"`
		PageSize      int               `json:"page_size"`
		TotalRecords  int               `json:"total_records"`
	}{Members: make([]groupMemberJSON, 0, len(page))}
	var last int64
	for _, u := range page {
		out.Members = append(out.Members, groupMemberJSON{Email: u.Email, FirstName: u.FirstName, ID: u.ID, LastName: u.LastName, Type: u.Type})
		last = u.seq
	}
	pi := s.finish(c, scope, last, more, pageNo, size, len(g.members))
	out.NextPageToken, out.PageCount, out.PageNumber, out.PageSize, out.TotalRecords = pi.next, pi.count, pi.number, pi.size, pi.totalCount
	return reply(http.StatusOK, out)
}

// addedJSON is the answer of POST /groups/{groupId}/members and POST
// /divisions/{divisionId}/users: the IDs acted on, comma-separated.
type addedJSON struct {
	IDs     string `json:"ids"`
	AddedAt string `json:"added_at"`
}

// POST /groups/{groupId}/members. Members are named by id (the email is then
// ignored) or email; unknown users and users already in the group are
// skipped, and the answer lists the users added.
func (s *Server) addGroupMembers(c *call) response {
	g, bad := s.groupParam(c)
	if bad != nil {
		return *bad
	}
	var b struct {
		Members []struct {
			ID    string `json:"id"`
			Email string `json:"email"`
		} `json:"members"`
	}
	if bad := decodeBody(c, &b); bad != nil {
		return *bad
	}
	switch {
	case len(b.Members) == 0:
		return invalid("members", "is required")
	case len(b.Members) > maxGroupMembersN:
		return invalid("members", "can hold at most 30 members per request")
	}
	var added []string
	for _, m := range b.Members {
		var u *user
		if m.ID != "" {
			u = s.st.byID[m.ID]
		} else if m.Email != "" {
			u = s.st.byEmail[strings.ToLower(m.Email)]
		}
		if u != nil && s.st.addToGroup(u, g) {
			added = append(added, u.ID)
		}
	}
	return reply(http.StatusCreated, addedJSON{IDs: strings.Join(added, ","), AddedAt: ts(c.now)})
}

// DELETE /groups/{groupId}/members/{memberId}
func (s *Server) deleteGroupMember(c *call) response {
	g, bad := s.groupParam(c)
	if bad != nil {
		return *bad
	}
	u := s.st.lookupUser(c.params["memberId"])
	if u == nil || !s.st.removeFromGroup(u, g) {
		return memberNotFound()
	}
	return reply(http.StatusNoContent, nil)
}

// PATCH /groups/{groupId}/members/{memberId}: move the member to another
// group, or make another of its groups the primary one.
func (s *Server) updateGroupMember(c *call) response {
	var b struct {
		Action        string `json:"action"`
		TargetGroupID string `json:"target_group_id"`
	}
	if bad := decodeBody(c, &b); bad != nil {
		return *bad
	}
	switch b.Action {
	case "":
		return invalid("action", "is required")
	case "move", "set_primary":
	default:
		return invalid("action", "must be move or set_primary")
	}
	if b.TargetGroupID == "" {
		return response{status: http.StatusBadRequest, body: apiError{Code: 300, Message: "The target_group_id can not be empty.",
			Errors: []fieldError{{Field: "target_group_id", Message: "This field is required."}}}}
	}
	g, bad := s.groupParam(c)
	if bad != nil {
		return *bad
	}
	u := s.st.lookupUser(c.params["memberId"])
	if u == nil {
		return memberNotFound()
	}
	if _, ok := g.members[u.ID]; !ok {
		return memberNotFound()
	}
	target := s.st.groupByID[b.TargetGroupID]
	if target == nil {
		return groupNotFound(b.TargetGroupID)
	}
	if b.Action == "set_primary" {
		// The primary group must be one the user is in.
		if _, ok := target.members[u.ID]; !ok {
			return memberNotFound()
		}
		u.GroupIDs = primaryFirst(u.GroupIDs, target.id)
		return reply(http.StatusNoContent, nil)
	}

	if target == g {
		return reply(http.StatusNoContent, nil) // moving into the same group changes nothing
	}
	wasPrimary := len(u.GroupIDs) > 0 && u.GroupIDs[0] == g.id
	s.st.removeFromGroup(u, g)
	s.st.addToGroup(u, target)
	if wasPrimary {
		u.GroupIDs = primaryFirst(u.GroupIDs, target.id)
	}
	return reply(http.StatusNoContent, nil)
}

// primaryFirst returns a copy of ids with id moved to the front.
func primaryFirst(ids []string, id string) []string {
	out := make([]string, 0, len(ids))
	out = append(out, id)
	for _, x := range ids {
		if x != id {
			out = append(out, x)
		}
	}
	return slices.Clip(out)
}
