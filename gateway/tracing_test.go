package gateway_test

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/bulwarkhq/bulwark/config"
	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/gateway"
	"github.com/bulwarkhq/bulwark/sim"
)

// tracedGateway is startGateway with a tracer on the gateway and its
// engine, recording every span in memory.
func tracedGateway(t *testing.T, up string, p engine.Profile) (*gw, *tracetest.SpanRecorder) {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	tr := gateway.NewTracer(config.Default(), tp)
	logs, log := newLogs()
	g := httptestGateway(t, logs, gateway.WithUpstream(up), gateway.WithAPIKey("sk-upstream-test"),
		gateway.WithProfiles(map[string]engine.Profile{"interactive": p}),
		gateway.WithEngine(engine.New(engine.WithLogger(log), engine.WithTracer(tr))), gateway.WithTracer(tr),
		gateway.WithLogger(log))
	return g, rec
}

func attr(s sdktrace.ReadOnlySpan, key string) string {
	for _, kv := range s.Attributes() {
		if kv.Key == attribute.Key(key) {
			return kv.Value.Emit()
		}
	}
	return ""
}

// endedSpans waits (up to 2 s) for n spans to have ended: the request's
// ends once its handler returns, after the client has the answer.
func endedSpans(t *testing.T, rec *tracetest.SpanRecorder, n int) []sdktrace.ReadOnlySpan {
	t.Helper()
	waitFor(t, "the spans to end", func() bool { return len(rec.Ended()) >= n })
	return rec.Ended()
}

func TestAHedgedStreamsAttemptsAreSpansOfTheRequestRunningAtOnce(t *testing.T) {
	_, up := startSim(t, sim.Rule{Model: sonnet, Latency: sim.Duration(3 * time.Second)})
	g, rec := tracedGateway(t, up, hedgedProfile())
	resp, _ := call(t, "POST", g.url+"/v1/messages", messagesBody(sonnet, "Hello", true))
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	spans := endedSpans(t, rec, 3)
	var req sdktrace.ReadOnlySpan
	byModel := map[string]sdktrace.ReadOnlySpan{}
	for _, s := range spans {
		if s.SpanKind() == trace.SpanKindServer {
			req = s
		} else {
			byModel[attr(s, "gen_ai.request.model")] = s
		}
	}
	late, hedge := byModel[sonnet], byModel[haiku]
	if req == nil || late == nil || hedge == nil {
		t.Fatalf("spans %v: want the request's, the late attempt's and the hedge's", spans)
	}
	for _, a := range []sdktrace.ReadOnlySpan{late, hedge} {
		if a.Parent().SpanID() != req.SpanContext().SpanID() {
			t.Fatalf("attempt span %q is not the request's child", a.Name())
		}
	}
	if !hedge.StartTime().Before(late.EndTime()) {
		t.Fatal("the hedge's span started after the late attempt's ended: they should overlap")
	}
	if attr(hedge, "bulwark.hedge") != "true" || attr(hedge, "bulwark.hedge_of") != sonnet || attr(hedge, "gen_ai.response.finish_reasons") == "" {
		t.Fatalf("hedge span attributes %v", hedge.Attributes())
	}
	if attr(late, "bulwark.class") != "canceled" || attr(req, "bulwark.hedges") != "1" || attr(req, "gen_ai.response.model") != haiku {
		t.Fatalf("late attempt class %q, request hedges %q answered by %q", attr(late, "bulwark.class"), attr(req, "bulwark.hedges"),
			attr(req, "gen_ai.response.model"))
	}
}

func TestAnAgentRequestIsTracedAndAPassthroughsAttemptsAreNot(t *testing.T) {
	_, up := startSim(t)
	g, rec := tracedGateway(t, up, fastProfile())
	if resp, b := call(t, "POST", g.url+"/v1/agent", `{"message":"Hello"}`); resp.StatusCode != 200 {
		t.Fatalf("agent: %d %s", resp.StatusCode, b)
	}
	spans := endedSpans(t, rec, 2)
	if len(spans) != 2 || attr(spans[1], "bulwark.endpoint") != "agent" || spans[0].Parent().SpanID() != spans[1].SpanContext().SpanID() {
		t.Fatalf("agent spans %v: want its request span and one attempt under it", spans)
	}
	if resp, b := call(t, "POST", g.url+"/v1/messages/count_tokens", messagesBody(sonnet, "Hello", false)); resp.StatusCode != 200 {
		t.Fatalf("count_tokens: %d %s", resp.StatusCode, b)
	}
	if n := len(rec.Ended()); n != 2 {
		t.Fatalf("%d spans after a passthrough, want none more (it is no GenAI operation)", n)
	}
}
