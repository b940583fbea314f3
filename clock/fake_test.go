package clock_test

import (
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/clock"
)

func TestFakeTimersFireInOrderOnlyWhenDue(t *testing.T) {
	start := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	f := clock.NewFake(start)
	a, b := f.NewTimer(2*time.Second), f.NewTimer(time.Second)
	f.Advance(999 * time.Millisecond)
	select {
	case <-b.C():
		t.Fatal("fired early")
	default:
	}
	f.Advance(time.Millisecond)
	if got := <-b.C(); !got.Equal(start.Add(time.Second)) {
		t.Fatalf("fired at %v", got)
	}
	if !a.Stop() || a.Stop() {
		t.Fatal("Stop should report active once")
	}
	f.Advance(time.Hour)
	select {
	case <-a.C():
		t.Fatal("a stopped timer fired")
	default:
	}
}

func TestFakeAdvanceToNext(t *testing.T) {
	f := clock.NewFake(time.Unix(0, 0))
	if _, ok := f.AdvanceToNext(); ok {
		t.Fatal("no timer pending")
	}
	tm := f.NewTimer(3 * time.Second)
	d, ok := f.AdvanceToNext()
	if !ok || d != 3*time.Second {
		t.Fatalf("AdvanceToNext = %v, %v", d, ok)
	}
	<-tm.C()
	if f.Pending() != 0 {
		t.Fatal("timer still pending")
	}
}

func TestFakeZeroTimerFiresAtOnce(t *testing.T) {
	f := clock.NewFake(time.Unix(0, 0))
	select {
	case <-f.NewTimer(0).C():
	default:
		t.Fatal("a zero timer must fire at once")
	}
}

func TestFakeAfterFuncRunsWhenAdvancePassesItAndIsSeenByWaitForTimers(t *testing.T) {
	f := clock.NewFake(time.Unix(0, 0))
	calls := 0
	tm := f.AfterFunc(time.Second, func() { calls++ })
	f.WaitForTimers(1) // returns at once: the AfterFunc timer is pending
	if tm.C() != nil {
		t.Fatal("an AfterFunc timer has no channel")
	}
	f.Advance(999 * time.Millisecond)
	if calls != 0 {
		t.Fatal("ran early")
	}
	f.Advance(time.Millisecond)
	if calls != 1 || f.Pending() != 0 {
		t.Fatalf("calls %d, pending %d after its deadline", calls, f.Pending())
	}
	if tm.Reset(time.Second) {
		t.Fatal("Reset of a fired timer reports it active")
	}
	f.Advance(time.Second)
	if calls != 2 {
		t.Fatalf("calls %d after Reset and its deadline, want 2", calls)
	}
}

func TestFakeAfterFuncStoppedOrResetDoesNotRunAtItsOldDeadline(t *testing.T) {
	f := clock.NewFake(time.Unix(0, 0))
	calls := 0
	tm := f.AfterFunc(time.Second, func() { calls++ })
	if !tm.Stop() {
		t.Fatal("Stop of a pending timer reports it inactive")
	}
	f.Advance(time.Hour)
	if calls != 0 {
		t.Fatal("a stopped AfterFunc ran")
	}
	tm.Reset(time.Second)
	f.Advance(500 * time.Millisecond)
	if tm.Reset(time.Second) != true {
		t.Fatal("Reset of a pending timer reports it inactive")
	}
	f.Advance(600 * time.Millisecond) // past the old deadline, before the new one
	if calls != 0 || f.Pending() != 1 {
		t.Fatalf("calls %d, pending %d: the old deadline still counted", calls, f.Pending())
	}
	f.Advance(400 * time.Millisecond)
	if calls != 1 {
		t.Fatalf("calls %d at the new deadline, want 1", calls)
	}
}

func TestFakeAfterFuncMayUseTheClock(t *testing.T) {
	f := clock.NewFake(time.Unix(0, 0))
	var at time.Time
	f.AfterFunc(time.Second, func() { at = f.Now() }) // would deadlock if run under the lock
	f.Advance(time.Second)
	if !at.Equal(time.Unix(1, 0)) {
		t.Fatalf("ran at %v", at)
	}
}

func TestRealAfterFuncRunsAndStops(t *testing.T) {
	done := make(chan struct{})
	clock.Real.AfterFunc(0, func() { close(done) })
	<-done
	tm := clock.Real.AfterFunc(time.Hour, func() { t.Error("a stopped real AfterFunc ran") })
	if !tm.Stop() {
		t.Fatal("Stop of a pending real timer reports it inactive")
	}
}
