package jobfile

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/zoombulk/zoombulk/internal/mapping"
)

// maxJobFileSize bounds a job file: a real one is a few kilobytes.
const maxJobFileSize = 1 << 20

var matchOptions = []string{"email", "id"}

var (
	topKeys   = []string{"version", "name", "input", "match", "clear", "fields", "steps", "limits"}
	inputKeys = []string{"path", "sheet", "header_row", "hidden_rows"}
	fieldKeys = []string{"column", "values", "default", "default_for", "required", "transform"}
	limitKeys = []string{"max_failures", "max_removals", "partial_rows"}
)

func loadJob(path string) (*Job, error) {
	data, err := readJobFile(path)
	if err != nil {
		return nil, err
	}
	return loadData(path, data)
}

func loadData(path string, data []byte) (*Job, error) {
	l := &Loader{file: path, fieldLine: map[string]int{}}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, yamlError(path, data, err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, &JobError{File: path, Msg: "the job file is empty",
			Hint: "start it with version: 1, fields and steps; zoombulk template writes an example"}
	}
	if len(kinds) == 0 {
		return nil, errors.New("jobfile: no step kinds are registered (the program must import internal/jobs)")
	}
	root := ResolveAlias(doc.Content[0])
	dir := filepath.Dir(path)
	base := filepath.Base(path)
	l.job = &Job{
		Path:  path,
		Dir:   dir,
		Name:  strings.TrimSuffix(base, filepath.Ext(base)),
		Match: "email",
		Clear: mapping.DefaultClear,
		Input: Input{HeaderRow: 1},
	}
	if root.Kind != yaml.MappingNode {
		return nil, &JobError{File: path, Line: root.Line, Msg: "a job file is a map of keys: version, name, input, match, clear, fields, steps, limits",
			Hint: "zoombulk template KIND writes an example job next to its workbook"}
	}
	l.top(root)
	if len(l.errs) == 0 {
		l.checkNeeds()
	}
	if len(l.errs) > 0 {
		return nil, errors.Join(l.errs...)
	}
	return l.job, nil
}

func readJobFile(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		msg := "cannot read the job file: " + err.Error()
		if errors.Is(err, fs.ErrNotExist) {
			msg = "the job file does not exist"
		}
		return nil, &JobError{File: path, Msg: msg, Err: err}
	}
	if st.IsDir() {
		return nil, &JobError{File: path, Msg: "this is a folder, not a job file", Hint: "name the .yaml file"}
	}
	if !st.Mode().IsRegular() {
		// A FIFO would block the read until a writer comes, deaf to Ctrl-C.
		return nil, &JobError{File: path, Msg: "this is not a regular file (a pipe or a device)", Hint: "save the job to a .yaml file and name that"}
	}
	if st.Size() > maxJobFileSize {
		return nil, &JobError{File: path, Msg: fmt.Sprintf("the job file is %d bytes; a job file is a few kilobytes", st.Size()),
			Hint: "is this the spreadsheet? pass the job's .yaml file, and name the spreadsheet under input"}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &JobError{File: path, Msg: "cannot read the job file: " + err.Error(), Err: err}
	}
	return data, nil
}

var yamlLine = regexp.MustCompile(`line (\d+):?\s*`)

// yamlError turns a YAML syntax error into a JobError with its line. A
// tab in the indentation (the usual culprit) is named at its own line: the
// parser's line numbers are sometimes one off.
func yamlError(path string, data []byte, err error) error {
	for i, line := range strings.Split(string(data), "\n") {
		indent := line[:len(line)-len(strings.TrimLeft(line, " \t"))]
		if strings.Contains(indent, "\t") {
			return &JobError{File: path, Line: i + 1, Msg: "not valid YAML: a tab in the indentation",
				Hint: "YAML indents with spaces: replace the tabs", Err: err}
		}
	}
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = strings.Replace(msg, m[0], "", 1)
	}
	hint := "check the indentation (spaces, not tabs) and that every key ends with a colon"
	if strings.Contains(msg, "tab") {
		hint = "YAML indents with spaces: replace the tabs"
	}
	return &JobError{File: path, Line: line, Msg: "not valid YAML: " + msg, Hint: hint, Err: err}
}

