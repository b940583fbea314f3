package watch

import (
	"sync/atomic"
	"time"

	"github.com/bulwarkhq/bulwark/clock"
)

// Expiry says which bound a Watcher's timer passed.
type Expiry uint32

const (
	// None: no bound passed.
	None Expiry = iota
	// FirstToken: the commit point did not come within the first-token bound.
	FirstToken
	// Stall: after the commit, the next event did not come within the idle
	// timeout.
	Stall
)

// String returns "none", "first_token" or "stall".
func (e Expiry) String() string {
	switch e {
	case FirstToken:
		return "first_token"
	case Stall:
		return "stall"
	}
	return "none"
}

// FirstTokenBound returns how long an attempt may wait for its commit point:
// firstToken when it is set (> 0) and shorter than the attempt's timeout,
// else the attempt's timeout. A result of 0 means no bound.
func FirstTokenBound(attempt, firstToken time.Duration) time.Duration {
	if firstToken > 0 && (attempt <= 0 || firstToken < attempt) {
		return firstToken
	}
	return max(attempt, 0)
}

// Watcher is the timer of one streamed attempt: first the first-token bound,
// then, once committed, the idle timeout of each wait for an event. Commit,
// Await, Arrived and Stop are called from the goroutine that reads the
// stream; Expired may be called from any.
type Watcher struct {
	c         clock.Clock
	t         clock.Timer // nil until a bound is armed
	idle      time.Duration
	cancel    func()
	stopped   bool
	committed atomic.Bool
	expired   atomic.Uint32
}

// New returns a Watcher that calls cancel when the commit point has not come
// within first (0: no bound), and after the commit when an awaited event has
// not come within idle (0: no bound). Its timers run on c.
func New(c clock.Clock, first, idle time.Duration, cancel func()) *Watcher {
	w := &Watcher{c: c, idle: idle, cancel: cancel}
	if first > 0 {
		w.t = c.AfterFunc(first, w.fire)
	}
	return w
}

// fire is the timer's func: it records which bound passed and cancels.
func (w *Watcher) fire() {
	e := FirstToken
	if w.committed.Load() {
		e = Stall
	}
	w.expired.CompareAndSwap(uint32(None), uint32(e))
	w.cancel()
}

// Commit tells the watcher the commit point has come: the first-token bound
// no longer applies. It reports false when that bound passed first (the
// attempt was cancelled as its token came: a first-token timeout).
func (w *Watcher) Commit() bool {
	if w.t != nil && !w.committed.Load() && !w.t.Stop() {
		return false
	}
	w.committed.Store(true)
	return true
}

// Await arms the idle timeout before a committed stream waits for its next
// event; Arrived disarms it once the event (or an error) came. The time in
// between is the gap the idle timeout bounds; the time spent handing the
// event on is not counted. With no idle timeout Await does nothing.
func (w *Watcher) Await() {
	if w.idle <= 0 || w.stopped || !w.committed.Load() {
		return
	}
	if w.t == nil {
		w.t = w.c.AfterFunc(w.idle, w.fire)
		return
	}
	w.t.Reset(w.idle)
}

// Arrived disarms the idle timeout armed by Await.
func (w *Watcher) Arrived() {
	if w.t != nil && w.committed.Load() {
		w.t.Stop()
	}
}

// Stop stops the watcher's timer for good; it is safe to call more than once.
func (w *Watcher) Stop() {
	w.stopped = true
	if w.t != nil {
		w.t.Stop()
	}
}

// Expired returns which bound passed, None when none did.
func (w *Watcher) Expired() Expiry { return Expiry(w.expired.Load()) }
