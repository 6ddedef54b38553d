package sheet

// HideSheet makes a sheet of the workbook very hidden: Excel's Unhide
// dialog does not list it (only VBA can show it again), and Excel,
// LibreOffice and openpyxl all keep such a sheet, with its state, when they
// save the workbook. The users export keeps what it exported there. Call it
// once the sheet's table is closed.
func (wb *Workbook) HideSheet(name string) error {
	if wb.done {
		return errWorkbookDone
	}
	return wb.f.SetSheetVisible(name, false, true)
}
