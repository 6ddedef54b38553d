package zoom_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/zoombulk/zoombulk/internal/zoom"
	"github.com/zoombulk/zoombulk/internal/zoom/apispec"
)

// The client's batch sizes are Zoom's documented maxima: one item more and
// Zoom refuses the whole call (12 group admins in one call failed every row
// with "Invalid field"). The OpenAPI file's maxItems is the authority where
// it has the operation; the text reference where the file has none
// (divisions, contact group members).
func TestBatchSizesAreZoomMaxima(t *testing.T) {
	raw, err := os.ReadFile(apispec.File(t, apispec.SpecName))
	if err != nil {
		t.Fatal(err)
	}
	var spec struct {
		Paths map[string]map[string]struct {
			RequestBody struct {
				Content map[string]struct {
					Schema struct {
						Properties map[string]struct {
							Type     string `json:"type"`
							MaxItems *int   `json:"maxItems"`
						} `json:"properties"`
					} `json:"schema"`
				} `json:"content"`
			} `json:"requestBody"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(raw, &spec); err != nil {
		t.Fatal(err)
	}
	maxItems := func(method, path, prop string) (int, bool) {
		for _, c := range spec.Paths[path][method].RequestBody.Content {
			if p, ok := c.Schema.Properties[prop]; ok && p.MaxItems != nil {
				return *p.MaxItems, true
			}
		}
		return 0, false
	}
	// Every list the tool sends in one call, with the constant that sizes it.
	sent := map[string]int{
		"post /groups/{groupId}/admins admins":       zoom.MaxGroupAdminsAdd,
		"post /groups/{groupId}/members members":     zoom.MaxGroupMembersAdd,
		"post /users/features users":                 zoom.MaxFeatureUsers,
		"post /users/{userId}/assistants assistants": zoom.MaxAssistantsAdd,
	}
	for key, got := range sent {
		f := strings.Fields(key)
		want, ok := maxItems(f[0], f[1], f[2])
		if !ok {
			t.Errorf("%s: the OpenAPI file gives no maxItems", key)
			continue
		}
		if got != want {
			t.Errorf("%s: the tool sends up to %d, Zoom's OpenAPI file allows %d", key, got, want)
		}
	}
	// Every request-body list with a maxItems that the tool does not send in
	// batches must be named here, so that a new batching step cannot miss
	// its limit. PATCH /users/{userId} lists go one user at a time and the
	// tool sends neither; settings lists are sent whole, as read.
	notBatched := map[string]bool{
		"patch /users/{userId} custom_attributes": true,
		"patch /users/{userId} phone_numbers":     true,
	}
	for path, ops := range spec.Paths {
		for method, op := range ops {
			for _, c := range op.RequestBody.Content {
				for prop, p := range c.Schema.Properties {
					key := method + " " + path + " " + prop
					if p.Type != "array" || p.MaxItems == nil || notBatched[key] {
						continue
					}
					if _, ok := sent[key]; !ok {
						t.Errorf("%s: maxItems %d, but no batch size of the tool is checked against it", key, *p.MaxItems)
					}
				}
			}
		}
	}

	ref, err := os.ReadFile(apispec.File(t, apispec.ReferenceName))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		got  int
		text string // the reference's sentence, with the number
	}{
		{"division users", zoom.MaxDivisionAssign, "Up to 30 users can be assigned a division at once"},
		{"contact group users", zoom.MaxContactUsersAdd, "The maximum number of user member per request is 50"},
		{"contact group groups", zoom.MaxContactGroupsAdd, "The maximum number of group member per request is 3"},
		{"contact group removals", zoom.MaxContactMembersDrop, "The maximum number of memberId is 20"},
	} {
		if !strings.Contains(string(ref), tc.text) {
			t.Errorf("%s: the reference no longer says %q: check the limit", tc.name, tc.text)
			continue
		}
		if n := lastNumber(tc.text); n != tc.got {
			t.Errorf("%s: the tool sends up to %d, the reference says %d", tc.name, tc.got, n)
		}
	}
}

func lastNumber(s string) int {
	n, seen := 0, false
	for _, w := range strings.Fields(s) {
		v := 0
		ok := w != ""
		for _, r := range w {
			if r < '0' || r > '9' {
				ok = false
				break
			}
			v = v*10 + int(r-'0')
		}
		if ok {
			n, seen = v, true
		}
	}
	if !seen {
		return -1
	}
	return n
}
