package jobs

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/mapping"
)

// Validate checks the job's input as ReadSheet does, with the same checks
// and messages, but keeps no rows: what grows with the row count is 8
// bytes a row for the duplicate check (see dupFinder). It returns what was
// read and the number of data rows, and gives every problem to emit, in
// the order Sheet.Problems lists them. A row's duplicate problems come
// last and are only known at the end, so the problems found on the way
// wait in a spill (on disk past spillMemory) until then. Errors are
// ReadSheet's, and nothing is emitted when there is one.
func Validate(job *jobfile.Job, opts ReadOptions, emit func(mapping.Problem) error) (*Input, int, error) {
	var sp spill
	defer sp.close()
	in, dups, err := scanInput(job, opts, sp.write)
	if err != nil {
		return nil, 0, err
	}
	err = sp.replay(func(index int, p mapping.Problem) error {
		for len(dups) > 0 && dups[0].index < index {
			if err := emit(dups[0].p); err != nil {
				return err
			}
			dups = dups[1:]
		}
		return emit(p)
	})
	if err != nil {
		return nil, 0, err
	}
	for _, d := range dups {
		if err := emit(d.p); err != nil {
			return nil, 0, err
		}
	}
	return &in.Input, in.rows, nil
}

// scanInput reads the job's input once, keeping no row: each row's own
// problems go to own as they are found, and the duplicate keys' problems,
// known only at the end, are returned in row order. The input returned is
// closed; its rows field counts the data rows.
func scanInput(job *jobfile.Job, opts ReadOptions, own func(index int, p mapping.Problem) error) (*input, []indexedProblem, error) {
	in, err := openInput(job, opts)
	if err != nil {
		return nil, nil, err
	}
	defer in.close()
	row := make([]Row, 1)
	for {
		sr, err := in.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		in.check(sr, row) // reuses the row's record
		for _, p := range row[0].Record.Problems {
			if err := own(row[0].Index, p); err != nil {
				return nil, nil, err
			}
		}
	}
	if err := in.finish(); err != nil {
		return nil, nil, err
	}
	dups, err := duplicates(in, job, opts)
	if err != nil {
		return nil, nil, err
	}
	return in, dups, nil
}

type indexedProblem struct {
	index int
	p     mapping.Problem
}

// duplicates finds in's duplicate rows, reading the input again as far as
// the last candidate when there are any, and returns their problems in row
// order (a row's key before its email).
func duplicates(in *input, job *jobfile.Job, opts ReadOptions) ([]indexedProblem, error) {
	cands := make([][]int, len(in.dups))
	last := -1
	for n, d := range in.dups {
		cands[n] = d.candidates()
		if len(cands[n]) > 0 {
			last = max(last, cands[n][len(cands[n])-1])
		}
	}
	if last >= 0 {
		again, err := openInput(job, opts)
		if err != nil {
			return nil, err
		}
		defer again.close()
		for i := 0; i <= last; i++ {
			sr, err := again.next()
			if err == io.EOF {
				break // the file changed: the rows read are compared
			}
			if err != nil {
				return nil, err
			}
			var row *Row
			for n, d := range in.dups {
				if len(cands[n]) == 0 || cands[n][0] != i {
					continue
				}
				if row == nil {
					row = &Row{}
					again.mapRow(sr, i, row)
				}
				d.group(row)
				cands[n] = cands[n][1:]
			}
		}
	}
	var out []indexedProblem
	for _, d := range in.dups {
		d.problems(func(i int, p mapping.Problem) { out = append(out, indexedProblem{i, p}) })
	}
	slices.SortStableFunc(out, func(a, b indexedProblem) int { return a.index - b.index })
	return out, nil
}

// spillMemory is how much of the spill stays in memory.
const spillMemory = 4 << 20

// spill keeps problems in order until they can be emitted: in memory, then
// in a temporary file.
type spill struct {
	buf bytes.Buffer
	f   *os.File
}

func (s *spill) write(index int, p mapping.Problem) error {
	b := binary.AppendUvarint(s.buf.AvailableBuffer(), uint64(index))
	b = binary.AppendVarint(b, int64(p.Row))
	for _, f := range [...]string{p.Column, p.Field, p.Value, p.Kind, p.Msg, p.Hint} {
		b = binary.AppendUvarint(b, uint64(len(f)))
		b = append(b, f...)
	}
	s.buf.Write(b)
	if s.buf.Len() < spillMemory {
		return nil
	}
	return s.flush()
}

func (s *spill) flush() error {
	if s.f == nil {
		f, err := os.CreateTemp("", "zoombulk-validate-*")
		if err != nil {
			return fmt.Errorf("keeping the problems found in a temporary file: %w", err)
		}
		s.f = f
	}
	_, err := s.f.Write(s.buf.Bytes())
	s.buf.Reset()
	return err
}

// replay gives back every problem written, in order.
func (s *spill) replay(fn func(index int, p mapping.Problem) error) error {
	var r byteReader = &s.buf
	if s.f != nil {
		if err := s.flush(); err != nil {
			return err
		}
		if _, err := s.f.Seek(0, io.SeekStart); err != nil {
			return err
		}
		r = bufio.NewReader(s.f)
	}
	for {
		index, err := binary.ReadUvarint(r)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		p, err := readProblem(r)
		if err != nil {
			return err
		}
		if err := fn(int(index), p); err != nil {
			return err
		}
	}
}

func readProblem(r byteReader) (p mapping.Problem, err error) {
	row, err := binary.ReadVarint(r)
	p.Row = int(row)
	for _, f := range [...]*string{&p.Column, &p.Field, &p.Value, &p.Kind, &p.Msg, &p.Hint} {
		if err != nil {
			return p, err
		}
		var n uint64
		if n, err = binary.ReadUvarint(r); err == nil {
			b := make([]byte, n)
			_, err = io.ReadFull(r, b)
			*f = string(b)
		}
	}
	return p, err
}

type byteReader interface {
	io.Reader
	io.ByteReader
}

func (s *spill) close() {
	if s.f != nil {
		s.f.Close()
		os.Remove(s.f.Name())
	}
}
