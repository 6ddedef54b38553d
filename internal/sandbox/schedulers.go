package sandbox

import (
	"net/http"
	"slices"
	"sort"
)

// A user's schedulers are the users who have them as an assistant: the
// users they can schedule meetings for.

// schedulersOf lists the users u is an assistant of, by ID order.
func (s *Server) schedulersOf(u *user) []*user {
	var out []*user
	for _, o := range s.st.byID {
		if slices.Contains(o.Assistants, u.ID) {
			out = append(out, o)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// GET /users/{userId}/schedulers
func (s *Server) listSchedulers(c *call) response {
	u, bad := s.userParam(c)
	if bad != nil {
		return *bad
	}
	type schedulerJSON struct {
		ID    string `json:"id"`
		Email string `json:"email"`
		PMI   int64  `json:"pmi"`
	}
	out := struct {
		Schedulers []schedulerJSON `json:"schedulers"`
	}{Schedulers: []schedulerJSON{}}
	for _, o := range s.schedulersOf(u) {
		out.Schedulers = append(out.Schedulers, schedulerJSON{ID: o.ID, Email: o.Email, PMI: o.PMI})
	}
	return reply(http.StatusOK, out)
}

// DELETE /users/{userId}/schedulers: the user is no longer anyone's
// scheduling assistant.
func (s *Server) deleteSchedulers(c *call) response {
	u, bad := s.userParam(c)
	if bad != nil {
		return *bad
	}
	for _, o := range s.schedulersOf(u) {
		o.Assistants = slices.DeleteFunc(slices.Clone(o.Assistants), func(x string) bool { return x == u.ID })
		s.st.assistantLinks--
	}
	return reply(http.StatusNoContent, nil)
}
