// Package fuzzy finds the names closest to a misspelt one, for "did you
// mean" messages and hints.
package fuzzy

import (
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
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

// Skeleton is s as it looks, for telling names that read the same apart
// from names that only differ: trimmed, NFKC-normalised (full-width and
// compatibility forms become plain letters), case-folded, with inner runs
// of spaces made one, and each letter of Cyrillic or Greek that is drawn
// like a Latin one replaced by that Latin letter, as UTS #39's skeleton
// does (a small table: the letters of those scripts that look Latin, and
// the digits and ligatures most often taken for letters). "Ѕales" with a
// Cyrillic Ѕ and "Sales" have the same skeleton.
func Skeleton(s string) string {
	s = cases.Fold().String(norm.NFKC.String(strings.TrimSpace(s)))
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		if m, ok := confusables[r]; ok {
			b.WriteString(m)
			continue
		}
		if unicode.Is(unicode.Mn, r) {
			continue // a combining mark left after NFKC: "é" written e + ́
		}
		b.WriteRune(r)
	}
	return strings.ReplaceAll(b.String(), "rn", "m")
}

// numbers are the runs of digits of a name.
var numbers = regexp.MustCompile(`[0-9]+`)

// confusables maps the (case-folded) letters of Cyrillic and Greek that
// look like a Latin letter, and the digits that pass for one, to that
// letter: the part of Unicode's confusables table that names in an
// account meet.
var confusables = map[rune]string{
	// Cyrillic
	'а': "a", 'в': "b", 'с': "c", 'ԁ': "d", 'е': "e", 'ё': "e", 'һ': "h", 'і': "i", 'ї': "i", 'ј': "j",
	'к': "k", 'ӏ': "l", 'м': "m", 'н': "h", 'о': "o", 'р': "p", 'ԛ': "q", 'г': "r", 'ѕ': "s", 'т': "t",
	'ѵ': "v", 'ԝ': "w", 'х': "x", 'у': "y", 'ү': "y", 'ь': "b", 'п': "n",
	'ɡ': "g",
	// Greek
	'α': "a", 'β': "b", 'ϲ': "c", 'ε': "e", 'η': "n", 'ι': "i", 'κ': "k", 'ν': "v", 'ο': "o",
	'ρ': "p", 'τ': "t", 'χ': "x", 'γ': "y", 'ζ': "z", 'μ': "u", 'ω': "w", 'σ': "o", 'ς': "s",
	// Latin letters and digits taken for others
	'ı': "i", 'ℓ': "l", '0': "o", '1': "l", '|': "l", 'ǀ': "l", 'ß': "ss",
}

// LookAlike says whether two names would be taken for one another, so
// that creating the second beside the first would leave two that an admin
// cannot tell apart: the same skeleton, or at most 2 edits apart once
// trimmed and case-folded (on the names or on their skeletons). Two edits
// that change every letter of the shorter name do not count: "HR" and "IT"
// are different names, "Sales" and "Saless" are not; nor do names that
// differ only in their numbers ("Team 001", "Team 002").
func LookAlike(a, b string) bool { return NewName(a).LooksLike(NewName(b)) }

// Name is a name with the forms LookAlike compares, worked out once: a
// run compares each new name with every name of the account.
type Name struct {
	Text               string
	fold, skel, series string
	n, sn              int // runes of fold and skel
}

// NewName prepares s for LooksLike.
func NewName(s string) Name {
	fold := cases.Fold().String(strings.TrimSpace(s))
	skel := Skeleton(s)
	return Name{Text: s, fold: fold, skel: skel, series: numbers.ReplaceAllString(fold, "#"),
		n: utf8.RuneCountInString(fold), sn: utf8.RuneCountInString(skel)}
}

// LooksLike is LookAlike on prepared names.
func (a Name) LooksLike(b Name) bool {
	if a.fold == b.fold || a.skel == b.skel {
		return true
	}
	if a.series == b.series {
		return false // a numbered series: "Team 001" and "Team 002" are two teams
	}
	near := func(x, y string, nx, ny int) bool {
		if nx-ny > 2 || ny-nx > 2 {
			return false // more than 2 edits for the lengths alone
		}
		d := Distance(x, y)
		return d <= 2 && d < min(nx, ny)
	}
	return near(a.fold, b.fold, a.n, b.n) || near(a.skel, b.skel, a.sn, b.sn)
}
