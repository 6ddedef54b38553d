package zoom

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
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
	// TrackingID is Zoom's x-zm-trackingid answer header, which Zoom's
	// support asks for when a call failed ("" when the answer had none).
	TrackingID string

	// json: the body was Zoom's JSON error, not a page from a proxy.
	json bool
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

// Zoom error codes the tool reacts to (from Zoom's Users API reference).
const (
	CodeInvalidToken = 124
	// Divisions answer 401 with these when the token is invalid or expired.
	CodeDivisionTokenInvalid = 30031002
	CodeDivisionTokenExpired = 30031004
	CodeInvalidField         = 300
	CodeUserNotFound         = 1001
	CodeEmailInUse           = 1005
	CodeActiveAccount        = 1009
	CodeNotInAccount         = 1010
	CodeDomainBlocked        = 1107
	CodeCannotDisassoc       = 1117
	CodeNoLicenses           = 2034
	CodeGroupNotFound        = 4130
	CodeGroupMemberAbsent    = 4131
	CodeGroupNameInUse       = 4132
	CodeDivisionNotFound     = 40406
)

// HasCode reports whether err is an *APIError with the given Zoom code.
func HasCode(err error, code int) bool {
	var api *APIError
	return errors.As(err, &api) && api.Code == code
}

// TrackingID is the x-zm-trackingid of the Zoom answer behind err, or ""
// when err is not an answer from Zoom or the answer carried none.
func TrackingID(err error) string {
	var api *APIError
	if errors.As(err, &api) {
		return api.TrackingID
	}
	return ""
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
	// TrackingID is Zoom's x-zm-trackingid of the answer.
	TrackingID string
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

// AuthError is a refusal to give an access token: wrong credentials, an
// unknown or deactivated account, an app without the scopes, or a token
// endpoint that answers nonsense. It never holds the client secret. A token
// endpoint that cannot be reached, or fails with 5xx on every try, is an
// *UnreachableError instead.
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
	// Err is why the answer was lost.
	Err error
	// Lookup, if set, is why the read-back could not settle it.
	Lookup error
}

func (e *AmbiguousError) Error() string {
	if e.Lookup != nil {
		return fmt.Sprintf("zoom: %s %s: the answer was lost (%v) and reading back failed (%v): the outcome is unknown", e.Method, e.Path, e.Err, e.Lookup)
	}
	return fmt.Sprintf("zoom: %s %s: the answer was lost and the outcome is unknown: %v", e.Method, e.Path, e.Err)
}

func (e *AmbiguousError) Unwrap() error { return e.Err }

// UnreachableError says Zoom (the API or its token endpoint) could not be
// reached after every try: refused connections, DNS failures, TLS failures,
// timeouts, cut connections, or a server that answered 5xx each time. It is
// not a credentials problem.
type UnreachableError struct {
	// URL is the scheme and host tried, without path or query.
	URL   string
	Cause error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("cannot reach %s: %s", e.URL, describeNetError(e.Cause))
}

func (e *UnreachableError) Unwrap() error { return e.Cause }

// describeNetError says in a few words why a connection failed.
func describeNetError(err error) string {
	var dns *net.DNSError
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	var recordErr tls.RecordHeaderError
	var certErr *tls.CertificateVerificationError
	var ne net.Error
	var redirect *redirectError
	switch {
	case errors.As(err, &redirect):
		return redirect.Error()
	case errors.As(err, &dns):
		if dns.IsNotFound {
			return fmt.Sprintf("DNS: no such host %q", dns.Name)
		}
		return fmt.Sprintf("DNS lookup of %q failed: %v", dns.Name, dns.Err)
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.As(err, &unknownCA), errors.As(err, &hostErr), errors.As(err, &invalid), errors.As(err, &certErr):
		return "TLS: the server's certificate is not trusted: " + rootCause(err).Error()
	case errors.As(err, &recordErr):
		return "TLS: the server does not speak TLS (is the URL http rather than https?)"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the connection was cut before an answer"
	case errors.As(err, &ne) && ne.Timeout():
		return "no answer in time"
	}
	return rootCause(err).Error()
}

func rootCause(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

// CannotConnect says whether err means zoombulk cannot work with Zoom at
// all: the credentials are refused (*AuthError, a token refused twice) or
// Zoom cannot be reached (*UnreachableError). No other call would fare
// better, so the run or export stops (exit 4).
func CannotConnect(err error) bool {
	var auth *AuthError
	var unreachable *UnreachableError
	return errors.As(err, &auth) || errors.As(err, &unreachable) || HasCode(err, CodeInvalidToken)
}
