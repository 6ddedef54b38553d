package zoom

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The users of a List users page are read by a scanner made for them: the
// standard decoder checks the whole array once (checkValid) before it
// decodes it, by reflection, allocating every repeated value (status,
// timezone, group IDs) anew, and it took half of the CPU an export spends
// on a user. The scanner reads the array in one pass, checks it as
// strictly as JSON requires, and hands whatever it does not read exactly
// as the standard decoder would (an escape in a string read, a key in
// another case, a number with a fraction for an integer, a type mismatch,
// malformed JSON) to the standard decoder: that page is then decoded, or
// refused, as before, only slower. A test holds the two to the same
// answers.

// scanUsers reads raw, a JSON array of users, each into the User slot
// gives it, and hands each one's object to done (when not nil); ok false
// says the standard decoder must read raw. With full false only the ID
// and email are read (the other members are checked, not kept).
func scanUsers(raw []byte, full bool, slot func() *User, done func(obj json.RawMessage)) (ok bool) {
	s := userScanner{b: raw}
	if full {
		s.intern = map[string]string{}
	}
	s.space()
	if !s.eat('[') {
		return false
	}
	s.space()
	if s.eat(']') {
		s.space()
		return s.i == len(s.b)
	}
	for {
		s.space()
		start := s.i
		if !s.user(slot(), full) {
			return false
		}
		if done != nil {
			done(json.RawMessage(raw[start:s.i]))
		}
		s.space()
		if s.eat(',') {
			continue
		}
		if !s.eat(']') {
			return false
		}
		s.space()
		return s.i == len(s.b)
	}
}

// userScanner walks a JSON text; each method moves past what it read and
// says false where the standard decoder must take over.
type userScanner struct {
	b []byte
	i int
	// intern holds the values of the page read so far, to share one copy
	// of each repeated one: a page's users mostly have the same status,
	// timezone, language and groups.
	intern map[string]string
}

func (s *userScanner) space() { s.i = skipSpace(s.b, s.i) }

