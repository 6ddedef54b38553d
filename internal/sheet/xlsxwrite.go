package sheet

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

const (
	defaultSheet = "Sheet1" // the sheet excelize.NewFile starts with
	listsSheet   = "_lists" // hidden sheet holding long dropdown lists
	// widthSample is how many rows are buffered to size columns
	// automatically: the stream writer needs widths before the first row.
	widthSample  = 100
	maxAutoWidth = 60.0
	// maxExactInt is the largest integer Excel shows exactly (15 digits);
	// bigger IntCells are written as text so no digit is lost.
	maxExactInt = 999_999_999_999_999
	// maxSizedColumns is how many columns of a table get a width set (see
	// xlsxTable.start).
	maxSizedColumns = 256
)

// Workbook writes an XLSX workbook with one or more tables, each streamed
// with excelize's StreamWriter (rows in order, bounded memory: the first
// 100 rows of a table are held back to size its columns, the rest go
// straight to a temporary file). Add tables one at a time, then SaveAs or
// Write once. The first table becomes the active sheet; excelize's default
// empty "Sheet1" is removed as soon as another sheet exists (a table named
// "Sheet1" reuses it). Sheet names must be valid Excel names without
// apostrophes. A Workbook is not safe for concurrent use.
type Workbook struct {
	f            *excelize.File
	open         *xlsxTable
	tables       []string // sheets added as tables, in order
	written      map[string]bool
	defaultInUse bool
	defaultGone  bool
	styles       map[styleKey]int
	lists        [][]string // dropdown lists for the hidden lists sheet, written by finish
	prints       map[string]*printInfo
	done         bool
	tmpDir       string      // where temporary files go ("": the system's folder)
	spools       []*rowSpool // the tables' data rows, spliced in at the end
}

// NewWorkbook starts an empty workbook. Its stream writers keep their
// rows past the first few in temporary files in the system's temporary
// folder; NewWorkbookIn chooses the folder.
func NewWorkbook() *Workbook {
	return NewWorkbookIn("")
}

// NewWorkbookIn starts an empty workbook whose temporary files go into
// dir ("" for the system's temporary folder): a run keeps them in its own
// folder, so that nothing of a plan of a million rows is left in $TMPDIR.
// Close (which SaveAs and Write call) removes them; call it on every path
// that gives the workbook up.
func NewWorkbookIn(dir string) *Workbook {
	return &Workbook{f: excelize.NewFile(excelize.Options{TmpDir: dir}), written: map[string]bool{}, styles: map[styleKey]int{}, tmpDir: dir}
}

// maxSheetRows is the most rows a sheet takes, the header included:
// Excel's 1,048,576 (tests lower it). A table with more rows goes on in
// further sheets ("Changes 2", "Changes 3", ...), each with the header.
var maxSheetRows = excelize.TotalRows

var errWorkbookDone = errors.New("sheet: workbook already saved or closed")

// AddTable starts a new sheet and returns its writer. Only one table can be
// open at a time: Close the previous one first. The sheet gets a bold,
// filled header row that stays frozen, an autofilter over the written range,
// column widths, and typed cells.
func (wb *Workbook) AddTable(t Table) (TableWriter, error) {
	if wb.done {
		return nil, errWorkbookDone
	}
	if wb.open != nil {
		return nil, fmt.Errorf("sheet: table %q is still open; close it before adding another", wb.open.name)
	}
	if len(t.Columns) == 0 {
		return nil, fmt.Errorf("sheet: table %q has no columns", t.Name)
	}
	if len(t.Columns) > excelize.MaxColumns {
		return nil, fmt.Errorf("sheet: table %q has %d columns, Excel allows %d", t.Name, len(t.Columns), excelize.MaxColumns)
	}
	name := t.Name
	if name == "" {
		name = fmt.Sprintf("Sheet%d", len(wb.tables)+1)
	}
	if err := wb.newSheet(name); err != nil {
		return nil, err
	}
	if err := wb.sheetProps(name); err != nil {
		return nil, fmt.Errorf("sheet: table %q: %w", name, err)
	}
	p := wb.printInfo(name)
	p.opts, p.table, p.cols = t.Print, true, len(t.Columns)
	if len(wb.tables) == 0 {
		// The workbook opens on its first table. Said now, while the sheet
		// is empty: SetActiveSheet reads every sheet back, and at SaveAs
		// that would parse (and then write again) every streamed row.
		if idx, err := wb.f.GetSheetIndex(name); err == nil && idx >= 0 {
			wb.f.SetActiveSheet(idx)
		}
	}
	sw, err := wb.f.NewStreamWriter(name)
	if err != nil {
		return nil, fmt.Errorf("sheet: table %q: %w", name, err)
	}
	wb.tables = append(wb.tables, name)
	tw := &xlsxTable{wb: wb, name: name, base: name, part: 1, sw: sw, cols: append([]Column(nil), t.Columns...)}
	tw.contentWidth = make([]int, len(t.Columns))
	if err := tw.startSpool(); err != nil {
		return nil, err
	}
	wb.open = tw
	return tw, nil
}

