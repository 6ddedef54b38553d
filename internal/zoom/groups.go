package zoom

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Group is a user group.
type Group struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	TotalMembers int    `json:"total_members"`
}

// GroupMember is one member of a group listing.
type GroupMember struct {
	ID        string `json:"id"`
	Email     string `json:"email"`
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
	Type      int    `json:"type"`
}

var (
	epListGroups        = endpoint{method: http.MethodGet, path: "/groups", category: Medium}
	epCreateGroup       = endpoint{method: http.MethodPost, path: "/groups", category: Light}
	epGetGroup          = endpoint{method: http.MethodGet, path: "/groups/{groupId}", category: Light}
	epListGroupMembers  = endpoint{method: http.MethodGet, path: "/groups/{groupId}/members", category: Medium}
	epAddGroupMembers   = endpoint{method: http.MethodPost, path: "/groups/{groupId}/members", category: Medium, idempotent: true}
	epUpdateGroupMember = endpoint{method: http.MethodPatch, path: "/groups/{groupId}/members/{memberId}", category: Medium, idempotent: true}
	epDeleteGroupMember = endpoint{method: http.MethodDelete, path: "/groups/{groupId}/members/{memberId}", category: Light, idempotent: true}
	epDeleteGroup       = endpoint{method: http.MethodDelete, path: "/groups/{groupId}", category: Light, idempotent: true}
)

// DeleteGroup deletes a group (Delete a group, Light). Zoom takes its
// members out with it: callers delete only a group they know is empty.
// After a lost answer the resend finds no group (4130): that is done.
func (c *Client) DeleteGroup(ctx context.Context, id string) error {
	_, err := c.do(ctx, call{ep: epDeleteGroup, params: []string{id},
		settle: func(_ context.Context, err error) (bool, error) { return HasCode(err, CodeGroupNotFound), nil }})
	return err
}

// MaxGroupMembersAdd is the most members one add call may carry.
const MaxGroupMembersAdd = 30

type groupsPage struct {
	Groups        []Group `json:"groups"`
	TotalRecords  int     `json:"total_records"`
	NextPageToken string  `json:"next_page_token"`
}

// ListGroups reads every group of the account.
func (c *Client) ListGroups(ctx context.Context) ([]Group, error) {
	return collect(flatten(pages(ctx, c, epListGroups, nil, nil, func(p *groupsPage) string { return p.NextPageToken }),
		func(p *groupsPage) []Group { return p.Groups }))
}

// GetGroup reads one group.
func (c *Client) GetGroup(ctx context.Context, id string) (*Group, error) {
	var g Group
	if _, err := c.do(ctx, call{ep: epGetGroup, params: []string{id}, out: &g}); err != nil {
		return nil, err
	}
	return &g, nil
}

// CreateGroup adds a group. After a lost answer the groups are listed
// before any resend: a group of that name means it worked. A 4132 (name in
// use) without a lost answer returns the existing group with the error.
func (c *Client) CreateGroup(ctx context.Context, name string) (*Group, error) {
	var g Group
	find := func(ctx context.Context) (*Group, error) {
		groups, err := c.ListGroups(ctx)
		if err != nil {
			return nil, err
		}
		for _, existing := range groups {
			if strings.EqualFold(existing.Name, name) {
				return &existing, nil
			}
		}
		return nil, nil
	}
	_, err := c.do(ctx, call{ep: epCreateGroup, body: map[string]string{"name": name}, out: &g,
		settle: func(ctx context.Context, _ error) (bool, error) {
			existing, err := find(ctx)
			if existing != nil {
				g = *existing
			}
			return existing != nil, err
		}})
	if HasCode(err, CodeGroupNameInUse) {
		// Not ours: the group was there before. The caller gets it with the error.
		if existing, ferr := find(ctx); ferr == nil && existing != nil {
			return existing, err
		}
	}
	if err != nil {
		return nil, err
	}
	return &g, nil
}

type groupMembersPage struct {
	Members       []GroupMember `json:"members"`
	PageSize      int           `json:"page_size"`
	TotalRecords  int           `json:"total_records"`
	NextPageToken string        `json:"next_page_token"`
}

// ListGroupMembers walks a group's members.
func (c *Client) ListGroupMembers(ctx context.Context, groupID string) iter.Seq2[GroupMember, error] {
	q := url.Values{"page_size": {"300"}}
	return flatten(pages(ctx, c, epListGroupMembers, []string{groupID}, q, func(p *groupMembersPage) string { return p.NextPageToken }),
		func(p *groupMembersPage) []GroupMember { return p.Members })
}

// AddGroupMembers adds up to 30 users to a group and returns the IDs Zoom
// says it added (members already in the group are not listed).
func (c *Client) AddGroupMembers(ctx context.Context, groupID string, users []UserRef) ([]string, error) {
	if len(users) == 0 || len(users) > MaxGroupMembersAdd {
		return nil, fmt.Errorf("zoom: adding group members: %d users; a call carries 1 to %d", len(users), MaxGroupMembersAdd)
	}
	var out struct {
		IDs string `json:"ids"`
	}
	_, err := c.do(ctx, call{ep: epAddGroupMembers, params: []string{groupID}, body: map[string]any{"members": users}, out: &out})
	return splitIDs(out.IDs), err
}

