package jobs

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/mapping"
	"github.com/zoombulk/zoombulk/internal/results"
	"github.com/zoombulk/zoombulk/internal/sheet"
)

// The before-image of a run: undo.csv holds, per user the run changed, the
// value each field had before (a column named as the field) and the value
// the run set (zb_set_<field>), plus zb_created / zb_deleted; undo.yaml is
// the job that puts the before values back. `zoombulk undo DIR` runs it
// with Options.Undo.
const (
	UndoCSV       = "undo.csv"
	UndoYAML      = "undo.yaml"
	undoSetPrefix = "zb_set_"
	colCreated    = "zb_created"
	colDeleted    = "zb_deleted"
)

// undoEntry is one row's before-image: a user's, or (in a job whose rows
// are not users) a contact group member's.
type undoEntry struct {
	key              []string          // the cells of undoKeys: the email, or the row key
	before, set      map[string]string // by field
	created, deleted bool
	flags            map[string]bool // rowStep.undoFlags
}

// undoKeys are the fields that name an undo.csv row: the email, or the
// fields of the job's row key.
func (e *engine) undoKeys() []string {
	if rk := e.Job.RowKey(); rk != nil {
		return rk
	}
	return []string{"email"}
}

// undoKind is implemented by step kinds (beyond the built-in ones) whose
// changes an undo job can put back: their decide records each change with
// d.undoable(field, was, set); fields lists those job fields, and step is
// the undo job's step (a line of its steps list, e.g. "update_settings")
// for the fields of undo.csv that kind restores ("" for none).
type undoKind interface {
	undoFields() []string
	undoStep(s jobfile.Step, fields []string) string
}

// undoField says whether an undo job can put a field back, and with which
// step kind.
func undoField(field string) (jobfile.StepKind, bool) {
	for name, k := range stepKinds {
		if u, ok := k.(undoKind); ok && slices.Contains(u.undoFields(), field) {
			return name, true
		}
	}
	switch field {
	case "status":
		return SetStatus, true
	case "group":
		return MoveGroup, true
	case "division":
		return AssignDivision, true
	}
	f, ok := mapping.Lookup(field)
	switch {
	case !ok:
		return "", false
	case f.Target == mapping.Profile:
		return UpdateUsers, true
	case f.Target == mapping.Feature:
		return UpdateFeatures, true
	}
	return "", false
}

