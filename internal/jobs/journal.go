package jobs

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/results"
)

// The journal is an append-only JSON Lines file: a header, then one record
// per finished row-step, written with one write(2) each so that a crash or
// a kill loses at most the line being written. Before a create is sent an
// "intent" record goes first: if the run dies between the create and its
// result line, the resumed run knows a user it finds was its own doing.

const journalName = "journal.jsonl"

type journalHeader struct {
	Type        string   `json:"type"` // "header"
	Job         string   `json:"job"`
	JobSHA256   string   `json:"job_sha256"`
	Input       string   `json:"input"`
	InputSHA256 string   `json:"input_sha256"`
	Sheet       string   `json:"sheet,omitempty"` // the .xlsx sheet read
	HeaderRow   int      `json:"header_row,omitempty"`
	Match       string   `json:"match,omitempty"` // email or id: what Key holds
	Steps       []string `json:"steps"`
	Rows        int      `json:"rows"`
	Started     string   `json:"started"`
	Version     string   `json:"version"`
	// AccountID and APIHost bind the run to its account: a resume or an
	// undo with other credentials is refused before any call.
	AccountID string `json:"account_id,omitempty"`
	APIHost   string `json:"api_host,omitempty"`
	// Args are the arguments the run was started with (Options.Args).
	Args []string `json:"args,omitempty"`
}

type journalRecord struct {
	Type   string `json:"type"` // "result" or "intent"
	Row    int    `json:"row"`  // the row's index among the data rows
	Number int    `json:"number"`
	// Key is the row's user as the file names it (lower-cased email, or
	// id): a resume matches rows by it, never by position alone.
	Key  string `json:"key"`
	Step string `json:"step"`
	// Email is the user's address when the record was written (for a
	// create's intent: the email about to be created). With the user ID
	// (StepResult.UserID) it names the person, not only the address.
	Email string `json:"email,omitempty"`
	// Action is the planned action of an intent ("" for the intent of a
	// create, as older journals wrote it).
	Action string `json:"action,omitempty"`
	// UndoKey is the row's key in undo.csv (the email, or the job's row
	// key fields); Changes and Flags are the before-image of the step: an
	// intent carries them before the call is sent, so undo.csv can be
	// derived from the journal whatever happened to the process after.
	UndoKey []string     `json:"undo_key,omitempty"`
	Changes []undoChange `json:"changes,omitempty"`
	Flags   []string     `json:"flags,omitempty"`
	// Created names a group or division the run made (type "created"):
	// an undo deletes it, by this ID only, when it is empty.
	Created *createdDir `json:"created,omitempty"`
	results.StepResult
	At string `json:"at,omitempty"`
}

// undoChange is one field's before-image: the job field (col) that puts
// the value back, the raw value found (was) and the value set.
type undoChange struct {
	Col string `json:"col"`
	Was string `json:"was"`
	Set string `json:"set"`
}

// createdDir is a group or division a run created.
type createdDir struct {
	Kind string `json:"kind"` // "group" or "division"
	ID   string `json:"id"`
	Name string `json:"name"`
}

// created journals a group or division the run has just made (typ
// "created"), or is about to create ("creating", no ID yet): the undo
// deletes only what a "created" record names.
func (j *journal) created(typ, step string, c createdDir) error {
	return j.write(journalRecord{Type: typ, Row: -1, Step: step, Created: &c, At: time.Now().UTC().Format(time.RFC3339Nano)})
}

// createdDirs are the groups and divisions a run's journal says it
// created, in the order it made them.
func createdDirs(records []journalRecord) []createdDir {
	var out []createdDir
	for _, rec := range records {
		if rec.Type == "created" && rec.Created != nil && rec.Created.ID != "" {
			out = append(out, *rec.Created)
		}
	}
	return out
}

// unsettledCreates are the creates a process journaled as about to be
// sent and never as made: it died with the call in flight. With their
// steps, by kind and name.
func unsettledCreates(records []journalRecord) (map[string]createdDir, map[string]string) {
	out, steps := map[string]createdDir{}, map[string]string{}
	for _, rec := range records {
		if rec.Created == nil {
			continue
		}
		k := newKey(rec.Created.Kind, rec.Created.Name)
		switch rec.Type {
		case "creating":
			out[k], steps[k] = *rec.Created, rec.Step
		case "created":
			delete(out, k)
		}
	}
	return out, steps
}

type journal struct {
	mu  sync.Mutex
	f   *os.File
	err error
}

