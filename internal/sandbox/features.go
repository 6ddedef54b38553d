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
	if bad := s.refuseFeaturesBody(&b); bad != nil {
		return *bad
	}
	out := featuresAnswer{Success: []string{}, Fail: []failDetail{}}
	for _, ref := range b.Users {
		u, name := s.featureUser(ref.ID, ref.Email)
		if u == nil {
			out.failed("Users not found", name)
			continue
		}
		var reason string
		if b.FeatureType == "user_type" {
			reason = s.bulkSetType(u, b.FeatureValue)
		} else {
			reason = s.bulkSetFeature(u, b.FeatureType, b.FeatureValue)
		}
		if reason != "" {
			out.failed(reason, u.ID)
			continue
		}
		out.Success = append(out.Success, u.ID)
	}
	return reply(http.StatusCreated, out)
}

// refuseFeaturesBody is the error Zoom answers for a whole bulk request
// it refuses before touching any user: a missing or unlisted feature type
// or value, no users or too many, a free account, or an unknown
// subscription. Nil when the request goes ahead.
func (s *Server) refuseFeaturesBody(b *featuresBody) *response {
	var r response
	switch {
	case b.FeatureType == "":
		r = invalid("feature_type", "is required")
	case !slices.Contains(featureTypes, b.FeatureType):
		r = invalid("feature_type", "must be one of "+strings.Join(featureTypes, ", "))
	case b.FeatureValue == "":
		r = invalid("feature_value", "is required")
	case !validFeatureValue(b.FeatureType, b.FeatureValue):
		r = invalid("feature_value", "is not a valid value for feature_type "+b.FeatureType)
	case len(b.Users) == 0:
		r = invalid("users", "is required")
	case len(b.Users) > maxFeatureUsers:
		r = invalid("users", "can hold at most 30 users per request")
	case s.opts.Tier == "free":
		r = fail(http.StatusBadRequest, 200, "Current account must be a paid account.")
	case b.SubscriptionID != "" && !s.st.subscriptions[b.SubscriptionID]:
		r = fail(http.StatusBadRequest, 300, "The subscription \"%s\" you entered does not exist. Please choose a different subscription and try again.", b.SubscriptionID)
	default:
		return nil
	}
	return &r
}

// featuresAnswer is the bulk update's answer body.
type featuresAnswer struct {
	Success []string     `json:"success_user_ids"`
	Fail    []failDetail `json:"fail_details"`
}

// failed lists a user under reason: Zoom groups the users that failed by
// reason, one fail_details entry each, in the order reasons first occur.
func (a *featuresAnswer) failed(reason, id string) {
	for i := range a.Fail {
		if a.Fail[i].Reason == reason {
			a.Fail[i].UserIDs = append(a.Fail[i].UserIDs, id)
			return
		}
	}
	a.Fail = append(a.Fail, failDetail{Reason: reason, UserIDs: []string{id}})
}

// featureUser finds a bulk request's user by id, or by email when it has
// no id; name is what the answer calls the user when not found.
func (s *Server) featureUser(id, email string) (u *user, name string) {
	if id != "" {
		return s.st.byID[id], id
	}
	return s.st.byEmail[strings.ToLower(email)], email
}

// bulkSetType changes a user's license type for the user_type feature; it
// returns the reason it did not, or "" when it did. A licensed seat must
// be free to make a user licensed.
func (s *Server) bulkSetType(u *user, value string) (reason string) {
	want, _ := strconv.Atoi(value)
	switch {
	case u.Type == want:
		return "No need to update"
	case want == 2 && s.seatsFull():
		return "Not enough seats"
	}
	s.st.setType(u, want)
	return ""
}

// bulkSetFeature sets one feature of a user; it returns the reason it did
// not, or "" when it did. Add-ons go on licensed users only (unless the
// sandbox gives them free), and turning a feature on needs a free seat of
// it.
func (s *Server) bulkSetFeature(u *user, ft, value string) (reason string) {
	cur, on := u.Features[ft]
	off := featureOff(value)
	switch {
	case (on && cur == value) || (!on && off):
		return "No need to update"
	case !s.opts.FreeAddOns && paidOnly(ft) && u.Type != 2 && !off:
		return "Can't update for free users"
	case !on && !off && s.featureSeatsFull(ft):
		return "Not enough seats"
	}
	u.setFeature(ft, value)
	return ""
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
