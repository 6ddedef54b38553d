package jobs

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/mapping"
	"github.com/zoombulk/zoombulk/internal/results"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// UpdateFeatures sets feature values (webinar, large_meeting, user_type,
// ...) with Bulk update features: rows grouped by feature, value and
// subscription, 30 users a call, one call per features interval.
const UpdateFeatures jobfile.StepKind = "update_features"

// FeatureStep is one feature of an update_features step.
type FeatureStep struct {
	FeatureType  string // a catalogue Feature field name, e.g. "webinar"
	Value        string // the field holding the value (default: FeatureType)
	Subscription string // the field holding subscription_id ("" = none)
	// Sync: add_only (default), remove_only or exact: the holders of each
	// value the file names that no row lists with it get the feature
	// turned off.
	Sync string
}

// FeaturesOptions are update_features' options: the features to set.
type FeaturesOptions struct {
	Features []FeatureStep
}

var featureKeys = []string{"feature_type", "value", "subscription", "sync"}

type featuresStep struct{}

func init() { register(featuresStep{}) }

func (featuresStep) Name() jobfile.StepKind { return UpdateFeatures }

func isFeature(f mapping.Field) bool { return f.Target == mapping.Feature }

func (featuresStep) ParseOptions(l *jobfile.Loader, key string, opts *yaml.Node) (any, bool) {
	o := &FeaturesOptions{}
	if opts == nil {
		// Bare update_features: every mapped feature field.
		for _, s := range l.Job().Fields {
			if f, _ := mapping.Lookup(s.Field); isFeature(f) {
				fs := FeatureStep{FeatureType: f.Name, Value: f.Name}
				if l.Mapped("subscription_id") {
					fs.Subscription = "subscription_id"
				}
				o.Features = append(o.Features, fs)
			}
		}
		if len(o.Features) == 0 {
			l.AddError(l.StepLine(), key, "update_features has no feature to set: the job maps no feature field",
				"map a feature field (webinar, large_meeting, user_type, ...) under fields, or list the features: update_features: [ {feature_type: webinar} ]")
			return nil, false
		}
		return o, true
	}
	if opts.Kind != yaml.SequenceNode {
		l.Errorf(opts, key, "e.g. update_features: [ {feature_type: webinar, value: webinar} ]",
			"update_features takes a list of {feature_type, value, subscription}, not %s", jobfile.KindName(opts))
		return nil, false
	}
	if len(opts.Content) == 0 {
		l.Errorf(opts, key, "list at least one feature, or remove the step", "the feature list is empty")
		return nil, false
	}
	ok := true
	seen := map[string]int{}
	for i, item := range opts.Content {
		item = jobfile.ResolveAlias(item)
		sub := fmt.Sprintf("%s[%d]", key, i)
		var fs FeatureStep
		if item.Kind == yaml.ScalarNode && item.ShortTag() != "!!null" {
			// - webinar, short for - {feature_type: webinar}
			t, good := l.FieldRef(item, sub, isFeature, "a feature_type of Bulk update features")
			if !good {
				ok = false
				continue
			}
			fs.FeatureType = t
		} else {
			if item.Kind != yaml.MappingNode {
				l.Errorf(item, sub, "e.g. {feature_type: webinar, value: webinar}", "a feature must be a map of feature_type, value and subscription, not %s", jobfile.KindName(item))
				ok = false
				continue
			}
			good := true
			l.Map(item, sub, featureKeys, func(k string, kn, vn *yaml.Node) {
				kk := sub + "." + k
				var g bool
				switch k {
				case "feature_type":
					fs.FeatureType, g = l.FieldRef(vn, kk, isFeature, "a feature_type of Bulk update features")
				case "value":
					fs.Value, g = l.FieldRef(vn, kk, nil, "")
				case "sync":
					fs.Sync, g = l.OneOf(vn, kk, syncModes)
				case "subscription":
					fs.Subscription, g = l.FieldRef(vn, kk, func(f mapping.Field) bool { return f.Target == mapping.Subscription }, "a subscription field (subscription_id)")
				}
				good = good && g
			})
			if !good {
				ok = false
				continue
			}
			if fs.FeatureType == "" {
				l.Errorf(item, sub+".feature_type", "e.g. feature_type: webinar", "feature_type is missing")
				ok = false
				continue
			}
		}
		if fs.Value == "" {
			fs.Value = fs.FeatureType
		}
		if prev, dup := seen[fs.FeatureType]; dup {
			l.Errorf(item, sub, "list each feature once", "feature %s is listed twice (first at line %d)", fs.FeatureType, prev)
			ok = false
			continue
		}
		seen[fs.FeatureType] = item.Line
		o.Features = append(o.Features, fs)
	}
	return o, ok
}

