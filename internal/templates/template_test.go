package templates_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	_ "github.com/zoombulk/zoombulk/internal/jobs" // registers the step kinds

	"github.com/xuri/excelize/v2"
	"go.yaml.in/yaml/v3"

	"github.com/zoombulk/zoombulk/internal/mapping"
	"github.com/zoombulk/zoombulk/internal/templates"
)

// Every kind is consistent with the catalogue: its fields exist, its values
// maps send allowed values, its examples fit its columns.
func TestTemplateKindsMatchTheCatalogue(t *testing.T) {
	names := map[string]bool{}
	for _, k := range templates.Kinds() {
		if names[k.Name] {
			t.Errorf("kind %s twice", k.Name)
		}
		names[k.Name] = true
		if k.Summary == "" || k.Sheet == "" || len(k.About) == 0 || len(k.Steps) == 0 {
			t.Errorf("%s: summary, sheet, about and steps are all needed", k.Name)
		}
		if len(k.Examples) != 2 {
			t.Errorf("%s: %d example rows, want 2", k.Name, len(k.Examples))
		}
		for _, ex := range k.Examples {
			if len(ex) > len(k.Columns) || !strings.HasPrefix(ex[0], "#") {
				t.Errorf("%s: example %q", k.Name, ex)
			}
		}
		// A template's rows are users (named by email) or, for a group
		// policy, groups (named by group).
		if (k.Columns[0].Field != "email" && k.Columns[0].Field != "group") || !k.Columns[0].Required {
			t.Errorf("%s: the first column must be the required email (or group)", k.Name)
		}
		for _, c := range k.Columns {
			f, ok := mapping.Lookup(c.Field)
			if !ok {
				t.Errorf("%s: column %s maps the unknown field %q", k.Name, c.Header, c.Field)
				continue
			}
			for _, v := range c.Values {
				if got, p := f.Canonical(v.Value); p != nil || got != v.Value {
					t.Errorf("%s: column %s: %q sends %q, which the catalogue reads as %q (%v)", k.Name, c.Header, v.Cell, v.Value, got, p)
				}
			}
			if (f.Kind == mapping.Enum || f.Kind == mapping.Bool) && len(c.Values) == 0 {
				t.Errorf("%s: column %s is enumerated but has no values map (no dropdown)", k.Name, c.Header)
			}
		}
	}
}

func TestCapacityValues(t *testing.T) {
	k, _ := templates.Lookup("licenses")
	want := map[string]map[string]string{
		"Webinar":       {"100": "16", "500": "1", "1000": "64", "Promo 500": "16384", "None": "0"},
		"Large Meeting": {"100": "1", "500": "128", "5000": "2048", "None": "0"},
		"Zoom Events":   {"500": "500", "50000": "50000", "None": "0"},
		"Whiteboard":    {"On": "true", "Off": "false"},
	}
	for _, c := range k.Columns {
		got := map[string]string{}
		for _, v := range c.Values {
			got[v.Cell] = v.Value
		}
		for cell, v := range want[c.Header] {
			if got[cell] != v {
				t.Errorf("%s: %q sends %q, want %q", c.Header, cell, got[cell], v)
			}
		}
		if len(c.Values) > 0 && c.Values[len(c.Values)-1].Cell != "None" && c.Header != "Whiteboard" && c.Header != "License" {
			t.Errorf("%s: None should close the list: %v", c.Header, c.Values)
		}
	}
}

// The job file of every kind loads, maps exactly the template's columns
// with their values maps, and names the spreadsheet beside it.
func TestTemplateJobs(t *testing.T) {
	dir := t.TempDir()
	for _, k := range templates.Kinds() {
		for _, ext := range []string{".xlsx", ".csv"} {
			path := filepath.Join(dir, k.Name+ext)
			files, err := templates.Write(templates.Options{Kind: k.Name, Path: path, Force: true})
			if err != nil {
				t.Fatal(err)
			}
			if files.Sheet != path || files.Job != filepath.Join(dir, k.Name+".yaml") {
				t.Errorf("files %+v", files)
			}
			job, err := jobfile.Load(files.Job)
			if err != nil {
				t.Fatalf("%s%s: %v", k.Name, ext, err)
			}
			if job.Input.Path != path || job.Name != k.Name || job.Match != "email" || job.Limits.MaxFailuresPct != 5 {
				t.Errorf("%s: input %+v, name %q, match %q, limits %+v", k.Name, job.Input, job.Name, job.Match, job.Limits)
			}
			if (ext == ".xlsx") != (job.Input.Sheet == k.Sheet) {
				t.Errorf("%s%s: sheet %q", k.Name, ext, job.Input.Sheet)
			}
			if len(job.Fields) != len(k.Columns) {
				t.Fatalf("%s: %d fields for %d columns", k.Name, len(job.Fields), len(k.Columns))
			}
			for i, c := range k.Columns {
				spec := job.Fields[i]
				if spec.Field != c.Field || spec.Column != c.Header || spec.Default != c.Default || len(spec.Values) != len(c.Values) {
					t.Errorf("%s: field %+v, want the column %+v", k.Name, spec, c)
				}
				for _, v := range c.Values {
					if spec.Values[v.Cell] != v.Value {
						t.Errorf("%s: %s: %q sends %q, want %q", k.Name, c.Field, v.Cell, spec.Values[v.Cell], v.Value)
					}
				}
			}
			// The comments are YAML comments: the file is a plain map.
			data, _ := os.ReadFile(files.Job)
			var m map[string]any
			if err := yaml.Unmarshal(data, &m); err != nil || m["version"] != 1 {
				t.Errorf("%s: %v %v", k.Name, err, m)
			}
			if !strings.Contains(string(data), "zoombulk run "+k.Name+".yaml") {
				t.Errorf("%s: the job's comments do not say how to run it", k.Name)
			}
		}
	}
}

