package jobs_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// What update_features' apply reports when Zoom answers per user: a row
// with two features fails when Zoom refuses one of them (naming the
// feature and Zoom's reason, with its hint) while the other is set; a row
// whose one feature is already as asked succeeds on the other; a refused
// call fails every row in it with Zoom's message.
func TestFeaturesApplyOutcomes(t *testing.T) {
	tests := []struct {
		name   string
		opts   zoomtest.Options
		rows   [][]string // Email, Webinar, Large
		status map[string]string
		reason map[string]string // a part of zb_reason
		hint   map[string]string // a part of zb_hint
		large  map[string]string // large_meeting after the run
	}{
		{
			name: "webinar seats run out",
			opts: zoomtest.Options{NoRateLimits: true, FeatureSeats: map[string]int{"webinar": 3}},
			rows: [][]string{
				{"alan.turing@acme.example", "1", "1"},
				{"mark.eting@acme.example", "1", "64"}, // holds webinar 1 already
			},
			status: map[string]string{"alan.turing@acme.example": "failed", "mark.eting@acme.example": "succeeded"},
			reason: map[string]string{"alan.turing@acme.example": "webinar: Not enough seats"},
			hint:   map[string]string{"alan.turing@acme.example": "no seats of this feature left"},
			large:  map[string]string{"alan.turing@acme.example": "1", "mark.eting@acme.example": "64"},
		},
		{
			name:   "Zoom refuses the call",
			opts:   zoomtest.Options{NoRateLimits: true, Tier: "free"},
			rows:   [][]string{{"alan.turing@acme.example", "", "1"}, {"mark.eting@acme.example", "", "64"}},
			status: map[string]string{"alan.turing@acme.example": "failed", "mark.eting@acme.example": "failed"},
			reason: map[string]string{"alan.turing@acme.example": "paid account", "mark.eting@acme.example": "paid account"},
			large:  map[string]string{"alan.turing@acme.example": "", "mark.eting@acme.example": "32"}, // as they were
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e := newEnv(t, tt.opts)
				e.writeCSV("in.csv", []string{"Email", "Webinar", "Large"}, tt.rows)
				job := e.write("job.yaml", "version: 1\ninput: in.csv\nfields:\n  email: Email\n  webinar: Webinar\n  large_meeting: Large\n"+
					"steps:\n  - update_features: [ { feature_type: webinar }, { feature_type: large_meeting } ]\n")
				out := filepath.Join(e.dir, "run")
				if _, err := e.run(context.Background(), job, out, nil); err != nil {
					t.Fatal(err)
				}
				for _, line := range readResults(t, out) {
					em := line["Email"]
					if line["zb_status"] != tt.status[em] || !strings.Contains(line["zb_reason"], tt.reason[em]) || !strings.Contains(line["zb_hint"], tt.hint[em]) {
						t.Errorf("%s: %s (%q, hint %q), want %s (%q, hint %q)", em, line["zb_status"], line["zb_reason"], line["zb_hint"],
							tt.status[em], tt.reason[em], tt.hint[em])
					}
				}
				for em, want := range tt.large {
					if u, _ := e.srv.UserByEmail(em); u.Features["large_meeting"] != want {
						t.Errorf("%s: large_meeting %q, want %q", em, u.Features["large_meeting"], want)
					}
				}
			})
		})
	}
}
