package templates_test

import (
	"archive/zip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	_ "github.com/zoombulk/zoombulk/internal/jobs" // registers the step kinds
	"github.com/zoombulk/zoombulk/internal/templates"
)

// Every template workbook carries its job: EmbeddedJob gives back the job
// file's exact text, from a hidden, protected sheet that is not the one
// Excel opens on; the job still loads once the workbook is renamed.
func TestEmbeddedJob(t *testing.T) {
	dir := t.TempDir()
	for _, k := range templates.Kinds() {
		t.Run(k.Name, func(t *testing.T) {
			path := filepath.Join(dir, k.Name+".xlsx")
			files, err := templates.Write(templates.Options{Kind: k.Name, Path: path, Force: true})
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(files.Job)
			if err != nil {
				t.Fatal(err)
			}
			got, ok, err := templates.EmbeddedJob(path)
			if err != nil || !ok {
				t.Fatalf("EmbeddedJob: ok %v, err %v", ok, err)
			}
			if string(got) != string(want) {
				t.Errorf("embedded job differs from %s:\n%s\n--- want ---\n%s", files.Job, got, want)
			}

			f, err := excelize.OpenFile(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			visible, err := f.GetSheetVisible(templates.JobSheet)
			if err != nil || visible {
				t.Errorf("job sheet visible %v (%v), want hidden", visible, err)
			}
			if f.GetSheetName(f.GetActiveSheetIndex()) != k.Sheet {
				t.Errorf("the workbook opens on %q, want %q", f.GetSheetName(f.GetActiveSheetIndex()), k.Sheet)
			}
			rows, _ := f.GetRows(templates.InstructionsSheet)
			var said bool
			for _, r := range rows {
				said = said || (len(r) > 0 && strings.Contains(r[0], "zoombulk job "+k.Name+".xlsx"))
			}
			if !said {
				t.Errorf("the Instructions sheet does not say the workbook carries its job")
			}

			// Renamed (and without its job file), the workbook's job reads the workbook.
			other := filepath.Join(t.TempDir(), "q3 "+k.Name+".xlsx")
			if err := os.Rename(path, other); err != nil {
				t.Fatal(err)
			}
			got, ok, err = templates.EmbeddedJob(other)
			if err != nil || !ok {
				t.Fatalf("renamed: ok %v, err %v", ok, err)
			}
			jobPath := filepath.Join(filepath.Dir(other), "job.yaml")
			if err := os.WriteFile(jobPath, got, 0o644); err != nil {
				t.Fatal(err)
			}
			job, err := jobfile.Load(jobPath)
			if err != nil {
				t.Fatalf("the embedded job does not load: %v\n%s", err, got)
			}
			if job.Input.Path != other || job.Input.Sheet != k.Sheet {
				t.Errorf("renamed workbook's job reads %q sheet %q, want %q sheet %q", job.Input.Path, job.Input.Sheet, other, k.Sheet)
			}
		})
	}
}

// The job sheet is protected (Excel refuses edits until it is
// unprotected); the data sheet is not.
func TestEmbeddedJobSheetIsProtected(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hires.xlsx")
	if _, err := templates.Write(templates.Options{Kind: "create-users", Path: path}); err != nil {
		t.Fatal(err)
	}
	protected := 0
	for name, body := range unzip(t, path) {
		if strings.HasPrefix(name, "xl/worksheets/") && strings.Contains(body, "<sheetProtection") {
			protected++
		}
	}
	if protected != 1 {
		t.Errorf("%d protected sheets, want 1 (the job's)", protected)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); len(got) != 3 || got[2] != templates.JobSheet {
		t.Fatalf("sheets %q", got)
	}
	// Unprotected sheets read back with every option false.
	job, err1 := f.GetSheetProtection(templates.JobSheet)
	data, err2 := f.GetSheetProtection("Users")
	if err1 != nil || err2 != nil || !job.SelectLockedCells || data.SelectLockedCells {
		t.Errorf("protection: job %+v, data %+v (%v %v)", job, data, err1, err2)
	}
}

// Files that carry no job say so without an error; a missing file is one.
func TestEmbeddedJobNone(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "hires.csv")
	if _, err := templates.Write(templates.Options{Kind: "create-users", Path: csv}); err != nil {
		t.Fatal(err)
	}
	plain := filepath.Join(dir, "plain.xlsx")
	f := excelize.NewFile()
	if err := f.SaveAs(plain); err != nil {
		t.Fatal(err)
	}
	f.Close()
	for _, p := range []string{csv, plain} {
		if job, ok, err := templates.EmbeddedJob(p); ok || err != nil || job != nil {
			t.Errorf("%s: %q, %v, %v; want no job and no error", p, job, ok, err)
		}
	}
	if _, ok, err := templates.EmbeddedJob(filepath.Join(dir, "nope.xlsx")); ok || err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("missing file: ok %v, err %v", ok, err)
	}
}

// unzip reads every part of an .xlsx file.
func unzip(t *testing.T, path string) map[string]string {
	t.Helper()
	r, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	parts := map[string]string{}
	for _, f := range r.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		parts[f.Name] = string(b)
	}
	return parts
}
