package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/zoombulk/zoombulk/internal/export"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

const reclaimSeed = `account: { id: reclaim-test, name: Reclaim Test }
groups: [ { name: Sales }, { name: Engineering } ]
divisions: [ { name: Main Division, main: true } ]
users:
  - { email: owner@acme.example, first_name: O, last_name: Owner, type: 2, role: owner, dept: IT, last_login: 2026-11-30 }
  - { email: ada.idle@acme.example, first_name: Ada, last_name: Idle, type: 2, dept: Sales, groups: [Sales], features: { webinar: "1" }, last_login: 2026-06-01 }
  - { email: bo.keep@acme.example, first_name: Bo, last_name: Keep, type: 2, dept: Engineering, groups: [Engineering], last_login: 2026-08-01 }
  - { email: cy.never@acme.example, first_name: Cy, last_name: Never, type: 2, dept: Sales, groups: [Sales] }
  - { email: di.active@acme.example, first_name: Di, last_name: Active, type: 2, dept: Sales, last_login: 2026-11-28 }
  - { email: ed.basic@acme.example, first_name: Ed, last_name: Basic, type: 1, last_login: 2026-01-01 }
`

// Export reclaim on a sandbox with known last-login times, delete one
// row, run the workbook: only the remaining users lose their license.
func TestExportReclaimRunsAsAJob(t *testing.T) {
	synctest.Test(t, testExportReclaimRunsAsAJob)
}

func testExportReclaimRunsAsAJob(t *testing.T) {
	seed, err := zoomtest.ParseSeed("reclaim.yaml", []byte(reclaimSeed))
	if err != nil {
		t.Fatal(err)
	}
	srv := zoomtest.NewMemServer(t, zoomtest.Options{Seed: seed, NoRateLimits: true, FeaturesInterval: time.Millisecond})
	env := memEnv(srv)
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	wb := filepath.Join(dir, "reclaim.xlsx")
	main := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		stdio := &IO{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Getenv: env, Transport: inMemoryTo(srv), Now: func() time.Time { return now },
			Exit: func(code int) { t.Errorf("exited with %d", code) }}
		code := Main(context.Background(), args, stdio, nil)
		return code, out.String(), errOut.String()
	}

	code, out, errOut := main("export", "reclaim", "--idle", "90d", "-o", wb)
	if code != ExitOK || !strings.Contains(out, "Exported 3 idle licensed users to "+wb) || !strings.Contains(out, "1 of them never logged in") {
		t.Fatalf("export: exit %d\n%s%s", code, out, errOut)
	}
	f, err := excelize.OpenFile(wb)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows(export.ReclaimSheet)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows[1:] {
		got = append(got, r[0])
	}
	// Never logged in first, then the oldest login; the owner, the active
	// user and the Basic user are not there.
	if want := []string{"cy.never@acme.example", "ada.idle@acme.example", "bo.keep@acme.example"}; !slices.Equal(got, want) {
		t.Fatalf("rows %q, want %q", got, want)
	}
	header := rows[0]
	col := func(name string) int { return slices.Index(header, name) }
	if ada := rows[2]; ada[col("Groups")] != "Sales" || ada[col("Department")] != "Sales" || ada[col("Webinar")] != "500" || ada[col("License")] != "Licensed" {
		t.Errorf("ada's row %q (header %q)", ada, header)
	}
	about, _ := f.GetRows(export.ReclaimAbout)
	if !strings.Contains(strings.Join(flatten(about), "\n"), "buffer of about three days") {
		t.Errorf("the About sheet does not mention the three-day buffer: %q", about)
	}
	// The admin keeps Bo: deletes his row.
	if err := f.RemoveRow(export.ReclaimSheet, 4); err != nil {
		t.Fatal(err)
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	f.Close()

	code, out, errOut = main("run", wb, "--yes", "--features-interval", "1ms", "--out", filepath.Join(dir, "run"))
	if code != ExitOK {
		t.Fatalf("run: exit %d\n%s%s", code, out, errOut)
	}
	for email, want := range map[string]int{
		"ada.idle@acme.example": 1, "cy.never@acme.example": 1, "bo.keep@acme.example": 2,
		"di.active@acme.example": 2, "owner@acme.example": 2, "ed.basic@acme.example": 1,
	} {
		u, ok := srv.UserByEmail(email)
		if !ok || u.Type != want {
			t.Errorf("%s: type %d, want %d", email, u.Type, want)
		}
	}
	if u, _ := srv.UserByEmail("ada.idle@acme.example"); u.Features["webinar"] != "" && u.Features["webinar"] != "0" {
		t.Errorf("ada keeps the webinar seat %q", u.Features["webinar"])
	}
}