func (s *userScanner) eat(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// user reads one object into u.
func (s *userScanner) user(u *User, full bool) bool {
	if !s.eat('{') {
		return false
	}
	s.space()
	if s.eat('}') {
		return true
	}
	for {
		s.space()
		k0, k1, plain := s.str()
		if k0 < 0 || !plain {
			return false
		}
		key := s.b[k0:k1]
		s.space()
		if !s.eat(':') {
			return false
		}
		s.space()
		if !s.member(u, key, full) {
			return false
		}
		s.space()
		if s.eat(',') {
			continue
		}
		return s.eat('}')
	}
}

// member reads the value of key into its field of u, or checks and skips
// it.
func (s *userScanner) member(u *User, key []byte, full bool) bool {
	if s.null() {
		// null leaves a string, number or time as it is and a list nil,
		// as the standard decoder does.
		switch string(key) {
		case "group_ids":
			u.GroupIDs = nil
		case "division_ids":
			u.DivisionIDs = nil
		}
		return knownOrUnlike(key)
	}
	switch string(key) {
	case "id":
		return s.text(&u.ID, false)
	case "email":
		return s.text(&u.Email, false)
	}
	if !full {
		return knownOrUnlike(key) && s.skip(0)
	}
	if read, ok := userFields[string(key)]; ok {
		return read(s, u)
	}
	return knownOrUnlike(key) && s.skip(0)
}

// userFields read the User fields a full listing carries besides id and
// email, by JSON key.
var userFields = map[string]func(s *userScanner, u *User) bool{
	"first_name":          func(s *userScanner, u *User) bool { return s.text(&u.FirstName, false) },
	"last_name":           func(s *userScanner, u *User) bool { return s.text(&u.LastName, false) },
	"display_name":        func(s *userScanner, u *User) bool { return s.text(&u.DisplayName, false) },
	"type":                func(s *userScanner, u *User) bool { return s.integer(func(n int64) { u.Type = int(n) }) },
	"status":              func(s *userScanner, u *User) bool { return s.text(&u.Status, true) },
	"role_id":             func(s *userScanner, u *User) bool { return s.text(&u.RoleID, true) },
	"role_name":           func(s *userScanner, u *User) bool { return s.text(&u.RoleName, true) },
	"dept":                func(s *userScanner, u *User) bool { return s.text(&u.Dept, true) },
	"job_title":           func(s *userScanner, u *User) bool { return s.text(&u.JobTitle, true) },
	"location":            func(s *userScanner, u *User) bool { return s.text(&u.Location, true) },
	"company":             func(s *userScanner, u *User) bool { return s.text(&u.Company, true) },
	"manager":             func(s *userScanner, u *User) bool { return s.text(&u.Manager, false) },
	"timezone":            func(s *userScanner, u *User) bool { return s.text(&u.Timezone, true) },
	"language":            func(s *userScanner, u *User) bool { return s.text(&u.Language, true) },
	"phone_number":        func(s *userScanner, u *User) bool { return s.text(&u.PhoneNumber, false) },
	"phone_country":       func(s *userScanner, u *User) bool { return s.text(&u.PhoneCountry, true) },
	"cost_center":         func(s *userScanner, u *User) bool { return s.text(&u.CostCenter, true) },
	"pronouns":            func(s *userScanner, u *User) bool { return s.text(&u.Pronouns, true) },
	"pmi":                 func(s *userScanner, u *User) bool { return s.integer(func(n int64) { u.PMI = n }) },
	"verified":            func(s *userScanner, u *User) bool { return s.integer(func(n int64) { u.Verified = int(n) }) },
	"group_ids":           func(s *userScanner, u *User) bool { return s.list(&u.GroupIDs) },
	"division_ids":        func(s *userScanner, u *User) bool { return s.list(&u.DivisionIDs) },
	"created_at":          func(s *userScanner, u *User) bool { return s.time(&u.CreatedAt) },
	"user_created_at":     func(s *userScanner, u *User) bool { return s.time(&u.UserCreatedAt) },
	"last_login_time":     func(s *userScanner, u *User) bool { return s.time(&u.LastLoginTime) },
	"last_client_version": func(s *userScanner, u *User) bool { return s.text(&u.LastClientVersion, true) },
	"plan_united_type":    func(s *userScanner, u *User) bool { return s.text(&u.PlanUnitedType, true) },
	"zoom_one_type":       func(s *userScanner, u *User) bool { return s.integer(func(n int64) { u.ZoomOneType = n }) },
}

// userKeys are the JSON names of User's fields.
var userKeys = func() []string {
	t := reflect.TypeFor[User]()
	keys := make([]string, t.NumField())
	for i := range keys {
		keys[i], _, _ = strings.Cut(t.Field(i).Tag.Get("json"), ",")
	}
	return keys
}()

// knownOrUnlike says whether the standard decoder would read key into
// the same field as the scanner (or none): it matches a key to a field in
// any case, and folds some non-ASCII letters into ASCII ones.
func knownOrUnlike(key []byte) bool {
	for _, c := range key {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	for _, k := range userKeys {
		if len(k) == len(key) && k != string(key) && strings.EqualFold(k, string(key)) {
			return false
		}
	}
	return true
}

// null reads a null.
func (s *userScanner) null() bool {
	if len(s.b)-s.i >= 4 && string(s.b[s.i:s.i+4]) == "null" {
		s.i += 4
		return true
	}
	return false
}

// str reads a string: the span of its content, and whether it holds no
// escape. k0 is -1 when there is no well-formed string.
func (s *userScanner) str() (k0, k1 int, plain bool) {
	if !s.eat('"') {
		return -1, -1, false
	}
	k0, plain = s.i, true
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return k0, s.i - 1, plain
		case c < 0x20:
			return -1, -1, false
		case c == '\\':
			plain = false
			s.i++
			if s.i >= len(s.b) {
				return -1, -1, false
			}
			switch s.b[s.i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i++
			case 'u':
				if len(s.b)-s.i < 5 {
					return -1, -1, false
				}
				for _, h := range s.b[s.i+1 : s.i+5] {
					if !isHex(h) {
						return -1, -1, false
					}
				}
				s.i += 5
			default:
				return -1, -1, false
			}
		default:
			s.i++
		}
	}
	return -1, -1, false
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// text reads a string into *dst: one without escapes and in valid UTF-8
// (the standard decoder replaces bad bytes). shared values are interned.
func (s *userScanner) text(dst *string, shared bool) bool {
	k0, k1, plain := s.str()
	if k0 < 0 || !plain || !utf8.Valid(s.b[k0:k1]) {
		return false
	}
	*dst = s.value(s.b[k0:k1], shared)
	return true
}

func (s *userScanner) value(b []byte, shared bool) string {
	if !shared || s.intern == nil {
		return string(b)
	}
	if v, ok := s.intern[string(b)]; ok {
		return v
	}
	v := string(b)
	if len(s.intern) < 4096 {
		s.intern[v] = v
	}
	return v
}

// list reads an array of strings into *dst ([] is an empty list, not nil,
// as the standard decoder makes it).
func (s *userScanner) list(dst *[]string) bool {
	if !s.eat('[') {
		return false
	}
	out := []string{}
	s.space()
	if s.eat(']') {
		*dst = out
		return true
	}
	for {
		s.space()
		var v string
		if !s.text(&v, true) {
			return false
		}
		out = append(out, v)
		s.space()
		if s.eat(',') {
			continue
		}
		if !s.eat(']') {
			return false
		}
		*dst = out
		return true
	}
}

// integer reads a number without fraction or exponent that fits 64 bits.
func (s *userScanner) integer(set func(int64)) bool {
	n0 := s.i
	if !s.number() {
		return false
	}
	n, err := strconv.ParseInt(string(s.b[n0:s.i]), 10, 64)
	if err != nil {
		return false
	}
	set(n)
	return true
}

// time reads a string with time.Time's own decoder, as the standard
// decoder does.
func (s *userScanner) time(dst interface{ UnmarshalJSON([]byte) error }) bool {
	v0 := s.i
	k0, _, plain := s.str()
	if k0 < 0 || !plain {
		return false
	}
	return dst.UnmarshalJSON(s.b[v0:s.i]) == nil
}

// number reads a JSON number; false, with s.i anywhere, when it is not
// one. Fractions and exponents are checked but make it no integer: the
// caller that needs one sees them with ParseInt.
func (s *userScanner) number() bool {
	s.eat('-')
	switch {
	case s.eat('0'):
	case s.i < len(s.b) && '1' <= s.b[s.i] && s.b[s.i] <= '9':
		s.digits()
	default:
		return false
	}
	if s.eat('.') {
		if !s.digits() {
			return false
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if !s.eat('+') {
			s.eat('-')
		}
		if !s.digits() {
			return false
		}
	}
	return true
}

func (s *userScanner) digits() bool {
	n0 := s.i
	for s.i < len(s.b) && '0' <= s.b[s.i] && s.b[s.i] <= '9' {
		s.i++
	}
	return s.i > n0
}

// skip checks and skips any value.
func (s *userScanner) skip(depth int) bool {
	if depth > 64 || s.i >= len(s.b) {
		return false
	}
	switch c := s.b[s.i]; {
	case c == '"':
		k0, _, _ := s.str()
		return k0 >= 0
	case c == '{':
		s.i++
		s.space()
		if s.eat('}') {
			return true
		}
		for {
			s.space()
			if k0, _, _ := s.str(); k0 < 0 {
				return false
			}
			s.space()
			if !s.eat(':') {
				return false
			}
			s.space()
			if !s.skip(depth + 1) {
				return false
			}
			s.space()
			if s.eat(',') {
				continue
			}
			return s.eat('}')
		}
	case c == '[':
		s.i++
		s.space()
		if s.eat(']') {
			return true
		}
		for {
			s.space()
			if !s.skip(depth + 1) {
				return false
			}
			s.space()
			if s.eat(',') {
				continue
			}
			return s.eat(']')
		}
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	default:
		return s.number()
	}
}

func (s *userScanner) literal(word string) bool {
	if len(s.b)-s.i >= len(word) && string(s.b[s.i:s.i+len(word)]) == word {
		s.i += len(word)
		return true
	}
	return false
}

// UserIdentity is one user of a page as told apart from the others: the
// ID, the email, and the user's object in the page.
type UserIdentity struct {
	ID, Email string
	Raw       json.RawMessage
}

// UserIdentities reads the ID and email of each user of a RawUsersPage's
// users, checking the JSON as DecodeUsers does, without decoding the rest.
func UserIdentities(raw json.RawMessage) ([]UserIdentity, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	// One User takes each user in turn: only its ID and email are read.
	var u User
	out := make([]UserIdentity, 0, bytes.Count(raw, []byte(`"email":`)))
	slot := func() *User { u = User{}; return &u }
	done := func(obj json.RawMessage) { out = append(out, UserIdentity{ID: u.ID, Email: u.Email, Raw: obj}) }
	if scanUsers(raw, false, slot, done) {
		return out, nil
	}
	var objs []json.RawMessage
	if err := json.Unmarshal(raw, &objs); err != nil {
		return nil, fmt.Errorf("zoom: %s: decoding the users: %w", epListUsers, err)
	}
	out = make([]UserIdentity, len(objs))
	for i, o := range objs {
		var who struct {
			ID    string `json:"id"`
			Email string `json:"email"`
		}
		if err := json.Unmarshal(o, &who); err != nil {
			return nil, fmt.Errorf("zoom: %s: decoding the users: %w", epListUsers, err)
		}
		out[i] = UserIdentity{ID: who.ID, Email: who.Email, Raw: o}
	}
	return out, nil
}
