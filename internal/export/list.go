package export

import (
	"bytes"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"iter"
	"math"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

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
	Ahead    int // pages the first status may fetch ahead of the writer (default 2)
	// PageNumbers fetches the pages of each status several at a time with
	// page_number (deprecated in the reference), falling back to
	// next_page_token as soon as an answer shows it is not honoured.
	PageNumbers bool
	// Workers bounds the page_number fetches in flight per status
	// (default: the listing rate times the first page's answer time).
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
// The first status hands its pages straight to the writer, at most Ahead
// pages ahead, so its token never waits long. The later statuses must not
// sit on a token while the writer is busy with an earlier one (a token
// expires after 15 minutes): they list to the end at once, into a spool
// file in the temporary folder that the writer reads back when their turn
// comes. Memory stays bounded whatever the account's size. The total is
// known once every status's first page is in. The iterator stops at the
// first error, after yielding it.
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
		sinks := make([]pageSink, len(statuses))
		totals := make([]chan int, len(statuses))
		defer func() {
			cancel()
			wg.Wait() // every lister has returned before we do
			for _, s := range sinks {
				if s != nil {
					s.discard()
				}
			}
		}()
		for i, status := range statuses {
			if i == 0 {
				sinks[i] = newMemSink(o.Ahead)
			} else {
				sp, err := newSpool()
				if err != nil {
					yield(listedPage{Status: status}, fmt.Errorf("listing %s users: %w", status, err))
					return
				}
				sinks[i] = sp
			}
			totals[i] = make(chan int, 1)
			wg.Go(func() {
				err := listStatus(ctx, c, status, o, totals[i], sinks[i])
				sinks[i].finish(err)
				if err == nil && i > 0 && o.spooled != nil {
					o.spooled(status)
				}
			})
		}

		announced := 0
		for i := range statuses {
			select {
			case n := <-totals[i]:
				announced += n
			case err := <-sinks[i].failed():
				yield(listedPage{Status: statuses[i]}, fmt.Errorf("listing %s users: %w", statuses[i], err))
				return
			case <-ctx.Done():
				yield(listedPage{Status: statuses[i]}, ctx.Err())
				return
			}
		}
		for i, status := range statuses {
			for {
				users, ok, err := sinks[i].next(ctx)
				if err != nil {
					yield(listedPage{Status: status}, fmt.Errorf("listing %s users: %w", status, err))
					return
				}
				if !ok {
					break
				}
				if !yield(listedPage{Status: status, Users: users, Announced: announced}, nil) {
					return
				}
			}
		}
	}
}

// listStatus lists one status into sink, sending the total announced by
// the first page to total.
func listStatus(ctx context.Context, c *zoom.Client, status string, o listOptions, total chan<- int, sink pageSink) error {
	opts := zoom.ListUsersOptions{Status: status, PageSize: o.PageSize}
	start := time.Now()
	first, err := c.UsersPageAt(ctx, opts, "", 0)
	if err != nil {
		return err
	}
	latency := time.Since(start)
	total <- first.TotalRecords
	if err := sink.put(ctx, first.Users); err != nil {
		return err
	}
	token := first.NextPageToken
	if token == "" {
		return nil
	}
	if o.PageNumbers {
		// The page size is the one Zoom answered with, not the one asked.
		size := max(first.PageSize, len(first.Users))
		pages := (first.TotalRecords + size - 1) / size
		opts.PageSize = size
		done, err := listByNumber(ctx, c, opts, pages, workersFor(c, o.Workers, latency), sink)
		if done || err != nil {
			return err
		}
		// page_number not honoured: on with the token, still fresh.
	}
	for token != "" {
		p, err := c.UsersPageAt(ctx, opts, token, 0)
		if err != nil {
			return err
		}
		if err := sink.put(ctx, p.Users); err != nil {
			return err
		}
		token = p.NextPageToken
	}
	return nil
}

// workersFor sizes the numbered fetches in flight by Little's law: the
// listing rate times the time an answer takes keeps the rate limit busy;
// more would only wait in the client's limiter.
func workersFor(c *zoom.Client, asked int, latency time.Duration) int {
	if asked > 0 {
		return asked
	}
	n := int(math.Ceil(c.Rate(zoom.Medium)*latency.Seconds())) + 1
	return min(max(n, 2), 16)
}

