package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/zoombulk/zoombulk/internal/jobs"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// otherUses are the commands besides job steps that make a call, as the
// scopes table names them (the steps' uses come from the kinds).
var otherUses = map[string]string{
	"GET /users":                             "export users, summary",
	"GET /users/{userId}":                    "export users `--details`",
	"GET /users/summary":                     "plan (large files), export summary, auth check",
	"GET /users/{userId}/settings":           "export users `--settings`",
	"GET /groups/{groupId}/admins":           "export groups `--admins`",
	"GET /users/{userId}/assistants":         "export assistants",
	"GET /groups":                            "exports, template `--from-account`",
	"GET /groups/{groupId}/members":          "export group-members, groups",
	"GET /divisions":                         "exports, template `--from-account`",
	"GET /divisions/{divisionId}/users":      "export divisions",
	"GET /contacts/groups":                   "export contact-groups",
	"GET /contacts/groups/{groupId}/members": "export contact-groups",
}

// ScopesMarkdown is docs/credentials.md's table of the calls zoombulk
// makes, who makes them and the granular scope each needs: the steps'
// calls as their kinds declare them (jobs.KindCalls), the reads of every
// plan, and the commands' own calls. Calls with the same scope and the
// same users share a row.
func ScopesMarkdown() string {
	type row struct {
		calls         []string
		usedBy, scope string
	}
	var rows []row
	kindCalls := jobs.KindCalls()
	for _, ep := range zoom.Endpoints() {
		usedBy := usesOf(ep, kindCalls)
		if usedBy == "" {
			continue // a call nothing makes yet
		}
		scope := "`" + ep.Scope + "`"
		if ep.Scope == ep.ClassicScope {
			scope += " (the reference lists no granular scope)"
		}
		i := slices.IndexFunc(rows, func(r row) bool { return r.usedBy == usedBy && r.scope == scope })
		if i < 0 {
			rows = append(rows, row{usedBy: usedBy, scope: scope})
			i = len(rows) - 1
		}
		rows[i].calls = append(rows[i].calls, "`"+ep.Call()+"`")
	}
	var b strings.Builder
	b.WriteString("| call | used by | granular scope |\n|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", strings.Join(r.calls, ", "), mdCell(r.usedBy), r.scope)
	}
	return b.String()
}

// usesOf says who makes a call: "plan" for every plan's reads, "plan of"
// the kinds that read it while planning, the kinds that send it, then the
// commands.
func usesOf(ep zoom.Endpoint, kindCalls []jobs.KindCall) string {
	var planOf, steps []string
	for _, c := range kindCalls {
		if c.Endpoint != ep {
			continue
		}
		use := "`" + string(c.Kind) + "`"
		if c.Note != "" {
			use += " " + c.Note
		}
		if c.Plan {
			planOf = append(planOf, use)
		} else {
			steps = append(steps, use)
		}
	}
	var groups []string
	var first []string
	if slices.Contains(jobs.PlanReads(), ep) {
		first = append(first, "plan")
	}
	if len(planOf) > 0 {
		groups = append(groups, "plan of "+strings.Join(planOf, ", "))
	}
	first = append(first, steps...)
	if o := otherUses[ep.Call()]; o != "" {
		first = append(first, o)
	}
	if len(first) > 0 {
		groups = append(groups, strings.Join(first, ", "))
	}
	return strings.Join(groups, "; ")
}

// StepsMarkdown is docs/jobs.md's table of the step kinds, a row each as
// the kind declares it (jobs.StepDocs).
func StepsMarkdown() string {
	var b strings.Builder
	b.WriteString("| step | options (defaults first) | API call | batching | rate category |\n|---|---|---|---|---|\n")
	for _, d := range jobs.StepDocs() {
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", d.Kind, mdCell(d.Options), mdCell(d.Call), mdCell(d.Batching), mdCell(d.Category))
	}
	return b.String()
}
