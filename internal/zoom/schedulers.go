package zoom

import (
	"context"
	"net/http"
)

var (
	epListSchedulers   = endpoint{method: http.MethodGet, path: "/users/{userId}/schedulers", category: Medium}
	epDeleteSchedulers = endpoint{method: http.MethodDelete, path: "/users/{userId}/schedulers", category: Light, idempotent: true}
)

// Scheduler is a user the listed user can schedule meetings for (as their
// assistant).
type Scheduler struct {
	ID    string `json:"id"`
	Email string `json:"email"`
}

// ListSchedulers reads the users a user schedules for (List user
// schedulers, Medium).
func (c *Client) ListSchedulers(ctx context.Context, idOrEmail string) ([]Scheduler, error) {
	var out struct {
		Schedulers []Scheduler `json:"schedulers"`
	}
	if _, err := c.do(ctx, call{ep: epListSchedulers, params: []string{idOrEmail}, out: &out}); err != nil {
		return nil, err
	}
	return out.Schedulers, nil
}

// DeleteSchedulers makes a user no one's scheduling assistant (Delete user
// schedulers, Light).
func (c *Client) DeleteSchedulers(ctx context.Context, idOrEmail string) error {
	_, err := c.do(ctx, call{ep: epDeleteSchedulers, params: []string{idOrEmail}})
	return err
}
