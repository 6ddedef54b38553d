package results

import (
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/zoombulk/zoombulk/internal/sheet"
)

// Removal kinds: the changes limits.max_removals counts and the plan and
// the prompt name before anyone confirms.
const (
	RemoveDowngrade  = "license downgrade"
	RemoveFeature    = "feature removal"
	RemoveDeactivate = "deactivation"
	RemoveDelete     = "deletion"
	// RemoveDisassociate is delete_users with action disassociate: the
	// user leaves the account and keeps a Zoom account of their own. It
	// is a removal, and never called a deletion.
	RemoveDisassociate = "disassociate"
	RemoveGroup        = "group removal"
	RemoveDivision     = "division removal"
	RemoveAssistant    = "assistant removal"
	// contact_groups: a member taken out (sync, undo), a group deleted (undo)
	RemoveContactMember = "contact group member removal"
	RemoveContactGroup  = "contact group deletion"
	RemoveGroupAdmin    = "group admin removal" // group_admins (undo)
	// delete_created (undo): a group or division the undone run created
	RemoveGroupDelete    = "group deletion"
	RemoveDivisionDelete = "division deletion"
)

// Change is one field a plan changes for one row in one step: the diff an
// approver reads. A create lists the fields it sets with Current empty; a
// row the plan fails is listed with its reason.
type Change struct {
	Row     int // zb_row: the sheet's row number
	Email   string
	Step    string
	Action  Action
	Field   string
	Current string
	New     string
	Reason  string
	Removal string // "" or one of the Remove* kinds
	// UserID is the Zoom user ID the row was planned for ("" for a user
	// to create): apply acts only on that person, whoever holds the email.
	UserID string
}

// Change file names.
const (
	ChangesCSV = "changes.csv"
)

var changeColumns = []sheet.Column{
	{Header: ColRow, Kind: sheet.Integer},
	{Header: "email", Width: 30},
	{Header: "step", Width: 16},
	{Header: "action", Width: 12},
	{Header: "field", Width: 24},
	{Header: "current", Width: 24},
	{Header: "new", Width: 24},
	{Header: "reason", Width: 60},
	{Header: "removal", Width: 18},
	{Header: "zb_user_id", Width: 24},
}

func changeCells(c Change) []sheet.Cell {
	row := sheet.IntCell(int64(c.Row))
	if c.Row == 0 { // a sync's removal of a member no input row lists
		row = sheet.EmptyCell()
	}
	return []sheet.Cell{row, sheet.TextCell(c.Email), sheet.TextCell(c.Step), sheet.TextCell(string(c.Action)),
		sheet.TextCell(c.Field), sheet.TextCell(c.Current), sheet.TextCell(c.New), sheet.TextCell(c.Reason), sheet.TextCell(c.Removal), sheet.TextCell(c.UserID)}
}

// PlanReport is what a plan writes: changes.csv, and plan.csv and
// plan.xlsx (sheets Summary, Changes, Rows).
type PlanReport struct {
	Summary [][2]string
	Changes []Change
	Rows    *Results // each input row with its planned action per step
	// EachChange and EachRow, when set, give the changes and the rows in
	// place of Changes and Rows.Rows: a plan too big to hold reads them
	// back from where it put them. Each is called once.
	EachChange func(func(Change) error) error
	EachRow    func(func(ResultRow) error) error
}

func (p *PlanReport) eachChange(fn func(Change) error) error {
	return each(p.EachChange, p.Changes, fn)
}

func (p *PlanReport) eachRow(fn func(ResultRow) error) error {
	return each(p.EachRow, p.Rows.Rows, fn)
}

// each gives fn what source gives, or items when source is nil.
func each[T any](source func(func(T) error) error, items []T, fn func(T) error) error {
	if source != nil {
		return source(fn)
	}
	for _, v := range items {
		if err := fn(v); err != nil {
			return err
		}
	}
	return nil
}