func (featuresStep) Fields(s jobfile.Step) []string {
	var out []string
	for _, f := range s.Options.(*FeaturesOptions).Features {
		out = append(out, f.Value, f.Subscription)
	}
	return out
}

// Check: a value field other than the feature's own may only produce the
// feature's values.
func (featuresStep) Check(l *jobfile.Loader, key string, s jobfile.Step) {
	for j, fs := range s.Options.(*FeaturesOptions).Features {
		if fs.Value == fs.FeatureType || !l.Mapped(fs.Value) {
			continue
		}
		if bad := l.ForeignValues(fs.Value, fs.FeatureType); bad != "" {
			l.AddError(s.Line, fmt.Sprintf("%s[%d].value", key, j),
				fmt.Sprintf("field %q can hold %s, which is not a %s value", fs.Value, bad, fs.FeatureType),
				fmt.Sprintf("give %s a values map onto %s's values, or map a %s field", fs.Value, fs.FeatureType, fs.FeatureType))
		}
	}
}

// featureWant is one feature change a row asks for.
type featureWant struct {
	feature      int // index into the step's Features
	value        string
	subscription string
	// action is ActUpdate or ActUnchanged; outcome is filled in by the run.
	action  results.Action
	outcome *results.StepResult
}

func (w featureWant) key() string {
	return strconv.Itoa(w.feature) + "\x00" + w.value + "\x00" + w.subscription
}

// featurePlan is a row's feature changes in the step.
type featurePlan struct{ wants []featureWant }

func wantsOf(st *rowStep) *featurePlan {
	p, _ := st.extra.(*featurePlan)
	if p == nil {
		p = &featurePlan{}
		st.extra = p
	}
	return p
}

// prepare reads the feature settings of rows whose feature changes cannot
// be judged from the user alone (Get user settings, Medium).
func (featuresStep) prepare(ctx context.Context, e *engine, i int, rows []*rowRun) error {
	o := e.steps[i].Options.(*FeaturesOptions)
	var need []*rowRun
	for _, r := range rows {
		if r.user == nil || r.steps[i].result != nil {
			continue
		}
		for _, fs := range o.Features {
			if _, ok := r.value(fs.Value); ok && needsSettings(fs.FeatureType) {
				need = append(need, r)
				break
			}
		}
	}
	return e.forRows(ctx, need, zoom.Medium, func(ctx context.Context, r *rowRun) error {
		s, err := e.Client.GetUserSettings(ctx, r.ref().Key())
		if err != nil {
			return err
		}
		r.settings = &s.Feature
		return nil
	})
}

func (featuresStep) decide(d *decision) {
	o := d.step.Options.(*FeaturesOptions)
	p := wantsOf(d.st)
	p.wants = nil
	u := d.u
	d.set(results.ActUnchanged)
	for fi, fs := range o.Features {
		want, ok := d.value(fs.Value)
		if !ok {
			continue
		}
		if fs.Sync == SyncRemoveOnly {
			continue // the rows only say who keeps the feature
		}
		w := featureWant{feature: fi, value: want, action: results.ActUpdate}
		if fs.Subscription != "" {
			w.subscription, _ = d.value(fs.Subscription)
		}
		var same, known bool
		var cur string
		if d.created {
			same, known, cur = newUserHasFeature(fs.FeatureType, want, u.Type), true, "(new user)"
		} else {
			same, known = featureAsAsked(fs.FeatureType, want, u, d.r.settings)
			cur = currentFeature(fs.FeatureType, u, d.r.settings)
		}
		if known && same {
			w.action = results.ActUnchanged
		} else {
			d.set(results.ActUpdate)
			d.change(fs.FeatureType, cur, want, featureRemoval(fs.FeatureType, cur, want))
			if was, ok := featureCode(fs.FeatureType, u, d.r.settings); ok {
				d.undoable(fs.FeatureType, was, want)
			}
			if fs.FeatureType == "user_type" {
				u.Type, _ = strconv.Atoi(want)
			}
		}
		p.wants = append(p.wants, w)
	}
}

