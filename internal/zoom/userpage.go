package zoom

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
)

// RawUsersPage is one page of List users with its users left undecoded
// (DecodeUsers reads them), so that a listing can ask for the next page,
// which needs only the token, while this one is decoded. It carries the
// paging fields of the deprecated page_number scheme, which Zoom still
// fills in when it honours page_number (0 when it does not).
type RawUsersPage struct {
	Users         json.RawMessage `json:"users"`
	PageSize      int             `json:"page_size"`
	TotalRecords  int             `json:"total_records"`
	NextPageToken string          `json:"next_page_token"`
	PageNumber    int             `json:"page_number"`
	PageCount     int             `json:"page_count"`
}

// UsersPageAt reads one page of a listing: the page after token when token
// is set; otherwise page number (1-based) with page_number, which the
// reference keeps but marks deprecated, or the first page when number is 0.
// Whether Zoom honoured page_number shows in the answer's PageNumber.
// Exports use it to walk several statuses, or several pages, at once.
func (c *Client) UsersPageAt(ctx context.Context, opts ListUsersOptions, token string, number int) (*RawUsersPage, error) {
	q := opts.query()
	switch {
	case token != "":
		q.Set("next_page_token", token)
	case number > 0:
		q.Set("page_number", strconv.Itoa(number))
	}
	p := new(RawUsersPage)
	if _, err := c.do(ctx, call{ep: epListUsers, query: q, out: p}); err != nil {
		return nil, err
	}
	return p, nil
}

// DecodeUsers reads the users of a RawUsersPage (none when absent).
func DecodeUsers(raw json.RawMessage) ([]User, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	// Sized up front (every user has an email): growing the slice user by
	// user allocated twice the page.
	users := make([]User, 0, bytes.Count(raw, []byte(`"email":`)))
	if err := json.Unmarshal(raw, &users); err != nil {
		return nil, fmt.Errorf("zoom: %s: decoding the users: %w", epListUsers, err)
	}
	return users, nil
}
