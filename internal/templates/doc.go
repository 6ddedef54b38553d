package templates

// Field descriptions in words, from the mapping catalogue: the templates'
// Instructions sheets and the job file reference (docs/jobs.md) both use them, so
// the two never disagree with what the job loader checks.

import (
	"fmt"
	"sort"

	"github.com/zoombulk/zoombulk/internal/mapping"
)

// FieldDoc describes one catalogue field for people.
type FieldDoc struct {
	Name string // the job file key: first_name, webinar, group
	// Type is "text", "email", "digits", "one of the values" or "true/false".
	Type string
	// Limits is the length rule ("at most 64 characters", "exactly 10
	// digits"), "" when there is none.
	Limits string
	// Values lists the canonical values with their names ("1 (Basic)"), in
	// the catalogue's order; nil for free text.
	Values []string
	// Aliases are the other spellings a cell may use ("basic", "licensed"),
	// sorted; nil when there are none.
	Aliases []string
	// Clearable fields take the clear token (<clear>) to empty them.
	Clearable bool
	// Step names the step that sends the field.
	Step string
	Doc  string
}

// FieldDocs describes every catalogue field, in the catalogue's order.
func FieldDocs() []FieldDoc {
	cat := mapping.Catalogue()
	out := make([]FieldDoc, len(cat))
	for i, f := range cat {
		out[i] = DescribeField(f)
	}
	return out
}

// DescribeField describes one field.
func DescribeField(f mapping.Field) FieldDoc {
	d := FieldDoc{Name: f.Name, Clearable: f.Clearable, Doc: f.Doc, Step: fieldStep(f)}
	switch f.Kind {
	case mapping.Text:
		d.Type = "text"
		d.Limits = lengthRule(f.MinLen, f.MaxLen, "characters")
	case mapping.Email:
		d.Type = "email"
		d.Limits = lengthRule(0, f.MaxLen, "characters")
	case mapping.Integer, mapping.Digits:
		d.Type = "digits"
		d.Limits = lengthRule(f.MinLen, f.MaxLen, "digits")
	case mapping.Enum:
		d.Type = "one of the values"
	case mapping.Bool:
		d.Type = "true/false"
	}
	if f.Kind == mapping.Enum || f.Kind == mapping.Bool {
		for _, v := range f.Allowed {
			if l := f.Labels[v]; l != "" && l != v {
				d.Values = append(d.Values, fmt.Sprintf("%s (%s)", v, l))
			} else {
				d.Values = append(d.Values, v)
			}
		}
		for a := range f.Aliases {
			d.Aliases = append(d.Aliases, a)
		}
		sort.Strings(d.Aliases)
	}
	return d
}

func lengthRule(minLen, maxLen int, unit string) string {
	switch {
	case minLen > 0 && minLen == maxLen:
		return fmt.Sprintf("exactly %d %s", minLen, unit)
	case minLen > 0 && maxLen > 0:
		return fmt.Sprintf("%d to %d %s", minLen, maxLen, unit)
	case maxLen > 0:
		return fmt.Sprintf("at most %d %s", maxLen, unit)
	case minLen > 0:
		return fmt.Sprintf("at least %d %s", minLen, unit)
	}
	return ""
}

// fieldStep names the step (or steps) that send a field.
func fieldStep(f mapping.Field) string {
	switch f.Target {
	case mapping.Key:
		return "every step (names the user)"
	case mapping.Profile:
		return "create_users, update_users"
	case mapping.Feature:
		return "update_features"
	case mapping.Status:
		return "set_status"
	case mapping.Group:
		return "move_group"
	case mapping.Division:
		return "assign_division"
	case mapping.Subscription:
		return "update_features"
	case mapping.TransferEmail:
		return "delete_users"
	case mapping.Password:
		return "create_users (autoCreate)"
	case mapping.ContactGroup, mapping.Member, mapping.Privacy:
		return "contact_groups"
	case mapping.Description:
		return "upsert_divisions, contact_groups"
	case mapping.Assistants:
		return "set_assistants"
	}
	return ""
}

// Rule is the type and limits in one phrase: "text, at most 64 characters".
func (d FieldDoc) Rule() string {
	if d.Limits == "" {
		return d.Type
	}
	return d.Type + ", " + d.Limits
}
