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
