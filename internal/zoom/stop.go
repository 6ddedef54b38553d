package zoom

import (
	"context"
	"errors"
	"time"
)

// ErrNotSent says a call was given up before anything went on the wire: the
// run was stopped while the call waited for a rate-limit slot, the features
// interval, a token or a retry. Nothing was changed in Zoom by it.
var ErrNotSent = errors.New("zoom: not sent: the run was stopped before this call went out")

type stopKey struct{}

// WithStop returns a context whose calls stop waiting when stop is closed:
// a call still queued for a rate-limit slot, the features interval, a token
// or a retry returns ErrNotSent at once and sends nothing, while a call
// already on the wire completes (its answer is read). Pass a context that is
// not itself cancelled by the stop (context.WithoutCancel), or the calls on
// the wire are cut off too and their outcome is lost.
func WithStop(ctx context.Context, stop <-chan struct{}) context.Context {
	return context.WithValue(ctx, stopKey{}, stop)
}

// stopOf is the stop channel of ctx, or nil (never ready) when it has none.
func stopOf(ctx context.Context) <-chan struct{} {
	s, _ := ctx.Value(stopKey{}).(<-chan struct{})
	return s
}

// stopped says whether the stop has fired.
func stopped(stop <-chan struct{}) bool {
	select {
	case <-stop:
		return true
	default:
		return false
	}
}

// clock is the time source of the client's waits, so that tests of spacing
// and token lifetimes can run on a fake one.
type clock interface {
	Now() time.Time
	// After fires once d has passed.
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// sleep waits d unless ctx ends (its error) or the stop fires (ErrNotSent).
func sleep(ctx context.Context, clk clock, d time.Duration) error {
	stop := stopOf(ctx)
	// A stop or an end that came first wins over a wait that is also over.
	if err := ctx.Err(); err != nil {
		return err
	}
	if stopped(stop) {
		return ErrNotSent
	}
	if d <= 0 {
		return nil
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-stop:
		return ErrNotSent
	case <-clk.After(d):
		return nil
	}
}
