package export

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"iter"
	"math"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/zoombulk/zoombulk/internal/zoom"
)

// AllStatuses are the user statuses a listing covers, in export order.
var AllStatuses = []string{zoom.StatusActive, zoom.StatusInactive, zoom.StatusPending}

// ParseStatuses checks --status values (comma-separated or repeated, any
// case, "all" for every status) and returns them in export order without
// duplicates. None means all.
func ParseStatuses(values []string) ([]string, error) {
	want := map[string]bool{}
	for _, v := range values {
		for _, s := range strings.Split(v, ",") {
			s = strings.ToLower(strings.TrimSpace(s))
			switch {
			case s == "":
			case s == "all":
				for _, a := range AllStatuses {
					want[a] = true
				}
			case slices.Contains(AllStatuses, s):
				want[s] = true
			default:
				return nil, &UsageError{Msg: fmt.Sprintf("unknown status %q: use active, inactive or pending (or several, comma-separated)", s)}
			}
		}
	}
	if len(want) == 0 {
		return slices.Clone(AllStatuses), nil
	}
	var out []string
	for _, s := range AllStatuses {
		if want[s] {
			out = append(out, s)
		}
	}
	return out, nil
}

// listedPage is one page of a user listing.
type listedPage struct {
	Status string
	Users  []zoom.User
	// Announced is the number of users of every status listed, as Zoom
	// counted them when the export started (total_records).
	Announced int
}

// listOptions shape how the listings are fetched.
type listOptions struct {
	PageSize int // asked for; the answer's page_size is what counts
	// Ahead is how many pages of a status may wait, decoded, for the
	// writer (default 2), beside the one being fetched: the first status's
	// listing waits beyond that.
	Ahead int
	// PageNumbers lets a status's pages be fetched several at a time with
	// page_number (deprecated in the reference) when following its tokens
	// would take more than twice the rate's time (chainIsSlow), falling
	// back to next_page_token as soon as an answer shows it is not
	// honoured or the pages do not add up.
	PageNumbers bool
	// Workers bounds the page_number fetches in flight per status
	// (default: the listing rate times the first page's answer time, 2 to
	// maxListWorkers). Set, it also pages by number whatever the chain's
	// time (tests).
	Workers int
	// spooled, for tests, is called when a later status is listed to the
	// end (into its spool).
	spooled func(status string)
}

// listUsers walks every user of the statuses and yields their pages in
// export order: status after status, each in listing order.
//
// The statuses are listed at the same time, each following its own
// next_page_token chain (or, with PageNumbers, several numbered pages at
// once): at real latencies the chains, not the rate limit, bound the time.
// No other filter of List users splits a status usefully: role_id needs
// the roles' IDs (List roles, another API) and nearly every user has the
// Member role; license picks the holders of one add-on.
// A page's users are decoded apart from its listing, which asks for the
// next page as soon as the token is read. The first status's pages go to
// the writer, at most Ahead pages ahead, so its token never waits long. The
// later statuses must not sit on a token while the writer is busy with an
// earlier one (a token expires after 15 minutes): they list to the end at
// once, into a spool file in the temporary folder, read back and decoded a
// few pages ahead of the writer. Memory stays bounded whatever the
// account's size. The total is known once every status's first page is
// in. The iterator stops at the first error, after yielding it.
func listUsers(ctx context.Context, c *zoom.Client, statuses []string, o listOptions) iter.Seq2[listedPage, error] {
	if o.Ahead < 1 {
		o.Ahead = 2
	}
	return func(yield func(listedPage, error) bool) {
		if len(statuses) == 0 {
			return
		}
		ctx, cancel := context.WithCancel(ctx)
		var wg sync.WaitGroup
		defer func() {
			cancel()
			wg.Wait() // every lister has returned before we do
		}()
		pipes := make([]*statusPipe, len(statuses))
		for i, status := range statuses {
			// The decoder holds one page: Ahead-1 more wait in the channel.
			p := &statusPipe{total: make(chan int, 1), share: make(chan listShare, 1), pages: make(chan []zoom.User, o.Ahead-1), done: make(chan struct{})}
			pipes[i] = p
			wg.Go(func() { p.run(ctx, c, status, o, i > 0) })
		}
		failed := func(i int, err error) {
			yield(listedPage{Status: statuses[i]}, fmt.Errorf("listing %s users: %w", statuses[i], err))
		}
		announced, totals := 0, make([]int, len(pipes))
		for i, p := range pipes {
			select {
			case totals[i] = <-p.total:
			case <-p.done:
				if p.err != nil {
					failed(i, p.err)
					return
				}
				totals[i] = <-p.total
			}
			announced += totals[i]
		}
		largest := slices.Max(totals)
		for i, p := range pipes {
			p.share <- listShare{part: float64(totals[i]) / float64(max(announced, 1)), announced: announced, largest: largest}
		}
		for i, p := range pipes {
			for users := range p.pages {
				if !yield(listedPage{Status: statuses[i], Users: users, Announced: announced}, nil) {
					return
				}
			}
			if <-p.done; p.err != nil {
				failed(i, p.err)
				return
			}
		}
	}
}

