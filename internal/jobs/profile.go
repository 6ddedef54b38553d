package jobs

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/mapping"
	"github.com/zoombulk/zoombulk/internal/results"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// profileFields are the mapped fields that update_users and create_users
// (if_exists: update) write with PATCH /users/{id}.
func profileFields(job *jobfile.Job) []string {
	var out []string
	for _, spec := range job.Fields {
		if f, ok := mapping.Lookup(spec.Field); ok && f.Target == mapping.Profile {
			out = append(out, spec.Field)
		}
	}
	return out
}

// userField reads and sets one profile field of a zoom.User, for the
// fields Get a user carries (mapping.Field.Carried; vanity_name, host_key,
// about_me and linkedin_url it does not): the plan compares rows with get,
// and simulates its own PATCHes with set so later steps see the state the
// earlier ones leave.
type userField struct {
	get func(*zoom.User) string
	set func(*zoom.User, string)
}

// userFields is derived from the catalogue: every carried profile field
// reads and sets the zoom.User field whose json tag is its UserKey, so a
// new user field is a catalogue entry and a zoom.User field, nothing here.
// A catalogue field zoom.User lacks is left out (sent without comparing);
// TestCarriedProfileFieldsAreRead fails on it.
var userFields = deriveUserFields()

func deriveUserFields() map[string]userField {
	byTag := map[string]int{}
	ut := reflect.TypeFor[zoom.User]()
	for i := range ut.NumField() {
		tag, _, _ := strings.Cut(ut.Field(i).Tag.Get("json"), ",")
		byTag[tag] = i
	}
	out := map[string]userField{}
	for _, f := range mapping.Catalogue() {
		if f.Target != mapping.Profile || f.Carried == mapping.NotCarried {
			continue
		}
		i, ok := byTag[f.UserKey()]
		if !ok {
			continue
		}
		field := func(u *zoom.User) reflect.Value { return reflect.ValueOf(u).Elem().Field(i) }
		switch ut.Field(i).Type.Kind() {
		case reflect.String:
			out[f.Name] = userField{
				get: func(u *zoom.User) string { return field(u).String() },
				set: func(u *zoom.User, v string) { field(u).SetString(v) },
			}
		case reflect.Int:
			// type: always set on a user Zoom answered, so 0 reads "0".
			out[f.Name] = userField{
				get: func(u *zoom.User) string { return strconv.FormatInt(field(u).Int(), 10) },
				set: func(u *zoom.User, v string) { n, _ := strconv.ParseInt(v, 10, 64); field(u).SetInt(n) },
			}
		case reflect.Int64:
			// pmi: 0 is "none", which compares with an empty cell.
			out[f.Name] = userField{
				get: func(u *zoom.User) string {
					if n := field(u).Int(); n != 0 {
						return strconv.FormatInt(n, 10)
					}
					return ""
				},
				set: func(u *zoom.User, v string) { n, _ := strconv.ParseInt(v, 10, 64); field(u).SetInt(n) },
			}
		}
	}
	return out
}

// currentValue reads a profile field off a user as the API returned it;
// listed says the user comes from List users, which leaves some fields
// out. ok is false for fields the answer does not carry: those are sent
// without comparing.
func currentValue(u *zoom.User, field string, listed bool) (string, bool) {
	f, ok := userFields[field]
	if !ok {
		return "", false
	}
	if m, _ := mapping.Lookup(field); listed && !m.Listed() {
		return "", false
	}
	return f.get(u), true
}

// applyPatch simulates a PATCH on a user.
func applyPatch(u *zoom.User, patch map[string]any) {
	for field, v := range patch {
		if f, ok := userFields[field]; ok {
			f.set(u, fmt.Sprint(v))
		}
	}
}

// sameValue compares a wanted value with the current one the way Zoom
// stores it: trimmed, and case-insensitively for emails (manager).
func sameValue(field, want, have string) bool {
	want, have = strings.TrimSpace(want), strings.TrimSpace(have)
	if field == "manager" || field == "new_email" || field == "phone_country" {
		return strings.EqualFold(want, have)
	}
	return want == have
}

// apiValue is a mapped value as the JSON body wants it: numbers for
// numeric fields, booleans for booleans, "" to clear.
func apiValue(field string, v mapping.Value) any {
	if v.Clear {
		return ""
	}
	f, _ := mapping.Lookup(field)
	switch {
	case f.Kind == mapping.Integer || field == "type":
		if n, err := strconv.ParseInt(v.Text, 10, 64); err == nil {
			return n
		}
	case f.Kind == mapping.Bool:
		return v.Text == "true"
	}
	return v.Text
}

// notCompared is the current value the plan shows for a field sent
// without reading it first.
const notCompared = "(not compared)"

