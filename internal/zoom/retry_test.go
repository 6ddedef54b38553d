package zoom

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// timeoutErr is a transport timeout as net/http reports one.
type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

// TestClassify is the retry decision without a server: every kind of answer
// Zoom (or something in front of it) gives, and what the client must make
// of it.
func TestClassify(t *testing.T) {
	now := time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)
	getUser := endpoint{method: http.MethodGet, path: "/users/{userId}", category: Light}
	createUser := endpoint{method: http.MethodPost, path: "/users", category: Light}
	deleteUser := endpoint{method: http.MethodDelete, path: "/users/{userId}", category: Light, idempotent: true}
	features := endpoint{method: http.MethodPost, path: "/users/features", category: Medium, features: true}

	answer := func(status int, h map[string]string) *http.Response {
		r := &http.Response{StatusCode: status, Header: http.Header{}}
		for k, v := range h {
			r.Header.Set(k, v)
		}
		return r
	}
	zoomJSON := func(code int, msg string) string {
		return `{"code":` + strconv.Itoa(code) + `,"message":"` + msg + `"}`
	}
	const html = "<!DOCTYPE html><html><body>Too Many Requests</body></html>"
	wire := func(err error) error {
		return &url.Error{Op: "Post", URL: "https://api.zoom.us/v2/users?account_id=acc-123", Err: err}
	}

	// shape is the comparable part of a verdict.
	type shape struct {
		retry, doubt, refresh, decode, hinted bool
		wait                                  time.Duration
		pace                                  pacing
		limited                               Category
		pause                                 time.Duration
		drawPause                             bool
		count                                 tally
	}
	// want is the verdict wanted for each answer.
	type want struct {
		retry, doubt, refresh, decode bool
		hinted                        bool
		wait                          time.Duration
		pace                          pacing
		limited                       Category
		pause                         time.Duration
		drawPause                     bool
		count                         tally
		// errIs and errText check the error the attempt ends with; cause
		// is what an AmbiguousError would carry ("" = left as it was).
		errIs   func(error) bool
		errText string
		cause   string
	}
	isAPI := func(status, code int) func(error) bool {
		return func(err error) bool {
			var a *APIError
			return errors.As(err, &a) && a.HTTPStatus == status && a.Code == code
		}
	}
	isUnreachable := func(err error) bool { _, ok := errAs[*UnreachableError](err); return ok }
	isDailyErr := func(create bool, reset time.Time) func(error) bool {
		return func(err error) bool {
			d, ok := errAs[*DailyLimitError](err)
			return ok && d.Create == create && d.Reset.Equal(reset)
		}
	}

	tests := []struct {
		name string
		ep   endpoint
		resp *http.Response
		body string
		err  error
		try  try
		want want
	}{
		{
			name: "200 with a body: decoded, the category climbs back",
			ep:   getUser, resp: answer(200, nil), body: `{"id":"u1"}`,
			want: want{decode: true, pace: paceSuccess, limited: Light},
		},
		{
			name: "204 on a write: success",
			ep:   deleteUser, resp: answer(204, nil),
			want: want{decode: true, pace: paceSuccess, limited: Light},
		},
		{
			name: "200 without limits: no pacing",
			ep:   getUser, resp: answer(200, nil), try: try{noLimits: true},
			want: want{decode: true},
		},
		{
			name: "429 QPS with Retry-After: the category pauses that long, this call goes at once",
			ep:   getUser,
			resp: answer(429, map[string]string{"X-RateLimit-Type": "QPS", "Retry-After": "2"}),
			body: zoomJSON(429, "You have reached the maximum per-second rate limit."),
			want: want{retry: true, hinted: true, wait: 0, pace: paceCategory, limited: Light, pause: 2 * time.Second, count: tallyQPS, errIs: isAPI(429, 429)},
		},
		{
			name: "429 QPS without Retry-After: the pause is the backoff",
			ep:   getUser,
			resp: answer(429, map[string]string{"X-RateLimit-Type": "QPS"}),
			body: zoomJSON(429, "Too many requests"),
			want: want{retry: true, hinted: true, pace: paceCategory, limited: Light, drawPause: true, count: tallyQPS, errIs: isAPI(429, 429)},
		},
		{
			name: "429 JSON without X-RateLimit-Type naming another category: that category pauses",
			ep:   getUser,
			resp: answer(429, map[string]string{"X-RateLimit-Category": "Heavy", "Retry-After": "1"}),
			body: `{"message":"Too many requests"}`,
			want: want{retry: true, hinted: true, pace: paceCategory, limited: Heavy, pause: time.Second, count: tallyQPS, errIs: isAPI(429, 429)},
		},
		{
			name: "429 daily on a create, Retry-After a date: final, deferred until then",
			ep:   createUser,
			resp: answer(429, map[string]string{"X-RateLimit-Type": "Daily-limit", "Retry-After": "2026-03-15T00:00:00Z"}),
			body: zoomJSON(429, "You have reached the maximum daily rate limit for this API."),
			want: want{limited: Light, count: tallyDaily, errIs: isDailyErr(true, time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC))},
		},
		{
			name: "429 daily told by the message alone: resets at the next 00:00 UTC",
			ep:   getUser,
			resp: answer(429, map[string]string{"X-RateLimit-Category": "Medium"}),
			body: zoomJSON(429, "You have reached the maximum daily rate limit for this API."),
			want: want{limited: Medium, count: tallyDaily, errIs: isDailyErr(false, time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC))},
		},
		{
			name: "HTML 429 without headers: this call waits the loop's backoff, the category keeps its pace",
			ep:   getUser, resp: answer(429, nil), body: html,
			want: want{retry: true, limited: Light, count: tallyQPS, errIs: isAPI(429, 0), errText: "an HTML page"},
		},
		{
			name: "HTML 429 with Retry-After: this call waits that long",
			ep:   getUser, resp: answer(429, map[string]string{"Retry-After": "3"}), body: html,
			want: want{retry: true, hinted: true, wait: 3 * time.Second, limited: Light, count: tallyQPS, errIs: isAPI(429, 0)},
		},
		{
			name: "429 JSON without limits: this call waits, nothing paced",
			ep:   getUser, resp: answer(429, map[string]string{"Retry-After": "4"}), body: zoomJSON(429, "slow down"),
			try:  try{noLimits: true},
			want: want{retry: true, hinted: true, wait: 4 * time.Second, limited: Light, count: tallyQPS, errIs: isAPI(429, 429)},
		},
		{
			name: "429 on POST /users/features: the gate's next slot moves back",
			ep:   features, resp: answer(429, map[string]string{"Retry-After": "10"}), body: zoomJSON(429, "too soon"),
			want: want{retry: true, hinted: true, pace: paceFeatures, limited: Medium, pause: 10 * time.Second, count: tallyQPS, errIs: isAPI(429, 429)},
		},
		{
			name: "500 on a read: retried after the backoff, nothing in doubt",
			ep:   getUser, resp: answer(500, nil), body: "",
			want: want{retry: true, errIs: isAPI(500, 0), errText: "empty answer"},
		},
		{
			name: "503 with Retry-After on a create: retried after it, the create is in doubt",
			ep:   createUser, resp: answer(503, map[string]string{"Retry-After": "5"}), body: html,
			want: want{retry: true, hinted: true, wait: 5 * time.Second, doubt: true, errIs: isAPI(503, 0), cause: "HTTP 503"},
		},
		{
			name: "502 on a delete: in doubt too (a resent delete's not-found is read back)",
			ep:   deleteUser, resp: answer(502, nil), body: "bad gateway",
			want: want{retry: true, doubt: true, errIs: isAPI(502, 0), cause: "HTTP 502"},
		},
		{
			name: "connection reset after a create was written: a lost answer, ambiguous",
			ep:   createUser, err: wire(syscall.ECONNRESET), try: try{written: true, apiURL: "https://api.zoom.us/v2"},
			want: want{retry: true, doubt: true, errIs: isUnreachable, errText: "the connection was cut", cause: "cannot reach https://api.zoom.us"},
		},
		{
			name: "connection refused before a create was written: retried, nothing in doubt",
			ep:   createUser, err: wire(syscall.ECONNREFUSED), try: try{apiURL: "https://api.zoom.us/v2"},
			want: want{retry: true, errIs: isUnreachable, errText: "connection refused"},
		},
		{
			name: "timeout on a read: retried",
			ep:   getUser, err: wire(timeoutErr{}), try: try{written: true, apiURL: "https://api.zoom.us/v2"},
			want: want{retry: true, errIs: isUnreachable, errText: "no answer in time"},
		},
		{
			name: "caller cancelled while a create was on the wire: final, in doubt",
			ep:   createUser, err: wire(context.Canceled), try: try{written: true, ctxErr: context.Canceled},
			want: want{doubt: true, errIs: func(err error) bool { return errors.Is(err, context.Canceled) }, cause: "context canceled"},
		},
		{
			name: "redirect refused: final, and the write never reached Zoom",
			ep:   createUser, err: wire(&redirectError{"https://api.zoom.us redirected to http://evil.example, which is not https"}),
			try:  try{written: true},
			want: want{errIs: func(err error) bool { return errors.Is(err, errRedirectRefused) }, errText: "POST /users: Post https://api.zoom.us/v2/users: refusing"},
		},
		{
			name: "401 code 124: once more with a fresh token",
			ep:   getUser, resp: answer(401, nil), body: zoomJSON(124, "Invalid access token."),
			want: want{retry: true, hinted: true, refresh: true, errIs: isAPI(401, 124)},
		},
		{
			name: "400 code 124: a fresh token too",
			ep:   createUser, resp: answer(400, nil), body: zoomJSON(124, "Invalid access token."),
			want: want{retry: true, hinted: true, refresh: true, errIs: isAPI(400, 124)},
		},
		{
			name: "401 of the divisions API (token expired): a fresh token",
			ep:   getUser, resp: answer(401, nil), body: zoomJSON(CodeDivisionTokenExpired, "Token expired"),
			want: want{retry: true, hinted: true, refresh: true, errIs: isAPI(401, CodeDivisionTokenExpired)},
		},
		{
			name: "401 code 124 after two fresh tokens: the credentials are the problem",
			ep:   getUser, resp: answer(401, nil), body: zoomJSON(124, "Invalid access token."), try: try{refreshes: maxRefreshes},
			want: want{errIs: isAPI(401, 124)},
		},
		{
			name: "401 code 124 on the token already refused: final",
			ep:   getUser, resp: answer(401, nil), body: zoomJSON(124, "Invalid access token."), try: try{staleToken: true},
			want: want{errIs: isAPI(401, 124)},
		},
		{
			name: "401 without code 124 (missing scope): final, no fresh token",
			ep:   getUser, resp: answer(401, nil), body: zoomJSON(4711, "Invalid access token, does not contain scopes:[user:read:admin]."),
			want: want{errIs: isAPI(401, 4711)},
		},
		{
			name: "404 user not found: will not change",
			ep:   getUser, resp: answer(404, nil), body: zoomJSON(CodeUserNotFound, "User does not exist: a@b.c."),
			want: want{errIs: isAPI(404, CodeUserNotFound)},
		},
		{
			name: "409 email in use on a create: will not change, nothing in doubt",
			ep:   createUser, resp: answer(409, nil), body: zoomJSON(CodeEmailInUse, "User already in the account: a@b.c"),
			try:  try{written: true},
			want: want{errIs: isAPI(409, CodeEmailInUse)},
		},
		{
			name: "400 invalid field: will not change",
			ep:   createUser, resp: answer(400, nil), body: `{"code":300,"message":"Validation Failed.","errors":[{"field":"user_info.email","message":"Invalid field."}]}`,
			want: want{errIs: isAPI(400, CodeInvalidField), errText: "[user_info.email: Invalid field.]"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.try.now = now
			v := classify(tc.ep, tc.resp, []byte(tc.body), tc.err, tc.try)
			w := tc.want
			got := shape{v.retry, v.doubt, v.refresh, v.decode, v.hinted, v.wait, v.pace, v.limited, v.pause, v.drawPause, v.count}
			exp := shape{w.retry, w.doubt, w.refresh, w.decode, w.hinted, w.wait, w.pace, w.limited, w.pause, w.drawPause, w.count}
			if got != exp {
				t.Errorf("verdict\n got %+v\nwant %+v", got, exp)
			}
			switch {
			case w.errIs == nil && v.err != nil:
				t.Errorf("err = %v, want success", v.err)
			case w.errIs != nil && !w.errIs(v.err):
				t.Errorf("err = %#v (%v), not the error wanted", v.err, v.err)
			}
			if w.errText != "" && (v.err == nil || !strings.Contains(v.err.Error(), w.errText)) {
				t.Errorf("err = %v, want it to say %q", v.err, w.errText)
			}
			switch {
			case w.cause == "" && v.cause != nil:
				t.Errorf("cause = %v, want none", v.cause)
			case w.cause != "" && (v.cause == nil || !strings.Contains(v.cause.Error(), w.cause)):
				t.Errorf("cause = %v, want it to say %q", v.cause, w.cause)
			}
			// The account ID in the request's query never reaches an error.
			if v.err != nil && strings.Contains(v.err.Error(), "acc-123") {
				t.Errorf("err %q carries the request's query", v.err)
			}
			// What the retry loop is handed: a hinted wait only when asked.
			retry, err := v.next()
			var rw *retryWait
			if retry != v.retry || errors.As(err, &rw) != (v.hinted && v.err != nil) || (rw != nil && rw.wait != v.wait) {
				t.Errorf("next() = %v, %#v; verdict %+v", retry, err, v)
			}
		})
	}
}
