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
// the plan for the rows that list some), Add assistants (Medium). It only
// adds: assistants a user has and the cell does not list stay.
const SetAssistants jobfile.StepKind = "set_assistants"

// AssistantsOptions are set_assistants' options.
type AssistantsOptions struct {
	Field string // the field holding the assistants (default assistants)
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
	isMap := l.Map(n, key, []string{"field"}, func(k string, _, vn *yaml.Node) {
		var good bool
		o.Field, good = l.FieldRef(vn, key+"."+k, func(f mapping.Field) bool { return f.Target == mapping.Assistants }, "an assistants field (assistants)")
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

// prepare reads the assistants of the users whose rows list some.
func (assistantsStep) prepare(ctx context.Context, e *engine, i int, rows []*rowRun) error {
	o := e.steps[i].Options.(*AssistantsOptions)
	var todo []*rowRun
	for _, r := range rows {
		if v, ok := r.value(o.Field); ok && v != "" && r.user != nil && r.user.ID != "" && r.steps[i].result == nil {
			todo = append(todo, r)
		}
	}
	return e.forRows(ctx, todo, zoom.Medium, func(ctx context.Context, r *rowRun) error {
		as, err := e.Client.ListAssistants(ctx, r.user.ID)
		if err != nil {
			return fmt.Errorf("listing the assistants: %w", err)
		}
		r.steps[i].extra = as
		return nil
	})
}

func (assistantsStep) decide(d *decision) {
	o := d.step.Options.(*AssistantsOptions)
	cell, ok := d.value(o.Field)
	want := splitEmails(cell)
	if !ok || len(want) == 0 {
		d.set(results.ActUnchanged)
		return
	}
	have, _ := d.st.extra.([]zoom.Assistant)
	var current []string
	for _, a := range have {
		current = append(current, a.Email)
	}
	var add []zoom.Assistant
	for _, w := range want {
		if strings.EqualFold(w, d.u.Email) {
			d.fail("a user cannot be their own assistant", "remove "+w+" from the row's assistants")
			return
		}
		if !slices.ContainsFunc(current, func(c string) bool { return strings.EqualFold(c, w) }) {
			add = append(add, zoom.Assistant{Email: w})
		}
	}
	if len(add) == 0 {
		d.set(results.ActUnchanged)
		return
	}
	after := slices.Clone(current)
	for _, a := range add {
		after = append(after, a.Email)
	}
	d.set(results.ActAdd)
	d.change("assistants", strings.Join(current, "; "), strings.Join(after, "; "), "")
	d.st.extra = add
}

func (assistantsStep) cost(_ *rowRun, st *rowStep) []callCost {
	if st.action != results.ActAdd {
		return nil
	}
	add, _ := st.extra.([]zoom.Assistant)
	out := make([]callCost, 0, 1)
	for range slices.Chunk(add, zoom.MaxAssistantsAdd) {
		out = append(out, callCost{cat: zoom.Medium})
	}
	return out
}

func (assistantsStep) apply(a *applier, rows []*rowRun) {
	a.perRow(zoom.Medium, rows, func(ctx context.Context, r *rowRun, st *rowStep) *results.StepResult {
		add, _ := st.extra.([]zoom.Assistant)
		for chunk := range slices.Chunk(add, zoom.MaxAssistantsAdd) {
			if err := a.e.Client.AddAssistants(ctx, r.ref().Key(), chunk); err != nil {
				return a.e.outcomeOf(err)
			}
		}
		return succeeded()
	})
}
