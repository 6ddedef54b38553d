package jobs

// A dry run streams: it reads the input twice (first for the problems only
// the whole file shows, duplicate keys), then plans the rows a chunk at a
// time, writing each chunk's changes and plan lines to spool files in the
// run folder before it reads the next. Memory holds one chunk, the account's
// listing and the counts, whatever the input's size: a plan of a million
// rows fits where the rows themselves would not. The spools are read back
// into changes.csv, plan.csv and plan.xlsx, and removed on every path out
// (on Linux and macOS they lose their names as soon as they are open, so a
// killed process leaves nothing either).
//
// A run that sends holds every row (it applies, resumes and reports them),
// and so does a dry run whose plan needs the whole file at once: a sync
// (its removals are the members no row lists), an undo, an apply, a resume,
// an edited export, rows that are groups.

import (
	"bufio"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/mapping"
	"github.com/zoombulk/zoombulk/internal/results"
)

// streamChunkRows is how many rows a streamed plan holds at once, unless
// Options.PlanChunkRows says otherwise: at most a few hundred MB of rows,
// decisions and changes.
const streamChunkRows = 16384

// streams says whether this run plans a chunk at a time.
func (e *engine) streams() bool {
	o := e.Opts
	if !o.DryRun || o.Resume || o.Undo || o.Rebuild || o.Apply != nil || o.Baseline != nil || e.Job.RowKey() != nil {
		return false
	}
	for _, s := range e.steps {
		if sy, ok := kindOf(s).(syncer); ok && sy.syncs(s) {
			return false
		}
	}
	return true
}

// readInput reads the input: every row, or for a streamed plan only what
// the first pass learns.
func (e *engine) readInput() (*Sheet, error) {
	if e.streams() {
		return e.readStreamed()
	}
	return ReadSheet(e.Job, e.Opts.Input)
}

// planInput plans the rows read, a chunk at a time when the plan streams.
// The reads it spent and the time it took are the plan's, either way.
func (e *engine) planInput(ctx context.Context) error {
	before, start := e.Client.Stats(), time.Now()
	plan := e.plan
	if e.stream != nil {
		plan = e.planStreamed
	}
	err := plan(ctx)
	if e.planned != nil {
		e.planned.Reads = e.Client.Stats().CallsSince(before)
		e.planned.Planning = time.Since(start)
	}
	return err
}

// inputRows is the number of data rows in the input.
func (e *engine) inputRows() int {
	if e.stream != nil {
		return e.stream.rows
	}
	return len(e.sheet.Rows)
}

// inputProblems is the number of row problems in the input.
func (e *engine) inputProblems() int {
	if e.stream != nil {
		return e.stream.problems
	}
	return len(e.sheet.Problems())
}

// planStream is a streamed plan's state between its passes.
type planStream struct {
	rows     int              // data rows in the input
	problems int              // row problems, duplicates included
	dups     []indexedProblem // duplicate-key problems, by row index
	lines    *spool[results.ResultRow]
	failed   []FailedRow
}

// readStreamed is the first pass: the input's notes, its rows and problems
// counted, and its duplicate keys; no row is kept.
func (e *engine) readStreamed() (*Sheet, error) {
	st := &planStream{}
	in, dups, err := scanInput(e.Job, e.Opts.Input, func(int, mapping.Problem) error { st.problems++; return nil })
	if err != nil {
		return nil, err
	}
	st.rows, st.dups, st.problems = in.rows, dups, st.problems+len(dups)
	e.stream = st
	return &Sheet{Input: in.Input}, nil
}

