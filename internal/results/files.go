package results

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/zoombulk/zoombulk/internal/sheet"
)

// ResultRow is one input row's line in the results.
type ResultRow struct {
	Number int      // the sheet's row number (zb_row)
	Cells  []string // the input cells as read
	// Values are the input cells typed as the file had them (XLSX:
	// numbers, dates, booleans with their formats), parallel to Cells;
	// nil for CSV. The workbooks write them typed.
	Values []sheet.Cell
	Status Status // zb_status of a run's row
	// Planned is a plan row's action (plan.csv, plan.xlsx), written in
	// zb_status in place of Status, which a plan row leaves empty.
	Planned    Action
	Step       string // zb_step: the step that failed or was deferred
	HTTPStatus int
	ErrorCode  int
	Reason     string
	Hint       string
	UserID     string
	TrackingID string   // Zoom's x-zm-trackingid of the failed call
	Steps      []string // zb_<step>, one per step
	// Action and Target are set on the rows a sync adds (members no input
	// row lists, taken out): zb_action `remove (not listed)` and what
	// they are taken out of. Such rows have no row number (Number 0).
	Action Action
	Target string
}

// Results is a run's report.
type Results struct {
	Header []string // the input's header
	Steps  []string // step names, for the zb_<step> columns
	Rows   []ResultRow
	// EachRow, when set, gives the rows in place of Rows, twice (results.csv
	// with the Results sheet, failed.csv with the Failures sheet): a run
	// makes each row's line as it is written rather than hold them.
	EachRow func(func(ResultRow) error) error
	Summary [][2]string // label, value lines of the Summary sheet
	// NoWorkbook skips results.xlsx: a run told to stop at once writes the
	// CSV files only, which take a moment.
	NoWorkbook bool
}

// ColRow is the column that carries a row's original number, in results
// and failed.csv; a sheet that has it (failed.csv fed back) keeps it.
const ColRow = "zb_row"

// IsReportColumn says whether a header is one of the columns the tool adds
// (zb_...): those are never mapped, and not copied again.
func IsReportColumn(h string) bool {
	return strings.HasPrefix(strings.ToLower(strings.TrimSpace(h)), "zb_")
}

// Result file names.
const (
	ResultsCSV  = "results.csv"
	ResultsXLSX = "results.xlsx"
	FailedCSV   = "failed.csv"
	PlanCSV     = "plan.csv"
	PlanXLSX    = "plan.xlsx"
)

// zbStatus is the zb_status cell: the status of a run's row, the action of
// a plan's.
func (row ResultRow) zbStatus() string {
	if row.Planned != "" {
		return string(row.Planned)
	}
	return string(row.Status)
}

// style is how the workbooks colour a row: failures red, the other rows
// that need a look amber.
func (row ResultRow) style() sheet.RowStyle {
	switch {
	case row.Status == Failed, row.Planned == ActFail:
		return sheet.Failed
	case row.Status != "" && row.Status.NeedsLook():
		return sheet.Warning
	}
	return sheet.Plain
}

func (r *Results) columns() []sheet.Column {
	cols := make([]sheet.Column, 0, len(r.Header)+8+len(r.Steps))
	for _, h := range r.Header {
		cols = append(cols, sheet.Column{Header: h})
	}
	cols = append(cols,
		sheet.Column{Header: "zb_row", Kind: sheet.Integer},
		sheet.Column{Header: "zb_status"},
		sheet.Column{Header: "zb_step"},
		sheet.Column{Header: "zb_http_status", Kind: sheet.Integer},
		sheet.Column{Header: "zb_error_code", Kind: sheet.Integer},
		sheet.Column{Header: "zb_reason", Width: 60},
		sheet.Column{Header: "zb_hint", Width: 60},
		sheet.Column{Header: "zb_user_id", Width: 26},
		sheet.Column{Header: "zb_tracking_id", Width: 26},
		sheet.Column{Header: "zb_action", Width: 20},
		sheet.Column{Header: "zb_target", Width: 30},
	)
	for _, s := range r.Steps {
		cols = append(cols, sheet.Column{Header: "zb_" + s})
	}
	return cols
}

// cells is a row's line; typed keeps the input's numbers and dates (for
// workbooks), else the input cells are the text as read (for CSV).
func (r *Results) cells(row ResultRow, typed bool) []sheet.Cell {
	cells := make([]sheet.Cell, 0, len(r.Header)+8+len(r.Steps))
	for i := range r.Header {
		switch {
		case typed && i < len(row.Values):
			cells = append(cells, row.Values[i])
		case i < len(row.Cells):
			cells = append(cells, sheet.TextCell(row.Cells[i]))
		default:
			cells = append(cells, sheet.EmptyCell())
		}
	}
	num := func(n int) sheet.Cell {
		if n == 0 {
			return sheet.EmptyCell()
		}
		return sheet.IntCell(int64(n))
	}
	// A row a sync adds is no input row: its zb_row is empty, not 0.
	cells = append(cells, num(row.Number), sheet.TextCell(row.zbStatus()), sheet.TextCell(row.Step),
		num(row.HTTPStatus), num(row.ErrorCode), sheet.TextCell(row.Reason), sheet.TextCell(row.Hint), sheet.TextCell(row.UserID), sheet.TextCell(row.TrackingID),
		sheet.TextCell(string(row.Action)), sheet.TextCell(row.Target))
	for i := range r.Steps {
		v := ""
		if i < len(row.Steps) {
			v = row.Steps[i]
		}
		cells = append(cells, sheet.TextCell(v))
	}
	return cells
}

