package jobs

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/mapping"
)

// Validate, which keeps no rows, reports what ReadSheet reports for the
// same file: the same problems in the same order, the same rows and notes,
// the same error.
func TestValidateAgreesWithReadSheet(t *testing.T) {
	manyBad := func() string {
		// Enough problems to spill to disk, with duplicates across it.
		var b strings.Builder
		b.WriteString("Email,License\n")
		for i := range 40_000 {
			email := fmt.Sprintf("u%d@x.io", i)
			if i%1000 == 999 {
				email = "U1@X.IO"
			}
			fmt.Fprintf(&b, "%s,Gold plated premium licence number %d\n", email, i)
		}
		return b.String()
	}
	for _, c := range []struct {
		name  string
		job   string // "" for the corpus job
		file  string
		input string
		xlsx  func(t *testing.T, path string)
		err   string
	}{
		{name: "corpus"},
		{name: "id and email keys", file: "in.csv", job: "match: id\nfields: {id: User ID, email: Email, first_name: First, last_name: Last, type: License}\nsteps: [create_users]\n",
			input: "User ID,Email,First,Last,License\nu1,a@x.io,A,A,Basic\n,b@x.io,B,B,Basic\nu1,c@x.io,C,C,Basic\n,A@X.IO,D,D,Basic\n,,E,E,Basic\nu1, a@x.io ,F,F,Basic\n"},
		{name: "one email eight times", file: "in.csv", job: "fields: {email: Email, dept: {default: X}}\nsteps: [update_users]\n",
			input: "Email\n" + strings.Repeat("Same@x.io\n", 8)},
		{name: "group admins: two fields", file: "in.csv", job: "fields: {group: Group, email: Email}\nsteps: [group_admins]\n",
			input: "Group,Email\nSales,a@x.io\nsales,A@x.io\nSales,b@x.io\n,c@x.io\nSALES,a@x.io\n"},
		{name: "our failed.csv fed back", file: "failed.csv", job: "fields: {email: Email, dept: Dept}\nsteps: [update_users]\n",
			input: "Email,Dept,zb_row\na@x.io,HR,12\nbad@,HR,15\na@x.io,HR,40\nb@x.io,HR,x\n"},
		{name: "pictures", file: "in.csv", job: "fields: {email: Email, picture: Photo}\nsteps:\n  - upload_picture: { folder: . }\n",
			input: "Email,Photo\na@x.io,a.jpg\nb@x.io,\na@x.io,c.png\n"},
		{name: "problems past the spill", file: "in.csv", job: "fields: {email: Email, type: {column: License, values: {Basic: 1}}}\nsteps: [update_users]\n",
			input: manyBad()},
		{name: "xlsx: comments, hidden rows included", file: "in.xlsx", job: "input: {hidden_rows: include}\nfields: {email: Email, dept: Dept}\nsteps: [update_users]\n",
			xlsx: hiddenRowsXLSX},
		{name: "xlsx: hidden rows refused", file: "in.xlsx", job: "fields: {email: Email, dept: Dept}\nsteps: [update_users]\n",
			xlsx: hiddenRowsXLSX, err: "2 rows are hidden (by a filter or by hand): 4, 6"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var job *jobfile.Job
			if c.job == "" {
				job = loadCorpusJob(t)
			} else {
				dir := t.TempDir()
				in := filepath.Join(dir, c.file)
				if c.xlsx != nil {
					c.xlsx(t, in)
				} else if err := os.WriteFile(in, []byte(c.input), 0o644); err != nil {
					t.Fatal(err)
				}
				body := "version: 1\n" + c.job
				if !strings.Contains(c.job, "input:") {
					body = "version: 1\ninput: " + c.file + "\n" + c.job
				} else {
					body = strings.Replace(body, "input: {", "input: {path: "+c.file+", ", 1)
				}
				var err error
				if job, err = jobfile.Load(writeJob(t, dir, "job.yaml", body)); err != nil {
					t.Fatal(err)
				}
			}
			s, rerr := ReadSheet(job, ReadOptions{})
			var got []mapping.Problem
			in, rows, verr := Validate(job, ReadOptions{}, func(p mapping.Problem) error { got = append(got, p); return nil })
			if c.err != "" {
				if rerr == nil || verr == nil || rerr.Error() != verr.Error() || !strings.Contains(verr.Error(), c.err) || got != nil {
					t.Fatalf("errors: ReadSheet %v; Validate %v, %d problems; want %q", rerr, verr, len(got), c.err)
				}
				return
			}
			if rerr != nil || verr != nil {
				t.Fatalf("ReadSheet: %v; Validate: %v", rerr, verr)
			}
			want := s.Problems()
			if len(want) == 0 {
				t.Fatal("the file has no problems: the case tests nothing")
			}
			if len(got) != len(want) {
				t.Fatalf("Validate gave %d problems, ReadSheet %d", len(got), len(want))
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("problem %d:\n Validate  %+v\n ReadSheet %+v", i, got[i], want[i])
				}
			}
			if rows != len(s.Rows) || !reflect.DeepEqual(in.Notes(), s.Notes()) {
				t.Errorf("Validate: %d rows, notes %q; ReadSheet: %d rows, notes %q", rows, in.Notes(), len(s.Rows), s.Notes())
			}
		})
	}
}

// hiddenRowsXLSX writes a sheet with a comment row and rows 4 and 6
// hidden.
func hiddenRowsXLSX(t *testing.T, path string) {
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range [][]any{{"Email", "Dept"}, {"# example", "x"}, {"a@x.io", "HR"}, {"a@x.io", "Ops"}, {"not an email", "HR"}, {"b@x.io", "IT"}} {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range []int{4, 6} {
		if err := f.SetRowVisible("Sheet1", n, false); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
}
