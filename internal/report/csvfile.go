package report

import (
	"fmt"
	"io"

	"github.com/zoombulk/zoombulk/internal/sheet"
)

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
