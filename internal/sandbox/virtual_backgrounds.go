package sandbox

import (
	"net/http"
	"slices"
	"strings"
)

// Virtual Background files of users and groups: uploaded one a call
// (multipart, form field "file"), listed in the owner's settings
// (in_meeting.virtual_background_settings.files), deleted by ID.
const (
	maxVBFiles = 10
	maxVBBytes = 15 << 20
)

type vbFile struct {
	id, name, typ string
	size          int
}

// vbSettings is in_meeting.virtual_background_settings as the settings
// answer it.
func vbSettings(files []vbFile) map[string]any {
	list := make([]any, 0, len(files))
	for i, f := range files {
		list = append(list, map[string]any{"id": f.id, "name": f.name, "size": f.size, "type": f.typ, "is_default": i == 0})
	}
	return map[string]any{"enable": true, "allow_upload_custom": true, "allow_videos": true, "files": list}
}

// withVB puts an owner's files into a settings answer.
func withVB(settings map[string]any, files []vbFile) map[string]any {
	if im, ok := settings["in_meeting"].(map[string]any); ok {
		im["virtual_background_settings"] = vbSettings(files)
	}
	return settings
}

// POST /users/{userId}/settings/virtual_backgrounds
func (s *Server) uploadUserVB(c *call) response {
	u, bad := s.userParam(c)
	if bad != nil {
		return *bad
	}
	return s.uploadVB(c, &u.vbFiles)
}

// POST /groups/{groupId}/settings/virtual_backgrounds
func (s *Server) uploadGroupVB(c *call) response {
	g, bad := s.groupParam(c)
	if bad != nil {
		return *bad
	}
	return s.uploadVB(c, &g.vbFiles)
}

// DELETE /users/{userId}/settings/virtual_backgrounds?file_ids=
func (s *Server) deleteUserVB(c *call) response {
	u, bad := s.userParam(c)
	if bad != nil {
		return *bad
	}
	return deleteVB(c, &u.vbFiles)
}

// DELETE /groups/{groupId}/settings/virtual_backgrounds?file_ids=
func (s *Server) deleteGroupVB(c *call) response {
	g, bad := s.groupParam(c)
	if bad != nil {
		return *bad
	}
	return deleteVB(c, &g.vbFiles)
}

func (s *Server) uploadVB(c *call, files *[]vbFile) response {
	data, name, _, err := formFile(c, "file", maxVBBytes)
	if err != nil {
		return fail(http.StatusBadRequest, 120, "No file uploaded, verify that a file has been uploaded.")
	}
	switch {
	case len(data) == 0:
		return fail(http.StatusBadRequest, 120, "No file uploaded, verify that a file has been uploaded.")
	case len(data) > maxVBBytes:
		return fail(http.StatusBadRequest, 120, "File size cannot exceed 15M.")
	case len(*files) >= maxVBFiles:
		return fail(http.StatusBadRequest, 120, "A maximum of 10 files are allowed for a user.")
	}
	switch http.DetectContentType(data) {
	case "image/jpeg", "image/png", "image/gif":
	default:
		return fail(http.StatusBadRequest, 120, "Only jpg/jpeg, gif or png image file can be uploaded.")
	}
	f := vbFile{id: s.st.newID(), name: name, typ: "image", size: len(data)}
	*files = append(*files, f)
	return reply(http.StatusCreated, map[string]any{"id": f.id, "name": f.name, "size": f.size, "type": f.typ, "is_default": len(*files) == 1})
}

func deleteVB(c *call, files *[]vbFile) response {
	ids := strings.Split(c.query.Get("file_ids"), ",")
	if c.query.Get("file_ids") == "" {
		return invalid("file_ids", "Invalid parameter: file_ids")
	}
	*files = slices.DeleteFunc(slices.Clone(*files), func(f vbFile) bool { return slices.Contains(ids, f.id) })
	return reply(http.StatusNoContent, nil)
}