func (l *Loader) top(root *yaml.Node) {
	var versionSeen bool
	var stepsNode *yaml.Node
	var fieldsNode *yaml.Node
	l.Map(root, "", topKeys, func(k string, kn, vn *yaml.Node) {
		switch k {
		case "version":
			versionSeen = true
			if v, ok := l.Int(vn, k); ok {
				if v != 1 {
					l.Errorf(vn, k, "this zoombulk reads version 1 job files", "version %d is not supported", v)
				}
				l.job.Version = v
			}
		case "name":
			if s, ok := l.Str(vn, k); ok {
				if bad := badJobName(s); bad != "" {
					l.Errorf(vn, k, "the name becomes the runs/ folder name: use letters, digits, - and _", "%s", bad)
				} else {
					l.job.Name = s
				}
			}
		case "input":
			l.input(vn)
		case "match":
			if s, ok := l.OneOf(vn, k, matchOptions); ok {
				l.job.Match = s
				l.matchLine = vn.Line
			}
		case "clear":
			if s, ok := l.Str(vn, k); ok {
				l.job.Clear = s
			}
		case "fields":
			fieldsNode = vn
			l.fieldsLine = kn.Line
		case "steps":
			stepsNode = vn
		case "limits":
			l.limits(vn)
		}
	})
	if !versionSeen {
		l.Errorf(root, "version", "add `version: 1` at the top of the file", "version is missing")
	}
	if fieldsNode == nil {
		l.Errorf(root, "fields", "map columns to fields, e.g. fields: {email: Email}", "fields is missing")
	} else {
		l.fields(fieldsNode)
	}
	if stepsNode == nil {
		l.Errorf(root, "steps", "list what to do, e.g. steps: [update_users]", "steps is missing")
	} else {
		l.steps(stepsNode)
	}
}

func badJobName(s string) string {
	if s == "." || s == ".." {
		return fmt.Sprintf("%q is not a usable name", s)
	}
	for _, r := range s {
		if r < ' ' || strings.ContainsRune(`/\:*?"<>|`, r) {
			return fmt.Sprintf("the name may not contain %q", r)
		}
	}
	return ""
}

func (l *Loader) input(n *yaml.Node) {
	if n.Kind == yaml.ScalarNode && n.ShortTag() != "!!null" {
		// input: users.xlsx, short for input: {path: users.xlsx}
		if s, ok := l.Str(n, "input"); ok {
			l.job.Input.Path = l.resolvePath(s)
		}
		return
	}
	l.Map(n, "input", inputKeys, func(k string, kn, vn *yaml.Node) {
		key := "input." + k
		switch k {
		case "path":
			if s, ok := l.Str(vn, key); ok {
				l.job.Input.Path = l.resolvePath(s)
			}
		case "sheet":
			if s, ok := l.Str(vn, key); ok {
				l.job.Input.Sheet = s
			}
		case "header_row":
			if v, ok := l.Int(vn, key); ok {
				if v < 1 {
					l.Errorf(vn, key, "rows count from 1", "header_row must be 1 or more")
				} else {
					l.job.Input.HeaderRow = v
				}
			}
		case "hidden_rows":
			if v, ok := l.OneOf(vn, key, []string{"include", "skip"}); ok {
				l.job.Input.HiddenRows = v
			}
		}
	})
}

func (l *Loader) resolvePath(p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(l.job.Dir, p)
}

func (l *Loader) limits(n *yaml.Node) {
	lim := &l.job.Limits
	l.Map(n, "limits", limitKeys, func(k string, kn, vn *yaml.Node) {
		key := "limits." + k
		switch k {
		case "max_failures":
			lim.MaxFailures, lim.MaxFailuresPct, lim.SetFailures = l.rowLimit(vn, key)
		case "max_removals":
			lim.MaxRemovals, lim.MaxRemovalsPct, lim.SetRemovals = l.rowLimit(vn, key)
		case "partial_rows":
			lim.PartialRows, _ = l.Bool(vn, key)
		}
	})
}

// rowLimit reads "N" (rows) or "N%" (of the input's rows). 0 is a real
// limit: max_failures: 0 stops at the first failure.
func (l *Loader) rowLimit(vn *yaml.Node, key string) (int, float64, bool) {
	s, ok := l.Str(vn, key)
	if !ok {
		return 0, 0, false
	}
	const hint = "write a number of rows (50) or a percentage of the rows (5%)"
	v, pct, err := ParseLimit(s)
	if err != nil {
		l.Errorf(vn, key, hint, "%s", err.Error())
		return 0, 0, false
	}
	return v, pct, true
}

