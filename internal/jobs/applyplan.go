package jobs

// Change control (zoombulk apply): a dry run records in run.json what it
// planned (the command that made it, the job's and input's hashes, the
// account, and changes.csv's SHA-256); apply runs that plan, in that
// folder, and nothing else. It plans again to read each row's current
// values back, and a row whose planned changes are not the approved ones
// any more (someone changed the user since) is a conflict: not applied,
// reported with the value before the plan, now, and planned.

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/results"
	"github.com/zoombulk/zoombulk/internal/sheet"
)

// PlanCommand is what made a plan: enough for apply to load the same job
// the same way (a job file, a workbook that carries its job, or a sheet
// with --steps) with the same options.
type PlanCommand struct {
	Job         string   `json:"job"` // the argument of run, absolute
	Input       string   `json:"input,omitempty"`
	Sheet       string   `json:"sheet,omitempty"`
	Steps       []string `json:"steps,omitempty"`
	Match       string   `json:"match,omitempty"`
	Maps        []string `json:"maps,omitempty"`
	Trust       bool     `json:"trust_workbook_job,omitempty"`
	AllowDelete bool     `json:"allow_delete,omitempty"`
	MaxRemovals string   `json:"max_removals,omitempty"`
	Strict      bool     `json:"strict,omitempty"`
}

// PlanRecord is run.json's "plan": what a dry run planned, for apply.
type PlanRecord struct {
	PlannedAt     time.Time   `json:"planned_at"`
	ChangesSHA256 string      `json:"changes_sha256"`
	Changes       int         `json:"changes"`
	Writes        int         `json:"writes"`
	Command       PlanCommand `json:"command"`
	// AppliedAt is set once apply ran the plan in its folder.
	AppliedAt *time.Time `json:"applied_at,omitempty"`
}

// ApplyOptions make a run apply the plan in its OutDir (zoombulk apply).
type ApplyOptions struct {
	// MaxAge refuses a plan older than this (0: 24 hours).
	MaxAge time.Duration
	// Made, when set, says whether a record of the approved plan is a
	// creation that an earlier job of the same approved set has made
	// since (apply of a dry run of several jobs: the users job planned to
	// create the group the groups job then created). The plan made now has
	// no such record, so a row's approved changes are compared without it.
	Made func(rec []string) bool
}

// DefaultPlanAge is how old a plan apply takes by default.
const DefaultPlanAge = 24 * time.Hour

// Why apply refuses a plan folder; each *RunDirError wraps one.
var (
	ErrNoPlan      = errors.New("no plan")
	ErrPlanEdited  = errors.New("changes.csv was changed since the dry run wrote it")
	ErrPlanTooOld  = errors.New("the plan is too old")
	ErrPlanApplied = errors.New("the plan was applied already")
)

// ReadPlan reads the plan a dry run recorded in dir's run.json.
func ReadPlan(dir string) (*RunInfo, error) {
	info, err := readRunInfo(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &RunDirError{Dir: dir, Msg: "holds no plan (no " + runJSON + ")", Err: ErrNoPlan,
			Hint: "make one with zoombulk run JOB --dry-run --out " + dir}
	}
	if err != nil {
		return nil, &RunDirError{Dir: dir, Msg: "cannot read " + runJSON + ": " + err.Error(), Err: ErrNoPlan}
	}
	if info.Plan == nil {
		return nil, &RunDirError{Dir: dir, Msg: "holds a run, not a plan a dry run recorded", Err: ErrNoPlan,
			Hint: "apply takes the folder of zoombulk run JOB --dry-run --out DIR"}
	}
	if !info.PlanOnly && applyUnfinished(info) {
		return info, nil // an apply that stopped early: apply again finishes it
	}
	if !info.PlanOnly || info.Plan.AppliedAt != nil {
		when := info.Started.Format(time.RFC3339)
		if info.Plan.AppliedAt != nil {
			when = info.Plan.AppliedAt.Format(time.RFC3339)
		}
		return nil, &RunDirError{Dir: dir, Msg: "the plan was applied on " + when + "; its results are in this folder", Err: ErrPlanApplied,
			Hint: "to change the account again, make and approve a new plan (zoombulk run JOB --dry-run)"}
	}
	return info, nil
}

// applyUnfinished says whether an apply of the plan stopped early (a
// stop, a limit, a daily cap): applying it again finishes it.
func applyUnfinished(info *RunInfo) bool {
	return info.Plan != nil && info.Plan.AppliedAt != nil &&
		(info.Aborted != "" || info.Counts[string(results.Deferred)] > 0 || info.Counts[string(results.NotRun)] > 0)
}

