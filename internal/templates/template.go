// Package templates writes the spreadsheets to fill in, one per kind of
// bulk change, with the job that reads them, and documents the job file's
// fields in words.
package templates

// Templates: a spreadsheet to fill in and the job that reads it, written
// side by side (FILE.xlsx or FILE.csv, and FILE.yaml). The workbook has the
// data sheet (header, two grey example rows that jobs skip, dropdowns on
// the enumerated columns) and an Instructions sheet, one line per column,
// drawn from the mapping catalogue.

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/zoombulk/zoombulk/internal/fuzzy"
	"github.com/zoombulk/zoombulk/internal/mapping"
	"github.com/zoombulk/zoombulk/internal/sheet"
)

// InstructionsSheet is the name of the workbook's help sheet.
const InstructionsSheet = "Instructions"

// Format is the kind of spreadsheet a template is.
type Format string

// Template formats.
const (
	CSV  Format = "csv"  // header and example rows only
	XLSX Format = "xlsx" // dropdowns, Instructions sheet and the embedded job
)

// UsageError is a problem with what was asked (an unknown kind, a file
// type, a file that exists): nothing was written.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Options say which template to write where.
type Options struct {
	Kind string
	// Path is the spreadsheet, .xlsx or .csv; the job goes beside it with
	// the extension .yaml.
	Path string
	// Force overwrites existing files.
	Force bool
	// Groups and Divisions, when set, are the account's names: the Group
	// and Division columns get them as dropdowns (XLSX only).
	Groups, Divisions []string
}

// Files are the files a template wrote.
type Files struct {
	Kind  Kind
	Sheet string // the spreadsheet
	Job   string // the job file
}

// JobPath is the job file that goes with a template spreadsheet:
// the same name with the extension .yaml.
func JobPath(path string) string {
	return strings.TrimSuffix(path, filepath.Ext(path)) + ".yaml"
}

// Check checks, before anything is read from Zoom, that a template
// can be written: the kind exists, the extension is .xlsx or .csv, the
// folder exists and, without force, neither file exists yet. Problems are
// *UsageError.
func Check(kind, path string, force bool) (Kind, Format, error) {
	k, ok := Lookup(kind)
	if !ok {
		msg := fmt.Sprintf("unknown template %q", kind)
		if near := fuzzy.Closest(kind, KindNames(), 1); len(near) > 0 {
			msg += fmt.Sprintf(" (did you mean %q?)", near[0])
		}
		return k, "", &UsageError{Msg: msg + "; the templates are " + strings.Join(KindNames(), ", ")}
	}
	if strings.TrimSpace(path) == "" {
		return k, "", &UsageError{Msg: "no output file: give -o FILE.xlsx or -o FILE.csv"}
	}
	var format Format
	switch strings.ToLower(filepath.Ext(path)) {
	case ".xlsx":
		format = XLSX
	case ".csv":
		format = CSV
	default:
		ext := filepath.Ext(path)
		what := fmt.Sprintf("unsupported file type %q", ext)
		if ext == "" {
			what = "the file name has no extension"
		}
		return k, "", &UsageError{Msg: fmt.Sprintf("%s: %s; a template is an .xlsx workbook or a .csv file", path, what)}
	}
	dir := filepath.Dir(path)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return k, "", &UsageError{Msg: fmt.Sprintf("%s: the folder %s does not exist: create it first", path, dir)}
	}
	for _, p := range []string{path, JobPath(path)} {
		st, err := os.Stat(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return k, "", &UsageError{Msg: fmt.Sprintf("%s: %v", p, err)}
		case st.IsDir():
			return k, "", &UsageError{Msg: fmt.Sprintf("%s is a folder: give another file name", p)}
		case !force:
			return k, "", &UsageError{Msg: fmt.Sprintf("%s already exists: pass --force to overwrite it, or choose another name", p)}
		}
	}
	return k, format, nil
}

// Write writes a template's spreadsheet and its job file.
func Write(o Options) (*Files, error) {
	kind, format, err := Check(o.Kind, o.Path, o.Force)
	if err != nil {
		return nil, err
	}
	jobPath := JobPath(o.Path)
	t := &templateWriter{kind: kind, format: format, base: filepath.Base(o.Path), job: filepath.Base(jobPath)}
	t.choices = map[string][]string{"group": sortedNames(o.Groups), "division": sortedNames(o.Divisions)}
	if format == XLSX {
		err = t.writeXLSX(o.Path)
	} else {
		err = t.writeCSV(o.Path)
	}
	if err != nil {
		return nil, err
	}
	if err := writeFileAtomic(jobPath, []byte(t.jobYAML())); err != nil {
		return nil, err
	}
	return &Files{Kind: kind, Sheet: o.Path, Job: jobPath}, nil
}