// planStreamed is the second pass: the rows a chunk at a time, each planned
// as plan plans a whole sheet, its changes and lines spooled.
func (e *engine) planStreamed(ctx context.Context) (err error) {
	st := e.stream
	if e.changes, err = newSpool[results.Change](e.Opts.OutDir); err != nil {
		return err
	}
	if st.lines, err = newSpool[results.ResultRow](e.Opts.OutDir); err != nil {
		return err
	}
	in, err := openInput(e.Job, e.Opts.Input)
	if err != nil {
		return err
	}
	defer in.close()
	in.dups = nil // the first pass found them
	dups := st.dups
	tally := e.newTally(e.changes.add)
	size := streamChunkRows
	if n := e.Opts.PlanChunkRows; n > 0 {
		size = n
	}
	chunk := make([]Row, 0, min(size, max(st.rows, 1)))
	flush := func() error {
		if len(chunk) == 0 {
			return nil
		}
		err := e.planChunk(ctx, chunk, tally)
		chunk = chunk[:0]
		return err
	}
	for {
		sr, err := in.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		chunk = append(chunk, Row{})
		r := &chunk[len(chunk)-1]
		in.check(sr, chunk[len(chunk)-1:])
		for len(dups) > 0 && dups[0].index <= r.Index {
			if dups[0].index == r.Index {
				r.Record.Problems = append(r.Record.Problems, dups[0].p)
			}
			dups = dups[1:]
		}
		if len(chunk) == size {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	if in.rows != st.rows {
		return &jobfile.JobError{File: e.sheet.File, Msg: fmt.Sprintf("the input changed while it was read (%d rows, then %d)", st.rows, in.rows), Hint: "run again once the file is saved"}
	}
	if e.dir == nil { // no row to plan: the plan names no group either
		if err := e.loadDirectory(ctx, nil); err != nil {
			return err
		}
	}
	e.rows = nil
	e.planned = tally.finish()
	if tally.err != nil {
		return tally.err
	}
	return ctx.Err()
}

// planChunk plans rows as plan does a whole sheet, and spools the result.
func (e *engine) planChunk(ctx context.Context, rows []Row, tally *planTally) error {
	active, _ := e.newRows(rows)
	if e.dir == nil && len(active) > 0 {
		if err := e.loadDirectory(ctx, active); err != nil {
			return err
		}
	}
	if err := e.decideRows(ctx, active, active); err != nil {
		return err
	}
	tally.add(e.rows)
	for _, r := range e.rows {
		line := e.planLine(r)
		if line.Planned == results.ActFail {
			e.stream.failed = append(e.stream.failed, FailedRow{Row: line.Number, Email: r.email(), Step: line.Step, Status: results.Failed, Reason: line.Reason})
		}
		if err := e.stream.lines.add(line); err != nil {
			return err
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return tally.err
}

// closeSpools removes the plan's spools.
func (e *engine) closeSpools() {
	e.changes.close()
	e.changes = nil
	if e.stream != nil {
		e.stream.lines.close()
		e.stream.lines = nil
	}
}

// spool keeps values of one type in a file of the run folder, in order,
// and gives them back as often as asked.
type spool[T any] struct {
	f   *os.File
	w   *bufio.Writer
	enc *gob.Encoder
	n   int
	// unlinked: the file has no name any more (removed once open, where
	// the system allows it), so even a killed process leaves nothing.
	unlinked bool
}

func newSpool[T any](dir string) (*spool[T], error) {
	f, err := os.CreateTemp(dir, ".plan-*.tmp")
	if err != nil {
		return nil, fmt.Errorf("keeping the plan in its run folder: %w", err)
	}
	w := bufio.NewWriterSize(f, 1<<16)
	return &spool[T]{f: f, w: w, enc: gob.NewEncoder(w), unlinked: os.Remove(f.Name()) == nil}, nil
}

func (s *spool[T]) add(v T) error {
	if err := s.enc.Encode(v); err != nil {
		return fmt.Errorf("keeping the plan in %s: %w", s.f.Name(), err)
	}
	s.n++
	return nil
}

// each gives every value back, in the order added.
func (s *spool[T]) each(fn func(T) error) error {
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("keeping the plan in %s: %w", s.f.Name(), err)
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	dec := gob.NewDecoder(bufio.NewReaderSize(s.f, 1<<16))
	for range s.n {
		var v T
		if err := dec.Decode(&v); err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return fmt.Errorf("reading the plan back from %s: %w", s.f.Name(), err)
		}
		if err := fn(v); err != nil {
			return err
		}
	}
	_, err := s.f.Seek(0, io.SeekEnd)
	return err
}

func (s *spool[T]) close() {
	if s == nil {
		return
	}
	s.f.Close()
	if !s.unlinked {
		os.Remove(s.f.Name())
	}
}