// ParseLimit reads a limit as the job's limits and --max-removals take
// it: "N" (a count) or "N%" (a percentage, more than 0 and at most 100).
func ParseLimit(s string) (n int, pct float64, err error) {
	s = strings.TrimSpace(s)
	if p, isPct := strings.CutSuffix(s, "%"); isPct {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(v) || v <= 0 || v > 100 {
			return 0, 0, fmt.Errorf("%q is not a percentage between 0 and 100", s)
		}
		return 0, v, nil
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < 0 {
		return 0, 0, fmt.Errorf("%q is not a number of rows", s)
	}
	return v, 0, nil
}

func (l *Loader) fields(n *yaml.Node) {
	names := catalogueNames()
	l.Map(n, "fields", nil, func(name string, kn, vn *yaml.Node) {
		key := "fields." + name
		f, ok := mapping.Lookup(name)
		if !ok {
			hint := DidYouMean(name, names)
			if s := mapping.SuggestSetting(name); strings.HasPrefix(name, mapping.SettingsPrefix) && s != "" {
				hint = fmt.Sprintf("did you mean %q?", s)
			}
			if hint == "" {
				hint = "fields are named as the Zoom API names them: email, first_name, type, dept, group, webinar, settings.recording.cloud_recording, ..."
			}
			l.Errorf(kn, key, hint, "unknown field %q", name)
			return
		}
		spec := mapping.Spec{Field: name, Line: kn.Line}
		switch {
		case vn.Kind == yaml.ScalarNode && vn.ShortTag() != "!!null":
			spec.Column = strings.TrimSpace(vn.Value)
			if spec.Column == "" {
				l.Errorf(vn, key, fmt.Sprintf(`e.g. %s: "Column header"`, name), "the column header is empty")
				return
			}
		case vn.Kind == yaml.MappingNode:
			if !l.fieldSpec(vn, key, f, &spec) {
				return
			}
		default:
			l.Errorf(vn, key, fmt.Sprintf(`e.g. %s: "Column header", or %s: {column: "Column header", values: {...}}`, name, name),
				"a field takes a column header or a map (column, values, default, required, transform), not %s", KindName(vn))
			return
		}
		l.fieldLine[name] = kn.Line
		l.job.Fields = append(l.job.Fields, spec)
	})
}

func catalogueNames() []string {
	cat := mapping.Catalogue()
	out := make([]string, len(cat))
	for i, f := range cat {
		out[i] = f.Name
	}
	return out
}

func (l *Loader) fieldSpec(n *yaml.Node, key string, f mapping.Field, spec *mapping.Spec) bool {
	ok := true
	l.Map(n, key, fieldKeys, func(k string, kn, vn *yaml.Node) {
		sub := key + "." + k
		switch k {
		case "column":
			if s, good := l.Str(vn, sub); good {
				spec.Column = s
			} else {
				ok = false
			}
		case "values":
			if !l.values(vn, sub, f, spec) {
				ok = false
			}
		case "default":
			s, good := l.Str(vn, sub)
			if !good {
				ok = false
				return
			}
			v, p := f.Canonical(s)
			if p != nil {
				hint := p.Hint
				for k := range spec.Values {
					if strings.EqualFold(strings.TrimSpace(k), s) {
						hint = fmt.Sprintf("%q is a key of values; the default is the value sent, so write %q", s, spec.Values[k])
					}
				}
				l.Errorf(vn, sub, hint, "%s", p.Msg)
				ok = false
				return
			}
			spec.Default, spec.HasDefault = v, true
		case "default_for":
			// An empty cell leaves an existing user as it is: the default
			// fills new users only, unless the job says all.
			if v, good := l.OneOf(vn, sub, []string{"create", "all"}); good {
				spec.DefaultForAll = v == "all"
			} else {
				ok = false
			}
		case "required":
			if b, good := l.Bool(vn, sub); good {
				spec.Required = b
			} else {
				ok = false
			}
		case "transform":
			if !l.transforms(vn, sub, spec) {
				ok = false
			}
		}
	})
	if ok && spec.DefaultForAll && !spec.HasDefault {
		l.Errorf(n, key+".default_for", "add default: VALUE, or remove default_for", "default_for: all says where a default applies, and there is no default")
		ok = false
	}
	if ok && spec.Column == "" && !spec.HasDefault {
		l.Errorf(n, key+".column", fmt.Sprintf(`add column: "Header", or a default to give every row the same %s`, f.Name), "column is missing")
		ok = false
	}
	if n.Kind != yaml.MappingNode {
		ok = false
	}
	return ok
}

func (l *Loader) values(n *yaml.Node, key string, f mapping.Field, spec *mapping.Spec) bool {
	if n.Kind != yaml.MappingNode {
		l.Errorf(n, key, `e.g. values: { Licensed: 2, Basic: 1 }`, "values must be a map of cell text to the value sent, not %s", KindName(n))
		return false
	}
	if len(n.Content) == 0 {
		l.Errorf(n, key, "list the cell texts and the values to send, or remove values", "values is empty")
		return false
	}
	ok := true
	spec.Values = map[string]string{}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn, vn := n.Content[i], ResolveAlias(n.Content[i+1])
		if kn.Kind != yaml.ScalarNode {
			l.Errorf(kn, key, "", "a values key must be the text of a cell, not %s", KindName(kn))
			ok = false
			continue
		}
		cell := strings.TrimSpace(kn.Value)
		sub := key + "." + cell
		fold := strings.ToLower(cell)
		if prev, dup := seen[fold]; dup {
			l.Errorf(kn, sub, "cells are matched trimmed and case-insensitively: keep one", "%q is given twice (first at line %d)", cell, prev)
			ok = false
			continue
		}
		seen[fold] = kn.Line
		target, good := l.Str(vn, sub)
		if !good {
			ok = false
			continue
		}
		v, p := f.Canonical(target)
		if p != nil {
			l.Errorf(vn, sub, p.Hint, "%s", p.Msg)
			ok = false
			continue
		}
		spec.Values[cell] = v
	}
	return ok
}

