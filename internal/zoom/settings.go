package zoom

import (
	"context"
	"net/http"
	"strings"
)

var epUpdateSettings = endpoint{method: http.MethodPatch, path: "/users/{userId}/settings", category: Medium, idempotent: true}

// Settings is the whole answer of Get user settings, as JSON decodes it:
// sections ("recording", "in_meeting", ...) holding leaves.
type Settings map[string]any

// Get reads one leaf by its dotted path ("recording.cloud_recording").
func (s Settings) Get(path string) (any, bool) {
	var cur any = map[string]any(s)
	for part := range strings.SplitSeq(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[part]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// GetSettings reads all of a user's settings (Get user settings, Medium).
func (c *Client) GetSettings(ctx context.Context, idOrEmail string) (Settings, error) {
	s := Settings{}
	if _, err := c.do(ctx, call{ep: epUserSettings, params: []string{idOrEmail}, out: &s}); err != nil {
		return nil, err
	}
	return s, nil
}

// SettingsPatch builds the body of Update user settings from dotted paths
// and their JSON values: {"recording": {"cloud_recording": true}}.
func SettingsPatch(values map[string]any) map[string]any {
	body := Settings{}
	for path, v := range values {
		body.Set(path, v)
	}
	return body
}

// Set writes a leaf by dotted path ("recording.cloud_recording"), making
// the sections on the way.
func (s Settings) Set(path string, v any) {
	m := map[string]any(s)
	parts := strings.Split(path, ".")
	for _, p := range parts[:len(parts)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	m[parts[len(parts)-1]] = v
}

// UpdateSettings patches a user's settings with only the given leaves,
// keyed by dotted path (Update user settings, PATCH, Medium).
func (c *Client) UpdateSettings(ctx context.Context, idOrEmail string, values map[string]any) error {
	_, err := c.do(ctx, call{ep: epUpdateSettings, params: []string{idOrEmail}, body: SettingsPatch(values)})
	return err
}
