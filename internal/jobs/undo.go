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
	case "group", colGroupRemoved:
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

// undoKeyOf is the row's key in undo.csv: the address its user has now,
// or the cells of the job's row key.
func (e *engine) undoKeyOf(r *rowRun) []string {
	keys := e.undoKeys()
	if len(keys) == 1 && keys[0] == "email" {
		return []string{r.currentEmail()}
	}
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
	byKey := map[string]*undoEntry{}
	var order []string
	ids := map[string]string{} // user ID -> entry key
	entry := func(key []string, id, email string) *undoEntry {
		k := strings.ToLower(strings.Join(key, "\x00"))
		if byPerson {
			if id != "" && ids[id] != "" {
				k = ids[id]
			} else if email != "" {
				k = strings.ToLower(email)
			}
		}
		ent := byKey[k]
		if ent == nil {
			ent = &undoEntry{key: key, before: map[string]string{}, set: map[string]string{}, flags: map[string]bool{}}
			byKey[k] = ent
			order = append(order, k)
		}
		if byPerson && id != "" {
			ids[id] = k
			if ent.id == "" {
				ent.id = id
			}
		}
		return ent
	}
	type pk struct{ key, step string }
	pending := map[pk]*journalRecord{}
	for i := range records {
		rec := &records[i]
		p := pk{rec.Key, rec.Step}
		if rec.Type == "intent" {
			if pending[p] == nil {
				pending[p] = rec
			} else if len(pending[p].Changes) == 0 && len(rec.Changes) > 0 {
				pending[p] = rec
			}
			continue
		}
		if rec.Type != "result" || !rec.Status.Final() && rec.Status != results.Partial {
			continue // not run, deferred: a pending intent waits for the resume
		}
		in := pending[p]
		delete(pending, p)
		action := rec.Action
		if in != nil && in.Action != "" && (action == "" || action == string(results.ActRecovered) || action == string(results.ActDone)) {
			action = in.Action
		}
		// A create's intent (the old form has no action): the user found
		// on resume was this run's doing.
		createIntent := in != nil && (in.Action == "" || in.Action == string(results.ActCreate))
		kind := jobfile.StepKind(rec.Step)
		key, email, id := rec.UndoKey, rec.Email, rec.UserID
		if in != nil {
			if len(key) == 0 {
				key = in.UndoKey
			}
			if email == "" {
				email = in.Email
			}
			if id == "" {
				id = in.UserID
			}
		}
		if len(key) == 0 || key[0] == "" {
			continue
		}
		done := rec.Status == results.Succeeded || rec.Status == results.Partial
		switch {
		case kind == CreateUsers && done && (action == string(results.ActCreate) || createIntent):
			entry(key, id, email).created = true
			continue
		case kind == DeleteUsers && rec.Status == results.Succeeded && results.Action(action).Writes():
			entry(key, id, email).deleted = true
			continue
		case rec.Status != results.Succeeded:
			continue
		}
		changes, flags := rec.Changes, rec.Flags
		if in != nil && (len(in.Changes) > 0 || len(in.Flags) > 0) {
			changes, flags = in.Changes, in.Flags // the first before-image: what the account had
		}
		if len(changes) == 0 && len(flags) == 0 {
			continue
		}
		addChanges(entry(key, id, email), changes, flags, byPerson)
	}
	// An intent no result ever settled: a row a sync added (a member taken
	// out) whose call landed as the process died; the resume found
	// nothing left to do for it, so it made no row. Its before-image is
	// kept: where the change did not land the undo finds the value it
	// would put back and sends nothing. Creates and deletes are not
	// guessed at (their rows are always settled by a resume).
	for i := range records {
		in := &records[i]
		p := pk{in.Key, in.Step}
		if in.Type != "intent" || pending[p] != in || len(in.Changes) == 0 && len(in.Flags) == 0 ||
			in.Step == string(CreateUsers) || in.Step == string(DeleteUsers) || byPerson && in.UserID == "" || len(in.UndoKey) == 0 {
			continue
		}
		addChanges(entry(in.UndoKey, in.UserID, in.Email), in.Changes, in.Flags, byPerson)
	}
	return byKey, order
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
	byKey, order := deriveUndo(st.records, e.byPerson())
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
	if e.byPerson() {
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
			if e.byPerson() {
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
		case UpsertGroups, UpsertDivisions:
			// What they created is deleted by delete_created (last).
		default:
			if u, ok := kindOf(s).(undoKind); ok {
				var mine []string
				for _, c := range all {
					o, claims := u.(interface{ ownsUndoCol(string) bool })
					if k, _ := undoField(c); k == s.Kind || (claims && o.ownsUndoCol(c)) {
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
	// Licenses before the add-ons that need them: Zoom grants webinar,
	// large meetings and the like to licensed users only, so a user the
	// run downgraded (and took add-ons from) is licensed again before the
	// add-ons go back; a user the run upgraded is downgraded first and
	// then loses the add-ons, which Zoom allows on any user. The run's
	// own order (license, then add-ons) reversed would refuse the first.
	if slices.Contains(cols, "type") {
		iu := slices.Index(steps, "update_users")
		iff := slices.IndexFunc(steps, func(s string) bool { return strings.HasPrefix(s, "update_features") })
		if iff >= 0 && iu > iff {
			steps = slices.Insert(slices.Delete(steps, iu, iu+1), iff, "update_users")
		}
	}
	if madeDirs {
		// Last: the other steps take the run's members out first, and a
		// group or division is deleted only when that leaves it empty.
		add(string(DeleteCreated))
	}
	if len(steps) == 0 {
		b.WriteString(nothingToUndo + "\n")
	}
	for _, s := range steps {
		fmt.Fprintf(&b, "  - %s\n", s)
	}
	return b.String()
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