// featureRemoval says whether a feature change takes something away.
func featureRemoval(featureType, cur, want string) string {
	if featureType == "user_type" {
		return downgrade(cur, want)
	}
	if isOff(want) && !isOff(cur) {
		return results.RemoveFeature
	}
	return ""
}

func isOff(v string) bool { return v == "0" || v == "false" || v == "None" || v == "off" }

func (featuresStep) cost(_ *rowRun, st *rowStep) []callCost {
	var out []callCost
	for _, w := range wantsOf(st).wants {
		if w.action == results.ActUpdate {
			out = append(out, callCost{cat: zoom.Medium, batch: "features\x00" + w.key(), size: zoom.MaxFeatureUsers})
		}
	}
	return out
}

// apply sends the feature changes, grouped by feature, value and
// subscription, 30 users a call, one call per features interval (the
// client keeps the spacing).
func (featuresStep) apply(a *applier, rows []*rowRun) {
	o := a.step.Options.(*FeaturesOptions)
	i := a.i
	var mu sync.Mutex
	// left counts, per row, the features whose calls have not answered:
	// a row is recorded once all of them have.
	left := map[*rowRun]int{}
	finish := func(r *rowRun) { a.record(r, featuresOutcome(wantsOf(&r.steps[i]).wants)) }
	batches := featureBatches(o, rows, i, left)
	for _, r := range rows {
		if left[r] == 0 {
			finish(r)
		}
	}
	done := func(r *rowRun, fi int, res *results.StepResult) {
		mu.Lock()
		wantOf(r, i, fi).outcome = res
		left[r]--
		last := left[r] == 0
		mu.Unlock()
		if last {
			finish(r)
		}
	}
	// Two workers: one call in flight while the next waits for its slot.
	forEach(a.stop, 2, batches, func(b featureBatch) {
		sendFeatureBatch(a, o.Features[b.feat].FeatureType, b, func(r *rowRun, res *results.StepResult) { done(r, b.feat, res) })
	})
	// Rows whose batches the stop kept from being sent did not run.
	for _, r := range rows {
		if left[r] > 0 && r.steps[i].result == nil {
			a.record(r, &results.StepResult{Status: results.NotRun})
		}
	}
}

// featuresOutcome is a row's result from its features' outcomes: failed
// (or deferred, or not run) when any feature was, else succeeded when any
// feature changed, else unchanged. The first failure is the one shown.
func featuresOutcome(wants []featureWant) *results.StepResult {
	res := &results.StepResult{Status: results.Unchanged}
	for _, w := range wants {
		switch {
		case w.outcome == nil:
		case w.outcome.Status == results.Failed || w.outcome.Status == results.Deferred || w.outcome.Status == results.NotRun:
			if res.Status != results.Failed {
				res = w.outcome
			}
		case w.outcome.Status == results.Succeeded && res.Status == results.Unchanged:
			res = w.outcome
		}
	}
	return res
}

// featureBatch is one call of update_features: up to 30 rows that want
// feature feat set to the same value and subscription.
type featureBatch struct {
	batch
	feat int
	want featureWant
}