// openApply checks the plan folder before anything is read from Zoom:
// the plan is whole (changes.csv as written), young enough, made on this
// account, with the job and input it was made from.
func (e *engine) openApply(dir string) error {
	info, err := ReadPlan(dir)
	if err != nil {
		return err
	}
	_, err = os.Stat(filepath.Join(dir, journalName))
	resume := err == nil // an apply that stopped (or was killed) before it finished
	p := info.Plan
	// The approved changes are read once, through the hash that tells
	// whether they are the file the dry run wrote: what is compared is
	// exactly what was checked. A digest a row: the plan is compared row
	// by row without holding the approved file's records.
	approved, err := readApproved(filepath.Join(dir, results.ChangesCSV), p.ChangesSHA256, e.Opts.Apply.Made)
	if err != nil {
		return &RunDirError{Dir: dir, Msg: err.Error(), Err: ErrPlanEdited,
			Hint: "make a new plan with zoombulk run JOB --dry-run and have it approved"}
	}
	maxAge := e.Opts.Apply.MaxAge
	if maxAge <= 0 {
		maxAge = DefaultPlanAge
	}
	if age := time.Since(p.PlannedAt); age > maxAge {
		return &RunDirError{Dir: dir, Msg: fmt.Sprintf("the plan was made on %s, %s ago, and apply takes plans up to %s old; nothing was sent",
			p.PlannedAt.UTC().Format(time.RFC3339), age.Round(time.Minute), maxAge), Err: ErrPlanTooOld,
			Hint: "make a new plan with zoombulk run JOB --dry-run, or allow an older one with --max-age"}
	}
	if err := e.checkAccount(dir, info.AccountID, info.APIHost, "apply"); err != nil {
		return err
	}
	if info.JobSHA256 != e.jobSum {
		return &jobfile.JobError{File: e.Job.Path, Msg: "the job " + ErrChangedSinceRun.Error() + " plan", Err: ErrChangedSinceRun,
			Hint: "apply runs the job the plan was made with: put it back, or make and approve a new plan"}
	}
	if info.InputSHA256 != e.inputSum || info.Sheet != e.sheet.Name {
		return &jobfile.JobError{File: e.sheet.File, Msg: "the input " + ErrChangedSinceRun.Error() + " plan", Err: ErrChangedSinceRun,
			Hint: "apply runs the input the plan was made from: put it back, or make and approve a new plan"}
	}
	e.approved = approved
	e.planInfo = info
	if resume {
		// The journal's rows are done: the rest is planned, compared
		// with the approved plan and applied.
		return e.openResume(dir)
	}
	if e.Opts.DryRun {
		return nil
	}
	e.lock, err = takeLock(dir)
	return err
}

// changeKey names a row of changes.csv: its row number, or for a member a
// sync takes out (no row) its email.
func changeKey(row, email string) string {
	if row == "" || row == "0" {
		return "member " + strings.ToLower(email)
	}
	return "row " + row
}

// planConflicts compares the plan just made with the approved one, row by
// row, and leaves every row whose changes differ: such a row is not
// applied, and its result names each field's value before the plan, now
// and planned. It reports whether any row was left (the plan is then
// summarized again, without their calls).
func (e *engine) planConflicts(p *Plan) (bool, error) {
	now := map[string]rowDigest{}
	if err := results.EachChangeRecord(p.Changes, func(rec []string) error {
		k := changeKey(rec[results.ChangeColRow], rec[results.ChangeColEmail])
		now[k] = now[k].add(rec)
		return nil
	}); err != nil {
		return false, err
	}
	left := map[string][]*rowRun{}
	var order []string
	for _, r := range e.rows {
		if r.invalid != nil || slices.ContainsFunc(r.steps, func(s rowStep) bool { return s.result != nil }) {
			continue // fails as it did in the plan, or an interrupted apply started it
		}
		k := r.changeKey()
		if e.approved[k] == now[k] {
			continue
		}
		if left[k] == nil {
			order = append(order, k)
		}
		left[k] = append(left[k], r)
	}
	if len(order) == 0 {
		return false, nil
	}
	// The records of the rows left, both sides, for their details.
	was, is := map[string][][]string{}, map[string][][]string{}
	keep := func(into map[string][][]string) func([]string) error {
		return func(rec []string) error {
			if k := changeKey(rec[results.ChangeColRow], rec[results.ChangeColEmail]); left[k] != nil {
				into[k] = append(into[k], slices.Clone(rec))
			}
			return nil
		}
	}
	if err := results.EachChangeRecordIn(filepath.Join(e.Opts.OutDir, results.ChangesCSV), keep(was)); err != nil {
		return false, err
	}
	if err := results.EachChangeRecord(p.Changes, keep(is)); err != nil {
		return false, err
	}
	for _, k := range order {
		why := "changed since the plan was approved: " + conflictDetail(was[k], is[k]) + "; not applied"
		for _, r := range left[k] {
			e.leftRows = append(e.leftRows, PlanConflict{Row: r.row.Number, Email: r.email(), Detail: why})
			for i := range r.steps {
				st := &r.steps[i]
				if st.result != nil {
					continue
				}
				st.action, st.patch, st.changes, st.conflicts, st.fail, st.extra = results.ActConflict, nil, nil, nil, nil, nil
				st.planConflict = why
			}
		}
	}
	return true, nil
}

