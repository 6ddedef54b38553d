package jobs

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/mapping"
	"github.com/zoombulk/zoombulk/internal/results"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// VirtualBackgrounds puts Virtual Background files on users (rows named by
// email) or groups (rows named by group): the virtual_background field
// lists JPG/PNG files of the input's folder, separated by semicolons. The
// plan reads the files the owner has (from its settings: Zoom has no list
// call; Medium) and uploads only the names it lacks (POST
// .../settings/virtual_backgrounds, multipart, Medium, one file a call), so
// a rerun sends nothing. sync: exact deletes the owner's files the row does
// not list (DELETE ...?file_ids=, Light, one call a row), each a removal.
// Zoom's 10 files an owner is checked in the plan; each file is checked
// (type, at most 15 MB, inside the input's folder) when the input is read.
// An undo deletes the files the run uploaded.
const VirtualBackgrounds jobfile.StepKind = "virtual_backgrounds"

// removeVB is the removal a sync: exact delete counts as.
const removeVB = "virtual background removal"

// VBOptions are virtual_backgrounds' options.
type VBOptions struct {
	Field string // the field of file names (virtual_background)
	Group string // the group field when the rows are groups, "" for users
	Sync  string // add_only (default) | exact
}

type vbStep struct{}

func init() { register(vbStep{}) }

func (vbStep) Name() jobfile.StepKind                      { return VirtualBackgrounds }
func (vbStep) directory() (groups, divs bool)              { return true, false }
func (vbStep) userOptional()                               {}
func (vbStep) Check(*jobfile.Loader, string, jobfile.Step) {}

// RowKey: the rows are groups when the step names a group field, else users.
func (vbStep) RowKey(s jobfile.Step) []string {
	if o := s.Options.(*VBOptions); o.Group != "" {
		return []string{o.Group}
	}
	return nil
}

func (vbStep) Fields(s jobfile.Step) []string {
	o := s.Options.(*VBOptions)
	return []string{o.Group, o.Field}
}

func (vbStep) ParseOptions(l *jobfile.Loader, key string, n *yaml.Node) (any, bool) {
	o := &VBOptions{Field: "virtual_background", Sync: "add_only"}
	ok := true
	if n != nil {
		ok = l.Map(n, key, []string{"field", "group", "sync"}, func(k string, _, vn *yaml.Node) {
			var good bool
			switch k {
			case "field":
				o.Field, good = l.FieldRef(vn, key+"."+k, func(f mapping.Field) bool { return f.Target == mapping.VirtualBackground }, "a virtual_background field")
			case "group":
				o.Group, good = l.FieldRef(vn, key+"."+k, func(f mapping.Field) bool { return f.Target == mapping.Group }, "a group field (group)")
			case "sync":
				o.Sync, good = l.OneOf(vn, key+"."+k, []string{"add_only", "exact"})
			}
			ok = ok && good
		}) && ok
	}
	// A job that maps a group and names no user: the rows are groups.
	if o.Group == "" && l.Mapped("group") && !l.Mapped("email") && !l.Mapped("id") {
		o.Group = "group"
	}
	if ok && !l.Mapped(o.Field) {
		l.AddError(l.StepLine(), key, "virtual_backgrounds has no files: the job maps no "+o.Field+" field",
			"map the column of file names: fields: { virtual_background: Background }")
		return nil, false
	}
	return o, ok
}

// vbDir is the input's folder: files are looked up only inside it.
func vbDir(job *jobfile.Job) string {
	p := job.Input.Path
	if !filepath.IsAbs(p) {
		p = filepath.Join(job.Dir, p)
	}
	return filepath.Dir(p)
}

