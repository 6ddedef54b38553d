package zoom

import (
	"context"
	"iter"
	"net/url"
)

// pages follows next_page_token until the listing ends. The iterator stops
// at the first error, after yielding it.
func pages[P any](ctx context.Context, c *Client, ep endpoint, params []string, q url.Values, next func(*P) string) iter.Seq2[*P, error] {
	return func(yield func(*P, error) bool) {
		query := url.Values{}
		for k, v := range q {
			query[k] = v
		}
		for {
			p := new(P)
			if _, err := c.do(ctx, call{ep: ep, params: params, query: query, out: p}); err != nil {
				yield(nil, err)
				return
			}
			if !yield(p, nil) {
				return
			}
			tok := next(p)
			if tok == "" {
				return
			}
			query.Set("next_page_token", tok)
		}
	}
}

// flatten turns an iterator of pages into one of items.
func flatten[P, T any](seq iter.Seq2[*P, error], items func(*P) []T) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for p, err := range seq {
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			for _, it := range items(p) {
				if !yield(it, nil) {
					return
				}
			}
		}
	}
}

// collect gathers an iterator into a slice.
func collect[T any](seq iter.Seq2[T, error]) ([]T, error) {
	var out []T
	for v, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, nil
}