// WritePlan writes the plan files into dir and returns their paths. The
// changes are walked once, each written to changes.csv and to the Changes
// sheet together, and so are the rows (plan.csv, the Rows sheet): a plan
// too big to hold is read back from its spool once, not twice.
func WritePlan(dir string, p *PlanReport) ([]string, error) {
	changes, rowsCSV, xlsx := filepath.Join(dir, ChangesCSV), filepath.Join(dir, PlanCSV), filepath.Join(dir, PlanXLSX)
	// Its temporary files stay in the run folder and go on every path out.
	wb := sheet.NewWorkbookIn(dir)
	defer wb.Close()
	if err := writeSummary(wb, p.Summary); err != nil {
		return nil, err
	}
	t, err := wb.AddTable(sheet.Table{Name: "Changes", Columns: changeColumns})
	if err != nil {
		return nil, err
	}
	if err := writeCSV(changes, changeColumns, func(w sheet.TableWriter) error {
		return p.eachChange(func(c Change) error {
			cells := changeCells(c)
			if err := w.WriteRow(cells, sheet.Plain); err != nil {
				return err
			}
			style := sheet.Plain
			switch {
			case c.Action == ActFail:
				style = sheet.Failed
			case c.Removal != "":
				style = sheet.Warning
			}
			return t.WriteRow(cells, style)
		})
	}); err != nil {
		return nil, err
	}
	if err := t.Close(); err != nil {
		return nil, err
	}
	cols := p.Rows.columns()
	rt, err := wb.AddTable(sheet.Table{Name: "Rows", Columns: cols})
	if err != nil {
		return nil, err
	}
	if err := writeCSV(rowsCSV, cols, func(w sheet.TableWriter) error {
		return p.eachRow(func(row ResultRow) error {
			if err := w.WriteRow(p.Rows.cells(row, false), sheet.Plain); err != nil {
				return err
			}
			return rt.WriteRow(p.Rows.cells(row, true), row.style())
		})
	}); err != nil {
		return nil, err
	}
	if err := rt.Close(); err != nil {
		return nil, err
	}
	if err := wb.SaveAs(xlsx); err != nil {
		return nil, err
	}
	return []string{changes, xlsx, rowsCSV}, nil
}

// writeSummary adds a two-column Summary sheet. Values are stored as what
// they are, so that they sort, sum and reformat in Excel: whole numbers as
// numbers; the times of lines labelled "(UTC)" (RFC 3339 in the text
// files) as date-times; the durations of the "Duration" and "Time ..."
// lines as elapsed time ([h]:mm:ss). Anything else stays text.
func writeSummary(wb *sheet.Workbook, lines [][2]string) error {
	t, err := wb.AddTable(sheet.Table{Name: "Summary", Columns: []sheet.Column{{Header: "What", Width: 34}, {Header: "Value", Width: 70}}})
	if err != nil {
		return err
	}
	for _, kv := range lines {
		if err := t.WriteRow([]sheet.Cell{sheet.TextCell(kv[0]), summaryValue(kv[0], kv[1])}, sheet.Plain); err != nil {
			return err
		}
	}
	return t.Close()
}

// elapsedFormat shows a duration as hours (past 24), minutes and seconds.
const elapsedFormat = "[h]:mm:ss"

// summaryValue is the cell of one Summary line's value.
func summaryValue(label, value string) sheet.Cell {
	if n, err := strconv.ParseInt(value, 10, 64); err == nil {
		return sheet.IntCell(n)
	}
	switch {
	case strings.Contains(label, "(UTC)"):
		if at, err := time.Parse(time.RFC3339, value); err == nil {
			return sheet.DateTimeCell(at.UTC())
		}
	case label == "Duration" || strings.HasPrefix(label, "Time "):
		if d, err := time.ParseDuration(value); err == nil && d >= 0 {
			c := sheet.NumberCell(d.Seconds() / 86400) // Excel counts time in days
			c.Format = elapsedFormat
			return c
		}
	}
	return sheet.TextCell(value)
}
