package jobs

import (
	"context"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/mapping"
	"github.com/zoombulk/zoombulk/internal/results"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// DeleteUsers disassociates or deletes users (DELETE /users/{id}, Light),
// optionally handing their meetings, webinars, recordings and the rest to
// another user first. It needs --allow-delete.
const DeleteUsers jobfile.StepKind = "delete_users"

// DeleteOptions are delete_users' options.
type DeleteOptions struct {
	Action        string // disassociate (default) | delete
	TransferEmail string // the field holding the transfer address ("" = none)
	// RemoveSchedulers: the user is first made no one's scheduling
	// assistant (see step_schedulers.go).
	RemoveSchedulers bool
}

var deleteActions = []string{"disassociate", "delete"}

type deleteStep struct{}

func init() { register(deleteStep{}) }

func (deleteStep) Name() jobfile.StepKind { return DeleteUsers }
func (deleteStep) userOptional()          {}

func (deleteStep) ParseOptions(l *jobfile.Loader, key string, n *yaml.Node) (any, bool) {
	o := &DeleteOptions{Action: "disassociate"}
	ok, isMap := true, true
	if n != nil {
		isMap = l.Map(n, key, []string{"action", "transfer_email", "remove_schedulers"}, func(k string, _, vn *yaml.Node) {
			var good bool
			switch k {
			case "remove_schedulers":
				o.RemoveSchedulers, good = l.Bool(vn, key+"."+k)
			case "action":
				o.Action, good = l.OneOf(vn, key+"."+k, deleteActions)
			case "transfer_email":
				o.TransferEmail, good = l.FieldRef(vn, key+"."+k, func(f mapping.Field) bool { return f.Kind == mapping.Email }, "an email field (transfer_email)")
			}
			ok = ok && good
		})
	}
	// A mapped transfer_email column is used unless the step names another.
	if o.TransferEmail == "" && l.Mapped("transfer_email") && !jobfile.HasKey(n, "transfer_email") {
		o.TransferEmail = "transfer_email"
	}
	return o, ok && isMap
}

func (deleteStep) Fields(s jobfile.Step) []string {
	return []string{s.Options.(*DeleteOptions).TransferEmail}
}

func (deleteStep) Check(*jobfile.Loader, string, jobfile.Step) {}

// transferTargets are the users that receive a leaver's data, read once.
type transferTargets struct {
	users map[string]*zoom.User // lower-cased email -> user (nil: not in the account)
	// deletedBy names the row that deletes a user of the file.
	deletedBy map[string]int
}

// prepare reads each transfer target once, so the plan can refuse a
// transfer that would lose the data.
func (deleteStep) prepare(ctx context.Context, e *engine, i int, rows []*rowRun) error {
	o := e.steps[i].Options.(*DeleteOptions)
	if o.RemoveSchedulers {
		if err := readSchedulers(ctx, e, i, rows, func(*rowRun) bool { return true }); err != nil {
			return err
		}
	}
	t := &transferTargets{users: map[string]*zoom.User{}, deletedBy: map[string]int{}}
	e.transfer = t
	byEmail := map[string]*rowRun{}
	for _, r := range e.rows {
		if r.user != nil {
			byEmail[strings.ToLower(r.user.Email)] = r
			if r.invalid == nil {
				t.deletedBy[strings.ToLower(r.user.Email)] = r.row.Number
			}
		}
	}
	if o.TransferEmail == "" {
		return nil
	}
	var need []string
	for _, r := range rows {
		to, ok := r.value(o.TransferEmail)
		to = strings.ToLower(to)
		if !ok || to == "" {
			continue
		}
		if _, seen := t.users[to]; seen {
			continue
		}
		if other, inFile := byEmail[to]; inFile {
			t.users[to] = other.user
			continue
		}
		t.users[to] = nil
		need = append(need, to)
	}
	for _, to := range need {
		u, err := e.Client.FindUser(ctx, to)
		if err != nil {
			return fmt.Errorf("looking up the transfer target %s: %w", to, err)
		}
		t.users[to] = u
	}
	return nil
}

func (deleteStep) decide(d *decision) {
	o := d.step.Options.(*DeleteOptions)
	if d.u == nil {
		// Nothing to delete: already as asked (a rerun after the delete).
		d.set(results.ActUnchanged)
		return
	}
	act := pick(o.Action == "delete", results.ActDelete, results.ActDisassoc)
	if o.TransferEmail != "" {
		if to, ok := d.value(o.TransferEmail); ok {
			if why := d.e.transferProblem(d.r, to); why != "" {
				d.fail("the transfer target "+to+" "+why, "name an active user who stays in the account, or leave the transfer cell empty")
				return
			}
			d.st.target = to
		}
	}
	d.set(act)
	// A disassociation is named as such everywhere (changes.csv, the
	// plan, the prompt): the user keeps a Zoom account of their own.
	d.change("user", d.u.Email, "", pick(act == results.ActDelete, results.RemoveDelete, results.RemoveDisassociate))
	if d.st.target != "" {
		d.change("transfer_to", "", d.st.target, "")
	}
	planSchedulers(d)
	d.u, d.gone = nil, true
}

// transferProblem says what is wrong with a transfer target, or "".
func (e *engine) transferProblem(r *rowRun, to string) string {
	key := strings.ToLower(to)
	if r.user != nil && strings.EqualFold(r.user.Email, to) {
		return "is the user being removed"
	}
	if e.transfer == nil {
		return ""
	}
	u := e.transfer.users[key]
	switch {
	case u == nil:
		return "is not a user of the account"
	case e.transfer.deletedBy[key] != 0:
		return fmt.Sprintf("is removed by row %d of this file: the data would be lost", e.transfer.deletedBy[key])
	case u.Status != zoom.StatusActive:
		return "is " + u.Status + ", not active: Zoom can only transfer to an active user"
	}
	return ""
}

func (deleteStep) cost(_ *rowRun, st *rowStep) []callCost {
	if st.action.Writes() {
		return append([]callCost{{cat: zoom.Light}}, schedulersCost(st)...)
	}
	return nil
}

func (deleteStep) apply(a *applier, rows []*rowRun) {
	o := a.step.Options.(*DeleteOptions)
	a.perRow(zoom.Light, rows, func(ctx context.Context, r *rowRun, st *rowStep) *results.StepResult {
		if res := removeSchedulers(ctx, a, r, st); res != nil {
			return res
		}
		if err := a.e.Client.DeleteUser(ctx, r.ref().Key(), zoom.DeleteOptions{Action: o.Action, TransferEmail: st.target}); err != nil {
			return a.e.outcomeOf(err)
		}
		return succeeded()
	})
}

func (deleteStep) calls() []call {
	removes := func(o *DeleteOptions) bool { return o.RemoveSchedulers }
	return []call{
		on(zoom.OpDeleteUser, ""),
		onlyIf(planRead(zoom.OpListSchedulers, "with `remove_schedulers: true`"), removes),
		onlyIf(on(zoom.OpDeleteSchedulers, "with `remove_schedulers: true`"), removes),
	}
}

// Nothing brings a deleted user back: undo.csv lists them (zb_deleted).
// In an undo, this step deletes the users the undone run created.
// deletes: deleting users is confirmed on the command line every time.
func (deleteStep) deletes() string { return "removes users" }

func (deleteStep) undoCreated() string { return string(DeleteUsers) + ": { action: delete }" }

// leavesDir: a deleted user leaves every group and division.
func (deleteStep) leavesDir(createdDir, *rowRun, *rowStep) bool { return true }

func (deleteStep) targets() []mapping.Target { return []mapping.Target{mapping.TransferEmail} }
func (deleteStep) runRank() int              { return 4 }

func (deleteStep) takes(jobfile.Step) (what, field string) { return "deletes users", "" }

// doc is the kind's row of docs/jobs.md's steps table.
func (deleteStep) doc() kindDoc {
	return kindDoc{
		order:    110,
		options:  "`action: disassociate` | `delete`; `transfer_email: transfer_email` when mapped",
		call:     "`DELETE /users/{id}?action=…&transfer_email=…` (meetings, webinars, recordings, whiteboards, clips, notes, docs and visitors transferred)",
		batching: "one row a call; needs `--allow-delete`",
		category: "Light",
	}
}
