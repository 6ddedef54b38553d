package zoom

import (
	"context"
	"fmt"
	"net/http"
	"strings"
)

// Assistant is a user who schedules for another.
type Assistant struct {
	ID    string `json:"id,omitempty"`
	Email string `json:"email,omitempty"`
}

var (
	epListAssistants  = endpoint{method: http.MethodGet, path: "/users/{userId}/assistants", category: Medium}
	epAddAssistants   = endpoint{method: http.MethodPost, path: "/users/{userId}/assistants", category: Medium}
	epDeleteAssistant = endpoint{method: http.MethodDelete, path: "/users/{userId}/assistants/{assistantId}", category: Light, idempotent: true}
)

// MaxAssistantsAdd is how many assistants one add call carries: the
// maxItems of Zoom's OpenAPI file.
const MaxAssistantsAdd = 30

// ListAssistants reads a user's assistants.
func (c *Client) ListAssistants(ctx context.Context, userID string) ([]Assistant, error) {
	var out struct {
		Assistants []Assistant `json:"assistants"`
	}
	if _, err := c.do(ctx, call{ep: epListAssistants, params: []string{userID}, out: &out}); err != nil {
		return nil, err
	}
	return out.Assistants, nil
}

// AddAssistants gives users scheduling privilege for userID. Zoom refuses
// the whole call at the first assistant it cannot add (not licensed,
// already an assistant): after a lost answer the assistants are read back.
func (c *Client) AddAssistants(ctx context.Context, userID string, assistants []Assistant) error {
	if len(assistants) == 0 || len(assistants) > MaxAssistantsAdd {
		return fmt.Errorf("zoom: adding assistants: %d assistants; a call carries 1 to %d", len(assistants), MaxAssistantsAdd)
	}
	_, err := c.do(ctx, call{ep: epAddAssistants, params: []string{userID}, body: map[string]any{"assistants": assistants},
		settle: func(ctx context.Context, _ error) (bool, error) {
			have, err := c.ListAssistants(ctx, userID)
			if err != nil {
				return false, err
			}
			for _, a := range assistants {
				found := false
				for _, h := range have {
					if (a.ID != "" && a.ID == h.ID) || (a.Email != "" && strings.EqualFold(a.Email, h.Email)) {
						found = true
					}
				}
				if !found {
					return false, nil
				}
			}
			return true, nil
		}})
	return err
}

// DeleteAssistant takes one assistant away from a user.
func (c *Client) DeleteAssistant(ctx context.Context, userID, assistantID string) error {
	_, err := c.do(ctx, call{ep: epDeleteAssistant, params: []string{userID, assistantID}})
	return err
}
