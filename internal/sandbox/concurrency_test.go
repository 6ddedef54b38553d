package sandbox

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestConcurrentUse hammers one sandbox from several goroutines with writes,
// reads, inspection and faults; run with -race it checks the locking.
func TestConcurrentUse(t *testing.T) {
	s := newTestServer(t, Options{Seed: seedSmall(), Users: 200, FeaturesInterval: time.Millisecond,
		Faults: Faults{Seed: 9, ServerError: 0.05, Reset: 0.02, LostAnswer: 0.02, HTML429: 0.02}})
	c := newClient(t, s)
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Go(func() {
			for i := range 40 {
				email := fmt.Sprintf("w%d-%d@c.example", w, i)
				switch i % 6 {
				case 0:
					c.send("POST", "/users", createBody("autoCreate", email, 1+i%2))
				case 1:
					c.send("GET", "/users?page_size=50", nil)
				case 2:
					c.send("PATCH", "/groups/grp-sales/members/u-bob", map[string]string{"action": "move", "target_group_id": "grp-eng"})
					c.send("PATCH", "/groups/grp-eng/members/u-bob", map[string]string{"action": "move", "target_group_id": "grp-sales"})
				case 3:
					c.send("POST", "/users/features", map[string]any{"feature_type": "webinar", "feature_value": "1",
						"users": []map[string]string{{"email": fmt.Sprintf("w%d-%d@c.example", w, i-3)}}})
				case 4:
					c.send("POST", "/divisions/div-emea/users", map[string]any{"users": []map[string]string{{"user_email": fmt.Sprintf("w%d-%d@c.example", w, i-4)}}})
					s.Users()
					s.Groups()
				case 5:
					c.send("DELETE", fmt.Sprintf("/users/w%d-%d@c.example", w, i-5), nil)
					s.Stats()
				}
			}
		})
	}
	wg.Wait()
	s.SetFaults(Faults{})
	// The account is consistent: every group member exists and division
	// counts add up.
	users := s.Users()
	byID := map[string]User{}
	for _, u := range users {
		byID[u.ID] = u
	}
	for _, g := range s.Groups() {
		for _, id := range g.MemberIDs {
			if _, ok := byID[id]; !ok {
				t.Fatalf("group %s holds unknown user %s", g.Name, id)
			}
		}
	}
	var list struct {
		Divisions []divisionJSON `json:"divisions"`
	}
	c.ok("GET", "/divisions", nil, 200, &list)
	total := 0
	for _, d := range list.Divisions {
		total += *d.TotalMembers
	}
	if total != len(users) {
		t.Fatalf("division counts add up to %d, want %d", total, len(users))
	}
}
