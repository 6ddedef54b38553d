package jobs

import (
	"context"
	"fmt"
	"strconv"

	"go.yaml.in/yaml/v3"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/mapping"
	"github.com/zoombulk/zoombulk/internal/results"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// CreateUsers creates the users a row names that the account does not
// have (POST /users, Light), then sets the rest of the profile with a PATCH.
const CreateUsers jobfile.StepKind = "create_users"

// CreateOptions are create_users' options.
type CreateOptions struct {
	Action   string // create (default) | autoCreate | custCreate | ssoCreate
	IfExists string // skip (default) | update | fail
}

var (
	createActions   = []string{zoom.ActionCreate, "autoCreate", "custCreate", "ssoCreate"}
	ifExistsOptions = []string{"skip", "update", "fail"}
)

type createStep struct{}

func init() { register(createStep{}) }

func (createStep) Name() jobfile.StepKind { return CreateUsers }
func (createStep) userOptional()          {}

func (createStep) ParseOptions(l *jobfile.Loader, key string, n *yaml.Node) (any, bool) {
	o := &CreateOptions{Action: zoom.ActionCreate, IfExists: "skip"}
	if n == nil {
		return o, true
	}
	ok := true
	isMap := l.Map(n, key, []string{"action", "if_exists"}, func(k string, _, vn *yaml.Node) {
		var good bool
		switch k {
		case "action":
			o.Action, good = l.OneOf(vn, key+"."+k, createActions)
		case "if_exists":
			o.IfExists, good = l.OneOf(vn, key+"."+k, ifExistsOptions)
		}
		ok = ok && good
	})
	return o, ok && isMap
}

func (createStep) Fields(jobfile.Step) []string {
	return []string{"email", "first_name", "last_name", "type"}
}

func (createStep) Check(l *jobfile.Loader, key string, s jobfile.Step) { checkPhoneCountry(l, key, s) }

// createFields are the profile fields Create users takes in user_info; the
// rest of a new user's profile is set with a PATCH right after.
var createFields = map[string]bool{"first_name": true, "last_name": true, "display_name": true, "type": true}

func (createStep) decide(d *decision) {
	o := d.step.Options.(*CreateOptions)
	r, e := d.r, d.e
	if u := d.u; u != nil {
		switch {
		case r.intent:
			// The interrupted run's create took effect, but the PATCH
			// that sets the rest of a new user's profile may not have:
			// finish it (whatever if_exists says: the user is ours).
			profileDiff(d, profileFields(e.Job), nil)
			d.set(pick(len(d.st.patch) > 0, results.ActUpdate, results.ActRecovered))
		case o.IfExists == "fail":
			d.fail("a user with this email exists already", "use if_exists: update to update it, or skip to leave it")
		case o.IfExists == "update":
			profileDiff(d, profileFields(e.Job), nil)
			d.set(pick(len(d.st.patch) > 0, results.ActUpdate, results.ActUnchanged))
		default:
			d.set(results.ActUnchanged)
		}
		return
	}
	d.set(results.ActCreate)
	typ, _ := strconv.Atoi(textOf(r, "type"))
	nu := &zoom.User{Email: textOf(r, "email"), Type: typ, Status: zoom.StatusActive}
	if o.Action == zoom.ActionCreate {
		nu.Status = zoom.StatusPending
	}
	nu.FirstName, nu.LastName = textOf(r, "first_name"), textOf(r, "last_name")
	d.change("email", "", nu.Email, "")
	d.change("type", "", typeName(nu.Type), "")
	d.change("first_name", "", nu.FirstName, "")
	d.change("last_name", "", nu.LastName, "")
	if v, ok := d.value("display_name"); ok {
		d.change("display_name", "", v, "")
	}
	d.u, d.created = nu, true
	profileDiff(d, profileFields(e.Job), createFields)
}

func (createStep) cost(_ *rowRun, st *rowStep) []callCost {
	switch st.action {
	case results.ActCreate:
		out := []callCost{{cat: zoom.Light}}
		if len(st.patch) > 0 {
			out = append(out, callCost{cat: zoom.Light})
		}
		return out
	case results.ActUpdate:
		return []callCost{{cat: zoom.Light}}
	}
	return nil
}

func (createStep) apply(a *applier, rows []*rowRun) {
	o := a.step.Options.(*CreateOptions)
	a.perRow(zoom.Light, rows, func(ctx context.Context, r *rowRun, st *rowStep) *results.StepResult {
		c := a.e.Client
		if st.action == results.ActUpdate {
			if err := c.UpdateUser(ctx, r.ref().Key(), st.patch); err != nil {
				return a.e.outcomeOf(err)
			}
			return succeeded()
		}
		info := zoom.NewUser{Email: textOf(r, "email"), Type: int(asInt(textOf(r, "type"))),
			FirstName: textOf(r, "first_name"), LastName: textOf(r, "last_name"),
			DisplayName: textOf(r, "display_name"), Password: textOf(r, "password")}
		if a.e.journal != nil {
			if err := a.e.journal.intent(r, a.step, info.Email); err != nil {
				a.e.abort("the journal could not be written (" + err.Error() + ")")
				return &results.StepResult{Status: results.NotRun}
			}
		}
		cu, err := c.CreateUser(ctx, o.Action, info)
		if err != nil {
			return a.e.outcomeOf(err)
		}
		r.userID = cu.ID
		ok := &results.StepResult{Status: results.Succeeded, UserID: cu.ID}
		if cu.Recovered {
			ok.Reason = "the answer was lost; a look-up found the user, created once"
		}
		if len(st.patch) > 0 {
			if err := c.UpdateUser(ctx, cu.ID, st.patch); err != nil {
				if notSent(err) || stoppedUnanswered(a.e, err) {
					// Created, but the stop came before the rest of the
					// profile: the resume finishes it (the journal's
					// intent tells it the user is ours).
					return &results.StepResult{Status: results.Partial, UserID: cu.ID,
						Reason: "created; the rest of the profile was not set before the run stopped"}
				}
				res := failure(err)
				res.Reason = "created, but setting the rest of the profile failed: " + res.Reason
				res.UserID = cu.ID
				return res
			}
		}
		return ok
	})
}

// typeName reads a user type as the plan shows it.
func typeName(t int) string {
	code := strconv.Itoa(t)
	if f, ok := mapping.Lookup("type"); ok && f.Labels[code] != "" {
		return code + " (" + f.Labels[code] + ")"
	}
	return code
}

func asInt(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

// calls: the create, and the profile update of a user who exists (if_exists: update).
func (createStep) calls() []call {
	return []call{on(zoom.OpCreateUser, ""), on(zoom.OpUpdateUser, "")}
}

// A create's undo deletes the users it created (zb_created); the profile
// changes of users who existed (if_exists: update) are put back by the
// profile's undo.
func (createStep) createsUsers()              {}
func (createStep) undoneBy() jobfile.StepKind { return UpdateUsers }

// targets: a create sends the profile (and the password of autoCreate).
func (createStep) targets() []mapping.Target {
	return []mapping.Target{mapping.Profile, mapping.Password}
}
func (createStep) runRank() int { return 1 }

// writesProfiles: a create updates the users who exist with if_exists: update.
func (createStep) writesProfiles(s jobfile.Step) bool {
	return s.Options.(*CreateOptions).IfExists == "update"
}

// doc is the kind's row of docs/jobs.md's steps table.
func (createStep) doc() kindDoc {
	return kindDoc{
		order:    10,
		options:  "`action: create` | `autoCreate` | `custCreate` | `ssoCreate`; `if_exists: skip` | `update` | `fail`",
		call:     "`POST /users`, then `PATCH /users/{id}` for the profile fields Create users does not take",
		batching: "one row a call; daily cap 1,500 (Pro) / 10,000 (Business+)",
		category: "Light",
	}
}

// warnings: users who exist are updated with if_exists: update, and a type
// column that says Basic downgrades them.
func (createStep) warnings(step jobfile.Step, sp StepPlan) []string {
	if n := sp.Removals[results.RemoveDowngrade]; n > 0 && step.Options.(*CreateOptions).IfExists == "update" {
		return []string{fmt.Sprintf("create_users with if_exists: update downgrades %d existing users' licenses: check the type column", n)}
	}
	return nil
}
