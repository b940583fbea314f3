package engine_test

import (
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/breaker"
	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/taxonomy"
)

// committed is a streamed attempt that reached its commit point.
func committed(engine.Attempt) (taxonomy.Result, time.Duration) {
	return taxonomy.Result{Status: 200, Committed: true}, 10 * time.Millisecond
}

// stalled is how a face settles a committed stream that stalled.
var stalled = taxonomy.Result{Status: 200, TimedOut: true}

// streamFixture has a breaker that opens on one failure, for 5 s.
func streamFixture(t *testing.T) *fixture {
	return newFixture(t, breaker.Settings{Failures: 1, Window: time.Minute, OpenFor: 5 * time.Second})
}

// openThenHalfOpen fails the primary once, so that its breaker opens, and
// waits out OpenFor.
func (f *fixture) openThenHalfOpen(t *testing.T) {
	t.Helper()
	f.up.on(sonnet, status(529))
	if out := f.run(t, profile(1, time.Minute, 10*time.Second)); out.Model != haiku {
		t.Fatalf("answered by %q, want the fallback", out.Model)
	}
	f.wantState(t, breaker.Open)
	f.fc.Advance(5 * time.Second)
	f.wantState(t, breaker.HalfOpen)
}

func (f *fixture) wantState(t *testing.T, want breaker.State) {
	t.Helper()
	if st := f.eng.Breakers().State(sonnet); st != want {
		t.Fatalf("primary's breaker %v, want %v", st, want)
	}
}

func TestCommittedStreamLeavesItsPermitToTheCallerWhenItCommits(t *testing.T) {
	f := streamFixture(t)
	f.up.on(sonnet, committed)
	out := f.run(t, profile(1, time.Minute, 10*time.Second))
	if out.Reason != engine.Answered || out.Pending == nil {
		t.Fatalf("outcome %v, pending %v: want answered with a pending permit", out.Reason, out.Pending)
	}
	f.wantState(t, breaker.Closed)
	out.Pending.Settle(stalled) // the stream's real end: a failure
	f.wantState(t, breaker.Open)

	f.up.on(haiku, status(200))
	if out := f.run(t, profile(1, time.Minute, 10*time.Second)); out.Pending != nil {
		t.Fatal("a whole answer came back with a pending permit")
	}
}

func TestStreamAdmittedWhileClosedThatDiesInHalfOpenDoesNotDecideTheProbe(t *testing.T) {
	for _, probeEnd := range []struct {
		name string
		res  taxonomy.Result
		want breaker.State
	}{
		{"probe completes: closes", taxonomy.Result{Status: 200}, breaker.Closed},
		{"probe stalls: opens again", stalled, breaker.Open},
	} {
		t.Run(probeEnd.name, func(t *testing.T) {
			f := streamFixture(t)
			f.up.on(sonnet, committed)
			old := f.run(t, profile(1, time.Minute, 10*time.Second)) // admitted while closed
			f.openThenHalfOpen(t)

			f.up.on(sonnet, committed)
			probe := f.run(t, profile(1, time.Minute, 10*time.Second))
			if probe.Model != sonnet || probe.Pending == nil {
				t.Fatalf("the half-open probe was not let through: %+v", probe.Attempts)
			}
			old.Pending.Settle(stalled) // the old stream dies now
			f.wantState(t, breaker.HalfOpen)
			if v := f.eng.Breakers().Allow(sonnet); v != breaker.SkipOpen {
				t.Fatalf("Allow = %v while the probe streams, want skip_open: the old stream freed the probe", v)
			}
			probe.Pending.Settle(probeEnd.res)
			f.wantState(t, probeEnd.want)
		})
	}
}

func TestPendingPermitCountsOnlyItsFirstSettlement(t *testing.T) {
	f := streamFixture(t)
	f.up.on(sonnet, committed)
	out := f.run(t, profile(1, time.Minute, 10*time.Second))
	out.Pending.Settle(taxonomy.Result{Status: 200})
	out.Pending.Settle(stalled) // a second end must not count
	f.wantState(t, breaker.Closed)
	var none *engine.Pending
	none.Settle(stalled) // a nil Pending does nothing
}

func TestClientGoneFromACommittedStreamCountsNothing(t *testing.T) {
	f := streamFixture(t)
	f.up.on(sonnet, committed)
	out := f.run(t, profile(1, time.Minute, 10*time.Second))
	out.Pending.Settle(taxonomy.Result{Canceled: true})
	f.wantState(t, breaker.Closed)
	if n := f.eng.Breakers().Snapshot(); len(n) != 0 {
		t.Fatalf("a stream the client left created breaker state: %+v", n)
	}
}
