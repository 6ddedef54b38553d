package jobs

import (
	"context"
	"sync"
)

// forEach runs fn over items with at most n at a time. It stops taking new
// items once stop is done; items already started run to the end, because
// a call in flight is finished rather than abandoned. fn reports its own
// failures: one bad item never cancels the others.
func forEach[T any](stop context.Context, n int, items []T, fn func(T)) {
	forEachSized(stop, func() int { return n }, items, fn)
}

// forEachSized is forEach with a pool size read again before each item
// starts, so that the pool grows (or shrinks) as the answers' latency
// becomes known: by Little's law the workers a rate needs are rate ×
// latency, and the first answers of a step are what tell the latency.
func forEachSized[T any](stop context.Context, size func() int, items []T, fn func(T)) {
	var (
		mu       sync.Mutex
		cond     = sync.NewCond(&mu)
		inFlight int
		wg       sync.WaitGroup
	)
	for _, it := range items {
		mu.Lock()
		for inFlight >= max(size(), 1) {
			cond.Wait()
		}
		inFlight++
		mu.Unlock()
		if stop.Err() != nil {
			mu.Lock()
			inFlight--
			mu.Unlock()
			break
		}
		wg.Add(1)
		go func() {
			defer func() {
				mu.Lock()
				inFlight--
				cond.Signal()
				mu.Unlock()
				wg.Done()
			}()
			if stop.Err() == nil {
				fn(it)
			}
		}()
	}
	wg.Wait()
}

// readEach runs read over items, n at a time, for the plan's reads: the
// first error stops nothing already started but is what it returns (then
// the context's, if it ended). read must be safe for concurrent use.
func readEach[T any](ctx context.Context, n int, items []T, read func(T) error) error {
	var mu sync.Mutex
	var first error
	forEach(ctx, n, items, func(it T) {
		if err := read(it); err != nil {
			mu.Lock()
			if first == nil {
				first = err
			}
			mu.Unlock()
		}
	})
	if first != nil {
		return first
	}
	return ctx.Err()
}