// profileDiff plans the PATCH of the row's profile fields that differ from
// d.u (all of them for a user this run creates), records each change for
// the plan and applies it to d.u. A license downgrade is a removal.
func profileDiff(d *decision, fields []string, skip map[string]bool) {
	d.st.patch = map[string]any{}
	for _, field := range fields {
		if skip[field] {
			continue
		}
		v, ok := d.mapped(field)
		if !ok {
			continue // an empty cell leaves the field as it is
		}
		have, known := "", false
		if d.u != nil && !d.created {
			if have, known = currentValue(d.u, field, d.r.listed); known && sameValue(field, v.Text, have) {
				continue
			}
		}
		d.st.patch[field] = apiValue(field, v)
		if field == "phone_country" && !v.Clear {
			d.st.patch[field] = strings.ToUpper(v.Text) // Zoom's country IDs are upper case
		}
		cur, removal := have, ""
		switch {
		case d.created:
			cur = ""
		case !known:
			cur = notCompared
		case field == "type":
			removal = downgrade(have, v.Text)
			cur = typeName(int(asInt(have)))
		}
		newText := v.Text
		if v.Clear {
			newText = "(cleared)"
		} else if field == "type" {
			newText = typeName(int(asInt(v.Text)))
		}
		d.change(field, cur, newText, removal)
		if known {
			d.undoable(field, have, pick(v.Clear, "", v.Text))
		}
	}
	pairPhoneCountry(d)
	if d.u != nil {
		applyPatch(d.u, d.st.patch)
	}
}

// pairPhoneCountry adds the row's phone_country to a PATCH that sets
// phone_number: the reference says "To update a phone number, you must
// also provide the phone_country field", and Zoom refuses the PATCH
// without it even when the country is unchanged. The job check and the
// row check (checkPhoneCountryCell) make sure every such row has one.
func pairPhoneCountry(d *decision) {
	if num, ok := d.st.patch["phone_number"]; !ok || num == "" {
		return
	}
	if _, ok := d.st.patch["phone_country"]; ok {
		return
	}
	v, ok := d.r.row.Record.Get("phone_country")
	if !ok || v.Clear {
		return
	}
	country := strings.ToUpper(v.Text)
	d.st.patch["phone_country"] = country
	// Shown in the plan (it is sent), and kept in undo.csv so that the
	// undo's PATCH of the old number carries a country too.
	have, known := "", false
	if d.u != nil && !d.created {
		have, known = currentValue(d.u, "phone_country", d.r.listed)
	}
	d.change("phone_country", pick(known, have, pick(d.created, "", notCompared)), country, "")
	if known {
		d.undoable("phone_country", have, country)
	}
}

// checkPhoneCountryCell is the row problem of a phone number without its
// country (the cell empty and no default): Zoom would refuse the change.
func checkPhoneCountryCell(m *mapping.Mapper, row int, rec *mapping.Record) {
	num, ok := rec.Get("phone_number")
	if !ok || num.Clear || rec.HasProblem("phone_number") || rec.HasProblem("phone_country") {
		return
	}
	if c, ok := rec.Get("phone_country"); ok && !c.Clear {
		return
	}
	col := m.Column("phone_country")
	if col == "" {
		col = m.Column("phone_number")
	}
	rec.Problems = append(rec.Problems, mapping.Problem{Row: row, Column: col, Field: "phone_country", Kind: mapping.KindMissingField,
		Msg:  "phone_number is set but phone_country is empty: Zoom changes a phone number only together with its country",
		Hint: "fill in the country (a two-letter ID such as US), or give phone_country a default in the job"})
}

// checkPhoneCountry refuses a job that writes phone_number without a
// phone_country column or default: Zoom changes a phone number only with
// its country.
func checkPhoneCountry(l *jobfile.Loader, key string, s jobfile.Step) {
	var number, country bool
	for _, spec := range jobfile.ProfileSpecs(l.Job()) {
		number = number || spec.Field == "phone_number"
		country = country || spec.Field == "phone_country"
	}
	if number && !country {
		l.AddError(s.Line, key, "the job maps phone_number but not phone_country: Zoom changes a phone number only together with its country",
			"map a phone_country column, or give it a default: phone_country: { default: US }")
	}
}

// downgrade says whether a type change takes a license away: Licensed (2)
// to anything else.
func downgrade(from, to string) string {
	if from == "2" && to != "2" {
		return results.RemoveDowngrade
	}
	return ""
}

// needsDetail says whether existing users are read in full (Get a user):
// the job writes a profile field the listing leaves out but Get a user
// carries (job title, location, pronouns, ...). The read costs a Light
// call, as the PATCH it may save does, but it is what lets the plan show
// the field from -> to, keeps a rerun from writing rows already as asked,
// and gives undo the value to put back. Fields no answer carries
// (vanity_name, host_key, about_me, linkedin_url) never cause a read.
func needsDetail(e *engine) bool {
	writes := false
	for _, s := range e.Job.Steps {
		if w, ok := kindOf(s).(profileWriter); ok && w.writesProfiles(s) {
			writes = true
		}
	}
	if !writes {
		return false
	}
	for _, field := range profileFields(e.Job) {
		if _, read := userFields[field]; read {
			if f, _ := mapping.Lookup(field); !f.Listed() {
				return true
			}
		}
	}
	return false
}
