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

// sleep waits d unless ctx ends (its error) or the stop fires (ErrNotSent).
// Every wait of the client (pacing, the features gate, backoff) comes here
// and takes its time from time's own timers, with every reading of the
// clock from time.Now: in a testing/synctest bubble both are the bubble's
// virtual clock, so tests of spacing and lifetimes need no clock of their
// own.
func sleep(ctx context.Context, d time.Duration) error {
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
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-stop:
		return ErrNotSent
	case <-timer.C:
		return nil
	}
}
