package sandbox

import (
	"fmt"
	"testing"
)

// Bulk update features answers per user: the users it could not update
// are grouped by reason, one fail_details entry per reason listing every
// user (by id, or by the email sent for a user it could not find), and a
// body that is not JSON is refused before anything changes.
func TestBulkFeaturesAnswers(t *testing.T) {
	type answer struct {
		Success []string     `json:"success_user_ids"`
		Fail    []failDetail `json:"fail_details"`
	}
	tests := []struct {
		name      string
		body      any
		wantCode  int // a refused request's error code; 0 when it answers 201
		wantOK    string
		wantFail  string
		wantTypes map[string]int
	}{
		{name: "not JSON", body: "{not json", wantCode: 300, wantTypes: map[string]int{"bob@test.example": 1}},
		{
			name: "unknown users share one reason",
			body: map[string]any{"feature_type": "user_type", "feature_value": "2", "users": []map[string]string{
				{"id": "u-nobody"}, {"email": "BOB@test.example"}, {"email": "ghost@test.example"}, {"id": "u-ann"}}},
			wantOK:    "[u-bob]",
			wantFail:  "[{Users not found [u-nobody ghost@test.example]} {No need to update [u-ann]}]",
			wantTypes: map[string]int{"bob@test.example": 2, "ann@test.example": 2},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t, Options{NoRateLimits: true, Seed: seedSmall(), FeaturesInterval: -1})
			c := newClient(t, s)
			if tt.wantCode != 0 {
				wantErr(t, c.do("POST", "/users/features", tt.body), 400, tt.wantCode, "")
			} else {
				var a answer
				c.ok("POST", "/users/features", tt.body, 201, &a)
				if got := fmt.Sprint(a.Success); got != tt.wantOK {
					t.Errorf("success %s, want %s", got, tt.wantOK)
				}
				if got := fmt.Sprint(a.Fail); got != tt.wantFail {
					t.Errorf("fail_details %s, want %s", got, tt.wantFail)
				}
			}
			for email, want := range tt.wantTypes {
				if u, _ := s.UserByEmail(email); u.Type != want {
					t.Errorf("%s: type %d, want %d", email, u.Type, want)
				}
			}
		})
	}
}