// MoveGroupMember moves a user from one group to another. After a lost
// answer, a 4131 (not a member of the source) is settled by reading the
// user back.
func (c *Client) MoveGroupMember(ctx context.Context, fromGroupID, userID, toGroupID string) error {
	return c.updateGroupMember(ctx, fromGroupID, userID, "move", toGroupID)
}

// SetPrimaryGroup makes primaryID, one of a user's groups, the primary one.
// The call goes through fromID, a group the user is in (the current
// primary): the path names a membership, the body the new primary.
func (c *Client) SetPrimaryGroup(ctx context.Context, fromID, userID, primaryID string) error {
	return c.updateGroupMember(ctx, fromID, userID, "set_primary", primaryID)
}

func (c *Client) updateGroupMember(ctx context.Context, groupID, userID, action, target string) error {
	body := map[string]string{"action": action, "target_group_id": target}
	_, err := c.do(ctx, call{ep: epUpdateGroupMember, params: []string{groupID, userID}, body: body,
		settle: func(ctx context.Context, err error) (bool, error) {
			if !HasCode(err, CodeGroupMemberAbsent) {
				return false, nil
			}
			u, gerr := c.GetUser(ctx, userID)
			return gerr == nil && memberAsAsked(u.GroupIDs, action, groupID, target), gerr
		}})
	return err
}

// RemoveGroupMember takes a user out of a group. After a lost answer a
// 4131 means it worked.
func (c *Client) RemoveGroupMember(ctx context.Context, groupID, userID string) error {
	_, err := c.do(ctx, call{ep: epDeleteGroupMember, params: []string{groupID, userID},
		settle: func(_ context.Context, err error) (bool, error) { return HasCode(err, CodeGroupMemberAbsent), nil }})
	return err
}

// memberAsAsked says whether a user's groups already show the move or
// set_primary: the earlier attempt whose answer was lost worked.
func memberAsAsked(groupIDs []string, action, from, target string) bool {
	if action == "set_primary" {
		return len(groupIDs) > 0 && groupIDs[0] == target
	}
	return contains(groupIDs, target) && !contains(groupIDs, from)
}

func splitIDs(s string) []string {
	var ids []string
	for _, id := range strings.Split(s, ",") {
		if id = strings.TrimSpace(id); id != "" {
			ids = append(ids, id)
		}
	}
	return ids
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// pageSize is the query value for a page size.
func pageSize(n int) url.Values { return url.Values{"page_size": {strconv.Itoa(n)}} }

// GroupAdmin is one administrator of a group listing.
type GroupAdmin struct {
	Email string `json:"email"`
	Name  string `json:"name,omitempty"`
}

var (
	epListGroupAdmins  = endpoint{method: http.MethodGet, path: "/groups/{groupId}/admins", category: Medium}
	epAddGroupAdmins   = endpoint{method: http.MethodPost, path: "/groups/{groupId}/admins", category: Medium, idempotent: true}
	epDeleteGroupAdmin = endpoint{method: http.MethodDelete, path: "/groups/{groupId}/admins/{userId}", category: Light, idempotent: true}
)

// MaxGroupAdminsAdd is how many admins one add call carries: the
// maxItems of Zoom's OpenAPI file (Zoom refuses an eleventh with "Invalid
// field", failing the whole call).
const MaxGroupAdminsAdd = 10

// CodeNotGroupAdmin: the user is not an administrator of the group.
const CodeNotGroupAdmin = 4138

type groupAdminsPage struct {
	Admins        []GroupAdmin `json:"admins"`
	NextPageToken string       `json:"next_page_token"`
}

// ListGroupAdmins reads a group's administrators.
func (c *Client) ListGroupAdmins(ctx context.Context, groupID string) ([]GroupAdmin, error) {
	return collect(flatten(pages(ctx, c, epListGroupAdmins, []string{groupID}, pageSize(300), func(p *groupAdminsPage) string { return p.NextPageToken }),
		func(p *groupAdminsPage) []GroupAdmin { return p.Admins }))
}

// AddGroupAdmins makes users administrators of a group (admins already
// there are left as they are) and returns the IDs Zoom lists.
func (c *Client) AddGroupAdmins(ctx context.Context, groupID string, users []UserRef) ([]string, error) {
	if len(users) == 0 || len(users) > MaxGroupAdminsAdd {
		return nil, fmt.Errorf("zoom: adding group admins: %d users; a call carries 1 to %d", len(users), MaxGroupAdminsAdd)
	}
	var out struct {
		IDs string `json:"ids"`
	}
	_, err := c.do(ctx, call{ep: epAddGroupAdmins, params: []string{groupID}, body: map[string]any{"admins": users}, out: &out})
	return splitIDs(out.IDs), err
}

// DeleteGroupAdmin takes a user's administration of a group away. After a
// lost answer a 4138 (not an admin) means it worked.
func (c *Client) DeleteGroupAdmin(ctx context.Context, groupID, userID string) error {
	_, err := c.do(ctx, call{ep: epDeleteGroupAdmin, params: []string{groupID, userID},
		settle: func(_ context.Context, err error) (bool, error) { return HasCode(err, CodeNotGroupAdmin), nil }})
	return err
}