// sortedNames sorts names case-insensitively and drops blanks and repeats.
func sortedNames(names []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "" || seen[strings.ToLower(n)] {
			continue
		}
		seen[strings.ToLower(n)] = true
		out = append(out, n)
	}
	slices.SortStableFunc(out, func(a, b string) int {
		if c := strings.Compare(strings.ToLower(a), strings.ToLower(b)); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	return out
}

type templateWriter struct {
	kind    Kind
	format  Format
	base    string              // the spreadsheet's file name
	job     string              // the job's file name
	choices map[string][]string // field -> the account's names
}

func (t *templateWriter) header() []sheet.Column {
	cols := make([]sheet.Column, len(t.kind.Columns))
	for i, c := range t.kind.Columns {
		cols[i] = sheet.Column{Header: c.Header, Kind: sheet.Text, Choices: t.dropdown(c)}
	}
	return cols
}

// dropdown is the list a column offers: its values map, or the account's
// groups or divisions.
func (t *templateWriter) dropdown(c Column) []string {
	if len(c.Values) > 0 {
		out := make([]string, len(c.Values))
		for i, v := range c.Values {
			out[i] = v.Cell
		}
		return out
	}
	return t.choices[c.Field]
}

// examples are the example rows, their group and division replaced by the
// account's own names when the account does not have the sample's.
func (t *templateWriter) examples() [][]sheet.Cell {
	var rows [][]sheet.Cell
	for n, ex := range t.kind.Examples {
		row := make([]sheet.Cell, len(t.kind.Columns))
		for i := range row {
			v := ""
			if i < len(ex) {
				v = ex[i]
			}
			names := t.choices[t.kind.Columns[i].Field]
			if v != "" && len(names) > 0 && !slices.ContainsFunc(names, func(s string) bool { return strings.EqualFold(s, v) }) {
				v = names[n%len(names)]
			}
			row[i] = sheet.TextCell(v)
		}
		rows = append(rows, row)
	}
	return rows
}

func (t *templateWriter) writeXLSX(path string) error {
	wb := sheet.NewWorkbook()
	defer wb.Close()
	tw, err := wb.AddTable(sheet.Table{Name: t.kind.Sheet, Columns: t.header()})
	if err != nil {
		return err
	}
	for _, row := range t.examples() {
		if err := tw.WriteRow(row, sheet.Muted); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	tw, err = wb.AddTable(sheet.Table{Name: InstructionsSheet, Columns: []sheet.Column{
		{Header: "Column", Width: 20}, {Header: "Field", Width: 16}, {Header: "Required", Width: 22},
		{Header: "Allowed values", Width: 60}, {Header: "What it is", Width: 90},
	}})
	if err != nil {
		return err
	}
	for _, line := range t.instructions() {
		cells := make([]sheet.Cell, len(line))
		for i, s := range line {
			cells[i] = sheet.TextCell(s)
		}
		if err := tw.WriteRow(cells, sheet.Plain); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := wb.Write(&buf); err != nil {
		return err
	}
	data, err := embedJob(buf.Bytes(), t.jobYAML())
	if err != nil {
		return err
	}
	data, err = canonicalZip(data)
	if err != nil {
		return err
	}
	return writeFileAtomic(path, data)
}

// canonicalZip rewrites a workbook's zip with its parts in a fixed order
// ([Content_Types].xml first, then by name), so that the same template is
// the same bytes every time: the committed templates do not churn in git.
// The parts themselves are copied as they are, still compressed.
func canonicalZip(data []byte) ([]byte, error) {
	r, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, err
	}
	files := slices.Clone(r.File)
	slices.SortFunc(files, func(a, b *zip.File) int {
		const first = "[Content_Types].xml"
		switch {
		case a.Name == first:
			return -1
		case b.Name == first:
			return 1
		}
		return strings.Compare(a.Name, b.Name)
	})
	var out bytes.Buffer
	w := zip.NewWriter(&out)
	for _, f := range files {
		raw, err := f.OpenRaw()
		if err != nil {
			return nil, err
		}
		hdr := f.FileHeader
		fw, err := w.CreateRaw(&hdr)
		if err != nil {
			return nil, err
		}
		if _, err := io.Copy(fw, raw); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func (t *templateWriter) writeCSV(path string) error {
	return sheet.WriteAtomic(path, func(f io.Writer) error {
		w, err := sheet.NewCSVWriter(f, t.header())
		if err != nil {
			return err
		}
		for _, row := range t.examples() {
			if err := w.WriteRow(row, sheet.Muted); err != nil {
				return fmt.Errorf("writing %s: %w", path, err)
			}
		}
		return w.Close()
	})
}

func writeFileAtomic(path string, data []byte) error {
	return sheet.WriteAtomic(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// instructions are the rows of the Instructions sheet: one per column,
// then how to use the template.
func (t *templateWriter) instructions() [][]string {
	var rows [][]string
	for _, c := range t.kind.Columns {
		f, _ := mapping.Lookup(c.Field)
		doc := f.Doc
		if c.Note != "" {
			doc += " " + strings.TrimSuffix(c.Note, ".") + "."
		}
		rows = append(rows, []string{c.Header, c.Field, t.required(c), t.allowed(c, f), doc})
	}
	rows = append(rows, nil, []string{"How to use"})
	for _, l := range t.howTo() {
		rows = append(rows, []string{l})
	}
	return rows
}

func (t *templateWriter) required(c Column) string {
	switch {
	case c.Required:
		return "yes"
	case c.Default != "":
		// The default is for new users: an existing user keeps its value.
		return "no (empty: " + cellFor(c.Values, c.Default) + " for a new user; an existing user keeps theirs)"
	}
	return "no (empty: left as it is)"
}

// cellFor is the cell text a values map gives for a value.
func cellFor(values []ValueKey, v string) string {
	for _, vk := range values {
		if vk.Value == v {
			return vk.Cell
		}
	}
	return v
}

func (t *templateWriter) allowed(c Column, f mapping.Field) string {
	d := DescribeField(f)
	var s string
	switch {
	case len(c.Values) > 0:
		cells := make([]string, len(c.Values))
		for i, v := range c.Values {
			cells[i] = v.Cell
		}
		s = "one of: " + strings.Join(cells, ", ") + " (the dropdown)"
	case f.Target == mapping.Group || f.Target == mapping.Division:
		what := "group"
		if f.Target == mapping.Division {
			what = "division"
		}
		if n := len(t.choices[c.Field]); n > 0 {
			s = fmt.Sprintf("the name or ID of one of the account's %d %ss (the dropdown)", n, what)
		} else {
			s = fmt.Sprintf("the name (any case) or ID of a %s of the account; zoombulk template --from-account adds a dropdown of them", what)
		}
	case len(d.Values) > 0:
		s = "one of: " + strings.Join(d.Values, ", ")
	default:
		s = d.Rule()
	}
	if f.Clearable {
		s += "; <clear> empties it"
	}
	return s
}

// howTo are the Instructions sheet's closing lines.
func (t *templateWriter) howTo() []string {
	run := "zoombulk run " + t.job
	for _, f := range t.kind.RunFlags {
		run += " " + f
	}
	lines := []string{
		fmt.Sprintf("Fill in the %s sheet, one user a row. Rows whose first cell starts with # (the grey examples) are ignored.", t.kind.Sheet),
		"Cells are trimmed and matched in any case. An empty cell leaves the field as it is.",
		fmt.Sprintf("Keep the headers as they are (or change them in %s too); extra columns are kept in the results and otherwise ignored.", t.job),
		"",
	}
	lines = append(lines, "What the job does:")
	for _, l := range t.kind.About {
		lines = append(lines, "  "+l)
	}
	lines = append(lines, "",
		"Then, in a terminal:",
		"  zoombulk validate "+t.job+"   (offline: every problem of every row at once)",
		"  "+run+" --dry-run   (reads the account and writes the plan; changes nothing)",
		"  "+run+"   (shows the plan, asks to confirm, applies it; results in runs/)",
		"Every run writes results.xlsx (one line per row, with the reason and a hint for each failure) and failed.csv, which can be fixed and run again with --input.",
	)
	if t.format == XLSX {
		lines = append(lines, "",
			fmt.Sprintf("This workbook also carries the job, in the hidden sheet %s: zoombulk job %s prints it. A job file beside the workbook wins over it.", JobSheet, t.base))
	}
	return lines
}

// jobYAML is the job file, with comments that say how to use it.
func (t *templateWriter) jobYAML() string {
	var b strings.Builder
	k := t.kind
	run := "zoombulk run " + t.job
	for _, f := range k.RunFlags {
		run += " " + f
	}
	fmt.Fprintf(&b, "# zoombulk job (template %s): %s.\n#\n", k.Name, k.Summary)
	for _, l := range k.About {
		fmt.Fprintf(&b, "# %s\n", l)
	}
	sheetNote := ""
	if t.format == XLSX {
		sheetNote = fmt.Sprintf(" (sheet %s; its Instructions sheet says what each column takes)", k.Sheet)
	}
	fmt.Fprintf(&b, "#\n# Fill in %s%s.\n", t.base, sheetNote)
	b.WriteString("# Rows whose first cell starts with # are examples and are ignored. Then:\n")
	fmt.Fprintf(&b, "#   zoombulk validate %s\n", t.job)
	fmt.Fprintf(&b, "#   %s --dry-run\n", run)
	fmt.Fprintf(&b, "#   %s\n", run)
	b.WriteString("# Every key of this file is explained in docs/jobs.md, \"Job files\".\n")
	b.WriteString("version: 1\n")
	fmt.Fprintf(&b, "name: %s\n", yamlText(jobName(t.base)))
	if t.format == XLSX {
		fmt.Fprintf(&b, "input: { path: %s, sheet: %s }\n", yamlText(t.base), yamlText(k.Sheet))
	} else {
		fmt.Fprintf(&b, "input: { path: %s }\n", yamlText(t.base))
	}
	if k.Columns[0].Field == "email" {
		b.WriteString("match: email\n") // rows of groups are named by the group
	}
	b.WriteString("fields:                     # field: \"Column header\", or a map (column, values, default, required)\n")
	for _, c := range k.Columns {
		writeField(&b, c)
	}
	b.WriteString("steps:\n")
	for _, l := range k.Steps {
		b.WriteString(l)
		b.WriteString("\n")
	}
	b.WriteString("limits:\n")
	b.WriteString("  max_failures: 5%           # stop (exit 3) once more than 5% of the rows have failed\n")
	return b.String()
}

func writeField(b *strings.Builder, c Column) {
	required := c.Required && c.Field != "email"
	if len(c.Values) == 0 && c.Default == "" && !required {
		fmt.Fprintf(b, "  %s: %s\n", c.Field, yamlText(c.Header))
		return
	}
	fmt.Fprintf(b, "  %s:\n", c.Field)
	fmt.Fprintf(b, "    column: %s\n", yamlText(c.Header))
	if len(c.Values) > 0 {
		parts := make([]string, len(c.Values))
		for i, v := range c.Values {
			parts[i] = yamlText(v.Cell) + ": " + yamlText(v.Value)
		}
		flow := "{ " + strings.Join(parts, ", ") + " }"
		if len(flow) <= 80 {
			fmt.Fprintf(b, "    values: %s\n", flow)
		} else {
			b.WriteString("    values:\n")
			for _, p := range parts {
				fmt.Fprintf(b, "      %s\n", p)
			}
		}
	}
	if c.Default != "" {
		fmt.Fprintf(b, "    default: %s         # for new users; existing users keep theirs (default_for: all changes that)\n", yamlText(c.Default))
	}
	if required {
		b.WriteString("    required: true\n")
	}
}

var plainYAML = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9 _./@()-]*$`)

// yamlText writes s as a YAML scalar: plain when that reads back as the
// same text, double-quoted otherwise (numbers, true/false and the like
// are quoted so that nobody wonders whether they are text).
func yamlText(s string) string {
	switch strings.ToLower(s) {
	case "y", "n", "yes", "no", "on", "off", "true", "false", "null":
		return strconv.Quote(s)
	}
	if plainYAML.MatchString(s) && !strings.HasSuffix(s, " ") && !strings.Contains(s, " #") {
		return s
	}
	return strconv.Quote(s)
}

// jobName is the job's name from the spreadsheet's file name: the runs/
// folder is named after it.
func jobName(file string) string {
	name := strings.TrimSuffix(file, filepath.Ext(file))
	name = strings.Map(func(r rune) rune {
		if r < ' ' || strings.ContainsRune(`/\:*?"<>|`, r) {
			return '-'
		}
		return r
	}, name)
	if strings.Trim(name, ".") == "" {
		return "template"
	}
	return name
}
