package bulwark_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/bulwarkhq/bulwark"
	"github.com/bulwarkhq/bulwark/breaker"
	"github.com/bulwarkhq/bulwark/clock"
	"github.com/bulwarkhq/bulwark/sim"
)

func TestLibraryStreamAdmittedWhileClosedThatDiesInHalfOpenLeavesTheProbeToDecide(t *testing.T) {
	simClock := clock.NewFake(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
	s, url, stop, err := sim.Start(sim.WithSeed(1), sim.WithClock(simClock), sim.WithRules([]sim.Rule{
		// The old stream: two tokens, a stall of 1 s on the simulator's clock, then an SSE error event.
		{Model: sonnet, StallAfterTokens: 2, Stall: sim.Duration(time.Second), StreamErrorAfterTokens: 2},
	}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	f := &fixture{sim: s, url: url, logs: &syncBuffer{}}
	const openFor = 5 * time.Second
	guardClock := clock.NewFake(simClock.Now()) // only one attempt per tier: the engine never waits on it
	g := f.guard(t, bulwark.WithClock(guardClock), bulwark.WithAttempts(1), bulwark.WithStreamTimeouts(time.Second, time.Minute),
		bulwark.WithBreaker(breaker.Settings{Failures: 1, Window: time.Minute, OpenFor: openFor, HalfOpenProbes: 1}))

	old := g.Stream(context.Background(), params("a long answer please")) // admitted while closed
	defer old.Close()
	if old.Err() != nil || old.Outcome().Model != sonnet {
		t.Fatalf("old stream: %v from %q", old.Err(), old.Outcome().Model)
	}
	simClock.WaitForTimers(1) // it stalls

	s.SetRules([]sim.Rule{{Model: sonnet, Status: 529}})
	if resp := g.Handle(context.Background(), bulwark.Request{Message: "hi"}); resp.ModelUsed != haiku {
		t.Fatalf("answered by %q, want the fallback", resp.ModelUsed)
	}
	if st := g.Breakers().State(sonnet); st != breaker.Open {
		t.Fatalf("breaker %v after a 529, want open", st)
	}
	guardClock.Advance(openFor)

	// The half-open probe: a stream that stalls for an hour, then completes.
	s.SetRules([]sim.Rule{{Model: sonnet, StallAfterTokens: 2, Stall: sim.Duration(time.Hour)}})
	probe := g.Stream(context.Background(), params("a long answer please"))
	defer probe.Close()
	if probe.Outcome().Model != sonnet {
		t.Fatalf("probe answered by %q, want %s", probe.Outcome().Model, sonnet)
	}
	simClock.WaitForTimers(2)
	if st := g.Breakers().State(sonnet); st != breaker.HalfOpen {
		t.Fatalf("breaker %v while the probe streams, want half_open", st)
	}

	simClock.Advance(time.Second) // the old stream's stall ends in an error event
	collect(old)
	var se *bulwark.StreamError
	if !errors.As(old.Err(), &se) {
		t.Fatalf("old stream ended with %v, want a stream error", old.Err())
	}
	if st := g.Breakers().State(sonnet); st != breaker.HalfOpen {
		t.Fatalf("breaker %v after the old stream died, want half_open: the old stream's failure was taken as the probe's", st)
	}

	simClock.Advance(time.Hour) // the probe completes
	collect(probe)
	if err := probe.Err(); err != nil {
		t.Fatalf("probe: %v", err)
	}
	if st := g.Breakers().State(sonnet); st != breaker.Closed {
		t.Fatalf("breaker %v after the probe completed, want closed", st)
	}
}

func TestLibraryToolUseStreamThatStallsAfterAnEmptyFirstDeltaFallsBack(t *testing.T) {
	// The simulator's tool_use stream opens with an empty input_json_delta,
	// as the API's does; the primary's then stalls.
	f := newFixture(t, sim.Rule{Model: sonnet, StreamStall: true, StallAfterTokens: 0})
	g := f.guard(t, bulwark.WithAttempts(1), bulwark.WithStreamTimeouts(100*time.Millisecond, 10*time.Second))
	p := params("weather in Paris?")
	p.Tools = []anthropic.ToolUnionParam{{OfTool: &anthropic.ToolParam{
		Name:        "get_weather",
		InputSchema: anthropic.ToolInputSchemaParam{Properties: map[string]any{"city": map[string]any{"type": "string"}}},
	}}}
	p.ToolChoice = anthropic.ToolChoiceUnionParam{OfTool: &anthropic.ToolChoiceToolParam{Name: "get_weather"}}
	start := time.Now()
	s := g.Stream(context.Background(), p)
	defer s.Close()
	collect(s)
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("took %v: the empty delta was taken as the commit point", took)
	}
	if err := s.Err(); err != nil {
		t.Fatalf("stream error %v", err)
	}
	msg := s.Message()
	if s.Outcome().Model != haiku || len(msg.Content) == 0 || msg.Content[0].Type != "tool_use" || msg.StopReason != "tool_use" {
		t.Fatalf("model %q, message %+v: want the fallback's tool_use", s.Outcome().Model, msg)
	}
}
