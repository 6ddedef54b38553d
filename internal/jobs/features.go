package jobs

import (
	"strconv"

	"github.com/zoombulk/zoombulk/internal/zoom"
)

// featureWant is one feature change a row asks for.
type featureWant struct {
	feature      int // index into the step's Features
	value        string
	subscription string
	// action is ActUpdate or ActUnchanged; outcome is filled in by the run.
	action  string
	outcome *StepResult
}

// Capacities per feature code, from the feature_value lists of Bulk update
// features; Get user settings reports capacities, not codes.
var (
	webinarCapacity = map[string]int{"16": 100, "1": 500, "64": 1000, "128": 3000, "256": 5000, "512": 10000,
		"1024": 20000, "2048": 30000, "4096": 40000, "8192": 50000, "16384": 500, "32768": 1000}
	largeMeetingCapacity = map[string]int{"1": 100, "32": 200, "64": 300, "128": 500, "256": 1000, "1024": 3000, "2048": 5000}
)

// needsSettings says whether comparing a feature needs Get user settings.
func needsSettings(featureType string) bool {
	switch featureType {
	case "webinar", "large_meeting", "zoom_events", "concurrent_meeting", "zoom_whiteboard":
		return true
	}
	return false
}

// featureAsAsked tells whether a user already has a feature value. known
// is false when neither the user nor the settings say: then the call is
// made and Zoom's "No need to update" answer reports it unchanged.
func featureAsAsked(featureType, want string, u *zoom.User, s *zoom.FeatureSettings) (same, known bool) {
	if featureType == "user_type" {
		return strconv.Itoa(u.Type) == want, true
	}
	if s == nil {
		return false, false
	}
	off := want == "0" || want == "false" || want == "None"
	switch featureType {
	case "webinar":
		if off || !s.Webinar {
			return off == !s.Webinar, true
		}
		if want == "16384" || want == "32768" {
			return false, false // promo seats report the same capacity as paid ones
		}
		return webinarCapacity[want] == s.WebinarCapacity, true
	case "large_meeting":
		if off || !s.LargeMeeting {
			return off == !s.LargeMeeting, true
		}
		return largeMeetingCapacity[want] == s.LargeMeetingCapacity, true
	case "zoom_events":
		if off || !s.ZoomEvents {
			return off == !s.ZoomEvents, true
		}
		return strconv.Itoa(s.ZoomEventsCapacity) == want, true
	case "concurrent_meeting":
		have := s.ConcurrentMeeting
		if have == "" {
			have = "None"
		}
		return have == want, true
	case "zoom_whiteboard":
		return s.ZoomWhiteboard == (want == "true"), true
	}
	return false, false
}

// newUserHasFeature: a user created by this run has no add-ons yet.
func newUserHasFeature(featureType, want string, userType int) bool {
	if featureType == "user_type" {
		return strconv.Itoa(userType) == want
	}
	return want == "0" || want == "false" || want == "None"
}
