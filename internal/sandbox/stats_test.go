package sandbox

import (
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
)

func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// When's channels close at the call that meets their count, not before and
// not on a call that changed nothing; a count already met is a channel
// closed at once.
func TestWhenClosesAtTheCount(t *testing.T) {
	s := newMemTestServer(t, Options{NoRateLimits: true, Seed: seedSmall()})
	c := newMemClient(t, s)
	second := s.AppliedReached("POST /users", 2)
	never := s.AppliedReached("DELETE /users/{userId}", 1)
	c.ok("POST", "/users", createBody("create", "one@test.example", 1), 201, nil)
	if closed(second) {
		t.Fatal("closed after the first create")
	}
	wantErr(t, c.do("POST", "/users", createBody("create", "one@test.example", 1)), 409, 1005, "")
	if closed(second) {
		t.Fatal("closed by a create that was refused (nothing applied)")
	}
	c.ok("POST", "/users", createBody("create", "two@test.example", 1), 201, nil)
	if !closed(second) {
		t.Fatal("not closed after the second create")
	}
	if !closed(s.AppliedReached("POST /users", 2)) {
		t.Error("a count already reached is not a closed channel")
	}
	if closed(never) {
		t.Error("the delete count closed without a delete")
	}

	fivexx := s.FaultsReached("5xx", 1)
	s.SetFaults(Faults{ServerError: 1, Seed: 1})
	if closed(fivexx) {
		t.Fatal("closed before any fault")
	}
	if r := c.do("GET", "/users/u-bob", nil); r.status < 500 {
		t.Fatalf("status %d, want an injected 5xx", r.status)
	}
	if !closed(fivexx) {
		t.Error("not closed after the injected 5xx")
	}
}

// Many writers at once: the channel closes once the count is reached,
// with no call lost, and a waiter blocked on it in a bubble is woken.
func TestWhenUnderConcurrentCalls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newMemTestServer(t, Options{NoRateLimits: true, Seed: seedSmall()})
		c := newMemClient(t, s)
		const n = 20
		reached := s.AppliedReached("POST /users", n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				c.ok("POST", "/users", createBody("create", fmt.Sprintf("w%d@test.example", i), 1), 201, nil)
			})
		}
		<-reached
		if got := s.Stats().Applied["POST /users"]; got < n {
			t.Errorf("woken at %d creates, want %d", got, n)
		}
		wg.Wait()
	})
}
