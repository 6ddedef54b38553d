package export

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"sync"

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

// listUsers walks every user of the statuses, status after status, with
// next_page_token at the largest page size, fetching ahead of the consumer
// by at most ahead pages: the listing overlaps with the writing, and memory
// stays bounded whatever the account's size.
//
// A status's listing starts when the previous one has fetched its last
// page, not before: a next_page_token expires after 15 minutes, so a
// listing must never sit on a token while an earlier status is written
// (with --details that takes a second per 64 users). To know the total up
// front, the later statuses are counted at the start with a one-user page
// each. The iterator stops at the first error, after yielding it.
func listUsers(ctx context.Context, c *zoom.Client, statuses []string, pageSize, ahead int) iter.Seq2[listedPage, error] {
	type msg struct {
		page *zoom.UsersPage
		err  error
	}
	if ahead < 1 {
		ahead = 2
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
		chans := make([]chan msg, len(statuses))
		for i := range chans {
			chans[i] = make(chan msg, ahead)
		}
		var start func(i int)
		start = func(i int) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer close(chans[i])
				opts := zoom.ListUsersOptions{Status: statuses[i], PageSize: pageSize}
				for p, err := range c.ListUsersPages(ctx, opts) {
					if err == nil && p.NextPageToken == "" && i+1 < len(statuses) {
						start(i + 1)
					}
					select {
					case chans[i] <- msg{p, err}:
					case <-ctx.Done():
						return
					}
					if err != nil {
						return
					}
				}
			}()
		}
		start(0)

		// Count the later statuses meanwhile.
		counts := make([]msg, len(statuses))
		var probes sync.WaitGroup
		for i := 1; i < len(statuses); i++ {
			probes.Go(func() {
				for p, err := range c.ListUsersPages(ctx, zoom.ListUsersOptions{Status: statuses[i], PageSize: 1}) {
					counts[i] = msg{p, err}
					break
				}
			})
		}

		recv := func(i int) (msg, bool) {
			select {
			case m, ok := <-chans[i]:
				return m, ok
			case <-ctx.Done():
				return msg{err: ctx.Err()}, true
			}
		}
		first, _ := recv(0)
		probes.Wait()
		counts[0] = first
		announced := 0
		for i, m := range counts {
			if m.err == nil && m.page == nil {
				m.err = cmp.Or(ctx.Err(), errors.New("the listing ended without an answer"))
			}
			if m.err != nil {
				yield(listedPage{Status: statuses[i]}, fmt.Errorf("listing %s users: %w", statuses[i], m.err))
				return
			}
			announced += m.page.TotalRecords
		}
		for i, status := range statuses {
			m, ok := first, true
			if i > 0 {
				m, ok = recv(i)
			}
			for ok {
				if m.err != nil {
					yield(listedPage{Status: status}, fmt.Errorf("listing %s users: %w", status, m.err))
					return
				}
				if !yield(listedPage{Status: status, Users: m.page.Users, Announced: announced}, nil) {
					return
				}
				m, ok = recv(i)
			}
		}
	}
}
