package sandbox

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const sampleSeed = "../../samples/sandbox-seed.yaml"

func TestLoadSampleSeed(t *testing.T) {
	sd, err := LoadSeed(sampleSeed)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Options{Seed: sd})
	if err != nil {
		t.Fatal(err)
	}
	users := s.Users()
	if len(users) < 20 || len(users) > 30 {
		t.Fatalf("%d users", len(users))
	}
	if s.opts.AccountID != "acme-sandbox" {
		t.Errorf("account id %q", s.opts.AccountID)
	}
	roles, statuses, types := map[string]int{}, map[string]int{}, map[int]int{}
	formula := false
	for _, u := range users {
		roles[u.Role]++
		statuses[u.Status]++
		types[u.Type]++
		formula = formula || strings.HasPrefix(u.FirstName, "=")
	}
	if roles["owner"] != 1 || roles["admin"] != 1 || statuses["pending"] == 0 || statuses["inactive"] == 0 || types[4] == 0 || !formula {
		t.Errorf("roles %v statuses %v types %v formula %v", roles, statuses, types, formula)
	}
	if g := s.Groups(); len(g) != 7 || g[0].Name != "Engineering" || len(g[0].MemberIDs) == 0 {
		t.Errorf("groups %+v", g)
	}
	divs := s.Divisions()
	if len(divs) != 4 || !divs[0].Main || divs[0].Name != "Main Division" {
		t.Errorf("divisions %+v", divs)
	}
	if cg := s.ContactGroups(); len(cg) != 2 || len(cg[1].MemberIDs) != 4 {
		t.Errorf("contact groups %+v", cg)
	}
	owner, ok := s.UserByEmail("OLIVIA.OWNER@acme.example")
	if !ok || owner.Features["webinar"] != "1" || owner.CreatedAt != time.Date(2021, 1, 5, 0, 0, 0, 0, time.UTC) {
		t.Errorf("owner %+v", owner)
	}
}

func TestLoadSeedErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"unknown key", "users:\n  - { email: a@b.example, fist_name: A }\n", []string{"bad.yaml", "line 2", `unknown key "fist_name"`, "users"}},
		{"unknown top key", "acount: { id: x }\n", []string{"bad.yaml", `unknown key "acount"`}},
		{"unknown group", "groups: [{name: Eng}]\nusers:\n  - { email: a@b.example, groups: [Engineering] }\n", []string{"bad.yaml", "users[0]", "groups[0]", `unknown group "Engineering"`}},
		{"unknown division", "users:\n  - { email: a@b.example, division: Mars }\n", []string{"users[0]", "division", "Mars"}},
		{"bad email", "users:\n  - { email: not-an-email }\n", []string{"users[0]", "email"}},
		{"duplicate email", "users:\n  - { email: a@b.example }\n  - { email: A@b.example }\n", []string{"users[1]", "used twice"}},
		{"bad type", "users:\n  - { email: a@b.example, type: 3 }\n", []string{"users[0]", "type"}},
		{"bad role", "users:\n  - { email: a@b.example, role: boss }\n", []string{"role", "boss"}},
		{"bad date", "users:\n  - { email: a@b.example, created: yesterday }\n", []string{"created", "yesterday"}},
		{"bad feature", "users:\n  - { email: a@b.example, features: { webinar: \"7\" } }\n", []string{"features.webinar"}},
		{"two mains", "divisions: [{name: A, main: true}, {name: B, main: true}]\n", []string{"divisions", "main"}},
		{"two owners", "users:\n  - { email: a@b.example, role: owner }\n  - { email: c@b.example, role: owner }\n", []string{"owner"}},
		{"contact member", "contact_groups: [{name: X, members: [ghost@b.example]}]\n", []string{"contact_groups[0].members[0]", "ghost"}},
		{"seats", "licensed_seats: 1\nusers:\n  - { email: a@b.example, type: 2 }\n  - { email: c@b.example, type: 2 }\n", []string{"licensed_seats"}},
		{"wrong shape", "users: { email: a@b.example }\n", []string{"bad.yaml", "line 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, "bad.yaml")
			if err := os.WriteFile(path, []byte(tt.yaml), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := LoadSeed(path)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
	if _, err := LoadSeed(filepath.Join(dir, "missing.yaml")); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("missing file: %v", err)
	}
}

func TestSeedDefaults(t *testing.T) {
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	users, divs := s.Users(), s.Divisions()
	if len(users) != 1 || users[0].Role != "owner" || users[0].Status != "active" {
		t.Fatalf("users %+v", users)
	}
	if len(divs) != 1 || !divs[0].Main || divs[0].Name != "Main Division" || users[0].DivisionID != divs[0].ID {
		t.Fatalf("divisions %+v", divs)
	}
	// A YAML integer feature value reads as its text.
	path := filepath.Join(t.TempDir(), "s.yaml")
	os.WriteFile(path, []byte("users:\n  - { email: a@b.example, type: 2, features: { webinar: 1, zoom_whiteboard: true } }\n"), 0o644)
	sd, err := LoadSeed(path)
	if err != nil {
		t.Fatal(err)
	}
	if f := sd.Users[0].Features; f["webinar"] != "1" || f["zoom_whiteboard"] != "true" {
		t.Fatalf("features %v", f)
	}
}

func TestGenerate(t *testing.T) {
	opts := Options{Seed: seedSmall(), Users: 5000, Now: newFakeClock().Now}
	a, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := New(opts)
	ua, ub := a.Users(), b.Users()
	if len(ua) != 5006 || len(ub) != len(ua) {
		t.Fatalf("%d users", len(ua))
	}
	emails := map[string]bool{}
	statuses, types := map[string]int{}, map[int]int{}
	noGroup, never, inEMEA := 0, 0, 0
	for i := range ua {
		if ua[i].ID != ub[i].ID || ua[i].Email != ub[i].Email || len(ua[i].ID) < 22 && i >= 6 {
			t.Fatalf("user %d differs or has a short ID: %+v %+v", i, ua[i], ub[i])
		}
		if emails[ua[i].Email] {
			t.Fatalf("duplicate email %s", ua[i].Email)
		}
		emails[ua[i].Email] = true
		statuses[ua[i].Status]++
		types[ua[i].Type]++
		if len(ua[i].GroupIDs) == 0 {
			noGroup++
		}
		if ua[i].LastLoginTime.IsZero() {
			never++
		}
		if ua[i].DivisionID == "div-emea" {
			inEMEA++
		}
	}
	near := func(got int, frac float64) bool {
		want := frac * 5000
		return float64(got) > want*0.8 && float64(got) < want*1.2
	}
	if !near(statuses["active"], 0.80) || !near(statuses["inactive"], 0.12) || !near(statuses["pending"], 0.08) {
		t.Errorf("statuses %v", statuses)
	}
	if types[4] == 0 || types[1] < 1000 || types[2] < 1000 {
		t.Errorf("types %v", types)
	}
	if noGroup < 300 || never < 600 || inEMEA < 1000 {
		t.Errorf("no group %d, never logged in %d, in EMEA %d", noGroup, never, inEMEA)
	}
}

func TestGenerateLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	start := time.Now()
	s, err := New(Options{Users: 100_000, NoRateLimits: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("generated 100,000 users in %v", time.Since(start))
	c := newClient(t, startServer(t, s))
	if raceEnabled {
		// One page shows the listing works at this size; walking all of them
		// is the benchmark's job (and ten times slower under -race).
		var p userPage
		c.ok("GET", "/users?page_size=2000", nil, 200, &p)
		if len(p.Users) != 2000 || p.TotalRecords < 75_000 || p.NextPageToken == "" {
			t.Fatalf("first page: %d users of %d", len(p.Users), p.TotalRecords)
		}
		return
	}
	start = time.Now()
	seen := listAll(t, c)
	t.Logf("listed %d active users in %v", seen, time.Since(start))
	if seen < 75_000 {
		t.Fatalf("listed %d", seen)
	}
}

// listAll walks GET /users 2,000 at a time and counts the users.
func listAll(t testing.TB, c *client) int {
	seen, tok := 0, ""
	for {
		var p struct {
			NextPageToken string `json:"next_page_token"`
			Users         []struct {
				Email string `json:"email"`
			} `json:"users"`
		}
		c.ok("GET", "/users?page_size=2000&next_page_token="+tok, nil, 200, &p)
		seen += len(p.Users)
		if tok = p.NextPageToken; tok == "" {
			return seen
		}
	}
}

func BenchmarkGenerate100k(b *testing.B) {
	for b.Loop() {
		if _, err := New(Options{Users: 100_000}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkListUsers100k(b *testing.B) {
	s, err := New(Options{Users: 100_000, NoRateLimits: true})
	if err != nil {
		b.Fatal(err)
	}
	if err := s.listen("127.0.0.1:0"); err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	c := newClient(b, s)
	for b.Loop() {
		listAll(b, c)
	}
}

// startServer serves an already built sandbox on loopback for a test.
func startServer(t testing.TB, s *Server) *Server {
	t.Helper()
	if err := s.listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}
