package jobs

// An edited export run back: the input is a users export that remembers
// what it exported (export.Snapshot), so the plan compares each row with
// the export rather than with the account. A row as exported is unchanged
// without a read; an edited row is read (one look-up, by the exported user
// ID) only to check that the account still holds the exported value of
// each edited cell, and only the edited fields are written. A cell whose
// account value moved since the export is a conflict: left as found, with
// both values in the plan and the report. A row deleted from the sheet is
// not in the input, so it changes nothing.

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/mapping"
	"github.com/zoombulk/zoombulk/internal/results"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// Baseline is the export an input was edited from.
type Baseline struct {
	// Source names where the export keeps it, for messages.
	Source  string
	Account string
	Taken   time.Time
	// Lookup finds a user of the export by email or user ID: the exported
	// ID and the exported values, by header.
	Lookup func(key string) (id string, values map[string]string, ok bool)
	// Current is what the account holds now in a column of the export, in
	// the export's terms; ok is false when the user read cannot say.
	Current func(u *zoom.User, dir *zoom.Directory, header string) (value string, ok bool)
}

// baseRow is what the export said of one row.
type baseRow struct {
	id string
	// edited are the fields whose cell differs from the export: the
	// header and the exported text, by field.
	edited map[string][2]string
}

// applyBaseline compares every active row with the export: rows as
// exported are settled here (unchanged, nothing to read), edited rows keep
// only their edited fields and the user ID of the export. It returns the
// rows that still need the account. Rows the export does not hold (added
// to the sheet) are planned as any job's rows.
func (e *engine) applyBaseline(rows []*rowRun) ([]*rowRun, error) {
	b := e.Opts.Baseline
	if b == nil {
		return rows, nil
	}
	if acct := e.Client.AccountID(); b.Account != "" && !strings.EqualFold(acct, b.Account) { // a client always has its account ID (zoom.New refuses none)
		// A job error: nothing was read or sent (exit 2).
		return nil, &jobfile.JobError{File: e.sheet.File,
			Msg:  fmt.Sprintf("it was exported from the account %s, and this run writes to %s", b.Account, acct),
			Hint: "run it against the account it came from, or export this account and edit that"}
	}
	col := map[string]int{}
	for i, h := range e.sheet.Header {
		col[strings.TrimSpace(h)] = i
	}
	keyField := e.Job.Key()
	var out []*rowRun
	for _, r := range rows {
		id, values, ok := b.Lookup(r.key)
		if !ok {
			out = append(out, r) // not exported: a row the admin added
			continue
		}
		br := &baseRow{id: id, edited: map[string][2]string{}}
		for _, sp := range e.Job.Fields {
			if sp.Field == keyField || sp.Column == "" {
				continue
			}
			h := strings.TrimSpace(sp.Column)
			i, in := col[h]
			was, exported := values[h]
			if !in || !exported || i >= len(r.row.Cells) {
				continue
			}
			if strings.TrimSpace(r.row.Cells[i]) == strings.TrimSpace(was) {
				delete(r.row.Record.Values, sp.Field) // as exported: not sent
				continue
			}
			br.edited[sp.Field] = [2]string{h, was}
		}
		r.base = br
		if id != "" && r.userID == "" {
			r.userID = id
		}
		if len(br.edited) > 0 {
			out = append(out, r)
		}
	}
	return out, nil
}

// baselineConflicts takes out of an edited row the fields the account
// changed since the export: the row keeps them as conflicts, with the
// account's value and the sheet's.
func (e *engine) baselineConflicts(r *rowRun) {
	b := e.Opts.Baseline
	if b == nil || r.base == nil || r.user == nil || b.Current == nil {
		return
	}
	for _, field := range slicesSorted(r.base.edited) {
		hw := r.base.edited[field]
		now, ok := b.Current(r.user, e.dir, hw[0])
		if !ok || strings.TrimSpace(now) == strings.TrimSpace(hw[1]) {
			continue
		}
		v, _ := r.row.Record.Get(field)
		delete(r.row.Record.Values, field)
		delete(r.base.edited, field)
		i := e.stepReading(field)
		if i < 0 {
			continue
		}
		r.steps[i].conflicts = append(r.steps[i].conflicts, conflict{field: field, found: now, set: v.Text, was: hw[1]})
	}
}

func slicesSorted(m map[string][2]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// stepReading is the first step that reads field (-1: none).
func (e *engine) stepReading(field string) int {
	for i, s := range e.steps {
		if e.stepReads(s, field) {
			return i
		}
	}
	return -1
}

// stepReads says whether a step reads a field: a kind that sends every
// mapped field of its targets (update_users reads every profile field the
// job maps, and names none) reads a field of them, another the fields its
// options name.
func (e *engine) stepReads(s jobfile.Step, field string) bool {
	if ts, ok := KindTargets(s.Kind); ok {
		f, _ := mapping.Lookup(field)
		return slices.Contains(ts, f.Target)
	}
	return slices.Contains(s.Fields(e.Job)[1:], field)
}

// baselineSettles decides a step of a row the export holds when the row
// leaves the step nothing to do: as exported (unchanged), or only
// conflicts. It reports whether it did.
func (e *engine) baselineSettles(r *rowRun, i int, step jobfile.Step) bool {
	if r.base == nil {
		return false
	}
	for f := range r.base.edited {
		if e.stepReads(step, f) {
			return false
		}
	}
	st := &r.steps[i]
	st.action, st.changes, st.patch = results.ActUnchanged, nil, nil
	if len(st.conflicts) > 0 {
		st.action = results.ActConflict
	}
	return true
}

// conflictReason is the plan's and the report's reason for a conflict.
func (e *engine) conflictReason() string {
	if b := e.Opts.Baseline; b != nil {
		return fmt.Sprintf("changed in the account since the export of %s: left as found (current: the account's value; new: the sheet's)", b.Taken.UTC().Format(time.RFC3339))
	}
	return "changed after the run: left as found (current: the value found; new: the value the run had set)"
}

// baselineConflictText is a conflict's reason in the report.
func baselineConflictText(cs []conflict) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = fmt.Sprintf("%s changed in the account since the export (exported %q, now %q; the sheet says %q): left as found", c.field, c.was, c.found, c.set)
	}
	return strings.Join(parts, "; ")
}

// forgiveExported drops the problems of an edited export's row that are
// in cells left as exported: what Zoom holds is not the admin's to fix
// here, and the run sends none of those cells. Problems in edited cells,
// and every problem of a row the export does not hold, stay.
func (e *engine) forgiveExported(r *rowRun) {
	b := e.Opts.Baseline
	if b == nil || len(r.row.Record.Problems) == 0 || r.key == "" {
		return
	}
	_, values, ok := b.Lookup(r.key)
	if !ok {
		return
	}
	col := map[string]int{}
	for i, h := range e.sheet.Header {
		col[strings.TrimSpace(h)] = i
	}
	kept := r.row.Record.Problems[:0]
	for _, p := range r.row.Record.Problems {
		h := strings.TrimSpace(p.Column)
		i, in := col[h]
		was, exported := values[h]
		if h != "" && in && exported && i < len(r.row.Cells) && strings.TrimSpace(r.row.Cells[i]) == strings.TrimSpace(was) {
			continue
		}
		kept = append(kept, p)
	}
	r.row.Record.Problems = kept
}
