package gateway_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/breaker"
	"github.com/bulwarkhq/bulwark/budget"
	"github.com/bulwarkhq/bulwark/clock"
	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/gateway"
	"github.com/bulwarkhq/bulwark/sim"
)

// openStream sends a streamed Messages request under ctx and returns once the
// answer's headers arrived: the gateway sends them only at the commit point.
func openStream(ctx context.Context, t *testing.T, url, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, "POST", url+"/v1/messages", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// readEvents reads a stream to its end.
func readEvents(t *testing.T, resp *http.Response) []event {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the stream: %v", err)
	}
	return parseEvents(t, b)
}

func TestStreamAdmittedWhileClosedThatDiesInHalfOpenLeavesTheProbeToDecide(t *testing.T) {
	simClock := clock.NewFake(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
	brkClock := clock.NewFake(simClock.Now())
	s, up, stop, err := sim.Start(sim.WithSeed(7), sim.WithClock(simClock), sim.WithRules([]sim.Rule{
		// The old stream: two tokens, a stall of 1 s on the simulator's clock, then an SSE error event.
		{Model: sonnet, StallAfterTokens: 2, Stall: sim.Duration(time.Second), StreamErrorAfterTokens: 2},
	}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	const openFor = 5 * time.Second
	brk := breaker.New(breaker.Settings{Failures: 1, Window: time.Minute, OpenFor: openFor, HalfOpenProbes: 1},
		breaker.WithClock(brkClock))
	eng := engine.New(engine.WithBreakers(brk), engine.WithBudget(budget.New(1, 1000)))
	p := fastProfile()
	p.Attempts, p.IdleTimeout = 1, time.Minute
	g := startGateway(t, up, gateway.WithEngine(eng), gateway.WithProfiles(map[string]engine.Profile{"interactive": p}))

	ctx := deadlineCtx(t)
	old := openStream(ctx, t, g.url, messagesBody(sonnet, "a long answer please", true)) // admitted while closed
	waitForTimers(ctx, t, simClock, 1, "the old stream to stall")

	s.SetRules([]sim.Rule{{Model: sonnet, Status: 529}})
	if resp, _ := call(t, "POST", g.url+"/v1/messages", messagesBody(sonnet, "hi", false)); resp.Header.Get("bulwark-model-used") != haiku {
		t.Fatalf("answered by %q, want the fallback", resp.Header.Get("bulwark-model-used"))
	}
	if st := brk.State(sonnet); st != breaker.Open {
		t.Fatalf("breaker %v after a 529, want open", st)
	}
	brkClock.Advance(openFor)

	// The half-open probe: a stream that stalls for an hour, then completes.
	s.SetRules([]sim.Rule{{Model: sonnet, StallAfterTokens: 2, Stall: sim.Duration(time.Hour)}})
	probe := openStream(ctx, t, g.url, messagesBody(sonnet, "a long answer please", true))
	if m := probe.Header.Get("bulwark-model-used"); m != sonnet {
		t.Fatalf("probe answered by %q, want %s", m, sonnet)
	}
	waitForTimers(ctx, t, simClock, 2, "the probe to stall")
	if st := brk.State(sonnet); st != breaker.HalfOpen {
		t.Fatalf("breaker %v while the probe streams, want half_open", st)
	}

	simClock.Advance(time.Second) // the old stream's stall ends in an error event
	evs := readEvents(t, old)
	if last := evs[len(evs)-1]; last.name != "error" {
		t.Fatalf("the old stream ended with %s, want its error event", last.name)
	}
	if st := brk.State(sonnet); st != breaker.HalfOpen {
		t.Fatalf("breaker %v after the old stream died, want half_open: the old stream's failure was taken as the probe's", st)
	}

	simClock.Advance(time.Hour) // the probe completes
	evs = readEvents(t, probe)
	if last := evs[len(evs)-1]; last.name != "message_stop" {
		t.Fatalf("the probe ended with %s", last.name)
	}
	if st := brk.State(sonnet); st != breaker.Closed {
		t.Fatalf("breaker %v after the probe completed, want closed", st)
	}
}

// toolBody is a streamed request whose tool_choice forces a tool_use answer.
func toolBody(model string) string {
	b, _ := json.Marshal(map[string]any{
		"model": model, "max_tokens": 64, "stream": true,
		"tools": []map[string]any{{"name": "get_weather", "description": "Current weather of a city",
			"input_schema": map[string]any{"type": "object", "properties": map[string]any{"city": map[string]any{"type": "string"}}}}},
		"tool_choice": map[string]any{"type": "tool", "name": "get_weather"},
		"messages":    []map[string]any{{"role": "user", "content": "weather in Paris?"}},
	})
	return string(b)
}

func TestToolUseStreamThatStallsAfterAnEmptyFirstDeltaFallsBack(t *testing.T) {
	// The simulator's tool_use stream opens with an empty input_json_delta,
	// as the API's does; the primary's then stalls until the client leaves.
	_, up := startSim(t, sim.Rule{Model: sonnet, StreamStall: true, StallAfterTokens: 0})
	p := fastProfile()
	p.Attempts, p.FirstTokenTimeout, p.IdleTimeout = 1, 100*time.Millisecond, 10*time.Second
	fc := newFakeClock()
	rp := newReadsPast(emptyToolDelta)
	g := startGateway(t, up, gateway.WithProfiles(map[string]engine.Profile{"interactive": p}),
		gateway.WithEngine(fakeEngine(fc, breaker.Settings{Failures: 50})), gateway.WithTransport(rp))
	ctx := deadlineCtx(t)
	answers := send(ctx, g.url+"/v1/messages", toolBody(sonnet))
	// Once the gateway reads on past the empty delta, it has decided about
	// it. Had it committed there, the timer pending now would be the 10 s
	// idle timeout (armed before that read): the first-token timeout passing
	// would end nothing, and no answer would come before the deadline.
	receive(ctx, t, rp.asked, "the gateway to read on past the primary's empty delta")
	waitForTimers(ctx, t, fc, 1, "the primary's first token")
	fc.Advance(p.FirstTokenTimeout)
	resp, b := await(ctx, t, answers)
	evs := parseEvents(t, b)
	if resp.Header.Get("bulwark-model-used") != haiku || evs[len(evs)-1].name != "message_stop" {
		t.Fatalf("model %q, events %v: want the fallback's complete stream", resp.Header.Get("bulwark-model-used"), evs)
	}
	for _, ev := range evs {
		if ev.name == "message_start" && !strings.Contains(ev.data, haiku) {
			t.Fatalf("the primary's held events reached the client: %s", ev.data)
		}
	}
	if !strings.Contains(string(b), `"partial_json":"{`) {
		t.Fatalf("no tool input in the answer:\n%s", b)
	}
}

// serveGateway runs Serve for a gateway made with opts on a loopback
// listener, until shutdown is called; served then gets what Serve returned.
func serveGateway(t *testing.T, opts ...gateway.Option) (base string, shutdown context.CancelFunc, served <-chan error) {
	t.Helper()
	srv, err := gateway.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	return "http://" + ln.Addr().String(), cancel, done
}

func TestStreamStillOpenWhenTheShutdownGraceEndsGetsAnErrorEvent(t *testing.T) {
	_, up := startSim(t, sim.Rule{Model: "*", StallAfterTokens: 2}) // stalls after commit until the client leaves
	p := fastProfile()
	p.IdleTimeout = time.Minute
	base, cancel, served := serveGateway(t, gateway.WithUpstream(up), gateway.WithAPIKey("k"),
		gateway.WithGrace(100*time.Millisecond), gateway.WithProfiles(map[string]engine.Profile{"interactive": p}))

	resp := openStream(deadlineCtx(t), t, base, messagesBody(sonnet, "a long answer please", true))
	cancel() // shut down while the stream is stalled
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("the stream was cut without an error event: %v after %q", err, b)
	}
	evs := parseEvents(t, b)
	last := evs[len(evs)-1]
	if last.name != "error" || !strings.Contains(last.data, `"type":"overloaded_error"`) || !strings.Contains(last.data, "shutting down") {
		t.Fatalf("stream ended with %s %s, want an overloaded_error event", last.name, last.data)
	}
	if streamText(t, evs) == "" {
		t.Fatal("the tokens before the stall were not delivered")
	}
	select {
	case err := <-served:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("Serve did not return after the grace")
	}
}
