package jobs

// The plan's reads of the users: a listing or look-ups, whichever the
// measured latency and the rate limits make faster, both concurrent within
// the rate, with a progress line every 10 s.

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// listedStatuses are the statuses List users takes, one listing each.
var listedStatuses = []string{zoom.StatusActive, zoom.StatusInactive, zoom.StatusPending}

// readUsers finds each row's user: from the listing when its pages take
// less time than looking the rows up, else one look-up a row. A user the
// listing finds is read again only when it is pending (listed without an
// ID) or the job writes fields only Get a user carries (needsDetail); a job
// that does and creates no one looks every row up and skips the listing,
// which would find nothing the look-ups do not.
func (e *engine) readUsers(ctx context.Context, rows []*rowRun) error {
	prog := e.startPlanProgress()
	defer prog.stop()
	lookup := rows
	creates := slices.ContainsFunc(e.steps, func(s jobfile.Step) bool { return createsUsers(s) })
	// An edited export's rows are read by the exported ID: only the
	// edited ones come here.
	if e.listing != nil || e.Opts.Baseline == nil && len(rows) > len(listedStatuses) && (creates || !needsDetail(e)) {
		var err error
		if lookup, err = e.listUsers(ctx, rows, prog); err != nil {
			return err
		}
	}
	prog.looks.Store(int64(len(lookup)))
	return e.forRows(ctx, lookup, zoom.Light, func(ctx context.Context, r *rowRun) error {
		defer prog.looked.Add(1)
		key := r.key
		if r.user != nil {
			key = r.user.Email
		} else if r.userID != "" {
			key = r.userID
		}
		u, err := e.Client.FindUser(ctx, key)
		if err != nil {
			return err
		}
		r.user, r.listed = u, false
		return nil
	})
}

// statusListing is what the first page of a status's listing said.
type statusListing struct {
	status string
	first  *zoom.RawUsersPage
	pages  int // the listing's pages, the first included
}

// listUsers reads the first page of each status (at once), then the rest
// of the listing only when its pages take less time than looking up the
// rows the first pages did not find. The rest is read by page number,
// several pages in flight within the rate; a status whose answers do not
// honour page_number, or whose pages do not add up (an ID twice, a count
// other than total_records), is read again by next_page_token. The page
// size is the one the answer grants (Zoom allows 2,000 a page, some
// accounts 300). It returns the rows that still need a look-up.
func (e *engine) listUsers(ctx context.Context, rows []*rowRun, prog *planProgress) ([]*rowRun, error) {
	if l := e.listing; l != nil { // a streamed plan's later chunk: the listing is read
		return e.fromListing(rows, l.byKey, l.complete), nil
	}
	found := &listedUsers{byID: e.Job.Match == "id", byKey: map[string]*zoom.User{}}
	page := e.listingPage(prog)
	firsts, err := readFirstPages(ctx, page, found.add)
	if err != nil {
		return nil, err
	}
	var rest []statusListing
	left := 0 // pages after the first ones
	for _, f := range firsts {
		if f.first.NextPageToken != "" {
			rest = append(rest, f)
			left += max(f.pages-1, 1)
		}
	}
	unfound := found.missing(rows)
	if st := e.stream; st != nil { // a chunk of the rows: the listing serves them all
		unfound = unfound * st.rows / max(len(rows), 1)
	}
	complete := len(rest) == 0
	if !complete && e.listingPays(left, unfound) {
		prog.pages.Store(int64(left + len(firsts)))
		for _, f := range rest {
			prog.users.Add(int64(f.first.TotalRecords))
		}
		if err := e.readListing(ctx, rest, page, found.add); err != nil {
			return nil, err
		}
		complete = true
	}
	if e.stream != nil {
		e.listing = &userListing{byKey: found.byKey, complete: complete}
	}
	return e.fromListing(rows, found.byKey, complete), nil
}

// userListing is what a streamed plan's listing found, for its later
// chunks: the users by key, and whether every page was read.
type userListing struct {
	byKey    map[string]*zoom.User
	complete bool
}

// fromListing gives the rows their users from the listing, and returns
// the rows that still need a look-up.
func (e *engine) fromListing(rows []*rowRun, byKey map[string]*zoom.User, complete bool) []*rowRun {
	detail := needsDetail(e)
	var again []*rowRun
	for _, r := range rows {
		r.user = byKey[r.key]
		r.listed = r.user != nil
		if e.needsLookup(r, complete, detail) {
			again = append(again, r)
		}
	}
	return again
}

