package engine_test

import (
	"context"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/breaker"
	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/taxonomy"
)

// openBoth fails both tiers until their breakers (one failure opens them)
// are open.
func openBoth(t *testing.T, f *fixture, p engine.Profile) {
	t.Helper()
	f.up.on(sonnet, status(500))
	f.up.on(haiku, status(500))
	f.run(t, p)
	for _, m := range []string{sonnet, haiku} {
		if s := f.eng.Breakers().State(m); s != breaker.Open {
			t.Fatalf("%s is %v, want open", m, s)
		}
	}
}

func TestARecoveryProbeAnswersOnceEveryTierIsSkippedAndClosesTheBreaker(t *testing.T) {
	f := newFixture(t, breaker.Settings{Failures: 1, Window: time.Minute, OpenFor: 30 * time.Second})
	p := profile(1, 25*time.Second, 5*time.Second)
	openBoth(t, f, p)
	f.fc.Advance(time.Second)
	f.up.on(sonnet, status(200)) // the outage is over
	out := f.run(t, p)
	if out.Reason != engine.Answered || out.Model != sonnet || out.Probes != 1 || !out.Attempts[len(out.Attempts)-1].Probe {
		t.Fatalf("a second later: %v by %q, %d probes, attempts %+v; want the primary's probe to answer",
			out.Reason, out.Model, out.Probes, out.Attempts)
	}
	if out.Took != 10*time.Millisecond {
		t.Fatalf("took %v: a probe due at once must not wait", out.Took)
	}
	if s := f.eng.Breakers().State(sonnet); s != breaker.Closed {
		t.Fatalf("the primary is %v after its probe answered, want closed (not after open_for)", s)
	}
	out = f.run(t, p)
	if out.Model != sonnet || out.Probes != 0 {
		t.Fatalf("the next request: by %q with %d probes, want the primary as usual", out.Model, out.Probes)
	}
}

func TestARequestWithNoProbeDueWaitsForTheNextOneWhenItFits(t *testing.T) {
	f := newFixture(t, breaker.Settings{Failures: 1, Window: time.Minute, OpenFor: 30 * time.Second})
	p := profile(1, 25*time.Second, 5*time.Second)
	openBoth(t, f, p)
	f.up.on(sonnet, status(200)) // healthy again, the breakers just opened
	out := f.run(t, p)
	if out.Reason != engine.Answered || out.Model != sonnet || out.Probes != 1 {
		t.Fatalf("%v by %q with %d probes; want the primary's probe after waiting for it", out.Reason, out.Model, out.Probes)
	}
	// sonnet opened 10 ms before haiku, at whose opening the run starts:
	// 990 ms to sonnet's probe, and its 10 ms.
	if out.Took != time.Second {
		t.Fatalf("took %v, want the 990 ms to the probe and its 10 ms", out.Took)
	}
}

func TestOneRecoveryProbePerDeploymentPerInterval(t *testing.T) {
	f := newFixture(t, breaker.Settings{Failures: 1, Window: time.Minute, OpenFor: 30 * time.Second})
	p := profile(1, 2*time.Second, time.Second) // too short to wait 1 s for a probe and a 2 s attempt
	openBoth(t, f, p)
	f.fc.Advance(time.Second)
	sonnetBefore, haikuBefore := f.up.count(sonnet), f.up.count(haiku)
	out := f.run(t, p) // both still down: each probed once, and the run fails
	if out.Reason != engine.Exhausted || out.Probes != 2 {
		t.Fatalf("%v with %d probes, want exhausted after 2", out.Reason, out.Probes)
	}
	out = f.run(t, p) // same interval: no more probes, and no wait
	if out.Probes != 0 || out.UpstreamCalls() != 0 || out.Took != 0 {
		t.Fatalf("a second request in the interval made %d probes and took %v", out.Probes, out.Took)
	}
	if f.up.count(sonnet)-sonnetBefore != 1 || f.up.count(haiku)-haikuBefore != 1 {
		t.Fatalf("calls in the interval: sonnet %d, haiku %d; want 1 each",
			f.up.count(sonnet)-sonnetBefore, f.up.count(haiku)-haikuBefore)
	}
	if s := f.eng.Breakers().State(sonnet); s != breaker.Open {
		t.Fatalf("a failed probe left the breaker %v, want open", s)
	}
}

