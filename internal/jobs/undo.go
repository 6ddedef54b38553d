package jobs

import (
	"encoding/csv"
	"fmt"
	"io"
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
	// ColUserID is undo.csv's Zoom user ID of the row's user: an undo acts
	// on a row only while the user with this ID still has the row's email.
	ColUserID = "zb_user_id"
)

// undoEntry is one row's before-image: a user's, or (in a job whose rows
// are not users) a contact group member's.
type undoEntry struct {
	key              []string          // the cells of undoKeys: the email, or the row key
	id               string            // the Zoom user ID (undo.csv's zb_user_id)
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

// What an undo does is asked of the kinds, never decided by their names:
// each kind declares, in its step file, the capabilities below.

// undoKind is implemented by step kinds whose changes an undo job can put
// back: their decide records each change with d.undoable(field, was,
// set); undoFields lists those job fields (and undo.csv cells), and
// undoStep is the undo job's step (a line of its steps list, e.g.
// "update_settings") for the fields of undo.csv that kind restores (""
// for none).
type undoKind interface {
	undoFields() []string
	undoStep(s jobfile.Step, fields []string) string
}

// undoTargeter is implemented by kinds that put back every catalogue field
// of a target that no kind lists in undoFields (update_users: the profile).
type undoTargeter interface{ undoTarget() mapping.Target }

// undoColOwner is implemented by kinds whose undo step also takes cells
// another kind's fields name (group settings: the settings fields, whose
// rows are groups).
type undoColOwner interface{ ownsUndoCol(col string) bool }

// undoneBy is implemented by kinds whose changes another kind's undo step
// puts back (a create that updates a user who exists: the profile undo).
type undoneBy interface{ undoneBy() jobfile.StepKind }

// userCreator is implemented by kinds that create users: undo.csv marks
// them (zb_created), and the undo deletes them with the userDeleter's step.
type userCreator interface{ createsUsers() }

// userDeleter is implemented by kinds that delete users: undo.csv marks
// them (zb_deleted), nothing brings them back, and in an undo the kind
// deletes the users the run created, with the step undoCreated gives.
type userDeleter interface{ undoCreated() string }

// dirCreator is implemented by kinds that create groups or divisions: the
// journal records them and the dirUndoer deletes them, last.
type dirCreator interface{ createsDirs() }

// dirUndoer is implemented by the kind that deletes the groups and
// divisions a run created.
type dirUndoer interface{ undoesCreatedDirs() }

// rawComparer is implemented by kinds whose fields are compared otherwise
// than as text when an undo checks them for changes since the run
// (feature codes, lists of addresses).
type rawComparer interface{ sameRaw(field, a, b string) bool }

// has says whether a kind has capability C.
func has[C any](k stepKind) bool { _, ok := k.(C); return ok }

// kindOfRecord is the kind of a journal record's step (nil for a name no
// kind has).
func kindOfRecord(step string) stepKind { return stepKinds[jobfile.StepKind(step)] }

// kindWith is the first registered kind, in docs order, with capability C.
func kindWith[C any]() (stepKind, C, bool) {
	for _, name := range StepKinds() {
		if c, ok := stepKinds[name].(C); ok {
			return stepKinds[name], c, true
		}
	}
	var zero C
	return nil, zero, false
}

// undoField says whether an undo job can put a field back, and with which
// step kind: the kind that lists it, else the kind that takes its
// catalogue target.
func undoField(field string) (jobfile.StepKind, bool) {
	for _, name := range StepKinds() {
		if u, ok := stepKinds[name].(undoKind); ok && slices.Contains(u.undoFields(), field) {
			return name, true
		}
	}
	f, ok := mapping.Lookup(field)
	if !ok {
		return "", false
	}
	for _, name := range StepKinds() {
		if t, ok := stepKinds[name].(undoTargeter); ok && t.undoTarget() == f.Target {
			return name, true
		}
	}
	return "", false
}

// undoKeyOf is the row's key in undo.csv: the address its user has now,
// or the cells of the job's row key.
func (e *engine) undoKeyOf(r *rowRun) []string {
	if e.byPerson() {
		return []string{r.currentEmail()}
	}
	keys := e.undoKeys()
	out := make([]string, len(keys))
	for j, f := range keys {
		out[j] = textOf(r, f)
	}
	return out
}

// byPerson says whether undo.csv names users (email and Zoom user ID)
// rather than the rows of a job keyed otherwise (contact groups).
func (e *engine) byPerson() bool {
	keys := e.undoKeys()
	return len(keys) == 1 && keys[0] == "email"
}

// deriveUndo folds a run's journal, every process of it, into the
// before-image: a change counts once a result says it succeeded, whether
// that result came from the process that sent it or from a resume that
// read the account back (recovered). The before values are the first
// intent's: what the account held before the run touched it.
func deriveUndo(records []journalRecord, byPerson bool) (map[string]*undoEntry, []string) {
	f := &undoFold{byPerson: byPerson, byKey: map[string]*undoEntry{}, ids: map[string]string{}}
	pending := map[pendingKey]*journalRecord{}
	for i := range records {
		rec := &records[i]
		p := pendingKey{rec.Key, rec.Step}
		if rec.Type == "intent" {
			// The first intent is the before-image; one with changes beats
			// an earlier one without.
			if pending[p] == nil || len(pending[p].Changes) == 0 && len(rec.Changes) > 0 {
				pending[p] = rec
			}
			continue
		}
		if rec.Type != "result" || !rec.Status.Final() && rec.Status != results.Partial {
			continue // not run, deferred: a pending intent waits for the resume
		}
		in := pending[p]
		delete(pending, p)
		f.settle(rec, in)
	}
	f.unsettled(records, pending)
	return f.byKey, f.order
}

// pendingKey is a row-step of the journal.
type pendingKey struct{ key, step string }

// undoFold is undo.csv as deriveUndo builds it.
type undoFold struct {
	byPerson bool
	byKey    map[string]*undoEntry
	order    []string
	ids      map[string]string // user ID -> entry key
}

// entry is the before-image of a row: by person, the entry of the same
// user ID (or, before the ID is known, the address).
func (f *undoFold) entry(key []string, id, email string) *undoEntry {
	k := strings.ToLower(strings.Join(key, "\x00"))
	if f.byPerson {
		if id != "" && f.ids[id] != "" {
			k = f.ids[id]
		} else if email != "" {
			k = strings.ToLower(email)
		}
	}
	ent := f.byKey[k]
	if ent == nil {
		ent = &undoEntry{key: key, before: map[string]string{}, set: map[string]string{}, flags: map[string]bool{}}
		f.byKey[k] = ent
		f.order = append(f.order, k)
	}
	if f.byPerson && id != "" {
		f.ids[id] = k
		if ent.id == "" {
			ent.id = id
		}
	}
	return ent
}

// settle adds a result, with the intent it settles (nil for none), to the
// before-image.
func (f *undoFold) settle(rec, in *journalRecord) {
	key, email, id := rec.UndoKey, rec.Email, rec.UserID
	if in != nil {
		key = pick(len(key) == 0, in.UndoKey, key)
		email = pick(email == "", in.Email, email)
		id = pick(id == "", in.UserID, id)
	}
	if len(key) == 0 || key[0] == "" {
		return
	}
	action, createIntent := settledAction(rec, in)
	k := kindOfRecord(rec.Step)
	done := rec.Status == results.Succeeded || rec.Status == results.Partial
	switch {
	case has[userCreator](k) && done && (action == string(results.ActCreate) || createIntent):
		f.entry(key, id, email).created = true
		return
	case has[userDeleter](k) && rec.Status == results.Succeeded && results.Action(action).Writes():
		f.entry(key, id, email).deleted = true
		return
	case rec.Status != results.Succeeded:
		return
	}
	changes, flags := rec.Changes, rec.Flags
	if in != nil && (len(in.Changes) > 0 || len(in.Flags) > 0) {
		changes, flags = in.Changes, in.Flags // the first before-image: what the account had
	}
	if len(changes) == 0 && len(flags) == 0 {
		return
	}
	addChanges(f.entry(key, id, email), changes, flags, f.byPerson)
}

// settledAction is what a result did: the intent's action when the result
// says only that it was done or recovered. createIntent: the intent was a
// create's (the old form has no action), so the user a resume found was
// this run's doing.
func settledAction(rec, in *journalRecord) (action string, createIntent bool) {
	action = rec.Action
	if in == nil {
		return action, false
	}
	if in.Action != "" && (action == "" || action == string(results.ActRecovered) || action == string(results.ActDone)) {
		action = in.Action
	}
	return action, in.Action == "" || in.Action == string(results.ActCreate)
}

// unsettled adds the intents no result ever settled: a row a sync added
// (a member taken out) whose call landed as the process died; the resume
// found nothing left to do for it, so it made no row. Its before-image is
// kept: where the change did not land the undo finds the value it would
// put back and sends nothing. Creates and deletes of users are not
// guessed at (their rows are always settled by a resume).
func (f *undoFold) unsettled(records []journalRecord, pending map[pendingKey]*journalRecord) {
	for i := range records {
		in := &records[i]
		if in.Type != "intent" || pending[pendingKey{in.Key, in.Step}] != in || len(in.Changes) == 0 && len(in.Flags) == 0 {
			continue
		}
		k := kindOfRecord(in.Step)
		if has[userCreator](k) || has[userDeleter](k) || f.byPerson && in.UserID == "" || len(in.UndoKey) == 0 {
			continue
		}
		addChanges(f.entry(in.UndoKey, in.UserID, in.Email), in.Changes, in.Flags, f.byPerson)
	}
}

// addChanges adds a step's before-image to an entry: the first before
// value of a field is kept, the last value set.
func addChanges(ent *undoEntry, changes []undoChange, flags []string, byPerson bool) {
	for _, f := range flags {
		ent.flags[f] = true
	}
	for _, c := range changes {
		if c.Col == colGroupRemoved {
			// Every group a sync took the user out of, not only the first.
			if have := ent.before[c.Col]; have == "" {
				ent.before[c.Col] = c.Was
			} else if !slices.Contains(strings.Split(have, "; "), c.Was) {
				ent.before[c.Col] = have + "; " + c.Was
			}
			if ent.set[c.Col] == "" || c.Set != undoRemoved {
				ent.set[c.Col] = c.Set // the fallback the user was put in, if any
			}
			continue
		}
		if _, seen := ent.before[c.Col]; !seen {
			ent.before[c.Col] = c.Was
		}
		ent.set[c.Col] = c.Set
		if c.Col == "new_email" && byPerson {
			ent.key = []string{strings.ToLower(c.Set)} // the address the run left
		}
	}
}

// writeUndo writes undo.csv and undo.yaml from the whole journal of the
// run: every process's intents and results (a kill, a resume, another
// resume), not only this process's rows.
func (e *engine) writeUndo() ([]string, error) {
	dir := e.Opts.OutDir
	keys := e.undoKeys()
	st, err := readJournal(dir)
	if err != nil {
		return nil, fmt.Errorf("reading the journal for %s: %w", UndoCSV, err)
	}
	byPerson := e.byPerson()
	byKey, order := deriveUndo(st.records, byPerson)
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
	if slices.Contains(cols, colGroupRemoved) && !slices.Contains(cols, "group") {
		cols = append(cols, "group") // move_group reads the field, empty here
	}
	slices.Sort(cols)
	slices.Sort(flags)
	header := slices.Clone(keys)
	if byPerson {
		header = append(header, ColUserID)
	}
	header = append(header, cols...)
	for _, c := range cols {
		header = append(header, undoSetPrefix+c)
	}
	header = append(header, colCreated, colDeleted)
	header = append(header, flags...)
	csvPath := filepath.Join(dir, UndoCSV)
	err = sheet.WriteAtomic(csvPath, func(w io.Writer) error {
		cw := csv.NewWriter(w)
		cw.Write(header)
		for _, k := range order {
			ent := byKey[k]
			rec := slices.Clone(ent.key)
			if byPerson {
				rec = append(rec, ent.id)
			}
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
	text := e.undoJob(keys, cols, flags, created, len(createdDirs(st.records)) > 0)
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
func (e *engine) undoJob(keys, cols, flags []string, created, madeDirs bool) string {
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
		if strings.HasPrefix(c, "zb_") {
			continue // a cell the step reads itself, not a job field
		}
		fmt.Fprintf(&b, "  %s: %s\n", c, c)
	}
	b.WriteString("steps:\n")
	// A kind's flags (zb_added...) are its cells too, though not fields.
	all := append(slices.Clone(cols), flags...)
	var steps undoSteps
	for i := len(e.steps) - 1; i >= 0; i-- {
		if !steps.addStep(e.steps[i], all, created) {
			fmt.Fprintf(&b, "  # %s: not undone (no before-image for this step kind)\n", e.steps[i].Kind)
		}
	}
	if slices.Contains(cols, "type") {
		steps.licensesFirst()
	}
	if k, _, ok := kindWith[dirUndoer](); ok && madeDirs {
		// Last: the other steps take the run's members out first, and a
		// group or division is deleted only when that leaves it empty.
		steps.add(k.Name(), string(k.Name()))
	}
	if len(steps) == 0 {
		b.WriteString(nothingToUndo + "\n")
	}
	for _, s := range steps {
		fmt.Fprintf(&b, "  - %s\n", s.line)
	}
	return b.String()
}

// undoSteps are the lines of undo.yaml's steps, each with the kind of its
// step.
type undoSteps []undoStepLine

type undoStepLine struct {
	kind jobfile.StepKind
	line string
}

func (ss *undoSteps) add(kind jobfile.StepKind, line string) {
	if !slices.ContainsFunc(*ss, func(s undoStepLine) bool { return s.line == line }) {
		*ss = append(*ss, undoStepLine{kind, line})
	}
}

// addStep adds the undo of one step of the run, given the cells undo.csv
// has (all) and whether the run created users; it says false when the
// step's kind has no undo at all (nor says it is undone otherwise).
func (ss *undoSteps) addStep(s jobfile.Step, all []string, created bool) bool {
	k := kindOf(s)
	undone := has[userDeleter](k) || has[dirCreator](k) // deleted users are listed; delete_created undoes creates
	by, step := k, s
	if v, ok := k.(undoneBy); ok {
		by, step = stepKinds[v.undoneBy()], jobfile.Step{Kind: v.undoneBy()}
	}
	if u, ok := by.(undoKind); ok {
		undone = true
		var mine []string
		for _, c := range all {
			o, claims := by.(undoColOwner)
			if k, _ := undoField(c); k == by.Name() || claims && o.ownsUndoCol(c) {
				mine = append(mine, c)
			}
		}
		if line := u.undoStep(step, mine); line != "" && len(mine) > 0 {
			ss.add(by.Name(), line)
		}
	}
	if _, d, ok := kindWith[userDeleter](); ok && has[userCreator](k) {
		undone = true
		if created {
			ss.add(d.(stepKind).Name(), d.undoCreated())
		}
	}
	return undone
}

// licensesFirst puts the license back before the add-ons that need one:
// Zoom grants webinar, large meetings and the like to licensed users only,
// so a user the run downgraded (and took add-ons from) is licensed again
// before the add-ons go back; a user the run upgraded is downgraded first
// and then loses the add-ons, which Zoom allows on any user. The run's own
// order (license, then add-ons) reversed would refuse the first.
func (ss *undoSteps) licensesFirst() {
	license, _ := undoField("type")
	addOn := func(s undoStepLine) bool {
		t, ok := stepKinds[s.kind].(undoTargeter)
		return ok && t.undoTarget() == mapping.Feature
	}
	iu := slices.IndexFunc(*ss, func(s undoStepLine) bool { return s.kind == license })
	iff := slices.IndexFunc(*ss, addOn)
	if iff >= 0 && iu > iff {
		l := (*ss)[iu]
		*ss = slices.Insert(slices.Delete(*ss, iu, iu+1), iff, l)
	}
}

func yamlQuote(s string) string { return "\"" + strings.ReplaceAll(s, "\"", "\\\"") + "\"" }

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
	if !has[userDeleter](kindOf(d.step)) {
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
	if p, ok := st.extra.(conflictDropper); ok && len(gone) > 0 {
		p.dropConflicts(d.step, gone)
	}
	if len(st.conflicts) > 0 && len(keep) == 0 {
		st.action, st.patch = results.ActConflict, nil
	}
}

// conflictDropper is implemented by a step's plan (rowStep.extra) that
// holds more than its changes: the fields an undo leaves as found are
// taken out of it too.
type conflictDropper interface {
	dropConflicts(s jobfile.Step, fields []string)
}

// sameRaw compares two raw values of a field the way the account keeps it.
func sameRaw(field, a, b string) bool {
	name, _ := undoField(field)
	if c, ok := stepKinds[name].(rawComparer); ok {
		return c.sameRaw(field, a, b)
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
				if has[userDeleter](kindOf(e.steps[i])) && r.steps[i].action.Writes() {
					n++
				}
			}
		}
		if n > 0 {
			out = append(out, fmt.Sprintf("%d %s will be deleted: an undo of this run cannot bring %s back", n, plural("user", n), pick(n == 1, "it", "them")))
		}
		return out
	}
	var deleted, keptDirs []string
	kept := 0
	for _, r := range e.rows {
		if r.dirDelete {
			for i := range r.steps {
				if r.steps[i].action == results.ActKeep && r.steps[i].fail != nil {
					keptDirs = append(keptDirs, r.steps[i].fail.Reason)
				}
			}
			continue
		}
		if v, _ := e.cell(r, colDeleted); v == "yes" {
			deleted = append(deleted, r.email())
		}
		for i := range r.steps {
			if r.steps[i].action == results.ActKeep {
				kept++
			}
			if why := r.steps[i].kept; why != "" && !slices.Contains(keptDirs, why) {
				keptDirs = append(keptDirs, why)
			}
		}
	}
	if n := len(deleted); n > 0 {
		out = append(out, fmt.Sprintf("%d %s the run deleted cannot come back: %s", n, plural("user", n), strings.Join(deleted, ", ")))
	}
	if kept > 0 {
		out = append(out, fmt.Sprintf("%d %s the run created will be kept: undo with --allow-delete to delete %s", kept, plural("user", kept), pick(kept == 1, "it", "them")))
	}
	out = append(out, keptDirs...)
	return out
}

// nothingToUndo marks an undo.yaml with no step (a job file needs one).
const nothingToUndo = "  # the run changed nothing an undo can put back"

// NothingToUndo says whether a run folder's undo job has no step: the run
// changed nothing an undo can put back.
func NothingToUndo(runDir string) bool {
	data, err := os.ReadFile(filepath.Join(runDir, UndoYAML))
	return err == nil && strings.Contains(string(data), nothingToUndo)
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
