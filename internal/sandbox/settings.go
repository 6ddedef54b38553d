package sandbox

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// defaultSettings are a new user's settings (Get user settings), every
// section the reference documents, with the values a new licensed user of a
// business account starts with. Users hold only what PATCH
// /users/{userId}/settings changed (overrides); an answer is these defaults,
// the feature section derived from the user's features, and the overrides
// merged in, so 100,000 users cost nothing until their settings change.
//
// Each leaf's JSON type is the schema's; a PATCH that gives a known leaf a
// value of another type is refused with 300, as Zoom does.
func defaultSettings() map[string]any {
	return map[string]any{
		"audio_conferencing": map[string]any{
			"toll_free_and_fee_based_toll_call": map[string]any{"enable": false, "allow_webinar_attendees_dial": false, "numbers": []any{}},
		},
		"email_notification": map[string]any{
			"alternative_host_reminder": true, "cancel_meeting_reminder": true, "cloud_recording_available_reminder": true,
			"jbh_reminder": true, "recording_available_reminder_alternative_hosts": false,
			"recording_available_reminder_schedulers": true, "schedule_for_reminder": true,
		},
		"in_meeting": map[string]any{
			"allow_host_to_enable_focus_mode": true, "allow_users_to_delete_messages_in_meeting_chat": true,
			"allow_live_streaming": false, "post_meeting_feedback": false, "whiteboard": true,
			"allow_participants_chat_with": 4, "allow_users_save_chats": 2, "annotation": true,
			"attendee_on_hold": false, "attention_mode_focus_mode": false, "auto_saving_chat": false,
			"breakout_room": true, "breakout_room_schedule": false, "chat": true, "meeting_question_answer": false,
			"closed_caption": true, "co_host": true, "custom_data_center_regions": false,
			"disable_screen_sharing_for_host_meetings": false, "disable_screen_sharing_for_in_meeting_guests": false,
			"e2e_encryption": false, "entry_exit_chime": "none", "far_end_camera_control": false, "feedback": false,
			"file_transfer": true, "group_hd": false, "webinar_group_hd": false, "join_from_desktop": true,
			"join_from_mobile": true, "meeting_reactions": true, "meeting_reactions_emojis": "all",
			"meeting_survey": false, "non_verbal_feedback": true, "polling": true, "private_chat": true,
			"record_play_voice": false, "remote_control": true, "remote_support": false,
			"request_permission_to_unmute_participants": false, "screen_sharing": true, "share_dual_camera": false,
			"show_a_join_from_your_browser_link": false, "show_meeting_control_toolbar": false, "slide_control": false,
			"virtual_background": true, "waiting_room": false, "webinar_survey": false,
			"who_can_share_screen": "host", "who_can_share_screen_when_someone_is_sharing": "host",
			"participants_share_simultaneously": "one", "workplace_by_facebook": false,
			"transfer_meetings_between_devices": true, "allow_show_zoom_windows": false,
			"data_center_regions": []any{},
		},
		"profile": map[string]any{
			"recording_storage_location": map[string]any{"allowed_values": []any{"US"}, "value": "US"},
		},
		"recording": map[string]any{
			"ask_host_to_confirm_disclaimer": false, "ask_participants_to_consent_disclaimer": false,
			"auto_delete_cmr": false, "auto_delete_cmr_days": 30, "display_participant_name": true,
			"recording_thumbnails": true, "optimize_recording_for_3rd_party_video_editor": false,
			"recording_highlight": false, "save_panelist_chat": false, "save_poll_results": false,
			"save_close_caption": false, "auto_recording": "none", "cloud_recording": true,
			"host_pause_stop_recording": true, "local_recording": true, "record_audio_file": true,
			"record_gallery_view": true, "record_speaker_view": true, "recording_audio_transcript": false,
			"recording_disclaimer": false, "save_chat_text": true, "show_timestamp": false,
		},
		"schedule_meeting": map[string]any{
			"audio_type": "both", "default_password_for_scheduled_meetings": "", "embed_password_in_join_link": true,
			"force_pmi_jbh_password": false, "host_video": true, "join_before_host": false,
			"participants_video": true, "personal_meeting": true, "pmi_password": "", "pstn_password_protected": true,
			"require_password_for_instant_meetings": true, "require_password_for_pmi_meetings": "all",
			"require_password_for_scheduled_meetings": true, "require_password_for_scheduling_new_meetings": true,
			"use_pmi_for_instant_meetings": false, "use_pmi_for_scheduled_meetings": false,
		},
		"telephony": map[string]any{
			"audio_conference_info": "", "show_international_numbers_link": true, "third_party_audio": false,
			"telephony_regions": map[string]any{"allowed_values": []any{"US"}, "selection_values": "US"},
		},
		"tsp":        map[string]any{"call_out": false, "call_out_countries": []any{}, "show_international_numbers_link": false},
		"whiteboard": map[string]any{"out_meeting_advanced_whiteboard": false, "in_meeting_advanced_whiteboard": false},
	}
}

// settingsEnums are the value lists the reference gives for settings the
// jobs write; a value outside them is refused with 300.
var settingsEnums = map[string][]string{
	"recording.auto_recording":                                {"local", "cloud", "none"},
	"in_meeting.entry_exit_chime":                             {"host", "all", "none"},
	"in_meeting.who_can_share_screen":                         {"host", "all"},
	"in_meeting.who_can_share_screen_when_someone_is_sharing": {"host", "all"},
	"in_meeting.participants_share_simultaneously":            {"multiple", "one"},
	"schedule_meeting.audio_type":                             {"both", "telephony", "voip", "thirdParty"},
	"schedule_meeting.require_password_for_pmi_meetings":      {"jbh_only", "all", "none"},
	"in_meeting.meeting_reactions_emojis":                     {"all", "selected"},
}

