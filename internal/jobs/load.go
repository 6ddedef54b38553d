package jobs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/zoombulk/zoombulk/internal/fuzzy"
	"github.com/zoombulk/zoombulk/internal/mapping"
)

// maxJobFileSize bounds a job file: a real one is a few kilobytes.
const maxJobFileSize = 1 << 20

// Step options, as the job file spells them.
var (
	createActions   = []string{"create", "autoCreate", "custCreate", "ssoCreate"}
	ifExistsOptions = []string{"skip", "update", "fail"}
	deleteActions   = []string{"disassociate", "delete"}
	moveModes       = []string{"move", "add", "set_primary"}
	matchOptions    = []string{"email", "id"}
)

var (
	topKeys     = []string{"version", "name", "input", "match", "clear", "fields", "steps", "limits"}
	inputKeys   = []string{"path", "sheet", "header_row"}
	fieldKeys   = []string{"column", "values", "default", "required", "transform"}
	limitKeys   = []string{"max_failures"}
	featureKeys = []string{"feature_type", "value", "subscription"}
	stepKeys    = map[StepKind][]string{
		CreateUsers:    {"action", "if_exists"},
		UpdateUsers:    {},
		SetStatus:      {"field"},
		UpdateFeatures: nil, // a list
		MoveGroup:      {"to", "mode"},
		AssignDivision: {"to"},
		DeleteUsers:    {"action", "transfer_email"},
	}
)

// jobLoader walks the YAML tree of one job file, gathering every error.
type jobLoader struct {
	file string // as given, for messages
	job  *Job
	errs []error
	// lines of the fields and steps, for errors found after the walk.
	fieldLine  map[string]int
	matchLine  int
	fieldsLine int
}

func loadJob(path string) (*Job, error) {
	l := &jobLoader{file: path, fieldLine: map[string]int{}}
	data, err := readJobFile(path)
	if err != nil {
		return nil, err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, yamlError(path, data, err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, &JobError{File: path, Msg: "the job file is empty",
			Hint: "start it with version: 1, fields and steps; zoombulk template writes an example"}
	}
	root := resolveAlias(doc.Content[0])
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
			Hint: "see DESIGN section 2 or run zoombulk template for an example"}
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
		return nil, &JobError{File: path, Msg: msg, err: err}
	}
	if st.IsDir() {
		return nil, &JobError{File: path, Msg: "this is a folder, not a job file", Hint: "name the .yaml file"}
	}
	if st.Size() > maxJobFileSize {
		return nil, &JobError{File: path, Msg: fmt.Sprintf("the job file is %d bytes; a job file is a few kilobytes", st.Size()),
			Hint: "is this the spreadsheet? pass the job's .yaml file, and name the spreadsheet under input"}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &JobError{File: path, Msg: "cannot read the job file: " + err.Error(), err: err}
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
				Hint: "YAML indents with spaces: replace the tabs", err: err}
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
	return &JobError{File: path, Line: line, Msg: "not valid YAML: " + msg, Hint: hint, err: err}
}

func resolveAlias(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && n.Alias != nil && i < 10; i++ {
		n = n.Alias
	}
	return n
}

func (l *jobLoader) errorf(n *yaml.Node, key, hint, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	l.errs = append(l.errs, &JobError{File: l.file, Line: line, Key: key, Msg: fmt.Sprintf(format, args...), Hint: hint})
}

func didYouMean(s string, options []string) string {
	if c := fuzzy.Key(s, options); c != "" {
		return fmt.Sprintf("did you mean %q?", c)
	}
	return ""
}

func yamlKindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a map"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.ShortTag() == "!!null" {
			return "empty"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "something else"
}

func keyJoin(key, sub string) string {
	if key == "" {
		return sub
	}
	return key + "." + sub
}