func flatten(rows [][]string) []string {
	var out []string
	for _, r := range rows {
		out = append(out, r...)
	}
	return out
}

func TestParseIdle(t *testing.T) {
	for in, want := range map[string]time.Duration{"90d": 90 * 24 * time.Hour, "12w": 84 * 24 * time.Hour, "36h": 36 * time.Hour} {
		if got, err := export.ParseIdle(in); err != nil || got != want {
			t.Errorf("%s: %v %v", in, got, err)
		}
	}
	for _, in := range []string{"", "0d", "-3d", "ninety"} {
		if _, err := export.ParseIdle(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}

// The reclaim walkthrough on the sample account: the licensed users idle
// for 90 days are listed, longest idle first, with their role; the owner,
// idle too, is never listed; seat sizes are numbers.
func TestExportReclaimSampleAccount(t *testing.T) {
	t.Parallel()
	synctest.Test(t, testExportReclaimSampleAccount)
}

func testExportReclaimSampleAccount(t *testing.T) {
	srv := zoomtest.NewMemServer(t, zoomtest.Options{Seed: sampleSeed(t), NoRateLimits: true})
	now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	wb := filepath.Join(t.TempDir(), "reclaim.xlsx")
	var out, errOut bytes.Buffer
	stdio := &IO{In: strings.NewReader(""), Out: &out, ErrOut: &errOut, Getenv: memEnv(srv), Transport: inMemoryTo(srv), Now: func() time.Time { return now },
		Exit: func(code int) { t.Errorf("exited with %d", code) }}
	if code := Main(context.Background(), []string{"export", "reclaim", "--idle", "90d", "-o", wb}, stdio, nil); code != ExitOK {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), "Exported 4 idle licensed users") {
		t.Errorf("output %q", out.String())
	}
	f, err := excelize.OpenFile(wb)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(export.ReclaimSheet)
	if err != nil {
		t.Fatal(err)
	}
	header := rows[0]
	col := func(name string) int {
		i := slices.Index(header, name)
		if i < 0 {
			t.Fatalf("no %q column in %q", name, header)
		}
		return i
	}
	var got []string
	roles := map[string]string{}
	for _, r := range rows[1:] {
		got = append(got, r[0])
		roles[r[0]] = r[col("Role")]
	}
	want := []string{"mark.eting@acme.example", "kenji.sato@acme.example", "adam.admin@acme.example", "helen.hr@acme.example"}
	if !slices.Equal(got, want) {
		t.Fatalf("rows %q, want %q (olivia.owner, idle since February, must not be there)", got, want)
	}
	if roles["adam.admin@acme.example"] != "Admin" || roles["kenji.sato@acme.example"] != "Member" {
		t.Errorf("roles %v", roles)
	}
	// Mark holds a webinar and a large meeting seat: their sizes are
	// numbers a sum or a sort can use, not text.
	for _, h := range []string{"Webinar", "Large Meeting"} {
		cell, _ := excelize.CoordinatesToCellName(col(h)+1, 2)
		v, _ := f.GetCellValue(export.ReclaimSheet, cell)
		typ, _ := f.GetCellType(export.ReclaimSheet, cell)
		if _, err := strconv.Atoi(v); err != nil || (typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber) {
			t.Errorf("Mark's %s seat %q is stored as cell type %v, want a number", h, v, typ)
		}
	}
	about, _ := f.GetRows(export.ReclaimAbout)
	if !strings.Contains(strings.Join(flatten(about), "\n"), "owner is never listed") {
		t.Errorf("the About sheet does not say the owner is left out: %q", about)
	}
}
