package jobs

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/mapping"
	"github.com/zoombulk/zoombulk/internal/results"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// SetAssistants gives each row's user the assistants its cell lists
// (emails separated by semicolons): List user assistants (Medium, read in
// the plan for the rows that list some), Add assistants (Medium). By
// default it only adds; with sync: exact the assistants the cell does not
// list are deleted (Delete a user assistant, Light), and remove_only only
// deletes them.
const SetAssistants jobfile.StepKind = "set_assistants"

// AssistantsOptions are set_assistants' options.
type AssistantsOptions struct {
	Field string // the field holding the assistants (default assistants)
	Sync  string // add_only (default) | remove_only | exact
}

// assistantsPlan is a row's assistants to add and to delete.
type assistantsPlan struct {
	add, remove []zoom.Assistant
}

type assistantsStep struct{}

func init() { register(assistantsStep{}) }

func (assistantsStep) Name() jobfile.StepKind                      { return SetAssistants }
func (assistantsStep) Check(*jobfile.Loader, string, jobfile.Step) {}
func (assistantsStep) Fields(s jobfile.Step) []string {
	return []string{s.Options.(*AssistantsOptions).Field}
}

func (assistantsStep) ParseOptions(l *jobfile.Loader, key string, n *yaml.Node) (any, bool) {
	o := &AssistantsOptions{Field: "assistants"}
	if n == nil {
		return o, true
	}
	ok := true
	isMap := l.Map(n, key, []string{"field", "sync"}, func(k string, _, vn *yaml.Node) {
		var good bool
		switch k {
		case "field":
			o.Field, good = l.FieldRef(vn, key+"."+k, func(f mapping.Field) bool { return f.Target == mapping.Assistants }, "an assistants field (assistants)")
		case "sync":
			o.Sync, good = l.OneOf(vn, key+"."+k, syncModes)
		}
		ok = ok && good
	})
	return o, ok && isMap
}

// splitEmails reads a cell of emails separated by semicolons (commas and
// new lines work too), trimmed, without repeats.
func splitEmails(cell string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(cell, func(r rune) bool { return r == ';' || r == ',' || r == '\n' }) {
		if p = strings.TrimSpace(p); p != "" && !slices.ContainsFunc(out, func(s string) bool { return strings.EqualFold(s, p) }) {
			out = append(out, p)
		}
	}
	return out
}

// assistantsRead is what prepare read for a row: its user's assistants,
// and (with a sync that removes) the listed emails that are no user of
// the account.
type assistantsRead struct {
	have    []zoom.Assistant
	unknown []string
}

// prepare reads the assistants of the users whose rows list some. With a
// sync that removes, each listed email that is not an assistant yet is
// looked up: a misspelt one must not leave the real assistant unlisted,
// and so deleted.
func (assistantsStep) prepare(ctx context.Context, e *engine, i int, rows []*rowRun) error {
	o := e.steps[i].Options.(*AssistantsOptions)
	removes := (o.Sync == SyncExact || o.Sync == SyncRemoveOnly) && !e.Opts.Undo
	var todo []*rowRun
	for _, r := range rows {
		if v, ok := r.row.Record.Get(o.Field); ok && (v.Text != "" || v.Clear) && r.user != nil && r.user.ID != "" && r.steps[i].result == nil {
			todo = append(todo, r)
		}
	}
	return e.forRows(ctx, todo, zoom.Medium, func(ctx context.Context, r *rowRun) error {
		as, err := e.Client.ListAssistants(ctx, r.user.ID)
		if err != nil {
			return fmt.Errorf("listing the assistants: %w", err)
		}
		read := &assistantsRead{have: as}
		if removes {
			cell, _ := r.value(o.Field)
			for _, w := range splitEmails(cell) {
				if slices.ContainsFunc(as, func(a zoom.Assistant) bool { return strings.EqualFold(a.Email, w) }) {
					continue
				}
				u, err := e.Client.FindUser(ctx, w)
				if err != nil {
					return fmt.Errorf("looking up the assistant %s: %w", w, err)
				}
				if u == nil {
					read.unknown = append(read.unknown, w)
				}
			}
		}
		r.steps[i].extra = read
		return nil
	})
}

