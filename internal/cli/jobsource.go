package cli

// What run and validate accept in place of a job file: a workbook that
// carries its job (zoombulk template writes them), or a spreadsheet whose
// headers are the tool's own labels plus --steps. Both become a job text
// loaded like any job file, so every check of the job file applies.

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"github.com/spf13/pflag"
	"github.com/xuri/excelize/v2"

	"github.com/zoombulk/zoombulk/internal/export"
	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/jobs"
	"github.com/zoombulk/zoombulk/internal/mapping"
	"github.com/zoombulk/zoombulk/internal/sheet"
	"github.com/zoombulk/zoombulk/internal/templates"
)

// autoOptions build a job from a spreadsheet's headers.
type autoOptions struct {
	steps []string
	match string
	sheet string
	// maps are --map COLUMN=field: columns the admin maps by hand.
	maps []string
	// trust is --trust-workbook-job: the job a workbook carries may
	// delete, deactivate, sync and read any sheet of its workbook.
	trust bool
}

// jobSource is the job a command runs and how it was found.
type jobSource struct {
	job *jobfile.Job
	// Note says where the job came from when it is not a job file given
	// as such ("the job the workbook carries", "the job file beside it").
	note string
	// carried is set for the job a workbook carries: what the plan and
	// the prompt say about where it came from and what it reads.
	carried string
	// Mapping is the header mapping of a job built from headers: the
	// columns used (header -> field) and those ignored.
	mapped  [][2]string
	ignored []string
	// why says, by ignored header, why it was not mapped.
	why map[string]string
	// baseline is the export an edited users export was made from: the
	// run sends only the cells that differ from it.
	baseline *jobs.Baseline
}

// spreadsheetExt says whether a path names a spreadsheet rather than a job.
func spreadsheetExt(path string) (workbook, ok bool) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".xlsx", ".xlsm":
		return true, true
	case ".csv", ".tsv", ".txt":
		return false, true
	}
	return false, false
}

// loadJobArg turns the argument of run or validate into a job: a job file;
// a workbook with a job file beside it (which wins), or that carries its
// job; or, with --steps, a spreadsheet mapped by its headers.
func loadJobArg(cmd string, arg string, auto autoOptions) (*jobSource, error) {
	workbook, isSheet := spreadsheetExt(arg)
	if !isSheet {
		if len(auto.steps) > 0 || auto.match != "" || len(auto.maps) > 0 {
			return nil, exitf(ExitUsage, "--steps, --match and --map build a job from a spreadsheet's headers; %s is a job file, which names its own steps, match and fields", arg)
		}
		job, err := jobfile.Load(arg)
		if err != nil {
			return nil, err
		}
		return &jobSource{job: job}, nil
	}
	if _, err := os.Stat(arg); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &sheet.InputError{File: arg, Msg: "the file does not exist"}
		}
		return nil, err
	}
	if len(auto.steps) > 0 {
		return autoJob(arg, auto)
	}
	if len(auto.maps) > 0 || auto.match != "" {
		return nil, exitf(ExitUsage, "--map and --match go with --steps, which builds a job from %s's headers", filepath.Base(arg))
	}
	beside := templates.JobPath(arg)
	_, err := os.Stat(beside)
	besideExists := err == nil
	if workbook {
		if besideExists {
			job, err := jobfile.Load(beside)
			if err != nil {
				return nil, err
			}
			return &jobSource{job: job, note: "the job file beside the workbook, " + beside + " (it wins over the job inside)"}, nil
		}
		data, ok, err := templates.EmbeddedJob(arg)
		if err != nil {
			return nil, &sheet.InputError{File: arg, Msg: err.Error()}
		}
		if ok {
			job, err := jobfile.LoadBytes(arg, data)
			if err != nil {
				return nil, err
			}
			sheetName, err := confineCarried(arg, job, auto)
			if err != nil {
				return nil, err
			}
			base := filepath.Base(arg)
			carried := fmt.Sprintf("The job came from the workbook %s (its hidden sheet %s) and reads its sheet %q.", base, templates.JobSheet, sheetName)
			return &jobSource{job: job, carried: carried,
				note: fmt.Sprintf("the job %s carries in its hidden sheet %s (zoombulk job %s prints it); it reads the sheet %q of %s", base, templates.JobSheet, base, sheetName, base)}, nil
		}
	}
	// A users export remembers what it wrote: run back, it needs no job.
	if snap, ok, err := export.ReadSnapshot(arg); err != nil {
		return nil, err
	} else if ok && !besideExists {
		return exportJob(arg, snap, auto)
	}
	return nil, notAJobError(cmd, arg, workbook, besideExists)
}

