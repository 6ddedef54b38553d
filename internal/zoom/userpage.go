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

// decodeAnswer reads a page without scanning its users more than once: a
// page of 2,000 users is a megabyte, and the standard decoder took 8 ms to
// check it and copy the users out, 8 ms more on each step of a listing's
// chain of tokens. The users' span is found by a plain scan for the end of
// their array; the rest of the page, small, goes to the standard decoder,
// and DecodeUsers checks the users.
func (p *RawUsersPage) decodeAnswer(body []byte) error {
	start, end := usersSpan(body)
	if start < 0 {
		return json.Unmarshal(body, (*rawUsersPage)(p))
	}
	rest := make([]byte, 0, len(body)-(end-start)+len("null"))
	rest = append(append(append(rest, body[:start]...), "null"...), body[end:]...)
	if err := json.Unmarshal(rest, (*rawUsersPage)(p)); err != nil {
		return err
	}
	p.Users = bytes.Clone(body[start:end])
	return nil
}

// rawUsersPage decodes as RawUsersPage does with the standard decoder.
type rawUsersPage RawUsersPage

// usersSpan finds the value of the top-level "users" member of a JSON
// object: body[start:end], or start -1 when there is none or the object
// does not scan. The value itself is not checked.
func usersSpan(body []byte) (start, end int) {
	i := skipSpace(body, 0)
	if i >= len(body) || body[i] != '{' {
		return -1, -1
	}
	start = -1
	for i = skipSpace(body, i+1); i < len(body) && body[i] != '}'; {
		if body[i] != '"' {
			return -1, -1
		}
		k := skipValue(body, i)
		if k < 0 {
			return -1, -1
		}
		key := body[i:k]
		i = skipSpace(body, k)
		if i >= len(body) || body[i] != ':' {
			return -1, -1
		}
		v := skipSpace(body, i+1)
		if i = skipValue(body, v); i < 0 {
			return -1, -1
		}
		if string(key) == `"users"` {
			if i == v {
				return -1, -1 // no value: the standard decoder says what is wrong
			}
			start, end = v, i
		}
		if i = skipSpace(body, i); i < len(body) && body[i] == ',' {
			i = skipSpace(body, i+1)
		}
	}
	if i >= len(body) {
		return -1, -1
	}
	return start, end
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipValue returns the index just past the value at b[i], or -1 when it
// does not end: strings up to their closing quote, arrays and objects up
// to their matching bracket (strings inside skipped whole), anything else
// up to the next delimiter.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	depth := 0
	for ; i < len(b); i++ {
		switch c := b[i]; c {
		case '"':
			for i++; i < len(b) && b[i] != '"'; i++ {
				if b[i] == '\\' {
					i++
				}
			}
			if i >= len(b) {
				return -1
			}
			if depth == 0 {
				return i + 1
			}
		case '[', '{':
			depth++
		case ']', '}':
			if depth == 0 {
				return i
			}
			if depth--; depth == 0 {
				return i + 1
			}
		case ',', ' ', '\t', '\n', '\r':
			if depth == 0 {
				return i
			}
		}
	}
	if depth > 0 {
		return -1
	}
	return i
}

// DecodeUsers reads the users of a RawUsersPage (none when absent).
func DecodeUsers(raw json.RawMessage) ([]User, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	// Sized up front (every user has an email): growing the slice user by
	// user allocated twice the page.
	users := make([]User, 0, bytes.Count(raw, []byte(`"email":`)))
	slot := func() *User {
		users = append(users, User{})
		return &users[len(users)-1]
	}
	if scanUsers(raw, true, slot, nil) {
		return users, nil
	}
	// Afresh: the standard decoder decodes into the users the scanner
	// left in the array, without zeroing them.
	users = make([]User, 0, cap(users))
	if err := json.Unmarshal(raw, &users); err != nil {
		return nil, fmt.Errorf("zoom: %s: decoding the users: %w", epListUsers, err)
	}
	return users, nil
}
