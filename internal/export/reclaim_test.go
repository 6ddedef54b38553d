package export

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/zoombulk/zoombulk/internal/sheet"
	"github.com/zoombulk/zoombulk/internal/zoom"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

const reclaimEdgeSeed = `account: { id: reclaim-edge, name: Reclaim Edge }
users:
  - { email: owner@edge.example, first_name: O, last_name: Owner, type: 2, role: owner, last_login: 2026-01-01 }
  - { email: gone@edge.example, first_name: Gone, last_name: Soon, type: 2, last_login: 2026-02-01 }
  - { email: idle@edge.example, first_name: Ida, last_name: Idle, type: 2, last_login: 2026-03-01, features: { large_meeting: "1" } }
  - { email: busy@edge.example, first_name: Bo, last_name: Busy, type: 2, last_login: 2026-11-30 }
`

// What an admin sees from export reclaim at its edges: no --idle is a
// usage error and writes nothing; a user deleted between the listing and
// the read of their features is left out of the workbook (not an error);
// the owner and the recently active stay out.
func TestReclaimEdges(t *testing.T) {
	seed, err := zoomtest.ParseSeed("edge.yaml", []byte(reclaimEdgeSeed))
	if err != nil {
		t.Fatal(err)
	}
	srv := zoomtest.NewTestServer(t, zoomtest.Options{Seed: seed, NoRateLimits: true})
	gone, ok := srv.UserByEmail("gone@edge.example")
	if !ok {
		t.Fatal("no gone@ in the seed")
	}
	target, _ := url.Parse(srv.URL())
	proxy := httputil.NewSingleHostReverseProxy(target)
	var deleted atomic.Int32
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/users/"+gone.ID+"/settings") {
			deleted.Add(1)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"code":1001,"message":"User does not exist: ` + gone.ID + `."}`))
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	defer front.Close()
	c := exClient(t, srv, front.URL+"/v2", nil)
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

	tests := []struct {
		name      string
		idle      time.Duration
		wantUsage string
		wantRows  []string
	}{
		{name: "no idle period", idle: 0, wantUsage: "--idle"},
		{name: "a user deleted mid-export is left out", idle: 90 * 24 * time.Hour, wantRows: []string{"idle@edge.example"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := exPath(t.TempDir(), "reclaim.xlsx")
			res, err := Reclaim(context.Background(), c, path, ReclaimOptions{Idle: tt.idle, Now: at})
			if tt.wantUsage != "" {
				var ue *UsageError
				if !errors.As(err, &ue) || !strings.Contains(ue.Msg, tt.wantUsage) {
					t.Fatalf("err = %v, want a usage error naming %s", err, tt.wantUsage)
				}
				if got := exDir(t, strings.TrimSuffix(path, "reclaim.xlsx")); len(got) != 0 {
					t.Errorf("files written: %q", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tb := exRead(t, path, ReclaimSheet)
			var got []string
			for _, r := range tb.rows {
				got = append(got, r[tb.col(t, "Email")])
			}
			if !slices.Equal(got, tt.wantRows) {
				t.Errorf("rows %q, want %q", got, tt.wantRows)
			}
			if res.Licensed != 4 || !res.Owner {
				t.Errorf("licensed %d, owner seen %v: want 4, true", res.Licensed, res.Owner)
			}
			if deleted.Load() == 0 {
				t.Error("the deleted user's features were never read")
			}
			if ida := tb.rows[0]; ida[tb.col(t, "Large Meeting")] != "100" || ida[tb.col(t, "Webinar")] != "" || ida[tb.col(t, "Days Since Login")] != "275" {
				t.Errorf("ida's row %q (header %q)", ida, tb.header)
			}
		})
	}
}

// A seat's cell: a size is a number, a seat Zoom gives no size for says
// yes, and no seat is empty.
func TestReclaimSeatCell(t *testing.T) {
	tests := []struct {
		on       bool
		capacity int
		want     sheet.Cell
	}{
		{false, 500, sheet.TextCell("")},
		{true, 500, sheet.IntCell(500)},
		{true, 0, sheet.TextCell("yes")},
	}
	for _, tt := range tests {
		if got := seatCell(tt.on, tt.capacity); got != tt.want {
			t.Errorf("seatCell(%v, %d) = %+v, want %+v", tt.on, tt.capacity, got, tt.want)
		}
	}
}

const reclaimRolesSeed = `account: { id: reclaim-roles, name: Reclaim Roles }
users:
  - { email: owner@roles.example, first_name: O, last_name: Owner, type: 2, role: owner, last_login: 2026-11-30 }
  - { email: ann@roles.example, first_name: Ann, last_name: Agent, type: 2, last_login: 2026-01-01 }
  - { email: bob@roles.example, first_name: Bob, last_name: Agent, type: 2, last_login: 2026-02-01 }
  - { email: cat@roles.example, first_name: Cat, last_name: Agent, type: 2, last_login: 2026-03-01 }
`

// A custom role is named in the Role column, read from Get a user once
// per role (List users gives only its ID): three idle helpdesk agents cost
// one read of their role, not three.
func TestReclaimNamesACustomRoleOnce(t *testing.T) {
	synctest.Test(t, testReclaimNamesACustomRoleOnce)
}

func testReclaimNamesACustomRoleOnce(t *testing.T) {
	seed, err := zoomtest.ParseSeed("roles.yaml", []byte(reclaimRolesSeed))
	if err != nil {
		t.Fatal(err)
	}
	srv := exMemSandbox(t, zoomtest.Options{Seed: seed, NoRateLimits: true})
	// The front gives the members a custom role, as an account with one
	// would: role_id 7 in the listing, its name in Get a user.
	var gets atomic.Int32
	front := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, r)
		body := rec.Body.String()
		rest, isUser := strings.CutPrefix(r.URL.Path, "/v2/users/")
		switch {
		case strings.HasSuffix(r.URL.Path, "/v2/users"):
			body = strings.ReplaceAll(body, `"role_id":"2"`, `"role_id":"7"`)
		case isUser && r.Method == http.MethodGet && !strings.Contains(rest, "/") && rest != "summary":
			gets.Add(1)
			body = strings.ReplaceAll(body, `"role_name":"Member"`, `"role_name":"Helpdesk"`)
			body = strings.ReplaceAll(body, `"role_id":"2"`, `"role_id":"7"`)
		}
		for k, v := range rec.Header() {
			if k != "Content-Length" {
				w.Header()[k] = v
			}
		}
		w.WriteHeader(rec.Code)
		io.WriteString(w, body)
	})
	c := exMemClient(t, srv, func(cfg *zoom.Config) {
		cfg.HTTPClient = &http.Client{Transport: zoomtest.Transport(front), Timeout: cfg.Timeout}
	})
	path := exPath(t.TempDir(), "reclaim.xlsx")
	if _, err := Reclaim(context.Background(), c, path, ReclaimOptions{Idle: 90 * 24 * time.Hour, Now: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	tb := exRead(t, path, ReclaimSheet)
	if len(tb.rows) != 3 {
		t.Fatalf("rows %q, want the three agents", tb.rows)
	}
	for _, r := range tb.rows {
		if role := r[tb.col(t, "Role")]; role != "Helpdesk" {
			t.Errorf("%s: role %q, want Helpdesk", r[tb.col(t, "Email")], role)
		}
	}
	if n := gets.Load(); n != 1 {
		t.Errorf("Get a user called %d times for one custom role, want 1", n)
	}
}
