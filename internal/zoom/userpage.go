package zoom

import (
	"context"
	"strconv"
)

// NumberedUsersPage is one page of List users with the paging fields of
// the deprecated page_number scheme, which Zoom still fills in when it
// honours page_number (0 when it does not).
type NumberedUsersPage struct {
	UsersPage
	PageNumber int `json:"page_number"`
	PageCount  int `json:"page_count"`
}

// UsersPageAt reads one page of a listing: the page after token when token
// is set; otherwise page number (1-based) with page_number, which the
// reference keeps but marks deprecated, or the first page when number is 0.
// Whether Zoom honoured page_number shows in the answer's PageNumber.
// Exports use it to walk several statuses, or several pages, at once.
func (c *Client) UsersPageAt(ctx context.Context, opts ListUsersOptions, token string, number int) (*NumberedUsersPage, error) {
	q := opts.query()
	switch {
	case token != "":
		q.Set("next_page_token", token)
	case number > 0:
		q.Set("page_number", strconv.Itoa(number))
	}
	p := new(NumberedUsersPage)
	if _, err := c.do(ctx, call{ep: epListUsers, query: q, out: p}); err != nil {
		return nil, err
	}
	return p, nil
}
