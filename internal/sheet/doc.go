// Package sheet reads and writes the spreadsheets zoombulk works with: CSV
// (any of the encodings and delimiters Excel and friends produce) and XLSX.
//
// # Reading
//
// Open picks the reader from the file extension (.csv .txt .tsv are CSV,
// .xlsx .xlsm are workbooks) and returns a streaming Reader: rows come one at
// a time, memory stays bounded whatever the file size. Every Row carries the
// sheet's own 1-based row number for reports, and exactly len(Header()) cells.
//
// CSV: a UTF-8 BOM is dropped; UTF-16 (LE or BE, with its BOM) is decoded;
// a file whose first 64 KiB are not valid UTF-8 is read as Windows-1252 (what
// Excel on Windows writes for "CSV"); a stray invalid byte later in an
// otherwise UTF-8 file is read as Windows-1252 too, so "José" survives either
// way. The delimiter (comma, semicolon or tab) is detected from the header
// line. Quoting follows Excel: a field that starts with a quote runs to the
// closing quote ("" is a literal quote), anything after the closing quote up
// to the delimiter is kept literally, and quotes inside an unquoted field are
// ordinary characters. A quote that is never closed is an error naming the
// row where it opened rather than a silent swallow of the rest of the file.
//
// XLSX: the reader opens the zip itself and streams the sheet's XML one row
// at a time with a small strict tokenizer (see xlsxread.go for why not
// excelize). Values come back as text in a canonical form rather than with
// the cell's display format:
//
//   - numbers: plain decimal, no exponent, no trailing ".0", up to Excel's 15
//     significant digits (6589310093, 42, 3.5, 0.5, 1000000000000000);
//     thousands separators, currency and percent formats are NOT applied
//     (a 50% cell reads "0.5");
//   - cells with a date or time number format: ISO 8601, "2026-03-01", or
//     "2026-03-01T09:30:00" when the format shows a time and the time is not
//     midnight, or "09:30:00" for time-only formats and values below 1;
//     the workbook's 1900/1904 date system is honoured; values outside
//     Excel's date range come back as plain numbers;
//   - booleans: TRUE / FALSE; error cells: the error text (#N/A, #DIV/0!);
//   - formulas: their cached value (never the formula text); a formula that
//     was never calculated reads as "";
//   - merged cells: the value of the top-left cell is copied into every
//     cell of the range (below the header row, within the header's
//     columns); Merges lists the ranges filled.
//
// Each row also carries its cells typed (Row.Values, Row.Value): number,
// date, date-time, boolean or text, with the cell's number format code, so
// a report can write them back as they were. Row.Hidden marks rows the
// workbook hides (by hand or with a filter); HiddenColumns lists hidden
// columns.
//
// A damaged sheet (a bare "&", a mismatched tag, a file cut short) is an
// *InputError naming the file, the sheet and the row where reading
// stopped, never a silent early end. Workbooks that would inflate beyond
// the limits (MaxInflated for the sheet, 256 MiB for the shared strings,
// a compression ratio over 200 for parts over 16 MiB: decompression bombs),
// cells longer than Excel's 32,767 characters, and sheets wider than
// MaxColumns (default 1,000) are *InputErrors wrapping a *LimitError. The
// reader writes no temporary files.
//
// Rows come one at a time (Next, or the All iterator); memory does not grow
// with the row count, except for an XLSX shared strings table, which is
// held in memory.
//
// Comments: a row whose first cell is "#" alone, or starts with "# " or
// "##", or equals one of Options.ExampleMarkers (a template's example
// rows), has Row.Comment set; the reader still returns it so the caller
// can say which rows it skipped. Other values starting with "#" are data.
//
// Header cells are returned as in the file (not trimmed), but trailing blank
// header cells are dropped, so "Email,Name,," has two headers and values
// under the dropped columns show up in Row.Extra. Duplicate and blank header
// names are returned as they are: the caller decides.
//
// # Writing
//
// NewCSVWriter writes UTF-8 with a BOM and CRLF line ends, which Excel opens
// correctly on every platform. Workbook writes XLSX with excelize's
// StreamWriter, one sheet (Table) at a time: bold filled header, frozen
// header row, autofilter, column widths, typed cells (numbers, dates,
// booleans) and per-row styles (Failed, Warning, Muted).
//
// # Formula injection
//
// Text cells a spreadsheet would evaluate are never evaluated. In CSV they
// are written with a leading apostrophe (EscapeFormula, the OWASP
// recommendation): values starting with = @ tab or CR, and values starting
// with + or - unless what follows is a plain number ("-5") or an ID-like
// word of letters, digits, "_" and "-" that is not a cell reference (a Zoom
// ID such as "-gbbm4KGTsSvL5zmELDJdw" is written as it is). Anyone reading
// our own CSVs back (results.csv or failed.csv fed in again with --input)
// undoes it with UnescapeFormula, or sets Options.UnescapeFormulas; that
// also strips the apostrophe older versions put before such IDs. In XLSX
// they are written as inline strings (never as formulas) with the text
// number format "@", so Excel keeps them as text even after the user edits
// the cell.
package sheet
