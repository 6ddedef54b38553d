package zoom

import (
	"context"
	"net/http"
	"net/url"
	"strings"
)

// Virtual Background files of a user or a group. Zoom has no list call:
// the files are in the owner's settings, in_meeting.virtual_background_settings.files.

// MaxVirtualBackgrounds is how many files a user or group may hold, and
// MaxVirtualBackgroundBytes the largest file Zoom takes (15 MB).
const (
	MaxVirtualBackgrounds     = 10
	MaxVirtualBackgroundBytes = 15 << 20
)

// VBOwner is whose files they are: a user (ID or email) or a group (ID).
type VBOwner struct {
	ID    string
	Group bool
}

// VBFile is one Virtual Background file.
type VBFile struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Size int64  `json:"size,omitempty"`
	Type string `json:"type,omitempty"`
}

var (
	epUploadUserVB  = endpoint{method: http.MethodPost, path: "/users/{userId}/settings/virtual_backgrounds", category: Medium}
	epDeleteUserVB  = endpoint{method: http.MethodDelete, path: "/users/{userId}/settings/virtual_backgrounds", category: Light, idempotent: true}
	epUploadGroupVB = endpoint{method: http.MethodPost, path: "/groups/{groupId}/settings/virtual_backgrounds", category: Medium}
	epDeleteGroupVB = endpoint{method: http.MethodDelete, path: "/groups/{groupId}/settings/virtual_backgrounds", category: Light, idempotent: true}
)

// VirtualBackgrounds reads the owner's files from its settings (Get user
// settings or Get a group's settings, Medium).
func (c *Client) VirtualBackgrounds(ctx context.Context, o VBOwner) ([]VBFile, error) {
	var s struct {
		InMeeting struct {
			VB struct {
				Files []VBFile `json:"files"`
			} `json:"virtual_background_settings"`
		} `json:"in_meeting"`
	}
	ep, params := epUserSettings, []string{o.ID}
	if o.Group {
		ep = epGroupSettings
	}
	if _, err := c.do(ctx, call{ep: ep, params: params, out: &s}); err != nil {
		return nil, err
	}
	return s.InMeeting.VB.Files, nil
}

// UploadVirtualBackground uploads one file (Upload Virtual Background
// files, multipart, Medium). After a lost answer the owner's files are
// read: a file of that name means the upload took effect.
func (c *Client) UploadVirtualBackground(ctx context.Context, o VBOwner, name string, data []byte) (*VBFile, error) {
	body, contentType, err := formFile("file", name, data)
	if err != nil {
		return nil, err
	}
	ep := epUploadUserVB
	if o.Group {
		ep = epUploadGroupVB
	}
	var f VBFile
	_, err = c.do(ctx, call{ep: ep, params: []string{o.ID}, raw: body, contentType: contentType, out: &f,
		settle: func(ctx context.Context, _ error) (bool, error) {
			files, err := c.VirtualBackgrounds(ctx, o)
			for _, x := range files {
				if strings.EqualFold(x.Name, name) {
					f = x
					return true, nil
				}
			}
			return false, err
		}})
	if err != nil {
		return nil, err
	}
	return &f, nil
}

// DeleteVirtualBackgrounds deletes files by ID (Delete Virtual Background
// files, Light).
func (c *Client) DeleteVirtualBackgrounds(ctx context.Context, o VBOwner, ids []string) error {
	ep := epDeleteUserVB
	if o.Group {
		ep = epDeleteGroupVB
	}
	_, err := c.do(ctx, call{ep: ep, params: []string{o.ID}, query: url.Values{"file_ids": {strings.Join(ids, ",")}}})
	return err
}