// writeUndo writes undo.csv and undo.yaml from the row-steps that
// succeeded. A resumed run keeps the earlier part's before-image: the
// first value seen before a change is the one to put back.
func (e *engine) writeUndo() ([]string, error) {
	dir := e.Opts.OutDir
	keys := e.undoKeys()
	byKey := map[string]*undoEntry{}
	var order []string
	entry := func(key []string) *undoEntry {
		k := strings.ToLower(strings.Join(key, "\x00"))
		if ent := byKey[k]; ent != nil {
			return ent
		}
		ent := &undoEntry{key: key, before: map[string]string{}, set: map[string]string{}, flags: map[string]bool{}}
		byKey[k] = ent
		order = append(order, k)
		return ent
	}
	if e.Opts.Resume {
		if err := readUndo(filepath.Join(dir, UndoCSV), len(keys), entry); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("reading the earlier run's %s: %w", UndoCSV, err)
		}
	}
	for _, r := range e.rows {
		if r.invalid != nil {
			continue
		}
		key := []string{r.email()}
		if r.user != nil && r.user.Email != "" {
			key[0] = r.user.Email // the address the run left (change_email)
		}
		if len(keys) > 1 || keys[0] != "email" {
			key = make([]string, len(keys))
			for j, f := range keys {
				key[j] = textOf(r, f)
			}
		}
		if key[0] == "" {
			continue
		}
		for i := range r.steps {
			st, res := &r.steps[i], r.steps[i].result
			if res == nil {
				continue
			}
			kind := e.steps[i].Kind
			done := res.Status == results.Succeeded || res.Status == results.Partial
			switch {
			case kind == CreateUsers && done && (st.action == results.ActCreate || r.intent):
				entry(key).created = true
				continue
			case kind == DeleteUsers && res.Status == results.Succeeded && st.action.Writes():
				entry(key).deleted = true
				continue
			case res.Status != results.Succeeded:
				continue
			}
			for _, f := range st.undoFlags {
				entry(key).flags[f] = true
			}
			for _, c := range st.changes {
				if c.col == "" {
					continue
				}
				if _, ok := undoField(c.col); !ok {
					continue
				}
				ent := entry(key)
				if _, seen := ent.before[c.col]; !seen {
					ent.before[c.col] = c.was
				}
				ent.set[c.col] = c.set
			}
		}
	}
	var cols, flags []string
	for _, k := range order {
		for f := range byKey[k].before {
			if !slices.Contains(cols, f) {
				cols = append(cols, f)
			}
		}
		for f := range byKey[k].flags {
			if !slices.Contains(flags, f) {
				flags = append(flags, f)
			}
		}
	}
	slices.Sort(cols)
	slices.Sort(flags)
	header := slices.Clone(keys)
	header = append(header, cols...)
	for _, c := range cols {
		header = append(header, undoSetPrefix+c)
	}
	header = append(header, colCreated, colDeleted)
	header = append(header, flags...)
	csvPath := filepath.Join(dir, UndoCSV)
	err := sheet.WriteAtomic(csvPath, func(w io.Writer) error {
		cw := csv.NewWriter(w)
		cw.Write(header)
		for _, k := range order {
			ent := byKey[k]
			rec := slices.Clone(ent.key)
			for _, c := range cols {
				v, ok := ent.before[c]
				rec = append(rec, pick(ok, undoCell(c, v), ""))
			}
			for _, c := range cols {
				v, ok := ent.set[c]
				rec = append(rec, pick(ok, undoCell(c, v), ""))
			}
			rec = append(rec, pick(ent.created, "yes", ""), pick(ent.deleted, "yes", ""))
			for _, f := range flags {
				rec = append(rec, pick(ent.flags[f], "yes", ""))
			}
			cw.Write(rec)
		}
		cw.Flush()
		return cw.Error()
	})
	if err != nil {
		return nil, err
	}
	created := slices.ContainsFunc(order, func(k string) bool { return byKey[k].created })
	yamlPath := filepath.Join(dir, UndoYAML)
	text := e.undoJob(keys, cols, flags, created)
	if err := sheet.WriteAtomic(yamlPath, func(w io.Writer) error { _, err := io.WriteString(w, text); return err }); err != nil {
		return nil, err
	}
	return []string{csvPath, yamlPath}, nil
}

// undoCell is a before value as the undo job's cell: an empty field is put
// back with the clear token (an empty cell would leave it).
func undoCell(field, v string) string {
	if f, ok := mapping.Lookup(field); ok && f.Clearable && v == "" {
		return mapping.DefaultClear
	}
	return v
}

