package zoom

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"strings"
)

var (
	epUpdateEmail   = endpoint{method: http.MethodPut, path: "/users/{userId}/email", category: Light}
	epRevokeToken   = endpoint{method: http.MethodDelete, path: "/users/{userId}/token", category: Light, idempotent: true}
	epUploadPicture = endpoint{method: http.MethodPost, path: "/users/{userId}/picture", category: Medium, idempotent: true}
)

// ChangeEmail moves a user to a new address (Update a user's email, Light).
// Zoom counts every change against three per user in 24 hours, so a lost
// answer is settled by reading the user back rather than by sending again.
func (c *Client) ChangeEmail(ctx context.Context, idOrEmail, email string) error {
	_, err := c.do(ctx, call{ep: epUpdateEmail, params: []string{idOrEmail}, body: map[string]string{"email": email},
		settle: func(ctx context.Context, _ error) (bool, error) {
			u, err := c.FindUser(ctx, email)
			if err != nil || u == nil {
				return false, err
			}
			return strings.EqualFold(u.Email, email), nil
		}})
	return err
}

// RevokeSSOToken logs a user out of every Zoom session (Revoke a user's SSO
// token, Light).
func (c *Client) RevokeSSOToken(ctx context.Context, idOrEmail string) error {
	_, err := c.do(ctx, call{ep: epRevokeToken, params: []string{idOrEmail}})
	return err
}

// MaxPictureBytes is the reference's limit for a profile picture (2 MB).
const MaxPictureBytes = 2 << 20

// UploadPicture sets a user's profile picture (Upload a user's profile
// picture, multipart/form-data, Medium). The file goes in the pic_file part
// as application/octet-stream, as Zoom's OpenAPI file describes it (a
// binary string); Zoom tells JPG from PNG by the content.
func (c *Client) UploadPicture(ctx context.Context, idOrEmail, fileName string, data []byte) error {
	body, contentType, err := formFile("pic_file", fileName, data)
	if err != nil {
		return err
	}
	_, err = c.do(ctx, call{ep: epUploadPicture, params: []string{idOrEmail}, raw: body, contentType: contentType})
	return err
}

// formFile is a multipart/form-data body holding one file, in the part
// field, and its Content-Type (with the boundary): the uploads' body.
func formFile(field, fileName string, data []byte) (body []byte, contentType string, err error) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	part, err := w.CreateFormFile(field, fileName)
	if err != nil {
		return nil, "", err
	}
	if _, err := part.Write(data); err != nil {
		return nil, "", err
	}
	if err := w.Close(); err != nil {
		return nil, "", err
	}
	return b.Bytes(), w.FormDataContentType(), nil
}
