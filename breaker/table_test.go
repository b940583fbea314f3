package breaker

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/taxonomy"
)

// junk sends n made-up models through the registry the way a hostile client
// makes the gateway do: each one fails upstream, is put in cooldown once in
// a while, and is asked about again.
func junk(r *Registry, prefix string, n int) {
	for i := range n {
		m := fmt.Sprintf("%s-%d", prefix, i)
		p, _ := r.Acquire(m)
		p.Done(taxonomy.CountFailure)
		if i%7 == 0 {
			r.Cooldown(m, time.Second)
		}
		if i%11 == 0 {
			r.Force(m, r.clock.Now().Add(time.Second))
		}
		r.Allow(m)
	}
}

func TestConfiguredModelKeepsItsBreakerWhateverJunkModelsCome(t *testing.T) {
	f := newFixture(t, Settings{Failures: 5})
	f.fail(2)
	junk(f.r, "junk", 20_000)
	f.fail(2)
	f.wantState(Closed) // 4 of 5: the failures before the flood still count
	junk(f.r, "more-junk", 20_000)
	f.fail(1)
	f.wantState(Open)
	if v := f.r.Allow(model); v != SkipOpen {
		t.Fatalf("Allow = %v after the threshold, want skip_open", v)
	}
}

func TestConfiguredModelOpensAtItsThresholdWhenFirstSeenAfterAFlood(t *testing.T) {
	f := newFixture(t, Settings{Failures: 5})
	junk(f.r, "junk", 5_000)
	f.fail(4)
	f.wantState(Closed)
	f.fail(1)
	f.wantState(Open)
}

func TestUnconfiguredModelsStayWithinTheirEntryBoundLeastRecentlyUsedOut(t *testing.T) {
	f := newFixture(t, Settings{Failures: 2}, WithOtherModels(3, 1<<20, 0))
	for _, m := range []string{"a", "b", "c"} {
		f.r.Record(m, taxonomy.CountFailure)
	}
	f.r.Allow("a") // a is now the most recently used; b the least
	f.r.Record("d", taxonomy.CountFailure)
	if n := f.r.others.Len(); n != 3 {
		t.Fatalf("%d unconfigured models held, want 3", n)
	}
	f.r.Record("a", taxonomy.CountFailure) // a kept its first failure: opens
	f.r.Record("b", taxonomy.CountFailure) // b was evicted: starts afresh
	if a, b := f.r.State("a"), f.r.State("b"); a != Open || b != Closed {
		t.Fatalf("a = %v, b = %v; want open (kept) and closed (evicted, one failure since)", a, b)
	}
	if !f.r.Configured(model) || f.r.Configured("a") {
		t.Fatal("Configured is wrong")
	}
}

func TestUnconfiguredModelsStayWithinTheirByteBound(t *testing.T) {
	const bound = 64 << 10
	f := newFixture(t, Settings{}, WithOtherModels(1<<20, bound, 0))
	long := strings.Repeat("x", 3000)
	for i := range 2000 {
		f.r.Record(fmt.Sprint(long, i), taxonomy.CountFailure)
		if b := f.r.others.Bytes(); b > bound {
			t.Fatalf("after %d models the table counts %d bytes, bound %d", i+1, b, bound)
		}
	}
	if n, per := f.r.others.Len(), 3004+EntryBytes; n != bound/per {
		t.Fatalf("%d models held, want %d (%d bytes each)", n, bound/per, per)
	}
	f.r.Record(strings.Repeat("y", bound), taxonomy.CountFailure) // alone over the bound: not tracked
	if v := f.r.Allow(strings.Repeat("y", bound)); v != Allow {
		t.Fatalf("Allow = %v for an untracked model", v)
	}
}

func TestDefaultBoundsHoldUnderAFlood(t *testing.T) {
	f := newFixture(t, Settings{})
	junk(f.r, strings.Repeat("j", 200), 3*DefaultMaxOtherModels)
	if n, b := f.r.others.Len(), f.r.others.Bytes(); n > DefaultMaxOtherModels || b > DefaultMaxOtherBytes {
		t.Fatalf("%d models, %d bytes held; bounds %d, %d", n, b, DefaultMaxOtherModels, DefaultMaxOtherBytes)
	}
	if n := len(f.r.Snapshot()); n != 1+MaxSnapshotOthers {
		t.Fatalf("Snapshot lists %d models, want the configured one and %d others", n, MaxSnapshotOthers)
	}
}

