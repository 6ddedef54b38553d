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
}

type journalRecord struct {
	Type   string `json:"type"` // "result" or "intent"
	Row    int    `json:"row"`  // the row's index among the data rows
	Number int    `json:"number"`
	// Key is the row's user as the file names it (lower-cased email, or
	// id): a resume matches rows by it, never by position alone.
	Key   string `json:"key"`
	Step  string `json:"step"`
	Email string `json:"email,omitempty"` // intent: the email about to be created
	results.StepResult
	At string `json:"at,omitempty"`
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

func (j *journal) result(r *rowRun, step jobfile.Step, res *results.StepResult) error {
	return j.write(journalRecord{Type: "result", Row: r.row.Index, Number: r.row.Number, Key: strings.ToLower(r.key), Step: string(step.Kind),
		StepResult: *res, At: time.Now().UTC().Format(time.RFC3339Nano)})
}

func (j *journal) intent(r *rowRun, step jobfile.Step, email string) error {
	return j.write(journalRecord{Type: "intent", Row: r.row.Index, Number: r.row.Number, Key: strings.ToLower(r.key), Step: string(step.Kind), Email: email})
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
}

// readJournal loads a journal, tolerating a torn last line (the run was
// killed while writing it).
func readJournal(dir string) (*journalState, error) {
	f, err := os.Open(dir + string(os.PathSeparator) + journalName)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st := &journalState{results: map[string]map[string]*results.StepResult{}, intents: map[string]string{}}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 16<<20)
	first := true
	for sc.Scan() {
		line := sc.Bytes()
		if first {
			if err := json.Unmarshal(line, &st.header); err != nil || st.header.Type != "header" {
				return nil, fmt.Errorf("%s: not a zoombulk journal", f.Name())
			}
			first = false
			continue
		}
		var rec journalRecord
		if err := json.Unmarshal(line, &rec); err != nil {
			continue // a torn line from a killed run: that row-step is redone
		}
		switch rec.Type {
		case "intent":
			st.intents[rec.Key] = rec.Email
		case "result":
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
