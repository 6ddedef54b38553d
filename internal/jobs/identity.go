package jobs

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/zoombulk/zoombulk/internal/results"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// A run folder is bound to its account and its people. The account (ID
// and API host) is in run.json and the journal header: a resume or an
// undo with the credentials of another account, or of the same ID on
// another host, is refused before any call. The people are Zoom user IDs
// next to the emails: an undo acts on a row only while the user with the
// run's ID still has the run's email.

// AccountMismatchError refuses a resume or an undo whose credentials name
// another account than the run's: another account is another run, and no
// flag overrides it. It is a usage error (exit 2): no call was made.
type AccountMismatchError struct {
	Dir                string
	RunAccount, RunAPI string // what the run folder records
	Account, API       string // what the credentials in use name
	What               string // "resume" or "undo"
}

func (e *AccountMismatchError) Error() string {
	return fmt.Sprintf("%s: the run in this folder was made on account %s (%s), but these credentials are for account %s (%s): "+
		"refusing to %s it there, nothing was sent (use the first account's credentials; another account is another run)",
		e.Dir, e.RunAccount, e.RunAPI, e.Account, e.API, e.What)
}

// checkAccount compares a run folder's account with the client's.
func (e *engine) checkAccount(dir, runAccount, runAPI, what string) error {
	if runAccount == "" && runAPI == "" {
		return nil // a folder from before runs recorded their account
	}
	acc, api := e.Client.AccountID(), e.Client.APIHost()
	if runAccount == acc && runAPI == api {
		return nil
	}
	return &AccountMismatchError{Dir: dir, RunAccount: runAccount, RunAPI: runAPI, Account: acc, API: api, What: what}
}

// accountOf is the account a run folder records: the journal header's,
// else run.json's.
func accountOf(dir string, st *journalState) (string, string) {
	if st != nil && (st.header.AccountID != "" || st.header.APIHost != "") {
		return st.header.AccountID, st.header.APIHost
	}
	if info, err := readRunInfo(dir); err == nil {
		return info.AccountID, info.APIHost
	}
	return "", ""
}

// ErrUndoEdited marks an undo.csv that is not the file its run wrote.
var ErrUndoEdited = errors.New("undo.csv was changed since the run wrote it")

// undoRunDir is the folder of the run an undo job undoes.
func (e *engine) undoRunDir() string {
	if e.Opts.UndoOf != "" {
		return e.Opts.UndoOf
	}
	return filepath.Dir(e.Job.Path)
}

// undoneJournal is the journal of the run an undo undoes, read once
// (the check of an edited undo.csv and delete_created both need it).
func (e *engine) undoneJournal() (*journalState, error) {
	if e.undone == nil {
		st, err := readJournal(e.undoRunDir())
		if err != nil {
			return nil, err
		}
		e.undone = st
	}
	return e.undone, nil
}

