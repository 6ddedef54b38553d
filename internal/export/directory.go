package export

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/zoombulk/zoombulk/internal/sheet"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// The exports that feed the group, contact group and assistant steps back:
// each writes the headers the sample jobs read, so a file can be exported,
// edited and run.

// Headers of the directory exports, as the jobs map them.
const (
	HeaderGroup        = "Group"
	HeaderAdmin        = "Admin"
	HeaderContactGroup = "Contact Group"
	HeaderMember       = "Member"
	HeaderPrivacy      = "Privacy"
	HeaderDescription  = "Description"
	HeaderEmail        = "Email"
	HeaderAssistants   = "Assistants"
)

// GroupAdmins writes one row per group admin (Group, Admin), and a
// row with no admin for a group that has none: the shape upsert_groups and
// group_admins read (fields: { group: Group, email: Admin }).
func GroupAdmins(ctx context.Context, c *zoom.Client, path string) (*Result, error) {
	start, before := time.Now(), c.Stats()
	if _, err := CheckOutput(path); err != nil {
		return nil, err
	}
	groups, err := c.ListGroups(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing the groups: %w", err)
	}
	t := sheet.Table{Name: "Groups", Columns: []sheet.Column{{Header: HeaderGroup}, {Header: HeaderAdmin, Width: 30}}}
	f, n, err := writeTable(path, t, func(add func(...sheet.Cell) error) error {
		for _, g := range groups {
			admins, err := c.ListGroupAdmins(ctx, g.ID)
			if err != nil {
				return fmt.Errorf("listing the admins of group %q: %w", g.Name, err)
			}
			emails := []string{""}
			if len(admins) > 0 {
				emails = emails[:0]
				for _, a := range admins {
					emails = append(emails, a.Email)
				}
			}
			for _, e := range emails {
				if err := add(sheet.TextCell(g.Name), sheet.TextCell(e)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return tableResult(c, before, start, path, f, n), nil
}

// userEmails maps every user's ID to their email (one listing a status).
func userEmails(ctx context.Context, c *zoom.Client) (map[string]string, []zoom.User, error) {
	ids := map[string]string{}
	var all []zoom.User
	for _, status := range AllStatuses {
		for u, err := range c.ListUsers(ctx, zoom.ListUsersOptions{Status: status}) {
			if err != nil {
				return nil, nil, fmt.Errorf("listing %s users: %w", status, err)
			}
			if u.ID != "" {
				ids[u.ID] = u.Email
			}
			all = append(all, u)
		}
	}
	return ids, all, nil
}

// ContactGroupMembers writes one row per contact group member
// (Contact Group, Member, Privacy, Description; a user member by email, a
// user group by name), and a row with no member for an empty contact
// group: the shape the contact_groups step reads.
func ContactGroupMembers(ctx context.Context, c *zoom.Client, path string) (*Result, error) {
	start, before := time.Now(), c.Stats()
	if _, err := CheckOutput(path); err != nil {
		return nil, err
	}
	contacts, err := c.ListContactGroups(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing the contact groups: %w", err)
	}
	emails, _, err := userEmails(ctx, c)
	if err != nil {
		return nil, err
	}
	dir, err := zoom.LoadDirectory(ctx, c, true, false, nil)
	if err != nil {
		return nil, err
	}
	t := sheet.Table{Name: "Contact groups", Columns: []sheet.Column{
		{Header: HeaderContactGroup}, {Header: HeaderMember, Width: 30}, {Header: HeaderPrivacy, Kind: sheet.Integer}, {Header: HeaderDescription, Width: 40},
	}}
	f, n, err := writeTable(path, t, func(add func(...sheet.Cell) error) error {
		for _, g := range contacts {
			var members []string
			for m, err := range c.ListContactGroupMembers(ctx, g.ID) {
				if err != nil {
					return fmt.Errorf("listing the members of contact group %q: %w", g.Name, err)
				}
				name := m.ID
				if m.Type == 2 {
					if gn := dir.GroupName(m.ID); gn != "" {
						name = gn
					}
				} else if e := emails[m.ID]; e != "" {
					name = e
				}
				members = append(members, name)
			}
			if len(members) == 0 {
				members = []string{""}
			}
			privacy := sheet.EmptyCell()
			if g.Privacy != 0 {
				privacy = sheet.IntCell(int64(g.Privacy))
			}
			for _, m := range members {
				row := []sheet.Cell{sheet.TextCell(g.Name), sheet.TextCell(m), privacy, sheet.TextCell(g.Description)}
				if err := add(row...); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return tableResult(c, before, start, path, f, n), nil
}

// Assistants writes one row per licensed user who has assistants
// (Email, Assistants: emails separated by semicolons), the shape
// set_assistants reads. Only licensed users can have assistants, so only
// they are read (List user assistants, Medium, one call a user).
func Assistants(ctx context.Context, c *zoom.Client, path string) (*Result, error) {
	start, before := time.Now(), c.Stats()
	if _, err := CheckOutput(path); err != nil {
		return nil, err
	}
	_, users, err := userEmails(ctx, c)
	if err != nil {
		return nil, err
	}
	users = slices.DeleteFunc(users, func(u zoom.User) bool { return u.ID == "" || u.Type < 2 })
	t := sheet.Table{Name: "Assistants", Columns: []sheet.Column{{Header: HeaderEmail, Width: 30}, {Header: HeaderAssistants, Width: 60}}}
	f, n, err := writeTable(path, t, func(add func(...sheet.Cell) error) error {
		for _, u := range users {
			as, err := c.ListAssistants(ctx, u.ID)
			if err != nil {
				return fmt.Errorf("listing the assistants of %s: %w", u.Email, err)
			}
			if len(as) == 0 {
				continue
			}
			list := make([]string, len(as))
			for i, a := range as {
				list[i] = a.Email
			}
			if err := add(sheet.TextCell(u.Email), sheet.TextCell(strings.Join(list, "; "))); err != nil {
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