func (assistantsStep) decide(d *decision) {
	o := d.step.Options.(*AssistantsOptions)
	cell, ok := d.mapped(o.Field)
	want := splitEmails(cell.Text)
	// The clear token asks, with a sync that removes, for no assistants
	// at all (an undo puts an empty list back that way).
	none := cell.Clear && (o.Sync == SyncExact || o.Sync == SyncRemoveOnly)
	if !ok || (len(want) == 0 && !none) {
		d.set(results.ActUnchanged)
		return
	}
	var have []zoom.Assistant
	read, _ := d.st.extra.(*assistantsRead)
	if read != nil {
		have = read.have
	}
	var current []string
	for _, a := range have {
		current = append(current, a.Email)
	}
	if set, ok := d.undoSet("assistants"); ok && !sameEmails(strings.Join(current, "; "), set) {
		d.conflictOn("assistants", strings.Join(current, "; "), set)
		return
	}
	listed := func(email string) bool {
		return slices.ContainsFunc(want, func(w string) bool { return strings.EqualFold(w, email) })
	}
	if read != nil && len(read.unknown) > 0 {
		// The row fails and its user's assistants stay as they are: the
		// assistant it meant may be one the sync would delete.
		unlisted := 0
		for _, a := range have {
			if !listed(a.Email) {
				unlisted++
			}
		}
		d.e.syncTarget(d.step.Kind, "the assistants of "+d.u.Email, len(have), unlisted, []int{d.r.row.Number})
		d.fail(fmt.Sprintf("the assistant %s is not a user of the account, so the sync leaves this user's assistants as they are", strings.Join(read.unknown, ", ")),
			"check the email (a typo?) or create the user first")
		return
	}
	var p assistantsPlan
	for _, w := range want {
		if strings.EqualFold(w, d.u.Email) {
			d.fail("a user cannot be their own assistant", "remove "+w+" from the row's assistants")
			return
		}
		if o.Sync != SyncRemoveOnly && !slices.ContainsFunc(current, func(c string) bool { return strings.EqualFold(c, w) }) {
			p.add = append(p.add, zoom.Assistant{Email: w})
		}
	}
	if o.Sync == SyncExact || o.Sync == SyncRemoveOnly {
		for _, a := range have {
			if !listed(a.Email) {
				p.remove = append(p.remove, a)
			}
		}
	}
	if len(p.add) == 0 && len(p.remove) == 0 {
		d.set(results.ActUnchanged)
		return
	}
	var after []string
	for _, c := range current {
		if !slices.ContainsFunc(p.remove, func(a zoom.Assistant) bool { return strings.EqualFold(a.Email, c) }) {
			after = append(after, c)
		}
	}
	for _, a := range p.add {
		after = append(after, a.Email)
	}
	d.set(pick(len(p.add) > 0, results.ActAdd, results.ActRemove))
	d.change("assistants", strings.Join(current, "; "), strings.Join(after, "; "), "")
	d.undoable("assistants", strings.Join(current, "; "), strings.Join(after, "; "))
	for _, a := range p.remove {
		d.change("assistant", a.Email, "", results.RemoveAssistant)
	}
	if len(p.remove) > 0 {
		d.e.syncTarget(d.step.Kind, "the assistants of "+d.u.Email, len(have), len(p.remove), nil)
	}
	d.st.extra = &p
}

// An undo puts the list found before back exactly.
func (assistantsStep) undoFields() []string { return []string{"assistants"} }
func (assistantsStep) undoStep(jobfile.Step, []string) string {
	return "set_assistants: { sync: exact }"
}

// sameEmails says whether two assistant cells list the same users, in any
// order and case.
func sameEmails(a, b string) bool {
	norm := func(cell string) []string {
		out := splitEmails(strings.ToLower(cell))
		slices.Sort(out)
		return out
	}
	return slices.Equal(norm(a), norm(b))
}

func (assistantsStep) cost(_ *rowRun, st *rowStep) []callCost {
	p, _ := st.extra.(*assistantsPlan)
	if p == nil || !st.action.Writes() {
		return nil
	}
	var out []callCost
	for range slices.Chunk(p.add, zoom.MaxAssistantsAdd) {
		out = append(out, callCost{cat: zoom.Medium})
	}
	for range p.remove {
		out = append(out, callCost{cat: zoom.Light})
	}
	return out
}

func (assistantsStep) apply(a *applier, rows []*rowRun) {
	a.perRow(zoom.Medium, rows, func(ctx context.Context, r *rowRun, st *rowStep) *results.StepResult {
		p, _ := st.extra.(*assistantsPlan)
		for chunk := range slices.Chunk(p.add, zoom.MaxAssistantsAdd) {
			if err := a.e.Client.AddAssistants(ctx, r.ref().Key(), chunk); err != nil {
				return a.e.outcomeOf(err)
			}
		}
		for _, as := range p.remove {
			if err := a.e.Client.DeleteAssistant(ctx, r.ref().Key(), as.ID); err != nil {
				return a.e.outcomeOf(err)
			}
		}
		return succeeded()
	})
}

// calls: the list is read to add only who is missing; the delete takes
// out who the row does not list (a sync, and the undo, which syncs).
func (assistantsStep) calls() []call {
	return []call{on(zoom.OpListAssistants, ""), on(zoom.OpAddAssistants, ""), on(zoom.OpDeleteAssistant, "(`sync`, undo)")}
}

// sameRaw: assistant lists compare in any order and case.
func (assistantsStep) sameRaw(_, a, b string) bool { return sameEmails(a, b) }

func (assistantsStep) targets() []mapping.Target { return []mapping.Target{mapping.Assistants} }
func (assistantsStep) setRank() int              { return 6 }
func (assistantsStep) runRank() int              { return 3 }

// doc is the kind's row of docs/jobs.md's steps table.
func (assistantsStep) doc() kindDoc {
	return kindDoc{
		order:    210,
		options:  "`field: assistants`; `sync: add_only` | `remove_only` | `exact`",
		call:     "`GET /users/{id}/assistants` (plan), `POST /users/{id}/assistants`, `DELETE /users/{id}/assistants/{assistantId}` (sync)",
		batching: "one add call a user (30 assistants at most), one delete per assistant taken off",
		category: "Medium (delete: Light)",
	}
}