// vbNames splits a cell into file names.
func vbNames(cell string) []string {
	var out []string
	for _, s := range strings.Split(cell, ";") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// checkVB checks one file the way Zoom will, inside dir (an os.Root: no
// ".." or link leads out): a JPG or PNG by name and content, not empty, at
// most 15 MB. It returns the file's path inside dir, or why not.
func checkVB(dir, name string) (string, string) {
	clean := filepath.FromSlash(name)
	if !filepath.IsLocal(clean) {
		return "", fmt.Sprintf("the file %q is not inside the input's folder %s", name, dir)
	}
	ext := strings.ToLower(filepath.Ext(clean))
	if ext != ".jpg" && ext != ".jpeg" && ext != ".png" {
		return "", fmt.Sprintf("the file %s is not a JPG or PNG: virtual_backgrounds takes only those", name)
	}
	if why := checkImageIn(dir, clean, name, zoom.MaxVirtualBackgroundBytes, "file", "the input's folder"); why != "" {
		return "", why
	}
	return clean, ""
}

// checkRows checks every file of every row when the input is read: a bad
// file is a problem of its row only, named with the row and the column.
func (vbStep) checkRows(job *jobfile.Job, s jobfile.Step, sh *Sheet) {
	o := s.Options.(*VBOptions)
	dir := vbDir(job)
	for i := range sh.Rows {
		row := &sh.Rows[i]
		v, ok := row.Record.Get(o.Field)
		if !ok {
			continue
		}
		for _, name := range vbNames(v.Text) {
			if _, why := checkVB(dir, name); why != "" {
				row.Record.Problems = append(row.Record.Problems, mapping.Problem{Row: row.Number, Column: sh.Mapper.Column(o.Field),
					Field: o.Field, Value: name, Kind: mapping.KindFormat, Msg: why,
					Hint: "put a JPG or PNG of at most 15 MB in " + dir + " under this name, or take it out of the cell"})
			}
		}
	}
}

// vbOwnerState is an owner's files as read, changed by the rows planned.
type vbOwnerState struct {
	owner zoom.VBOwner
	name  string
	files []zoom.VBFile
}

// vbPlan is a row's planned uploads and deletes.
type vbPlan struct {
	state   *vbOwnerState
	uploads []string      // file paths inside the input's folder
	deletes []zoom.VBFile // sync: exact, or an undo
}

// prepare reads the files of every owner the rows name, once an owner.
func (vbStep) prepare(ctx context.Context, e *engine, i int, rows []*rowRun) error {
	o := e.steps[i].Options.(*VBOptions)
	states := map[string]*vbOwnerState{}
	var list []*vbOwnerState
	for _, r := range rows {
		if r.steps[i].result != nil {
			continue
		}
		var owner zoom.VBOwner
		var name string
		if o.Group != "" {
			gname, _ := r.value(o.Group)
			g, err := e.dir.Group(gname)
			if err != nil {
				continue // decide fails the row with the nearest names
			}
			owner, name = zoom.VBOwner{ID: g.ID, Group: true}, "group "+g.Name
		} else {
			if r.user == nil {
				continue
			}
			owner, name = zoom.VBOwner{ID: r.user.ID}, r.user.Email
		}
		key := fmt.Sprint(owner.Group, owner.ID)
		st := states[key]
		if st == nil {
			st = &vbOwnerState{owner: owner, name: name}
			states[key] = st
			list = append(list, st)
		}
		r.steps[i].extra = &vbPlan{state: st}
	}
	var mu sync.Mutex
	return readEach(ctx, e.concurrency(zoom.Medium), list, func(st *vbOwnerState) error {
		files, err := e.Client.VirtualBackgrounds(ctx, st.owner)
		if err != nil {
			return fmt.Errorf("reading the Virtual Background files of %s: %w", st.name, err)
		}
		mu.Lock()
		st.files = files
		mu.Unlock()
		return nil
	})
}

func (vbStep) decide(d *decision) {
	o := d.step.Options.(*VBOptions)
	p, _ := d.st.extra.(*vbPlan)
	if p == nil {
		if o.Group != "" {
			name, _ := d.value(o.Group)
			_, err := d.e.dir.Group(name)
			d.failErr(err)
			return
		}
		d.noUser()
		return
	}
	has := func(name string) (zoom.VBFile, bool) {
		for _, f := range p.state.files {
			if strings.EqualFold(f.Name, filepath.Base(name)) {
				return f, true
			}
		}
		return zoom.VBFile{}, false
	}
	if set, ok := d.undoSet(o.Field); ok {
		// Undo: delete the files the run uploaded that are still there.
		for _, name := range vbNames(set) {
			if f, found := has(name); found {
				p.deletes = append(p.deletes, f)
				d.change(o.Field, f.Name, "(deleted)", removeVB)
			}
		}
		p.apply(d)
		return
	}
	cell, ok := d.value(o.Field)
	if !ok {
		d.set(results.ActUnchanged)
		return
	}
	names := vbNames(cell)
	listed := map[string]bool{}
	for _, name := range names {
		listed[strings.ToLower(filepath.Base(name))] = true
		if _, found := has(name); !found && !containsFold(p.uploads, name) {
			p.uploads = append(p.uploads, filepath.FromSlash(name))
		}
	}
	if o.Sync == "exact" {
		for _, f := range p.state.files {
			if !listed[strings.ToLower(f.Name)] {
				p.deletes = append(p.deletes, f)
			}
		}
	}
	if n := len(p.state.files) - len(p.deletes) + len(p.uploads); n > zoom.MaxVirtualBackgrounds {
		d.fail(fmt.Sprintf("%s would hold %d Virtual Background files: Zoom allows %d", p.state.name, n, zoom.MaxVirtualBackgrounds),
			"list fewer files, or use sync: exact to replace the ones it has")
		return
	}
	for _, f := range p.deletes {
		d.change(o.Field, f.Name, "(deleted)", removeVB)
	}
	for _, u := range p.uploads {
		d.change(o.Field, "", filepath.Base(u), "")
	}
	if len(p.uploads) > 0 {
		// The undo deletes these names (zb_set_virtual_background).
		var base []string
		for _, u := range p.uploads {
			base = append(base, filepath.Base(u))
		}
		d.undoable(o.Field, "", strings.Join(base, ";"))
	}
	p.apply(d)
}

// apply moves the owner's state to what the row leaves (a later row of the
// same owner sees it) and sets the action.
func (p *vbPlan) apply(d *decision) {
	var keep []zoom.VBFile
	for _, f := range p.state.files {
		gone := false
		for _, x := range p.deletes {
			gone = gone || x.ID == f.ID
		}
		if !gone {
			keep = append(keep, f)
		}
	}
	for _, u := range p.uploads {
		keep = append(keep, zoom.VBFile{Name: filepath.Base(u)})
	}
	p.state.files = keep
	switch {
	case len(p.uploads) > 0 && len(p.deletes) > 0:
		d.set(results.ActUpdate)
	case len(p.uploads) > 0:
		d.set(results.ActUpload)
	case len(p.deletes) > 0:
		d.set(results.ActRemove)
	default:
		d.set(results.ActUnchanged)
	}
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(filepath.Base(x), filepath.Base(s)) {
			return true
		}
	}
	return false
}

