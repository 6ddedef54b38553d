package jobs_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/jobs"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

func pngBytes(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{200, 10, 10, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestUploadPictureFromFolder(t *testing.T) {
	synctest.Test(t, testUploadPictureFromFolder)
}

func testUploadPictureFromFolder(t *testing.T) {
	e := newEnv(t, zoomtest.Options{NoRateLimits: true})
	pics := filepath.Join(e.dir, "photos")
	os.Mkdir(pics, 0o755)
	os.WriteFile(filepath.Join(pics, "grace.png"), pngBytes(t), 0o644)
	os.WriteFile(filepath.Join(pics, "notes.txt"), []byte("hello"), 0o644)
	os.WriteFile(filepath.Join(pics, "fake.jpg"), []byte("this is text, not a JPEG image at all"), 0o644)
	os.WriteFile(filepath.Join(pics, "huge.png"), append(pngBytes(t), make([]byte, 2<<20)...), 0o644)
	rows := [][]string{
		{"grace.hopper@acme.example", "grace.png"}, // uploaded
		{"alan.turing@acme.example", ""},           // no picture: unchanged
		{"nobody@acme.example", "grace.png"},       // missing user
		{"ada.lovelace@acme.example", "notes.txt"}, // not JPG/PNG
		{"sam.seller@acme.example", "fake.jpg"},    // named .jpg, is text
		{"kenji.sato@acme.example", "huge.png"},    // over 2 MB
		{"linus.berg@acme.example", "missing.png"}, // not in the folder
		{"maria.garcia@acme.example", "../x.png"},  // outside the folder
	}
	e.writeCSV("in.csv", []string{"Email", "Photo"}, rows)
	job := e.write("job.yaml", "version: 1\ninput: in.csv\nfields: { email: Email, picture: Photo }\nsteps:\n  - upload_picture: { folder: photos }\n")

	// The file problems are the input's problems: validate reports them,
	// each with its row and file.
	j, err := jobfile.Load(job)
	if err != nil {
		t.Fatal(err)
	}
	sh, err := jobs.ReadSheet(j, jobs.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	probs := sh.Problems()
	wantProbs := map[int]string{5: "notes.txt is not a JPG or PNG", 6: "fake.jpg is named .jpg but is not", 7: "huge.png is 2.0 MB: Zoom takes at most 2 MB", 8: "missing.png is not in", 9: "not a file name inside"}
	if len(probs) != len(wantProbs) {
		t.Errorf("%d problems, want %d: %+v", len(probs), len(wantProbs), probs)
	}
	for _, p := range probs {
		if !strings.Contains(p.Msg, wantProbs[p.Row]) || p.Column != "Photo" {
			t.Errorf("row %d: %q (column %q), want %q", p.Row, p.Msg, p.Column, wantProbs[p.Row])
		}
	}

	out := filepath.Join(e.dir, "run1")
	if _, err := e.run(context.Background(), job, out, nil); err != nil {
		t.Fatal(err)
	}
	want := []string{"succeeded", "unchanged", "failed", "failed", "failed", "failed", "failed", "failed"}
	for i, r := range readResults(t, out) {
		if r["zb_status"] != want[i] {
			t.Errorf("row %d: %s %q, want %s", i+2, r["zb_status"], r["zb_reason"], want[i])
		}
	}
	if n := e.srv.Stats().Calls["POST /users/{userId}/picture"]; n != 1 {
		t.Errorf("%d uploads, want 1", n)
	}
	if u, _ := e.srv.UserByEmail("grace.hopper@acme.example"); u.Picture != "image/png" || u.PictureSize != len(pngBytes(t)) {
		t.Errorf("grace's picture: %q, %d bytes", u.Picture, u.PictureSize)
	}

	// A job whose folder does not exist is refused when loaded.
	bad := e.write("bad.yaml", "version: 1\ninput: in.csv\nfields: { email: Email, picture: Photo }\nsteps:\n  - upload_picture: { folder: nowhere }\n")
	if _, err := jobfile.Load(bad); err == nil || !strings.Contains(err.Error(), "nowhere") {
		t.Errorf("Load with a missing folder: %v", err)
	}
}

// A picture name may not lead out of the picture folder: not with "..",
// not through a symbolic link (to a file or a folder outside), and a FIFO
// named like a picture is refused instead of blocking the read. A link
// that stays inside the folder is fine.
func TestPicturePathsStayInTheFolder(t *testing.T) { synctest.Test(t, testPicturePathsStayInTheFolder) }

func testPicturePathsStayInTheFolder(t *testing.T) {
	e := newEnv(t, zoomtest.Options{NoRateLimits: true})
	pics := filepath.Join(e.dir, "photos")
	outside := filepath.Join(e.dir, "secret")
	for _, d := range []string{pics, filepath.Join(pics, "sub"), outside} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{filepath.Join(pics, "grace.png"), filepath.Join(outside, "private.png")} {
		if err := os.WriteFile(p, pngBytes(t), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	links := map[string]string{
		"out.png":      filepath.Join(outside, "private.png"), // absolute link out
		"rel.png":      "../secret/private.png",               // relative link out
		"sub/dir":      outside,                               // a folder link out
		"same.png":     "grace.png",                           // inside: allowed
		"sub/back.png": "../grace.png",                        // inside: allowed
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(pics, filepath.FromSlash(name))); err != nil {
			t.Skipf("no symbolic links here: %v", err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(pics, "pipe.png"), 0o644); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
	rows := [][]string{
		{"grace.hopper@acme.example", "same.png"},
		{"alan.turing@acme.example", "sub/back.png"},
		{"ada.lovelace@acme.example", "out.png"},
		{"sam.seller@acme.example", "rel.png"},
		{"kenji.sato@acme.example", "sub/dir/private.png"},
		{"maria.garcia@acme.example", "../secret/private.png"},
		{"linus.berg@acme.example", "pipe.png"},
	}
	e.writeCSV("in.csv", []string{"Email", "Photo"}, rows)
	job := e.write("job.yaml", "version: 1\ninput: in.csv\nfields: { email: Email, picture: Photo }\nsteps:\n  - upload_picture: { folder: photos }\n")
	j, err := jobfile.Load(job)
	if err != nil {
		t.Fatal(err)
	}
	sh, err := jobs.ReadSheet(j, jobs.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]string{4: "outside the picture folder", 5: "outside the picture folder", 6: "outside the picture folder",
		7: "not a file name inside", 8: "not a regular file"}
	got := map[int]string{}
	for _, p := range sh.Problems() {
		got[p.Row] = p.Msg
		if p.Column != "Photo" {
			t.Errorf("row %d: column %q, want Photo", p.Row, p.Column)
		}
	}
	for row, says := range want {
		if !strings.Contains(got[row], says) {
			t.Errorf("row %d: %q, want a problem saying %q", row, got[row], says)
		}
	}
	if len(got) != len(want) {
		t.Errorf("problems on rows %v, want %v", got, want)
	}
	out := filepath.Join(e.dir, "run")
	if _, err := e.run(context.Background(), job, out, nil); err != nil {
		t.Fatal(err)
	}
	if n := e.srv.Stats().Calls["POST /users/{userId}/picture"]; n != 2 {
		t.Errorf("%d uploads, want 2 (the links inside the folder)", n)
	}
}