// mapping walks a map node: duplicate keys and unknown keys are errors;
// fn sees each known key in file order. known nil accepts any key.
func (l *jobLoader) mapping(n *yaml.Node, key string, known []string, fn func(k string, kn, vn *yaml.Node)) bool {
	n = resolveAlias(n)
	if n.Kind != yaml.MappingNode {
		if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
			return true // an empty block: every option at its default
		}
		what := "a map of keys (" + strings.Join(known, ", ") + ")"
		if known == nil {
			what = "a map of field: column"
		}
		l.errorf(n, key, "", "%s must be %s, not %s", keyLast(key), what, yamlKindName(n))
		return false
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn, vn := n.Content[i], resolveAlias(n.Content[i+1])
		k := kn.Value
		if prev, dup := seen[k]; dup {
			l.errorf(kn, keyJoin(key, k), "remove one of them", "%q is given twice (first at line %d)", k, prev)
			continue
		}
		seen[k] = kn.Line
		if known != nil && !inList(known, k) {
			hint := didYouMean(k, known)
			if hint == "" {
				hint = "known keys: " + strings.Join(known, ", ")
			}
			l.errorf(kn, keyJoin(key, k), hint, "unknown key")
			continue
		}
		fn(k, kn, vn)
	}
	return true
}

func keyLast(key string) string {
	if i := strings.LastIndexByte(key, '.'); i >= 0 {
		return key[i+1:]
	}
	if key == "" {
		return "the job"
	}
	return key
}

func inList(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// scalar reads a plain value; false (with an error) for maps and lists.
func (l *jobLoader) scalar(n *yaml.Node, key string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		l.errorf(n, key, "", "%s must be a single value, not %s", keyLast(key), yamlKindName(n))
		return "", false
	}
	if n.ShortTag() == "!!null" {
		return "", true
	}
	return n.Value, true
}

// str reads a non-empty text value.
func (l *jobLoader) str(n *yaml.Node, key string) (string, bool) {
	s, ok := l.scalar(n, key)
	if !ok {
		return "", false
	}
	s = strings.TrimSpace(s)
	if s == "" {
		l.errorf(n, key, "give a value or remove the key", "%s is empty", keyLast(key))
		return "", false
	}
	return s, true
}

func (l *jobLoader) integer(n *yaml.Node, key string) (int, bool) {
	s, ok := l.str(n, key)
	if !ok {
		return 0, false
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		l.errorf(n, key, "", "%s must be a whole number, not %q", keyLast(key), s)
		return 0, false
	}
	return v, true
}

func (l *jobLoader) boolean(n *yaml.Node, key string) (bool, bool) {
	s, ok := l.str(n, key)
	if !ok {
		return false, false
	}
	switch strings.ToLower(s) {
	case "true", "yes", "on":
		return true, true
	case "false", "no", "off":
		return false, true
	}
	l.errorf(n, key, "", "%s must be true or false, not %q", keyLast(key), s)
	return false, false
}

// oneOf reads a value from a fixed list, accepting any letter case and
// returning the list's spelling.
func (l *jobLoader) oneOf(n *yaml.Node, key string, options []string) (string, bool) {
	s, ok := l.str(n, key)
	if !ok {
		return "", false
	}
	for _, o := range options {
		if strings.EqualFold(o, s) {
			return o, true
		}
	}
	l.errorf(n, key, didYouMean(s, options), "%q is not one of %s", s, strings.Join(options, ", "))
	return "", false
}

