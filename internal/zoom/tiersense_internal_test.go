package zoom

import (
	"net/http"
	"testing"
)

// The account's answers set the pace when they show lower limits than the
// tier given: X-RateLimit-Limit at once, else three cuts by 429s step the
// category down a tier. The tier they point to is what the run reports.
func TestTierSense(t *testing.T) {
	hdr := func(kv ...string) http.Header {
		h := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			h.Set(kv[i], kv[i+1])
		}
		return h
	}
	for _, tc := range []struct {
		name   string
		tier   string
		feed   func(c *Client)
		cat    Category
		rate   float64 // the category's pace after, at share 0.5
		sensed string
	}{
		{name: "header of a pro account", tier: "business", cat: Light, rate: 15, sensed: "pro",
			feed: func(c *Client) {
				c.senseHeaders(Light, hdr("X-RateLimit-Category", "Light", "X-RateLimit-Limit", "30"))
			}},
		{name: "header names the category", tier: "business", cat: Medium, rate: 1, sensed: "free",
			feed: func(c *Client) {
				c.senseHeaders(Light, hdr("X-RateLimit-Category", "Medium", "X-RateLimit-Limit", "2"))
			}},
		{name: "resource-intensive per minute", tier: "business", cat: ResourceIntensive, rate: 10.0 / 60 / 2, sensed: "pro",
			feed: func(c *Client) {
				c.senseHeaders(ResourceIntensive, hdr("X-RateLimit-Category", "Resource-intensive", "X-RateLimit-Limit", "10"))
			}},
		{name: "daily limit headers say nothing of the pace", tier: "business", cat: Light, rate: 40,
			feed: func(c *Client) {
				c.senseHeaders(Light, hdr("X-RateLimit-Type", "Daily-limit", "X-RateLimit-Category", "Light", "X-RateLimit-Limit", "6000"))
			}},
		{name: "a higher limit keeps the tier given", tier: "pro", cat: Light, rate: 15,
			feed: func(c *Client) {
				c.senseHeaders(Light, hdr("X-RateLimit-Category", "Light", "X-RateLimit-Limit", "80"))
			}},
		{name: "two cuts are not enough", tier: "business", cat: Light, rate: 40,
			feed: func(c *Client) { c.sense429(Light); c.sense429(Light) }},
		{name: "three cuts step down a tier", tier: "business", cat: Light, rate: 15, sensed: "pro",
			feed: func(c *Client) { c.sense429(Light); c.sense429(Light); c.sense429(Light) }},
		{name: "six cuts step down two", tier: "business", cat: Light, rate: 2, sensed: "free",
			feed: func(c *Client) {
				for range 6 {
					c.sense429(Light)
				}
			}},
		{name: "cuts after a header are the header's business", tier: "business", cat: Light, rate: 40,
			feed: func(c *Client) {
				c.senseHeaders(Light, hdr("X-RateLimit-Category", "Light", "X-RateLimit-Limit", "80"))
				for range 6 {
					c.sense429(Light)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := newClient(Config{AccountID: "a", ClientID: "b", ClientSecret: "c", Share: 0.5, Tier: tc.tier}, realClock{})
			if err != nil {
				t.Fatal(err)
			}
			tc.feed(c)
			if got := c.Rate(tc.cat); got < tc.rate*0.999 || got > tc.rate*1.001 {
				t.Errorf("%s pace %v, want %v", tc.cat, got, tc.rate)
			}
			if got := c.Stats().SensedTier; got != tc.sensed {
				t.Errorf("sensed tier %q, want %q", got, tc.sensed)
			}
		})
	}
}
