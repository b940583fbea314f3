package breaker

import (
	"testing"

	"github.com/bulwarkhq/bulwark/taxonomy"
)

// A stream is admitted with a permit and settles it only at its real end,
// which may come after the breaker changed state (DESIGN §5).
func TestLateFailureOfAPermitFromAnEarlierEpochNeitherReopensNorTakesTheProbe(t *testing.T) {
	for _, probeEff := range []struct {
		name string
		eff  taxonomy.Effect
		want State
	}{
		{"probe succeeds", taxonomy.CountSuccess, Closed},
		{"probe fails", taxonomy.CountFailure, Open},
	} {
		t.Run(probeEff.name, func(t *testing.T) {
			f := newFixture(t, Settings{Failures: 2})
			stream, v := f.r.Acquire(model) // admitted while closed
			if v != Allow || stream.Probe() {
				t.Fatalf("Acquire = %v (probe %v), want a closed-state permit", v, stream.Probe())
			}
			f.halfOpen() // the breaker opens, then OpenFor passes
			probe, v := f.r.Acquire(model)
			if v != Allow || !probe.Probe() {
				t.Fatalf("Acquire = %v, want the probe", v)
			}
			f.wantChanges("closed>open", "open>half_open")

			stream.Done(taxonomy.CountFailure) // the old stream dies now
			f.wantState(HalfOpen)
			f.wantChanges() // it did not reopen the breaker
			if v := f.r.Allow(model); v != SkipOpen {
				t.Fatalf("Allow = %v after the old stream's failure, want skip_open: the probe is still out", v)
			}

			probe.Done(probeEff.eff) // the probe's own result decides
			f.wantState(probeEff.want)
		})
	}
}

func TestAReleasedProbeSaysNothingAndFreesItsPlaceForTheNextRequest(t *testing.T) {
	f := newFixture(t, Settings{Failures: 2})
	f.halfOpen()
	probe, v := f.r.Acquire(model)
	if v != Allow || !probe.Probe() {
		t.Fatalf("Acquire = %v, want the probe", v)
	}
	if v := f.r.Allow(model); v != SkipOpen {
		t.Fatalf("Allow = %v with the probe out, want skip_open", v)
	}
	f.wantChanges("closed>open", "open>half_open")
	probe.Release() // cancelled before the model said anything
	f.wantState(HalfOpen)
	f.wantChanges() // neither closed (as a Neutral outcome would) nor reopened
	next, v := f.r.Acquire(model)
	if v != Allow || !next.Probe() {
		t.Fatalf("Acquire after the release = %v, want the freed probe", v)
	}
	next.Done(taxonomy.CountSuccess)
	f.wantState(Closed)
}

func TestReleasingAClosedStatePermitCountsNothing(t *testing.T) {
	f := newFixture(t, Settings{Failures: 1})
	p, _ := f.r.Acquire(model)
	p.Release()
	f.wantState(Closed)
	f.wantChanges()
}
