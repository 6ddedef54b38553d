package jobs

import (
	"strings"

	"github.com/zoombulk/zoombulk/internal/fuzzy"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// named is a group or division as a row may name it.
type named struct {
	ID, Name string
	Main     bool
}

// nameIndex resolves what a cell says (a name, any case, or an ID) to a
// group or division.
type nameIndex struct {
	kind   string // "group" or "division", for messages
	byID   map[string]named
	byName map[string]named
	names  []string
}

func newNameIndex(kind string, items []named) *nameIndex {
	ix := &nameIndex{kind: kind, byID: map[string]named{}, byName: map[string]named{}}
	for _, it := range items {
		ix.byID[it.ID] = it
		ix.byName[strings.ToLower(strings.TrimSpace(it.Name))] = it
		ix.names = append(ix.names, it.Name)
	}
	return ix
}

func groupIndex(groups []zoom.Group) *nameIndex {
	items := make([]named, len(groups))
	for i, g := range groups {
		items[i] = named{ID: g.ID, Name: g.Name}
	}
	return newNameIndex("group", items)
}

func divisionIndex(divs []zoom.Division) *nameIndex {
	items := make([]named, len(divs))
	for i, d := range divs {
		items[i] = named{ID: d.ID, Name: d.Name, Main: d.IsMain}
	}
	return newNameIndex("division", items)
}

func (ix *nameIndex) resolve(v string) (named, bool) {
	if it, ok := ix.byID[strings.TrimSpace(v)]; ok {
		return it, true
	}
	it, ok := ix.byName[strings.ToLower(strings.TrimSpace(v))]
	return it, ok
}

// unknown is the plan's failure for a name that matches nothing, with the
// nearest names as the hint.
func (ix *nameIndex) unknown(v string) *StepResult {
	res := planFailure("no "+ix.kind+" named \""+v+"\" in the account", "")
	if near := fuzzy.Closest(v, ix.names, 3); len(near) > 0 {
		res.Hint = "did you mean " + quoteJoin(near) + "?"
	} else {
		res.Hint = "create the " + ix.kind + " first, or fix the name; the account has " + quoteJoin(firstN(ix.names, 8))
	}
	return res
}

func quoteJoin(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = "\"" + n + "\""
	}
	switch len(q) {
	case 0:
		return "none"
	case 1:
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

func firstN(s []string, n int) []string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
