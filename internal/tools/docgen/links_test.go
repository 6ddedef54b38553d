package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The README is the entry point and docs/ holds the reference: every
// relative link in them leads to a file of the repository, and every
// #anchor to a heading of the page it names, so that moving a section
// cannot leave a link dangling.

// docPages are README.md and docs/*.md, relative to the repository root.
func docPages(t *testing.T, root string) []string {
	t.Helper()
	pages, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) == 0 {
		t.Fatal("no docs/*.md")
	}
	return append([]string{filepath.Join(root, "README.md")}, pages...)
}

var (
	mdLink     = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	inlineCode = regexp.MustCompile("`[^`]*`")
	headingRe  = regexp.MustCompile(`^(#{1,6})\s+(.*?)\s*#*\s*$`)
	slugDrop   = regexp.MustCompile(`[^\p{L}\p{N}\s_-]`)
)

// prose is a page's lines outside fenced code blocks (a "# comment" in a
// shell block is no heading, a "](" in one no link).
func prose(text string) []string {
	var out []string
	fenced := false
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fenced = !fenced
			continue
		}
		if !fenced {
			out = append(out, line)
		}
	}
	return out
}

// anchors are the ids GitHub gives a page's headings: lower case, inline
// code marks and punctuation dropped, spaces made hyphens, and "-1", "-2"
// after a repeated one.
func anchors(text string) map[string]bool {
	ids := map[string]bool{}
	seen := map[string]int{}
	for _, line := range prose(text) {
		m := headingRe.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		id := slug(m[2])
		if n := seen[id]; n > 0 {
			ids[fmt.Sprintf("%s-%d", id, n)] = true
		} else {
			ids[id] = true
		}
		seen[id]++
	}
	return ids
}

func slug(heading string) string {
	s := strings.ToLower(strings.ReplaceAll(heading, "`", ""))
	s = slugDrop.ReplaceAllString(s, "")
	return strings.ReplaceAll(s, " ", "-")
}

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{
		"Rate limits, tiers and --share":                   "rate-limits-tiers-and---share",
		"Values of plan_united_type":                       "values-of-plan_united_type",
		"Change control: apply the plan that was approved": "change-control-apply-the-plan-that-was-approved",
		"Daily caps and `--resume`":                        "daily-caps-and---resume",
	} {
		if got := slug(in); got != want {
			t.Errorf("slug(%q) = %q, want %q", in, got, want)
		}
	}
	ids := anchors("# A\n```\n# not a heading\n```\n## A\n")
	if !ids["a"] || !ids["a-1"] || ids["not-a-heading"] {
		t.Errorf("anchors = %v", ids)
	}
}

func TestDocLinksResolve(t *testing.T) {
	root := filepath.Join("..", "..", "..")
	links := 0
	for _, page := range docPages(t, root) {
		data, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		name, _ := filepath.Rel(root, page)
		for n, line := range prose(string(data)) {
			for _, m := range mdLink.FindAllStringSubmatch(inlineCode.ReplaceAllString(line, ""), -1) {
				target := m[1]
				if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
					continue
				}
				links++
				file, anchor, _ := strings.Cut(target, "#")
				dest := page
				if file != "" {
					dest = filepath.Join(filepath.Dir(page), filepath.FromSlash(file))
					if _, err := os.Stat(dest); err != nil {
						t.Errorf("%s (prose line %d): link %q: no such file", name, n+1, target)
						continue
					}
				}
				if anchor == "" {
					continue
				}
				text, err := os.ReadFile(dest)
				if err != nil || !strings.HasSuffix(dest, ".md") {
					t.Errorf("%s (prose line %d): link %q: an anchor in a file that is not Markdown", name, n+1, target)
					continue
				}
				if !anchors(string(text))[anchor] {
					t.Errorf("%s (prose line %d): link %q: no heading with that anchor", name, n+1, target)
				}
			}
		}
	}
	if links == 0 {
		t.Error("no relative link found: the test would prove nothing")
	}
}

// The docs are for admins with a clone or a release: nothing in them may
// send a reader to files outside the repository.
func TestDocsPointInsideTheRepository(t *testing.T) {
	root := filepath.Join("..", "..", "..")
	for _, page := range docPages(t, root) {
		data, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		for n, line := range strings.Split(string(data), "\n") {
			for _, bad := range []string{"../shared", "zoom-api/", "users-api-reference", "FACTS.md", "ZoomUserAPISpec"} {
				if strings.Contains(line, bad) {
					t.Errorf("%s:%d mentions %q", page, n+1, bad)
				}
			}
		}
	}
}

// The README is the entry point: every page of docs/ is reachable from it.
func TestReadmeLinksEveryDocsPage(t *testing.T) {
	root := filepath.Join("..", "..", "..")
	data, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	linked := map[string]bool{}
	for _, line := range prose(string(data)) {
		for _, m := range mdLink.FindAllStringSubmatch(line, -1) {
			file, _, _ := strings.Cut(m[1], "#")
			linked[file] = true
		}
	}
	for _, page := range docPages(t, root)[1:] {
		if rel := "docs/" + filepath.Base(page); !linked[rel] {
			t.Errorf("README.md has no link to %s", rel)
		}
	}
}

// The README stays an entry point (what the tool is, install, the quick
// start, links); the reference goes in docs/.
func TestReadmeStaysShort(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(data), "\n"); n > 300 {
		t.Errorf("README.md has %d lines, more than 300: move reference text to docs/ and link it", n)
	}
}