func (l *Loader) transforms(n *yaml.Node, key string, spec *mapping.Spec) bool {
	var items []*yaml.Node
	switch n.Kind {
	case yaml.ScalarNode:
		items = []*yaml.Node{n}
	case yaml.SequenceNode:
		items = n.Content
	default:
		l.Errorf(n, key, "e.g. transform: lower, or transform: [lower, title]", "transform must be a name or a list of names, not %s", KindName(n))
		return false
	}
	ok := true
	for _, it := range items {
		t, good := l.OneOf(ResolveAlias(it), key, mapping.Transforms)
		if !good {
			ok = false
			continue
		}
		spec.Transforms = append(spec.Transforms, t)
	}
	return ok
}

func stepKindNames() []string {
	out := make([]string, len(kindOrder))
	for i, k := range kindOrder {
		out[i] = string(k)
	}
	return out
}

func (l *Loader) steps(n *yaml.Node) {
	n = ResolveAlias(n)
	if n.Kind != yaml.SequenceNode {
		l.Errorf(n, "steps", "e.g. steps: [ {create_users: {if_exists: update}}, update_features ]", "steps must be a list, not %s", KindName(n))
		return
	}
	if len(n.Content) == 0 {
		l.Errorf(n, "steps", "add at least one step: "+strings.Join(stepKindNames(), ", "), "steps is empty")
		return
	}
	seen := map[StepKind]int{}
	for i, item := range n.Content {
		item = ResolveAlias(item)
		key := fmt.Sprintf("steps[%d]", i)
		var kindNode, opts *yaml.Node
		switch {
		case item.Kind == yaml.ScalarNode && item.ShortTag() != "!!null":
			kindNode = item
		case item.Kind == yaml.MappingNode && len(item.Content) == 2:
			kindNode, opts = item.Content[0], ResolveAlias(item.Content[1])
		case item.Kind == yaml.MappingNode && len(item.Content) > 2:
			l.Errorf(item, key, "indent the step's options under its name, e.g.\n  - create_users:\n      if_exists: update",
				"a step is one name with its options, but this item has %d keys (%s)", len(item.Content)/2, yamlMapKeys(item))
			continue
		default:
			l.Errorf(item, key, "e.g. - update_users, or - move_group: {to: group}", "a step is a step name or a one-key map, not %s", KindName(item))
			continue
		}
		name := strings.TrimSpace(kindNode.Value)
		kind := StepKind(name)
		k, known := kinds[kind]
		if !known {
			hint := DidYouMean(name, stepKindNames())
			if hint == "" {
				hint = "steps: " + strings.Join(stepKindNames(), ", ")
			}
			l.Errorf(kindNode, key, hint, "unknown step %q", name)
			continue
		}
		key += "." + name
		if prev, dup := seen[kind]; dup {
			l.Errorf(kindNode, key, "list each step once; one step handles every row", "%s is listed twice (first at line %d)", name, prev)
			continue
		}
		seen[kind] = kindNode.Line
		step := Step{Kind: kind, Line: kindNode.Line}
		if opts != nil && opts.Kind == yaml.ScalarNode && opts.ShortTag() == "!!null" {
			opts = nil
		}
		l.stepLine = kindNode.Line
		options, good := k.ParseOptions(l, key, opts)
		if !good {
			continue
		}
		step.Options = options
		l.job.Steps = append(l.job.Steps, step)
	}
}