// settingsOptions are the ?option= values of Get/Update user settings
// whose answers are other objects; the sandbox keeps the plain settings.
var settingsOptions = []string{"meeting_authentication", "recording_authentication", "meeting_security"}

// featureSection is the feature object derived from the user's features.
func (s *Server) featureSection(u *user) map[string]any {
	f := map[string]any{"meeting_capacity": 0, "large_meeting": false, "webinar": false, "zoom_events": false,
		"concurrent_meeting": "None", "zoom_phone": u.ZoomPhone, "cn_meeting": false, "in_meeting": true}
	switch u.Type {
	case 2:
		f["meeting_capacity"] = s.tier.meetingCapacity
	case 1:
		f["meeting_capacity"] = 100
	}
	if v, ok := u.Features["large_meeting"]; ok {
		f["large_meeting"], f["large_meeting_capacity"] = true, largeMeetingCapacity[v]
	}
	if v, ok := u.Features["webinar"]; ok {
		f["webinar"], f["webinar_capacity"] = true, webinarCapacity[v]
	}
	if v, ok := u.Features["zoom_events"]; ok {
		n, _ := strconv.Atoi(v)
		f["zoom_events"], f["zoom_events_capacity"] = true, n
	}
	if v, ok := u.Features["concurrent_meeting"]; ok {
		f["concurrent_meeting"] = v
	}
	f["zoom_whiteboard"] = u.Features["zoom_whiteboard"] == "true"
	rev := u.Features["zoom_revenue_accelerator"] == "true" || u.Features["zoom_iq_for_sales"] == "true"
	f["zoom_revenue_accelerator"], f["zoom_iq_for_sales"] = rev, rev
	f["zoom_clips_plus"] = u.Features["zoom_clips_plus"] == "true"
	return f
}

// settingsOf is a user's settings as Get user settings answers them.
func (s *Server) settingsOf(u *user) map[string]any {
	out := defaultSettings()
	out["feature"] = s.featureSection(u)
	mergeInto(out, u.settings)
	return out
}

// mergeInto copies src into dst, recursing into objects both have.
func mergeInto(dst, src map[string]any) {
	for k, v := range src {
		sub, isObj := v.(map[string]any)
		if cur, ok := dst[k].(map[string]any); ok && isObj {
			mergeInto(cur, sub)
			continue
		}
		if isObj {
			cp := map[string]any{}
			mergeInto(cp, sub)
			v = cp
		}
		dst[k] = v
	}
}

// GET /users/{userId}/settings
func (s *Server) userSettings(c *call) response {
	u, bad := s.userParam(c)
	if bad != nil {
		return *bad
	}
	if opt := c.query.Get("option"); opt != "" && !slices.Contains(settingsOptions, opt) {
		return invalid("option", "must be one of "+strings.Join(settingsOptions, ", "))
	}
	return reply(http.StatusOK, withVB(s.settingsOf(u), u.vbFiles))
}

// PATCH /users/{userId}/settings: a partial, nested update. Every leaf is
// checked against the known settings (type, and the value lists above)
// before anything is stored, so a refused request changes nothing.
func (s *Server) updateSettings(c *call) response {
	u, bad := s.userParam(c)
	if bad != nil {
		return *bad
	}
	if opt := c.query.Get("option"); opt != "" && !slices.Contains(settingsOptions, opt) {
		return invalid("option", "must be one of "+strings.Join(settingsOptions, ", "))
	}
	if u.Status == "pending" && u.InvitationExpired {
		return invitationExpired()
	}
	var b map[string]any
	if bad := decodeBody(c, &b); bad != nil {
		return *bad
	}
	if len(b) == 0 {
		return fail(http.StatusBadRequest, 300, "Request Body should be a valid JSON object.")
	}
	known := s.settingsOf(u)
	if r := checkSettings(b, known, ""); r != nil {
		return *r
	}
	if u.settings == nil {
		u.settings = map[string]any{}
	}
	mergeInto(u.settings, b)
	return reply(http.StatusNoContent, nil)
}

// checkSettings compares a PATCH body with the current settings: sections
// must be objects, known leaves keep their JSON type, enumerated leaves take
// a listed value. Leaves the sandbox does not model are taken as given.
func checkSettings(b, known map[string]any, path string) *response {
	for _, k := range slices.Sorted(maps.Keys(b)) {
		v, p := b[k], path+k
		cur, has := known[k]
		if path == "" && !has {
			r := invalid(p, "is not a settings section")
			return &r
		}
		if !has {
			continue
		}
		if sub, ok := cur.(map[string]any); ok {
			vs, ok := v.(map[string]any)
			if !ok {
				r := invalid(p, "has the wrong type: want an object")
				return &r
			}
			if r := checkSettings(vs, sub, p+"."); r != nil {
				return r
			}
			continue
		}
		if want, got := jsonType(cur), jsonType(v); want != got {
			r := invalid(p, fmt.Sprintf("has the wrong type: want %s", want))
			return &r
		}
		if allowed, ok := settingsEnums[p]; ok {
			if str, _ := v.(string); !slices.Contains(allowed, str) {
				r := invalid(p, "must be one of "+strings.Join(allowed, ", "))
				return &r
			}
		}
	}
	return nil
}

func jsonType(v any) string {
	switch v.(type) {
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case int, int64, float64, json.Number:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}