func TestTheFleetGateDecidesWhichReplicaProbes(t *testing.T) {
	var asked []string
	gate := func(_ context.Context, key string, interval time.Duration) bool {
		asked = append(asked, key)
		if interval != time.Second {
			t.Errorf("gate asked for an interval of %v, want the breaker's 1s", interval)
		}
		return key == haiku // another replica probes sonnet
	}
	f := newFixture(t, breaker.Settings{Failures: 1, Window: time.Minute, OpenFor: 30 * time.Second}, engine.WithProbeGate(gate))
	p := profile(1, 25*time.Second, 5*time.Second)
	openBoth(t, f, p)
	f.fc.Advance(time.Second)
	f.up.on(sonnet, status(200))
	f.up.on(haiku, status(200))
	sonnetBefore := f.up.count(sonnet)
	out := f.run(t, p)
	if out.Model != haiku || f.up.count(sonnet) != sonnetBefore || len(asked) != 2 {
		t.Fatalf("answered by %q, sonnet called %d more times, gate asked %v; want haiku's probe only",
			out.Model, f.up.count(sonnet)-sonnetBefore, asked)
	}
}

type probeObserver struct {
	countingObserver
	probed []string
}

func (p *probeObserver) RecoveryProbed(model string, d taxonomy.Decision) {
	p.probed = append(p.probed, model+":"+d.Class.String())
}

func TestAProbeObserverHearsHowEachProbeWent(t *testing.T) {
	obs := &probeObserver{}
	f := newFixture(t, breaker.Settings{Failures: 1, Window: time.Minute, OpenFor: 30 * time.Second}, engine.WithObserver(obs))
	p := profile(1, 25*time.Second, 5*time.Second)
	openBoth(t, f, p)
	f.fc.Advance(time.Second)
	f.up.on(haiku, status(200))
	f.run(t, p)
	if len(obs.probed) != 2 || obs.probed[0] != sonnet+":server_error" || obs.probed[1] != haiku+":success" {
		t.Fatalf("probes observed: %v", obs.probed)
	}
}

func TestNoRecoveryProbeWhenProbesAreOff(t *testing.T) {
	f := newFixture(t, breaker.Settings{Failures: 1, Window: time.Minute, OpenFor: 30 * time.Second, RecoveryProbeInterval: -1})
	p := profile(1, 25*time.Second, 5*time.Second)
	openBoth(t, f, p)
	f.fc.Advance(5 * time.Second)
	if out := f.run(t, p); out.Probes != 0 || out.UpstreamCalls() != 0 {
		t.Fatalf("%d probes with probes off", out.Probes)
	}
}

func TestAWaitingRequestGoesAsSoonAsAnotherRequestsProbeClosesTheBreaker(t *testing.T) {
	f := newFixture(t, breaker.Settings{Failures: 1, Window: time.Minute, OpenFor: 2 * time.Second})
	p := profile(1, 25*time.Second, 5*time.Second)
	openBoth(t, f, p)
	f.up.on(sonnet, status(200))
	f.fc.Advance(2 * time.Second)
	reg := f.eng.Breakers()
	// Other requests hold both half-open probes and this interval's
	// recovery probes.
	held, _ := reg.Acquire(sonnet)
	reg.Acquire(haiku)
	reg.AcquireRecovery(sonnet)
	reg.AcquireRecovery(haiku)

	done := make(chan engine.Outcome[string])
	go func() {
		done <- engine.Run(context.Background(), f.eng, engine.Call[string]{Chain: chain, Profile: &p, Do: f.up.do})
	}()
	f.fc.WaitForTimers(1) // it waits for the next chance, a second away
	held.Done(taxonomy.CountSuccess)
	out := <-done
	if out.Reason != engine.Answered || out.Model != sonnet || out.Took != 10*time.Millisecond {
		t.Fatalf("%v by %q after %v; want the primary at once when the other request's probe closed it", out.Reason, out.Model, out.Took)
	}
}

func TestDuringAnOutageTheStaticAnswerWaitsAtMostOneProbeInterval(t *testing.T) {
	f := newFixture(t, breaker.Settings{Failures: 1, Window: time.Minute, OpenFor: 30 * time.Second})
	p := profile(1, 25*time.Second, 5*time.Second)
	openBoth(t, f, p)
	f.fc.Advance(time.Second)
	f.run(t, p) // takes this interval's probes; both fail
	out := f.run(t, p)
	if out.Reason != engine.Exhausted || out.Took > time.Second+20*time.Millisecond {
		t.Fatalf("%v after %v; want exhausted within one interval (and the probes' 20 ms)", out.Reason, out.Took)
	}
}
