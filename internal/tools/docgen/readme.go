package main

// The docs' tables of the templates and of the job file's fields are
// generated from the kinds and the catalogue, and the troubleshooting table
// from the engine's hints, so that they never disagree with what the tool
// writes and checks:
//
//	go generate ./internal/templates
//
// rewrites them, and TestReadmeIsCurrent fails when they are stale.

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/zoombulk/zoombulk/internal/jobs"
	"github.com/zoombulk/zoombulk/internal/templates"
)

// ReadmeSections are the sections this package generates, by name: each
// sits between "<!-- BEGIN GENERATED: NAME (make templates) -->" and
// "<!-- END GENERATED: NAME -->" in the docs file DocSections gives it.
func ReadmeSections() map[string]string {
	return map[string]string{"templates": TemplatesMarkdown(), "fields": FieldsMarkdown(), "troubleshooting": TroubleshootingMarkdown(), "scopes": ScopesMarkdown(), "steps": StepsMarkdown()}
}

// DocFiles says which file, relative to the repository root, holds each
// generated section: the README is the entry point and the reference
// tables live with the reference in docs/.
var DocFiles = map[string]string{
	"templates":       "docs/jobs.md",
	"fields":          "docs/jobs.md",
	"troubleshooting": "docs/troubleshooting.md",
	"scopes":          "docs/credentials.md",
	"steps":           "docs/jobs.md",
}

// DocSections are ReadmeSections grouped by the file that holds them.
func DocSections() map[string]map[string]string {
	out := map[string]map[string]string{}
	for name, body := range ReadmeSections() {
		file := DocFiles[name]
		if out[file] == nil {
			out[file] = map[string]string{}
		}
		out[file][name] = body
	}
	return out
}

// TroubleshootingMarkdown is docs/troubleshooting.md's table of Zoom's error codes and
// the features call's reasons, with the hint the results give for each.
func TroubleshootingMarkdown() string {
	cell := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	var b strings.Builder
	b.WriteString("| code | what Zoom means | what to do (`zb_hint`) |\n|---|---|---|\n")
	for _, h := range jobs.Hints() {
		code := fmt.Sprint(h.Code)
		if h.Code == 0 {
			code = fmt.Sprintf("HTTP %d", h.Status)
		}
		if h.Message != "" {
			code += fmt.Sprintf(" (message has %q)", h.Message)
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", code, cell(h.Meaning), cell(h.Do))
	}
	b.WriteString("\n`update_features` answers per user; a user it could not update gets Zoom's reason and this hint:\n\n")
	b.WriteString("| reason (`fail_details`) | what to do (`zb_hint`) |\n|---|---|\n")
	reasons := jobs.FeatureHints()
	for _, r := range slices.Sorted(maps.Keys(reasons)) {
		fmt.Fprintf(&b, "| %s | %s |\n", cell(r), cell(reasons[r]))
	}
	return b.String()
}

// UpdateReadme replaces the generated sections in a docs file's text; every
// section given must be in it.
func UpdateReadme(text string, sections map[string]string) (string, error) {
	for name, body := range sections {
		begin := "<!-- BEGIN GENERATED: " + name + " (make templates) -->\n"
		end := "<!-- END GENERATED: " + name + " -->"
		i := strings.Index(text, begin)
		j := strings.Index(text, end)
		if i < 0 || j < i {
			return "", fmt.Errorf("no %q ... %q section", strings.TrimSpace(begin), end)
		}
		text = text[:i+len(begin)] + body + text[j:]
	}
	return text, nil
}

func mdCell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

var stepLine = regexp.MustCompile(`^\s*- (\w+)`)

// TemplatesMarkdown is the table of template kinds in docs/jobs.md; its
// links climb out of docs/ to the committed workbooks.
func TemplatesMarkdown() string {
	var b strings.Builder
	b.WriteString("| kind | for | columns (required in bold) | steps |\n|---|---|---|---|\n")
	for _, k := range templates.Kinds() {
		var cols, steps []string
		for _, c := range k.Columns {
			if c.Required {
				cols = append(cols, "**"+c.Header+"**")
			} else {
				cols = append(cols, c.Header)
			}
		}
		for _, l := range k.Steps {
			if m := stepLine.FindStringSubmatch(l); m != nil {
				steps = append(steps, "`"+m[1]+"`")
			}
		}
		run := ""
		if len(k.RunFlags) > 0 {
			run = " (run with `" + strings.Join(k.RunFlags, " ") + "`)"
		}
		fmt.Fprintf(&b, "| [`%s`](../templates/%s.xlsx) | %s | %s | %s%s |\n", k.Name, k.Name, mdCell(k.Summary),
			strings.Join(cols, ", "), strings.Join(steps, ", "), run)
	}
	b.WriteString("\nThe CSV variant of `create-users` is in `templates/csv/`.\n")
	return b.String()
}

// longList is the length past which a field's values go below the table.
const longList = 9

// FieldsMarkdown is docs/jobs.md's table of the job file's fields.
func FieldsMarkdown() string {
	var b strings.Builder
	var below []templates.FieldDoc
	b.WriteString("| field | type and limits | values | `<clear>` | step | what |\n|---|---|---|---|---|---|\n")
	for _, d := range templates.FieldDocs() {
		values := ""
		switch {
		case len(d.Values) > longList:
			values = fmt.Sprintf("%d codes, [below](#values-of-%s)", len(d.Values), d.Name)
			below = append(below, d)
		case len(d.Values) > 0:
			values = codeList(d.Values)
		}
		if len(d.Aliases) > 0 {
			values += "; also " + strings.Join(quoteAll(d.Aliases), ", ")
		}
		clear := ""
		if d.Clearable {
			clear = "yes"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s |\n", d.Name, mdCell(d.Rule()), mdCell(values), clear, mdCell(d.Step), mdCell(d.Doc))
	}
	for _, d := range below {
		fmt.Fprintf(&b, "\n#### Values of %s\n\n%s.\n", d.Name, codeList(d.Values))
	}
	return b.String()
}

// codeList writes "1 (Basic)" as "`1` Basic".
func codeList(values []string) string {
	out := make([]string, len(values))
	for i, v := range values {
		code, label, ok := strings.Cut(v, " (")
		if ok {
			out[i] = "`" + code + "` " + strings.TrimSuffix(label, ")")
		} else {
			out[i] = "`" + v + "`"
		}
	}
	return strings.Join(out, ", ")
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = "`" + s + "`"
	}
	return out
}
