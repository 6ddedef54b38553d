package zoom_test

import (
	"strings"
	"testing"

	"github.com/zoombulk/zoombulk/internal/zoom"
)

// A share below 0.01 would pace a run to a crawl that looks hung: refused.
func TestShareBounds(t *testing.T) {
	for _, tc := range []struct {
		share float64
		ok    bool
	}{{0.01, true}, {0.5, true}, {1, true}, {0.009, false}, {0.001, false}, {0, false}, {1.01, false}} {
		_, err := zoom.New(zoom.Config{AccountID: "a", ClientID: "b", ClientSecret: "c", Share: tc.share, Tier: "pro"})
		if tc.ok && err != nil {
			t.Errorf("share %v: %v", tc.share, err)
		}
		if !tc.ok && (err == nil || !strings.Contains(err.Error(), "0.01")) {
			t.Errorf("share %v: %v, want a refusal naming 0.01", tc.share, err)
		}
	}
}
