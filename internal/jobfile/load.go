package jobfile

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
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

var matchOptions = []string{"email", "id"}

var (
	topKeys   = []string{"version", "name", "input", "match", "clear", "fields", "steps", "limits"}
	inputKeys = []string{"path", "sheet", "header_row", "hidden_rows"}
	fieldKeys = []string{"column", "values", "default", "default_for", "required", "transform"}
	limitKeys = []string{"max_failures", "max_removals", "partial_rows"}
)

// Loader walks the YAML tree of one job file, gathering every error.
type Loader struct {
	file string // as given, for messages
	job  *Job
	errs []error
	// lines of the fields and steps, for errors found after the walk.
	fieldLine  map[string]int
	matchLine  int
	fieldsLine int
	stepLine   int // the step whose options are being read
}

// StepLine is the line of the step whose options are being read.
func (l *Loader) StepLine() int { return l.stepLine }

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

// ResolveAlias follows YAML aliases.
func ResolveAlias(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && n.Alias != nil && i < 10; i++ {
		n = n.Alias
	}
	return n
}

func (l *Loader) Errorf(n *yaml.Node, key, hint, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	l.errs = append(l.errs, &JobError{File: l.file, Line: line, Key: key, Msg: fmt.Sprintf(format, args...), Hint: hint})
}

// DidYouMean is `did you mean "x"?` for the closest option, or "".
func DidYouMean(s string, options []string) string {
	if c := fuzzy.Key(s, options); c != "" {
		return fmt.Sprintf("did you mean %q?", c)
	}
	return ""
}

