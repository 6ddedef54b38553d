package sandbox

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// idGen hands out IDs and PMIs from a seeded PCG, so that the same options
// give the same IDs run after run.
type idGen struct{ r *rand.Rand }

func newIDGen(seed uint64) *idGen { return &idGen{r: rand.New(rand.NewPCG(seed, 0x7a6f6f6d2d696473))} }

// idAlphabet is base64url's: Zoom IDs are 22 such characters (16 bytes).
const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

func (g *idGen) id() string {
	var b [22]byte
	x, bits := g.r.Uint64(), 64
	for i := range b {
		if bits < 6 {
			x, bits = g.r.Uint64(), 64
		}
		b[i] = idAlphabet[x&63]
		x >>= 6
		bits -= 6
	}
	return string(b[:])
}

// pmi is a 10-digit personal meeting ID.
func (g *idGen) pmi() int64 { return 1_000_000_000 + g.r.Int64N(9_000_000_000) }

var (
	firstNames = []string{"James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
		"Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles",
		"Karen", "Daniel", "Lisa", "Matthew", "Nancy", "Anthony", "Betty", "Mark", "Sandra", "Donald", "Ashley",
		"Steven", "Kimberly", "Andrew", "Emily", "Paul", "Donna", "Joshua", "Michelle", "Kenneth", "Carol",
		"Kevin", "Amanda", "Brian", "Melissa", "Timothy", "Deborah", "Ronald", "Stephanie", "George", "Rebecca",
		"Jason", "Sharon", "Edward", "Laura", "Jeffrey", "Cynthia", "Ryan", "Amy", "Jacob", "Kathleen", "Nicholas",
		"Angela", "Eric", "Shirley", "Jonathan", "Emma", "Stephen", "Brenda", "Larry", "Pamela", "Justin", "Nicole",
		"Scott", "Anna", "Brandon", "Samantha", "Benjamin", "Katherine", "Samuel", "Christine", "Gregory", "Debra",
		"Alexander", "Rachel", "Patrick", "Carolyn", "Frank", "Janet", "Raymond", "Maria", "Jack", "Olivia",
		"Dennis", "Heather", "Jerry", "Helen", "Tyler", "Catherine", "Aaron", "Diane", "Priya", "Wei", "Hiroshi",
		"Fatima", "Mohammed", "Sofia", "Lucas", "Chloe", "Mateo", "Aisha", "Lars", "Ingrid", "Kwame", "Amara",
		"Diego", "Yuki", "Arjun", "Mei", "Omar", "Zara"}
	lastNames = []string{"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
		"Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson",
		"Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
		"Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green",
		"Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Gomez",
		"Phillips", "Evans", "Turner", "Diaz", "Parker", "Cruz", "Edwards", "Collins", "Reyes", "Stewart", "Morris",
		"Morales", "Murphy", "Cook", "Rogers", "Gutierrez", "Ortiz", "Morgan", "Cooper", "Peterson", "Bailey",
		"Reed", "Kelly", "Howard", "Ramos", "Kim", "Cox", "Ward", "Richardson", "Watson", "Brooks", "Chavez",
		"Wood", "James", "Bennett", "Gray", "Mendoza", "Ruiz", "Hughes", "Price", "Alvarez", "Castillo", "Sanders",
		"Patel", "Myers", "Long", "Ross", "Foster", "Jimenez", "Chen", "Wang", "Tanaka", "Sato", "Kumar", "Singh",
		"Okafor", "Mensah", "Schmidt", "Muller", "Dubois", "Rossi", "Larsen", "Novak", "Kowalski", "Silva"}
	depts     = []string{"Engineering", "Sales", "Support", "Marketing", "Finance", "HR", "Operations", "Legal", "Product", "IT"}
	jobTitles = []string{"Software Engineer", "Senior Software Engineer", "Engineering Manager", "Account Executive",
		"Sales Manager", "Support Specialist", "Support Lead", "Marketing Manager", "Content Strategist",
		"Financial Analyst", "Controller", "HR Generalist", "Recruiter", "Operations Manager", "Product Manager",
		"Designer", "Data Analyst", "IT Administrator", "Counsel", "Executive Assistant"}
	places = []struct{ location, timezone, language string }{
		{"New York", "America/New_York", "en-US"}, {"San Francisco", "America/Los_Angeles", "en-US"},
		{"Chicago", "America/Chicago", "en-US"}, {"Toronto", "America/Toronto", "en-US"},
		{"São Paulo", "America/Sao_Paulo", "pt-PT"}, {"London", "Europe/London", "en-US"},
		{"Paris", "Europe/Paris", "fr-FR"}, {"Berlin", "Europe/Berlin", "de-DE"}, {"Madrid", "Europe/Madrid", "es-ES"},
		{"Dubai", "Asia/Dubai", "en-US"}, {"Bangalore", "Asia/Kolkata", "en-US"}, {"Singapore", "Asia/Singapore", "en-US"},
		{"Tokyo", "Asia/Tokyo", "jp-JP"}, {"Sydney", "Australia/Sydney", "en-US"}, {"Remote", "UTC", "en-US"},
	}
)