// listByNumber fetches pages 2..pages with page_number, workers at a time,
// and puts them into sink in order. Page 2 is read first, alone: when its
// answer shows page_number is not honoured (another page number, or a 400
// refusing the parameter), done is false with no error and nothing was put.
func listByNumber(ctx context.Context, c *zoom.Client, opts zoom.ListUsersOptions, pages, workers int, sink pageSink) (done bool, err error) {
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
	if err := sink.put(ctx, second.Users); err != nil {
		return true, err
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel() // first, so that the launcher and the fetches stop
		wg.Wait()
	}()
	type result struct {
		users []zoom.User
		err   error
	}
	results := make([]chan result, pages+1)
	for n := 3; n <= pages; n++ {
		results[n] = make(chan result, 1)
	}
	// window bounds the pages fetched but not yet put: in flight or waiting
	// for an earlier page.
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
					results[n] <- result{err: fmt.Errorf("page %d answered as page %d: page_number is not honoured consistently", n, p.PageNumber)}
				default:
					results[n] <- result{users: p.Users}
				}
			})
		}
	})
	for n := 3; n <= pages; n++ {
		var r result
		select {
		case r = <-results[n]:
		case <-ctx.Done():
			return true, ctx.Err()
		}
		<-window
		if r.err != nil {
			return true, r.err
		}
		if err := sink.put(ctx, r.users); err != nil {
			return true, err
		}
	}
	return true, nil
}

// pageSink carries one status's pages from its lister to the writer.
type pageSink interface {
	put(ctx context.Context, users []zoom.User) error
	// finish ends the listing, with the error that ended it, if any.
	finish(err error)
	// failed delivers the listing's error, if it ends in one.
	failed() <-chan error
	// next is the next page; ok is false at the end.
	next(ctx context.Context) (users []zoom.User, ok bool, err error)
	discard()
}

// memSink hands pages over a channel of ahead pages: the lister waits for
// the writer.
type memSink struct {
	pages chan []zoom.User
	errc  chan error
	err   error
}

func newMemSink(ahead int) *memSink {
	return &memSink{pages: make(chan []zoom.User, ahead), errc: make(chan error, 1)}
}

func (m *memSink) put(ctx context.Context, users []zoom.User) error {
	select {
	case m.pages <- users:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (m *memSink) finish(err error) {
	if err != nil {
		m.errc <- err
	}
	close(m.pages)
}

func (m *memSink) failed() <-chan error { return m.errc }

func (m *memSink) next(ctx context.Context) ([]zoom.User, bool, error) {
	select {
	case users, ok := <-m.pages:
		if ok {
			return users, true, nil
		}
		if m.err == nil {
			select {
			case m.err = <-m.errc:
			default:
			}
		}
		return nil, false, m.err
	case <-ctx.Done():
		return nil, false, ctx.Err()
	}
}

func (m *memSink) discard() {}

// spool keeps a later status's pages in a temporary file, gob-encoded,
// one record per page, so that its listing never waits for the writer and
// memory does not grow with the account. The writer reads the records back
// in order, while the listing may still be appending.
type spool struct {
	f    *os.File
	off  int64 // the writer's end of the file (the lister's goroutine only)
	mu   sync.Mutex
	recs []spoolRec // records written, not yet read
	done bool
	err  error
	more chan struct{} // a record or the end arrived
	errc chan error
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
	return &spool{f: f, more: make(chan struct{}, 1), errc: make(chan error, 1)}, nil
}

func (s *spool) put(_ context.Context, users []zoom.User) error {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(users); err != nil {
		return err
	}
	n, err := s.f.WriteAt(buf.Bytes(), s.off)
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

func (s *spool) finish(err error) {
	s.mu.Lock()
	s.done, s.err = true, err
	s.mu.Unlock()
	if err != nil {
		s.errc <- err
	}
	s.signal()
}

func (s *spool) failed() <-chan error { return s.errc }

func (s *spool) next(ctx context.Context) ([]zoom.User, bool, error) {
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
			var users []zoom.User
			if err := gob.NewDecoder(bytes.NewReader(buf)).Decode(&users); err != nil {
				return nil, false, fmt.Errorf("reading a temporary file: %w", err)
			}
			return users, true, nil
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

// discard removes the file; the listing has returned.
func (s *spool) discard() {
	name := s.f.Name()
	_ = s.f.Close()
	_ = os.Remove(name)
}
