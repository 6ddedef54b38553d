package credentials

import (
	"slices"

	"github.com/zoombulk/zoombulk/internal/zoom"
)

// The scopes a job needs are not kept here: each step kind declares the
// calls it makes (zoom.Endpoint, with their scopes), and the caller hands
// Needs the calls of the job's steps (jobs.Endpoints), so that a new kind
// cannot be left out of the check.

// Need is a scope a job needs and whether the token has it.
type Need struct {
	Scope   string // granular
	Classic string
	Calls   []string
	Granted bool
}

// Needs lists the scopes these calls need, in the order the calls first
// need them, each marked granted when the token has it or its classic
// scope. A call that names no scope is listed with an empty one, never
// granted: a declaration that forgot it shows as missing rather than as
// fine.
func Needs(calls []zoom.Endpoint, granted []string) []Need {
	var out []Need
	at := map[string]int{}
	for _, c := range calls {
		i, seen := at[c.Scope]
		if !seen {
			i = len(out)
			at[c.Scope] = i
			out = append(out, Need{Scope: c.Scope, Classic: c.ClassicScope,
				Granted: c.Scope != "" && (slices.Contains(granted, c.Scope) || c.ClassicScope != "" && slices.Contains(granted, c.ClassicScope))})
		}
		if !slices.Contains(out[i].Calls, c.Call()) {
			out[i].Calls = append(out[i].Calls, c.Call())
		}
	}
	return out
}