// checkUndoSource refuses an undo whose run was on another account, or
// whose undo.csv is not the one the run wrote (unless --edited: then
// only rows whose ID and email are a pair the run's journal names are
// acted on). It reads files only.
func (e *engine) checkUndoSource() error {
	dir := e.undoRunDir()
	info, err := readRunInfo(dir)
	if err != nil {
		return &RunDirError{Dir: dir, Msg: "cannot read " + runJSON + " of the run to undo: " + err.Error(),
			Hint: "name the folder of a finished run; an interrupted one is finished with --resume first"}
	}
	// The header says the account; every record is read only for --edited.
	h, jerr := readJournalHeader(dir)
	acc, api := info.AccountID, info.APIHost
	if jerr == nil && h.AccountID != "" {
		acc, api = h.AccountID, h.APIHost
	}
	if err := e.checkAccount(dir, acc, api, "undo"); err != nil {
		return err
	}
	if info.UndoSHA256 != "" {
		sum, err := fileSHA256(filepath.Join(dir, UndoCSV))
		if err != nil {
			return &RunDirError{Dir: dir, Msg: "cannot read " + UndoCSV + ": " + err.Error()}
		}
		if sum != info.UndoSHA256 && !e.Opts.UndoEdited {
			return &RunDirError{Dir: dir, Err: ErrUndoEdited,
				Msg:  UndoCSV + " is not the file the run wrote (its SHA-256 differs from run.json's): it was edited or cut short, so it is refused",
				Hint: "undo --edited acts on such a file, but only on rows whose zb_user_id and email name a user the run changed"}
		}
		e.undoEdited = sum != info.UndoSHA256
	}
	if e.undoEdited || e.Opts.UndoEdited {
		e.undoEdited = true
		if jerr != nil {
			if errors.Is(jerr, fs.ErrNotExist) {
				return &RunDirError{Dir: dir, Msg: "no " + journalName + ": --edited needs the run's journal to tell its users"}
			}
			return &RunDirError{Dir: dir, Msg: "cannot read the run's journal: " + jerr.Error()}
		}
		st, err := e.undoneJournal()
		if err != nil {
			return &RunDirError{Dir: dir, Msg: "cannot read the run's journal: " + err.Error()}
		}
		byKey, _ := deriveUndo(st.records, true)
		e.runPeople = map[string]string{}
		for _, ent := range byKey {
			if ent.id != "" && len(ent.key) > 0 {
				e.runPeople[ent.id] = strings.ToLower(ent.key[0])
			}
		}
	}
	return nil
}

// afterDecide settles what the kinds' decisions cannot know: a change an
// earlier process sent and died waiting for (found done: recovered), and
// in an undo, rows whose user is not the run's person any more.
func (e *engine) afterDecide(ctx context.Context, rows []*rowRun) error {
	for _, r := range rows {
		for i := range r.steps {
			st := &r.steps[i]
			if st.inflight && st.result == nil && st.action == results.ActUnchanged {
				st.action = results.ActRecovered
			}
		}
	}
	if !e.Opts.Undo || !e.byPerson() {
		return nil
	}
	return e.forRows(ctx, rows, zoom.Light, func(ctx context.Context, r *rowRun) error {
		why, err := e.identityConflict(ctx, r)
		var daily *zoom.DailyLimitError
		switch {
		case err != nil && (zoom.CannotConnect(err) || errors.As(err, &daily) || ctx.Err() != nil):
			return err
		case err != nil:
			// Unsure whose the row is: leave it, as for a conflict.
			why = "could not check that the user is the one the run changed (" + err.Error() + "): nothing sent"
		case why == "":
			return nil
		}
		for i := range r.steps {
			st := &r.steps[i]
			if st.result != nil {
				continue
			}
			st.action, st.patch, st.changes, st.conflicts, st.fail, st.extra = results.ActConflict, nil, nil, nil, nil, nil
			st.identity = why
		}
		return nil
	})
}

// identityConflict says why an undo row's user is not the person the run
// changed ("" when it is): the row's email belongs to another user ID now,
// or the run's user ID has another email now.
func (e *engine) identityConflict(ctx context.Context, r *rowRun) (string, error) {
	email := strings.ToLower(r.email())
	id, _ := e.cell(r, strings.ToLower(ColUserID))
	if id == "" {
		if e.undoEdited {
			return "the row has no " + ColUserID + ": an edited undo.csv is acted on only where the user ID and the email match the run's", nil
		}
		return "", nil // a folder from before undo.csv carried IDs: by email, as then
	}
	if e.undoEdited && e.runPeople[id] != email {
		return fmt.Sprintf("user ID %s with %s is not a user the run changed: an edited undo.csv is acted on only where the user ID and the email match the run's", id, email), nil
	}
	if r.user != nil && r.user.ID != "" && r.user.ID != id {
		return fmt.Sprintf("%s now belongs to another user (ID %s; the run changed ID %s): nothing sent", email, r.user.ID, id), nil
	}
	if r.user != nil {
		return "", nil
	}
	u, err := e.Client.FindUser(ctx, id)
	if err != nil {
		return "", err
	}
	if u != nil && !strings.EqualFold(u.Email, email) {
		return fmt.Sprintf("user ID %s (changed by the run as %s) now has the email %s: nothing sent", id, email, u.Email), nil
	}
	return "", nil
}
