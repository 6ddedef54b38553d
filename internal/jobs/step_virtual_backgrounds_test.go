package jobs_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/zoombulk/zoombulk/internal/zoom"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// vbPNG is a small file Zoom's type sniffing takes for a PNG.
func vbPNG(tag string) []byte {
	return append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), []byte(tag)...)
}

func vbNamesOf(t *testing.T, e *env, o zoom.VBOwner) []string {
	t.Helper()
	files, err := e.client.VirtualBackgrounds(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range files {
		out = append(out, f.Name)
	}
	slices.Sort(out)
	return out
}

// TestVirtualBackgroundsFor500Users: the company background goes to 500
// users, one upload (Medium) each after one settings read (Medium) each; a
// row naming a 16 MB file fails alone when the input is read; a rerun
// sends nothing; the undo deletes exactly what the run uploaded.
func TestVirtualBackgroundsFor500Users(t *testing.T) {
	// Paced at the Medium rate: in a bubble the pacing costs no wall time.
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, zoomtest.Options{Users: 500, NoRateLimits: true})
		ctx := context.Background()
		if err := os.WriteFile(filepath.Join(e.dir, "company.png"), vbPNG("company"), 0o644); err != nil {
			t.Fatal(err)
		}
		huge, err := os.Create(filepath.Join(e.dir, "huge.png"))
		if err != nil {
			t.Fatal(err)
		}
		if err := huge.Truncate(16 << 20); err != nil {
			t.Fatal(err)
		}
		huge.Close()

		var rows [][]string
		var emails []string
		for _, u := range e.srv.Users() {
			if u.Status != "active" || len(rows) == 500 {
				continue
			}
			emails = append(emails, u.Email)
			rows = append(rows, []string{u.Email, "company.png"})
		}
		n := len(rows)
		if n < 400 {
			t.Fatalf("only %d active users", n)
		}
		bad := emails[7]
		rows[7][1] = "huge.png"
		// One user already has the background: nothing to send for them.
		already := emails[3]
		if _, err := e.client.UploadVirtualBackground(ctx, zoom.VBOwner{ID: already}, "company.png", vbPNG("company")); err != nil {
			t.Fatal(err)
		}
		e.writeCSV("bg.csv", []string{"Email", "Background"}, rows)
		job := e.write("bg.yaml", "version: 1\nname: backgrounds\ninput: bg.csv\nfields: { email: Email, virtual_background: Background }\nsteps:\n  - virtual_backgrounds\n")

		e.srv.ResetStats()
		run := filepath.Join(e.dir, "run")
		if _, err := e.run(ctx, job, run, nil); err != nil {
			t.Fatal(err)
		}
		st := e.srv.Stats()
		if got := st.Calls["POST /users/{userId}/settings/virtual_backgrounds"]; got != n-2 {
			t.Errorf("%d uploads, want %d (every row but the bad one and the one that has it)", got, n-2)
		}
		if got := st.Calls["GET /users/{userId}/settings"]; got > n-1 {
			t.Errorf("%d settings reads, want at most one per good row (%d)", got, n-1)
		}
		status := map[string]string{}
		for _, l := range readResults(t, run) {
			status[l["Email"]] = l["zb_status"] + " " + l["zb_reason"]
		}
		if !strings.HasPrefix(status[bad], "failed") || !strings.Contains(status[bad], "15 MB") {
			t.Errorf("the 16 MB row: %q, want failed naming the 15 MB limit", status[bad])
		}
		if !strings.HasPrefix(status[already], "unchanged") {
			t.Errorf("the user who had it: %q, want unchanged", status[already])
		}
		var failed int
		for _, s := range status {
			if strings.HasPrefix(s, "failed") {
				failed++
			}
		}
		if failed != 1 {
			t.Errorf("%d rows failed, want only the bad file's", failed)
		}
		if got := vbNamesOf(t, e, zoom.VBOwner{ID: emails[0]}); strings.Join(got, ",") != "company.png" {
			t.Errorf("%s has %v", emails[0], got)
		}

		e.srv.ResetStats()
		if _, err := e.run(ctx, job, filepath.Join(e.dir, "rerun"), nil); err != nil && !strings.Contains(err.Error(), "failed") {
			t.Fatal(err)
		}
		if w := writes(e.srv.Stats()); w != 0 {
			t.Errorf("the rerun wrote %d times", w)
		}

		if _, err := e.undo(ctx, run, filepath.Join(e.dir, "undo"), nil); err != nil {
			t.Fatal(err)
		}
		if got := vbNamesOf(t, e, zoom.VBOwner{ID: emails[0]}); len(got) != 0 {
			t.Errorf("after the undo %s still has %v", emails[0], got)
		}
		if got := vbNamesOf(t, e, zoom.VBOwner{ID: already}); strings.Join(got, ",") != "company.png" {
			t.Errorf("the undo took %s's own background: %v", already, got)
		}
	})
}

