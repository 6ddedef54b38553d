package export

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
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
	if opts.Seed == nil {
		seed, err := zoomtest.LoadSeed(exSeedPath)
		if err != nil {
			t.Fatal(err)
		}
		opts.Seed = seed
	}
	return zoomtest.NewTestServer(t, opts)
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
	cfg := zoom.ConfigFromEnv(func(k string) string { return env[k] })
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

// pageNumberFront stands in front of a sandbox that ignores page_number and
// answers List users the way Zoom does when it honours it: page N of a
// status at a page size, with page_number and page_count set. Page N is
// the sandbox's own page N, read with the token the chain gives for it
// (the chain is walked once per status and size, and only its tokens are
// kept). Every API answer, numbered or not, waits latency first (the
// sandbox behind should have none). numbered counts the numbered answers.
func pageNumberFront(t testing.TB, srv *zoomtest.Server, latency time.Duration) (apiURL string, numbered *atomic.Int64) {
	t.Helper()
	target, _ := url.Parse(srv.URL())
	proxy := httputil.NewSingleHostReverseProxy(target)
	numbered = new(atomic.Int64)
	var mu sync.Mutex
	cache := map[string][]string{}
	get := func(r *http.Request, status, size, token string) ([]byte, error) {
		q := url.Values{"status": {status}, "page_size": {size}}
		if token != "" {
			q.Set("next_page_token", token)
		}
		req, _ := http.NewRequestWithContext(r.Context(), http.MethodGet, srv.APIURL()+"/users?"+q.Encode(), nil)
		req.Header.Set("Authorization", r.Header.Get("Authorization"))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, err
		}
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		if err != nil || res.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("listing %s: %d %v %s", status, res.StatusCode, err, body)
		}
		return body, nil
	}
	// tokens are the tokens of pages 1..count ("" for the first).
	tokens := func(r *http.Request, status, size string) ([]string, error) {
		mu.Lock()
		defer mu.Unlock()
		key := status + "/" + size
		if toks, ok := cache[key]; ok {
			return toks, nil
		}
		toks := []string{""}
		for {
			body, err := get(r, status, size, toks[len(toks)-1])
			if err != nil {
				return nil, err
			}
			var p struct {
				Next string `json:"next_page_token"`
			}
			if err := json.Unmarshal(body, &p); err != nil {
				return nil, err
			}
			if p.Next == "" {
				break
			}
			toks = append(toks, p.Next)
		}
		cache[key] = toks
		return toks, nil
	}
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/v2/") {
			time.Sleep(latency) // the answer's time, as Zoom's
		}
		q := r.URL.Query()
		n, _ := strconv.Atoi(q.Get("page_number"))
		if !strings.HasSuffix(r.URL.Path, "/users") || n < 1 || q.Get("next_page_token") != "" {
			proxy.ServeHTTP(w, r)
			return
		}
		numbered.Add(1)
		status, size := q.Get("status"), q.Get("page_size")
		toks, err := tokens(r, status, size)
		var body []byte
		if err == nil {
			if n > len(toks) {
				body, err = []byte(`{"users":[],"total_records":0}`), nil
			} else {
				body, err = get(r, status, size, toks[n-1])
			}
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"page_number":%d,"page_count":%d,`, n, len(toks))
		w.Write(bytes.TrimPrefix(bytes.TrimSpace(body), []byte("{")))
	}))
	t.Cleanup(front.Close)
	return front.URL + strings.TrimPrefix(srv.APIURL(), srv.URL()), numbered
}
