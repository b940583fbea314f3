package bulwark_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"sync"
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

	ctx := deadlineCtx(t)
	old := g.Stream(ctx, params("a long answer please")) // admitted while closed
	defer old.Close()
	if old.Err() != nil || old.Outcome().Model != sonnet {
		t.Fatalf("old stream: %v from %q", old.Err(), old.Outcome().Model)
	}
	waitForTimers(ctx, t, simClock, 1, "the old stream to stall")

	s.SetRules([]sim.Rule{{Model: sonnet, Status: 529}})
	if resp := g.Handle(ctx, bulwark.Request{Message: "hi"}); resp.ModelUsed != haiku {
		t.Fatalf("answered by %q, want the fallback", resp.ModelUsed)
	}
	if st := g.Breakers().State(sonnet); st != breaker.Open {
		t.Fatalf("breaker %v after a 529, want open", st)
	}
	guardClock.Advance(openFor)

	// The half-open probe: a stream that stalls for an hour, then completes.
	s.SetRules([]sim.Rule{{Model: sonnet, StallAfterTokens: 2, Stall: sim.Duration(time.Hour)}})
	probe := g.Stream(ctx, params("a long answer please"))
	defer probe.Close()
	if probe.Outcome().Model != sonnet {
		t.Fatalf("probe answered by %q, want %s", probe.Outcome().Model, sonnet)
	}
	waitForTimers(ctx, t, simClock, 2, "the probe to stall")
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
	// as the API's does; the primary's then stalls until the client leaves.
	f := newFixture(t, sim.Rule{Model: sonnet, StreamStall: true, StallAfterTokens: 0})
	fc := newFakeClock()
	rp := newReadsPast(emptyToolDelta)
	const firstToken = 100 * time.Millisecond
	g := f.guard(t, bulwark.WithClock(fc), bulwark.WithHTTPClient(&http.Client{Transport: rp}),
		bulwark.WithAttempts(1), bulwark.WithStreamTimeouts(firstToken, 10*time.Second))
	p := params("weather in Paris?")
	p.Tools = []anthropic.ToolUnionParam{{OfTool: &anthropic.ToolParam{
		Name:        "get_weather",
		InputSchema: anthropic.ToolInputSchemaParam{Properties: map[string]any{"city": map[string]any{"type": "string"}}},
	}}}
	p.ToolChoice = anthropic.ToolChoiceUnionParam{OfTool: &anthropic.ToolChoiceToolParam{Name: "get_weather"}}
	ctx := deadlineCtx(t)
	streams := make(chan *bulwark.Stream, 1)
	go func() { streams <- g.Stream(ctx, p) }()
	// Once the Guard reads on past the empty delta, it did not commit there:
	// its first-token timer is still the one pending. (Had it committed,
	// Stream would return without reading on, and the test fail here.)
	receive(ctx, t, rp.asked, "the Guard to read on past the primary's empty delta")
	waitForTimers(ctx, t, fc, 1, "the primary's first token")
	fc.Advance(firstToken)
	s := receive(ctx, t, streams, "the fallback's stream")
	defer s.Close()
	collect(s)
	if err := s.Err(); err != nil {
		t.Fatalf("stream error %v", err)
	}
	msg := s.Message()
	if s.Outcome().Model != haiku || len(msg.Content) == 0 || msg.Content[0].Type != "tool_use" || msg.StopReason != "tool_use" {
		t.Fatalf("model %q, message %+v: want the fallback's tool_use", s.Outcome().Model, msg)
	}
}

// readsPast is an HTTP transport whose response bodies tell, by closing
// asked, when their reader asks for more after it has had every byte up to
// and including marker: the proxy has handled what came before the marker's
// end (it is not a commit point) and waits for what comes next.
type readsPast struct {
	marker []byte
	asked  chan struct{}
	once   sync.Once
}

func newReadsPast(marker string) *readsPast {
	return &readsPast{marker: []byte(marker), asked: make(chan struct{})}
}

func (rp *readsPast) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err == nil {
		resp.Body = &markedBody{ReadCloser: resp.Body, rp: rp}
	}
	return resp, err
}

// markedBody is a response body of a readsPast transport.
type markedBody struct {
	io.ReadCloser
	rp   *readsPast
	seen []byte
	past bool // marker was among the bytes read
}

func (b *markedBody) Read(p []byte) (int, error) {
	if b.past {
		b.rp.once.Do(func() { close(b.rp.asked) })
	}
	n, err := b.ReadCloser.Read(p)
	if !b.past {
		b.seen = append(b.seen, p[:n]...)
		b.past = bytes.Contains(b.seen, b.rp.marker)
	}
	return n, err
}

// emptyToolDelta ends the empty input_json_delta that opens the simulator's
// tool_use streams.
const emptyToolDelta = `"partial_json":""}}` + "\n\n"
