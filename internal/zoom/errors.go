package zoom

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// APIError is an error answer from the Zoom API. Code is Zoom's own error
// code from the JSON body (0 when the body had none, e.g. an HTML page).
type APIError struct {
	HTTPStatus int
	Code       int
	Message    string
	Fields     []FieldError
	// Method and Path name the call, without the query string.
	Method, Path string
}

// FieldError is one entry of the "errors" list of a Zoom error body.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "zoom: %s %s: HTTP %d", e.Method, e.Path, e.HTTPStatus)
	if e.Code != 0 {
		fmt.Fprintf(&b, ", code %d", e.Code)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	for _, f := range e.Fields {
		fmt.Fprintf(&b, " [%s: %s]", f.Field, f.Message)
	}
	return b.String()
}

// Zoom error codes the tool reacts to (FACTS.md and the reference).
const (
	CodeInvalidToken      = 124
	CodeInvalidField      = 300
	CodeUserNotFound      = 1001
	CodeEmailInUse        = 1005
	CodeActiveAccount     = 1009
	CodeNotInAccount      = 1010
	CodeDomainBlocked     = 1107
	CodeCannotDisassoc    = 1117
	CodeNoLicenses        = 2034
	CodeGroupNotFound     = 4130
	CodeGroupMemberAbsent = 4131
	CodeGroupNameInUse    = 4132
	CodeDivisionNotFound  = 40406
)

// HasCode reports whether err is an *APIError with the given Zoom code.
func HasCode(err error, code int) bool {
	var api *APIError
	return errors.As(err, &api) && api.Code == code
}

// IsNotFound reports whether err says the addressed object does not exist.
func IsNotFound(err error) bool {
	var api *APIError
	if !errors.As(err, &api) {
		return false
	}
	switch api.Code {
	case CodeUserNotFound, CodeGroupNotFound, CodeGroupMemberAbsent, CodeDivisionNotFound:
		return true
	}
	return api.HTTPStatus == http.StatusNotFound && api.Code == 0
}

// RateLimitType is Zoom's X-RateLimit-Type: a per-second or a daily quota.
type RateLimitType string

const (
	QPS        RateLimitType = "QPS"
	DailyLimit RateLimitType = "Daily-limit"
)

// DailyLimitError is a 429 that will not clear before Reset (the next
// 00:00 UTC): retrying is pointless, the work must be deferred.
type DailyLimitError struct {
	Category Category
	// Create is true for the daily cap on creating users.
	Create  bool
	Reset   time.Time
	Message string
}

func (e *DailyLimitError) Error() string {
	what := e.Category.String() + " daily rate limit"
	if e.Create {
		what = "daily limit on creating users"
	}
	if e.Reset.IsZero() {
		return fmt.Sprintf("zoom: %s reached", what)
	}
	return fmt.Sprintf("zoom: %s reached; resume after %s", what, e.Reset.UTC().Format(time.RFC3339))
}

// AuthError is a failure to get an access token: wrong credentials, an
// unknown account, or an OAuth endpoint that answers nonsense. It never holds
// the client secret.
type AuthError struct {
	HTTPStatus int
	Reason     string
	Err        error
}

func (e *AuthError) Error() string {
	switch {
	case e.Err != nil:
		return fmt.Sprintf("zoom: getting an access token: %v", e.Err)
	case e.Reason != "":
		return fmt.Sprintf("zoom: getting an access token: HTTP %d: %s", e.HTTPStatus, e.Reason)
	default:
		return fmt.Sprintf("zoom: getting an access token: HTTP %d", e.HTTPStatus)
	}
}

func (e *AuthError) Unwrap() error { return e.Err }

// AmbiguousError says a write may or may not have been applied: its answer
// was lost and a look-up could not settle it. The caller must check before
// doing it again.
type AmbiguousError struct {
	Method, Path string
	Err          error
}

func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("zoom: %s %s: the answer was lost and the outcome is unknown: %v", e.Method, e.Path, e.Err)
}

func (e *AmbiguousError) Unwrap() error { return e.Err }
