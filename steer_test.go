package bulwark_test

import (
	"context"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark"
	"github.com/bulwarkhq/bulwark/breaker"
	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/sim"
	"github.com/bulwarkhq/bulwark/taxonomy"
)

func TestAPromptTooLongForTheModelGoesToOneWithALargerContextWindow(t *testing.T) {
	const small, same, large = "claude-haiku-4-5", "claude-sonnet-4-5", "claude-opus-4-6" // 200k, 200k, 1M
	f := newFixture(t, sim.Rule{Model: small, Status: 400, ErrorType: "invalid_request_error",
		Message: "prompt is too long: 209353 tokens > 200000 maximum"})
	g := f.guard(t, bulwark.WithChain(small, same, large, "static"))
	resp := g.Handle(context.Background(), bulwark.Request{Message: "a very long prompt"})
	if !resp.Success || resp.ModelUsed != large {
		t.Fatalf("got %+v; want an answer from %s", resp, large)
	}
	if f.calls(small) != 1 || f.calls(same) != 0 {
		t.Fatalf("calls: %s %d (want 1), %s %d (want 0: its window is no larger)", small, f.calls(small), same, f.calls(same))
	}
}

func TestAPromptTooLongForEveryTierIsTheCallersError(t *testing.T) {
	f := newFixture(t, sim.Rule{Model: sonnet, Status: 400, ErrorType: "invalid_request_error",
		Message: "prompt is too long: 1209353 tokens > 1000000 maximum"})
	g := f.guard(t) // sonnet-5-5 then haiku-5-5: both 1M
	_, out, err := g.Messages(context.Background(), params("a very long prompt"))
	if err == nil || out.Reason != engine.Rejected || out.Last.Class != taxonomy.ContextOverflow {
		t.Fatalf("err %v, %v (%v); want the 400 back as a rejection", err, out.Reason, out.Last.Class)
	}
	if f.calls(haiku) != 0 {
		t.Fatal("the fallback, whose window is no larger, was tried")
	}
}

func TestARecoveryProbeNoticesTheEndOfAnOutageWithinASecond(t *testing.T) {
	f := newFixture(t, sim.Rule{Model: "*", Status: 500})
	fc := newFakeClock()
	g := f.guard(t, bulwark.WithClock(fc), bulwark.WithAttempts(1), bulwark.WithJitterSource(func() float64 { return 0 }),
		bulwark.WithBreaker(breaker.Settings{Failures: 1, Window: time.Minute, OpenFor: time.Minute}))
	if resp := g.Handle(context.Background(), bulwark.Request{Message: "down"}); resp.Success {
		t.Fatalf("answered during the outage: %+v", resp)
	}
	f.sim.SetRules(nil) // the outage ends
	fc.Advance(time.Second)
	resp := g.Handle(context.Background(), bulwark.Request{Message: "up again"})
	if !resp.Success || resp.ModelUsed != sonnet {
		t.Fatalf("a second after the outage, with open_for a minute: %+v; want the primary's probe to answer", resp)
	}
	if s := g.Breakers().State(sonnet); s != breaker.Closed {
		t.Fatalf("the primary's breaker is %v after its probe answered, want closed", s)
	}
}

func TestRecoveryProbesCanBeTurnedOff(t *testing.T) {
	f := newFixture(t, sim.Rule{Model: "*", Status: 500})
	fc := newFakeClock()
	g := f.guard(t, bulwark.WithClock(fc), bulwark.WithAttempts(1), bulwark.WithRecoveryProbes(0),
		bulwark.WithBreaker(breaker.Settings{Failures: 1, Window: time.Minute, OpenFor: time.Minute}))
	g.Handle(context.Background(), bulwark.Request{Message: "down"})
	f.sim.SetRules(nil)
	fc.Advance(5 * time.Second)
	if resp := g.Handle(context.Background(), bulwark.Request{Message: "up again"}); resp.Success {
		t.Fatalf("answered with probes off and every breaker open: %+v", resp)
	}
}
