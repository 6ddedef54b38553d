package mapping

import (
	"slices"
	"strings"
	"testing"

	"github.com/zoombulk/zoombulk/internal/fuzzy"
)

func TestCatalogueShape(t *testing.T) {
	cat := Catalogue()
	seen := map[string]bool{}
	lastTarget := Key
	order := []Target{Key, Profile, Status, Group, Division, Feature, Subscription, TransferEmail, Password, NewEmail, Picture,
		ContactGroup, Member, Description, Privacy, Assistants, RenameFrom, VirtualBackground}
	rank := func(tg Target) int { return slices.Index(order, tg) }
	for _, f := range cat {
		if seen[f.Name] {
			t.Errorf("%s listed twice", f.Name)
		}
		seen[f.Name] = true
		if f.Name != strings.ToLower(f.Name) || strings.ContainsAny(f.Name, " -") {
			t.Errorf("%s: names are lower-case API names", f.Name)
		}
		if rank(f.Target) < rank(lastTarget) {
			t.Errorf("%s: catalogue out of order (target %d after %d)", f.Name, f.Target, lastTarget)
		}
		lastTarget = f.Target
		if f.Doc == "" || len(f.Doc) > 160 {
			t.Errorf("%s: Doc should be one short line, got %q", f.Name, f.Doc)
		}
		if f.Kind == Enum || f.Kind == Bool {
			if len(f.Allowed) == 0 {
				t.Errorf("%s: enum without Allowed", f.Name)
			}
			for k, v := range f.Aliases {
				if k != strings.ToLower(k) {
					t.Errorf("%s: alias %q should be lower-case", f.Name, k)
				}
				if !slices.Contains(f.Allowed, v) {
					t.Errorf("%s: alias %q -> %q, not an allowed value", f.Name, k, v)
				}
				for _, a := range f.Allowed {
					if strings.EqualFold(a, k) {
						t.Errorf("%s: alias %q is ambiguous with the code %q", f.Name, k, a)
					}
				}
			}
		} else if len(f.Allowed) > 0 || len(f.Aliases) > 0 {
			t.Errorf("%s: only enums have Allowed/Aliases", f.Name)
		}
		if f.Target == Feature && f.Kind != Enum && f.Kind != Bool {
			t.Errorf("%s: features are enums or bools", f.Name)
		}
		got, ok := Lookup(f.Name)
		if !ok || got.Name != f.Name {
			t.Errorf("Lookup(%q) = %v, %v", f.Name, got.Name, ok)
		}
	}
	if _, ok := Lookup("First_Name"); ok {
		t.Error("Lookup is exact")
	}
	var listing []string
	for _, f := range cat {
		if f.Listed() {
			listing = append(listing, f.Name)
		}
	}
	slices.Sort(listing)
	want := []string{"dept", "display_name", "division", "email", "first_name", "group", "id", "last_name", "pmi", "status", "timezone", "type"}
	if !slices.Equal(listing, want) {
		t.Errorf("listed fields = %v, want %v", listing, want)
	}
}

// The feature values are exactly the reference's (Bulk update features for
// users, feature_value).
func TestFeatureValues(t *testing.T) {
	want := map[string][]string{
		"user_type":                {"1", "2"},
		"concurrent_meeting":       {"Basic", "Plus", "None"},
		"large_meeting":            {"1", "32", "64", "128", "256", "1024", "2048", "0"},
		"webinar":                  {"16", "1", "64", "128", "256", "512", "1024", "2048", "4096", "8192", "16384", "32768", "0"},
		"zoom_events":              {"500", "1000", "3000", "5000", "10000", "20000", "30000", "50000", "0"},
		"zoom_whiteboard":          {"true", "false"},
		"zoom_revenue_accelerator": {"true", "false"},
		"zoom_clips_plus":          {"true", "false"},
		"plan_united_type":         {"1", "2", "4", "8", "16", "32", "64", "128", "256", "512", "1024", "2048", "4096", "8192", "16384", "32768", "65536", "131072", "0"},
	}
	n := 0
	for _, f := range Catalogue() {
		if f.Target != Feature {
			continue
		}
		n++
		if w, ok := want[f.Name]; ok && !slices.Equal(f.Allowed, w) {
			t.Errorf("%s: Allowed = %v, want %v", f.Name, f.Allowed, w)
		}
	}
	if n != 10 {
		t.Errorf("%d feature fields, want 10", n)
	}
	z, _ := Lookup("zoom_one_type")
	if len(z.Allowed) != 25 || !slices.Contains(z.Allowed, "72057594037927936") || !slices.Contains(z.Allowed, "0") {
		t.Errorf("zoom_one_type: %v", z.Allowed)
	}
	if v, p := z.Canonical("72057594037927940"); p != nil || v != "72057594037927936" {
		t.Errorf("rounded zoom_one_type code: %q %v", v, p)
	}
}

func TestSuggest(t *testing.T) {
	for in, want := range map[string]string{
		"firstname":   "first_name",
		"First Name":  "first_name",
		"last-name":   "last_name",
		"webinars":    "webinar",
		"emial":       "email",
		"departement": "",
		"divison":     "division",
		"subscript":   "subscription_id",
		"zz":          "",
		"":            "",
	} {
		if got := Suggest(in); got != want {
			t.Errorf("Suggest(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestClosest(t *testing.T) {
	keys := []string{"action", "if_exists"}
	for in, want := range map[string]string{"if_exist": "if_exists", "IfExists": "if_exists", "acton": "action", "mode": "", "act": "action"} {
		if got := fuzzy.Key(in, keys); got != want {
			t.Errorf("fuzzy.Key(%q) = %q, want %q", in, got, want)
		}
	}
}