// TestVirtualBackgroundsGroupsExact: rows that are groups; sync: exact
// deletes the files a group has that the row does not list (removals,
// counted by the limit), and Zoom's 10 files are checked in the plan.
func TestVirtualBackgroundsGroupsExact(t *testing.T) {
	synctest.Test(t, testVirtualBackgroundsGroupsExact)
}

func testVirtualBackgroundsGroupsExact(t *testing.T) {
	e := newEnv(t, zoomtest.Options{NoRateLimits: true})
	ctx := context.Background()
	for _, f := range []string{"a.png", "b.png"} {
		if err := os.WriteFile(filepath.Join(e.dir, f), vbPNG(f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ids := map[string]string{}
	for _, g := range e.srv.Groups() {
		ids[g.Name] = g.ID
	}
	sales := zoom.VBOwner{ID: ids["Sales"], Group: true}
	if _, err := e.client.UploadVirtualBackground(ctx, sales, "old.png", vbPNG("old")); err != nil {
		t.Fatal(err)
	}
	full := zoom.VBOwner{ID: ids["Finance"], Group: true}
	for i := range 9 {
		if _, err := e.client.UploadVirtualBackground(ctx, full, "f"+string(rune('0'+i))+".png", vbPNG("f")); err != nil {
			t.Fatal(err)
		}
	}
	e.writeCSV("g.csv", []string{"Group", "Backgrounds"}, [][]string{
		{"Sales", "a.png;b.png"},
		{"Finance", "a.png;b.png"},
	})
	job := e.write("g.yaml", "version: 1\nname: g\ninput: g.csv\nfields: { group: Group, virtual_background: Backgrounds }\nsteps:\n  - virtual_backgrounds: { sync: exact }\n")
	sum, err := e.run(ctx, job, filepath.Join(e.dir, "run"), nil)
	if err != nil && !strings.Contains(err.Error(), "fail") {
		t.Fatal(err)
	}
	if got := vbNamesOf(t, e, sales); strings.Join(got, ",") != "a.png,b.png" {
		t.Errorf("Sales has %v, want a.png and b.png (old.png deleted)", got)
	}
	if sum.Plan.Removals["virtual background removal"] != 10 {
		t.Errorf("removals %v, want old.png and Finance's 9", sum.Plan.Removals)
	}
	if got := vbNamesOf(t, e, full); strings.Join(got, ",") != "a.png,b.png" {
		t.Errorf("Finance has %v, want a.png and b.png", got)
	}

	// add_only on a group at 9 files: two more would make 11.
	e.writeCSV("g2.csv", []string{"Group", "Backgrounds"}, [][]string{{"Finance", "a.png;b.png"}})
	for i := range 8 {
		if _, err := e.client.UploadVirtualBackground(ctx, full, "g"+string(rune('0'+i))+".png", vbPNG("g")); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(e.dir, "c.png"), vbPNG("c"), 0o644); err != nil {
		t.Fatal(err)
	}
	e.writeCSV("g2.csv", []string{"Group", "Backgrounds"}, [][]string{{"Finance", "c.png"}})
	job2 := e.write("g2.yaml", "version: 1\nname: g2\ninput: g2.csv\nfields: { group: Group, virtual_background: Backgrounds }\nsteps:\n  - virtual_backgrounds\n")
	e.srv.ResetStats()
	e.run(ctx, job2, filepath.Join(e.dir, "full"), nil)
	l := readResults(t, filepath.Join(e.dir, "full"))
	if l[0]["zb_status"] != "failed" || !strings.Contains(l[0]["zb_reason"], "Zoom allows 10") || writes(e.srv.Stats()) != 0 {
		t.Errorf("an 11th file: %v, writes %d; want failed in the plan, no call", l[0], writes(e.srv.Stats()))
	}
}