func TestUnconfiguredModelsAreForgottenOnceIdleConfiguredOnesNever(t *testing.T) {
	f := newFixture(t, Settings{Failures: 1, OpenFor: time.Minute}, WithOtherModels(0, 0, 5*time.Minute))
	f.open()
	f.r.Record("other", taxonomy.CountFailure)
	if s := f.r.State("other"); s != Open {
		t.Fatalf("other = %v, want open", s)
	}
	f.clk.Advance(5*time.Minute - time.Nanosecond)
	if s := f.r.State("other"); s != HalfOpen { // used: its idle time starts again
		t.Fatalf("other = %v before its idle time, want half_open", s)
	}
	f.clk.Advance(5 * time.Minute)
	f.r.Allow("someone-else") // any lookup drops what is idle
	if n := f.r.others.Len(); n != 0 {
		t.Fatalf("%d unconfigured models still held after 5 idle minutes", n)
	}
	f.clk.Advance(24 * time.Hour)
	if s := f.r.Snapshot(); len(s) != 1 || s[0].Model != model || s[0].State != HalfOpen {
		t.Fatalf("Snapshot = %+v, want the configured model, half-open, still held", s)
	}
}

func TestIdleTimeIsNeverShorterThanOpenFor(t *testing.T) {
	f := newFixture(t, Settings{Failures: 1, OpenFor: time.Hour}, WithOtherModels(0, 0, time.Minute))
	f.r.Record("other", taxonomy.CountFailure)
	f.clk.Advance(59 * time.Minute)
	if v := f.r.Allow("other"); v != SkipOpen {
		t.Fatalf("Allow = %v: the open breaker was forgotten before OpenFor passed", v)
	}
}

func TestReserveKeepsTheStateAModelHadAsUnconfigured(t *testing.T) {
	f := newFixture(t, Settings{Failures: 3}, WithOtherModels(10, 0, 0))
	f.r.Record("late", taxonomy.CountFailure)
	f.r.Record("late", taxonomy.CountFailure)
	f.r.Reserve("late", "", model)
	junk(f.r, "junk", 100)
	f.r.Record("late", taxonomy.CountFailure)
	if s := f.r.State("late"); s != Open || !f.r.Configured("late") {
		t.Fatalf("late = %v (configured %v), want open: its 2 failures were kept", s, f.r.Configured("late"))
	}
}

func TestRateModeSuccessCreatesStateCountModeSuccessDoesNot(t *testing.T) {
	for _, c := range []struct {
		s    Settings
		want int
	}{{Settings{}, 0}, {Settings{FailureRatio: 0.5}, 1}} {
		f := newFixture(t, c.s)
		p, _ := f.r.Acquire("other")
		p.Done(taxonomy.CountSuccess)
		if n := f.r.others.Len(); n != c.want {
			t.Errorf("ratio %v: %d models hold state after one success, want %d", c.s.FailureRatio, n, c.want)
		}
	}
}

func TestAPermitOfAnEvictedModelSettlesHarmlessly(t *testing.T) {
	f := newFixture(t, Settings{Failures: 1}, WithOtherModels(1, 0, 0))
	f.r.Record("a", taxonomy.Neutral)
	f.r.Cooldown("a", time.Nanosecond) // state for a
	f.clk.Advance(time.Nanosecond)
	p, v := f.r.Acquire("a")
	if v != Allow || p.e == nil {
		t.Fatalf("Acquire = %v, entry %v", v, p.e)
	}
	f.r.Record("b", taxonomy.CountFailure) // evicts a
	p.Done(taxonomy.CountFailure)          // counts on the evicted state only
	if s := f.r.State("a"); s != Closed {
		t.Fatalf("a = %v, want closed: a fresh start", s)
	}
}

func BenchmarkAcquireDoneUnconfigured(b *testing.B) {
	r := New(Settings{}, WithModels(model))
	r.Record("other", taxonomy.CountFailure)
	b.ReportAllocs()
	for b.Loop() {
		if p, v := r.Acquire("other"); v == Allow {
			p.Done(taxonomy.CountSuccess)
		}
	}
}
