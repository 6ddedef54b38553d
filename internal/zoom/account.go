package zoom

import "net/url"

// AccountID is the account the client's credentials act on.
func (c *Client) AccountID() string { return c.cfg.AccountID }

// APIHost is the host of the API the client talks to (api.zoom.us), for
// the plan and the prompt to name where changes go.
func (c *Client) APIHost() string {
	if u, err := url.Parse(c.cfg.APIURL); err == nil && u.Host != "" {
		return u.Host
	}
	return c.cfg.APIURL
}
