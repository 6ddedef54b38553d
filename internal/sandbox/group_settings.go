package sandbox

import (
	"net/http"
	"slices"
	"strings"

	"github.com/zoombulk/zoombulk/internal/mapping"
)

// groupSettingSections are the sections of Get a group's settings; a
// group starts with a new user's values of them.
var groupSettingSections = []string{"audio_conferencing", "email_notification", "in_meeting", "other_options",
	"profile", "recording", "schedule_meeting", "telephony", "chat"}

// lockSections are the sections of Get locked settings.
var lockSections = []string{"audio_conferencing", "email_notification", "in_meeting", "other_options",
	"recording", "schedule_meeting", "telephony"}

// groupSettingsOf is a group's settings as Get a group's settings answers
// them: the defaults and what PATCH changed.
func groupSettingsOf(g *group) map[string]any {
	all := defaultSettings()
	out := map[string]any{}
	for _, sec := range groupSettingSections {
		if m, ok := all[sec].(map[string]any); ok {
			out[sec] = m
		} else {
			out[sec] = map[string]any{}
		}
	}
	mergeInto(out, g.settings)
	return out
}

// groupLocksOf is a group's locked settings: every lock the reference
// lists starts unlocked (false).
func groupLocksOf(g *group) map[string]any {
	out := map[string]any{}
	for _, sec := range lockSections {
		out[sec] = map[string]any{}
	}
	for _, f := range mapping.Locks() {
		sec, key, _ := strings.Cut(f.LockPath(), ".")
		if m, ok := out[sec].(map[string]any); ok {
			m[key] = false
		}
	}
	mergeInto(out, g.locks)
	return out
}

var groupSettingOptions = []string{"meeting_authentication", "recording_authentication", "meeting_security"}

// GET /groups/{groupId}/settings
func (s *Server) groupSettings(c *call) response {
	g, bad := s.groupParam(c)
	if bad != nil {
		return *bad
	}
	if opt := c.query.Get("option"); opt != "" && !slices.Contains(groupSettingOptions, opt) {
		return invalid("option", "must be one of "+strings.Join(groupSettingOptions, ", "))
	}
	return reply(http.StatusOK, withVB(groupSettingsOf(g), g.vbFiles))
}

// PATCH /groups/{groupId}/settings: a partial, nested update, checked as
// a user's is before anything is stored.
func (s *Server) updateGroupSettings(c *call) response {
	return s.patchGroup(c, groupSettingsOf, checkSettings, func(g *group) *map[string]any { return &g.settings })
}

// GET /groups/{groupId}/lock_settings
func (s *Server) groupLockSettings(c *call) response {
	g, bad := s.groupParam(c)
	if bad != nil {
		return *bad
	}
	if opt := c.query.Get("option"); opt != "" && opt != "meeting_security" {
		return invalid("option", "must be meeting_security")
	}
	return reply(http.StatusOK, groupLocksOf(g))
}

// PATCH /groups/{groupId}/lock_settings
func (s *Server) updateGroupLockSettings(c *call) response {
	return s.patchGroup(c, groupLocksOf, checkLocks, func(g *group) *map[string]any { return &g.locks })
}

// checkLocks checks a lock_settings body: sections are objects and every
// known lock is a boolean (a lock has no value list of its own, even where
// the setting it locks has one).
func checkLocks(b, known map[string]any, _ string) *response {
	for sec, v := range b {
		cur, ok := known[sec].(map[string]any)
		if !ok {
			r := invalid(sec, "is not a locked settings section")
			return &r
		}
		vs, ok := v.(map[string]any)
		if !ok {
			r := invalid(sec, "has the wrong type: want an object")
			return &r
		}
		for k, lv := range vs {
			if _, known := cur[k]; !known {
				continue
			}
			if _, isBool := lv.(bool); !isBool {
				r := invalid(sec+"."+k, "has the wrong type: want a boolean")
				return &r
			}
		}
	}
	return nil
}

func (s *Server) patchGroup(c *call, current func(*group) map[string]any, check func(b, known map[string]any, path string) *response, store func(*group) *map[string]any) response {
	g, bad := s.groupParam(c)
	if bad != nil {
		return *bad
	}
	var b map[string]any
	if bad := decodeBody(c, &b); bad != nil {
		return *bad
	}
	if len(b) == 0 {
		return fail(http.StatusBadRequest, 300, "Request Body should be a valid JSON object.")
	}
	if r := check(b, current(g), ""); r != nil {
		return *r
	}
	m := store(g)
	if *m == nil {
		*m = map[string]any{}
	}
	mergeInto(*m, b)
	return reply(http.StatusNoContent, nil)
}
