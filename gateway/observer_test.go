package gateway_test

import (
	"sync"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/gateway"
	"github.com/bulwarkhq/bulwark/sim"
	"github.com/bulwarkhq/bulwark/store"
)

type recorder struct {
	mu      sync.Mutex
	seen    []gateway.Completion
	cutOffs []string
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.seen)
}

func (r *recorder) UserCutOff(user string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cutOffs = append(r.cutOffs, user)
}

func (r *recorder) Completed(c *gateway.Completion) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen = append(r.seen, *c)
}

func TestObserverIsToldAboutEveryRequest(t *testing.T) {
	_, up := startSim(t, sim.Rule{Model: sonnet, Status: 529})
	rec := &recorder{}
	g := startGateway(t, up, gateway.WithObserver(rec))
	call(t, "POST", g.url+"/v1/messages", messagesBody(sonnet, "hi", false))
	call(t, "POST", g.url+"/v1/messages", messagesBody(sonnet, "hi", true))
	call(t, "POST", g.url+"/v1/messages", `{"model":5}`)
	call(t, "GET", g.url+"/v1/models", "")

	// Completed runs after the last byte went out: the client may be first.
	waitFor(t, "4 completions", func() bool { return rec.count() == 4 })
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.seen) != 4 {
		t.Fatalf("%d completions", len(rec.seen))
	}
	whole, stream, bad, models := rec.seen[0], rec.seen[1], rec.seen[2], rec.seen[3]
	if whole.Endpoint != gateway.EndpointMessages || whole.ModelUsed != haiku || !whole.Fallback || whole.Status != 200 ||
		whole.Outcome == nil || whole.Outcome.Reason != engine.Answered || !whole.HasUsage || whole.Usage.OutputTokens == 0 {
		t.Errorf("non-streamed: %+v", whole)
	}
	if !stream.Stream || stream.StreamEnd != "complete" || stream.FirstByte <= 0 || !stream.HasUsage ||
		stream.Usage.InputTokens == 0 || stream.Usage.OutputTokens != whole.Usage.OutputTokens {
		t.Errorf("streamed: %+v", stream)
	}
	if bad.Status != 400 || bad.Outcome != nil {
		t.Errorf("bad request: %+v", bad)
	}
	if models.Endpoint != gateway.EndpointPassthrough || models.Status != 200 {
		t.Errorf("models: %+v", models)
	}
}

func TestObserverHearsOfUserCutOffs(t *testing.T) {
	_, up := startSim(t, sim.Rule{Model: "*", Status: 400})
	rec := &recorder{}
	g := startGateway(t, up, gateway.WithObserver(rec), gateway.WithStore(store.NewMemory(store.WithUserLimit(1, time.Minute))))
	call(t, "POST", g.url+"/v1/messages", messagesBody(sonnet, "x", false), "bulwark-user-id", "eve")
	waitFor(t, "a completion", func() bool { return rec.count() == 1 })
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.cutOffs) != 1 || rec.cutOffs[0] != "eve" || rec.seen[0].User != "eve" {
		t.Fatalf("cut-offs %v, completion %+v", rec.cutOffs, rec.seen)
	}
}

func TestAStreamAttemptThrownAwayAfterItStartedIsCountedAsDiscarded(t *testing.T) {
	// The primary sends message_start (its input is billed), then an error.
	_, up := startSim(t, sim.Rule{Model: sonnet, StreamError: true, ErrorType: "overloaded_error"})
	rec := &recorder{}
	g := startGateway(t, up, gateway.WithObserver(rec))
	call(t, "POST", g.url+"/v1/messages", messagesBody(sonnet, "a question worth some tokens", true))
	waitFor(t, "1 completion", func() bool { return rec.count() == 1 })
	rec.mu.Lock()
	defer rec.mu.Unlock()
	c := rec.seen[0]
	if c.ModelUsed != haiku || c.DiscardedModel != sonnet || c.Discarded.InputTokens == 0 {
		t.Fatalf("used %q, discarded %+v on %q; want the primary's input tokens discarded", c.ModelUsed, c.Discarded, c.DiscardedModel)
	}
	// Same prompt on every attempt: each thrown-away attempt billed what the
	// answer did, and the answer carries only its own.
	primary := int64(c.Outcome.UpstreamCalls() - 1)
	if c.Discarded.InputTokens != primary*c.Usage.InputTokens {
		t.Fatalf("discarded %d input tokens over %d primary attempts; the answer used %d", c.Discarded.InputTokens, primary, c.Usage.InputTokens)
	}
}
