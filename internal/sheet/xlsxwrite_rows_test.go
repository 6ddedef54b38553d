package sheet

import (
	"archive/zip"
	"bytes"
	"io"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// rowsCases are data rows with every kind of cell and the text excelize
// treats apart: escapes, line breaks, leading and trailing spaces, _xHHHH_
// sequences, non-ASCII, invalid UTF-8, text past Excel's cell limit,
// numbers past 15 digits, dates out of Excel's range, empty cells.
func rowsCases() [][]Cell {
	long := strings.Repeat("é", totalCellChars+5)
	return [][]Cell{
		{TextCell("a@x.com"), IntCell(2), NumberCell(1.5), DateTimeCell(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)), DateCell(time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)), BoolCell(true)},
		{TextCell(`R&D <core> "x" 'y'`), IntCell(-7), NumberCell(0.1 + 0.2), DateTimeCell(time.Time{}), EmptyCell(), BoolCell(false)},
		{TextCell(" lead"), IntCell(maxExactInt + 1), NumberCell(123456789012345678), DateTimeCell(time.Date(1899, 1, 1, 0, 0, 0, 0, time.UTC)), DateCell(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)), TextCell("trail\t")},
		{TextCell("line\nbreak\r\nand\ttab"), IntCell(-maxExactInt - 1), NumberCell(math.MaxFloat64), NumberCell(-1e-20), NumberCell(1e21), TextCell("\n")},
		{TextCell("_x0041_ and _x005F_x0041_ and _x005F_ and _xZZZZ_"), IntCell(0), NumberCell(math.NaN()), NumberCell(math.Inf(1)), TextCell("Zoë 日本 😀"), TextCell("bad \xff\x01 byte")},
		{TextCell(long), {Kind: Number, N: 3.25, Format: "0.00"}, {Kind: Integer, I: 5, Format: "#,##0"}, {Kind: Date, T: time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), Format: "d mmm yyyy"}, TextCell("=1+1"), TextCell("x_")},
		{TextCell("short row")},
		{},
	}
}

// Data rows encoded by the table writer are byte for byte what excelize's
// StreamWriter writes for the same cells, in every row style and across
// sheets (the rows go on in a second sheet), with dropdowns and a chart:
// every sheet part is the same.
func TestRowsEncodedAsExcelizeEncodesThem(t *testing.T) {
	defer func(n int) { maxSheetRows = n }(maxSheetRows)
	maxSheetRows = 150
	write := func(splice bool) map[string][]byte {
		defer func(v bool) { spliceRows = v }(spliceRows)
		spliceRows = splice
		dir := t.TempDir()
		wb := NewWorkbookIn(dir)
		cols := []Column{{Header: "Text"}, {Header: "Int", Kind: Integer}, {Header: "Num", Kind: Number}, {Header: "When", Kind: DateTime},
			{Header: "Day", Kind: Date}, {Header: "Choice", Choices: []string{"a", "b, c"}}}
		tw, err := wb.AddTable(Table{Name: "Changes", Columns: cols})
		if err != nil {
			t.Fatal(err)
		}
		if err := wb.AddChart("Changes", Chart{Kind: BarChart, Title: "t", Categories: "A2:A6", Values: "B2:B6"}); err != nil {
			t.Fatal(err)
		}
		n := 0
		for range 30 {
			for _, style := range []RowStyle{Plain, Failed, Warning, Muted} {
				for _, row := range rowsCases() {
					if err := tw.WriteRow(row, style); err != nil {
						t.Fatal(err)
					}
					n++
				}
			}
		}
		if err := tw.Close(); err != nil {
			t.Fatal(err)
		}
		other, err := wb.AddTable(Table{Name: "Other", Columns: []Column{{Header: "Only"}}})
		if err != nil {
			t.Fatal(err)
		}
		if err := other.Close(); err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if err := wb.Write(&out); err != nil {
			t.Fatal(err)
		}
		if left, _ := filepath.Glob(filepath.Join(dir, "*")); len(left) > 0 {
			t.Errorf("temporary files left: %v", left)
		}
		zr, err := zip.NewReader(bytes.NewReader(out.Bytes()), int64(out.Len()))
		if err != nil {
			t.Fatal(err)
		}
		parts := map[string][]byte{}
		for _, f := range zr.File {
			r, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(r)
			if err != nil {
				t.Fatal(err)
			}
			parts[f.Name] = b
		}
		return parts
	}
	want, got := write(false), write(true)
	if len(got) != len(want) {
		t.Errorf("%d parts, excelize's %d", len(got), len(want))
	}
	sheets := 0
	for name, w := range want {
		if !strings.HasPrefix(name, "xl/worksheets/") {
			continue // the other parts are excelize's alone (some in map order)
		}
		g, ok := got[name]
		switch {
		case !ok:
			t.Errorf("%s missing", name)
		case !bytes.Equal(g, w):
			i := 0
			for i < min(len(g), len(w)) && g[i] == w[i] {
				i++
			}
			t.Errorf("%s differs at byte %d:\n got …%s\nwant …%s", name, i, g[max(i-80, 0):min(i+80, len(g))], w[max(i-80, 0):min(i+80, len(w))])
		}
		if strings.HasPrefix(name, "xl/worksheets/sheet") {
			sheets++
		}
	}
	if sheets < 3 {
		t.Errorf("%d sheets, want the table's two and another", sheets)
	}
}