// listedUsers are the users the listing found, by the key the job matches
// rows on: the lower-cased email, or the ID with match: id. Pages arrive
// concurrently.
type listedUsers struct {
	mu    sync.Mutex
	byID  bool
	byKey map[string]*zoom.User
}

func (l *listedUsers) add(users []zoom.User) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, u := range users {
		switch {
		case !l.byID:
			l.byKey[strings.ToLower(u.Email)] = &u
		case u.ID != "": // pending users are listed without IDs
			l.byKey[u.ID] = &u
		}
	}
}

// missing counts the rows the users listed so far do not find.
func (l *listedUsers) missing(rows []*rowRun) int {
	n := 0
	for _, r := range rows {
		if l.byKey[r.key] == nil {
			n++
		}
	}
	return n
}

// listingPage reads one page of a status's listing, by token or number,
// counting it in the plan's progress.
func (e *engine) listingPage(prog *planProgress) pageFunc {
	return func(ctx context.Context, status, token string, number int) (*zoom.RawUsersPage, []zoom.User, error) {
		p, err := e.Client.UsersPageAt(ctx, zoom.ListUsersOptions{Status: status}, token, number)
		var users []zoom.User
		if err == nil {
			users, err = zoom.DecodeUsers(p.Users)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("listing %s users: %w", status, err)
		}
		prog.pagesRead.Add(1)
		prog.usersRead.Add(int64(len(users)))
		return p, users, nil
	}
}

