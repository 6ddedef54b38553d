package jobs

import (
	"fmt"
	"hash/maphash"
	"strconv"
	"strings"

	"github.com/zoombulk/zoombulk/internal/mapping"
)

// dupFinder finds rows that hold the same key in one pass without keeping
// the rows: per distinct key it keeps a 64-bit hash and the index of the
// first row with it (about 16-32 bytes a row, whatever the key's length).
// A later row with a hash already seen starts or joins the group of its
// key, whose strings are kept; whether the first row really holds that
// key (and not another with the same hash) is settled by resolve, which
// reads those first rows again. So the result is exact, and only rows in
// groups cost more than the hash.
//
// With several fields, rows are duplicates when they hold the same values
// in all of them (compared without case: group and contact group names
// are).
type dupFinder struct {
	fields []string
	col    string // the header of fields[0]
	colIdx int    // its index in the header, or -1
	seed   maphash.Seed
	first  map[uint64]int32 // key hash -> index of the first row with it
	groups map[string]*dupGroup
}

type dupGroup struct {
	first int // the row whose hash the group's first member hit
	rows  []dupRow
}

type dupRow struct {
	index, number int
	raw           string // the cell as read
}

func newDupFinder(fields []string, col string, header []string) *dupFinder {
	return &dupFinder{fields: fields, col: col, colIdx: columnIndex(header, col), seed: maphash.MakeSeed(),
		first: map[uint64]int32{}, groups: map[string]*dupGroup{}}
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

func (d *dupFinder) dupRow(r *Row) dupRow {
	raw := ""
	if d.colIdx >= 0 && d.colIdx < len(r.Cells) {
		raw = r.Cells[d.colIdx]
	}
	return dupRow{r.Index, r.Number, raw}
}

// add takes the rows in input order.
func (d *dupFinder) add(r *Row) {
	key, ok := d.key(&r.Record)
	if !ok {
		return
	}
	h := maphash.String(d.seed, key)
	j, seen := d.first[h]
	if !seen {
		d.first[h] = int32(r.Index)
		return
	}
	g := d.groups[key]
	if g == nil {
		g = &dupGroup{first: int(j)}
		d.groups[key] = g
	}
	g.rows = append(g.rows, d.dupRow(r))
}

// firstRows lists the rows resolve needs.
func (d *dupFinder) firstRows() []int {
	out := make([]int, 0, len(d.groups))
	for _, g := range d.groups {
		out = append(out, g.first)
	}
	return out
}

// resolve puts each group's first row in it if it holds the group's key;
// row returns a row of firstRows.
func (d *dupFinder) resolve(row func(index int) Row) {
	for key, g := range d.groups {
		r := row(g.first)
		if k, ok := d.key(&r.Record); ok && k == key {
			g.rows = append([]dupRow{d.dupRow(&r)}, g.rows...)
		}
	}
}

// problems gives every row of a group (after resolve) a "duplicate"
// problem naming the other rows.
func (d *dupFinder) problems(add func(index int, p mapping.Problem)) {
	hint := pick(len(d.fields) > 1, "each one may appear once in a file: delete the extra rows", "each user may appear once in a file: merge the rows or delete the extra ones")
	for key, g := range d.groups {
		if len(g.rows) < 2 {
			continue
		}
		value := strings.ReplaceAll(key, "\x00", " / ")
		for _, r := range g.rows {
			const show = 5
			others := make([]string, 0, show)
			for _, o := range g.rows[:min(len(g.rows), show+1)] {
				if o.index != r.index && len(others) < show {
					others = append(others, strconv.Itoa(o.number))
				}
			}
			list := strings.Join(others, ", ")
			if n := len(g.rows) - 1; n > show {
				list += fmt.Sprintf(" and %d more", n-show)
			}
			word := pick(len(g.rows) > 2, "rows", "row")
			add(r.index, mapping.Problem{Row: r.number, Column: d.col, Field: d.fields[0], Value: r.raw, Kind: mapping.KindDuplicate,
				Msg:  fmt.Sprintf("%s %q is also in %s %s", strings.Join(d.fields, " + "), value, word, list),
				Hint: hint})
		}
	}
}
