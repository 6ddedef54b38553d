package main

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/zoombulk/zoombulk/internal/mapping"
	"github.com/zoombulk/zoombulk/internal/templates"
)

// The docs' template, field and troubleshooting tables are what the code
// generates, each in the file DocFiles names.
func TestReadmeIsCurrent(t *testing.T) {
	for file, sections := range DocSections() {
		data, err := os.ReadFile(filepath.Join("..", "..", "..", file))
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		updated, err := UpdateReadme(string(data), sections)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if updated != string(data) {
			t.Errorf("%s's generated sections %v are stale: run go generate ./internal/templates", file, slices.Sorted(maps.Keys(sections)))
		}
	}
	// Every generated section has a file to live in.
	for name := range ReadmeSections() {
		if DocFiles[name] == "" {
			t.Errorf("generated section %q has no file in DocFiles", name)
		}
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
		if !strings.Contains(kinds, "| [`"+k.Name+"`](../templates/"+k.Name+".xlsx) |") {
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
