// Package jobs loads job files, plans a job against the account, applies it
// through a rate-limited worker pool, and keeps the journal that makes a
// run resumable.
package jobs

import (
	"strconv"
	"strings"

	"github.com/zoombulk/zoombulk/internal/mapping"
)

// StepKind names a step of DESIGN.md section 2.
type StepKind string

const (
	CreateUsers    StepKind = "create_users"
	UpdateUsers    StepKind = "update_users"
	SetStatus      StepKind = "set_status"
	UpdateFeatures StepKind = "update_features"
	MoveGroup      StepKind = "move_group"
	AssignDivision StepKind = "assign_division"
	DeleteUsers    StepKind = "delete_users"
)

// StepKinds lists every step kind in the order DESIGN.md gives them.
var StepKinds = []StepKind{CreateUsers, UpdateUsers, SetStatus, UpdateFeatures, MoveGroup, AssignDivision, DeleteUsers}

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
	// Rows whose first cell starts with "#" are comments and are ignored:
	// templates ship their example rows that way.
}

// Step is one entry of `steps`.
type Step struct {
	Kind StepKind
	Line int // job file line
	// create_users: Action create|autoCreate|custCreate|ssoCreate (default
	// create); IfExists skip|update|fail (default skip).
	// delete_users: Action disassociate|delete (default disassociate).
	Action   string
	IfExists string
	// update_features: one entry per feature to set.
	Features []FeatureStep
	// move_group / assign_division: To is the field holding the group or
	// division (default "group" / "division"); Mode (move_group) is
	// move|add|set_primary (default move).
	To   string
	Mode string
	// set_status: Field holds active/inactive (default "status").
	Field string
	// delete_users: TransferEmail is the field holding the transfer
	// address (default "transfer_email" when mapped, else none).
	TransferEmail string
}

// FeatureStep is one feature of an update_features step.
type FeatureStep struct {
	FeatureType  string // a catalogue Feature field name, e.g. "webinar"
	Value        string // the field holding the value (default: FeatureType)
	Subscription string // the field holding subscription_id ("" = none)
}

// Limits is the `limits` block.
type Limits struct {
	// MaxFailures aborts the run past N failed rows; MaxFailuresPct past a
	// percentage of the input rows. Zero means no limit.
	MaxFailures    int
	MaxFailuresPct float64
}

// JobError is a problem with the job file itself; nothing is sent when one
// occurs. Several may be joined with errors.Join.
type JobError struct {
	File string
	Line int
	Key  string // dotted path, e.g. "steps[2].move_group.mode"
	Msg  string
	Hint string // e.g. `did you mean "if_exists"?`

	err error // the underlying error (reading the file), for errors.Is
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
func (e *JobError) Unwrap() error { return e.err }

// Load reads and checks a job file: schema, unknown keys (with "did you
// mean"), field names against the catalogue, enums, steps' options, and
// that each step's fields are mapped. Errors are *JobError.
func Load(path string) (*Job, error) { return loadJob(path) }

// NeedsField says which fields a step reads (for "a step needs a field the
// job does not map" and for planning).
// The key field (job.Match) comes first; create_users adds email,
// first_name, last_name and type; the others add the fields their options
// name. Step options left empty take their documented defaults.
func (s Step) NeedsFields(job *Job) []string {
	key := "email"
	if job != nil && job.Match != "" {
		key = job.Match
	}
	out := []string{key}
	add := func(f string) {
		if f == "" {
			return
		}
		for _, have := range out {
			if have == f {
				return
			}
		}
		out = append(out, f)
	}
	switch s.Kind {
	case CreateUsers:
		add("email")
		add("first_name")
		add("last_name")
		add("type")
	case SetStatus:
		add(fieldOr(s.Field, "status"))
	case UpdateFeatures:
		for _, f := range s.Features {
			add(fieldOr(f.Value, f.FeatureType))
			add(f.Subscription)
		}
	case MoveGroup:
		add(fieldOr(s.To, "group"))
	case AssignDivision:
		add(fieldOr(s.To, "division"))
	case DeleteUsers:
		add(s.TransferEmail)
	}
	return out
}

func fieldOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