// An undo deletes what the run uploaded.
func (vbStep) undoFields() []string                   { return []string{"virtual_background"} }
func (vbStep) undoStep(jobfile.Step, []string) string { return string(VirtualBackgrounds) }

func (vbStep) cost(_ *rowRun, st *rowStep) []callCost {
	p, _ := st.extra.(*vbPlan)
	if p == nil || !st.action.Writes() {
		return nil
	}
	var out []callCost
	if len(p.deletes) > 0 {
		out = append(out, callCost{cat: zoom.Light})
	}
	for range p.uploads {
		out = append(out, callCost{cat: zoom.Medium})
	}
	return out
}

func (vbStep) apply(a *applier, rows []*rowRun) {
	dir := vbDir(a.e.Job)
	a.perRow(zoom.Medium, rows, func(ctx context.Context, r *rowRun, st *rowStep) *results.StepResult {
		p := st.extra.(*vbPlan)
		// Deletes first: the uploads then fit in Zoom's 10 files.
		if len(p.deletes) > 0 {
			ids := make([]string, len(p.deletes))
			for j, f := range p.deletes {
				ids[j] = f.ID
			}
			if err := a.e.Client.DeleteVirtualBackgrounds(ctx, p.state.owner, ids); err != nil {
				return a.e.outcomeOf(err)
			}
		}
		for _, rel := range p.uploads {
			// Read now, one file a worker: checked again, it may have changed.
			if _, why := checkVB(dir, filepath.ToSlash(rel)); why != "" {
				return planFailure(why, "the file changed since the plan; put it back and run the row again")
			}
			data, err := readInside(dir, rel, zoom.MaxVirtualBackgroundBytes)
			if err != nil {
				return planFailure("the file "+rel+" cannot be read: "+err.Error(), "")
			}
			if _, err := a.e.Client.UploadVirtualBackground(ctx, p.state.owner, filepath.Base(rel), data); err != nil {
				return a.e.outcomeOf(err)
			}
		}
		return succeeded()
	})
}

// calls: rows are users, or groups (group:); the deletes are sync: exact's
// and the undo's.
func (vbStep) calls() []call {
	return []call{
		planRead(zoom.OpGetUserSettings, ""), planRead(zoom.OpGetGroupSettings, "(groups)"), planRead(zoom.OpListGroups, "(groups)"),
		on(zoom.OpUploadUserVB, ""), on(zoom.OpDeleteUserVB, "(`sync: exact`, undo)"),
		on(zoom.OpUploadGroupVB, "(groups)"), on(zoom.OpDeleteGroupVB, "(groups: `sync: exact`, undo)"),
	}
}

// doc is the kind's row of docs/jobs.md's steps table.
func (vbStep) doc() kindDoc {
	return kindDoc{
		order:    140,
		options:  "`field: virtual_background`; `group: group` (rows are groups; the default when the job maps `group` and no email); `sync: add_only` | `exact`",
		call:     "`GET` the owner's settings (plan: its files), `POST /users/{id}/settings/virtual_backgrounds` or `/groups/{id}/...` (multipart), `DELETE ...?file_ids=` (`sync: exact`)",
		batching: "one upload a file the owner has no file of that name of, so a rerun sends nothing; JPG/PNG of the input's folder, at most 15 MB, checked when the input is read; `;` separates several; Zoom's 10 files checked in the plan; `exact` deletes the unlisted files (removals); undo deletes what the run uploaded",
		category: "Medium (delete: Light)",
	}
}