// readApproved reads an approved plan's changes.csv into a digest a row,
// checking on the way that its SHA-256 is sum; made, when set, leaves out
// the creations an earlier job of the same approval has made.
func readApproved(path, sum string, made func([]string) bool) (map[string]rowDigest, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read the plan's %s: %w", results.ChangesCSV, err)
	}
	defer f.Close()
	h := sha256.New()
	approved := map[string]rowDigest{}
	perr := results.EachChangeRecordFrom(io.TeeReader(f, h), func(rec []string) error {
		if made != nil && made(rec) {
			return nil
		}
		k := changeKey(rec[results.ChangeColRow], rec[results.ChangeColEmail])
		approved[k] = approved[k].add(rec)
		return nil
	})
	if _, err := io.Copy(h, f); err != nil { // the rest, after a record the reader refused
		return nil, fmt.Errorf("cannot read the plan's %s: %w", results.ChangesCSV, err)
	}
	if hex.EncodeToString(h.Sum(nil)) != sum {
		return nil, fmt.Errorf("%s is not the file the dry run wrote (its SHA-256 differs from run.json's): an edited plan is not the one approved; nothing was sent", results.ChangesCSV)
	}
	if perr != nil {
		return nil, fmt.Errorf("%s: %w", results.ChangesCSV, perr)
	}
	return approved, nil
}

// changeKey is the row's key in changes.csv (changeKey).
func (r *rowRun) changeKey() string {
	row := ""
	if r.unlisted == "" {
		row = strconv.Itoa(r.row.Number)
	}
	return changeKey(row, r.email())
}

// rowDigest sums a row's changes in order, all but the reason (a
// failure's words may carry a tracking ID): two plans that change a row
// alike have equal digests.
type rowDigest [sha256.Size]byte

func (d rowDigest) add(rec []string) rowDigest {
	h := sha256.New()
	h.Write(d[:])
	for i, v := range rec {
		if i == results.ChangeColReason {
			continue
		}
		h.Write([]byte(v))
		h.Write([]byte{0})
	}
	var out rowDigest
	h.Sum(out[:0])
	return out
}

// PlanConflict is a row apply leaves: its user changed since the plan.
type PlanConflict struct {
	Row    int
	Email  string
	Detail string
}

// sameChange compares two records of changes.csv, all but the reason (a
// failure's words may carry a tracking ID).
func sameChange(x, y []string) bool {
	if len(x) != len(y) {
		return false
	}
	for i := range x {
		if i != results.ChangeColReason && x[i] != y[i] {
			return false
		}
	}
	return true
}

