package breaker

import (
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/taxonomy"
)

func TestForceOpensUntilThePeersTime(t *testing.T) {
	for _, from := range []State{Closed, HalfOpen} {
		t.Run("from "+from.String(), func(t *testing.T) {
			f := newFixture(t, Settings{Failures: 1, OpenFor: time.Minute})
			var probe Permit
			if from == HalfOpen {
				f.halfOpen()
				probe, _ = f.r.Acquire(model)
				f.ch.take()
			}
			start := f.clk.Now()
			f.r.Force(model, start.Add(10*time.Second)) // shorter than OpenFor: the peer's time wins
			f.wantState(Open)
			f.wantChanges(from.String() + ">open remote")
			probe.Done(taxonomy.CountSuccess) // forgotten probe: ignored
			f.wantState(Open)

			f.clk.Advance(10*time.Second - time.Nanosecond)
			if v := f.r.Allow(model); v != SkipOpen {
				t.Fatalf("Allow = %v before the peer's time, want skip_open", v)
			}
			f.clk.Advance(time.Nanosecond)
			p, v := f.r.Acquire(model)
			if v != Allow || !p.Probe() {
				t.Fatalf("Acquire = %v at the peer's time, want a probe", v)
			}
			p.Done(taxonomy.CountSuccess)
			f.wantState(Closed)
			f.wantChanges("open>half_open", "half_open>closed")
		})
	}
}

func TestForceOnAnOpenBreakerOnlyExtends(t *testing.T) {
	f := newFixture(t, Settings{Failures: 1, OpenFor: 30 * time.Second})
	f.open()
	f.ch.take()

	f.r.Force(model, t0.Add(10*time.Second)) // earlier than our own end: no-op
	f.r.Force(model, t0.Add(-time.Second))   // in the past: no-op
	f.r.Force(model, t0)                     // now: no-op
	f.wantChanges()
	f.clk.Advance(30 * time.Second)
	f.wantState(HalfOpen)

	f.r.Force(model, t0.Add(time.Hour))
	f.wantChanges("open>half_open", "half_open>open remote")
	f.r.Force(model, t0.Add(2*time.Hour)) // later: extends, no new change
	f.wantChanges()
	f.clk.Set(t0.Add(2*time.Hour - time.Nanosecond))
	f.wantState(Open)
	f.clk.Set(t0.Add(2 * time.Hour))
	f.wantState(HalfOpen)
}

func TestForceOnAnUnknownModelCreatesIt(t *testing.T) {
	f := newFixture(t, Settings{})
	f.r.Force("claude-haiku-5-5", t0.Add(time.Minute))
	if v := f.r.Allow("claude-haiku-5-5"); v != SkipOpen {
		t.Fatalf("Allow = %v, want skip_open", v)
	}
	snap := f.r.Snapshot() // sorted: haiku, then the configured sonnet
	if len(snap) != 2 || snap[0].State != Open || snap[0].OpenLeft != time.Minute {
		t.Fatalf("Snapshot = %+v", snap)
	}
}
