// Package jobfile reads job files: the input, the column mapping, the steps
// and the limits, every error with its file, line and key.
package jobfile

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/zoombulk/zoombulk/internal/mapping"
)

// StepKind names a step: create_users, update_features, ...
type StepKind string

// Job is a loaded, checked job file.
type Job struct {
	Path    string // the job file as given
	Dir     string // its directory: input paths are relative to it
	Version int    // 1
	Name    string // defaults to the file name without extension
	Input   Input
	Match   string // "email" (default) or "id"
	Clear   string // the clear token, default "<clear>"
	Fields  []mapping.Spec
	Steps   []Step
	Limits  Limits
}

// Input names the spreadsheet.
type Input struct {
	Path      string // resolved against Dir (absolute or relative to the working directory)
	Sheet     string
	HeaderRow int // default 1
	// HiddenRows says what to do with rows a filter or the author hid:
	// "" (refuse the file, naming them), "include" or "skip".
	HiddenRows string
}

// Step is one entry of `steps`.
type Step struct {
	Kind StepKind
	Line int // job file line
	// Options are the step kind's own options, as its ParseOptions
	// returned them (a pointer to the kind's options struct).
	Options any
}

// HasStep says whether the job has a step of this kind.
func (j *Job) HasStep(k StepKind) bool {
	for _, s := range j.Steps {
		if s.Kind == k {
			return true
		}
	}
	return false
}

// Key is the field that names a row's user: email (default) or id. When
// the rows are not users (groups, divisions, contact groups) it is the
// first field of RowKey.
func (j *Job) Key() string {
	if k := j.RowKey(); len(k) > 0 {
		return k[0]
	}
	if j == nil || j.Match == "" {
		return "email"
	}
	return j.Match
}

// RowKeyer is implemented by step kinds whose rows are not users: a group,
// a division, a contact group and its member. RowKey lists the fields that
// name a row, the first one required in every row (rows repeat the first
// field with different values of the others: a group and each admin).
type RowKeyer interface {
	RowKey(step Step) []string
}

// AnyRows is implemented by step kinds that go with either kind of row
// (delete_created, the last step of an undo job: its work is rows of its
// own); they do not decide whether a job's rows are users.
type AnyRows interface{ AnyRows() }

// RowKey is the fields that name a row when every step of the job works on
// rows that are not users (their union, in step order), or nil when the
// rows are users, named by Key.
func (j *Job) RowKey() []string {
	if j == nil || len(j.Steps) == 0 {
		return nil
	}
	var key []string
	for _, s := range j.Steps {
		if _, any := kinds[s.Kind].(AnyRows); any {
			continue
		}
		k, ok := kinds[s.Kind].(RowKeyer)
		if !ok {
			return nil
		}
		for _, f := range k.RowKey(s) {
			if !inList(key, f) {
				key = append(key, f)
			}
		}
	}
	if len(key) == 0 {
		return nil
	}
	return key
}

// RowRequired is the fields every row must set when the rows are not
// users: the first RowKey field of each step.
func (j *Job) RowRequired() []string {
	if j.RowKey() == nil {
		return nil
	}
	var out []string
	for _, s := range j.Steps {
		rk, ok := kinds[s.Kind].(RowKeyer)
		if !ok {
			continue // a step that goes with any rows (AnyRows)
		}
		if k := rk.RowKey(s); len(k) > 0 && !inList(out, k[0]) {
			out = append(out, k[0])
		}
	}
	return out
}

// Mapped says whether the job maps a field.
func (j *Job) Mapped(field string) bool {
	for _, s := range j.Fields {
		if s.Field == field {
			return true
		}
	}
	return false
}

// Limits is the `limits` block.
type Limits struct {
	// MaxFailures aborts the run past N failed rows; MaxFailuresPct past a
	// percentage of the input rows. Unset (both zero with SetFailures
	// false) means no limit; max_failures: 0 stops at the first failure.
	MaxFailures    int
	MaxFailuresPct float64
	SetFailures    bool
	// MaxRemovals refuses to start a run whose plan removes more than N
	// (every kind: downgrades, feature removals, deactivations,
	// disassociations, deletions, group removals, ...); a percentage
	// counts the rows' own removals against the rows and a sync's against
	// each target's members. Unset, internal/jobs applies a default to
	// the members a sync takes out (--max-removals replaces both).
	MaxRemovals    int
	MaxRemovalsPct float64
	SetRemovals    bool
	// PartialRows lets a row whose plan fails in one step still run its
	// other steps (by default such a row starts no step).
	PartialRows bool
}

