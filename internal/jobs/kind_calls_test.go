package jobs

import (
	"slices"
	"testing"

	"github.com/zoombulk/zoombulk/internal/credentials"
	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// Every registered kind declares the calls it makes, each with its scopes
// and a method, path and rate category, and each one the docs' scopes
// table lists (zoom.Endpoints); a kind with no call, or a call with no
// scope, is what let `auth check` say a job had every scope it needed.
func TestEveryKindDeclaresScopedCalls(t *testing.T) {
	catalogue := zoom.Endpoints()
	for _, name := range StepKinds() {
		calls := stepKinds[name].calls()
		if len(calls) == 0 {
			t.Errorf("%s declares no call", name)
		}
		for _, c := range calls {
			ep := c.Endpoint
			switch {
			case ep.Scope == "" || ep.ClassicScope == "":
				t.Errorf("%s: %s has no scope (granular %q, classic %q)", name, ep.Call(), ep.Scope, ep.ClassicScope)
			case ep.Method == "" || ep.Path == "" || !slices.Contains(zoom.Categories, ep.Category):
				t.Errorf("%s: call %+v lacks its method, path or rate category", name, ep)
			case !slices.Contains(catalogue, ep):
				t.Errorf("%s: %s is not in zoom.Endpoints, which the docs' scopes table lists", name, ep.Call())
			}
		}
	}
}

// For every kind and every call it always makes, a token that lacks the
// call's scope (and its classic scope) is told so; one that has every
// other scope is not told anything else is missing.
func TestNeedsReportsEachKindsMissingScope(t *testing.T) {
	for _, name := range StepKinds() {
		steps := []jobfile.Step{{Kind: name}}
		calls := Endpoints(steps)
		for _, c := range stepKinds[name].calls() {
			if c.when != nil {
				continue
			}
			var granted []string
			for _, o := range calls {
				if o.Scope != c.Scope {
					granted = append(granted, o.Scope)
				}
			}
			var missing []string
			for _, n := range credentials.Needs(calls, granted) {
				if !n.Granted {
					missing = append(missing, n.Scope)
					if !slices.Contains(n.Calls, c.Call()) {
						t.Errorf("%s: %s missing, listed for %v without %s", name, n.Scope, n.Calls, c.Call())
					}
				}
			}
			if !slices.Equal(missing, []string{c.Scope}) {
				t.Errorf("%s without %s: missing %v", name, c.Scope, missing)
			}
		}
	}
}

// A call a kind makes only with an option is needed only by a step that
// has it: move_group creates groups only with create_missing, and takes
// members out only with a sync.
func TestEndpointsFollowTheStepsOptions(t *testing.T) {
	cases := []struct {
		name    string
		opts    *GroupOptions
		creates bool
		removes bool
	}{
		{"plain move", &GroupOptions{Mode: "move"}, false, false},
		{"create_missing", &GroupOptions{Mode: "move", CreateMissing: jobfile.CreateMissing{All: true}}, true, false},
		{"sync exact", &GroupOptions{Mode: "move", Sync: SyncExact}, false, true},
		{"no options (a kind name only)", nil, false, false},
	}
	for _, tc := range cases {
		s := jobfile.Step{Kind: MoveGroup}
		if tc.opts != nil {
			s.Options = tc.opts
		}
		eps := Endpoints([]jobfile.Step{s})
		if got := slices.Contains(eps, zoom.OpCreateGroup); got != tc.creates {
			t.Errorf("%s: needs POST /groups %v, want %v", tc.name, got, tc.creates)
		}
		if got := slices.Contains(eps, zoom.OpDeleteGroupMember); got != tc.removes {
			t.Errorf("%s: needs DELETE member %v, want %v", tc.name, got, tc.removes)
		}
		for _, always := range []zoom.Endpoint{zoom.OpListUsers, zoom.OpGetUser, zoom.OpListGroups, zoom.OpAddGroupMembers} {
			if !slices.Contains(eps, always) {
				t.Errorf("%s: %s not needed", tc.name, always.Call())
			}
		}
	}
}

// A field an undo puts back belongs to one kind: two kinds listing it
// would make undo.yaml's step for it depend on which is asked first. And
// each kind says what its undo is: a step of its own or another kind's,
// or that it is undone otherwise (users created or deleted, groups and
// divisions created), or the undo job says it is not undone.
func TestUndoFieldsHaveOneKind(t *testing.T) {
	owner := map[string]jobfile.StepKind{}
	for _, name := range StepKinds() {
		u, ok := stepKinds[name].(undoKind)
		if !ok {
			continue
		}
		for _, f := range u.undoFields() {
			if o, dup := owner[f]; dup {
				t.Errorf("undo field %s listed by %s and %s", f, o, name)
			}
			owner[f] = name
			if got, _ := undoField(f); got != name {
				t.Errorf("undoField(%s) = %s, want %s", f, got, name)
			}
		}
	}
	targets := map[any]jobfile.StepKind{}
	for _, name := range StepKinds() {
		if tk, ok := stepKinds[name].(undoTargeter); ok {
			if o, dup := targets[tk.undoTarget()]; dup {
				t.Errorf("undo target %v taken by %s and %s", tk.undoTarget(), o, name)
			}
			targets[tk.undoTarget()] = name
		}
		if b, ok := stepKinds[name].(undoneBy); ok {
			if _, ok := stepKinds[b.undoneBy()].(undoKind); !ok {
				t.Errorf("%s is undone by %s, which has no undo step", name, b.undoneBy())
			}
		}
	}
	if _, _, ok := kindWith[userDeleter](); !ok {
		t.Error("no kind deletes the users a run created")
	}
	if _, _, ok := kindWith[dirUndoer](); !ok {
		t.Error("no kind deletes the groups and divisions a run created")
	}
}

// Every kind has its row of the docs' steps table, filled in, and in a
// place of its own.
func TestEveryKindHasADocRow(t *testing.T) {
	docs := StepDocs()
	if len(docs) != len(StepKinds()) {
		t.Fatalf("%d rows for %d kinds", len(docs), len(StepKinds()))
	}
	at := map[int]jobfile.StepKind{}
	for _, name := range StepKinds() {
		d := stepKinds[name].doc()
		if d.options == "" || d.call == "" || d.batching == "" || d.category == "" {
			t.Errorf("%s: doc row %+v has an empty cell", name, d)
		}
		if o, dup := at[d.order]; dup || d.order <= 0 {
			t.Errorf("%s: doc row place %d (also %s)", name, d.order, o)
		}
		at[d.order] = name
	}
}
