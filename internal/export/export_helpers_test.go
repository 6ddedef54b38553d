package export

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zoombulk/zoombulk/internal/sheet"
	"github.com/zoombulk/zoombulk/internal/zoom"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

const exSeedPath = "../../samples/sandbox-seed.yaml"

// exSandbox starts a sandbox with the sample seed (unless opts has one).
func exSandbox(t testing.TB, opts zoomtest.Options) *zoomtest.Server {
	t.Helper()
	return zoomtest.NewTestServer(t, exSeeded(t, opts))
}

// exMemSandbox is exSandbox reached in memory (exMemClient): no socket, so
// a test in a synctest bubble waits out the pacing on the bubble's clock.
func exMemSandbox(t testing.TB, opts zoomtest.Options) *zoomtest.Server {
	t.Helper()
	return zoomtest.NewMemServer(t, exSeeded(t, opts))
}

// exSeeded is opts with the sample seed when it has none.
func exSeeded(t testing.TB, opts zoomtest.Options) zoomtest.Options {
	t.Helper()
	if opts.Seed == nil {
		seed, err := zoomtest.LoadSeed(exSeedPath)
		if err != nil {
			t.Fatal(err)
		}
		opts.Seed = seed
	}
	return opts
}

// exMemClient is exClient for an exMemSandbox: the same tier, share,
// backoff and attempts, through the in-memory transport.
func exMemClient(t testing.TB, srv *zoomtest.Server, tweak func(*zoom.Config)) *zoom.Client {
	t.Helper()
	return exNewClient(t, zoomtest.MemConfig(srv, 0), tweak)
}

// exClient points a client at a sandbox (or any URL serving it), business
// tier at full share, with fast backoff for tests.
func exClient(t testing.TB, srv *zoomtest.Server, apiURL string, tweak func(*zoom.Config)) *zoom.Client {
	t.Helper()
	env := map[string]string{}
	for _, kv := range srv.Env() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	if apiURL != "" {
		env["ZOOM_API_URL"] = apiURL
	}
	return exNewClient(t, zoom.ConfigFromEnv(func(k string) string { return env[k] }), tweak)
}

// exNewClient makes the client of cfg at business tier and full share,
// with fast backoff and three attempts, then tweak.
func exNewClient(t testing.TB, cfg zoom.Config, tweak func(*zoom.Config)) *zoom.Client {
	t.Helper()
	cfg.Tier, cfg.Share = "business", 1
	cfg.BackoffBase, cfg.BackoffMax = time.Millisecond, 10*time.Millisecond
	cfg.MaxAttempts = 3
	if tweak != nil {
		tweak(&cfg)
	}
	c, err := zoom.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// exTable is a file read back: its header and rows, cells as text.
type exTable struct {
	header []string
	rows   [][]string
}

func (tb exTable) col(t testing.TB, header string) int {
	t.Helper()
	for i, h := range tb.header {
		if h == header {
			return i
		}
	}
	t.Fatalf("no column %q in %q", header, tb.header)
	return -1
}

// exRead reads a CSV or XLSX file with the sheet package's reader (CSV
// formulas unescaped, as a job reads it).
func exRead(t testing.TB, path, sheetName string) exTable {
	t.Helper()
	r, err := sheet.Open(path, sheet.Options{Sheet: sheetName, UnescapeFormulas: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	tb := exTable{header: r.Header()}
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		tb.rows = append(tb.rows, row.Cells)
	}
	return tb
}

// exZip lists the parts of an XLSX file and reads the ones named.
func exZip(t testing.TB, path string, read ...string) (names []string, contents map[string]string) {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	contents = map[string]string{}
	for _, f := range zr.File {
		names = append(names, f.Name)
		for _, want := range read {
			if f.Name != want {
				continue
			}
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			contents[f.Name] = string(b)
		}
	}
	return names, contents
}

// exDir lists a folder, to check no temporary file is left behind.
func exDir(t testing.TB, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func exPath(dir, name string) string { return filepath.Join(dir, name) }

// pageNumber says what a front does with List users' page_number.
type pageNumber int

const (
	honoured pageNumber = iota // the sandbox answers it, as the reference documents
	ignored                    // dropped: the first page comes back
	refused                    // a 400 invalid parameter
)

// apiFront stands in front of a sandbox, delaying every API answer by
// latency (the sandbox behind should have none), as Zoom's answers take
// time, and doing with page_number what pn says. numbered counts the List
// users calls that gave page_number.
func apiFront(t testing.TB, srv *zoomtest.Server, latency time.Duration, pn pageNumber) (apiURL string, numbered *atomic.Int64) {
	t.Helper()
	target, _ := url.Parse(srv.URL())
	numbered = new(atomic.Int64)
	pages := pageNumberFront(httputil.NewSingleHostReverseProxy(target), pn, numbered)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/v2/") {
			time.Sleep(latency)
		}
		pages.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	return front.URL + strings.TrimPrefix(srv.APIURL(), srv.URL()), numbered
}

// apiMemFront is apiFront without latency for an exMemSandbox, in memory:
// the tweak for exMemClient that sends its calls through it.
func apiMemFront(srv *zoomtest.Server, pn pageNumber) (tweak func(*zoom.Config), numbered *atomic.Int64) {
	numbered = new(atomic.Int64)
	front := pageNumberFront(srv.Handler(), pn, numbered)
	return func(cfg *zoom.Config) {
		cfg.HTTPClient = &http.Client{Transport: zoomtest.Transport(front), Timeout: cfg.Timeout}
	}, numbered
}

// pageNumberFront passes calls on to next, doing with page_number what pn
// says; numbered counts the List users calls that gave page_number.
func pageNumberFront(next http.Handler, pn pageNumber, numbered *atomic.Int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if strings.HasSuffix(r.URL.Path, "/users") && q.Has("page_number") {
			numbered.Add(1)
			switch pn {
			case ignored:
				q.Del("page_number")
				r.URL.RawQuery = q.Encode()
			case refused:
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				fmt.Fprint(w, `{"code":300,"message":"Invalid parameter: page_number."}`)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