// Allowed is the limit as a number of rows out of n ("" limit: -1).
func allowed(set bool, count int, pct float64, n int) int {
	switch {
	case !set:
		return -1
	case pct > 0:
		return int(math.Ceil(pct / 100 * float64(n)))
	}
	return count
}

// FailuresAllowed is how many rows may fail before the run stops, out of
// n rows; -1 means no limit.
func (l Limits) FailuresAllowed(n int) int {
	return allowed(l.SetFailures, l.MaxFailures, l.MaxFailuresPct, n)
}

// JobError is a problem with the job file itself; nothing is sent when one
// occurs. Several may be joined with errors.Join.
type JobError struct {
	File string
	Line int
	Key  string // dotted path, e.g. "steps[2].move_group.mode"
	Msg  string
	Hint string // e.g. `did you mean "if_exists"?`

	// Err is the error behind the problem (reading the file, a changed
	// input), for errors.Is.
	Err error
}

// Error reads `job.yaml:12: steps[0].create_users.if_exist: unknown key
// (did you mean "if_exists"?)`.
func (e *JobError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":")
		b.WriteString(strconv.Itoa(e.Line))
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	if e.Key != "" {
		b.WriteString(e.Key)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	if e.Hint != "" {
		b.WriteString(" (")
		b.WriteString(e.Hint)
		b.WriteString(")")
	}
	return b.String()
}

// Unwrap returns the error behind a JobError about reading the file.
func (e *JobError) Unwrap() error { return e.Err }

// Load reads and checks a job file: schema, unknown keys (with "did you
// mean"), field names against the catalogue, enums, steps' options, and
// that each step's fields are mapped. Errors are *JobError.
func Load(path string) (*Job, error) { return loadJob(path) }

// LoadBytes reads a job given as text rather than as a file: the job a
// workbook carries, or one built from a spreadsheet's headers. path stands
// for the file in messages and gives the job its folder (input paths are
// relative to it) and its default name.
func LoadBytes(path string, data []byte) (*Job, error) { return loadData(path, data) }

// Kind is what the job file knows of a step kind. The engine's step files
// register one each, so a new step is one file there.
type Kind interface {
	Name() StepKind
	// ParseOptions reads the step's options (nil when the step has none),
	// applying the kind's defaults, and reports problems through l; the
	// step is dropped when ok is false.
	ParseOptions(l *Loader, key string, opts *yaml.Node) (options any, ok bool)
	// Fields lists the fields the step reads, besides the job's key.
	Fields(step Step) []string
	// Check runs once the whole file is read, for what needs every field.
	Check(l *Loader, key string, step Step)
}

var (
	kinds     = map[StepKind]Kind{}
	kindOrder []StepKind
)

// Register makes a step kind known to job files. It is called from init
// functions; registering a name twice is a programming error.
func Register(k Kind) {
	if _, dup := kinds[k.Name()]; dup {
		panic("jobfile: step kind registered twice: " + string(k.Name()))
	}
	kinds[k.Name()] = k
	kindOrder = append(kindOrder, k.Name())
}

// Kinds lists the registered step kinds in registration order.
func Kinds() []StepKind { return slices.Clone(kindOrder) }

// Fields lists the fields a step reads: the job's key first, then the
// fields its kind names.
func (s Step) Fields(job *Job) []string {
	out := []string{job.Key()}
	if k, ok := kinds[s.Kind]; ok {
		for _, f := range k.Fields(s) {
			if f != "" && !inList(out, f) {
				out = append(out, f)
			}
		}
	}
	return out
}

// CreateMissing is a step's create_missing option. true creates the
// names the account does not have, except one that looks like another
// name (existing or new: "Saless" beside "Sales"), which fails its rows
// with "did you mean". A list creates only the names it lists, and those
// even when they look like another: the job says they are meant.
type CreateMissing struct {
	All   bool
	Names []string
}

// On says whether the step creates any name.
func (c CreateMissing) On() bool { return c.All || len(c.Names) > 0 }

// Listed says whether the list names name (trimmed, any case).
func (c CreateMissing) Listed(name string) bool {
	name = strings.TrimSpace(name)
	for _, n := range c.Names {
		if strings.EqualFold(strings.TrimSpace(n), name) {
			return true
		}
	}
	return false
}

// Allows says whether a missing name may be created: every name with
// true, the listed ones with a list.
func (c CreateMissing) Allows(name string) bool { return c.All || c.Listed(name) }
