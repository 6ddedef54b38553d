package zoom_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/zoombulk/zoombulk/internal/zoom"
)

// A daily quota that Zoom's answers say is spent (X-RateLimit-Type
// Daily-limit, X-RateLimit-Remaining 0) defers the category's next call at
// once, until 00:00 UTC: it is not sent to earn a 429, and calls of other
// categories go on.
func TestSpentDailyQuotaDefersBeforeTheCap(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const limit = 3
		var served atomic.Int64
		f := newMemFake(t, func(w http.ResponseWriter, r *http.Request) {
			n := served.Add(1)
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-RateLimit-Category", "Light")
			w.Header().Set("X-RateLimit-Type", "Daily-limit")
			w.Header().Set("X-RateLimit-Limit", strconv.Itoa(limit))
			w.Header().Set("X-RateLimit-Remaining", strconv.FormatInt(max(limit-n, 0), 10))
			fmt.Fprintf(w, `{"id":"u%d","email":"u%d@acme.example"}`, n, n)
		})
		c := f.client(t, func(cfg *zoom.Config) { cfg.NoLimits = false })
		ctx := context.Background()
		for i := range limit {
			if _, err := c.GetUser(ctx, fmt.Sprintf("u%d@acme.example", i)); err != nil {
				t.Fatalf("call %d of the day's %d: %v", i+1, limit, err)
			}
		}
		_, err := c.GetUser(ctx, "late@acme.example")
		var daily *zoom.DailyLimitError
		if !errors.As(err, &daily) {
			t.Fatalf("the call after the quota was spent: %v, want a DailyLimitError", err)
		}
		if got := served.Load(); got != limit {
			t.Errorf("%d calls reached Zoom, want %d: the spent quota's call was sent", got, limit)
		}
		now := time.Now().UTC()
		if midnight := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, time.UTC); !daily.Reset.Equal(midnight) {
			t.Errorf("reset %s, want the next 00:00 UTC %s", daily.Reset, midnight)
		}
		// After 00:00 UTC the category is open again.
		time.Sleep(time.Until(daily.Reset) + time.Second)
		if _, err := c.GetUser(ctx, "next-day@acme.example"); err != nil {
			t.Errorf("the next day's call: %v", err)
		}
	})
}