// listShare is a status's part of the users listed (total_records of
// every status, announced), once every first page is in.
type listShare struct {
	part      float64
	announced int
	largest   int // the users of the status with the most
}

// statusPipe carries one status's pages from its listing to the writer.
type statusPipe struct {
	total chan int         // total_records, from the first page
	share chan listShare   // the status's part of the users listed, once all totals are in
	pages chan []zoom.User // decoded, in listing order; closed at the end
	done  chan struct{}    // closed at the end, once err is set
	err   error            // what ended the listing early
}

// run lists one status and decodes its pages into p.pages. Without spool
// the listing hands each page to the decoder and waits while the writer is
// behind; with spool it appends each page to a spool file, never waiting,
// and a reader decodes them from there.
func (p *statusPipe) run(ctx context.Context, c *zoom.Client, status string, o listOptions, spool bool) {
	defer close(p.done)
	defer close(p.pages)
	g, ctx := errgroup.WithContext(ctx)
	send := func(raw json.RawMessage) error {
		users, err := zoom.DecodeUsers(raw)
		if err != nil {
			return err
		}
		select {
		case p.pages <- users:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if !spool {
		raw := make(chan json.RawMessage)
		g.Go(func() error {
			defer close(raw)
			return listStatus(ctx, c, status, o, p.total, p.share, func(b json.RawMessage) error {
				select {
				case raw <- b:
					return nil
				case <-ctx.Done():
					return ctx.Err()
				}
			})
		})
		g.Go(func() error {
			for b := range raw {
				if err := send(b); err != nil {
					return err
				}
			}
			return nil
		})
		p.err = g.Wait()
		return
	}
	sp, err := newSpool()
	if err != nil {
		p.err = err
		return
	}
	defer sp.discard()
	g.Go(func() error {
		err := listStatus(ctx, c, status, o, p.total, p.share, sp.put)
		sp.finish(err)
		if err == nil && o.spooled != nil {
			o.spooled(status)
		}
		return err
	})
	g.Go(func() error {
		for {
			b, ok, err := sp.next(ctx)
			if err != nil || !ok {
				return err
			}
			if err := send(b); err != nil {
				return err
			}
		}
	})
	p.err = g.Wait()
}

// listStatus lists one status, handing each page's users, undecoded, to
// put, and sending the total announced by the first page to total. With
// PageNumbers it then waits for its share of every status's users, and
// pages by number when the chain of tokens would be slow.
func listStatus(ctx context.Context, c *zoom.Client, status string, o listOptions, total chan<- int, share <-chan listShare, put func(json.RawMessage) error) error {
	opts := zoom.ListUsersOptions{Status: status, PageSize: o.PageSize}
	start := time.Now()
	first, err := c.UsersPageAt(ctx, opts, "", 0)
	if err != nil {
		return err
	}
	latency := time.Since(start)
	total <- first.TotalRecords
	if err := put(first.Users); err != nil {
		return err
	}
	token := first.NextPageToken
	if token == "" {
		return nil
	}
	// The page size is the one Zoom answered with, not the one asked
	// (many accounts get 300 of the 2,000 asked): without it the numbered
	// pages cannot be counted.
	if size := first.PageSize; o.PageNumbers && size > 0 {
		pages := (first.TotalRecords + size - 1) / size
		opts.PageSize = size
		var sh listShare
		select {
		case sh = <-share:
		case <-ctx.Done():
			return ctx.Err()
		}
		full := c.Rate(zoom.Medium)
		if o.Workers > 0 || byNumber(sh, size, pages, latency, full) {
			seen, err := newSeenUsers(first.Users)
			if err != nil {
				return err
			}
			done, err := listByNumber(ctx, c, opts, pages, workersFor(o.Workers, answerHeadroom*latency, full), seen, first.TotalRecords, put)
			if done || err != nil {
				return err
			}
			if seen.put > 0 {
				// The pages stopped adding up after some were written:
				// the rest by token, without the users already written.
				return listByToken(ctx, c, opts, token, seen, put)
			}
			// page_number not honoured: on with the token, nothing
			// after the first page put.
		}
	}
	return listByToken(ctx, c, opts, token, nil, put)
}

// listByToken follows the tokens from token to the end of the listing,
// putting every page; with written set, only the users not in it (a token
// is a cursor: what was written from numbered pages comes again).
func listByToken(ctx context.Context, c *zoom.Client, opts zoom.ListUsersOptions, token string, written *seenUsers, put func(json.RawMessage) error) error {
	for token != "" {
		p, err := c.UsersPageAt(ctx, opts, token, 0)
		if err != nil {
			return err
		}
		users := p.Users
		if written != nil {
			if users, err = written.without(users); err != nil {
				return err
			}
		}
		if err := put(users); err != nil {
			return err
		}
		token = p.NextPageToken
	}
	return nil
}

// byNumber says whether a status of pages pages (of size users) is
// listed by number, its first page answered in latency, the listing rate
// full and sh its share: when its chain of tokens would be slow for its
// share of the rate (chainIsSlow), or outlast the whole listing
// (chainOutlasts), or when the largest status's chain is slow. The
// listing is then bound by the rate, its numbered fetches waiting in the
// client's limiter, and a chain of tokens would wait there at every step
// (pro 0.8, 300 ms: the 40 pages of 12,000 inactive users ended 5 s after
// the 80,000 active ones): every status pages by number, and they share
// the rate to the end.
func byNumber(sh listShare, size, pages int, latency time.Duration, full float64) bool {
	if pages < 3 {
		return false
	}
	allPages := (sh.announced + size - 1) / size
	largest := (sh.largest + size - 1) / size
	largestPart := float64(sh.largest) / float64(max(sh.announced, 1))
	return chainIsSlow(pages, latency, full*max(sh.part, 0.01)) ||
		chainOutlasts(pages, latency, allPages, full) ||
		chainIsSlow(largest, latency, full*largestPart)
}

// chainIsSlow says whether following a status's tokens, one page after the
// other at the first page's answer time, would take more than twice what
// its share of the listing rate allows: then the pages are fetched by
// number, several at once. At Zoom's 300 users a page and 300 ms an answer
// a chain of 334 pages takes 100 s where the rate allows 21 s (pro, 0.8);
// at 50 ms the chain is within the rate and costs nothing more.
func chainIsSlow(pages int, latency time.Duration, rate float64) bool {
	if pages < 3 || rate <= 0 {
		return false
	}
	chain := float64(pages-1) * latency.Seconds()
	bound := float64(pages-1) / rate
	return chain > 2*bound
}

// chainOutlasts says whether following a status's tokens would take longer
// than the whole listing, every status's pages (allPages) at the full
// rate: then that chain alone sets the export's time, though its share of
// the rate would allow it (the rate the statuses listed by number leave
// when they end is its own). A small status is the case: at business's 60
// calls a second and 300 ms, the 27 pages of 8,000 pending users take 8 s
// one after the other, the 336 pages of the whole account 5.6 s. Numbered
// pages cost no more calls.
func chainOutlasts(pages int, latency time.Duration, allPages int, rate float64) bool {
	if pages < 3 || rate <= 0 {
		return false
	}
	return float64(pages-1)*latency.Seconds() > float64(allPages)/rate
}

// answerHeadroom is how much longer than the first page's an answer is
// taken to last when sizing the numbered fetches: on a busy machine the
// answers come later (business 1.0 at 300 ms, at a load average of 9-13
// on two cores: the first page in 0.33 s, the next ones in 0.45-0.5 s on
// average, the limiter's wait included), and a fetch that would be one
// too many only waits in the client's limiter, holding no page.
const answerHeadroom = 2

// maxListWorkers bounds the numbered fetches in flight per status: enough
// to fill business's Medium rate at a second an answer, while the pages
// fetched and not yet written stay a few megabytes.
const maxListWorkers = 64

// workersFor sizes a status's numbered fetches in flight by Little's law:
// the listing rate times the time an answer takes keeps the rate limit
// busy (16 at most, as this once was, left business's rate half used at
// 300 ms). Each status is given the whole rate's worth, not its part of
// the users': while the statuses list together the client's limiter
// shares the rate (a fetch waiting there holds no page), and once the
// small statuses end the largest one must fill the rate alone (sized by
// its 80 % part, business's active users were listed at about 45 calls a
// second of the 60). The pages fetched and not yet written
// stay bounded: at most workers a status, then Ahead for the writer.
func workersFor(asked int, latency time.Duration, rate float64) int {
	if asked > 0 {
		return asked
	}
	n := int(math.Ceil(rate*latency.Seconds())) + 1
	return min(max(n, 2), maxListWorkers)
}

// seenUsers checks a numbered listing: no user twice, and as many as
// total_records. Pages by number shift when users are added or removed
// while they are read (a user then comes twice, or not at all); a token
// chain is a cursor and does not. Users are told apart by ID (pending
// users have none: by email), kept as 64-bit hashes to keep a large
// account's set small.
type seenUsers struct {
	seed maphash.Seed
	set  map[uint64]struct{}
	put  int // numbered pages put (beyond the first page)
}

func newSeenUsers(first json.RawMessage) (*seenUsers, error) {
	s := &seenUsers{seed: maphash.MakeSeed(), set: map[uint64]struct{}{}}
	keys, err := s.keysOf(first)
	if err != nil {
		return nil, err
	}
	s.add(keys)
	return s, nil
}

// fresh says whether none of keys was seen, nor any twice among them.
func (s *seenUsers) fresh(keys []uint64) bool {
	local := make(map[uint64]struct{}, len(keys))
	for _, k := range keys {
		if _, ok := s.set[k]; ok {
			return false
		}
		if _, ok := local[k]; ok {
			return false
		}
		local[k] = struct{}{}
	}
	return true
}

func (s *seenUsers) add(keys []uint64) {
	for _, k := range keys {
		s.set[k] = struct{}{}
	}
}

// keysOf hashes the users of a page (in the fetching goroutine: the
// ordered writer only checks them).
func (s *seenUsers) keysOf(raw json.RawMessage) ([]uint64, error) {
	_, ids, err := userIdentities(raw)
	if err != nil {
		return nil, err
	}
	keys := make([]uint64, len(ids))
	for i, id := range ids {
		keys[i] = maphash.String(s.seed, id)
	}
	return keys, nil
}

// without is a page's users less those already seen, which it adds.
func (s *seenUsers) without(raw json.RawMessage) (json.RawMessage, error) {
	users, ids, err := userIdentities(raw)
	if err != nil {
		return nil, err
	}
	kept := make([]json.RawMessage, 0, len(users))
	for i, id := range ids {
		k := maphash.String(s.seed, id)
		if _, ok := s.set[k]; ok {
			continue
		}
		s.set[k] = struct{}{}
		kept = append(kept, users[i])
	}
	if len(kept) == len(users) {
		return raw, nil
	}
	return json.Marshal(kept)
}

// userIdentities splits a page's users and gives each one's ID, or
// "email:" and the address when it has none. (zoom.UserIdentities reads
// only those two members: decoding each user apart, twice, took a sixth of
// the CPU of a 100,000-user export.)
func userIdentities(raw json.RawMessage) ([]json.RawMessage, []string, error) {
	who, err := zoom.UserIdentities(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("decoding the users: %w", err)
	}
	if who == nil {
		return nil, nil, nil
	}
	users, ids := make([]json.RawMessage, len(who)), make([]string, len(who))
	for i, w := range who {
		users[i], ids[i] = w.Raw, w.ID
		if w.ID == "" {
			ids[i] = "email:" + strings.ToLower(w.Email)
		}
	}
	return users, ids, nil
}

// listByNumber fetches pages 2..pages with page_number, workers at a time,
// and puts them in order as long as they add up: each answered with the
// first page's total_records (want), none with a user seen before. A page
// that does not (users were added or removed meanwhile, which shifts every
// later page) ends the numbered listing: done is false, with seen.put
// telling how many pages were put, and the caller lists the rest by token.
// Every page before it was served before the change, so what was put is
// right. Page 2 is read first, alone: when its answer shows page_number is
// not honoured (another page number, or a 400 refusing the parameter),
// done is false with no error and nothing was put.
func listByNumber(ctx context.Context, c *zoom.Client, opts zoom.ListUsersOptions, pages, workers int, seen *seenUsers, want int, put func(json.RawMessage) error) (done bool, err error) {
	if pages < 2 {
		return true, nil
	}
	second, err := c.UsersPageAt(ctx, opts, "", 2)
	var apiErr *zoom.APIError
	switch {
	case errors.As(err, &apiErr) && apiErr.HTTPStatus == http.StatusBadRequest:
		return false, nil
	case err != nil:
		return false, err
	case second.PageNumber != 2:
		return false, nil
	}
	count := len(seen.set) // the first page's users
	keep := func(raw json.RawMessage, keys []uint64, total int) error {
		if total != want || !seen.fresh(keys) {
			return errPagesShifted
		}
		seen.add(keys)
		count += len(keys)
		seen.put++
		return put(raw)
	}
	keys, err := seen.keysOf(second.Users)
	if err != nil {
		return false, err
	}
	if err := keep(second.Users, keys, second.TotalRecords); err != nil {
		if errors.Is(err, errPagesShifted) {
			return false, nil
		}
		return false, err
	}
	switch err := fetchNumbered(ctx, c, opts, pages, workers, seen, keep); {
	case errors.Is(err, errNumbersNotHonoured), errors.Is(err, errPagesShifted):
		return false, nil
	case err != nil:
		return false, err
	}
	// An addition and a removal between two pages keep the total and
	// may skip a user: the count says so.
	return count == want, nil
}

// errNumbersNotHonoured is a numbered page answered as another page, and
// errPagesShifted one that does not add up: the rest of the status is
// listed by token.
var (
	errNumbersNotHonoured = errors.New("page_number is not honoured consistently")
	errPagesShifted       = errors.New("the numbered pages shifted")
)

// fetchNumbered fetches pages 3..pages, workers in flight, and hands them
// to keep in page order with their users' keys and total_records.
func fetchNumbered(ctx context.Context, c *zoom.Client, opts zoom.ListUsersOptions, pages, workers int, seen *seenUsers, keep func(json.RawMessage, []uint64, int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel() // first, so that the launcher and the fetches stop
		wg.Wait()
	}()
	type result struct {
		users json.RawMessage
		keys  []uint64
		total int
		err   error
	}
	results := make([]chan result, pages+1)
	for n := 3; n <= pages; n++ {
		results[n] = make(chan result, 1)
	}
	// window bounds the pages fetched but not yet kept: in flight or
	// waiting for an earlier page.
	window := make(chan struct{}, workers)
	wg.Go(func() {
		for n := 3; n <= pages; n++ {
			select {
			case window <- struct{}{}:
			case <-ctx.Done():
				return
			}
			wg.Go(func() {
				p, err := c.UsersPageAt(ctx, opts, "", n)
				switch {
				case err != nil:
					results[n] <- result{err: err}
				case p.PageNumber != n:
					results[n] <- result{err: errNumbersNotHonoured}
				default:
					keys, err := seen.keysOf(p.Users)
					results[n] <- result{users: p.Users, keys: keys, total: p.TotalRecords, err: err}
				}
			})
		}
	})
	for n := 3; n <= pages; n++ {
		var r result
		select {
		case r = <-results[n]:
		case <-ctx.Done():
			return ctx.Err()
		}
		<-window
		if r.err != nil {
			return r.err
		}
		if err := keep(r.users, r.keys, r.total); err != nil {
			return err
		}
	}
	return nil
}

// spool keeps a later status's pages in a temporary file, as the JSON
// they came in, one record per page, so that its listing never waits for
// the writer and memory does not grow with the account. The reader takes
// the records back in order, while the listing may still be appending.
type spool struct {
	f    *os.File
	off  int64 // the lister's end of the file (its goroutine only)
	mu   sync.Mutex
	recs []spoolRec // records written, not yet read
	done bool
	err  error
	more chan struct{} // a record or the end arrived
}

type spoolRec struct {
	off int64
	n   int
}

func newSpool() (*spool, error) {
	f, err := os.CreateTemp("", "zoombulk-export-*.spool")
	if err != nil {
		return nil, fmt.Errorf("creating a temporary file: %w", err)
	}
	return &spool{f: f, more: make(chan struct{}, 1)}, nil
}

func (s *spool) put(raw json.RawMessage) error {
	n, err := s.f.WriteAt(raw, s.off)
	if err != nil {
		return fmt.Errorf("writing a temporary file: %w", err)
	}
	s.mu.Lock()
	s.recs = append(s.recs, spoolRec{s.off, n})
	s.mu.Unlock()
	s.off += int64(n)
	s.signal()
	return nil
}

func (s *spool) signal() {
	select {
	case s.more <- struct{}{}:
	default:
	}
}

// finish ends the listing, with the error that ended it, if any.
func (s *spool) finish(err error) {
	s.mu.Lock()
	s.done, s.err = true, err
	s.mu.Unlock()
	s.signal()
}

// next is the next page; ok is false at the end.
func (s *spool) next(ctx context.Context) (raw json.RawMessage, ok bool, err error) {
	for {
		s.mu.Lock()
		if len(s.recs) > 0 {
			r := s.recs[0]
			s.recs = s.recs[1:]
			s.mu.Unlock()
			buf := make([]byte, r.n)
			if _, err := s.f.ReadAt(buf, r.off); err != nil {
				return nil, false, fmt.Errorf("reading a temporary file: %w", err)
			}
			return buf, true, nil
		}
		if s.done {
			err := s.err
			s.mu.Unlock()
			return nil, false, err
		}
		s.mu.Unlock()
		select {
		case <-s.more:
		case <-ctx.Done():
			return nil, false, ctx.Err()
		}
	}
}

// discard removes the file; the listing and the reader have returned.
func (s *spool) discard() {
	name := s.f.Name()
	_ = s.f.Close()
	_ = os.Remove(name)
}