// undoJob is undo.yaml: the steps of the run in reverse, each one that
// put back a field the run changed.
func (e *engine) undoJob(keys, cols, flags []string, created bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Undo of the run in this folder (job %q): puts back the values the run changed.\n", e.Job.Name)
	b.WriteString("# Run it with: zoombulk undo <this folder> (fields changed since the run are left as found:\n")
	b.WriteString("# conflict; users the run created are deleted only with --allow-delete; users it deleted cannot come back).\n")
	fmt.Fprintf(&b, "version: 1\nname: %s\ninput: %s\n", yamlQuote("undo-"+e.Job.Name), UndoCSV)
	if e.Job.RowKey() == nil {
		b.WriteString("match: email\n")
	}
	b.WriteString("fields:\n")
	for _, c := range append(slices.Clone(keys), cols...) {
		fmt.Fprintf(&b, "  %s: %s\n", c, c)
	}
	b.WriteString("steps:\n")
	var steps []string
	add := func(s string) {
		if !slices.Contains(steps, s) {
			steps = append(steps, s)
		}
	}
	// A kind's flags (zb_added...) are its cells too, though not fields.
	all := append(slices.Clone(cols), flags...)
	has := func(kind jobfile.StepKind) bool {
		return slices.ContainsFunc(all, func(c string) bool { k, _ := undoField(c); return k == kind })
	}
	for i := len(e.steps) - 1; i >= 0; i-- {
		s := e.steps[i]
		switch s.Kind {
		case CreateUsers:
			if has(UpdateUsers) {
				add("update_users")
			}
			if created {
				add("delete_users: { action: delete }")
			}
		case UpdateUsers:
			if has(UpdateUsers) {
				add("update_users")
			}
		case SetStatus:
			if has(SetStatus) {
				add("set_status")
			}
		case UpdateFeatures:
			var feats []string
			for _, f := range s.Options.(*FeaturesOptions).Features {
				if slices.Contains(cols, f.FeatureType) {
					feats = append(feats, f.FeatureType)
				}
			}
			if len(feats) > 0 {
				add("update_features: [" + strings.Join(feats, ", ") + "]")
			}
		case MoveGroup:
			if has(MoveGroup) {
				add("move_group: { mode: " + s.Options.(*GroupOptions).Mode + " }")
			}
		case AssignDivision:
			if has(AssignDivision) {
				add("assign_division")
			}
		case DeleteUsers:
			// Nothing brings a deleted user back: undo.csv lists them (zb_deleted).
		default:
			if u, ok := kindOf(s).(undoKind); ok {
				var mine []string
				for _, c := range all {
					if k, _ := undoField(c); k == s.Kind {
						mine = append(mine, c)
					}
				}
				if line := u.undoStep(s, mine); line != "" && len(mine) > 0 {
					add(line)
				}
				continue
			}
			fmt.Fprintf(&b, "  # %s: not undone (no before-image for this step kind)\n", s.Kind)
		}
	}
	if len(steps) == 0 {
		b.WriteString("  # the run changed nothing an undo can put back\n")
	}
	for _, s := range steps {
		fmt.Fprintf(&b, "  - %s\n", s)
	}
	return b.String()
}

func yamlQuote(s string) string { return "\"" + strings.ReplaceAll(s, "\"", "\\\"") + "\"" }

// readUndo loads an earlier undo.csv (its first nkeys columns name the
// row) into entries.
func readUndo(path string, nkeys int, entry func([]string) *undoEntry) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil || len(recs) == 0 {
		return err
	}
	head := recs[0]
	for _, rec := range recs[1:] {
		if len(rec) != len(head) || len(rec) < nkeys || rec[0] == "" {
			continue
		}
		ent := entry(rec[:nkeys])
		for i, h := range head[nkeys:] {
			v := rec[nkeys+i]
			switch {
			case h == colCreated:
				ent.created = ent.created || v == "yes"
			case h == colDeleted:
				ent.deleted = ent.deleted || v == "yes"
			case strings.HasPrefix(h, "zb_") && !strings.HasPrefix(h, undoSetPrefix):
				ent.flags[h] = ent.flags[h] || v == "yes"
			case strings.HasPrefix(h, undoSetPrefix):
				if v != "" {
					ent.set[strings.TrimPrefix(h, undoSetPrefix)] = fromCell(v)
				}
			case v != "":
				ent.before[h] = fromCell(v)
			}
		}
	}
	return nil
}

func fromCell(v string) string { return pick(v == mapping.DefaultClear, "", v) }

