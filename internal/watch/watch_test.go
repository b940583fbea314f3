package watch_test

import (
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/clock"
	"github.com/bulwarkhq/bulwark/internal/watch"
)

func TestFirstTokenBoundIsTheShorterSetBound(t *testing.T) {
	for _, c := range []struct {
		name              string
		attempt, ft, want time.Duration
	}{
		{"first token shorter", 20 * time.Second, 10 * time.Second, 10 * time.Second},
		{"attempt shorter", 5 * time.Second, 10 * time.Second, 5 * time.Second},
		{"first token 0 means none: the attempt's bound", 20 * time.Second, 0, 20 * time.Second},
		{"no attempt bound", 0, 10 * time.Second, 10 * time.Second},
		{"neither", 0, 0, 0},
		{"negative is none", -time.Second, -time.Second, 0},
	} {
		if got := watch.FirstTokenBound(c.attempt, c.ft); got != c.want {
			t.Errorf("%s: FirstTokenBound(%v, %v) = %v, want %v", c.name, c.attempt, c.ft, got, c.want)
		}
	}
}

// watched returns a watcher on a fake clock and a counter of its cancels.
func watched(first, idle time.Duration) (*watch.Watcher, *clock.Fake, *int) {
	fc := clock.NewFake(time.Unix(0, 0))
	n := new(int)
	return watch.New(fc, first, idle, func() { *n++ }), fc, n
}

func TestWatcherCancelsAsAFirstTokenTimeoutWhenTheCommitPointIsLate(t *testing.T) {
	w, fc, cancels := watched(time.Second, time.Minute)
	fc.WaitForTimers(1)
	fc.Advance(999 * time.Millisecond)
	if *cancels != 0 || w.Expired() != watch.None {
		t.Fatal("cancelled before the first-token bound")
	}
	fc.Advance(time.Millisecond)
	if *cancels != 1 || w.Expired() != watch.FirstToken {
		t.Fatalf("cancels %d, expired %v; want 1, first_token", *cancels, w.Expired())
	}
	if w.Commit() {
		t.Fatal("a commit after the first-token timeout must report false")
	}
}

func TestWatcherAfterTheCommitBoundsOnlyTheGapsItAwaits(t *testing.T) {
	w, fc, cancels := watched(time.Second, 3*time.Second)
	fc.Advance(500 * time.Millisecond)
	if !w.Commit() {
		t.Fatal("a commit in time must report true")
	}
	fc.Advance(time.Hour) // no wait armed: handing events on is not a gap
	if *cancels != 0 || fc.Pending() != 0 {
		t.Fatalf("cancels %d, pending %d after the commit with no wait", *cancels, fc.Pending())
	}
	for range 3 { // events 2 s apart: each gap under the idle timeout
		w.Await()
		fc.Advance(2 * time.Second)
		w.Arrived()
	}
	if *cancels != 0 {
		t.Fatal("gaps shorter than the idle timeout cancelled the stream")
	}
	w.Await()
	fc.Advance(3 * time.Second)
	if *cancels != 1 || w.Expired() != watch.Stall {
		t.Fatalf("cancels %d, expired %v after a 3 s gap; want 1, stall", *cancels, w.Expired())
	}
}

func TestWatcherWithZeroTimeoutsSetsNoBound(t *testing.T) {
	w, fc, cancels := watched(0, 0)
	if fc.Pending() != 0 {
		t.Fatal("a first-token bound of 0 armed a timer")
	}
	if !w.Commit() {
		t.Fatal("commit with no bound must report true")
	}
	w.Await()
	if fc.Pending() != 0 {
		t.Fatal("an idle timeout of 0 armed a timer")
	}
	fc.Advance(24 * time.Hour)
	if *cancels != 0 || w.Expired() != watch.None {
		t.Fatal("no bound, yet cancelled")
	}
}

func TestWatcherStoppedNeverCancels(t *testing.T) {
	w, fc, cancels := watched(time.Second, time.Second)
	w.Stop()
	fc.Advance(time.Hour)
	w.Stop()
	if *cancels != 0 || fc.Pending() != 0 {
		t.Fatalf("cancels %d, pending %d after Stop", *cancels, fc.Pending())
	}
	w2, fc2, cancels2 := watched(time.Second, time.Second)
	w2.Commit()
	w2.Await()
	w2.Stop()
	w2.Await() // a stopped watcher is not re-armed
	fc2.Advance(time.Hour)
	if *cancels2 != 0 {
		t.Fatal("a stopped watcher cancelled")
	}
}

func TestWatcherAwaitAndArrivedDoNotAllocate(t *testing.T) {
	w := watch.New(clock.Real, time.Hour, time.Hour, func() {})
	defer w.Stop()
	w.Commit()
	w.Await()
	w.Arrived()
	if n := testing.AllocsPerRun(1000, func() { w.Await(); w.Arrived() }); n != 0 {
		t.Fatalf("%v allocations per event, want 0", n)
	}
}
