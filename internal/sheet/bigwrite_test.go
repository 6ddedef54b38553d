package sheet

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestTableGoesOnInFurtherSheetsPastTheRowLimit: a table with more rows
// than a sheet holds continues on "Changes 2", "Changes 3", each with the
// header, every row written once and in order, and the workbook saves.
func TestTableGoesOnInFurtherSheetsPastTheRowLimit(t *testing.T) {
	defer func(n int) { maxSheetRows = n }(maxSheetRows)
	maxSheetRows = 5 // the header and 4 rows a sheet
	for _, tc := range []struct {
		rows   int
		sheets []string
	}{
		{4, []string{"Changes"}},
		{5, []string{"Changes", "Changes 2"}},
		{12, []string{"Changes", "Changes 2", "Changes 3"}},
		{250, nil}, // 63 sheets
	} {
		t.Run(strconv.Itoa(tc.rows), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "plan.xlsx")
			wb := NewWorkbookIn(filepath.Dir(path))
			tw, err := wb.AddTable(Table{Name: "Changes", Columns: []Column{{Header: "Row", Kind: Integer}, {Header: "Email"}}})
			if err != nil {
				t.Fatal(err)
			}
			for i := 1; i <= tc.rows; i++ {
				if err := tw.WriteRow([]Cell{IntCell(int64(i)), TextCell("u" + strconv.Itoa(i) + "@example.com")}, Plain); err != nil {
					t.Fatalf("row %d: %v", i, err)
				}
			}
			if err := tw.Close(); err != nil {
				t.Fatal(err)
			}
			if err := wb.SaveAs(path); err != nil {
				t.Fatal(err)
			}
			f, err := excelize.OpenFile(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			sheets := f.GetSheetList()
			if tc.sheets != nil && strings.Join(sheets, "|") != strings.Join(tc.sheets, "|") {
				t.Fatalf("sheets %q, want %q", sheets, tc.sheets)
			}
			next := 1
			for _, s := range sheets {
				rows, err := f.GetRows(s)
				if err != nil {
					t.Fatal(err)
				}
				if len(rows) == 0 || len(rows) > maxSheetRows || strings.Join(rows[0], "|") != "Row|Email" {
					t.Fatalf("sheet %q: %d rows, header %q", s, len(rows), rows[0])
				}
				for _, r := range rows[1:] {
					if r[0] != strconv.Itoa(next) {
						t.Fatalf("sheet %q: row %q, want number %d", s, r, next)
					}
					next++
				}
			}
			if next-1 != tc.rows {
				t.Errorf("%d rows read back, %d written", next-1, tc.rows)
			}
		})
	}
}

// TestWorkbookTemporaryFilesStayInItsFolderAndGo: the rows a big table
// spills to disk go to the folder the workbook was given, never to
// $TMPDIR, and are removed when it is saved and when it is given up
// unsaved (an error or a stop on the way).
func TestWorkbookTemporaryFilesStayInItsFolderAndGo(t *testing.T) {
	base := t.TempDir()
	tmp := filepath.Join(base, "tmp")
	if err := os.Mkdir(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TMPDIR", tmp)
	long := strings.Repeat("x", 1000)
	for _, save := range []bool{true, false} {
		t.Run(map[bool]string{true: "saved", false: "given up"}[save], func(t *testing.T) {
			dir, err := os.MkdirTemp(base, "run")
			if err != nil {
				t.Fatal(err)
			}
			wb := NewWorkbookIn(dir)
			tw, err := wb.AddTable(Table{Name: "Rows", Columns: []Column{{Header: "N", Kind: Integer}, {Header: "Text"}}})
			if err != nil {
				t.Fatal(err)
			}
			// 20 MB of sheet: past excelize's 16 MB kept in memory.
			for i := range 20_000 {
				if err := tw.WriteRow([]Cell{IntCell(int64(i)), TextCell(long)}, Plain); err != nil {
					t.Fatal(err)
				}
			}
			if n := len(names(t, dir)); n == 0 {
				t.Fatalf("no temporary file in the workbook's folder while writing (in $TMPDIR: %q)", names(t, tmp))
			}
			if save {
				if err := wb.SaveAs(filepath.Join(dir, "out.xlsx")); err != nil {
					t.Fatal(err)
				}
			} else if err := wb.Close(); err != nil {
				t.Fatal(err)
			}
			want := []string(nil)
			if save {
				want = []string{"out.xlsx"}
			}
			if got := names(t, dir); strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("the folder holds %q, want %q", got, want)
			}
			if got := names(t, tmp); len(got) > 0 {
				t.Errorf("$TMPDIR holds %q, want nothing", got)
			}
		})
	}
}

func names(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}
