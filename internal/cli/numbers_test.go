package cli

import (
	"path/filepath"
	"slices"
	"testing"
	"testing/synctest"

	"github.com/xuri/excelize/v2"

	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// isNumberCell says whether a cell holds a number (a stream-written
// number has no type attribute), not text.
func isNumberCell(t *testing.T, f *excelize.File, sheetName, cell string) bool {
	t.Helper()
	typ, err := f.GetCellType(sheetName, cell)
	if err != nil {
		t.Fatal(err)
	}
	return typ == excelize.CellTypeUnset || typ == excelize.CellTypeNumber
}

// Workbooks store numbers as numbers: a numeric setting in the users
// export, the times and counts of a plan's Summary sheet.
func TestWorkbookNumbersAreNumbers(t *testing.T) {
	t.Parallel()
	synctest.Test(t, testWorkbookNumbersAreNumbers)
}

func testWorkbookNumbersAreNumbers(t *testing.T) {
	srv := zoomtest.NewMemServer(t, zoomtest.Options{Seed: sampleSeed(t), NoRateLimits: true})
	env := memEnv(srv)
	dir := t.TempDir()

	users := filepath.Join(dir, "users.xlsx")
	if r := zbVia(t, env, inMemoryTo(srv), "export", "users", "-o", users, "--fields", "email", "--settings", "recording.auto_delete_cmr_days,in_meeting.waiting_room"); r.code != ExitOK {
		t.Fatalf("export: exit %d\n%s", r.code, r.stderr)
	}
	f, err := excelize.OpenFile(users)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheetName := f.GetSheetName(f.GetActiveSheetIndex())
	rows, _ := f.GetRows(sheetName)
	days := slices.Index(rows[0], "settings.recording.auto_delete_cmr_days")
	room := slices.Index(rows[0], "settings.in_meeting.waiting_room")
	if days < 0 || room < 0 {
		t.Fatalf("header %q", rows[0])
	}
	daysCell, _ := excelize.CoordinatesToCellName(days+1, 2)
	roomCell, _ := excelize.CoordinatesToCellName(room+1, 2)
	if v := rows[1][days]; v != "30" || !isNumberCell(t, f, sheetName, daysCell) {
		t.Errorf("auto_delete_cmr_days %q is not the number 30", v)
	}
	if isNumberCell(t, f, sheetName, roomCell) {
		t.Errorf("waiting_room %q is stored as a number, want the text true/false", rows[1][room])
	}

	out := filepath.Join(dir, "plan")
	if r := zbVia(t, env, inMemoryTo(srv), "run", repoPath(t, "samples/license-reshuffle/job.yaml"), "--dry-run", "--out", out); r.code != ExitOK && r.code != ExitPartial {
		t.Fatalf("dry run: exit %d\n%s", r.code, r.stderr)
	}
	p, err := excelize.OpenFile(filepath.Join(out, "plan.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	summary, _ := p.GetRows("Summary")
	found := map[string]bool{}
	for i, r := range summary {
		if len(r) < 2 {
			continue
		}
		switch r[0] {
		case "Planned (UTC)", "Rows", "Time the limits imply":
			found[r[0]] = true
			if !isNumberCell(t, p, "Summary", "B"+itoa(i+1)) {
				t.Errorf("plan Summary %q = %q is stored as text", r[0], r[1])
			}
		}
	}
	if len(found) != 3 {
		t.Errorf("plan Summary lacks lines: found %v in %q", found, summary)
	}
}

func itoa(n int) string {
	name, _ := excelize.CoordinatesToCellName(1, n)
	return name[1:]
}