// featureBatches groups the rows' feature updates into calls, feature by
// feature, counting in left each row's updates to send. A feature a row
// already has as asked needs no call: its outcome is unchanged at once.
func featureBatches(o *FeaturesOptions, rows []*rowRun, i int, left map[*rowRun]int) []featureBatch {
	var batches []featureBatch
	for fi := range o.Features {
		var these []*rowRun
		for _, r := range rows {
			p := wantsOf(&r.steps[i])
			for wi := range p.wants {
				w := &p.wants[wi]
				if w.feature != fi {
					continue
				}
				if w.action == results.ActUpdate {
					these = append(these, r)
					left[r]++
				} else {
					w.outcome = &results.StepResult{Status: results.Unchanged}
				}
			}
		}
		for _, b := range chunk(these, zoom.MaxFeatureUsers, func(r *rowRun) string { return wantOf(r, i, fi).key() }) {
			batches = append(batches, featureBatch{batch: b, feat: fi, want: *wantOf(b.rows[0], i, fi)})
		}
	}
	return batches
}

// sendFeatureBatch sends one call unless the run is deferred or its rows'
// intents cannot be journalled, and gives done each row's outcome: the
// same for every row when the call was not sent or failed as a whole,
// else what Zoom answered for the row's user.
func sendFeatureBatch(a *applier, featureType string, b featureBatch, done func(*rowRun, *results.StepResult)) {
	all := func(res *results.StepResult) {
		for _, r := range b.rows {
			cp := *res
			done(r, &cp)
		}
	}
	if res := a.e.deferred(); res != nil {
		all(res)
		return
	}
	if !a.intendAll(b.rows) {
		all(&results.StepResult{Status: results.NotRun})
		return
	}
	refs := make([]zoom.UserRef, len(b.rows))
	for j, r := range b.rows {
		refs[j] = r.ref()
	}
	out, err := a.e.Client.UpdateFeatures(a.calls, zoom.FeatureUpdate{
		FeatureType: featureType, FeatureValue: b.want.value, SubscriptionID: b.want.subscription, Users: refs,
	})
	if err != nil {
		all(a.e.outcomeOf(err))
		return
	}
	reason := map[string]string{}
	for _, f := range out.FailDetails {
		for _, id := range f.UserIDs {
			reason[id] = f.Reason
		}
	}
	for _, r := range b.rows {
		done(r, featureAnswer(featureType, out, reason, r.knownID()))
	}
}

// featureAnswer is one user's outcome in a features call's answer: in the
// success list, or in fail_details with Zoom's reason. "No need to
// update" is unchanged, or succeeded when the answer to an earlier try
// was lost (that try set it). A user in neither list failed: Zoom did not
// say, so the admin must look.
func featureAnswer(featureType string, out *zoom.FeatureResult, reason map[string]string, id string) *results.StepResult {
	switch why, failed := reason[id]; {
	case slices.Contains(out.SuccessUserIDs, id):
		return succeeded()
	case failed && why == zoom.ReasonNoNeed && out.Ambiguous:
		return &results.StepResult{Status: results.Succeeded, Reason: "the answer was lost; Zoom reports the feature already set"}
	case failed && why == zoom.ReasonNoNeed:
		return &results.StepResult{Status: results.Unchanged}
	case failed:
		return &results.StepResult{Status: results.Failed, HTTPStatus: 201, Reason: featureType + ": " + why, Hint: featureHints[why]}
	}
	return &results.StepResult{Status: results.Failed, HTTPStatus: 201, Reason: featureType + ": Zoom reported neither success nor failure for this user",
		Hint: "check the user in the web portal and run the failed rows again"}
}

func wantOf(r *rowRun, step, feature int) *featureWant {
	p := wantsOf(&r.steps[step])
	for j := range p.wants {
		if p.wants[j].feature == feature {
			return &p.wants[j]
		}
	}
	return nil
}

// currentFeature is what the plan shows as a feature's current value.
func currentFeature(featureType string, u *zoom.User, s *zoom.FeatureSettings) string {
	if featureType == "user_type" {
		return strconv.Itoa(u.Type)
	}
	if s == nil {
		return "(not read)"
	}
	switch featureType {
	case "webinar":
		return pick(s.Webinar, "on, "+strconv.Itoa(s.WebinarCapacity)+" attendees", "0")
	case "large_meeting":
		return pick(s.LargeMeeting, "on, "+strconv.Itoa(s.LargeMeetingCapacity)+" participants", "0")
	case "zoom_events":
		return pick(s.ZoomEvents, strconv.Itoa(s.ZoomEventsCapacity), "0")
	case "concurrent_meeting":
		return pick(s.ConcurrentMeeting != "", s.ConcurrentMeeting, "None")
	case "zoom_whiteboard":
		return strconv.FormatBool(s.ZoomWhiteboard)
	}
	return "(not read)"
}

