package results

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"strings"

	"github.com/zoombulk/zoombulk/internal/sheet"
)

// EachChangeRecord renders changes as the records of changes.csv (header
// excluded), through the very writer WritePlan uses and read back with
// encoding/csv: so a plan made now compares field for field with the
// changes.csv an approver signed (EachChangeRecordIn), guards and quoting
// included. fn must not keep rec (it is reused).
func EachChangeRecord(changes []Change, fn func(rec []string) error) error {
	var buf bytes.Buffer
	w, err := sheet.NewCSVWriter(&buf, changeColumns)
	if err != nil {
		return err
	}
	for _, c := range changes {
		if err := w.WriteRow(changeCells(c), sheet.Plain); err != nil {
			return err
		}
	}
	if err := w.Close(); err != nil {
		return err
	}
	return eachChangeRecord(&buf, fn)
}

// EachChangeRecordIn reads the records of a changes.csv (header
// excluded), one at a time: a plan of 300,000 rows is never held whole.
// fn must not keep rec (it is reused).
func EachChangeRecordIn(path string, fn func(rec []string) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return eachChangeRecord(f, fn)
}

// EachChangeRecordFrom is EachChangeRecordIn on a changes.csv being read
// from r (through a hash, say).
func EachChangeRecordFrom(r io.Reader, fn func(rec []string) error) error {
	return eachChangeRecord(r, fn)
}

func eachChangeRecord(r io.Reader, fn func([]string) error) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = len(changeColumns)
	cr.ReuseRecord = true
	for first := true; ; first = false {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if first {
			if len(rec) == 0 || strings.TrimPrefix(rec[0], "\uFEFF") != ColRow {
				return errors.New("not a changes.csv: its first column is not " + ColRow)
			}
			continue
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
}

// The columns of a changes.csv record.
const (
	ChangeColRow = iota
	ChangeColEmail
	ChangeColStep
	ChangeColAction
	ChangeColField
	ChangeColCurrent
	ChangeColNew
	ChangeColReason
	ChangeColRemoval
	ChangeColUserID
)
