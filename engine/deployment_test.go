package engine_test

import (
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/breaker"
	"github.com/bulwarkhq/bulwark/engine"
)

func TestDeploymentKeysRoundTrip(t *testing.T) {
	for _, c := range []struct{ model, upstream, key string }{
		{sonnet, "", sonnet},
		{sonnet, "bedrock-us", sonnet + "@bedrock-us"},
		{"m", "a@b", "m@a@b"},
	} {
		if got := engine.Deployment(c.model, c.upstream); got != c.key {
			t.Errorf("Deployment(%q, %q) = %q, want %q", c.model, c.upstream, got, c.key)
		}
		if c.upstream == "a@b" {
			continue // an upstream name holding the separator does not round-trip; config forbids it
		}
		if m, u := engine.SplitDeployment(c.key); m != c.model || u != c.upstream {
			t.Errorf("SplitDeployment(%q) = %q, %q", c.key, m, u)
		}
	}
}

// deployments is the primary model on the default upstream, then on
// bedrock-us, then the smaller model.
var deployments = engine.Chain{Models: []string{sonnet, sonnet, haiku}, Upstreams: []string{"", "bedrock-us"}, Static: true}

func TestTheSameModelOnAnotherUpstreamAnswersAndIsNoFallback(t *testing.T) {
	f := newFixture(t, breaker.Settings{})
	f.up.on(sonnet, status(529))
	p := profile(2, 10*time.Second, 2*time.Second)
	out := f.runCall(engine.Call[string]{Chain: deployments, Profile: &p})
	if out.Reason != engine.Answered || out.Model != sonnet || out.Upstream != "bedrock-us" {
		t.Fatalf("answered by %q on %q (%v), want %s on bedrock-us", out.Model, out.Upstream, out.Reason, sonnet)
	}
	if out.Fallback {
		t.Error("the primary model on another upstream counted as a fallback")
	}
	if out.Answer != sonnet+"@bedrock-us#1" {
		t.Errorf("answer %q", out.Answer)
	}
	if n := f.up.count(sonnet); n != 2 {
		t.Errorf("default upstream called %d times, want its 2 attempts", n)
	}
}

func TestEachDeploymentHasItsOwnBreaker(t *testing.T) {
	f := newFixture(t, breaker.Settings{Failures: 2, Window: time.Minute, OpenFor: time.Minute})
	f.up.on(sonnet, status(500))
	p := profile(1, 10*time.Second, 2*time.Second)
	for range 2 {
		f.runCall(engine.Call[string]{Chain: deployments, Profile: &p})
	}
	out := f.runCall(engine.Call[string]{Chain: deployments, Profile: &p})
	if n := f.up.count(sonnet); n != 2 {
		t.Errorf("default upstream called %d times, want 2 (its breaker open for the third request)", n)
	}
	if out.Upstream != "bedrock-us" || out.Model != sonnet || out.UpstreamCalls() != 1 {
		t.Errorf("third request: %s on %q after %d calls, want %s on bedrock-us after 1", out.Model, out.Upstream, out.UpstreamCalls(), sonnet)
	}
	if st := f.eng.Breakers().State(sonnet + "@bedrock-us"); st != breaker.Closed {
		t.Errorf("bedrock-us breaker %v, want closed", st)
	}
}

func TestASmallerModelAfterTheDeploymentsIsAFallback(t *testing.T) {
	f := newFixture(t, breaker.Settings{})
	f.up.on(sonnet, status(529))
	f.up.on(sonnet+"@bedrock-us", status(529))
	p := profile(1, 10*time.Second, 2*time.Second)
	out := f.runCall(engine.Call[string]{Chain: deployments, Profile: &p})
	if out.Model != haiku || out.Upstream != "" || !out.Fallback {
		t.Errorf("answered by %q on %q fallback=%v, want %s on the default upstream as a fallback", out.Model, out.Upstream, out.Fallback, haiku)
	}
}
