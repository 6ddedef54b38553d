package zoom

import (
	"context"
	"net/http"
)

var (
	epGroupSettings        = endpoint{method: http.MethodGet, path: "/groups/{groupId}/settings", category: Medium}
	epUpdateGroupSettings  = endpoint{method: http.MethodPatch, path: "/groups/{groupId}/settings", category: Medium, idempotent: true}
	epGroupLockSettings    = endpoint{method: http.MethodGet, path: "/groups/{groupId}/lock_settings", category: Medium}
	epUpdateGroupLockSttgs = endpoint{method: http.MethodPatch, path: "/groups/{groupId}/lock_settings", category: Medium, idempotent: true}
)

// GetGroupSettings reads a group's settings (Get a group's settings,
// Medium): the same sections as a user's, read the same way.
func (c *Client) GetGroupSettings(ctx context.Context, groupID string) (Settings, error) {
	s := Settings{}
	if _, err := c.do(ctx, call{ep: epGroupSettings, params: []string{groupID}, out: &s}); err != nil {
		return nil, err
	}
	return s, nil
}

// UpdateGroupSettings patches a group's settings with only the given
// leaves, keyed by dotted path (Update a group's settings, Medium).
func (c *Client) UpdateGroupSettings(ctx context.Context, groupID string, values map[string]any) error {
	_, err := c.do(ctx, call{ep: epUpdateGroupSettings, params: []string{groupID}, body: SettingsPatch(values)})
	return err
}

// GetGroupLockSettings reads which of a group's settings are locked (Get
// locked settings, Medium): booleans by section.
func (c *Client) GetGroupLockSettings(ctx context.Context, groupID string) (Settings, error) {
	s := Settings{}
	if _, err := c.do(ctx, call{ep: epGroupLockSettings, params: []string{groupID}, out: &s}); err != nil {
		return nil, err
	}
	return s, nil
}

// UpdateGroupLockSettings locks or unlocks settings of a group, keyed by
// dotted path (Update locked settings, Medium).
func (c *Client) UpdateGroupLockSettings(ctx context.Context, groupID string, values map[string]any) error {
	_, err := c.do(ctx, call{ep: epUpdateGroupLockSttgs, params: []string{groupID}, body: SettingsPatch(values)})
	return err
}

var epUpdateGroup = endpoint{method: http.MethodPatch, path: "/groups/{groupId}", category: Light, idempotent: true}

// RenameGroup gives a group a new name (Update a group, Light); Zoom
// refuses a name another group has (4132).
func (c *Client) RenameGroup(ctx context.Context, id, name string) error {
	_, err := c.do(ctx, call{ep: epUpdateGroup, params: []string{id}, body: map[string]string{"name": name}})
	return err
}

// RenameDivision gives a division a new name (Update a division, Light).
func (c *Client) RenameDivision(ctx context.Context, id, name string) error {
	_, err := c.do(ctx, call{ep: epUpdateDivision, params: []string{id}, body: map[string]string{"division_name": name}})
	return err
}
