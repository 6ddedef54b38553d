package jobs

import (
	"context"

	"golang.org/x/sync/errgroup"
)

// forEach runs fn over items with at most n at a time. It stops taking new
// items once stop is done; items already started run to the end, because
// a call in flight is finished rather than abandoned. fn reports its own
// failures: one bad item never cancels the others.
func forEach[T any](stop context.Context, n int, items []T, fn func(T)) {
	var g errgroup.Group
	g.SetLimit(max(n, 1))
	for _, it := range items {
		if stop.Err() != nil {
			break
		}
		g.Go(func() error {
			if stop.Err() == nil {
				fn(it)
			}
			return nil
		})
	}
	_ = g.Wait()
}
