package jobs

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/results"
)

// defaultUnlistedShare is the share of a target's members a sync may take
// out when neither the job nor the command line sets a removal limit: a
// sheet that leaves out more of a group than that is more likely partial
// than meant.
const defaultUnlistedShare = 0.10

// countCreation counts, once each, what a row's step creates: a group or
// division (create_missing, upsert_*), a contact group, a user.
func countCreation(p *Plan, step jobfile.Step, r *rowRun, st *rowStep, seen map[any]bool) {
	if !st.action.Writes() || r.unlisted != "" {
		return
	}
	switch x := st.extra.(type) {
	case *newEntry:
		if !seen[x] && slices.ContainsFunc(st.changes, func(c fieldChange) bool { return c.action == results.ActCreate }) {
			seen[x] = true
			p.Creations[x.kind]++
		}
		return
	case *contactRow:
		if x.entry != nil && x.entry.create && !seen[x.entry] {
			seen[x.entry] = true
			p.Creations[kindContactGroup]++
		}
		return
	}
	// Keyed by the input row, not its run: a streamed plan counts chunk
	// after chunk, and a run kept here would keep its chunk in memory.
	if k := createdRow(r.row.Index); createsUsers(step) && st.action == results.ActCreate && !seen[k] {
		seen[k] = true
		p.Creations["user"]++
	}
}

// createdRow is an input row whose user the plan creates, in the
// creations counted.
type createdRow int

// removalLimit is the limit on removals in force: --max-removals, else the
// job's limits.max_removals, else none (set false: the default applies to
// the removals of members no row lists).
type removalLimit struct {
	set  bool
	n    int
	pct  float64
	from string // "--max-removals" or "limits.max_removals"
}

func (e *engine) removalLimit() removalLimit {
	if s := e.Opts.MaxRemovals; s != "" {
		n, pct, err := jobfile.ParseLimit(s)
		if err == nil { // Run checked it
			return removalLimit{set: true, n: n, pct: pct, from: "--max-removals"}
		}
	}
	l := e.Job.Limits
	if l.SetRemovals {
		return removalLimit{set: true, n: l.MaxRemovals, pct: l.MaxRemovalsPct, from: "limits.max_removals"}
	}
	return removalLimit{}
}

func (l removalLimit) String() string {
	switch {
	case !l.set:
		return fmt.Sprintf("the default: a sync takes out at most %d %% of a target's members no row lists (at least 1); set limits.max_removals or --max-removals N|N%% to allow more",
			int(defaultUnlistedShare*100))
	case l.pct > 0:
		return fmt.Sprintf("%s %s%%: of the input rows, and of each sync target's members", l.from, strconv.FormatFloat(l.pct, 'f', -1, 64))
	}
	return fmt.Sprintf("%s %d: removals of every kind in the plan", l.from, l.n)
}

// allowed is a percentage of n, rounded up.
func pctOf(pct float64, n int) int { return int(math.Ceil(pct / 100 * float64(n))) }

// removalLimits applies the limit in force to the plan: it fills each sync
// target's allowance and, past a limit, says why the real run stops and
// how to allow it (Plan.Stop). Without a limit set, a sync may take out at
// most 10 % of a target's members (at least 1) that no row lists; a limit
// set as a number counts every removal of the plan, as a percentage the
// removals of input rows (of the rows) and each target's (of its members).
func (e *engine) removalLimits(p *Plan) {
	l := e.removalLimit()
	p.Limit = l.String()
	p.Syncs = slices.Clone(e.syncs)
	unlisted := 0
	var over []string
	for j := range p.Syncs {
		t := &p.Syncs[j]
		unlisted += t.Removes()
		switch {
		case l.set && l.pct == 0:
			t.Allowed = -1
		case l.set:
			t.Allowed = pctOf(l.pct, t.Members)
		default:
			t.Allowed = max(1, int(math.Floor(defaultUnlistedShare*float64(t.Members))))
		}
		if t.Allowed >= 0 && t.Removes() > t.Allowed {
			over = append(over, fmt.Sprintf("%s would take %d of the %d members of %s out (members no row lists), more than %s allows (%d)",
				t.Step, t.Removes(), t.Members, t.What, pick(l.set, l.from, "the default limit of 10 % of its members"), t.Allowed))
		}
		if len(t.HeldBy) > 0 && t.Unlisted > 0 {
			p.Warnings = append(p.Warnings, fmt.Sprintf("%s: %s keeps the %d %s no row lists in this run: %s %s it and %s in the plan; fix %s and run again",
				t.Step, t.What, t.Unlisted, plural("member", t.Unlisted), rowsText(t.HeldBy), pick(len(t.HeldBy) == 1, "names", "name"),
				pick(len(t.HeldBy) == 1, "fails", "fail"), pick(len(t.HeldBy) == 1, "the row", "the rows")))
		}
	}
	total := p.RemovalCount()
	switch {
	case l.set && l.pct == 0 && total > l.n:
		var where []string
		for _, t := range p.Syncs {
			if n := t.Removes(); n > 0 {
				where = append(where, fmt.Sprintf("%d of the %d members of %s no row lists", n, t.Members, t.What))
			}
		}
		if len(where) > 0 {
			where[0] = "; among them " + where[0]
		}
		over = append(over, fmt.Sprintf("the plan removes %d (%s%s), more than %s allows (%d)", total, p.RemovalText(), strings.Join(where, ", "), l.from, l.n))
	case l.set && l.pct > 0 && total-unlisted > pctOf(l.pct, p.Rows):
		over = append(over, fmt.Sprintf("the plan's rows remove %d, more than %s %s%% of %d rows allows (%d)",
			total-unlisted, l.from, strconv.FormatFloat(l.pct, 'f', -1, 64), p.Rows, pctOf(l.pct, p.Rows)))
	}
	if len(over) == 0 {
		return
	}
	p.Stop = strings.Join(over, "; ") + fmt.Sprintf(". To allow it, set limits.max_removals in the job or run with --max-removals %d (or N%%)", total)
}

// rowsText reads "row 7" or "rows 7, 9 and 12".
func rowsText(rows []int) string {
	parts := make([]string, len(rows))
	for i, n := range rows {
		parts[i] = strconv.Itoa(n)
	}
	if len(parts) == 1 {
		return "row " + parts[0]
	}
	return "rows " + strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// planLimitLines are plan.xlsx's Summary lines on creations and removal
// limits: what the run creates, each sync target's unlisted removals and
// allowance, the limit in force, and whether the real run would stop.
func planLimitLines(p *Plan) [][2]string {
	var lines [][2]string
	if c := p.CreationText(); c != "" {
		lines = append(lines, [2]string{"Creations", c})
	}
	for _, t := range p.Syncs {
		v := fmt.Sprintf("%d of %d members no row lists", t.Unlisted, t.Members)
		switch {
		case len(t.HeldBy) > 0:
			v += ": held back by " + rowsText(t.HeldBy) + " (fails in the plan); none removed"
		case t.Allowed >= 0:
			v += fmt.Sprintf(" removed; the limit allows %d", t.Allowed)
		default:
			v += " removed"
		}
		lines = append(lines, [2]string{"Sync " + t.Step + ": " + t.What, v})
	}
	lines = append(lines, [2]string{"Removal limit", p.Limit})
	stop := "no: within the limits"
	if p.Stop != "" {
		stop = "yes: " + p.Stop
	}
	return append(lines, [2]string{"The real run stops before any write", stop})
}
