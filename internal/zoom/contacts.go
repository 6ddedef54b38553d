package zoom

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strings"
)

// ContactGroup is a contact group of the account's directory.
type ContactGroup struct {
	ID          string `json:"group_id"`
	Name        string `json:"group_name"`
	Privacy     int    `json:"group_privacy,omitempty"`
	Description string `json:"description,omitempty"`
}

// ContactGroupMember is a user (type 1) or a user group (type 2).
type ContactGroupMember struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
	Type int    `json:"type"`
}

var (
	epListContactGroups         = endpoint{method: http.MethodGet, path: "/contacts/groups", category: Medium}
	epListContactGroupMembers   = endpoint{method: http.MethodGet, path: "/contacts/groups/{groupId}/members", category: Medium}
	epAddContactGroupMembers    = endpoint{method: http.MethodPost, path: "/contacts/groups/{groupId}/members", category: Heavy, idempotent: true}
	epRemoveContactGroupMembers = endpoint{method: http.MethodDelete, path: "/contacts/groups/{groupId}/members", category: Heavy, idempotent: true}
)

// Contact group batch limits, from Zoom's Users API reference.
const (
	MaxContactUsersAdd    = 50
	MaxContactGroupsAdd   = 3
	MaxContactMembersDrop = 20
)

type contactGroupsPage struct {
	Groups        []ContactGroup `json:"groups"`
	PageSize      int            `json:"page_size"`
	NextPageToken string         `json:"next_page_token"`
}

// ListContactGroups reads every contact group.
func (c *Client) ListContactGroups(ctx context.Context) ([]ContactGroup, error) {
	return collect(flatten(pages(ctx, c, epListContactGroups, nil, pageSize(50), func(p *contactGroupsPage) string { return p.NextPageToken }),
		func(p *contactGroupsPage) []ContactGroup { return p.Groups }))
}

type contactMembersPage struct {
	Members       []ContactGroupMember `json:"group_members"`
	PageSize      int                  `json:"page_size"`
	NextPageToken string               `json:"next_page_token"`
}

// ListContactGroupMembers walks a contact group's members.
func (c *Client) ListContactGroupMembers(ctx context.Context, groupID string) iter.Seq2[ContactGroupMember, error] {
	return flatten(pages(ctx, c, epListContactGroupMembers, []string{groupID}, pageSize(50), func(p *contactMembersPage) string { return p.NextPageToken }),
		func(p *contactMembersPage) []ContactGroupMember { return p.Members })
}

// AddContactGroupMembers adds up to 50 users or 3 user groups.
func (c *Client) AddContactGroupMembers(ctx context.Context, groupID string, members []ContactGroupMember) ([]string, error) {
	users, groups := 0, 0
	body := make([]map[string]any, 0, len(members))
	for _, m := range members {
		if m.Type == 2 {
			groups++
		} else {
			users++
		}
		body = append(body, map[string]any{"id": m.ID, "type": m.Type})
	}
	if len(members) == 0 || users > MaxContactUsersAdd || groups > MaxContactGroupsAdd {
		return nil, fmt.Errorf("zoom: adding contact group members: %d users and %d groups; a call carries at most %d users or %d groups",
			users, groups, MaxContactUsersAdd, MaxContactGroupsAdd)
	}
	var out struct {
		MemberIDs []string `json:"member_ids"`
	}
	_, err := c.do(ctx, call{ep: epAddContactGroupMembers, params: []string{groupID}, body: map[string]any{"group_members": body}, out: &out})
	return out.MemberIDs, err
}

// RemoveContactGroupMembers removes up to 20 members.
func (c *Client) RemoveContactGroupMembers(ctx context.Context, groupID string, memberIDs []string) error {
	if len(memberIDs) == 0 || len(memberIDs) > MaxContactMembersDrop {
		return fmt.Errorf("zoom: removing contact group members: %d members; a call carries 1 to %d", len(memberIDs), MaxContactMembersDrop)
	}
	q := url.Values{"member_ids": {strings.Join(memberIDs, ",")}}
	_, err := c.do(ctx, call{ep: epRemoveContactGroupMembers, params: []string{groupID}, query: q})
	return err
}

var (
	epCreateContactGroup = endpoint{method: http.MethodPost, path: "/contacts/groups", category: Heavy}
	epUpdateContactGroup = endpoint{method: http.MethodPatch, path: "/contacts/groups/{groupId}", category: Heavy, idempotent: true}
	epDeleteContactGroup = endpoint{method: http.MethodDelete, path: "/contacts/groups/{groupId}", category: Heavy, idempotent: true}
)

// DeleteContactGroup deletes a contact group (its members stay users and
// groups of the account).
func (c *Client) DeleteContactGroup(ctx context.Context, id string) error {
	_, err := c.do(ctx, call{ep: epDeleteContactGroup, params: []string{id}})
	return err
}

// CreateContactGroup adds a contact group (privacy 0 leaves Zoom's
// default). After a lost answer the contact groups are listed before any
// resend: one of that name means it worked.
func (c *Client) CreateContactGroup(ctx context.Context, name string, privacy int, description string) (*ContactGroup, error) {
	body := map[string]any{"group_name": name}
	if privacy > 0 {
		body["group_privacy"] = privacy
	}
	if description != "" {
		body["description"] = description
	}
	var g ContactGroup
	_, err := c.do(ctx, call{ep: epCreateContactGroup, body: body, out: &g,
		settle: func(ctx context.Context, _ error) (bool, error) {
			groups, err := c.ListContactGroups(ctx)
			if err != nil {
				return false, err
			}
			for _, existing := range groups {
				if strings.EqualFold(existing.Name, name) {
					g = existing
					return true, nil
				}
			}
			return false, nil
		}})
	if err != nil {
		return nil, err
	}
	return &g, nil
}

// ContactGroupUpdate is what Update a contact group changes; nil leaves a
// value as it is.
type ContactGroupUpdate struct {
	Privacy     *int
	Description *string
}

// UpdateContactGroup changes a contact group's privacy or description.
func (c *Client) UpdateContactGroup(ctx context.Context, id string, u ContactGroupUpdate) error {
	body := map[string]any{}
	if u.Privacy != nil {
		body["privacy"] = *u.Privacy
	}
	if u.Description != nil {
		body["description"] = *u.Description
	}
	_, err := c.do(ctx, call{ep: epUpdateContactGroup, params: []string{id}, body: body})
	return err
}
