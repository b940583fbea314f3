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
