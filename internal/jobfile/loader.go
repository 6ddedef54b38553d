package jobfile

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/zoombulk/zoombulk/internal/fuzzy"
	"github.com/zoombulk/zoombulk/internal/mapping"
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
