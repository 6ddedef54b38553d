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

// ChangeRecords renders changes as the records of changes.csv (header
// excluded), through the very writer WritePlan uses and read back with
// encoding/csv: so a plan made now compares field for field with the
// changes.csv an approver signed (ReadChangeRecords), guards and quoting
// included.
func ChangeRecords(changes []Change) ([][]string, error) {
	var buf bytes.Buffer
	w, err := sheet.NewCSVWriter(&buf, changeColumns)
	if err != nil {
		return nil, err
	}
	for _, c := range changes {
		if err := w.WriteRow(changeCells(c), sheet.Plain); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return parseChangeRecords(&buf)
}

// ReadChangeRecords reads the records of a changes.csv (header excluded).
func ReadChangeRecords(path string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parseChangeRecords(f)
}

func parseChangeRecords(r io.Reader) ([][]string, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = len(changeColumns)
	var out [][]string
	for first := true; ; first = false {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if first {
			if len(rec) == 0 || strings.TrimPrefix(rec[0], "\uFEFF") != ColRow {
				return nil, errors.New("not a changes.csv: its first column is not " + ColRow)
			}
			continue
		}
		out = append(out, rec)
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
)
