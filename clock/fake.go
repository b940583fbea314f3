package clock

import (
	"sort"
	"sync"
	"time"
)

// Fake is a Clock whose time moves only when Advance or Set is called.
// It is safe for concurrent use. The zero value is not usable; call NewFake.
type Fake struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
	waits  []chan struct{}
}

// NewFake returns a fake clock that reads start.
func NewFake(start time.Time) *Fake { return &Fake{now: start} }

// Now returns the fake time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// NewTimer returns a timer that fires when the fake time reaches Now()+d.
// A timer with d <= 0 fires at once.
func (f *Fake) NewTimer(d time.Duration) Timer {
	t := &fakeTimer{f: f, c: make(chan time.Time, 1)}
	t.Reset(d)
	return t
}

// AfterFunc returns a timer that calls fn when the fake time reaches
// Now()+d: synchronously, in the Advance or Set that moves time there (so
// that fn has run when Advance returns), after the clock's lock is released.
// A timer with d <= 0 calls fn at once, in AfterFunc. Its C is nil.
func (f *Fake) AfterFunc(d time.Duration, fn func()) Timer {
	t := &fakeTimer{f: f, fn: fn}
	t.Reset(d)
	return t
}

// Advance moves the fake time forward by d and fires every timer that is due,
// in order of their deadlines.
func (f *Fake) Advance(d time.Duration) { f.Set(f.Now().Add(d)) }

// Set moves the fake time to t (never backwards) and fires the timers due by then.
func (f *Fake) Set(t time.Time) {
	f.mu.Lock()
	if t.Before(f.now) {
		f.mu.Unlock()
		return
	}
	f.now = t
	sort.Slice(f.timers, func(i, j int) bool { return f.timers[i].at.Before(f.timers[j].at) })
	var calls []func()
	kept := f.timers[:0]
	for _, ft := range f.timers {
		switch {
		case ft.fired:
			ft.listed = false
		case !ft.at.After(t):
			ft.listed = false
			if fn := ft.fire(); fn != nil {
				calls = append(calls, fn)
			}
		default:
			kept = append(kept, ft)
		}
	}
	clear(f.timers[len(kept):])
	f.timers = kept
	f.mu.Unlock()
	for _, fn := range calls {
		fn()
	}
}

// Pending returns the number of timers that have not fired or been stopped.
func (f *Fake) Pending() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, t := range f.timers {
		if !t.fired {
			n++
		}
	}
	return n
}

// WaitForTimers blocks until at least n timers are pending. Tests call it to
// know that the code under test has started waiting before they Advance.
func (f *Fake) WaitForTimers(n int) {
	for {
		f.mu.Lock()
		pending := 0
		for _, t := range f.timers {
			if !t.fired {
				pending++
			}
		}
		if pending >= n {
			f.mu.Unlock()
			return
		}
		w := make(chan struct{})
		f.waits = append(f.waits, w)
		f.mu.Unlock()
		<-w
	}
}

type fakeTimer struct {
	f      *Fake
	at     time.Time
	c      chan time.Time // NewTimer's
	fn     func()         // AfterFunc's
	fired  bool           // fired or stopped: not pending
	listed bool           // in f.timers
}

func (t *fakeTimer) C() <-chan time.Time { return t.c }

// fire marks t fired (f.mu held): a channel timer sends, as a *time.Timer
// does, without blocking; an AfterFunc timer returns its func to call once
// f.mu is released.
func (t *fakeTimer) fire() func() {
	t.fired = true
	if t.fn != nil {
		return t.fn
	}
	select {
	case t.c <- t.at:
	default:
	}
	return nil
}

// Reset re-arms t to fire at Now()+d; d <= 0 fires it at once.
func (t *fakeTimer) Reset(d time.Duration) bool {
	f := t.f
	f.mu.Lock()
	active := !t.fired && t.listed
	t.at, t.fired = f.now.Add(d), false
	if d <= 0 {
		t.at = f.now
		fn := t.fire()
		f.mu.Unlock()
		if fn != nil {
			fn()
		}
		return active
	}
	if !t.listed {
		t.listed = true
		f.timers = append(f.timers, t)
	}
	for _, w := range f.waits {
		close(w)
	}
	f.waits = nil
	f.mu.Unlock()
	return active
}

func (t *fakeTimer) Stop() bool {
	t.f.mu.Lock()
	defer t.f.mu.Unlock()
	if t.fired {
		return false
	}
	t.fired = true
	return true
}

// AdvanceToNext moves the fake time to the earliest pending timer and fires
// it; it returns how far time moved, and false when no timer was pending.
func (f *Fake) AdvanceToNext() (time.Duration, bool) {
	f.mu.Lock()
	var next *fakeTimer
	for _, t := range f.timers {
		if !t.fired && (next == nil || t.at.Before(next.at)) {
			next = t
		}
	}
	if next == nil {
		f.mu.Unlock()
		return 0, false
	}
	d := next.at.Sub(f.now)
	at := next.at
	f.mu.Unlock()
	f.Set(at)
	return d, true
}