func TestTemplateDropdownsFromTheAccount(t *testing.T) {
	dir := t.TempDir()
	var groups []string
	for i := 60; i > 0; i-- {
		groups = append(groups, fmt.Sprintf("Team %02d", i))
	}
	groups = append(groups, "team 07", " ", "Ünïcode & Co")
	path := filepath.Join(dir, "hires.xlsx")
	_, err := templates.Write(templates.Options{Kind: "create-users", Path: path,
		Groups: groups, Divisions: []string{"EMEA", "Americas"}})
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows("Users")
	// The examples' Sales/Engineering are not groups of this account: the
	// account's own names replace them.
	if rows[1][7] != "Team 01" || rows[2][7] != "Team 02" || rows[1][8] != "Americas" || rows[2][8] != "EMEA" {
		t.Errorf("examples %q", rows[1:])
	}
	dvs, _ := f.GetDataValidations("Users")
	var listRef string
	for _, dv := range dvs {
		if strings.HasPrefix(dv.Sqref, "H2:") {
			listRef = dv.Formula1
		}
	}
	if !strings.Contains(listRef, "!") {
		t.Fatalf("61 group names need a list on a hidden sheet, got %q", listRef)
	}
	sheetName := strings.Trim(strings.SplitN(listRef, "!", 2)[0], "'")
	vals, _ := f.GetCols(sheetName)
	if len(vals[0]) != 61 || vals[0][0] != "Team 01" || vals[0][59] != "Team 60" || vals[0][60] != "Ünïcode & Co" || slices.Contains(vals[0], "team 07") {
		t.Errorf("group list %q", vals[0])
	}
	if vis, _ := f.GetSheetVisible(sheetName); vis {
		t.Errorf("the list sheet is visible")
	}
}

func TestCheckTemplate(t *testing.T) {
	dir := t.TempDir()
	exists := filepath.Join(dir, "a.yaml")
	_ = os.WriteFile(exists, nil, 0o644)
	_ = os.Mkdir(filepath.Join(dir, "b.xlsx"), 0o755)
	tests := []struct {
		kind, path string
		force      bool
		want       string
	}{
		{"create-users", filepath.Join(dir, "ok.xlsx"), false, ""},
		{"Create-Users", filepath.Join(dir, "ok.csv"), false, ""},
		{"create-user", filepath.Join(dir, "ok.xlsx"), false, `did you mean "create-users"?`},
		{"nothing-like-it", filepath.Join(dir, "ok.xlsx"), false, "the templates are create-users, update-users"},
		{"licenses", filepath.Join(dir, "a.xlsx"), false, "a.yaml already exists: pass --force"},
		{"licenses", filepath.Join(dir, "a.xlsx"), true, ""},
		{"licenses", filepath.Join(dir, "b.xlsx"), true, "is a folder"},
		{"licenses", filepath.Join(dir, "a"), false, "the file name has no extension"},
		{"licenses", "", false, "no output file"},
	}
	for _, tt := range tests {
		_, _, err := templates.Check(tt.kind, tt.path, tt.force)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s %s: %v", tt.kind, tt.path, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s %s: %v, want %q", tt.kind, tt.path, err, tt.want)
		}
		var ue *templates.UsageError
		if err != nil && !errors.As(err, &ue) {
			t.Errorf("%v is not a usage error", err)
		}
	}
}

func TestDescribeField(t *testing.T) {
	tests := map[string]string{
		"first_name":      "text, at most 64 characters",
		"pmi":             "digits, exactly 10 digits",
		"host_key":        "digits, 6 to 10 digits",
		"password":        "text, 8 to 32 characters",
		"email":           "email, at most 128 characters",
		"type":            "one of the values",
		"webinar":         "one of the values",
		"zoom_clips_plus": "true/false",
	}
	for name, want := range tests {
		f, _ := mapping.Lookup(name)
		if got := templates.DescribeField(f).Rule(); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	f, _ := mapping.Lookup("type")
	d := templates.DescribeField(f)
	if !slices.Equal(d.Values, []string{"1 (Basic)", "2 (Licensed)", "4 (Unassigned without Meetings Basic)"}) || !slices.Contains(d.Aliases, "licensed") {
		t.Errorf("type: %+v", d)
	}
	if docs := templates.FieldDocs(); len(docs) != len(mapping.Catalogue()) {
		t.Errorf("%d docs", len(docs))
	}
}
