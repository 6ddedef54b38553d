package export

import (
	"context"
	"fmt"
	"time"

	"github.com/zoombulk/zoombulk/internal/sheet"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// The small exports: groups, divisions, one group's members and contact
// groups. Each is one table, written to .csv or .xlsx.

// writeTable writes one table to path, its rows given by fill to add (a
// plain row each); it returns the format and the rows written.
func writeTable(path string, t sheet.Table, fill func(add func(...sheet.Cell) error) error) (Format, int, error) {
	out, err := newOutput(path)
	if err != nil {
		return "", 0, err
	}
	defer out.abort()
	tw, err := out.addTable(t)
	if err != nil {
		return "", 0, fmt.Errorf("writing %s: %w", path, err)
	}
	n := 0
	err = fill(func(cells ...sheet.Cell) error {
		if err := tw.WriteRow(cells, sheet.Plain); err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
		n++
		return nil
	})
	if err != nil {
		return "", 0, err
	}
	if err := tw.Close(); err != nil {
		return "", 0, fmt.Errorf("writing %s: %w", path, err)
	}
	return out.format, n, out.commit()
}

func tableResult(c *zoom.Client, before zoom.Stats, start time.Time, path string, f Format, rows int) *Result {
	return &Result{Path: path, Format: f, Rows: rows, Elapsed: time.Since(start), Calls: c.Stats().CallsSince(before)}
}

// Groups writes the account's groups: name, ID and member count.
func Groups(ctx context.Context, c *zoom.Client, path string) (*Result, error) {
	start, before := time.Now(), c.Stats()
	if _, err := CheckOutput(path); err != nil {
		return nil, err
	}
	groups, err := c.ListGroups(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing the groups: %w", err)
	}
	t := sheet.Table{Name: "Groups", Columns: []sheet.Column{
		{Header: "Group"}, {Header: "Group ID"}, {Header: "Members", Kind: sheet.Integer},
	}}
	f, n, err := writeTable(path, t, func(add func(...sheet.Cell) error) error {
		for _, g := range groups {
			if err := add(sheet.TextCell(g.Name), sheet.TextCell(g.ID), sheet.IntCell(int64(g.TotalMembers))); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return tableResult(c, before, start, path, f, n), nil
}

// Divisions writes the account's divisions: name, ID, description,
// whether it is the main one, and its member count (total_members when the
// listing gives it, else counted from the division's members listing).
func Divisions(ctx context.Context, c *zoom.Client, path string) (*Result, error) {
	start, before := time.Now(), c.Stats()
	if _, err := CheckOutput(path); err != nil {
		return nil, err
	}
	divs, err := c.ListDivisions(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing the divisions: %w", err)
	}
	counts := make([]int, len(divs))
	for i, d := range divs {
		counts[i] = d.TotalMembers
		if d.TotalMembers != 0 {
			continue
		}
		// 0 may be "absent" (the field is omitempty): count to be sure.
		n, err := countSeq(c.ListDivisionMembers(ctx, d.ID))
		if err != nil {
			return nil, fmt.Errorf("listing the members of division %q: %w", d.Name, err)
		}
		counts[i] = n
	}
	t := sheet.Table{Name: "Divisions", Columns: []sheet.Column{
		{Header: "Division"}, {Header: "Division ID"}, {Header: "Description"},
		{Header: "Main", Kind: sheet.Bool}, {Header: "Members", Kind: sheet.Integer},
	}}
	f, n, err := writeTable(path, t, func(add func(...sheet.Cell) error) error {
		for i, d := range divs {
			row := []sheet.Cell{sheet.TextCell(d.Name), sheet.TextCell(d.ID), sheet.TextCell(d.Description),
				sheet.BoolCell(d.IsMain), sheet.IntCell(int64(counts[i]))}
			if err := add(row...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return tableResult(c, before, start, path, f, n), nil
}

func countSeq[T any](seq func(yield func(T, error) bool)) (int, error) {
	n := 0
	for _, err := range seq {
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// GroupMembers writes the members of one group (a name, any case, or
// an ID): email, first and last name, type and user ID, with the users
// export's headers so the file can feed a job.
func GroupMembers(ctx context.Context, c *zoom.Client, path, group string) (*Result, error) {
	start, before := time.Now(), c.Stats()
	if _, err := CheckOutput(path); err != nil {
		return nil, err
	}
	dir, err := zoom.LoadDirectory(ctx, c, true, false, nil)
	if err != nil {
		return nil, err
	}
	g, err := dir.Group(group)
	if err != nil {
		return nil, err
	}
	t := sheet.Table{Name: "Members", Columns: []sheet.Column{
		{Header: "Email"}, {Header: "First Name"}, {Header: "Last Name"},
		{Header: "User Type"}, {Header: "Type Code", Kind: sheet.Integer}, {Header: "User ID"},
	}}
	f, n, err := writeTable(path, t, func(add func(...sheet.Cell) error) error {
		for m, err := range c.ListGroupMembers(ctx, g.ID) {
			if err != nil {
				return fmt.Errorf("listing the members of group %q: %w", g.Name, err)
			}
			row := []sheet.Cell{sheet.TextCell(m.Email), sheet.TextCell(m.FirstName), sheet.TextCell(m.LastName),
				sheet.TextCell(zoom.TypeName(m.Type)), sheet.IntCell(int64(m.Type)), sheet.TextCell(m.ID)}
			if err := add(row...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return tableResult(c, before, start, path, f, n), nil
}

// PrivacyName is a contact group's privacy setting in words.
func PrivacyName(p int) string {
	switch p {
	case 1:
		return "Visible to anyone, searchable by anyone"
	case 2:
		return "Visible to members only, searchable by anyone"
	case 3:
		return "Visible to members only, searchable by members only"
	}
	return ""
}

// ContactGroups writes the contact groups: name, ID, privacy (in
// words and as Zoom's code), description and member counts (users, user
// groups, all) from each group's members listing.
func ContactGroups(ctx context.Context, c *zoom.Client, path string) (*Result, error) {
	start, before := time.Now(), c.Stats()
	if _, err := CheckOutput(path); err != nil {
		return nil, err
	}
	groups, err := c.ListContactGroups(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing the contact groups: %w", err)
	}
	type counts struct{ users, groups, all int }
	members := make([]counts, len(groups))
	for i, g := range groups {
		for m, err := range c.ListContactGroupMembers(ctx, g.ID) {
			if err != nil {
				return nil, fmt.Errorf("listing the members of contact group %q: %w", g.Name, err)
			}
			members[i].all++
			switch m.Type {
			case 1:
				members[i].users++
			case 2:
				members[i].groups++
			}
		}
	}
	t := sheet.Table{Name: "Contact Groups", Columns: []sheet.Column{
		{Header: "Contact Group"}, {Header: "Contact Group ID"}, {Header: "Privacy"},
		{Header: "Privacy Code", Kind: sheet.Integer}, {Header: "Description"},
		{Header: "Members", Kind: sheet.Integer}, {Header: "User Members", Kind: sheet.Integer},
		{Header: "Group Members", Kind: sheet.Integer},
	}}
	f, n, err := writeTable(path, t, func(add func(...sheet.Cell) error) error {
		for i, g := range groups {
			m := members[i]
			code := sheet.EmptyCell()
			if g.Privacy != 0 {
				code = sheet.IntCell(int64(g.Privacy))
			}
			row := []sheet.Cell{sheet.TextCell(g.Name), sheet.TextCell(g.ID), sheet.TextCell(PrivacyName(g.Privacy)),
				code, sheet.TextCell(g.Description),
				sheet.IntCell(int64(m.all)), sheet.IntCell(int64(m.users)), sheet.IntCell(int64(m.groups))}
			if err := add(row...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return tableResult(c, before, start, path, f, n), nil
}
