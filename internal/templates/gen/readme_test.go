package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zoombulk/zoombulk/internal/mapping"
	"github.com/zoombulk/zoombulk/internal/templates"
)

// The README's template and field tables are what the code generates.
func TestReadmeIsCurrent(t *testing.T) {
	path := filepath.Join("..", "..", "..", "README.md")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("no README here: %v", err)
	}
	updated, err := UpdateReadme(string(data), ReadmeSections())
	if err != nil {
		t.Fatal(err)
	}
	if updated != string(data) {
		t.Errorf("README.md's generated sections (templates, fields, troubleshooting) are stale: run go generate ./internal/templates")
	}
}

// Every catalogue field has a row in the fields table, every kind one in
// the templates table.
func TestReadmeTablesAreComplete(t *testing.T) {
	fields := FieldsMarkdown()
	for _, f := range mapping.Catalogue() {
		if !strings.Contains(fields, "| `"+f.Name+"` |") {
			t.Errorf("no row for field %s", f.Name)
		}
	}
	kinds := TemplatesMarkdown()
	for _, k := range templates.Kinds() {
		if !strings.Contains(kinds, "| [`"+k.Name+"`](templates/"+k.Name+".xlsx) |") {
			t.Errorf("no row for template %s", k.Name)
		}
	}
}

func TestUpdateReadme(t *testing.T) {
	text := "a\n<!-- BEGIN GENERATED: x (make templates) -->\nold\n<!-- END GENERATED: x -->\nb\n"
	got, err := UpdateReadme(text, map[string]string{"x": "new\n"})
	if err != nil || got != "a\n<!-- BEGIN GENERATED: x (make templates) -->\nnew\n<!-- END GENERATED: x -->\nb\n" {
		t.Errorf("got %q, %v", got, err)
	}
	if _, err := UpdateReadme("no sections", map[string]string{"x": ""}); err == nil {
		t.Error("a README without the section is not an error")
	}
}