func (l *jobLoader) top(root *yaml.Node) {
	var versionSeen bool
	var stepsNode *yaml.Node
	var fieldsNode *yaml.Node
	l.mapping(root, "", topKeys, func(k string, kn, vn *yaml.Node) {
		switch k {
		case "version":
			versionSeen = true
			if v, ok := l.integer(vn, k); ok {
				if v != 1 {
					l.errorf(vn, k, "this zoombulk reads version 1 job files", "version %d is not supported", v)
				}
				l.job.Version = v
			}
		case "name":
			if s, ok := l.str(vn, k); ok {
				if bad := badJobName(s); bad != "" {
					l.errorf(vn, k, "the name becomes the runs/ folder name: use letters, digits, - and _", "%s", bad)
				} else {
					l.job.Name = s
				}
			}
		case "input":
			l.input(vn)
		case "match":
			if s, ok := l.oneOf(vn, k, matchOptions); ok {
				l.job.Match = s
				l.matchLine = vn.Line
			}
		case "clear":
			if s, ok := l.str(vn, k); ok {
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
		l.errorf(root, "version", "add `version: 1` at the top of the file", "version is missing")
	}
	if fieldsNode == nil {
		l.errorf(root, "fields", "map columns to fields, e.g. fields: {email: Email}", "fields is missing")
	} else {
		l.fields(fieldsNode)
	}
	if stepsNode == nil {
		l.errorf(root, "steps", "list what to do, e.g. steps: [update_users]", "steps is missing")
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

func (l *jobLoader) input(n *yaml.Node) {
	if n.Kind == yaml.ScalarNode && n.ShortTag() != "!!null" {
		// input: users.xlsx, short for input: {path: users.xlsx}
		if s, ok := l.str(n, "input"); ok {
			l.job.Input.Path = l.resolvePath(s)
		}
		return
	}
	l.mapping(n, "input", inputKeys, func(k string, kn, vn *yaml.Node) {
		key := "input." + k
		switch k {
		case "path":
			if s, ok := l.str(vn, key); ok {
				l.job.Input.Path = l.resolvePath(s)
			}
		case "sheet":
			if s, ok := l.str(vn, key); ok {
				l.job.Input.Sheet = s
			}
		case "header_row":
			if v, ok := l.integer(vn, key); ok {
				if v < 1 {
					l.errorf(vn, key, "rows count from 1", "header_row must be 1 or more")
				} else {
					l.job.Input.HeaderRow = v
				}
			}
		}
	})
}

func (l *jobLoader) resolvePath(p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(l.job.Dir, p)
}

func (l *jobLoader) limits(n *yaml.Node) {
	l.mapping(n, "limits", limitKeys, func(k string, kn, vn *yaml.Node) {
		key := "limits." + k
		s, ok := l.str(vn, key)
		if !ok {
			return
		}
		const hint = "write a number of rows (50) or a percentage of the rows (5%)"
		if pct, isPct := strings.CutSuffix(s, "%"); isPct {
			v, err := strconv.ParseFloat(strings.TrimSpace(pct), 64)
			if err != nil || v <= 0 || v > 100 {
				l.errorf(vn, key, hint, "%q is not a percentage between 0 and 100", s)
				return
			}
			l.job.Limits.MaxFailuresPct = v
			return
		}
		v, err := strconv.Atoi(s)
		if err != nil || v < 0 {
			l.errorf(vn, key, hint, "%q is not a number of rows", s)
			return
		}
		l.job.Limits.MaxFailures = v
	})
}

func (l *jobLoader) fields(n *yaml.Node) {
	names := catalogueNames()
	l.mapping(n, "fields", nil, func(name string, kn, vn *yaml.Node) {
		key := "fields." + name
		f, ok := mapping.Lookup(name)
		if !ok {
			hint := didYouMean(name, names)
			if hint == "" {
				hint = "fields are named as the Zoom API names them: email, first_name, type, dept, group, webinar, ..."
			}
			l.errorf(kn, key, hint, "unknown field %q", name)
			return
		}
		spec := mapping.Spec{Field: name, Line: kn.Line}
		switch {
		case vn.Kind == yaml.ScalarNode && vn.ShortTag() != "!!null":
			spec.Column = strings.TrimSpace(vn.Value)
			if spec.Column == "" {
				l.errorf(vn, key, fmt.Sprintf(`e.g. %s: "Column header"`, name), "the column header is empty")
				return
			}
		case vn.Kind == yaml.MappingNode:
			if !l.fieldSpec(vn, key, f, &spec) {
				return
			}
		default:
			l.errorf(vn, key, fmt.Sprintf(`e.g. %s: "Column header", or %s: {column: "Column header", values: {...}}`, name, name),
				"a field takes a column header or a map (column, values, default, required, transform), not %s", yamlKindName(vn))
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

func (l *jobLoader) fieldSpec(n *yaml.Node, key string, f mapping.Field, spec *mapping.Spec) bool {
	ok := true
	l.mapping(n, key, fieldKeys, func(k string, kn, vn *yaml.Node) {
		sub := key + "." + k
		switch k {
		case "column":
			if s, good := l.str(vn, sub); good {
				spec.Column = s
			} else {
				ok = false
			}
		case "values":
			if !l.values(vn, sub, f, spec) {
				ok = false
			}
		case "default":
			s, good := l.str(vn, sub)
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
				l.errorf(vn, sub, hint, "%s", p.Msg)
				ok = false
				return
			}
			spec.Default, spec.HasDefault = v, true
		case "required":
			if b, good := l.boolean(vn, sub); good {
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
	if ok && spec.Column == "" && !spec.HasDefault {
		l.errorf(n, key+".column", fmt.Sprintf(`add column: "Header", or a default to give every row the same %s`, f.Name), "column is missing")
		ok = false
	}
	if n.Kind != yaml.MappingNode {
		ok = false
	}
	return ok
}

func (l *jobLoader) values(n *yaml.Node, key string, f mapping.Field, spec *mapping.Spec) bool {
	if n.Kind != yaml.MappingNode {
		l.errorf(n, key, `e.g. values: { Licensed: 2, Basic: 1 }`, "values must be a map of cell text to the value sent, not %s", yamlKindName(n))
		return false
	}
	if len(n.Content) == 0 {
		l.errorf(n, key, "list the cell texts and the values to send, or remove values", "values is empty")
		return false
	}
	ok := true
	spec.Values = map[string]string{}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn, vn := n.Content[i], resolveAlias(n.Content[i+1])
		if kn.Kind != yaml.ScalarNode {
			l.errorf(kn, key, "", "a values key must be the text of a cell, not %s", yamlKindName(kn))
			ok = false
			continue
		}
		cell := strings.TrimSpace(kn.Value)
		sub := key + "." + cell
		fold := strings.ToLower(cell)
		if prev, dup := seen[fold]; dup {
			l.errorf(kn, sub, "cells are matched trimmed and case-insensitively: keep one", "%q is given twice (first at line %d)", cell, prev)
			ok = false
			continue
		}
		seen[fold] = kn.Line
		target, good := l.str(vn, sub)
		if !good {
			ok = false
			continue
		}
		v, p := f.Canonical(target)
		if p != nil {
			l.errorf(vn, sub, p.Hint, "%s", p.Msg)
			ok = false
			continue
		}
		spec.Values[cell] = v
	}
	return ok
}

func (l *jobLoader) transforms(n *yaml.Node, key string, spec *mapping.Spec) bool {
	var items []*yaml.Node
	switch n.Kind {
	case yaml.ScalarNode:
		items = []*yaml.Node{n}
	case yaml.SequenceNode:
		items = n.Content
	default:
		l.errorf(n, key, "e.g. transform: lower, or transform: [lower, title]", "transform must be a name or a list of names, not %s", yamlKindName(n))
		return false
	}
	ok := true
	for _, it := range items {
		t, good := l.oneOf(resolveAlias(it), key, mapping.Transforms)
		if !good {
			ok = false
			continue
		}
		spec.Transforms = append(spec.Transforms, t)
	}
	return ok
}

func stepKindNames() []string {
	out := make([]string, len(StepKinds))
	for i, k := range StepKinds {
		out[i] = string(k)
	}
	return out
}

func (l *jobLoader) steps(n *yaml.Node) {
	n = resolveAlias(n)
	if n.Kind != yaml.SequenceNode {
		l.errorf(n, "steps", "e.g. steps: [ {create_users: {if_exists: update}}, update_features ]", "steps must be a list, not %s", yamlKindName(n))
		return
	}
	if len(n.Content) == 0 {
		l.errorf(n, "steps", "add at least one step: "+strings.Join(stepKindNames(), ", "), "steps is empty")
		return
	}
	seen := map[StepKind]int{}
	for i, item := range n.Content {
		item = resolveAlias(item)
		key := fmt.Sprintf("steps[%d]", i)
		var kindNode, opts *yaml.Node
		switch {
		case item.Kind == yaml.ScalarNode && item.ShortTag() != "!!null":
			kindNode = item
		case item.Kind == yaml.MappingNode && len(item.Content) == 2:
			kindNode, opts = item.Content[0], resolveAlias(item.Content[1])
		case item.Kind == yaml.MappingNode && len(item.Content) > 2:
			l.errorf(item, key, "indent the step's options under its name, e.g.\n  - create_users:\n      if_exists: update",
				"a step is one name with its options, but this item has %d keys (%s)", len(item.Content)/2, yamlMapKeys(item))
			continue
		default:
			l.errorf(item, key, "e.g. - update_users, or - move_group: {to: group}", "a step is a step name or a one-key map, not %s", yamlKindName(item))
			continue
		}
		name := strings.TrimSpace(kindNode.Value)
		kind := StepKind(name)
		if _, known := stepKeys[kind]; !known {
			hint := didYouMean(name, stepKindNames())
			if hint == "" {
				hint = "steps: " + strings.Join(stepKindNames(), ", ")
			}
			l.errorf(kindNode, key, hint, "unknown step %q", name)
			continue
		}
		key += "." + name
		if prev, dup := seen[kind]; dup {
			l.errorf(kindNode, key, "list each step once; one step handles every row", "%s is listed twice (first at line %d)", name, prev)
			continue
		}
		seen[kind] = kindNode.Line
		step := Step{Kind: kind, Line: kindNode.Line}
		if opts != nil && opts.Kind == yaml.ScalarNode && opts.ShortTag() == "!!null" {
			opts = nil
		}
		if !l.stepOptions(&step, opts, key) {
			continue
		}
		l.job.Steps = append(l.job.Steps, step)
	}
}

func yamlMapKeys(n *yaml.Node) string {
	var ks []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		ks = append(ks, n.Content[i].Value)
	}
	return strings.Join(ks, ", ")
}

// fieldRef reads an option naming a field (to, field, value, ...).
func (l *jobLoader) fieldRef(n *yaml.Node, key string, want func(mapping.Field) bool, what string) (string, bool) {
	s, ok := l.str(n, key)
	if !ok {
		return "", false
	}
	f, known := mapping.Lookup(s)
	if !known {
		hint := didYouMean(s, catalogueNames())
		if hint == "" {
			hint = "this names a field of the job's fields, not a column header"
		}
		l.errorf(n, key, hint, "unknown field %q", s)
		return "", false
	}
	if want != nil && !want(f) {
		l.errorf(n, key, "", "field %q is not %s", s, what)
		return "", false
	}
	return f.Name, true
}

func (l *jobLoader) stepOptions(step *Step, opts *yaml.Node, key string) bool {
	ok := true
	switch step.Kind {
	case CreateUsers:
		step.Action, step.IfExists = "create", "skip"
	case DeleteUsers:
		step.Action = "disassociate"
	case MoveGroup:
		step.To, step.Mode = "group", "move"
	case AssignDivision:
		step.To = "division"
	case SetStatus:
		step.Field = "status"
	}
	if step.Kind == UpdateFeatures {
		return l.featureOptions(step, opts, key)
	}
	if opts == nil {
		if step.Kind == DeleteUsers && l.mapped("transfer_email") {
			step.TransferEmail = "transfer_email"
		}
		return true
	}
	l.mapping(opts, key, stepKeys[step.Kind], func(k string, kn, vn *yaml.Node) {
		sub := key + "." + k
		var good bool
		switch {
		case k == "action" && step.Kind == CreateUsers:
			step.Action, good = l.oneOf(vn, sub, createActions)
		case k == "action" && step.Kind == DeleteUsers:
			step.Action, good = l.oneOf(vn, sub, deleteActions)
		case k == "if_exists":
			step.IfExists, good = l.oneOf(vn, sub, ifExistsOptions)
		case k == "mode":
			step.Mode, good = l.oneOf(vn, sub, moveModes)
		case k == "to" && step.Kind == MoveGroup:
			step.To, good = l.fieldRef(vn, sub, func(f mapping.Field) bool { return f.Target == mapping.Group }, "a group field (group)")
		case k == "to" && step.Kind == AssignDivision:
			step.To, good = l.fieldRef(vn, sub, func(f mapping.Field) bool { return f.Target == mapping.Division }, "a division field (division)")
		case k == "field":
			step.Field, good = l.fieldRef(vn, sub, func(f mapping.Field) bool { return f.Target == mapping.Status }, "a status field (status)")
		case k == "transfer_email":
			step.TransferEmail, good = l.fieldRef(vn, sub, func(f mapping.Field) bool { return f.Kind == mapping.Email }, "an email field (transfer_email)")
		}
		if !good {
			ok = false
		}
	})
	if opts.Kind != yaml.MappingNode {
		return false
	}
	if step.Kind == DeleteUsers && step.TransferEmail == "" && l.mapped("transfer_email") && !yamlHasKey(opts, "transfer_email") {
		step.TransferEmail = "transfer_email"
	}
	return ok
}

func yamlHasKey(n *yaml.Node, k string) bool {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == k {
			return true
		}
	}
	return false
}

func (l *jobLoader) mapped(field string) bool {
	for _, s := range l.job.Fields {
		if s.Field == field {
			return true
		}
	}
	return false
}

func (l *jobLoader) featureOptions(step *Step, opts *yaml.Node, key string) bool {
	if opts == nil {
		// Bare update_features: every mapped feature field.
		for _, s := range l.job.Fields {
			if f, _ := mapping.Lookup(s.Field); f.Target == mapping.Feature {
				fs := FeatureStep{FeatureType: f.Name, Value: f.Name}
				if l.mapped("subscription_id") {
					fs.Subscription = "subscription_id"
				}
				step.Features = append(step.Features, fs)
			}
		}
		if len(step.Features) == 0 {
			l.errs = append(l.errs, &JobError{File: l.file, Line: step.Line, Key: key,
				Msg:  "update_features has no feature to set: the job maps no feature field",
				Hint: "map a feature field (webinar, large_meeting, user_type, ...) under fields, or list the features: update_features: [ {feature_type: webinar} ]"})
			return false
		}
		return true
	}
	if opts.Kind != yaml.SequenceNode {
		l.errorf(opts, key, "e.g. update_features: [ {feature_type: webinar, value: webinar} ]",
			"update_features takes a list of {feature_type, value, subscription}, not %s", yamlKindName(opts))
		return false
	}
	if len(opts.Content) == 0 {
		l.errorf(opts, key, "list at least one feature, or remove the step", "the feature list is empty")
		return false
	}
	ok := true
	seen := map[string]int{}
	for i, item := range opts.Content {
		item = resolveAlias(item)
		sub := fmt.Sprintf("%s[%d]", key, i)
		var fs FeatureStep
		if item.Kind == yaml.ScalarNode && item.ShortTag() != "!!null" {
			// - webinar, short for - {feature_type: webinar}
			t, good := l.fieldRef(item, sub, func(f mapping.Field) bool { return f.Target == mapping.Feature }, "a feature_type of Bulk update features")
			if !good {
				ok = false
				continue
			}
			fs.FeatureType = t
		} else {
			if item.Kind != yaml.MappingNode {
				l.errorf(item, sub, "e.g. {feature_type: webinar, value: webinar}", "a feature must be a map of feature_type, value and subscription, not %s", yamlKindName(item))
				ok = false
				continue
			}
			good := true
			l.mapping(item, sub, featureKeys, func(k string, kn, vn *yaml.Node) {
				kk := sub + "." + k
				var g bool
				switch k {
				case "feature_type":
					fs.FeatureType, g = l.fieldRef(vn, kk, func(f mapping.Field) bool { return f.Target == mapping.Feature }, "a feature_type of Bulk update features")
				case "value":
					fs.Value, g = l.fieldRef(vn, kk, nil, "")
				case "subscription":
					fs.Subscription, g = l.fieldRef(vn, kk, func(f mapping.Field) bool { return f.Target == mapping.Subscription }, "a subscription field (subscription_id)")
				}
				if !g {
					good = false
				}
			})
			if !good {
				ok = false
				continue
			}
			if fs.FeatureType == "" {
				l.errorf(item, sub+".feature_type", "e.g. feature_type: webinar", "feature_type is missing")
				ok = false
				continue
			}
		}
		if fs.Value == "" {
			fs.Value = fs.FeatureType
		}
		if prev, dup := seen[fs.FeatureType]; dup {
			l.errorf(item, sub, "list each feature once", "feature %s is listed twice (first at line %d)", fs.FeatureType, prev)
			ok = false
			continue
		}
		seen[fs.FeatureType] = item.Line
		step.Features = append(step.Features, fs)
	}
	return ok
}

// checkNeeds runs once the whole file is read: every field a step needs is
// mapped, and feature value fields only produce the feature's values.
func (l *jobLoader) checkNeeds() {
	job := l.job
	// The key field, once for every step.
	switch {
	case job.Match == "id" && !l.mapped("id"):
		l.errs = append(l.errs, &JobError{File: l.file, Line: l.matchLine, Key: "match",
			Msg: `match: id needs the field "id", but the job does not map it`, Hint: `add it under fields, e.g. id: "User ID"`})
	case job.Match == "email" && !l.mapped("email"):
		l.errs = append(l.errs, &JobError{File: l.file, Line: l.fieldsLine, Key: "fields",
			Msg:  `every row names its user by email (match: email), but the job does not map the field "email"`,
			Hint: `add it under fields, e.g. email: "Email", or map id and set match: id`})
	}
	for i, s := range job.Steps {
		key := fmt.Sprintf("steps[%d].%s", i, s.Kind)
		for _, f := range s.NeedsFields(job) {
			if f == job.Match || l.mapped(f) {
				continue
			}
			hint := fmt.Sprintf("add it under fields, e.g. %s: %q", f, exampleHeader(f))
			if f == "type" {
				hint = `add it under fields, e.g. type: License, or type: {default: 1} to create every user as Basic`
			}
			l.errs = append(l.errs, &JobError{File: l.file, Line: s.Line, Key: key,
				Msg: fmt.Sprintf("%s needs the field %q, but the job does not map it", s.Kind, f), Hint: hint})
		}
		switch s.Kind {
		case UpdateUsers:
			if len(profileSpecs(job)) == 0 {
				l.errs = append(l.errs, &JobError{File: l.file, Line: s.Line, Key: key,
					Msg:  "update_users has nothing to update: the job maps no profile field",
					Hint: "map the profile fields to change (first_name, dept, job_title, ...), or remove the step"})
			}
		case UpdateFeatures:
			for j, fs := range s.Features {
				if fs.Value == fs.FeatureType || !l.mapped(fs.Value) {
					continue
				}
				if bad := l.foreignValues(fs); bad != "" {
					l.errs = append(l.errs, &JobError{File: l.file, Line: s.Line, Key: fmt.Sprintf("%s[%d].value", key, j),
						Msg:  fmt.Sprintf("field %q can hold %s, which is not a %s value", fs.Value, bad, fs.FeatureType),
						Hint: fmt.Sprintf("give %s a values map onto %s's values, or map a %s field", fs.Value, fs.FeatureType, fs.FeatureType)})
				}
			}
		}
	}
}

func profileSpecs(job *Job) []mapping.Spec {
	var out []mapping.Spec
	for _, s := range job.Fields {
		if f, ok := mapping.Lookup(s.Field); ok && f.Target == mapping.Profile {
			out = append(out, s)
		}
	}
	return out
}

// foreignValues says which values of the field fs.Value can produce are not
// allowed for fs.FeatureType ("" when all are).
func (l *jobLoader) foreignValues(fs FeatureStep) string {
	feat, _ := mapping.Lookup(fs.FeatureType)
	src, _ := mapping.Lookup(fs.Value)
	var produce []string
	for _, s := range l.job.Fields {
		if s.Field != fs.Value {
			continue
		}
		if s.Values != nil {
			for _, v := range s.Values {
				produce = append(produce, v)
			}
			if s.HasDefault {
				produce = append(produce, s.Default)
			}
		} else if len(src.Allowed) > 0 {
			produce = append(produce, src.Allowed...)
		} else {
			return "any text"
		}
	}
	var bad []string
	for _, v := range produce {
		if _, p := feat.Canonical(v); p != nil && !inList(bad, v) {
			bad = append(bad, v)
		}
	}
	sort.Strings(bad)
	if len(bad) == 0 {
		return ""
	}
	return strings.Join(quoteEach(bad), ", ")
}

func quoteEach(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strconv.Quote(s)
	}
	return out
}

func exampleHeader(field string) string {
	words := strings.Split(field, "_")
	for i, w := range words {
		if w != "" {
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
	}
	return strings.Join(words, " ")
}