// newSheet creates a sheet, reusing the default empty "Sheet1" when asked
// for it and deleting it as soon as another sheet exists.
func (wb *Workbook) newSheet(name string) error {
	if strings.ContainsAny(name, "'") {
		return fmt.Errorf("sheet: sheet name %q: apostrophes are not supported", name)
	}
	if utf8.RuneCountInString(name) > 31 || strings.ContainsAny(name, `[]:*?/\`) || strings.TrimSpace(name) == "" {
		return fmt.Errorf("sheet: invalid sheet name %q (at most 31 characters, none of [ ] : * ? / \\)", name)
	}
	if !wb.defaultGone && !wb.defaultInUse && strings.EqualFold(name, defaultSheet) {
		wb.defaultInUse = true
		if name != defaultSheet {
			if err := wb.f.SetSheetName(defaultSheet, name); err != nil {
				return err
			}
		}
		return nil
	}
	for _, s := range wb.f.GetSheetList() {
		if strings.EqualFold(s, name) && (s != defaultSheet || wb.defaultInUse) {
			return fmt.Errorf("sheet: a sheet named %q already exists", s)
		}
	}
	if _, err := wb.f.NewSheet(name); err != nil {
		return fmt.Errorf("sheet: sheet %q: %w", name, err)
	}
	if !wb.defaultGone && !wb.defaultInUse {
		if err := wb.f.DeleteSheet(defaultSheet); err != nil {
			return err
		}
		wb.defaultGone = true
	}
	return nil
}

// SaveAs writes the workbook to path (through a temporary file in the same
// folder, renamed into place) and releases it. An open table is closed
// first. The Workbook cannot be used afterwards.
func (wb *Workbook) SaveAs(path string) (err error) {
	if wb.done {
		return errWorkbookDone
	}
	defer func() {
		if cerr := wb.Close(); err == nil {
			err = cerr
		}
	}()
	if err := wb.finish(); err != nil {
		return err
	}
	return WriteAtomic(path, wb.writeZip)
}

// Write writes the workbook to w and releases it. An open table is closed
// first. The Workbook cannot be used afterwards.
func (wb *Workbook) Write(w io.Writer) (err error) {
	if wb.done {
		return errWorkbookDone
	}
	defer func() {
		if cerr := wb.Close(); err == nil {
			err = cerr
		}
	}()
	if err := wb.finish(); err != nil {
		return err
	}
	return wb.writeZip(w)
}

// writeZip streams the workbook's zip to w. excelize's own Write builds
// the whole file in a memory buffer first (about 70 MB for a 300,000-row
// export, as the buffer doubles); a zip writer on w itself keeps memory
// flat. Nothing then reaches the buffer excelize writes to io.Discard.
// The parts are compressed at flate's best speed, on every core
// (parallelDeflate): the default level on one core took twice as long
// (1.3 s against 0.6 s for 100,000 users) for a file a fifth smaller (11
// MB against 14), a fair trade for an export read once. The tables' data
// rows were compressed as they were written (rowSpool) and are spliced in
// (splicer): what is left to compress here is the sheets' frames.
func (wb *Workbook) writeZip(w io.Writer) error {
	spools := map[string]*rowSpool{}
	for _, s := range wb.spools {
		spools[s.part] = s
	}
	wb.f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return newSplicer(w, spools) })
	_, err := wb.f.WriteTo(io.Discard)
	return err
}

// Close releases the workbook (temporary files included) without writing
// it. Safe to call more than once, and after SaveAs or Write.
func (wb *Workbook) Close() error {
	if wb.f == nil {
		return nil
	}
	if wb.open != nil {
		wb.open.closed = true
		wb.open = nil
	}
	wb.done = true
	err := wb.f.Close()
	wb.f = nil
	for _, s := range wb.spools {
		s.discard()
	}
	wb.spools = nil
	return err
}

func (wb *Workbook) finish() error {
	if wb.open != nil {
		if err := wb.open.Close(); err != nil {
			return err
		}
	}
	if err := wb.writeLists(); err != nil {
		return err
	}
	return wb.printNames()
}

// styleKey identifies a cell style: the row style and the value's format.
type styleKey struct {
	row    RowStyle
	kind   Kind
	header bool
	format string // Cell.Format, for number and date kinds
}

func (wb *Workbook) style(k styleKey) (int, error) {
	if id, ok := wb.styles[k]; ok {
		return id, nil
	}
	st := &excelize.Style{}
	switch k.kind {
	case Text:
		st.NumFmt = 49 // "@": stays text even when the user edits the cell
	case Integer:
		st.NumFmt = 1 // "0": no exponent for long numbers
	case Date:
		code := "yyyy-mm-dd"
		st.CustomNumFmt = &code
	case DateTime:
		code := "yyyy-mm-dd hh:mm"
		st.CustomNumFmt = &code
	}
	if k.format != "" && k.kind != Text && k.kind != Bool {
		// The input cell's own format: a built-in one by its id, so it
		// keeps following the reader's locale (14 is the short date).
		if id, ok := builtinFormatID(k.format); ok {
			st.NumFmt, st.CustomNumFmt = id, nil
		} else {
			code := k.format
			st.NumFmt, st.CustomNumFmt = 0, &code
		}
	}
	if k.header {
		st.Font = &excelize.Font{Bold: true}
		st.Fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9E1F2"}}
		st.Border = []excelize.Border{{Type: "bottom", Color: "8EA9DB", Style: 1}}
		st.Alignment = &excelize.Alignment{Vertical: "center"}
	}
	switch k.row {
	case Failed:
		st.Fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFC7CE"}}
	case Warning:
		st.Fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFEB9C"}}
	case Muted:
		st.Font = &excelize.Font{Italic: true, Color: "808080"}
	}
	id, err := wb.f.NewStyle(st)
	if err != nil {
		return 0, err
	}
	wb.styles[k] = id
	return id, nil
}

// xlsxTable is the TableWriter of one sheet.
type xlsxTable struct {
	wb           *Workbook
	name         string // the sheet being written
	base         string // the table's name: its first sheet's
	part         int    // 1 for the first sheet, 2 for "base 2", ...
	sw           *excelize.StreamWriter
	cols         []Column
	pending      [][]Cell   // first rows, kept to size the columns
	pendingStyle []RowStyle //
	contentWidth []int      // widest value seen per column, in characters
	started      bool
	row          int // last sheet row written
	closed       bool
	vals         []any
	cells        []excelize.Cell // what vals point to: a pointer boxes without a copy
	spool        *rowSpool       // the data rows of the sheet being written (nil: through excelize)
	refs         []string        // the columns' letters
	buf, num     []byte          // a row and a number being encoded
}

func (t *xlsxTable) WriteRow(cells []Cell, style RowStyle) error {
	if t.closed {
		return errClosed
	}
	if len(cells) > len(t.cols) {
		return fmt.Errorf("sheet: table %q: row has %d cells, the table %d columns", t.name, len(cells), len(t.cols))
	}
	if !t.started {
		for i, c := range cells {
			if w := displayWidth(c); w > t.contentWidth[i] {
				t.contentWidth[i] = w
			}
		}
		t.pending = append(t.pending, append([]Cell(nil), cells...))
		t.pendingStyle = append(t.pendingStyle, style)
		if len(t.pending) < widthSample {
			return nil
		}
		return t.start()
	}
	return t.writeRow(cells, style, false)
}

// start sets the column widths and panes, writes the header and the rows
// held back so far.
func (t *xlsxTable) start() error {
	t.started = true
	// excelize's StreamWriter.SetColWidth merges each call into the
	// column list in time proportional to the columns set so far (10,000
	// columns took minutes), so: one call per run of equal widths, and
	// explicit widths for the first maxSizedColumns columns only; the rest
	// keep Excel's default width. Last run first: excelize puts each new
	// <col> before the existing ones, and Excel wants them in ascending
	// order.
	n := min(len(t.cols), maxSizedColumns)
	widths := make([]float64, n)
	for i := range n {
		w := t.cols[i].Width
		if w <= 0 {
			w = autoWidth(t.cols[i], t.contentWidth[i])
		}
		widths[i] = min(w, 255)
	}
	t.wb.printInfo(t.name).widths = widths
	for hi := n - 1; hi >= 0; {
		lo := hi
		for lo > 0 && widths[lo-1] == widths[hi] {
			lo--
		}
		if err := t.sw.SetColWidth(lo+1, hi+1, widths[hi]); err != nil {
			return err
		}
		hi = lo - 1
	}
	if err := t.sw.SetPanes(&excelize.Panes{
		Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}},
	}); err != nil {
		return err
	}
	header := make([]Cell, len(t.cols))
	for i, c := range t.cols {
		header[i] = TextCell(c.Header)
	}
	if err := t.writeRow(header, Plain, true); err != nil {
		return err
	}
	// Taken off first: a sheet that fills up while they are written goes
	// on in the next one, which starts without them.
	pending, styles := t.pending, t.pendingStyle
	t.pending, t.pendingStyle = nil, nil
	for i, cells := range pending {
		if err := t.writeRow(cells, styles[i], false); err != nil {
			return err
		}
	}
	return nil
}

func autoWidth(c Column, content int) float64 {
	w := float64(utf8.RuneCountInString(c.Header))*1.1 + 3 // bold, plus the filter button
	kindMin := map[Kind]float64{Text: 8, Number: 8, Integer: 8, Date: 11, DateTime: 17, Bool: 7}[c.Kind]
	w = math.Max(w, kindMin)
	w = math.Max(w, float64(content)+1.5)
	return math.Min(w, maxAutoWidth)
}

// displayWidth estimates how many characters a cell shows.
func displayWidth(c Cell) int {
	switch c.Kind {
	case Date:
		return 10
	case DateTime:
		return 16
	case Bool:
		return 5
	}
	s := c.String()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 4*int(maxAutoWidth) {
		return int(maxAutoWidth)
	}
	return utf8.RuneCountInString(s)
}

func (t *xlsxTable) writeRow(cells []Cell, style RowStyle, header bool) error {
	if t.row >= maxSheetRows {
		if header {
			return fmt.Errorf("sheet: table %q: Excel sheets hold at most %d rows", t.name, maxSheetRows)
		}
		if err := t.nextSheet(); err != nil {
			return err
		}
	}
	t.row++
	if t.spool != nil && !header {
		return t.encodeRow(cells, style)
	}
	if cap(t.vals) < len(t.cols) {
		t.vals, t.cells = make([]any, len(t.cols)), make([]excelize.Cell, len(t.cols))
	}
	vals := t.vals[:len(t.cols)]
	for i := range vals {
		c := EmptyCell()
		if i < len(cells) {
			c = cells[i]
		}
		v, kind := xlsxValue(c)
		if v == nil && style == Plain && !header {
			vals[i] = nil
			continue
		}
		format := ""
		if kind == c.Kind {
			format = c.Format
		}
		id, err := t.wb.style(styleKey{row: style, kind: kind, header: header, format: format})
		if err != nil {
			return err
		}
		t.cells[i] = excelize.Cell{StyleID: id, Value: v}
		vals[i] = &t.cells[i]
	}
	cell, err := excelize.CoordinatesToCellName(1, t.row)
	if err != nil {
		return err
	}
	return t.sw.SetRow(cell, vals)
}

// xlsxValue converts a Cell to the value given to the stream writer and the
// kind whose number format it takes. Text is always a plain string, which
// excelize writes as an inline string: never a formula.
func xlsxValue(c Cell) (any, Kind) {
	if c.empty() {
		return nil, c.Kind
	}
	switch c.Kind {
	case Number:
		return c.N, Number
	case Integer:
		if c.I > maxExactInt || c.I < -maxExactInt {
			return c.String(), Text
		}
		return c.I, Integer
	case Date, DateTime:
		serial, ok := excelSerial(c.T, c.Kind == Date)
		if !ok {
			return c.String(), Text
		}
		return serial, c.Kind
	case Bool:
		return c.B, Bool
	}
	return c.S, Text
}

// excelSerial converts the wall clock of t (in its own location) to an Excel
// serial date in the 1900 system; false before 1900-03-01 or after
// 9999-12-31, where that is ambiguous or impossible.
func excelSerial(t time.Time, dateOnly bool) (float64, bool) {
	y, m, d := t.Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	base := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	if day.Before(time.Date(1900, 3, 1, 0, 0, 0, 0, time.UTC)) || y > 9999 {
		return 0, false
	}
	days := float64((day.Unix() - base.Unix()) / 86400)
	if dateOnly {
		return days, true
	}
	hh, mm, ss := t.Clock()
	secs := float64(hh*3600+mm*60+ss) + float64(t.Nanosecond())/1e9
	return days + secs/86400, true
}

func (t *xlsxTable) Close() error {
	if t.closed {
		return nil
	}
	t.closed = true
	t.wb.open = nil
	if !t.started {
		if err := t.start(); err != nil {
			return err
		}
	}
	return t.finishSheet()
}

// nextSheet ends a full sheet and goes on in the next one, "Name 2" (then
// 3, ...), with the same columns, widths and header: past Excel's
// 1,048,576 rows a plan or a report still succeeds, and every row is in the
// workbook.
func (t *xlsxTable) nextSheet() error {
	if err := t.finishSheet(); err != nil {
		return err
	}
	t.part++
	suffix := fmt.Sprintf(" %d", t.part)
	base := []rune(t.base)
	if keep := 31 - len(suffix); len(base) > keep {
		base = base[:keep]
	}
	name := string(base) + suffix
	if err := t.wb.newSheet(name); err != nil {
		return err
	}
	sw, err := t.wb.f.NewStreamWriter(name)
	if err != nil {
		return fmt.Errorf("sheet: table %q: %w", name, err)
	}
	t.wb.tables = append(t.wb.tables, name)
	t.name, t.sw, t.row = name, sw, 0
	if err := t.startSpool(); err != nil {
		return err
	}
	return t.start()
}

// finishSheet puts the autofilter and the dropdowns on the sheet being
// written and flushes it.
func (t *xlsxTable) finishSheet() error {
	last, err := excelize.CoordinatesToCellName(len(t.cols), t.row)
	if err != nil {
		return err
	}
	if err := t.wb.f.AutoFilter(t.name, "A1:"+last, nil); err != nil {
		return fmt.Errorf("sheet: table %q: autofilter: %w", t.name, err)
	}
	p := t.wb.printInfo(t.name)
	p.rows = t.row
	if err := t.wb.pageSetup(t.name, p); err != nil {
		return err
	}
	for i, c := range t.cols {
		if len(c.Choices) == 0 {
			continue
		}
		if err := t.wb.addDropList(t.name, i+1, c); err != nil {
			return fmt.Errorf("sheet: table %q, column %q: %w", t.name, c.Header, err)
		}
	}
	if t.spool != nil {
		if err := t.spool.finish(); err != nil {
			return err
		}
	}
	if err := t.sw.Flush(); err != nil {
		return err
	}
	t.wb.written[t.name] = true
	return nil
}

// addDropList puts a dropdown on the data cells of column col.
func (wb *Workbook) addDropList(sheet string, col int, c Column) error {
	first, _ := excelize.CoordinatesToCellName(col, 2)
	last, _ := excelize.CoordinatesToCellName(col, excelize.TotalRows)
	dv := excelize.NewDataValidation(true)
	dv.Sqref = first + ":" + last
	// An inline list is comma-separated and quoted: a choice holding a
	// comma or a quote, or a list too long for the inline form, goes on a
	// hidden sheet instead.
	if inlineUnsafe(c.Choices) || dv.SetDropList(c.Choices) != nil {
		ref, err := wb.listRange(c.Choices)
		if err != nil {
			return err
		}
		dv.SetSqrefDropList(ref)
	}
	dv.SetError(excelize.DataValidationErrorStyleWarning, c.Header, "This value is not in the list. Use it anyway?")
	return wb.f.AddDataValidation(sheet, dv)
}

func inlineUnsafe(choices []string) bool {
	for _, c := range choices {
		if strings.ContainsAny(c, ",\"") {
			return true
		}
	}
	return false
}

// listRange reserves a column of the hidden lists sheet for values (the
// sheet is written by finish, so it comes last) and returns an absolute
// reference to them.
func (wb *Workbook) listRange(values []string) (string, error) {
	wb.lists = append(wb.lists, append([]string(nil), values...))
	col, err := excelize.ColumnNumberToName(len(wb.lists))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("'%s'!$%s$1:$%s$%d", listsSheet, col, col, len(values)), nil
}

// writeLists writes the hidden lists sheet.
func (wb *Workbook) writeLists() error {
	if len(wb.lists) == 0 {
		return nil
	}
	if err := wb.newSheet(listsSheet); err != nil {
		return err
	}
	for i, values := range wb.lists {
		col, _ := excelize.ColumnNumberToName(i + 1)
		for j, v := range values {
			if err := wb.f.SetCellStr(listsSheet, fmt.Sprintf("%s%d", col, j+1), v); err != nil {
				return err
			}
		}
	}
	return wb.f.SetSheetVisible(listsSheet, false)
}

// ChartKind is the type of a summary chart.
type ChartKind int

// Chart kinds.
const (
	BarChart    ChartKind = iota // horizontal bars: best for long category names
	ColumnChart                  // vertical bars
	PieChart
)

// Chart is a small chart of one (category, value) series, for summary
// sheets. Ranges are A1-style on DataSheet, e.g. Categories "A2:A6" and
// Values "B2:B6" (our tables put data from row 2 down; see CellRange).
type Chart struct {
	Kind       ChartKind
	Title      string
	DataSheet  string // sheet holding the data; "" = the sheet the chart goes on
	Categories string // range of the category labels
	Values     string // range of the values
	Anchor     string // top-left cell of the chart, e.g. "E2"; "" = "E2"
	Width      uint   // pixels; 0 = 480
	Height     uint   // pixels; 0 = 288
}

// CellRange returns the A1-style range from (col1,row1) to (col2,row2),
// 1-based: CellRange(1, 2, 1, 6) is "A2:A6".
func CellRange(col1, row1, col2, row2 int) string {
	a, err1 := excelize.CoordinatesToCellName(col1, row1)
	b, err2 := excelize.CoordinatesToCellName(col2, row2)
	if err1 != nil || err2 != nil {
		return ""
	}
	return a + ":" + b
}

// AddChart places a bar, column or pie chart on sheet. The sheet is either
// the table currently open (the chart is written when it closes), or a new
// plain sheet created for the chart. A table already closed cannot take a
// chart: add it before closing the table.
func (wb *Workbook) AddChart(sheet string, c Chart) error {
	if wb.done {
		return errWorkbookDone
	}
	if wb.written[sheet] {
		return fmt.Errorf("sheet: sheet %q is already written; add its charts before closing its table", sheet)
	}
	exists := false
	for _, s := range wb.f.GetSheetList() {
		if s == sheet && (s != defaultSheet || wb.defaultInUse) {
			exists = true
		}
	}
	if !exists {
		if err := wb.newSheet(sheet); err != nil {
			return err
		}
		wb.written[sheet] = false
	}
	data := c.DataSheet
	if data == "" {
		data = sheet
	}
	cats, err := absRange(data, c.Categories)
	if err != nil {
		return fmt.Errorf("sheet: chart %q categories: %w", c.Title, err)
	}
	vals, err := absRange(data, c.Values)
	if err != nil {
		return fmt.Errorf("sheet: chart %q values: %w", c.Title, err)
	}
	// Axis labels and data labels in near-black: Excel's default grey
	// prints pale.
	ink := excelize.Font{Color: chartInk, Size: 9}
	ch := &excelize.Chart{
		Series:    []excelize.ChartSeries{{Name: seriesName(data, c.Values), Categories: cats, Values: vals, DataLabel: excelize.ChartDataLabel{Font: ink}}},
		Dimension: excelize.ChartDimension{Width: 480, Height: 288},
		Legend:    excelize.ChartLegend{Position: "none"},
		PlotArea:  excelize.ChartPlotArea{ShowVal: true},
		XAxis:     excelize.ChartAxis{Font: ink},
		YAxis:     excelize.ChartAxis{Font: ink, MajorGridLines: true},
	}
	if c.Title != "" {
		ch.Title = excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: c.Title}}}
	}
	if c.Width > 0 {
		ch.Dimension.Width = c.Width
	}
	if c.Height > 0 {
		ch.Dimension.Height = c.Height
	}
	switch c.Kind {
	case BarChart:
		ch.Type = excelize.Bar
	case ColumnChart:
		ch.Type = excelize.Col
	case PieChart:
		// The categories in a legend, the shares outside the slices with
		// leader lines, and no label for an empty slice ("0%;;" shows
		// nothing for zero): labels inside small slices overlapped.
		ch.Type = excelize.Pie
		ch.Legend = excelize.ChartLegend{Position: "right"}
		ch.PlotArea = excelize.ChartPlotArea{ShowPercent: true, ShowLeaderLines: true, NumFmt: excelize.ChartNumFmt{CustomNumFmt: "0%;;"}}
		ch.Series[0].DataLabelPosition = excelize.ChartDataLabelsPositionOutsideEnd
	default:
		return fmt.Errorf("sheet: unknown chart kind %d", c.Kind)
	}
	anchor := c.Anchor
	if anchor == "" {
		anchor = "E2"
	}
	if err := wb.f.AddChart(sheet, anchor, ch); err != nil {
		return fmt.Errorf("sheet: chart %q: %w", c.Title, err)
	}
	// The print area grows to hold the chart. A table's sheet gets its
	// page setup when the table closes; a plain chart sheet now.
	p := wb.printInfo(sheet)
	if err := p.addChart(anchor, ch.Dimension.Width, ch.Dimension.Height); err != nil {
		return fmt.Errorf("sheet: chart %q: %w", c.Title, err)
	}
	if !p.table {
		if err := wb.sheetProps(sheet); err != nil {
			return err
		}
		if err := wb.pageSetup(sheet, p); err != nil {
			return err
		}
	}
	return nil
}

// chartInk is the colour of a chart's axis and data labels.
const chartInk = "262626"

// absRange turns "A2:A6" into "'Sheet'!$A$2:$A$6".
// seriesName is the cell above a values range: its column header. Excel
// reads a series name as a cell reference, so plain text there is a
// broken workbook that Excel offers to repair.
func seriesName(sheet, values string) string {
	first, _, _ := strings.Cut(values, ":")
	col, row, err := excelize.CellNameToCoordinates(strings.ReplaceAll(first, "$", ""))
	if err != nil || row < 2 {
		return ""
	}
	name, _ := excelize.ColumnNumberToName(col)
	return fmt.Sprintf("'%s'!$%s$%d", strings.ReplaceAll(sheet, "'", "''"), name, row-1)
}

func absRange(sheet, ref string) (string, error) {
	parts := strings.Split(ref, ":")
	if len(parts) != 2 {
		return "", fmt.Errorf("range %q: want A1-style FROM:TO", ref)
	}
	abs := make([]string, 2)
	for i, p := range parts {
		col, row, err := excelize.CellNameToCoordinates(strings.ReplaceAll(p, "$", ""))
		if err != nil {
			return "", fmt.Errorf("range %q: %w", ref, err)
		}
		name, _ := excelize.ColumnNumberToName(col)
		abs[i] = fmt.Sprintf("$%s$%d", name, row)
	}
	return "'" + strings.ReplaceAll(sheet, "'", "''") + "'!" + abs[0] + ":" + abs[1], nil
}
