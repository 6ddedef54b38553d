package zoom

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"strings"
)

// Division is a division of the account.
type Division struct {
	ID           string `json:"division_id"`
	Name         string `json:"division_name"`
	Description  string `json:"division_description,omitempty"`
	IsMain       bool   `json:"is_main_division,omitempty"`
	TotalMembers int    `json:"total_members,omitempty"`
}

// DivisionMember is one user of a division listing.
type DivisionMember struct {
	ID          string `json:"user_id"`
	DisplayName string `json:"user_display_name"`
	Email       string `json:"user_email"`
}

// DivisionUser names a user in an assign call.
type DivisionUser struct {
	ID    string `json:"user_id,omitempty"`
	Email string `json:"user_email,omitempty"`
}

var (
	epListDivisions       = endpoint{method: http.MethodGet, path: "/divisions", category: Light}
	epCreateDivision      = endpoint{method: http.MethodPost, path: "/divisions", category: Light}
	epGetDivision         = endpoint{method: http.MethodGet, path: "/divisions/{divisionId}", category: Light}
	epListDivisionMembers = endpoint{method: http.MethodGet, path: "/divisions/{divisionId}/users", category: Light}
	epAssignDivision      = endpoint{method: http.MethodPost, path: "/divisions/{divisionId}/users", category: Medium, idempotent: true}
)

// MaxDivisionAssign is the most users one assign call may carry.
const MaxDivisionAssign = 30

type divisionsPage struct {
	Divisions     []Division `json:"divisions"`
	PageSize      int        `json:"page_size"`
	TotalRecords  int        `json:"total_records"`
	NextPageToken string     `json:"next_page_token"`
}

// ListDivisions reads every division of the account.
func (c *Client) ListDivisions(ctx context.Context) ([]Division, error) {
	return collect(flatten(pages(ctx, c, epListDivisions, nil, pageSize(300), func(p *divisionsPage) string { return p.NextPageToken }),
		func(p *divisionsPage) []Division { return p.Divisions }))
}

// GetDivision reads one division.
func (c *Client) GetDivision(ctx context.Context, id string) (*Division, error) {
	var d Division
	if _, err := c.do(ctx, call{ep: epGetDivision, params: []string{id}, out: &d}); err != nil {
		return nil, err
	}
	return &d, nil
}

// CreateDivision adds a division. After a lost answer the divisions are
// listed before any resend: a division of that name means it worked.
func (c *Client) CreateDivision(ctx context.Context, name, description string) (*Division, error) {
	var d Division
	body := map[string]string{"division_name": name}
	if description != "" {
		body["division_description"] = description
	}
	_, err := c.do(ctx, call{ep: epCreateDivision, body: body, out: &d,
		settle: func(ctx context.Context, _ error) (bool, error) {
			divs, err := c.ListDivisions(ctx)
			if err != nil {
				return false, err
			}
			for _, existing := range divs {
				if strings.EqualFold(existing.Name, name) {
					d = existing
					return true, nil
				}
			}
			return false, nil
		}})
	if err != nil {
		return nil, err
	}
	return &d, nil
}

type divisionMembersPage struct {
	Users         []DivisionMember `json:"users"`
	PageSize      int              `json:"page_size"`
	TotalRecords  int              `json:"total_records"`
	NextPageToken string           `json:"next_page_token"`
}

// ListDivisionMembers walks a division's users.
func (c *Client) ListDivisionMembers(ctx context.Context, divisionID string) iter.Seq2[DivisionMember, error] {
	return flatten(pages(ctx, c, epListDivisionMembers, []string{divisionID}, pageSize(300), func(p *divisionMembersPage) string { return p.NextPageToken }),
		func(p *divisionMembersPage) []DivisionMember { return p.Users })
}

// AssignDivision puts up to 30 users in a division (a user belongs to one
// division) and returns the IDs Zoom says it assigned.
func (c *Client) AssignDivision(ctx context.Context, divisionID string, users []DivisionUser) ([]string, error) {
	if len(users) == 0 || len(users) > MaxDivisionAssign {
		return nil, fmt.Errorf("zoom: assigning a division: %d users; a call carries 1 to %d", len(users), MaxDivisionAssign)
	}
	var out struct {
		IDs string `json:"ids"`
	}
	_, err := c.do(ctx, call{ep: epAssignDivision, params: []string{divisionID}, body: map[string]any{"users": users}, out: &out})
	return splitIDs(out.IDs), err
}

var epDeleteDivision = endpoint{method: http.MethodDelete, path: "/divisions/{divisionId}", category: Light, idempotent: true}

// DeleteDivision deletes a division (Delete a division, Light). Zoom
// refuses the main division (42011) and one that has users (42012).
func (c *Client) DeleteDivision(ctx context.Context, id string) error {
	_, err := c.do(ctx, call{ep: epDeleteDivision, params: []string{id},
		settle: func(_ context.Context, err error) (bool, error) {
			// A resend after a lost answer finds the division gone: done.
			var api *APIError
			return errors.As(err, &api) && api.HTTPStatus == http.StatusNotFound, nil
		}})
	return err
}

var epUpdateDivision = endpoint{method: http.MethodPatch, path: "/divisions/{divisionId}", category: Light, idempotent: true}

// UpdateDivision sets a division's description (the name stays).
func (c *Client) UpdateDivision(ctx context.Context, id, description string) error {
	_, err := c.do(ctx, call{ep: epUpdateDivision, params: []string{id}, body: map[string]string{"division_description": description}})
	return err
}
