package cli

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// The job a run builds from a sheet's headers (--steps), as the admin
// reads it in the plan's Mapping line and its ignored columns: which
// header feeds which field (with the value keys of labelled columns such
// as License), which are left and why, and the usage errors of --steps
// and --match.
func TestAutoJobMapsHeaders(t *testing.T) {
	dir := t.TempDir()
	csvFile := func(name, header string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(header+"\r\na@acme.example\r\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	book := filepath.Join(dir, "hires.xlsx")
	f := excelize.NewFile()
	f.SetSheetName("Sheet1", "New Hires")
	f.SetSheetRow("New Hires", "A1", &[]any{"Email", "First Name", "Last Name"})
	if err := f.SaveAs(book); err != nil {
		t.Fatal(err)
	}
	f.Close()

	tests := []struct {
		name    string
		path    string
		o       autoOptions
		usage   string            // a part of the usage error (exit 2)
		err     string            // a part of another error
		mapped  string            // "header->field" pairs, in header order
		why     map[string]string // ignored header -> a part of why
		values  map[string]string // field -> a value key it maps, "cell=value"
		inSheet string
	}{
		{name: "unknown step", path: csvFile("a.csv", "Email"), o: autoOptions{steps: []string{" update_user "}},
			usage: `--steps: unknown step "update_user" (did you mean "update_users"?)`},
		{name: "bad match", path: csvFile("b.csv", "Email"), o: autoOptions{steps: []string{"update_users"}, match: "name"},
			usage: `--match is email or id, not "name"`},
		{name: "no such file", path: filepath.Join(dir, "nope.csv"), o: autoOptions{steps: []string{"update_users"}},
			err: "nope.csv"},
		{name: "headers of every kind", o: autoOptions{steps: []string{"create_users"}, maps: []string{"Work Email=email"}},
			path:   csvFile("c.csv", "Work Email,Email,,Favourite Colour,First Name,Last Name,License"),
			mapped: "Work Email->email First Name->first_name Last Name->last_name License->type",
			why: map[string]string{
				"Email":            `email is read from "Work Email"`,
				"Favourite Colour": `not a header of the tool's exports or templates: --map "Favourite Colour=FIELD" to read it`,
			},
			values: map[string]string{"type": "licensed=2"}},
		{name: "a step's field missing", path: csvFile("d.csv", "Email,First Name,Last Name"), o: autoOptions{steps: []string{"create_users"}},
			err: `create_users needs the field "type"`},
		{name: "a workbook's sheet", path: book, o: autoOptions{steps: []string{"update_users"}, sheet: "New Hires"},
			mapped: "Email->email First Name->first_name Last Name->last_name", inSheet: "New Hires"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := autoJob(tt.path, tt.o)
			var ee *ExitError
			switch {
			case tt.usage != "":
				if !errors.As(err, &ee) || ee.Code != ExitUsage || !strings.Contains(err.Error(), tt.usage) {
					t.Fatalf("err = %v, want a usage error saying %q", err, tt.usage)
				}
				return
			case tt.err != "":
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want one naming %q", err, tt.err)
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			var mapped []string
			for _, m := range src.mapped {
				mapped = append(mapped, m[0]+"->"+m[1])
			}
			if got := strings.Join(mapped, " "); got != tt.mapped {
				t.Errorf("mapped %s, want %s", got, tt.mapped)
			}
			if len(src.ignored) != len(tt.why) {
				t.Errorf("ignored %q, want %d headers", src.ignored, len(tt.why))
			}
			for h, want := range tt.why {
				if !strings.Contains(src.why[h], want) {
					t.Errorf("%q ignored because %q, want %q", h, src.why[h], want)
				}
			}
			for field, kv := range tt.values {
				cell, value, _ := strings.Cut(kv, "=")
				found := false
				for _, s := range src.job.Fields {
					for k, v := range s.Values {
						found = found || (s.Field == field && strings.EqualFold(k, cell) && v == value)
					}
				}
				if !found {
					t.Errorf("the job does not map %s %q to %q: %+v", field, cell, value, src.job.Fields)
				}
			}
			if src.job.Input.Sheet != tt.inSheet {
				t.Errorf("the job reads sheet %q, want %q", src.job.Input.Sheet, tt.inSheet)
			}
		})
	}
}
