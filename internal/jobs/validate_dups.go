package jobs

import (
	"fmt"
	"hash/maphash"
	"slices"
	"strconv"
	"strings"

	"github.com/zoombulk/zoombulk/internal/mapping"
)

// dupFinder finds rows that hold the same key without keeping the rows:
// while the rows go by it keeps a 64-bit hash of each row's key (8 bytes a
// row, whatever the key's length). At the end the rows whose hash another
// row shares are the candidates; the caller reads them again and gives
// them to group, which compares their keys themselves, so the result is
// exact. Only candidates cost more than their hash.
//
// With several fields, rows are duplicates when they hold the same values
// in all of them (compared without case: group and contact group names
// are).
type dupFinder struct {
	fields []string
	col    string // the header of fields[0]
	colIdx int    // its index in the header, or -1
	seed   maphash.Seed
	// hashes holds a hash a row, in input order (0: the row has no key),
	// in chunks so that growing never copies.
	hashes [][]uint64
	groups map[string][]dupRow
}

const dupChunk = 1 << 16

type dupRow struct {
	index, number int
	raw           string // the cell as read
}

func newDupFinder(fields []string, col string, header []string) *dupFinder {
	return &dupFinder{fields: fields, col: col, colIdx: columnIndex(header, col), seed: maphash.MakeSeed(), groups: map[string][]dupRow{}}
}

// key is the row's key; ok is false when the row has none (no value, or a
// clear) and takes no part.
func (d *dupFinder) key(rec *mapping.Record) (key string, ok bool) {
	v, ok := rec.Values[d.fields[0]]
	if !ok || v.Clear || v.Text == "" {
		return "", false
	}
	if len(d.fields) == 1 {
		return v.Text, true
	}
	var b strings.Builder
	b.WriteString(strings.ToLower(v.Text))
	for _, f := range d.fields[1:] {
		b.WriteByte(0)
		b.WriteString(strings.ToLower(rec.Values[f].Text))
	}
	return b.String(), true
}

// add takes every row, in input order.
func (d *dupFinder) add(r *Row) {
	var h uint64
	if key, ok := d.key(&r.Record); ok {
		h = maphash.String(d.seed, key) | 1
	}
	if n := len(d.hashes); n == 0 || len(d.hashes[n-1]) == dupChunk {
		d.hashes = append(d.hashes, make([]uint64, 0, dupChunk))
	}
	last := &d.hashes[len(d.hashes)-1]
	*last = append(*last, h)
}

// candidates lists the rows whose key hash another row shares, in input
// order; it is called once, after the last add, and drops the hashes.
func (d *dupFinder) candidates() []int {
	defer func() { d.hashes = nil }()
	sorted := make([]uint64, 0, len(d.hashes)*dupChunk)
	for _, c := range d.hashes {
		for _, h := range c {
			if h != 0 {
				sorted = append(sorted, h)
			}
		}
	}
	slices.Sort(sorted)
	shared := map[uint64]bool{}
	for i := 1; i < len(sorted); i++ {
		if sorted[i] == sorted[i-1] {
			shared[sorted[i]] = true
		}
	}
	var out []int
	if len(shared) == 0 {
		return out
	}
	for ci, c := range d.hashes {
		for i, h := range c {
			if shared[h] {
				out = append(out, ci*dupChunk+i)
			}
		}
	}
	return out
}

// group takes the candidate rows, in input order.
func (d *dupFinder) group(r *Row) {
	key, ok := d.key(&r.Record)
	if !ok {
		return // the file changed since
	}
	raw := ""
	if d.colIdx >= 0 && d.colIdx < len(r.Cells) {
		raw = r.Cells[d.colIdx]
	}
	d.groups[key] = append(d.groups[key], dupRow{r.Index, r.Number, raw})
}

// problems gives every row of a group a "duplicate" problem naming the
// other rows.
func (d *dupFinder) problems(add func(index int, p mapping.Problem)) {
	hint := pick(len(d.fields) > 1, "each one may appear once in a file: delete the extra rows", "each user may appear once in a file: merge the rows or delete the extra ones")
	for key, rows := range d.groups {
		if len(rows) < 2 {
			continue
		}
		value := strings.ReplaceAll(key, "\x00", " / ")
		for _, r := range rows {
			const show = 5
			others := make([]string, 0, show)
			for _, o := range rows[:min(len(rows), show+1)] {
				if o.index != r.index && len(others) < show {
					others = append(others, strconv.Itoa(o.number))
				}
			}
			list := strings.Join(others, ", ")
			if n := len(rows) - 1; n > show {
				list += fmt.Sprintf(" and %d more", n-show)
			}
			add(r.index, mapping.Problem{Row: r.number, Column: d.col, Field: d.fields[0], Value: r.raw, Kind: mapping.KindDuplicate,
				Msg:  fmt.Sprintf("%s %q is also in %s %s", strings.Join(d.fields, " + "), value, pick(len(rows) > 2, "rows", "row"), list),
				Hint: hint})
		}
	}
}
