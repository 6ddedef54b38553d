package zoom

// Group and division names: the account's groups and divisions read once,
// to turn IDs into names (exports) and names into IDs (jobs, --group).

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/zoombulk/zoombulk/internal/fuzzy"
)

// Directory is the account's groups and divisions, read once, to turn the
// IDs of a user listing into names and names given on the command line
// into IDs.
type Directory struct {
	Groups    []Group
	Divisions []Division
	// NoDivisions is set when the account answered the divisions listing
	// with an error that means it has no divisions (the feature is off).
	NoDivisions bool

	groupByID map[string]*Group
	divByID   map[string]*Division
}

// LoadDirectory lists the groups (when groups is set) and the divisions
// (when divisions is set). An account without the divisions feature answers
// the listing with a 4xx; that is not an error here, it leaves NoDivisions
// set (and warn says so).
func LoadDirectory(ctx context.Context, c *Client, groups, divisions bool, warn func(string)) (*Directory, error) {
	d := &Directory{}
	// Both at once: each is a call's answer time or more.
	var g errgroup.Group
	if groups {
		g.Go(func() error {
			gs, err := c.ListGroups(ctx)
			if err != nil {
				return fmt.Errorf("listing the groups: %w", err)
			}
			d.Groups = gs
			return nil
		})
	}
	if divisions {
		g.Go(func() error {
			ds, err := c.ListDivisions(ctx)
			var apiErr *APIError
			switch {
			case errors.As(err, &apiErr) && noFeature(apiErr):
				d.NoDivisions = true
				if warn != nil {
					warn(fmt.Sprintf("divisions are not available on this account (%s); the division columns stay empty", apiErr.Message))
				}
			case err != nil:
				return fmt.Errorf("listing the divisions: %w", err)
			default:
				d.Divisions = ds
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	d.index()
	return d, nil
}

// noFeature: a 4xx answer that will not change on retry and is not about
// credentials or rate limits.
func noFeature(e *APIError) bool {
	switch e.HTTPStatus {
	case http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound:
		return e.Code != CodeInvalidToken
	}
	return false
}

// NewDirectory builds a directory from lists already read.
func NewDirectory(groups []Group, divisions []Division) *Directory {
	d := &Directory{Groups: groups, Divisions: divisions}
	d.index()
	return d
}

func (d *Directory) index() {
	d.groupByID = make(map[string]*Group, len(d.Groups))
	for i := range d.Groups {
		d.groupByID[d.Groups[i].ID] = &d.Groups[i]
	}
	d.divByID = make(map[string]*Division, len(d.Divisions))
	for i := range d.Divisions {
		d.divByID[d.Divisions[i].ID] = &d.Divisions[i]
	}
}

// GroupName is the name of a group ID, or "" when the ID is unknown.
func (d *Directory) GroupName(id string) string {
	if g := d.groupByID[id]; g != nil {
		return g.Name
	}
	return ""
}

// DivisionName is the name of a division ID, or "" when the ID is unknown.
func (d *Directory) DivisionName(id string) string {
	if v := d.divByID[id]; v != nil {
		return v.Name
	}
	return ""
}

// Group finds a group by name (trimmed, any case) or ID. An unknown one is
// an *UnknownNameError with the closest names.
func (d *Directory) Group(nameOrID string) (Group, error) {
	want := strings.TrimSpace(nameOrID)
	if g := d.groupByID[want]; g != nil {
		return *g, nil
	}
	names := make([]string, len(d.Groups))
	for i, g := range d.Groups {
		if strings.EqualFold(g.Name, want) {
			return g, nil
		}
		names[i] = g.Name
	}
	return Group{}, UnknownName("group", nameOrID, names)
}

// Division finds a division by name (trimmed, any case) or ID.
func (d *Directory) Division(nameOrID string) (Division, error) {
	want := strings.TrimSpace(nameOrID)
	if v := d.divByID[want]; v != nil {
		return *v, nil
	}
	names := make([]string, len(d.Divisions))
	for i, v := range d.Divisions {
		if strings.EqualFold(v.Name, want) {
			return v, nil
		}
		names[i] = v.Name
	}
	return Division{}, UnknownName("division", nameOrID, names)
}

// UnknownNameError is a group, division or field that does not exist, with
// the closest names that do.
type UnknownNameError struct {
	Kind    string   // "group", "division", "field"
	Name    string   // as given
	Closest []string // nearest existing names, best first
	Known   []string // every existing name, for when none is close
}

func (e *UnknownNameError) Error() string {
	return fmt.Sprintf("unknown %s %q; %s", e.Kind, e.Name, e.Hint())
}

// Hint is what to write instead: the closest names, or those that exist.
func (e *UnknownNameError) Hint() string {
	switch {
	case len(e.Closest) > 0:
		return fmt.Sprintf("did you mean %s?", quoteList(e.Closest))
	case len(e.Known) == 0:
		return fmt.Sprintf("the account has no %ss", e.Kind)
	case len(e.Known) <= 12:
		return fmt.Sprintf("the %ss are %s", e.Kind, quoteList(e.Known))
	}
	return fmt.Sprintf("there are %d %ss, e.g. %s", len(e.Known), e.Kind, quoteList(e.Known[:12]))
}

// UnknownName builds the error for a name of that kind that is not among
// known, with the three closest names.
func UnknownName(kind, name string, known []string) *UnknownNameError {
	return &UnknownNameError{Kind: kind, Name: name, Closest: fuzzy.Closest(name, known, 3), Known: known}
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}
