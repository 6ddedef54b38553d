package sandbox

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// The feature_value lists of "Bulk update features for users".
var (
	planUnitedTypes = []string{"1", "2", "4", "8", "16", "32", "64", "128", "256", "512", "1024", "2048",
		"4096", "8192", "16384", "32768", "65536", "131072"}
	zoomOneTypes = []string{"16", "32", "64", "128", "33554432", "134217728", "1073741824", "536870912",
		"268435456", "4398046511104", "18014398509481984", "72057594037927936", "576460752303423488",
		"144115188075855872", "137438953472", "1099511627776", "549755813888", "274877906944",
		"2199023255552", "4294967296", "34359738368", "17179869184", "8589934592", "68719476736"}

	// largeMeetingCapacity and webinarCapacity map feature codes to the
	// capacities the reference gives for them.
	largeMeetingCapacity = map[string]int{"1": 100, "32": 200, "64": 300, "128": 500, "256": 1000, "1024": 3000, "2048": 5000}
	webinarCapacity      = map[string]int{"16": 100, "1": 500, "64": 1000, "128": 3000, "256": 5000, "512": 10000,
		"1024": 20000, "2048": 30000, "4096": 40000, "8192": 50000, "16384": 500, "32768": 1000}
	zoomEventsValues = []string{"500", "1000", "3000", "5000", "10000", "20000", "30000", "50000"}
	booleanValues    = []string{"true", "false"}
)

var featureTypes = []string{"user_type", "concurrent_meeting", "large_meeting", "webinar", "zoom_events",
	"zoom_whiteboard", "plan_united_type", "zoom_one_type", "zoom_iq_for_sales", "zoom_revenue_accelerator",
	"zoom_clips_plus"}

// validFeatureValue says whether v is a value the reference lists for ft.
func validFeatureValue(ft, v string) bool {
	switch ft {
	case "user_type":
		return v == "1" || v == "2"
	case "concurrent_meeting":
		return v == "Basic" || v == "Plus" || v == "None"
	case "large_meeting":
		_, ok := largeMeetingCapacity[v]
		return ok || v == "0"
	case "webinar":
		_, ok := webinarCapacity[v]
		return ok || v == "0"
	case "zoom_events":
		return v == "0" || slices.Contains(zoomEventsValues, v)
	case "zoom_whiteboard", "zoom_iq_for_sales", "zoom_revenue_accelerator", "zoom_clips_plus":
		return slices.Contains(booleanValues, v)
	case "plan_united_type":
		return v == "0" || slices.Contains(planUnitedTypes, v)
	case "zoom_one_type":
		return v == "0" || slices.Contains(zoomOneTypes, v)
	}
	return false
}

// featureOff says whether a value turns its feature off.
func featureOff(v string) bool {
	return v == "0" || v == "false" || v == "None" || v == "none" || v == ""
}

// setFeature records a feature value; an "off" value removes the feature.
// The map is replaced, not changed in place, as copies may share it.
func (u *user) setFeature(ft, v string) {
	m := make(map[string]string, len(u.Features)+1)
	for k, old := range u.Features {
		m[k] = old
	}
	if featureOff(v) {
		delete(m, ft)
	} else {
		m[ft] = v
	}
	if len(m) == 0 {
		m = nil
	}
	u.Features = m
}

type featuresBody struct {
	FeatureType    string `json:"feature_type"`
	FeatureValue   string `json:"feature_value"`
	SubscriptionID string `json:"subscription_id"`
	Users          []struct {
		ID    string `json:"id"`
		Email string `json:"email"`
	} `json:"users"`
}

type failDetail struct {
	Reason  string   `json:"reason"`
	UserIDs []string `json:"user_ids"`
}

const maxFeatureUsers = 30

