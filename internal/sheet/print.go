package sheet

// Print setup of XLSX sheets: every table prints one page wide with its
// header row repeated on each page, the sheet's name and page numbers in
// the footer, in landscape when it is wider than a portrait page; a
// sheet's charts lie inside its print area, so that they print whole
// beside the table instead of being cut at a page break.

import (
	"fmt"
	"math"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Print shapes how a table's sheet prints. The zero value is the default:
// one page wide, as many pages tall as needed, the orientation chosen from
// the width.
type Print struct {
	// Orientation is "portrait", "landscape", or "" to choose: landscape
	// when the table and its charts are wider than a portrait page.
	Orientation string
	// PagesTall fits the sheet to that many pages tall too (a short
	// summary on one page); 0 = as many as the rows need.
	PagesTall int
}

const (
	// portraitChars is about how many characters of Calibri 11 fit across
	// a portrait A4 or Letter page inside the default margins at 100 %.
	portraitChars = 95
	// defaultColChars is Excel's default column width, in characters.
	defaultColChars = 8.43
	// anchorRowPx is a default row's height in pixels as excelize counts
	// it when it anchors a chart to cells (ceil(4/3.4 × 15 pt) once a
	// sheet has a default row height, which fit-to-page sets): the
	// chart's last row is found the same way.
	anchorRowPx = 18
	// footer names the sheet and the page: "Summary – page 2 of 3".
	footer = "&C&A – page &P of &N"
)

// printInfo is what a sheet's print setup needs: its table's column widths
// and rows, and the last cell each chart covers.
type printInfo struct {
	opts   Print
	table  bool      // a table's sheet (header row to repeat)
	widths []float64 // column widths in characters, columns 1..n
	cols   int       // the table's columns
	rows   int       // the table's rows, header included
	// lastCol and lastRow are the far corner of the table and its charts.
	lastCol, lastRow int
}

func (wb *Workbook) printInfo(sheet string) *printInfo {
	if wb.prints == nil {
		wb.prints = map[string]*printInfo{}
	}
	p := wb.prints[sheet]
	if p == nil {
		p = &printInfo{}
		wb.prints[sheet] = p
	}
	return p
}

// colChars is the width of column col (1-based) in characters.
func (p *printInfo) colChars(col int) float64 {
	if col >= 1 && col <= len(p.widths) && p.widths[col-1] > 0 {
		return p.widths[col-1]
	}
	return defaultColChars
}

// colPx is the width of column col in pixels, as Excel draws it for
// Calibri 11 (7 pixels a character and 5 of padding).
func (p *printInfo) colPx(col int) float64 {
	return math.Floor(p.colChars(col)*7 + 5)
}

// addChart records the cells a chart of w by h pixels anchored at cell
// covers. It uses the widths known when it is called; columns right of a
// table keep the default width, where the summary puts its charts.
func (p *printInfo) addChart(anchor string, w, h uint) error {
	col, row, err := excelize.CellNameToCoordinates(anchor)
	if err != nil {
		return err
	}
	last, px := col, 0.0
	for px += p.colPx(last); px < float64(w); px += p.colPx(last) {
		last++
	}
	lastRow := row + int(math.Ceil(float64(h)/anchorRowPx))
	p.lastCol = max(p.lastCol, last)
	p.lastRow = max(p.lastRow, lastRow)
	return nil
}

// widthChars is the printed width of columns 1..lastCol in characters.
func (p *printInfo) widthChars() float64 {
	w := 0.0
	for c := 1; c <= max(p.lastCol, p.cols); c++ {
		w += p.colChars(c)
	}
	return w
}

// sheetProps turns on "fit to page" for a sheet; it must be set before
// the sheet's stream writer starts (the sheetPr element comes first).
func (wb *Workbook) sheetProps(sheet string) error {
	fit := true
	return wb.f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &fit})
}

// pageSetup writes the page layout and footer of a sheet. For a streamed
// table it must run before the stream is flushed (Close).
func (wb *Workbook) pageSetup(sheet string, p *printInfo) error {
	orientation := p.opts.Orientation
	if orientation == "" {
		orientation = "portrait"
		if p.widthChars() > portraitChars {
			orientation = "landscape"
		}
	}
	if orientation != "portrait" && orientation != "landscape" {
		return fmt.Errorf("sheet: %q: print orientation %q: want portrait or landscape", sheet, orientation)
	}
	wide, tall := 1, max(p.opts.PagesTall, 0)
	if err := wb.f.SetPageLayout(sheet, &excelize.PageLayoutOptions{Orientation: &orientation, FitToWidth: &wide, FitToHeight: &tall}); err != nil {
		return fmt.Errorf("sheet: %q: page layout: %w", sheet, err)
	}
	return wb.f.SetHeaderFooter(sheet, &excelize.HeaderFooterOptions{OddFooter: footer})
}

// printNames defines each sheet's print titles (its header row) and, for
// a sheet with charts, a print area that holds them. Defined names refer
// to sheets by position, so they are set once every sheet exists.
func (wb *Workbook) printNames() error {
	for _, sheet := range wb.f.GetSheetList() {
		p := wb.prints[sheet]
		if p == nil {
			continue
		}
		quoted := "'" + strings.ReplaceAll(sheet, "'", "''") + "'"
		if p.table {
			if err := wb.f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: quoted + "!$1:$1", Scope: sheet}); err != nil {
				return fmt.Errorf("sheet: %q: print titles: %w", sheet, err)
			}
		}
		if p.lastCol > 0 {
			last, err := excelize.CoordinatesToCellName(max(p.lastCol, p.cols), max(p.lastRow, p.rows))
			if err != nil {
				return err
			}
			abs, err := absRange(sheet, "A1:"+last)
			if err != nil {
				return err
			}
			if err := wb.f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Area", RefersTo: abs, Scope: sheet}); err != nil {
				return fmt.Errorf("sheet: %q: print area: %w", sheet, err)
			}
		}
	}
	return nil
}