// undoDecide plans what an undo job decides outside the kinds: a user the
// run deleted (nothing to do: it cannot come back) and the delete of the
// users the run created. It reports whether it decided the step.
func (e *engine) undoDecide(d *decision) bool {
	if v, _ := e.cell(d.r, colDeleted); v == "yes" {
		d.st.action = results.ActSkip
		d.st.fail = &results.StepResult{Status: results.Skipped, Reason: "the run deleted this user: a deleted user cannot come back"}
		return true
	}
	if d.step.Kind != DeleteUsers {
		return false
	}
	created, _ := e.cell(d.r, colCreated)
	switch {
	case created != "yes" || d.u == nil:
		d.set(results.ActUnchanged)
	case !e.Opts.AllowDelete:
		d.set(results.ActKeep)
	default:
		return false
	}
	return true
}

// undoConflicts leaves the fields someone changed since the undone run:
// the value found is neither the one to put back (the kind saw to that)
// nor the one the run set.
func (e *engine) undoConflicts(d *decision) {
	st := d.st
	keep := st.changes[:0]
	var gone []string
	for _, c := range st.changes {
		set, ok := d.undoSet(c.col)
		if c.col == "" || !ok || sameRaw(c.col, set, c.was) {
			keep = append(keep, c)
			continue
		}
		st.conflicts = append(st.conflicts, conflict{field: c.col, found: c.was, set: set})
		delete(st.patch, c.col)
		gone = append(gone, c.col)
	}
	st.changes = keep
	if p, ok := st.extra.(*featurePlan); ok && len(gone) > 0 {
		o := d.step.Options.(*FeaturesOptions)
		p.wants = slices.DeleteFunc(p.wants, func(w featureWant) bool { return slices.Contains(gone, o.Features[w.feature].FeatureType) })
	}
	if len(st.conflicts) > 0 && len(keep) == 0 {
		st.action, st.patch = results.ActConflict, nil
	}
}

// sameRaw compares two raw values of a field the way the account keeps it.
func sameRaw(field, a, b string) bool {
	switch k, _ := undoField(field); {
	case k == UpdateFeatures:
		return sameFeatureCode(field, a, b)
	case k == SetAssistants:
		return sameEmails(a, b)
	}
	return sameValue(field, a, b)
}

func conflictText(cs []conflict) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = fmt.Sprintf("%s was changed after the run (found %q, the run had set %q): left as found", c.field, c.found, c.set)
	}
	return strings.Join(parts, "; ")
}

// undoWarnings are the plan's warnings about what an undo cannot do: users
// a run deletes are gone for good, and an undo keeps created users unless
// told to delete them.
func (e *engine) undoWarnings() []string {
	var out []string
	if !e.Opts.Undo {
		n := 0
		for _, r := range e.rows {
			for i := range r.steps {
				if e.steps[i].Kind == DeleteUsers && r.steps[i].action.Writes() {
					n++
				}
			}
		}
		if n > 0 {
			out = append(out, fmt.Sprintf("%d %s will be deleted: an undo of this run cannot bring %s back", n, plural("user", n), pick(n == 1, "it", "them")))
		}
		return out
	}
	var deleted []string
	kept := 0
	for _, r := range e.rows {
		if v, _ := e.cell(r, colDeleted); v == "yes" {
			deleted = append(deleted, r.email())
		}
		for i := range r.steps {
			if r.steps[i].action == results.ActKeep {
				kept++
			}
		}
	}
	if n := len(deleted); n > 0 {
		out = append(out, fmt.Sprintf("%d %s the run deleted cannot come back: %s", n, plural("user", n), strings.Join(deleted, ", ")))
	}
	if kept > 0 {
		out = append(out, fmt.Sprintf("%d %s the run created will be kept: undo with --allow-delete to delete %s", kept, plural("user", kept), pick(kept == 1, "it", "them")))
	}
	return out
}

// UndoJobPath is the undo job of a run folder; the error says when the
// folder holds none (a dry run, or a run that did not finish its files).
func UndoJobPath(runDir string) (string, error) {
	p := filepath.Join(runDir, UndoYAML)
	if _, err := os.Stat(p); err != nil {
		return "", &RunDirError{Dir: runDir, Msg: "no " + UndoYAML + " in this folder: only a real run (not a dry run) records what it changed"}
	}
	return p, nil
}