// checkNeeds runs once the whole file is read: every field a step needs is
// mapped, and feature value fields only produce the feature's values.
func (l *Loader) checkNeeds() {
	job := l.job
	// The key field, once for every step. Steps whose rows are not users
	// (groups, contact groups) are named by their own fields and cannot
	// share a sheet with steps whose rows are users.
	keyed, either := 0, 0
	for _, s := range job.Steps {
		if _, ok := kinds[s.Kind].(AnyRows); ok {
			either++
		} else if _, ok := kinds[s.Kind].(RowKeyer); ok {
			keyed++
		}
	}
	switch {
	case keyed > 0 && keyed < len(job.Steps)-either:
		var users, others []string
		for _, s := range job.Steps {
			if _, ok := kinds[s.Kind].(AnyRows); ok {
				continue
			} else if _, ok := kinds[s.Kind].(RowKeyer); ok {
				others = append(others, string(s.Kind))
			} else {
				users = append(users, string(s.Kind))
			}
		}
		l.errs = append(l.errs, &JobError{File: l.file, Line: job.Steps[0].Line, Key: "steps",
			Msg: fmt.Sprintf("the rows of %s are users, the rows of %s are not: one job cannot run both on the same sheet",
				strings.Join(users, ", "), strings.Join(others, ", ")),
			Hint: "put them in two jobs, one per sheet (input: { sheet: Groups })"})
	case keyed > 0:
		// every step names its own fields, checked below
	case either == len(job.Steps):
		// only steps that make their own rows: no key to map
	case job.Match == "id" && !l.Mapped("id"):
		l.errs = append(l.errs, &JobError{File: l.file, Line: l.matchLine, Key: "match",
			Msg: `match: id needs the field "id", but the job does not map it`, Hint: `add it under fields, e.g. id: "User ID"`})
	case job.Match == "email" && !l.Mapped("email"):
		l.errs = append(l.errs, &JobError{File: l.file, Line: l.fieldsLine, Key: "fields",
			Msg:  `every row names its user by email (match: email), but the job does not map the field "email"`,
			Hint: `add it under fields, e.g. email: "Email", or map id and set match: id`})
	}
	for i, s := range job.Steps {
		key := fmt.Sprintf("steps[%d].%s", i, s.Kind)
		for _, f := range s.Fields(job) {
			if (f == job.Match && keyed == 0) || l.Mapped(f) {
				continue
			}
			hint := fmt.Sprintf("add it under fields, e.g. %s: %q", f, ExampleHeader(f))
			if f == "type" {
				hint = `add it under fields, e.g. type: License, or type: {default: 1} to create every user as Basic`
			}
			l.AddError(s.Line, key, fmt.Sprintf("%s needs the field %q, but the job does not map it", s.Kind, f), hint)
		}
		kinds[s.Kind].Check(l, key, s)
	}
}

// ProfileSpecs are the mapped profile fields (first_name, dept, ...).
func ProfileSpecs(job *Job) []mapping.Spec {
	var out []mapping.Spec
	for _, s := range job.Fields {
		if f, ok := mapping.Lookup(s.Field); ok && f.Target == mapping.Profile {
			out = append(out, s)
		}
	}
	return out
}