func createJournal(dir string, h journalHeader) (*journal, error) {
	f, err := os.OpenFile(dir+string(os.PathSeparator)+journalName, os.O_CREATE|os.O_EXCL|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	j := &journal{f: f}
	h.Type = "header"
	j.write(h)
	return j, j.err
}

func appendJournal(dir string) (*journal, error) {
	f, err := os.OpenFile(dir+string(os.PathSeparator)+journalName, os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	return &journal{f: f}, nil
}

// write appends one line; after the first failure every write fails.
func (j *journal) write(v any) error {
	line, err := json.Marshal(v)
	if err != nil {
		return err
	}
	line = append(line, '\n')
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.err != nil {
		return j.err
	}
	if _, err := j.f.Write(line); err != nil {
		j.err = fmt.Errorf("writing the journal %s: %w", j.f.Name(), err)
	}
	return j.err
}

// result journals a row-step's result; a success carries its
// before-image too (for a kind whose apply wrote no intent).
func (j *journal) result(e *engine, r *rowRun, i int, res *results.StepResult) error {
	rec := journalRecord{Type: "result", Row: r.row.Index, Number: r.row.Number, Key: strings.ToLower(r.key), Step: string(e.steps[i].Kind),
		Email: r.currentEmail(), UndoKey: e.undoKeyOf(r), StepResult: *res, At: time.Now().UTC().Format(time.RFC3339Nano)}
	if res.Status == results.Succeeded || res.Status == results.Partial {
		rec.Action = string(r.steps[i].action)
		rec.Changes, rec.Flags = undoChangesOf(&r.steps[i]), r.steps[i].undoFlags
	}
	return j.write(rec)
}

// intent journals a create about to be sent (email: its address).
func (j *journal) intent(r *rowRun, step jobfile.Step, email string) error {
	return j.write(journalRecord{Type: "intent", Row: r.row.Index, Number: r.row.Number, Key: strings.ToLower(r.key), Step: string(step.Kind), Email: email})
}

// changeIntent journals, before a change is sent, the row-step's action
// and its before-image: a kill after the call still leaves undo.csv what
// the account had.
func (j *journal) changeIntent(e *engine, r *rowRun, i int) error {
	st := &r.steps[i]
	return j.write(journalRecord{Type: "intent", Row: r.row.Index, Number: r.row.Number, Key: strings.ToLower(r.key), Step: string(e.steps[i].Kind),
		Email: r.currentEmail(), Action: string(st.action), UndoKey: e.undoKeyOf(r), Changes: undoChangesOf(st), Flags: st.undoFlags,
		StepResult: results.StepResult{UserID: r.knownID()}})
}

func undoChangesOf(st *rowStep) []undoChange {
	var out []undoChange
	for _, c := range st.changes {
		if c.col == "" {
			continue
		}
		if _, ok := undoField(c.col); !ok {
			continue
		}
		out = append(out, undoChange{Col: c.col, Was: c.was, Set: c.set})
	}
	return out
}

// Err is the first write error, if any.
func (j *journal) Err() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.err
}

func (j *journal) Close() error {
	if err := j.f.Sync(); err != nil && j.err == nil {
		j.err = err
	}
	if err := j.f.Close(); err != nil && j.err == nil {
		j.err = err
	}
	return j.err
}

// journalState is what an earlier run left, by row key.
type journalState struct {
	header  journalHeader
	results map[string]map[string]*results.StepResult // row key -> step -> last result
	intents map[string]string                         // row key -> email of a create that may have been sent
	// inflight are the row-steps whose change was journaled as sent but
	// whose result never was: the process died with the call in flight.
	inflight map[string]map[string]bool // row key -> step
	// records are every intent and result, in order: undo.csv is derived
	// from them.
	records []journalRecord
}

// readJournal loads a journal, tolerating a torn last line (the run was
// killed while writing it).
func readJournal(dir string) (*journalState, error) {
	f, err := os.Open(dir + string(os.PathSeparator) + journalName)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st := &journalState{results: map[string]map[string]*results.StepResult{}, intents: map[string]string{}, inflight: map[string]map[string]bool{}}
	sc := journalScanner(f)
	first := true
	for sc.Scan() {
		line := sc.Bytes()
		if first {
			if st.header, err = parseJournalHeader(f.Name(), line); err != nil {
				return nil, err
			}
			first = false
			continue
		}
		var rec journalRecord
		if err := json.Unmarshal(line, &rec); err != nil {
			continue // a torn line from a killed run: that row-step is redone
		}
		st.records = append(st.records, rec)
		switch rec.Type {
		case "intent":
			if CreatesUsers(jobfile.StepKind(rec.Step)) && (rec.Action == "" || rec.Action == string(results.ActCreate)) {
				st.intents[rec.Key] = rec.Email
			}
			if st.inflight[rec.Key] == nil {
				st.inflight[rec.Key] = map[string]bool{}
			}
			st.inflight[rec.Key][rec.Step] = true
		case "result":
			if rec.Status.Final() {
				delete(st.inflight[rec.Key], rec.Step)
			}
			m := st.results[rec.Key]
			if m == nil {
				m = map[string]*results.StepResult{}
				st.results[rec.Key] = m
			}
			res := rec.StepResult
			m[rec.Step] = &res
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if first {
		return nil, fmt.Errorf("%s: the journal is empty", f.Name())
	}
	return st, nil
}

// readJournalHeader reads only the journal's first line: the run's files
// and account, without loading every record of a long run.
func readJournalHeader(dir string) (journalHeader, error) {
	f, err := os.Open(dir + string(os.PathSeparator) + journalName)
	if err != nil {
		return journalHeader{}, err
	}
	defer f.Close()
	sc := journalScanner(f)
	if !sc.Scan() {
		if err := sc.Err(); err != nil {
			return journalHeader{}, err
		}
		return journalHeader{}, fmt.Errorf("%s: the journal is empty", f.Name())
	}
	return parseJournalHeader(f.Name(), sc.Bytes())
}

// journalScanner reads a journal a line at a time; a line may be long (a
// row's before-image of many fields).
func journalScanner(f *os.File) *bufio.Scanner {
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 16<<20)
	return sc
}

// parseJournalHeader reads a journal's first line, which must be its header.
func parseJournalHeader(name string, line []byte) (journalHeader, error) {
	var h journalHeader
	if err := json.Unmarshal(line, &h); err != nil || h.Type != "header" {
		return journalHeader{}, fmt.Errorf("%s: not a zoombulk journal", name)
	}
	return h, nil
}

// fileSHA256 hashes a file, so a resumed run can tell the job or the input
// changed since.
func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// ErrChangedSinceRun refuses a resume whose job or input changed; the
// *jobfile.JobError that says which wraps it.
var ErrChangedSinceRun = errors.New("changed since the interrupted run")
