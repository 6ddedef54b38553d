package sandbox

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Page tokens are cursors, not offsets: a token holds the creation sequence
// number of the last item served, so a listing that runs while items are
// created or deleted never repeats or skips an item that existed throughout.
// Each token is bound to its listing and query (the scope), carries the page
// number and issue time, and is signed, so a token from another listing, a
// tampered one or one older than 15 minutes is refused with Zoom's error.

const pageTokenTTL = 15 * time.Minute

func (s *Server) pageToken(scope string, after int64, page int, now time.Time) string {
	buf := binary.AppendVarint(nil, after)
	buf = binary.AppendUvarint(buf, uint64(page))
	buf = binary.AppendVarint(buf, now.UnixMilli())
	buf = append(buf, s.pageMAC(scope, buf)...)
	return base64.RawURLEncoding.EncodeToString(buf)
}

func (s *Server) pageMAC(scope string, payload []byte) []byte {
	m := hmac.New(sha256.New, s.pageKey)
	m.Write([]byte(scope))
	m.Write([]byte{0})
	m.Write(payload)
	return m.Sum(nil)[:12]
}

// cursor reads the next_page_token of a listing call: the sequence number to
// continue after and the page number. No token is the first page.
func (s *Server) cursor(c *call, scope string) (after int64, page int, bad *response) {
	tok := c.query.Get("next_page_token")
	if tok == "" {
		return 0, 1, nil
	}
	invalidToken := func() (int64, int, *response) {
		r := fail(http.StatusBadRequest, 300, "The next page token is invalid or expired.")
		return 0, 0, &r
	}
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(raw) < 13 {
		return invalidToken()
	}
	payload, mac := raw[:len(raw)-12], raw[len(raw)-12:]
	if !hmac.Equal(mac, s.pageMAC(scope, payload)) {
		return invalidToken()
	}
	after, n := binary.Varint(payload)
	if n <= 0 {
		return invalidToken()
	}
	payload = payload[n:]
	pg, n := binary.Uvarint(payload)
	if n <= 0 {
		return invalidToken()
	}
	payload = payload[n:]
	issued, n := binary.Varint(payload)
	if n <= 0 || n != len(payload) {
		return invalidToken()
	}
	if c.now.Sub(time.UnixMilli(issued)) > pageTokenTTL {
		return invalidToken()
	}
	return after, int(pg), nil
}

// pageSize reads page_size: def when absent. Past most, the maximum the
// OpenAPI file documents for the operation, Zoom refuses the request (300
// Invalid field); LenientBatches clamps it instead. granted (0: most) is
// what the account hands out at most (UserPageSize: older accounts grant
// 300 users a page of the 2000 asked), and the answer's page_size says so.
func (s *Server) pageSize(c *call, def, most, granted int) (int, *response) {
	v := c.query.Get("page_size")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		r := invalid("page_size", "must be an integer")
		return 0, &r
	}
	if n > most && !s.opts.LenientBatches {
		r := invalid("page_size", "must be at most "+strconv.Itoa(most))
		return 0, &r
	}
	if granted <= 0 {
		granted = most
	}
	return min(max(n, 1), most, granted), nil
}

// collect walks items (in ascending seq order) from the first one after the
// cursor, keeping up to size that match, and says whether another match
// follows.
func collect[T any](items []T, seq func(T) int64, after int64, size int, keep func(T) bool) (page []T, more bool) {
	i := searchSeq(items, seq, after)
	for ; i < len(items); i++ {
		if !keep(items[i]) {
			continue
		}
		if len(page) == size {
			return page, true
		}
		page = append(page, items[i])
	}
	return page, false
}

func searchSeq[T any](items []T, seq func(T) int64, after int64) int {
	lo, hi := 0, len(items)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if seq(items[m]) <= after {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// pageInfo is the paging part of a listing answer.
type pageInfo struct {
	next              string
	number, size      int
	count, totalCount int
}

// finish builds the paging fields of a page that ended at lastSeq.
func (s *Server) finish(c *call, scope string, lastSeq int64, more bool, pageNo, size, total int) pageInfo {
	pi := pageInfo{number: pageNo, size: size, totalCount: total}
	if size > 0 {
		pi.count = (total + size - 1) / size
	}
	if more {
		pi.next = s.pageToken(scope, lastSeq, pageNo+1, c.now)
	}
	return pi
}

// byPageNumber honours page_number, which the reference keeps (deprecated)
// on List users and List group members: without a next_page_token, page N
// starts after the first (N-1)*size matching items. It reports whether
// page_number was given; a next_page_token wins over it, as in Zoom.
func byPageNumber[T any](c *call, items []T, seq func(T) int64, keep func(T) bool, size int) (after int64, page int, given bool, bad *response) {
	n, given, bad := pageNumber(c)
	if !given || bad != nil {
		return 0, 0, given, bad
	}
	skip := (n - 1) * size
	if skip == 0 {
		return 0, 1, true, nil
	}
	for _, it := range items {
		if !keep(it) {
			continue
		}
		if skip--; skip == 0 {
			return seq(it), n, true, nil
		}
	}
	return 1 << 62, n, true, nil // past the end: an empty page
}

// pageNumber reads page_number: given is false without it, or with a
// next_page_token, which wins over it.
func pageNumber(c *call) (n int, given bool, bad *response) {
	v := c.query.Get("page_number")
	if v == "" || c.query.Get("next_page_token") != "" {
		return 0, false, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		r := invalid("page_number", "must be a positive integer")
		return 0, true, &r
	}
	return n, true, nil
}

// userPageIndex keeps where each numbered page of a user listing starts,
// so that page N is found without walking the (N-1)×size users before it:
// an export of 100,000 users by number walked 17 million, as much CPU as
// the tool spent on the users. It holds until the next write (version).
type userPageIndex struct {
	mu      sync.Mutex
	version uint64
	starts  map[string][]int64 // by scope and size: starts[k] is the seq of the (k+1)×size-th user
}

// userPageStart is byPageNumber for the user listing of scope, read from
// the index (s.mu held for reading).
func (s *Server) userPageStart(c *call, scope string, keep func(*user) bool, size int) (after int64, page int, given bool, bad *response) {
	n, given, bad := pageNumber(c)
	if !given || bad != nil {
		return 0, 0, given, bad
	}
	if n == 1 {
		return 0, 1, true, nil
	}
	starts := s.userPages.get(s.version, scope+"\x00"+strconv.Itoa(size), func() []int64 {
		var out []int64
		k := 0
		for _, u := range s.st.users {
			if keep(u) {
				if k++; k == size {
					out, k = append(out, u.seq), 0
				}
			}
		}
		return out
	})
	if n-2 < len(starts) {
		return starts[n-2], n, true, nil
	}
	return 1 << 62, n, true, nil // past the end: an empty page
}

func (x *userPageIndex) get(version uint64, key string, build func() []int64) []int64 {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.starts == nil || x.version != version {
		x.starts, x.version = map[string][]int64{}, version
	}
	starts, ok := x.starts[key]
	if !ok {
		starts = build()
		x.starts[key] = starts
	}
	return starts
}