func (r *Results) eachRow(fn func(ResultRow) error) error { return each(r.EachRow, r.Rows, fn) }

// WriteResults writes results.csv, results.xlsx and failed.csv into dir
// and returns their paths. The rows are walked twice, not four times:
// results.csv with the Results sheet, then failed.csv with the Failures
// sheet (a run makes each row's line again at every walk).
func WriteResults(dir string, r *Results) ([]string, error) {
	paths := []string{filepath.Join(dir, ResultsCSV), filepath.Join(dir, ResultsXLSX), filepath.Join(dir, FailedCSV)}
	var wb *sheet.Workbook
	if r.NoWorkbook {
		paths = []string{paths[0], paths[2]}
	} else {
		// Its temporary files stay in the run folder and go on every path out.
		wb = sheet.NewWorkbookIn(dir)
		defer wb.Close()
	}
	cols := r.columns()
	if err := r.writeWithSheet(wb, "Results", paths[0], cols, func(row ResultRow) ([]sheet.Cell, bool) {
		return r.cells(row, false), true
	}, nil); err != nil {
		return nil, err
	}
	if wb != nil {
		if err := writeSummary(wb, r.Summary); err != nil {
			return nil, err
		}
	}
	// failed.csv: the input columns, fixable and fed back with --input;
	// the zb_ columns are not mapped, and zb_row keeps the row numbers.
	var inputCols []sheet.Column
	for _, h := range r.Header {
		if !IsReportColumn(h) {
			inputCols = append(inputCols, sheet.Column{Header: h})
		}
	}
	inputCols = append(inputCols, sheet.Column{Header: ColRow, Kind: sheet.Integer}, sheet.Column{Header: "zb_step"},
		sheet.Column{Header: "zb_reason"}, sheet.Column{Header: "zb_hint"}, sheet.Column{Header: "zb_user_id"})
	if err := r.writeWithSheet(wb, "Failures", paths[len(paths)-1], inputCols, func(row ResultRow) ([]sheet.Cell, bool) {
		// A sync's own rows are not input rows: fed back with --input
		// they would list the member they took out.
		if row.Number == 0 {
			return nil, false
		}
		var cells []sheet.Cell
		for i, h := range r.Header {
			if IsReportColumn(h) {
				continue
			}
			v := ""
			if i < len(row.Cells) {
				v = row.Cells[i]
			}
			cells = append(cells, sheet.TextCell(v))
		}
		cells = append(cells, sheet.IntCell(int64(row.Number)), sheet.TextCell(row.Step), sheet.TextCell(row.Reason), sheet.TextCell(row.Hint), sheet.TextCell(row.UserID))
		return cells, true
	}, func(row ResultRow) bool { return row.Status.NeedsLook() }); err != nil {
		return nil, err
	}
	if wb != nil {
		if err := wb.SaveAs(paths[1]); err != nil {
			return nil, err
		}
	}
	return paths, nil
}

// writeWithSheet walks the rows once (those keep accepts; nil: all),
// writing each to the CSV file at path as line makes it (ok false:
// not in the file) and, with a workbook, to its sheet name in the
// results' own columns.
func (r *Results) writeWithSheet(wb *sheet.Workbook, name, path string, cols []sheet.Column, line func(ResultRow) ([]sheet.Cell, bool), keep func(ResultRow) bool) error {
	var t sheet.TableWriter
	if wb != nil {
		var err error
		if t, err = wb.AddTable(sheet.Table{Name: name, Columns: r.columns()}); err != nil {
			return err
		}
	}
	if err := writeCSV(path, cols, func(w sheet.TableWriter) error {
		return r.eachRow(func(row ResultRow) error {
			if keep != nil && !keep(row) {
				return nil
			}
			if t != nil {
				if err := t.WriteRow(r.cells(row, true), row.style()); err != nil {
					return err
				}
			}
			if cells, ok := line(row); ok {
				return w.WriteRow(cells, sheet.Plain)
			}
			return nil
		})
	}); err != nil {
		return err
	}
	if t != nil {
		return t.Close()
	}
	return nil
}

// writeCSV streams a table into path, all or nothing.
func writeCSV(path string, cols []sheet.Column, rows func(sheet.TableWriter) error) error {
	return sheet.WriteAtomic(path, func(f io.Writer) error {
		w, err := sheet.NewCSVWriter(f, cols)
		if err != nil {
			return err
		}
		if err := rows(w); err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
		return w.Close()
	})
}
