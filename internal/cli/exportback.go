package cli

// An edited users export run back with no job and no --steps: the export
// remembers what it wrote (export.Snapshot), so the job is built from its
// headers with the steps its edited columns need, and the plan sends only
// the cells that differ from the export (jobs.Baseline).

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/zoombulk/zoombulk/internal/export"
	"github.com/zoombulk/zoombulk/internal/jobs"
	"github.com/zoombulk/zoombulk/internal/mapping"
	"github.com/zoombulk/zoombulk/internal/sheet"
)

// exportTargets are the targets of the fields an edited column may set,
// in the order their steps run; each calls for the kind that changes that
// target on existing users (jobs.SetKindFor).
var exportTargets = []mapping.Target{mapping.Profile, mapping.Group, mapping.Division, mapping.Setting, mapping.Status}

// exportStep is the step an edited field of the target calls for.
func exportStep(t mapping.Target) string {
	k, _ := jobs.SetKindFor(t)
	return string(k)
}

// exportJob builds the job of an edited export: every column the tool can
// set is mapped, and the steps are those of the columns some row edited.
func exportJob(path string, snap *export.Snapshot, auto autoOptions) (*jobSource, error) {
	edited, err := editedColumns(path, snap, auto.sheet)
	if err != nil {
		return nil, err
	}
	known := labels()
	targets := map[mapping.Target]bool{}
	for h := range edited {
		field := ""
		if l, ok := known[normLabel(h)]; ok && !readOnly(h) {
			field = l.field
		} else if multiWhy(h) != "" {
			// An edited Groups cell of a user's export: only the edited
			// rows are sent, and each names the one group the user is
			// to be moved to (a cell of several is refused by the plan,
			// as no group has that name).
			field = multiValued[strings.ToLower(strings.TrimSpace(h))]
			auto.maps = append(auto.maps, strings.TrimSpace(h)+"="+field)
		}
		if f, ok := mapping.Lookup(field); ok {
			targets[f.Target] = true
		}
	}
	var steps []string
	for _, t := range exportTargets {
		if targets[t] {
			steps = append(steps, exportStep(t))
		}
	}
	if len(steps) == 0 {
		steps = []string{exportStep(mapping.Profile)} // nothing edited: every row comes out unchanged
	}
	auto.steps = steps
	src, err := autoJob(path, auto)
	if err != nil {
		return nil, err
	}
	// The columns left out are those no row edited, not those --steps
	// leaves out: there is no --steps here.
	for _, h := range src.ignored {
		if strings.HasPrefix(src.why[h], "no step of --steps reads") {
			src.why[h] = "not edited"
			if edited[strings.TrimSpace(h)] {
				src.why[h] = "edited, but no step of an edited export sets it"
			}
		}
	}
	where := "its hidden sheet " + export.SnapshotSheet
	if !strings.EqualFold(filepath.Ext(path), ".xlsx") && !strings.EqualFold(filepath.Ext(path), ".xlsm") {
		where = filepath.Base(path) + export.SnapshotSuffix
	}
	taken := snap.Taken.UTC().Format(time.RFC3339)
	src.note = fmt.Sprintf("%s is a users export of %s (%s), edited: only the cells that differ from the export are sent (steps %s; the export's record is %s)",
		filepath.Base(path), snap.Account, taken, strings.Join(steps, ","), where)
	src.baseline = &jobs.Baseline{Source: where, Account: snap.Account, Taken: snap.Taken, Lookup: snap.Lookup, Current: snap.Current}
	return src, nil
}

// editedColumns are the headers of the columns where some row differs
// from the export. Rows the export does not hold count every non-empty
// cell as edited.
func editedColumns(path string, snap *export.Snapshot, sheetName string) (map[string]bool, error) {
	// Read as the run reads it: a ' our CSV writer put before a formula
	// character is not part of the value.
	r, err := sheet.Open(path, sheet.Options{Sheet: sheetName, UnescapeFormulas: true})
	if err != nil {
		return nil, err
	}
	defer r.Close()
	header := r.Header()
	key := -1
	for i, h := range header {
		if normLabel(h) == normLabel("Email") {
			key = i
		}
	}
	if key < 0 {
		return nil, &sheet.InputError{File: path, Msg: "the export's Email column is gone: put it back, or run the file with --steps STEP,..."}
	}
	edited := map[string]bool{}
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if row.Comment {
			continue
		}
		_, was, ok := snap.Lookup(row.Cells[key])
		for i, h := range header {
			h = strings.TrimSpace(h)
			if h == "" || edited[h] {
				continue
			}
			cell := strings.TrimSpace(row.Cells[i])
			if !ok {
				if cell != "" {
					edited[h] = true
				}
				continue
			}
			if exported, in := was[h]; in && cell != strings.TrimSpace(exported) {
				edited[h] = true
			}
		}
	}
	return edited, nil
}