// Capacities per feature code, from the feature_value lists of Bulk update
// features; Get user settings reports capacities, not codes.
var (
	webinarCapacity = map[string]int{"16": 100, "1": 500, "64": 1000, "128": 3000, "256": 5000, "512": 10000,
		"1024": 20000, "2048": 30000, "4096": 40000, "8192": 50000, "16384": 500, "32768": 1000}
	largeMeetingCapacity = map[string]int{"1": 100, "32": 200, "64": 300, "128": 500, "256": 1000, "1024": 3000, "2048": 5000}
)

// featureCode is a feature's current value as the code Bulk update
// features takes, for the before-image: Get user settings reports
// capacities, so an on feature maps back to the first paid code of its
// capacity. ok is false when the settings were not read or the capacity
// has no code.
func featureCode(featureType string, u *zoom.User, s *zoom.FeatureSettings) (string, bool) {
	if featureType == "user_type" {
		return strconv.Itoa(u.Type), true
	}
	if s == nil {
		return "", false
	}
	byCapacity := func(table map[string]int, capacity int) (string, bool) {
		best := ""
		for code, c := range table {
			if c == capacity && (best == "" || asInt(code) < asInt(best)) {
				best = code
			}
		}
		return best, best != ""
	}
	switch featureType {
	case "webinar":
		if !s.Webinar {
			return "0", true
		}
		return byCapacity(webinarCapacity, s.WebinarCapacity)
	case "large_meeting":
		if !s.LargeMeeting {
			return "0", true
		}
		return byCapacity(largeMeetingCapacity, s.LargeMeetingCapacity)
	case "zoom_events":
		if !s.ZoomEvents {
			return "0", true
		}
		return strconv.Itoa(s.ZoomEventsCapacity), true
	case "concurrent_meeting":
		return pick(s.ConcurrentMeeting != "", s.ConcurrentMeeting, "None"), true
	case "zoom_whiteboard":
		return strconv.FormatBool(s.ZoomWhiteboard), true
	}
	return "", false
}

// sameFeatureCode says whether two codes of a feature give the same seat:
// off is off, and codes of one capacity (paid or promo) are alike.
func sameFeatureCode(featureType, a, b string) bool {
	if a == b {
		return true
	}
	if isOff(a) || isOff(b) {
		return isOff(a) && isOff(b)
	}
	switch featureType {
	case "webinar":
		return webinarCapacity[a] != 0 && webinarCapacity[a] == webinarCapacity[b]
	case "large_meeting":
		return largeMeetingCapacity[a] != 0 && largeMeetingCapacity[a] == largeMeetingCapacity[b]
	}
	return false
}

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

// calls: the settings read tell what a user has; the features call sets it.
func (featuresStep) calls() []call {
	return []call{planRead(zoom.OpGetUserSettings, ""), on(zoom.OpUpdateFeatures, "")}
}

// An undo puts back the features the run changed, with this step: only
// those of the step's features that undo.csv has.
func (featuresStep) undoFields() []string       { return nil }
func (featuresStep) undoTarget() mapping.Target { return mapping.Feature }
func (featuresStep) undoStep(s jobfile.Step, cols []string) string {
	line := ""
	for _, f := range s.Options.(*FeaturesOptions).Features {
		if slices.Contains(cols, f.FeatureType) {
			line += pick(line == "", string(UpdateFeatures)+": [", ", ") + f.FeatureType
		}
	}
	return pick(line == "", "", line+"]")
}

// sameRaw: features compare as the codes Zoom keeps.
func (featuresStep) sameRaw(field, a, b string) bool { return sameFeatureCode(field, a, b) }

// dropConflicts: a feature an undo leaves as found is not sent.
func (p *featurePlan) dropConflicts(s jobfile.Step, fields []string) {
	o := s.Options.(*FeaturesOptions)
	p.wants = slices.DeleteFunc(p.wants, func(w featureWant) bool { return slices.Contains(fields, o.Features[w.feature].FeatureType) })
}