// notAJobError says what run and validate expected when given a
// spreadsheet that carries no job and no --steps.
func notAJobError(cmd, arg string, workbook, besideExists bool) error {
	what := "a spreadsheet"
	if workbook {
		what = "a workbook that carries no job"
	}
	msg := fmt.Sprintf("%s is %s; %s takes a job file (.yaml), a workbook written by zoombulk template, or a spreadsheet with --steps to map its headers, e.g. zoombulk %s %s --steps update_users",
		arg, what, cmd, cmd, arg)
	if besideExists {
		msg += fmt.Sprintf("; its job file seems to be %s: zoombulk %s %s", templates.JobPath(arg), cmd, templates.JobPath(arg))
	}
	return &jobfile.JobError{Msg: msg}
}

// label is what a header that is one of the tool's own labels maps to.
type label struct {
	field  string
	values []templates.ValueKey
	header string // as written by the tool, for messages
}

// normLabel folds case, spaces, underscores and hyphens: "First Name",
// "first_name" and "FIRSTNAME" are one label.
func normLabel(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		switch r {
		case ' ', '_', '-', '\t':
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// labels are the headers a job maps by themselves, because they cannot
// mean anything else: the templates' headers, the exports' headers, and
// the catalogue's field names, except the generic words a sheet from
// elsewhere uses for its own things (an HR sheet's "Type" of employee,
// its "ID" number). Those map only with --map.
func labels() map[string]label {
	out := map[string]label{}
	add := func(header, field string, values []templates.ValueKey) {
		if _, ok := mapping.Lookup(field); !ok {
			return
		}
		k := normLabel(header)
		if _, dup := out[k]; !dup {
			out[k] = label{field: field, values: values, header: header}
		}
	}
	for _, k := range templates.Kinds() {
		for _, c := range k.Columns {
			add(c.Header, c.Field, c.Values)
		}
	}
	for _, c := range export.UserColumns() {
		field := c.Key
		if one, multi := multiValued[c.Key]; multi {
			if !severalValues[one] {
				// A cell of several values cannot feed a field of
				// one: the column is ignored, saying why (multiWhy).
				continue
			}
			field = one
		}
		add(c.Header, field, nil)
	}
	// The directory exports (groups --admins, contact-groups --members,
	// assistants), so that they run back too.
	for header, field := range map[string]string{export.HeaderGroup: "group", export.HeaderContactGroup: "contact_group",
		export.HeaderMember: "member", export.HeaderPrivacy: "privacy", export.HeaderDescription: "description",
		export.HeaderEmail: "email", export.HeaderAssistants: "assistants"} {
		add(header, field, nil)
	}
	for _, f := range mapping.Catalogue() {
		if !genericWord(f.Name) {
			add(f.Name, f.Name, nil)
		}
	}
	return out
}

// multiValued are the export columns that hold several values a cell,
// separated by ";" (Groups: Engineering;Operations), by key, with the
// field each value would be.
var multiValued = map[string]string{"groups": "group"}

// severalValues are the fields whose steps take several values a cell
// (set_assistants' emails); a multi-valued column maps back only to them.
var severalValues = map[string]bool{"assistants": true}

// multiWhy says why a multi-valued export column is not read, or "" when
// the header is not one.
func multiWhy(header string) string {
	for _, c := range export.UserColumns() {
		one, multi := multiValued[c.Key]
		if multi && !severalValues[one] && normLabel(c.Header) == normLabel(header) {
			return fmt.Sprintf("the export lists every %s of a user in it, separated by \";\", and no step takes several: a column with one %s a row (or --map %s) feeds move_group",
				one, one, yamlQuote(strings.TrimSpace(header)+"="+one))
		}
	}
	return ""
}

// genericWord says whether a field name is also a word sheets use for
// other things: a one-word name that is not one of the few only Zoom
// means (email, dept, pmi, ...). first_name, job_title, zoom_events and
// the other names with an underscore cannot be mistaken.
func genericWord(field string) bool {
	if strings.Contains(field, "_") {
		return false
	}
	switch field {
	case "email", "dept", "pmi", "timezone", "pronouns", "webinar", "assistants":
		return false
	}
	return true
}

// generic are headers that look like a field but are not mapped without
// --map, by their folded form: the generic field names and the usual
// headers of other systems that name a field's kind of value.
func generic(header string) (field string, ok bool) {
	switch k := normLabel(header); k {
	case "name", "fullname", "username":
		return "display_name", true
	case "groupid", "groupname", "team":
		return "group", true
	case "employeetype", "usertypecode", "licensetype", "typecode":
		return "type", true
	default:
		for _, f := range mapping.Catalogue() {
			if genericWord(f.Name) && normLabel(f.Name) == k {
				return f.Name, true
			}
		}
	}
	return "", false
}

// readOnly says whether a header is one the users export writes for
// reading only (Type Code, Group IDs, Created, ...).
func readOnly(header string) bool {
	for _, c := range export.UserColumns() {
		key := c.Key
		if key == "groups" {
			key = "group"
		}
		if _, field := mapping.Lookup(key); !field && normLabel(c.Header) == normLabel(header) {
			return true
		}
	}
	return false
}

// parseMaps reads --map COLUMN=field against the header: each names a
// column of the sheet and a field of the catalogue.
func parseMaps(maps, header []string) (map[string]string, error) {
	out := map[string]string{}
	for _, m := range maps {
		i := strings.LastIndex(m, "=")
		if i <= 0 || i == len(m)-1 {
			return nil, exitf(ExitUsage, "--map %q: write COLUMN=field, e.g. --map \"Type=type\"", m)
		}
		col, field := strings.TrimSpace(m[:i]), strings.TrimSpace(m[i+1:])
		if _, ok := mapping.Lookup(field); !ok {
			msg := fmt.Sprintf("--map %q: %q is not a field", m, field)
			if s := mapping.Suggest(field); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			return nil, exitf(ExitUsage, "%s; the fields are listed in the job file reference (docs/jobs.md)", msg)
		}
		found := ""
		for _, h := range header {
			if normLabel(h) == normLabel(col) && strings.TrimSpace(h) != "" {
				found = h
			}
		}
		if found == "" {
			q := make([]string, 0, len(header))
			for _, h := range header {
				if strings.TrimSpace(h) != "" {
					q = append(q, fmt.Sprintf("%q", h))
				}
			}
			return nil, exitf(ExitUsage, "--map %q: the sheet has no column %q; its headers are %s", m, col, strings.Join(q, ", "))
		}
		for h, f := range out {
			if f == field {
				return nil, exitf(ExitUsage, "--map: %q and %q both map %s; map it from one column", h, found, field)
			}
		}
		out[found] = field
	}
	return out, nil
}

// stepTargets says which fields a step reads, as its kind declares them;
// a kind that declares none reads every field.
func stepTargets(step string) ([]mapping.Target, bool) {
	return jobs.KindTargets(jobfile.StepKind(step))
}

func (o autoOptions) wants(f mapping.Field) bool {
	key := o.match
	if key == "" {
		key = "email"
	}
	if f.Target == mapping.Key {
		return f.Name == key || (f.Name == "email" && slices.ContainsFunc(o.steps, func(s string) bool { return jobs.CreatesUsers(jobfile.StepKind(s)) }))
	}
	for _, s := range o.steps {
		targets, known := stepTargets(s)
		if !known || slices.Contains(targets, f.Target) {
			return true
		}
	}
	return false
}

// autoJob builds the job for a spreadsheet whose headers are the tool's
// own labels: each known header maps its field when a step reads it; the
// others are listed as ignored.
func autoJob(path string, o autoOptions) (*jobSource, error) {
	if err := checkAutoOptions(o); err != nil {
		return nil, err
	}
	r, err := sheet.Open(path, sheet.Options{Sheet: o.sheet})
	if err != nil {
		return nil, err
	}
	header := r.Header()
	sheetName := sheet.Describe(r).Sheet
	r.Close()
	byHand, err := parseMaps(o.maps, header)
	if err != nil {
		return nil, err
	}
	src := &jobSource{note: "a job built from the headers of " + filepath.Base(path) + " (--steps " + strings.Join(o.steps, ",") + ")", why: map[string]string{}}
	var b strings.Builder
	base := filepath.Base(path)
	fmt.Fprintf(&b, "version: 1\nname: %s\ninput: { path: %s", yamlQuote(strings.TrimSuffix(base, filepath.Ext(base))), yamlQuote(base))
	if sheetName != "" {
		fmt.Fprintf(&b, ", sheet: %s", yamlQuote(sheetName))
	}
	b.WriteString(" }\n")
	if o.match != "" {
		fmt.Fprintf(&b, "match: %s\n", o.match)
	}
	b.WriteString("fields:\n")
	mapAutoFields(&b, src, header, byHand, o)
	b.WriteString("steps:\n")
	for _, s := range o.steps {
		fmt.Fprintf(&b, "  - %s\n", s)
	}
	job, err := jobfile.LoadBytes(path, []byte(b.String()))
	if err != nil {
		e := &autoMapError{path: path, header: header, err: err}
		for _, h := range src.ignored {
			if w := multiWhy(h); w != "" {
				e.notes = append(e.notes, fmt.Sprintf("%q is not read: %s", h, w))
			}
		}
		return nil, e
	}
	src.job = job
	return src, nil
}

// checkAutoOptions refuses --steps naming a step the tool lacks (with
// the nearest name) and a --match other than email or id. It trims the
// step names in place.
func checkAutoOptions(o autoOptions) error {
	for i, s := range o.steps {
		o.steps[i] = strings.TrimSpace(s)
		if !slices.Contains(stepNames(), o.steps[i]) {
			msg := fmt.Sprintf("--steps: unknown step %q", o.steps[i])
			if h := jobfile.DidYouMean(o.steps[i], stepNames()); h != "" {
				msg += " (" + h + ")"
			}
			return exitf(ExitUsage, "%s; the steps are %s", msg, strings.Join(stepNames(), ", "))
		}
	}
	if o.match != "" && o.match != "email" && o.match != "id" {
		return exitf(ExitUsage, "--match is email or id, not %q", o.match)
	}
	return nil
}

// mapAutoFields writes the fields of a job built from headers: each
// header a label of the tool (or --map) names feeds its field, once, when
// a step reads it; src records the mapped headers, and the ignored ones
// with why.
func mapAutoFields(b *strings.Builder, src *jobSource, header []string, byHand map[string]string, o autoOptions) {
	known := labels()
	seen := map[string]string{} // field -> the header it is read from
	for h, field := range byHand {
		seen[field] = h
	}
	for _, h := range header {
		if strings.TrimSpace(h) == "" {
			continue
		}
		l, ok := known[normLabel(h)]
		if field, hand := byHand[h]; hand {
			if l.field != field {
				l = label{field: field}
			}
			ok = true
		}
		if why := autoIgnoreWhy(h, l, ok, seen, o); why != "" {
			src.ignored = append(src.ignored, h)
			src.why[h] = why
			continue
		}
		seen[l.field] = h
		src.mapped = append(src.mapped, [2]string{h, l.field})
		writeAutoField(b, h, l)
	}
}

// autoIgnoreWhy says why header h is not read, or "" when it feeds l's
// field: ok says the tool (or --map) knows it as l. A header that is no
// label of the tool says what it is and how to read it with --map.
func autoIgnoreWhy(h string, l label, ok bool, seen map[string]string, o autoOptions) string {
	f, _ := mapping.Lookup(l.field)
	switch {
	case !ok && multiWhy(h) != "":
		return multiWhy(h)
	case !ok && readOnly(h):
		return "a column of the export that no job can set"
	case !ok:
		if field, gen := generic(h); gen {
			return fmt.Sprintf("a generic header, which may mean something else here: --map %s to read it as %s", yamlQuote(strings.TrimSpace(h)+"="+field), field)
		}
		return fmt.Sprintf("not a header of the tool's exports or templates: --map %s to read it", yamlQuote(strings.TrimSpace(h)+"=FIELD"))
	case seen[l.field] != "" && seen[l.field] != h:
		return fmt.Sprintf("%s is read from %q", l.field, seen[l.field])
	case !o.wants(f):
		return fmt.Sprintf("no step of --steps reads %s", l.field)
	}
	return ""
}

// writeAutoField writes one field of the job: its column, with the value
// keys of a labelled column (License: Licensed, Basic, ...).
func writeAutoField(b *strings.Builder, h string, l label) {
	if len(l.values) == 0 {
		fmt.Fprintf(b, "  %s: %s\n", l.field, yamlQuote(h))
		return
	}
	fmt.Fprintf(b, "  %s:\n    column: %s\n    values: {", l.field, yamlQuote(h))
	for i, v := range l.values {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(b, " %s: %s", yamlQuote(v.Cell), yamlQuote(v.Value))
	}
	b.WriteString(" }\n")
}

// autoMapError is a job built from headers that does not load: it says
// which headers the tool reads.
type autoMapError struct {
	path   string
	header []string
	err    error
	// notes say why a column that looks like the missing field is not
	// read (the export's Groups).
	notes []string
}

func (e *autoMapError) Error() string {
	if len(e.notes) > 0 {
		return fmt.Sprintf("%s: the headers do not give the steps what they need: %v\n  (%s)", e.path, e.err, strings.Join(e.notes, "; "))
	}
	return fmt.Sprintf("%s: the headers do not give the steps what they need: %v\n  (headers the tool reads by themselves are those of its exports and templates, e.g. Email, First Name, Department, License, Group; or write a job file: zoombulk template KIND writes one)",
		e.path, e.err)
}

func (e *autoMapError) Unwrap() error { return e.err }

// yamlQuote writes s as a double-quoted YAML string.
func yamlQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// stepNames are the registered step kinds.
func stepNames() []string {
	var out []string
	for _, k := range jobfile.Kinds() {
		out = append(out, string(k))
	}
	return out
}

// headerRowScan bounds the rows searched for a header that is not where
// the job says.
const headerRowScan = 20

// HeaderRowError says the job's columns are all on another row: a title or
// a blank line sits above the header.
type HeaderRowError struct {
	File string
	Row  int
}

func (e *HeaderRowError) Error() string {
	return fmt.Sprintf("%s: the header seems to be on row %d: add `input: { header_row: %d }` to the job", e.File, e.Row, e.Row)
}

// headerRowHint replaces missing-column errors (or a blank header row) by
// one line naming the row that holds every column the job reads, when one
// of the first rows does; otherwise err stays.
func headerRowHint(job *jobfile.Job, input, sheetName string, err error) error {
	if err == nil || job == nil {
		return err
	}
	var missing []string
	var col *mapping.ColumnError
	var in *sheet.InputError
	switch {
	case errors.As(err, &col):
		var walk func(error)
		walk = func(e error) {
			if many, ok := e.(interface{ Unwrap() []error }); ok {
				for _, e := range many.Unwrap() {
					walk(e)
				}
				return
			}
			var c *mapping.ColumnError
			if errors.As(e, &c) && c.Column != "" && strings.Contains(c.Msg, "is not in the header") {
				missing = append(missing, normLabel(c.Column))
			}
		}
		walk(err)
	case errors.As(err, &in) && strings.Contains(in.Msg, "header row is blank"):
		for _, s := range job.Fields {
			if s.Column != "" {
				missing = append(missing, normLabel(s.Column))
			}
		}
	}
	if len(missing) == 0 {
		return err
	}
	path := job.Input.Path
	if input != "" {
		path = input
	}
	if sheetName == "" {
		sheetName = job.Input.Sheet
	}
	current := max(job.Input.HeaderRow, 1)
	for row := 1; row <= headerRowScan; row++ {
		if row == current {
			continue
		}
		r, oerr := sheet.Open(path, sheet.Options{Sheet: sheetName, HeaderRow: row})
		if oerr != nil {
			continue
		}
		have := map[string]bool{}
		for _, c := range r.Header() {
			have[normLabel(c)] = true
		}
		r.Close()
		all := true
		for _, m := range missing {
			all = all && have[m]
		}
		if all {
			return &HeaderRowError{File: filepath.Base(path), Row: row}
		}
	}
	return err
}

// printMapping says which columns a job built from headers reads, and
// which it ignores.
func printMapping(w interface{ Write([]byte) (int, error) }, src *jobSource) {
	if src.note != "" {
		fmt.Fprintf(w, "Using:  %s\n", src.note)
	}
	if src.mapped == nil && src.ignored == nil {
		return
	}
	parts := make([]string, len(src.mapped))
	for i, m := range src.mapped {
		parts[i] = fmt.Sprintf("%q -> %s", m[0], m[1])
	}
	fmt.Fprintf(w, "Mapping: %s\n", strings.Join(parts, ", "))
	if len(src.ignored) > 0 {
		q := make([]string, len(src.ignored))
		for i, h := range src.ignored {
			q[i] = fmt.Sprintf("%q", h)
			if why := src.why[h]; why != "" {
				q[i] += " (" + why + ")"
			}
		}
		fmt.Fprintf(w, "Ignored columns: %s\n", strings.Join(q, ", "))
	}
}

// registerAutoFlags adds --steps and --match, which build a job from a
// spreadsheet's headers.
func registerAutoFlags(f *pflag.FlagSet, o *autoOptions) {
	f.StringSliceVar(&o.steps, "steps", nil, "with a spreadsheet instead of a job: the steps to run, comma-separated (e.g. update_users,move_group); columns are mapped by their headers")
	f.StringVar(&o.match, "match", "", "with --steps: name each row's user by email (default) or id")
	f.BoolVar(&o.trust, "trust-workbook-job", false, "let the job a workbook carries delete, deactivate, sync, or read hidden sheets, hidden rows or another file (read it first: zoombulk job WORKBOOK)")
	f.StringArrayVar(&o.maps, "map", nil, "with --steps: read this column as this field, COLUMN=field (repeat for more), e.g. --map \"Type=type\"; generic headers (Type, ID, Name) are read only so")
}

// usageErr is a problem found before anything is sent: exit 2.
func usageErr(err error) error {
	var exit *ExitError
	if errors.As(err, &exit) {
		return err
	}
	return &ExitError{Code: ExitUsage, Err: err}
}

// confineCarried keeps the job a workbook carries to what the workbook
// shows: a workbook comes from anyone, and whoever runs it sees only its
// visible sheets. The job may read only a visible sheet of the workbook
// itself (not a hidden or very hidden one, not another file, not hidden
// rows), and may not delete users, deactivate them or sync (take away
// members the sheet does not list) unless the command line says
// --trust-workbook-job. It returns the sheet the job reads.
func confineCarried(path string, job *jobfile.Job, auto autoOptions) (string, error) {
	base := filepath.Base(path)
	refuse := func(what string) error {
		return exitf(ExitUsage, "%s carries a job that %s; a job inside a workbook may do that only when you trust it: read it with zoombulk job %s, then add --trust-workbook-job (or save it as a job file and run that)",
			base, what, base)
	}
	if job.Input.Path != "" && !sameFile(job.Input.Path, path) && !auto.trust {
		return "", refuse(fmt.Sprintf("reads another file (%s)", job.Input.Path))
	}
	want := job.Input.Sheet
	if auto.sheet != "" {
		want = auto.sheet
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		return "", &sheet.InputError{File: path, Msg: "not a readable workbook: " + err.Error()}
	}
	defer f.Close()
	name, visible := "", false
	for _, s := range f.GetSheetList() {
		v, _ := f.GetSheetVisible(s)
		switch {
		case want == "" && v && !strings.EqualFold(s, templates.JobSheet):
			name, visible = s, true // the first visible sheet, as the reader picks it
		case want != "" && strings.EqualFold(strings.TrimSpace(s), strings.TrimSpace(want)):
			name, visible = s, v && !strings.EqualFold(s, templates.JobSheet)
		default:
			continue
		}
		break
	}
	if !auto.trust {
		switch {
		case name == "" && want == "":
			return "", refuse("reads a workbook with no visible sheet")
		case name != "" && !visible:
			return "", refuse(fmt.Sprintf("reads the hidden sheet %q", name))
		case job.Input.HiddenRows == "include":
			return "", refuse("reads the rows the workbook hides (hidden_rows: include)")
		}
		if what := removes(job); what != "" {
			return "", refuse(what)
		}
	}
	if name == "" {
		name = want // not there: reading it says so, with the sheets there are
	}
	return name, nil
}

// sameFile says whether two paths name one file.
func sameFile(a, b string) bool {
	fa, err := os.Stat(a)
	if err != nil {
		return false
	}
	fb, err := os.Stat(b)
	return err == nil && os.SameFile(fa, fb)
}

// removes names what a job takes away that a carried job needs trust for:
// deleting users, deactivating them, or a sync, which takes away members
// the sheet does not list ("" when none).
func removes(job *jobfile.Job) string {
	for _, st := range job.Steps {
		if what := takes(job, st); what != "" {
			return what
		}
		if syncs(reflect.ValueOf(st.Options)) {
			return fmt.Sprintf("syncs (%s with sync: remove_only or exact takes away the members the sheet does not list)", st.Kind)
		}
	}
	return ""
}

// takes is what a step takes away, as its kind declares it, with the kind
// ("deletes users (delete_users)"); "" when nothing, or when the field
// that decides it cannot send what takes (a status field that cannot
// send inactive).
func takes(job *jobfile.Job, st jobfile.Step) string {
	what, field := jobs.Takes(st)
	if what == "" || field != "" && !mayDeactivate(job, field) {
		return ""
	}
	return fmt.Sprintf("%s (%s)", what, st.Kind)
}

// mayDeactivate says whether a status field can send inactive: its
// default or a values target is inactive, or a column is read as it is.
func mayDeactivate(job *jobfile.Job, field string) bool {
	for _, sp := range job.Fields {
		if sp.Field != field {
			continue
		}
		if sp.HasDefault && sp.Default == "inactive" {
			return true
		}
		if sp.Column != "" && sp.Values == nil {
			return true
		}
		for _, v := range sp.Values {
			if f, _ := mapping.Lookup(field); f.Name != "" {
				if c, p := f.Canonical(v); p == nil && c == "inactive" {
					return true
				}
			}
		}
	}
	return false
}

// syncs finds a Sync option other than add_only anywhere in a step's
// options (a feature list holds one per feature), so that a step that
// gains a sync later is covered too.
func syncs(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		return !v.IsNil() && syncs(v.Elem())
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if syncs(v.Index(i)) {
				return true
			}
		}
	case reflect.Struct:
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if f.Name == "Sync" && f.Type.Kind() == reflect.String {
				if m := v.Field(i).String(); m != "" && m != jobs.SyncAddOnly {
					return true
				}
				continue
			}
			if f.IsExported() && syncs(v.Field(i)) {
				return true
			}
		}
	}
	return false
}

// announce has the prompt say, before its question, where the job came
// from when a workbook carried it.
func (src *jobSource) announce(w io.Writer, confirm func(*jobs.Plan) (bool, error)) func(*jobs.Plan) (bool, error) {
	if src == nil || src.carried == "" || confirm == nil {
		return confirm
	}
	return func(p *jobs.Plan) (bool, error) {
		fmt.Fprintln(w, src.carried)
		return confirm(p)
	}
}