// KindName describes a node for messages ("a map", "a list", ...).
func KindName(n *yaml.Node) string {
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
func (l *Loader) Map(n *yaml.Node, key string, known []string, fn func(k string, kn, vn *yaml.Node)) bool {
	n = ResolveAlias(n)
	if n.Kind != yaml.MappingNode {
		if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
			return true // an empty block: every option at its default
		}
		what := "a map of keys (" + strings.Join(known, ", ") + ")"
		if known == nil {
			what = "a map of field: column"
		}
		l.Errorf(n, key, "", "%s must be %s, not %s", keyLast(key), what, KindName(n))
		return false
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		kn, vn := n.Content[i], ResolveAlias(n.Content[i+1])
		k := kn.Value
		if prev, dup := seen[k]; dup {
			l.Errorf(kn, keyJoin(key, k), "remove one of them", "%q is given twice (first at line %d)", k, prev)
			continue
		}
		seen[k] = kn.Line
		if known != nil && !inList(known, k) {
			hint := DidYouMean(k, known)
			if hint == "" {
				hint = "known keys: " + strings.Join(known, ", ")
			}
			l.Errorf(kn, keyJoin(key, k), hint, "unknown key")
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
func (l *Loader) Scalar(n *yaml.Node, key string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		l.Errorf(n, key, "", "%s must be a single value, not %s", keyLast(key), KindName(n))
		return "", false
	}
	if n.ShortTag() == "!!null" {
		return "", true
	}
	return n.Value, true
}

// str reads a non-empty text value.
func (l *Loader) Str(n *yaml.Node, key string) (string, bool) {
	s, ok := l.Scalar(n, key)
	if !ok {
		return "", false
	}
	s = strings.TrimSpace(s)
	if s == "" {
		l.Errorf(n, key, "give a value or remove the key", "%s is empty", keyLast(key))
		return "", false
	}
	return s, true
}

func (l *Loader) Int(n *yaml.Node, key string) (int, bool) {
	s, ok := l.Str(n, key)
	if !ok {
		return 0, false
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		l.Errorf(n, key, "", "%s must be a whole number, not %q", keyLast(key), s)
		return 0, false
	}
	return v, true
}

func (l *Loader) Bool(n *yaml.Node, key string) (bool, bool) {
	s, ok := l.Str(n, key)
	if !ok {
		return false, false
	}
	switch strings.ToLower(s) {
	case "true", "yes", "on":
		return true, true
	case "false", "no", "off":
		return false, true
	}
	l.Errorf(n, key, "", "%s must be true or false, not %q", keyLast(key), s)
	return false, false
}

// CreateMissing reads a create_missing option: true or false, or a list
// of the names the step may create.
func (l *Loader) CreateMissing(n *yaml.Node, key string) (CreateMissing, bool) {
	n = ResolveAlias(n)
	if n.Kind != yaml.SequenceNode {
		b, ok := l.Bool(n, key)
		return CreateMissing{All: b}, ok
	}
	var c CreateMissing
	ok := true
	for i, item := range n.Content {
		s, good := l.Str(ResolveAlias(item), fmt.Sprintf("%s[%d]", key, i))
		if !good {
			ok = false
			continue
		}
		if c.Listed(s) {
			l.Errorf(item, fmt.Sprintf("%s[%d]", key, i), "remove one of them", "%q is listed twice", s)
			ok = false
			continue
		}
		c.Names = append(c.Names, s)
	}
	if ok && len(c.Names) == 0 {
		l.Errorf(n, key, "list the names to create, or write true or false", "create_missing is an empty list")
		ok = false
	}
	return c, ok
}

// oneOf reads a value from a fixed list, accepting any letter case and
// returning the list's spelling.
func (l *Loader) OneOf(n *yaml.Node, key string, options []string) (string, bool) {
	s, ok := l.Str(n, key)
	if !ok {
		return "", false
	}
	for _, o := range options {
		if strings.EqualFold(o, s) {
			return o, true
		}
	}
	l.Errorf(n, key, DidYouMean(s, options), "%q is not one of %s", s, strings.Join(options, ", "))
	return "", false
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

func yamlMapKeys(n *yaml.Node) string {
	var ks []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		ks = append(ks, n.Content[i].Value)
	}
	return strings.Join(ks, ", ")
}

// fieldRef reads an option naming a field (to, field, value, ...).
func (l *Loader) FieldRef(n *yaml.Node, key string, want func(mapping.Field) bool, what string) (string, bool) {
	s, ok := l.Str(n, key)
	if !ok {
		return "", false
	}
	f, known := mapping.Lookup(s)
	if !known {
		hint := DidYouMean(s, catalogueNames())
		if hint == "" {
			hint = "this names a field of the job's fields, not a column header"
		}
		l.Errorf(n, key, hint, "unknown field %q", s)
		return "", false
	}
	if want != nil && !want(f) {
		l.Errorf(n, key, "", "field %q is not %s", s, what)
		return "", false
	}
	return f.Name, true
}

// HasKey says whether a map node has the key.
func HasKey(n *yaml.Node, k string) bool {
	for i := 0; n != nil && i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == k {
			return true
		}
	}
	return false
}

// Mapped says whether the job maps a field.
func (l *Loader) Mapped(field string) bool { return l.job.Mapped(field) }

// Job is the job as read so far (every field is read before the steps).
func (l *Loader) Job() *Job { return l.job }

// AddError records a problem found after the walk, at a line.
func (l *Loader) AddError(line int, key, msg, hint string) {
	l.errs = append(l.errs, &JobError{File: l.file, Line: line, Key: key, Msg: msg, Hint: hint})
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

// ForeignValues says which values the field src can produce are not
// allowed for the field dst ("" when all are).
func (l *Loader) ForeignValues(src, dst string) string {
	feat, _ := mapping.Lookup(dst)
	srcField, _ := mapping.Lookup(src)
	var produce []string
	for _, s := range l.job.Fields {
		if s.Field != src {
			continue
		}
		if s.Values != nil {
			for _, v := range s.Values {
				produce = append(produce, v)
			}
			if s.HasDefault {
				produce = append(produce, s.Default)
			}
		} else if len(srcField.Allowed) > 0 {
			produce = append(produce, srcField.Allowed...)
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

// ExampleHeader is a column header for a field, for hints.
func ExampleHeader(field string) string {
	words := strings.Split(field, "_")
	for i, w := range words {
		if w != "" {
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
	}
	return strings.Join(words, " ")
}