func (featuresStep) targets() []mapping.Target {
	return []mapping.Target{mapping.Feature, mapping.Subscription}
}

// setRank: after the license (update_users), which the seats need.
func (featuresStep) setRank() int     { return 2 }
func (featuresStep) pacedByFeatures() {}

// doc is the kind's row of docs/jobs.md's steps table.
func (featuresStep) doc() kindDoc {
	return kindDoc{
		order:    40,
		options:  "a list of `{feature_type, value, subscription}` (or names: `[webinar, large_meeting]`); bare: every mapped feature field",
		call:     "`POST /users/features`",
		batching: "rows grouped by (feature_type, value, subscription), 30 users a call; **one call every 10 s** account-wide",
		category: "Medium",
	}
}

// syncs: the sync mode takes out members no row lists.
func (featuresStep) syncs(step jobfile.Step) bool {
	return slices.ContainsFunc(step.Options.(*FeaturesOptions).Features, func(f FeatureStep) bool { return removesUnlisted(f.Sync) })
}

// anyValue keys the users a row names any value of a feature for.
const anyValue = "\x00any"

// offValue is the value that turns a feature off (a Basic license for
// user_type).
func offValue(featureType string) string {
	switch featureType {
	case "user_type":
		return "1"
	case "concurrent_meeting":
		return "None"
	case "zoom_whiteboard":
		return "false"
	}
	return "0"
}

func (featuresStep) sync(ctx context.Context, e *engine, i int, rows []*rowRun) ([]*rowRun, error) {
	o := e.steps[i].Options.(*FeaturesOptions)
	var feats []featureSync
	for fi, fs := range o.Features {
		if fs.Sync != SyncExact && fs.Sync != SyncRemoveOnly {
			continue
		}
		if sf := e.namedFeature(i, fi, fs, rows); len(sf.named) > 1 {
			feats = append(feats, sf)
		}
	}
	if len(feats) == 0 {
		return nil, nil
	}
	// The holders can be anyone in the account: list every user, and read
	// the settings of those no row lists when a feature needs them.
	users, err := e.syncedUsers(ctx)
	if err != nil {
		return nil, err
	}
	settings := make([]*zoom.FeatureSettings, len(users))
	if slices.ContainsFunc(feats, func(sf featureSync) bool { return needsSettings(o.Features[sf.fi].FeatureType) }) {
		if settings, err = e.featureSettingsOf(ctx, users); err != nil {
			return nil, err
		}
	}
	var out []*rowRun
	for _, sf := range feats {
		out = append(out, e.featureRemovals(i, sf, o.Features[sf.fi], users, settings)...)
	}
	return out, nil
}

// featureSync is one synced feature of an update_features step: the
// values the rows name with the users they name them for, and the failing
// rows that hold a value back.
type featureSync struct {
	fi    int
	named listed // value -> listed users; anyValue -> every user a row names a value for
	held  heldRows
}

// namedFeature collects who the rows name for feature fi of step i. A row
// that names any value for its user decides the feature itself, so sync
// leaves that user to the row; a value that turns the feature off is no
// value to sync to. A failing row that names a value holds that value's
// sync back.
func (e *engine) namedFeature(i, fi int, fs FeatureStep, rows []*rowRun) featureSync {
	sf := featureSync{fi: fi, named: listed{}}
	on := func(v string) bool { return !isOff(v) && v != offValue(fs.FeatureType) }
	for _, r := range rows {
		v, ok := r.value(fs.Value)
		if !ok || r.steps[i].action == results.ActFail {
			continue
		}
		sf.named.add(anyValue, r)
		if on(v) {
			sf.named.add(v, r)
		}
	}
	sf.held = e.heldBy(func(r *rowRun) (string, bool) {
		v, ok := r.value(fs.Value)
		if !ok || !on(v) {
			return "", false
		}
		sf.named.add(anyValue, r)
		sf.named.add(v, r)
		return v, true
	})
	return sf
}