// readFirstPages reads the first page of each status, at once: they tell
// the size of each listing and the latency. The users they hold go to add.
func readFirstPages(ctx context.Context, page pageFunc, add func([]zoom.User)) ([]statusListing, error) {
	firsts := make([]statusListing, len(listedStatuses))
	errs := make([]error, len(listedStatuses))
	var wg sync.WaitGroup
	for i, status := range listedStatuses {
		wg.Go(func() {
			p, users, err := page(ctx, status, "", 0)
			if err != nil {
				errs[i] = err
				return
			}
			add(users)
			size := max(p.PageSize, len(users), 1)
			firsts[i] = statusListing{status: status, first: p, pages: max((p.TotalRecords+size-1)/size, 1)}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return firsts, nil
}

// needsLookup says whether a row must still be looked up after the
// listing: complete says the whole listing was read, detail that the job
// writes fields only Get a user carries.
func (e *engine) needsLookup(r *rowRun, complete, detail bool) bool {
	if r.user != nil {
		return r.user.ID == "" || // pending: the look-up gives the ID
			detail // fields only Get a user carries
	}
	return !complete || // beyond the pages read
		r.intent || // settle a lost create by asking directly
		e.Job.Match == "id" || // pending users are listed without IDs
		r.userID != "" // known by ID from the journal: renamed since (change_email)
}

// listingPays says whether reading the rest of the listing (pages,
// Medium) takes less time than looking up the rows the first pages did not
// find (Light), at the rates in force and the latency measured so far;
// both run concurrently within their rate.
func (e *engine) listingPays(pages, lookups int) bool {
	byList := e.estimate(zoom.Medium, pages, e.latencyOf(zoom.Medium))
	byLook := e.estimate(zoom.Light, lookups, e.latencyOf(zoom.Light))
	return byList < byLook
}

type pageFunc func(ctx context.Context, status, token string, number int) (*zoom.RawUsersPage, []zoom.User, error)

// readListing reads the pages after the first of each status: by number,
// as many in flight as the Medium rate keeps busy at the latency seen;
// a status whose numbered pages fail the check is read again by token.
func (e *engine) readListing(ctx context.Context, rest []statusListing, page pageFunc, add func([]zoom.User)) error {
	type item struct {
		st     int
		number int
	}
	checks := make([]*pageCheck, len(rest))
	var items []item
	for i, f := range rest {
		checks[i] = &pageCheck{keys: map[string]bool{}}
		users, err := zoom.DecodeUsers(f.first.Users)
		if err != nil {
			return fmt.Errorf("listing %s users: %w", f.status, err)
		}
		checks[i].note(users)
		for n := 2; n <= f.pages; n++ {
			items = append(items, item{i, n})
		}
	}
	work, cancel := context.WithCancel(ctx)
	defer cancel()
	forEachSized(work, func() int { return e.concurrency(zoom.Medium) }, items, func(it item) {
		c := checks[it.st]
		c.mu.Lock()
		skip := c.bad || c.failed != nil
		c.mu.Unlock()
		if skip {
			return
		}
		p, users, err := page(work, rest[it.st].status, "", it.number)
		c.mu.Lock()
		defer c.mu.Unlock()
		switch {
		case err != nil:
			if c.failed == nil {
				c.failed = err
			}
			cancel()
			return
		case p.PageNumber != it.number:
			c.bad = true // page_number not honoured: the answer is the first page again
			return
		}
		if !c.note(users) {
			c.bad = true
			return
		}
		add(users)
	})
	for i, c := range checks {
		if c.failed != nil {
			return c.failed
		}
		if !c.bad && c.n == rest[i].first.TotalRecords {
			continue
		}
		// Redo the status by token: users moved between pages while they
		// were read, or the numbers were not honoured.
		for tok := rest[i].first.NextPageToken; tok != ""; {
			p, users, err := page(ctx, rest[i].status, tok, 0)
			if err != nil {
				return err
			}
			add(users)
			tok = p.NextPageToken
		}
	}
	return ctx.Err()
}

// pageCheck is what the numbered pages of one status added up to.
type pageCheck struct {
	mu     sync.Mutex
	keys   map[string]bool // IDs (emails for pending users, listed without)
	n      int
	bad    bool // page_number not honoured, or a user twice
	failed error
}

// note counts a page's users; false when one was seen already. Called
// with the lock held (or before any worker starts).
func (c *pageCheck) note(users []zoom.User) bool {
	for _, u := range users {
		k := u.ID
		if k == "" {
			k = "email:" + strings.ToLower(u.Email)
		}
		if c.keys[k] {
			return false
		}
		c.keys[k] = true
		c.n++
	}
	return true
}

// planEvery is how often the plan says how far its reads got.
const planEvery = 10 * time.Second

// planProgress counts the plan's reads, for a line every planEvery: on a
// large account the reads take minutes, and a plan that says nothing looks
// stuck.
type planProgress struct {
	e                *engine
	pages, pagesRead atomic.Int64 // listing pages to read (0: no listing) and read
	users, usersRead atomic.Int64 // users the listing holds (the pages after the first), and listed
	looks, looked    atomic.Int64 // look-ups to do and done
	start            time.Time
	done             chan struct{}
	once             sync.Once
	wg               sync.WaitGroup
}

func (e *engine) startPlanProgress() *planProgress {
	p := &planProgress{e: e, start: time.Now(), done: make(chan struct{})}
	every := e.Opts.PlanProgressEvery
	if every <= 0 {
		every = planEvery
	}
	p.wg.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-p.done:
				return
			case <-t.C:
				e.Events.Logf("%s", p.line())
			}
		}
	})
	return p
}

func (p *planProgress) stop() {
	p.once.Do(func() { close(p.done) })
	p.wg.Wait()
}

// line reads "Planning: 36 of 334 listing pages read (10,800 users), 0 of
// 0 look-ups; about 14s left (planning for 2m0s)".
func (p *planProgress) line() string {
	e := p.e
	pages, read := int(p.pages.Load()), int(p.pagesRead.Load())
	looks, looked := int(p.looks.Load()), int(p.looked.Load())
	var parts []string
	var left time.Duration
	if pages > 0 || looks == 0 {
		parts = append(parts, fmt.Sprintf("%s of %s listing pages read (%s users)", count(read), count(max(pages, read)), count(int(p.usersRead.Load()))))
		if pages > read {
			left += e.estimate(zoom.Medium, pages-read, e.latencyOf(zoom.Medium))
		}
	}
	if looks > 0 {
		parts = append(parts, fmt.Sprintf("%s of %s users looked up", count(looked), count(looks)))
		if looks > looked {
			left += e.estimate(zoom.Light, looks-looked, e.latencyOf(zoom.Light))
		}
	}
	return fmt.Sprintf("Planning: %s; about %s left (planning for %s)", strings.Join(parts, ", "),
		left.Round(time.Second), time.Since(p.start).Round(time.Second))
}

// count writes n with thousands separators.
func count(n int) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 && r != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}
