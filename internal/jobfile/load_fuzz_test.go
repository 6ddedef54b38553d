package jobfile_test

import (
	"errors"
	. "github.com/zoombulk/zoombulk/internal/jobfile"
	_ "github.com/zoombulk/zoombulk/internal/jobs" // registers the step kinds
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad: any job file loads or fails with *JobErrors, never panics.
func FuzzLoad(f *testing.F) {
	f.Add(goodJob)
	f.Add("version: 1\nfields: {email: Email}\nsteps: [update_users, {move_group: {to: group}}]\n")
	f.Add("a: &a [*a]\n")
	f.Add("steps:\n  - update_features: [webinar, {feature_type: webinar, value: type}]\n")
	f.Add("version: 1\nfields:\n  type: {default: 1, values: {x: 2}}\nsteps:\n  - create_users:\n    action: create\n")
	f.Add("- 1\n- 2\n")
	f.Add("version: 1\n\tfields: x\n")
	dir := f.TempDir()
	path := filepath.Join(dir, "job.yaml")
	f.Fuzz(func(t *testing.T, body string) {
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		job, err := Load(path)
		if err == nil {
			if job.Version != 1 || len(job.Steps) == 0 {
				t.Fatalf("loaded a bad job: %+v", job)
			}
			return
		}
		var je *JobError
		if !errors.As(err, &je) {
			t.Fatalf("%T: %v", err, err)
		}
	})
}
