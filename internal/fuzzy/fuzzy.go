// Package fuzzy finds the names closest to a misspelt one, for "did you
// mean" messages and hints.
package fuzzy

import (
	"sort"
	"strings"
)

// Distance is the Levenshtein distance between a and b, by runes, ignoring
// case.
func Distance(a, b string) int {
	ra, rb := []rune(strings.ToLower(a)), []rune(strings.ToLower(b))
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// Closest returns up to n candidates nearest to s, best first. A candidate
// qualifies when it is within a third of its length in edits (at least 2),
// or when one contains the other.
func Closest(s string, candidates []string, n int) []string {
	type scored struct {
		name string
		d    int
	}
	var found []scored
	ls := strings.ToLower(strings.TrimSpace(s))
	if ls == "" {
		return nil
	}
	for _, c := range candidates {
		lc := strings.ToLower(c)
		d := Distance(ls, lc)
		limit := max(2, len([]rune(lc))/3)
		if d <= limit || strings.Contains(lc, ls) || strings.Contains(ls, lc) {
			found = append(found, scored{c, d})
		}
	}
	sort.SliceStable(found, func(i, j int) bool { return found[i].d < found[j].d })
	var out []string
	for _, f := range found {
		if len(out) == n {
			break
		}
		out = append(out, f.name)
	}
	return out
}

// Key returns the candidate nearest to s, for identifiers (keys, field
// and column names) rather than free text: an exact match once case,
// spaces and hyphens are ignored, else the one with the smallest
// Levenshtein distance when that is at most 2, else one that s is a prefix
// of (or that is a prefix of s), at least three characters long. "" when
// none is close.
func Key(s string, candidates []string) string {
	n := normName(s)
	if n == "" {
		return ""
	}
	for _, c := range candidates {
		if normName(c) == n {
			return c
		}
	}
	// At most 2 edits, and fewer than the name has letters past the first
	// two: "zz" is not a misspelt "id".
	best, bestD := "", min(3, len(n)-1)
	for _, c := range candidates {
		if d := Distance(n, normName(c)); d < bestD {
			best, bestD = c, d
		}
	}
	if best != "" {
		return best
	}
	if len(n) >= 3 {
		for _, c := range candidates {
			cn := normName(c)
			if strings.HasPrefix(cn, n) || (len(cn) >= 3 && strings.HasPrefix(n, cn)) {
				return c
			}
		}
	}
	return ""
}

// normName lower-cases s and writes spaces and hyphens as underscores.
func normName(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return '_'
		}
		return r
	}, s)
}
