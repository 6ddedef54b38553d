package sandbox

import (
	"net/http"
	"strings"
)

const (
	maxDivisions     = 500
	maxDivisionUsers = 30
)

func (s *Server) divisionParam(c *call) (*division, *response) {
	d := s.st.divByID[c.params["divisionId"]]
	if d == nil {
		r := fail(http.StatusNotFound, 40406, "Division not found.")
		return nil, &r
	}
	return d, nil
}

type divisionJSON struct {
	ID           string `json:"division_id"`
	Name         string `json:"division_name"`
	Description  string `json:"division_description"`
	Main         bool   `json:"is_main_division"`
	TotalMembers *int   `json:"total_members,omitempty"`
}

// GET /divisions
func (s *Server) listDivisions(c *call) response {
	size, bad := s.pageSize(c, 30, 300, 0)
	if bad != nil {
		return *bad
	}
	const scope = "divisions"
	after, pageNo, bad := s.cursor(c, scope)
	if bad != nil {
		return *bad
	}
	page, more := collect(s.st.divisions, func(d *division) int64 { return d.seq }, after, size, func(*division) bool { return true })
	out := struct {
		NextPageToken string         `json:"next_page_token"`
		PageSize      int            `json:"page_size"`
		TotalRecords  int            `json:"total_records"`
		Divisions     []divisionJSON `json:"divisions"`
	}{PageSize: size, TotalRecords: len(s.st.divisions), Divisions: make([]divisionJSON, 0, len(page))}
	var last int64
	for _, d := range page {
		n := d.count
		out.Divisions = append(out.Divisions, divisionJSON{ID: d.id, Name: d.name, Description: d.desc, Main: d.main, TotalMembers: &n})
		last = d.seq
	}
	out.NextPageToken = s.finish(c, scope, last, more, pageNo, size, len(s.st.divisions)).next
	return reply(http.StatusOK, out)
}

// POST /divisions. The reference gives division errors their own codes:
// 40005 for an invalid field, 42006 past 500 divisions, and a 409 with no
// code for a name in use (the sandbox puts 409 in the code).
func (s *Server) createDivision(c *call) response {
	var b struct {
		Name        string `json:"division_name"`
		Description string `json:"division_description"`
	}
	if bad := decodeBody(c, &b); bad != nil {
		return *bad
	}
	name := strings.TrimSpace(b.Name)
	switch {
	case name == "":
		return response{status: http.StatusBadRequest, body: apiError{Code: 40005, Message: "Invalid field.",
			Errors: []fieldError{{Field: "division_name", Message: "This field is required."}}}}
	case s.st.divByName[strings.ToLower(name)] != nil:
		return fail(http.StatusConflict, http.StatusConflict, "This name is already in use. Please try another.")
	case len(s.st.divisions) >= maxDivisions:
		return fail(http.StatusBadRequest, 42006, "You've reached the maximum number of divisions reached. You can clean up some divisions then try again.")
	}
	d := s.st.addDivision("", name, b.Description, false)
	// The reference's 201 has these three fields only (no is_main_division).
	return reply(http.StatusCreated, struct {
		ID          string `json:"division_id"`
		Name        string `json:"division_name"`
		Description string `json:"division_description"`
	}{d.id, d.name, d.desc})
}

// GET /divisions/{divisionId}
func (s *Server) getDivision(c *call) response {
	d, bad := s.divisionParam(c)
	if bad != nil {
		return *bad
	}
	return reply(http.StatusOK, divisionJSON{ID: d.id, Name: d.name, Description: d.desc, Main: d.main})
}

type divisionUserJSON struct {
	ID          string `json:"user_id"`
	DisplayName string `json:"user_display_name"`
	Email       string `json:"user_email"`
}

// GET /divisions/{divisionId}/users, in user creation order. Users who were
// never assigned a division are members of the main one.
func (s *Server) listDivisionUsers(c *call) response {
	d, bad := s.divisionParam(c)
	if bad != nil {
		return *bad
	}
	size, bad := s.pageSize(c, 30, 300, 0)
	if bad != nil {
		return *bad
	}
	scope := "division-users\x00" + d.id
	after, pageNo, bad := s.cursor(c, scope)
	if bad != nil {
		return *bad
	}
	keep := func(u *user) bool { return !u.gone && u.DivisionID == d.id }
	page, more := collect(s.st.users, func(u *user) int64 { return u.seq }, after, size, keep)
	out := struct {
		NextPageToken string             `json:"next_page_token"`
		PageSize      int                `json:"page_size"`
		TotalRecords  int                `json:"total_records"`
		Users         []divisionUserJSON `json:"users"`
	}{PageSize: size, TotalRecords: d.count, Users: make([]divisionUserJSON, 0, len(page))}
	var last int64
	for _, u := range page {
		out.Users = append(out.Users, divisionUserJSON{ID: u.ID, DisplayName: u.DisplayName, Email: u.Email})
		last = u.seq
	}
	out.NextPageToken = s.finish(c, scope, last, more, pageNo, size, d.count).next
	return reply(http.StatusOK, out)
}

// POST /divisions/{divisionId}/users. A user belongs to exactly one division,
// so assigning moves it. Users are named by user_id, else user_email;
// unknown users are skipped, and the answer lists the users now in the
// division.
func (s *Server) assignDivision(c *call) response {
	d, bad := s.divisionParam(c)
	if bad != nil {
		return *bad
	}
	var b struct {
		Users []struct {
			Email string `json:"user_email"`
			ID    string `json:"user_id"`
		} `json:"users"`
	}
	if bad := decodeBody(c, &b); bad != nil {
		return *bad
	}
	switch {
	case len(b.Users) == 0:
		return response{status: http.StatusBadRequest, body: apiError{Code: 300, Message: "Invalid parameters.",
			Errors: []fieldError{{Field: "users", Message: "This field is required."}}}}
	case len(b.Users) > maxDivisionUsers:
		return response{status: http.StatusBadRequest, body: apiError{Code: 300, Message: "Invalid parameters.",
			Errors: []fieldError{{Field: "users", Message: "Up to 30 users can be assigned a division at once."}}}}
	}
	var ids []string
	for _, ref := range b.Users {
		var u *user
		if ref.ID != "" {
			u = s.st.byID[ref.ID]
		} else if ref.Email != "" {
			u = s.st.byEmail[strings.ToLower(ref.Email)]
		}
		if u == nil {
			continue
		}
		if u.DivisionID != d.id {
			s.st.setDivision(u, d)
		}
		ids = append(ids, u.ID)
	}
	return reply(http.StatusCreated, addedJSON{IDs: strings.Join(ids, ","), AddedAt: ts(c.now)})
}
