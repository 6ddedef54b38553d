package fuzzy

import (
	"reflect"
	"testing"
)

func TestDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "", 3}, {"kitten", "sitting", 3}, {"Sales", "sales", 0}, {"José", "Jose", 1},
	} {
		if got := Distance(tc.a, tc.b); got != tc.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestClosest(t *testing.T) {
	names := []string{"Engineering", "Sales", "Support", "Marketing", "Finance"}
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"Enginering", []string{"Engineering"}},
		{"sale", []string{"Sales"}},
		{"Legal", nil},
		{"", nil},
	} {
		if got := Closest(tc.in, names, 3); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Closest(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestLookAlike(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"Sales", "Saless", true},
		{"Sales", "Ѕales", true},         // Cyrillic DZE
		{"Sales", "sales ", true},        // trailing space, other case
		{"Marketing", "Маrkеting", true}, // Cyrillic а and е: 2 edits, same skeleton
		{"Sales", "Ｓａｌｅｓ", true},         // full-width: NFKC
		{"Support", "Suppοrt", true},     // Greek omicron
		{"Sales", "Sales EMEA", false},
		{"Sales", "Support", false},
		{"HR", "IT", false}, // two edits that change every letter
		{"Engineering", "Enginering", true},
		{"Legal", "Finance", false},
		{"Team 001", "Team 002", false}, // a numbered series
		{"Team 10", "Team 1O", true},    // a letter O among the digits
	} {
		if got := LookAlike(tc.a, tc.b); got != tc.want {
			t.Errorf("LookAlike(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestSkeleton(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Ѕales", "sales"},
		{"  Sales   EMEA ", "sales emea"},
		{"ΑΒΕ", "abe"}, // Greek capitals fold to α β ε
		{"Ｓａｌｅｓ", "sales"},
	} {
		if got := Skeleton(tc.in); got != tc.want {
			t.Errorf("Skeleton(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// A run compares each new name with every name of the account: 100 new
// names against Zoom's 5,000 groups must stay a small part of a plan.
func BenchmarkLooksLike(b *testing.B) {
	var names []Name
	for i := range 5000 {
		names = append(names, NewName("Group "+string(rune('A'+i%26))+string(rune('a'+i/26%26))+" Team"))
	}
	me := NewName("Platform")
	b.ResetTimer()
	for range b.N {
		for _, n := range names {
			me.LooksLike(n)
		}
	}
}
