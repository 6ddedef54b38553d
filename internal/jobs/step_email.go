package jobs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/mapping"
	"github.com/zoombulk/zoombulk/internal/results"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// ChangeEmail moves users to a new address (PUT /users/{id}/email, Light):
// the address of a new_email column, or the same address on another domain
// (from_domain -> to_domain) for a company rename.
const ChangeEmail jobfile.StepKind = "change_email"

// EmailOptions are change_email's options.
type EmailOptions struct {
	Field      string // the field holding the new address ("" with a domain rewrite)
	FromDomain string // lower-cased; with ToDomain, rewrites user@FromDomain to user@ToDomain
	ToDomain   string
}

// newAddress is the address a row moves to, or "" when the row has none
// (no new_email cell, or an address outside from_domain).
func (o *EmailOptions) newAddress(r *rowRun, current string) string {
	if o.Field != "" {
		v, _ := r.value(o.Field)
		return strings.ToLower(v)
	}
	local, domain, ok := strings.Cut(strings.ToLower(current), "@")
	if !ok || domain != o.FromDomain {
		return ""
	}
	return local + "@" + o.ToDomain
}

type emailStep struct{}

func init() { register(emailStep{}) }

func (emailStep) Name() jobfile.StepKind { return ChangeEmail }

func (emailStep) ParseOptions(l *jobfile.Loader, key string, n *yaml.Node) (any, bool) {
	o := &EmailOptions{}
	ok := true
	if n != nil {
		ok = l.Map(n, key, []string{"field", "from_domain", "to_domain"}, func(k string, _, vn *yaml.Node) {
			var good bool
			switch k {
			case "field":
				o.Field, good = l.FieldRef(vn, key+"."+k, func(f mapping.Field) bool { return f.Target == mapping.NewEmail }, "a new-address field (new_email)")
			case "from_domain", "to_domain":
				var d string
				if d, good = l.Str(vn, key+"."+k); good {
					d = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(d), "@"))
					if !strings.Contains(d, ".") || strings.ContainsAny(d, "@ /") {
						l.Errorf(vn, key+"."+k, "e.g. "+k+": new.example", "%q is not a domain", d)
						good = false
					}
				}
				if k == "from_domain" {
					o.FromDomain = d
				} else {
					o.ToDomain = d
				}
			}
			ok = ok && good
		}) && ok
	}
	if !ok {
		return nil, false
	}
	rewrite := o.FromDomain != "" || o.ToDomain != ""
	switch {
	case rewrite && (o.FromDomain == "" || o.ToDomain == ""):
		l.AddError(l.StepLine(), key, "change_email needs both from_domain and to_domain", "e.g. change_email: { from_domain: old.example, to_domain: new.example }")
		return nil, false
	case rewrite && o.FromDomain == o.ToDomain:
		l.AddError(l.StepLine(), key, "from_domain and to_domain are the same", "name the domain the users move to in to_domain")
		return nil, false
	case rewrite && o.Field != "":
		l.AddError(l.StepLine(), key, "change_email takes a new_email field or a domain rewrite, not both", "remove field, or from_domain and to_domain")
		return nil, false
	case !rewrite && o.Field == "":
		if !l.Mapped("new_email") {
			l.AddError(l.StepLine(), key, "change_email has no new address: the job maps no new_email field and gives no domain rewrite",
				"map new_email: <column>, or write change_email: { from_domain: old.example, to_domain: new.example }")
			return nil, false
		}
		o.Field = "new_email"
	}
	return o, true
}

func (emailStep) Fields(s jobfile.Step) []string { return []string{s.Options.(*EmailOptions).Field} }

func (emailStep) Check(*jobfile.Loader, string, jobfile.Step) {}

// emailPlan is a row's rename as the plan found it.
type emailPlan struct {
	to      string
	problem string // why the rename cannot happen ("" = none)
	hint    string
	done    bool // the user already has the new address (a rerun)
}