// The rows go in before </sheetData> however the frame's writes cut it
// (one byte at a time, the tag across two writes), compressed while they
// were written, and the part reads back whole (archive/zip checks its
// CRC); a part without the tag is an error, not a sheet without rows.
func TestRowsSplicedBeforeEndOfSheetData(t *testing.T) {
	frame := []byte(`<worksheet><sheetData><row r="1"/></sheetData><autoFilter ref="A1:A3"/></worksheet>`)
	var rows bytes.Buffer
	for i := range 50_000 {
		rows.WriteString(`<row r="` + strings.Repeat("7", i%5+1) + `"><c r="A2" t="inlineStr"><is><t>u@example.com</t></is></c></row>`)
	}
	want := bytes.Replace(frame, []byte(`</sheetData>`), append(rows.Bytes(), `</sheetData>`...), 1)
	for _, chunk := range []int{1, 7, 13, 4096, len(frame)} {
		dir := t.TempDir()
		spool, err := newRowSpool(dir, "xl/worksheets/sheet1.xml")
		if err != nil {
			t.Fatal(err)
		}
		defer spool.discard()
		if err := spool.write(rows.Bytes()); err != nil {
			t.Fatal(err)
		}
		if err := spool.finish(); err != nil {
			t.Fatal(err)
		}
		var file bytes.Buffer
		z := newSplicer(&file, map[string]*rowSpool{spool.part: spool})
		w, err := z.Create(spool.part)
		if err != nil {
			t.Fatal(err)
		}
		for rest := frame; len(rest) > 0; {
			k := min(chunk, len(rest))
			if _, err := w.Write(rest[:k]); err != nil {
				t.Fatal(err)
			}
			rest = rest[k:]
		}
		if err := z.Close(); err != nil {
			t.Fatal(err)
		}
		zr, err := zip.NewReader(bytes.NewReader(file.Bytes()), int64(file.Len()))
		if err != nil {
			t.Fatal(err)
		}
		r, err := zr.File[0].Open()
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		if err != nil {
			t.Fatalf("chunks of %d: %v", chunk, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("chunks of %d: %d bytes, want %d", chunk, len(got), len(want))
		}
		if file.Len() > len(want)/5 {
			t.Errorf("chunks of %d: %d bytes compressed, for %d", chunk, file.Len(), len(want))
		}
	}

	spool, err := newRowSpool(t.TempDir(), "xl/worksheets/sheet1.xml")
	if err != nil {
		t.Fatal(err)
	}
	defer spool.discard()
	z := newSplicer(io.Discard, map[string]*rowSpool{spool.part: spool})
	w, err := z.Create(spool.part)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte(`<worksheet></worksheet>`)); err != nil {
		t.Fatal(err)
	}
	if err := z.Close(); err == nil || !strings.Contains(err.Error(), "</sheetData>") {
		t.Errorf("a part without </sheetData>: %v", err)
	}
}