// generate adds n realistic users: about 80% active, 12% inactive and 8%
// pending; mostly licensed or basic with some join-only; spread over the
// seeded groups and divisions (some in none); last logins over the past year
// with about 10% never. The same options always give the same users.
func (s *Server) generate(n int) {
	if n <= 0 {
		return
	}
	st := s.st
	r := rand.New(rand.NewPCG(uint64(n), 0x67656e2d75736572))
	now := s.now().UTC().Truncate(time.Second)
	width := max(4, len(strconv.Itoa(n)))
	st.users = append(make([]*user, 0, len(st.users)+n), st.users...)
	var sb strings.Builder
	for i := range n {
		first, last := firstNames[r.IntN(len(firstNames))], lastNames[r.IntN(len(lastNames))]
		sb.Reset()
		sb.WriteString(strings.ToLower(first))
		sb.WriteByte('.')
		sb.WriteString(strings.ToLower(last))
		num := strconv.Itoa(i + 1)
		for range width - len(num) {
			sb.WriteByte('0')
		}
		sb.WriteString(num)
		sb.WriteString("@example.com")
		email := sb.String()
		if st.byEmail[email] != nil {
			continue // a seeded user already has it
		}
		place := places[r.IntN(len(places))]
		u := &user{User: User{
			ID: st.newID(), Email: email, FirstName: first, LastName: last, DisplayName: first + " " + last,
			Role: "member", Dept: depts[r.IntN(len(depts))], JobTitle: jobTitles[r.IntN(len(jobTitles))],
			Location: place.location, Timezone: place.timezone, Language: place.language,
			Company: st.accountName, PMI: st.ids.pmi(),
		}}
		switch p := r.Float64(); {
		case p < 0.80:
			u.Status = "active"
		case p < 0.92:
			u.Status = "inactive"
		default:
			u.Status = "pending"
		}
		switch p := r.Float64(); {
		case p < 0.55 && !s.seatsFull():
			u.Type = 2
		case p < 0.93:
			u.Type = 1
		default:
			u.Type = 4
		}
		if ng := len(st.groups); ng > 0 {
			switch p := r.Float64(); {
			case p < 0.10: // in no group
			case p < 0.15 && ng > 1:
				a := r.IntN(ng)
				b := (a + 1 + r.IntN(ng-1)) % ng
				u.GroupIDs = []string{st.groups[a].id, st.groups[b].id}
			default:
				u.GroupIDs = []string{st.groups[r.IntN(ng)].id}
			}
		}
		if nd := len(st.divisions); nd > 1 && r.Float64() >= 0.2 {
			u.DivisionID = st.divisions[r.IntN(nd)].id
		}
		u.CreatedAt = now.Add(-time.Duration(30+r.IntN(5*365)) * 24 * time.Hour).Add(-time.Duration(r.IntN(86400)) * time.Second)
		if u.Status != "pending" && r.Float64() >= 0.10 {
			since := min(now.Sub(u.CreatedAt), 365*24*time.Hour)
			u.LastLoginTime = now.Add(-time.Duration(r.Int64N(int64(since/time.Second))) * time.Second)
		}
		if u.Type == 2 {
			switch p := r.Float64(); {
			case p < 0.04:
				u.Features = map[string]string{"webinar": []string{"1", "64"}[r.IntN(2)]}
			case p < 0.07:
				u.Features = map[string]string{"large_meeting": []string{"32", "128"}[r.IntN(2)]}
			}
		}
		st.addUser(u)
		for _, gid := range u.GroupIDs {
			st.groupByID[gid].members[u.ID] = struct{}{}
		}
	}
}
