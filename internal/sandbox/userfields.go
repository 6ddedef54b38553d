package sandbox

import (
	"net/http"
	"strings"
)

// userText is one text field of a user as Create users (user_info) and
// Update a user take it: its JSON name, the reference's length limit and
// other rule, and where the body and the user keep it. createUser and
// updateUser both walk userTexts, so a new text field is one row here (the
// sandbox keeps its own table, apart from the tool's catalogue: it stands
// for Zoom, which the tool's tests check against).
type userText struct {
	name   string
	most   int                             // length limit in characters; 0: none checked
	rule   func(v string) *response        // Zoom's other rule for a value; nil: none
	update func(b *updateUserBody) *string // in Update a user's body
	create func(in *createUserInfo) string // in Create users' user_info; nil: not taken there
	field  func(u *user) *string           // on the user
}

var userTexts = []userText{
	{name: "first_name", most: maxName, update: func(b *updateUserBody) *string { return b.FirstName },
		create: func(in *createUserInfo) string { return in.FirstName }, field: func(u *user) *string { return &u.FirstName }},
	{name: "last_name", most: maxName, update: func(b *updateUserBody) *string { return b.LastName },
		create: func(in *createUserInfo) string { return in.LastName }, field: func(u *user) *string { return &u.LastName }},
	{name: "display_name", most: maxDisplayName, update: func(b *updateUserBody) *string { return b.DisplayName },
		create: func(in *createUserInfo) string { return in.DisplayName }, field: func(u *user) *string { return &u.DisplayName }},
	{name: "job_title", most: maxJobTitle, update: func(b *updateUserBody) *string { return b.JobTitle },
		field: func(u *user) *string { return &u.JobTitle }},
	{name: "company", most: maxCompany, update: func(b *updateUserBody) *string { return b.Company },
		field: func(u *user) *string { return &u.Company }},
	{name: "location", most: maxLocation, update: func(b *updateUserBody) *string { return b.Location },
		field: func(u *user) *string { return &u.Location }},
	{name: "dept", update: func(b *updateUserBody) *string { return b.Dept }, field: func(u *user) *string { return &u.Dept }},
	{name: "manager", update: func(b *updateUserBody) *string { return b.Manager }, field: func(u *user) *string { return &u.Manager }},
	{name: "timezone", update: func(b *updateUserBody) *string { return b.Timezone }, field: func(u *user) *string { return &u.Timezone }},
	{name: "language", update: func(b *updateUserBody) *string { return b.Language }, field: func(u *user) *string { return &u.Language }},
	{name: "phone_number", update: func(b *updateUserBody) *string { return b.PhoneNumber },
		field: func(u *user) *string { return &u.PhoneNumber }},
	{name: "cost_center", update: func(b *updateUserBody) *string { return b.CostCenter },
		field: func(u *user) *string { return &u.CostCenter }},
	{name: "pronouns", update: func(b *updateUserBody) *string { return b.Pronouns }, field: func(u *user) *string { return &u.Pronouns }},
	{name: "phone_country", update: func(b *updateUserBody) *string { return b.PhoneCountry },
		field: func(u *user) *string { return &u.PhoneCountry }},
	{name: "about_me", rule: aboutMeRule, update: func(b *updateUserBody) *string { return b.AboutMe },
		field: func(u *user) *string { return &u.AboutMe }},
	{name: "linkedin_url", rule: linkedInRule, update: func(b *updateUserBody) *string { return b.LinkedInURL },
		field: func(u *user) *string { return &u.LinkedInURL }},
	{name: "host_key", rule: hostKeyRule, update: func(b *updateUserBody) *string { return b.HostKey },
		field: func(u *user) *string { return &u.HostKey }},
	{name: "vanity_name", update: func(b *updateUserBody) *string { return b.VanityName },
		field: func(u *user) *string { return &u.VanityName }},
	{name: "cms_user_id", update: func(b *updateUserBody) *string { return b.CMSUserID },
		field: func(u *user) *string { return &u.CMSUserID }},
}

func aboutMeRule(v string) *response {
	if htmlOrLinkRE.MatchString(v) {
		r := fail(http.StatusBadRequest, 300, "The `about_me` field is illegal and can't contain hyperlinks or HTML code.")
		return &r
	}
	return nil
}

func linkedInRule(v string) *response {
	if v != "" && !strings.Contains(strings.ToLower(v), "linkedin.com") {
		r := fail(http.StatusBadRequest, 300, "The `linkedin_url` field is illegal. The URL must contain `linkedin.com`.")
		return &r
	}
	return nil
}

func hostKeyRule(v string) *response {
	if !hostKeyRE.MatchString(v) {
		r := invalid("host_key", "must be 6 to 10 digits")
		return &r
	}
	return nil
}

// checkText applies a text field's length limit and rule; prefix names
// the object that holds it in errors ("user_info." on create).
func (t userText) check(prefix, v string) *response {
	if t.most > 0 {
		if bad := checkLen(prefix+t.name, v, t.most); bad != nil {
			return bad
		}
	}
	if t.rule != nil {
		return t.rule(v)
	}
	return nil
}

// checkCreateTexts checks the text fields user_info carries.
func checkCreateTexts(in *createUserInfo) *response {
	for _, t := range userTexts {
		if t.create != nil {
			if bad := t.check("user_info.", t.create(in)); bad != nil {
				return bad
			}
		}
	}
	return nil
}

// checkUpdateTexts checks the text fields an Update a user body sets.
func checkUpdateTexts(b *updateUserBody) *response {
	for _, t := range userTexts {
		if p := t.update(b); p != nil {
			if bad := t.check("", *p); bad != nil {
				return bad
			}
		}
	}
	return nil
}

// setUpdateTexts stores the text fields an Update a user body sets.
func setUpdateTexts(u *user, b *updateUserBody) {
	for _, t := range userTexts {
		if p := t.update(b); p != nil {
			*t.field(u) = *p
		}
	}
}