// POST /users/features. Each user is looked up by id, or by email when it has
// no id, and either updated or listed in fail_details with the reason.
func (s *Server) bulkFeatures(c *call) response {
	var b featuresBody
	if bad := decodeBody(c, &b); bad != nil {
		return *bad
	}
	switch {
	case b.FeatureType == "":
		return invalid("feature_type", "is required")
	case !slices.Contains(featureTypes, b.FeatureType):
		return invalid("feature_type", "must be one of "+strings.Join(featureTypes, ", "))
	case b.FeatureValue == "":
		return invalid("feature_value", "is required")
	case !validFeatureValue(b.FeatureType, b.FeatureValue):
		return invalid("feature_value", "is not a valid value for feature_type "+b.FeatureType)
	case len(b.Users) == 0:
		return invalid("users", "is required")
	case len(b.Users) > maxFeatureUsers:
		return invalid("users", "can hold at most 30 users per request")
	}
	if s.opts.Tier == "free" {
		return fail(http.StatusBadRequest, 200, "Current account must be a paid account.")
	}
	if b.SubscriptionID != "" && !s.st.subscriptions[b.SubscriptionID] {
		return fail(http.StatusBadRequest, 300, "The subscription \"%s\" you entered does not exist. Please choose a different subscription and try again.", b.SubscriptionID)
	}

	out := struct {
		Success []string     `json:"success_user_ids"`
		Fail    []failDetail `json:"fail_details"`
	}{Success: []string{}, Fail: []failDetail{}}
	failed := func(reason, id string) {
		for i := range out.Fail {
			if out.Fail[i].Reason == reason {
				out.Fail[i].UserIDs = append(out.Fail[i].UserIDs, id)
				return
			}
		}
		out.Fail = append(out.Fail, failDetail{Reason: reason, UserIDs: []string{id}})
	}
	for _, ref := range b.Users {
		var u *user
		name := ref.ID
		if ref.ID != "" {
			u = s.st.byID[ref.ID]
		} else {
			name = ref.Email
			u = s.st.byEmail[strings.ToLower(ref.Email)]
		}
		if u == nil {
			failed("Users not found", name)
			continue
		}
		if b.FeatureType == "user_type" {
			want, _ := strconv.Atoi(b.FeatureValue)
			switch {
			case u.Type == want:
				failed("No need to update", u.ID)
			case want == 2 && s.seatsFull():
				failed("Not enough seats", u.ID)
			default:
				s.st.setType(u, want)
				out.Success = append(out.Success, u.ID)
			}
			continue
		}
		cur, on := u.Features[b.FeatureType]
		if (on && cur == b.FeatureValue) || (!on && featureOff(b.FeatureValue)) {
			failed("No need to update", u.ID)
			continue
		}
		if !s.opts.FreeAddOns && paidOnly(b.FeatureType) && u.Type != 2 && !featureOff(b.FeatureValue) {
			// Add-ons go on licensed users only.
			failed("Can't update for free users", u.ID)
			continue
		}
		if !on && !featureOff(b.FeatureValue) && s.featureSeatsFull(b.FeatureType) {
			failed("Not enough seats", u.ID)
			continue
		}
		u.setFeature(b.FeatureType, b.FeatureValue)
		out.Success = append(out.Success, u.ID)
	}
	return reply(http.StatusCreated, out)
}

// paidOnly says whether a feature is an add-on of licensed users; plans
// (plan_united_type, zoom_one_type) change the user's plan instead.
func paidOnly(ft string) bool {
	switch ft {
	case "large_meeting", "webinar", "zoom_events", "concurrent_meeting", "zoom_iq_for_sales", "zoom_revenue_accelerator", "zoom_clips_plus", "zoom_whiteboard":
		return true
	}
	return false
}

// featureSeatsFull says whether every seat of a feature (Options.FeatureSeats)
// is taken.
func (s *Server) featureSeatsFull(ft string) bool {
	most := s.opts.FeatureSeats[ft]
	if most <= 0 {
		return false
	}
	n := 0
	for _, u := range s.st.byID {
		if _, on := u.Features[ft]; on {
			n++
		}
	}
	return n >= most
}