// conflictDetail says, field by field, what differs: "dept: before the
// plan "Sales", now "Legal", planned "Marketing"".
func conflictDetail(was, is [][]string) string {
	type key struct{ step, field string }
	k := func(rec []string) key { return key{rec[results.ChangeColStep], rec[results.ChangeColField]} }
	nowBy := map[key][]string{}
	for _, rec := range is {
		nowBy[k(rec)] = rec
	}
	name := func(rec []string) string {
		if f := rec[results.ChangeColField]; f != "" {
			return f
		}
		return rec[results.ChangeColStep]
	}
	var parts []string
	// The user the plan was for, and the one the email names now: the
	// approval was for a person, not for whoever holds the address.
	if planned, now := userIDOf(was), userIDOf(is); len(was) > 0 && len(is) > 0 && planned != now {
		switch {
		case planned != "" && now != "":
			parts = append(parts, fmt.Sprintf("the email now belongs to another Zoom user (ID %s; the plan was for ID %s)", now, planned))
		case planned != "":
			parts = append(parts, fmt.Sprintf("the Zoom user the plan was for (ID %s) no longer has the email", planned))
		default:
			parts = append(parts, fmt.Sprintf("the plan was to create this user, but the email belongs to Zoom user ID %s now (made since the plan)", now))
		}
	}
	seen := map[key]bool{}
	for _, w := range was {
		seen[k(w)] = true
		n, ok := nowBy[k(w)]
		switch {
		case !ok && w[results.ChangeColAction] == string(results.ActFail):
			parts = append(parts, fmt.Sprintf("%s failed in the plan and would not now", w[results.ChangeColStep]))
		case !ok:
			parts = append(parts, fmt.Sprintf("%s: before the plan %q, now already %q, planned %q", name(w), cell(w[results.ChangeColCurrent]), cell(w[results.ChangeColNew]), cell(w[results.ChangeColNew])))
		case n[results.ChangeColAction] == string(results.ActFail):
			parts = append(parts, fmt.Sprintf("%s would now fail: %s", n[results.ChangeColStep], cell(n[results.ChangeColReason])))
		case !sameChange(w, n):
			parts = append(parts, fmt.Sprintf("%s: before the plan %q, now %q, planned %q", name(w), cell(w[results.ChangeColCurrent]), cell(n[results.ChangeColCurrent]), cell(w[results.ChangeColNew])))
		}
	}
	for _, n := range is {
		if seen[k(n)] {
			continue
		}
		if n[results.ChangeColAction] == string(results.ActFail) {
			parts = append(parts, fmt.Sprintf("%s would now fail: %s", n[results.ChangeColStep], cell(n[results.ChangeColReason])))
			continue
		}
		if n[results.ChangeColRow] == "" {
			// A member a sync would now take out: joined since the plan.
			parts = append(parts, fmt.Sprintf("%s: now %q, which the plan did not take out (no one approved this removal)", name(n), cell(n[results.ChangeColCurrent])))
			continue
		}
		// The approved plan had nothing to do here: the value was as asked.
		parts = append(parts, fmt.Sprintf("%s: before the plan %q, now %q, planned no change", name(n), cell(n[results.ChangeColNew]), cell(n[results.ChangeColCurrent])))
	}
	if len(parts) == 0 {
		return "its planned changes differ"
	}
	return strings.Join(parts, "; ")
}

// userIDOf is the Zoom user ID a row's changes were planned for.
func userIDOf(recs [][]string) string {
	for _, rec := range recs {
		if id := rec[results.ChangeColUserID]; id != "" {
			return id
		}
	}
	return ""
}

// cell is a changes.csv value as the plan had it (the formula guard
// taken off).
func cell(s string) string { return sheet.UnescapeFormula(s) }

// writeRunInfo writes run.json, whole or not at all.
func writeRunInfo(dir string, info RunInfo) error {
	data, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return err
	}
	return sheet.WriteAtomic(filepath.Join(dir, runJSON), func(w io.Writer) error {
		_, err := w.Write(append(data, '\n'))
		return err
	})
}

// appliedPlan is run.json's plan record once apply ran it (nil for other
// runs); a resumed or rebuilt applied plan keeps the record it had.
func (e *engine) appliedPlan() *PlanRecord {
	if e.planInfo == nil && (e.Opts.Resume || e.Opts.Rebuild) {
		if info, err := readRunInfo(e.Opts.OutDir); err == nil {
			return info.Plan
		}
	}
	if e.planInfo == nil || e.Opts.DryRun {
		return nil
	}
	p := *e.planInfo.Plan
	now := time.Now().UTC()
	p.AppliedAt = &now
	return &p
}

// recordPlan adds the plan record to a dry run's folder: run.json, which
// apply reads (changes.csv's hash among it).
func (e *engine) recordPlan(sum *Summary) error {
	dir := e.Opts.OutDir
	h, err := fileSHA256(filepath.Join(dir, results.ChangesCSV))
	if err != nil {
		return err
	}
	cmd := *e.Opts.Record
	info := e.runInfo(sum)
	info.PlanOnly = true
	info.Counts = nil
	info.Plan = &PlanRecord{PlannedAt: sum.Started.UTC(), ChangesSHA256: h, Changes: e.planned.ChangeCount, Writes: e.planned.Writes(), Command: cmd}
	return writeRunInfo(dir, info)
}