// syncedUsers lists the active and inactive users, those a feature sync
// can take a feature from (pending users, listed without an ID, hold
// none yet).
func (e *engine) syncedUsers(ctx context.Context) ([]zoom.User, error) {
	var users []zoom.User
	for _, status := range []string{zoom.StatusActive, zoom.StatusInactive} {
		for u, err := range e.Client.ListUsers(ctx, zoom.ListUsersOptions{Status: status}) {
			if err != nil {
				return nil, fmt.Errorf("listing %s users: %w", status, err)
			}
			if u.ID != "" {
				users = append(users, u)
			}
		}
	}
	return users, nil
}

// featureSettingsOf reads every user's feature settings, concurrently
// within the Medium rate: the listing does not say who holds a webinar
// or a large meeting.
func (e *engine) featureSettingsOf(ctx context.Context, users []zoom.User) ([]*zoom.FeatureSettings, error) {
	settings := make([]*zoom.FeatureSettings, len(users))
	idx := make([]int, len(users))
	for j := range idx {
		idx[j] = j
	}
	if err := readEach(ctx, e.concurrency(zoom.Medium), idx, func(j int) error {
		s, err := e.Client.GetUserSettings(ctx, users[j].ID)
		if err != nil {
			return fmt.Errorf("reading the settings of %s: %w", users[j].Email, err)
		}
		settings[j] = &s.Feature
		return nil
	}); err != nil {
		return nil, err
	}
	return settings, nil
}

// featureRemovals plans turning feature sf off for the holders of each
// value the file names that no row lists, unless a failing row holds the
// value back, and records each value's members for the removal limits.
func (e *engine) featureRemovals(i int, sf featureSync, fs FeatureStep, users []zoom.User, settings []*zoom.FeatureSettings) []*rowRun {
	type count struct{ members, unlisted int }
	counts := map[string]*count{}
	for _, v := range sf.named.targets() {
		counts[v] = &count{}
	}
	what := func(v string) string { return fmt.Sprintf("%s %q", fs.FeatureType, v) }
	var out []*rowRun
	for j, u := range users {
		v, holds := sf.valueHeld(fs.FeatureType, &u, settings[j])
		if !holds {
			continue
		}
		counts[v].members++
		if sf.named.has(anyValue, u.ID, u.Email) {
			continue
		}
		counts[v].unlisted++
		if len(sf.held.of(v)) > 0 {
			continue
		}
		out = append(out, e.featureRemovalRow(i, sf.fi, fs.FeatureType, u, settings[j], what(v)))
	}
	for _, v := range sf.named.targets() {
		if v != anyValue {
			e.syncTarget(e.steps[i].Kind, what(v), counts[v].members, counts[v].unlisted, sf.held.of(v))
		}
	}
	return out
}

// valueHeld is the first value the file names (in target order) that the
// user has as asked; holds is false when the user has none of them, or
// Zoom does not say.
func (sf featureSync) valueHeld(featureType string, u *zoom.User, s *zoom.FeatureSettings) (v string, holds bool) {
	for _, v := range sf.named.targets() {
		if v == anyValue {
			continue
		}
		if same, known := featureAsAsked(featureType, v, u, s); same && known {
			return v, true
		}
	}
	return "", false
}

// featureRemovalRow is the row that turns a feature off for a holder no
// row lists (a Basic license for user_type, a downgrade), with what its
// undo puts back when the feature's code is known.
func (e *engine) featureRemovalRow(i, fi int, featureType string, u zoom.User, s *zoom.FeatureSettings, target string) *rowRun {
	off := offValue(featureType)
	r := e.removalRow(u, i, target)
	r.settings = s
	st := &r.steps[i]
	st.action = results.ActUpdate
	wantsOf(st).wants = []featureWant{{feature: fi, value: off, action: results.ActUpdate}}
	d := &decision{e: e, r: r, step: e.steps[i], st: st}
	cur := currentFeature(featureType, &u, s)
	d.change(featureType, cur, off, pick(featureType == "user_type", results.RemoveDowngrade, results.RemoveFeature))
	if was, ok := featureCode(featureType, &u, s); ok {
		d.undoable(featureType, was, off)
	}
	return r
}