// prepare works out each row's new address, refuses addresses given to two
// rows, and asks Zoom whether each is free (Check a user email, Light). A
// row whose user is not found by its address but is by the new one was
// renamed by an earlier run: it is found, and unchanged.
func (emailStep) prepare(ctx context.Context, e *engine, i int, rows []*rowRun) error {
	o := e.steps[i].Options.(*EmailOptions)
	plans := map[*rowRun]*emailPlan{}
	byAddr := map[string][]*rowRun{}
	for _, r := range rows {
		if r.steps[i].result != nil {
			continue
		}
		cur := r.key
		if r.user != nil {
			cur = r.user.Email
		}
		to := o.newAddress(r, cur)
		if to == "" {
			continue
		}
		p := &emailPlan{to: to}
		plans[r], r.steps[i].extra = p, p
		byAddr[to] = append(byAddr[to], r)
	}
	var mu sync.Mutex
	var check []*rowRun
	for to, rs := range byAddr {
		if len(rs) > 1 {
			nums := make([]string, len(rs))
			for j, r := range rs {
				nums[j] = fmt.Sprint(r.row.Number)
			}
			for _, r := range rs {
				plans[r].problem = fmt.Sprintf("the new address %s is given to rows %s of this file", to, strings.Join(nums, ", "))
				plans[r].hint = "give each user an address of their own"
			}
			continue
		}
		r := rs[0]
		if r.user != nil && strings.EqualFold(r.user.Email, to) {
			plans[r].done = true
			continue
		}
		check = append(check, r)
	}
	return e.forRows(ctx, check, zoom.Light, func(ctx context.Context, r *rowRun) error {
		p := plans[r]
		if r.user == nil {
			// Renamed already? Then the user answers to the new address.
			u, err := e.Client.FindUser(ctx, p.to)
			if err != nil {
				return err
			}
			if u != nil {
				mu.Lock()
				r.user, p.done = u, true
				mu.Unlock()
			}
			return nil
		}
		taken, err := e.Client.CheckEmail(ctx, p.to)
		if err != nil {
			return err
		}
		if taken {
			mu.Lock()
			p.problem = "the new address " + p.to + " is already used by a Zoom user"
			p.hint = "choose another address, or free this one first"
			mu.Unlock()
		}
		return nil
	})
}

func (emailStep) decide(d *decision) {
	p, _ := d.st.extra.(*emailPlan)
	switch {
	case p == nil || p.done:
		d.set(results.ActUnchanged)
	case p.problem != "":
		d.fail(p.problem, p.hint)
	case d.created:
		d.fail("the user is created by this run: create it with the new address instead", "put the new address in the email column")
	default:
		d.set(results.ActRename)
		d.change("email", d.u.Email, p.to, "")
		d.undoable("new_email", strings.ToLower(d.u.Email), p.to)
		d.st.target = p.to
		d.u.Email = p.to // later steps of the row see the new address
	}
}

// An undo renames the user back: its row is keyed by the address the run
// left (undo.csv's email) and its new_email is the address before.
func (emailStep) undoFields() []string                   { return []string{"new_email"} }
func (emailStep) undoStep(jobfile.Step, []string) string { return "change_email" }

func (emailStep) cost(_ *rowRun, st *rowStep) []callCost {
	if st.action == results.ActRename {
		return []callCost{{cat: zoom.Light}}
	}
	return nil
}

// warnings: a rename is undone by another rename, which Zoom counts
// against the same three changes a day.
func (emailStep) warnings(_ jobfile.Step, sp StepPlan) []string {
	if n := sp.Actions[results.ActRename]; n > 0 {
		return []string{fmt.Sprintf("change_email renames %d users: Zoom allows 3 email changes per user in 24 hours, and undoing a rename is another change that counts against the same limit", n)}
	}
	return nil
}

func (emailStep) apply(a *applier, rows []*rowRun) {
	a.perRow(zoom.Light, rows, func(ctx context.Context, r *rowRun, st *rowStep) *results.StepResult {
		if err := a.e.Client.ChangeEmail(ctx, r.ref().Key(), st.target); err != nil {
			return emailOutcome(a.e.outcomeOf(err), err)
		}
		if r.user != nil {
			// Later steps that name the user by email use the new one.
			u := *r.user
			u.Email = st.target
			r.user = &u
		}
		return succeeded()
	})
}

// emailOutcome says in the row what Zoom's answers to an email change mean.
func emailOutcome(res *results.StepResult, err error) *results.StepResult {
	var api *zoom.APIError
	if res.Status != results.Failed || !errors.As(err, &api) {
		return res
	}
	msg := strings.ToLower(api.Message)
	switch {
	case strings.Contains(msg, "24 hour"):
		res.Reason = "Zoom allows 3 email changes per user in 24 hours and this user has had them: " + api.Message
		res.Hint = "run the row again after 24 hours"
	case strings.Contains(msg, "managed domain"):
		res.Reason = "the new address is not on a managed domain of the account: " + api.Message
		res.Hint = "add and verify the domain under Account Management > Managed Domains, then run the row again"
	case api.Code == zoom.CodeEmailInUse:
		res.Reason = "the new address is already used by a Zoom user: " + api.Message
		res.Hint = "choose another address, or free this one first"
	}
	return res
}

// calls: the plan checks the new address is free.
func (emailStep) calls() []call {
	return []call{on(zoom.OpUpdateEmail, ""), planRead(zoom.OpCheckEmail, "")}
}

func (emailStep) targets() []mapping.Target { return []mapping.Target{mapping.NewEmail} }
func (emailStep) setRank() int              { return 7 }

// doc is the kind's row of docs/jobs.md's steps table.
func (emailStep) doc() kindDoc {
	return kindDoc{
		order:    80,
		options:  "`field: new_email` when mapped, or `from_domain: old.example, to_domain: new.example`",
		call:     "`PUT /users/{id}/email`",
		batching: "one row a call; Zoom allows 3 changes per user in 24 hours, to a managed domain",
		category: "Light",
	}
}
