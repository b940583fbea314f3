package tracing_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/bulwarkhq/bulwark/breaker"
	"github.com/bulwarkhq/bulwark/catalog"
	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/taxonomy"
	"github.com/bulwarkhq/bulwark/tracing"
)

func newTracer(t *testing.T, opts ...tracing.Option) (*tracing.Tracer, *tracetest.SpanRecorder) {
	t.Helper()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return tracing.New(tp, opts...), rec
}

func attrs(s sdktrace.ReadOnlySpan) map[attribute.Key]attribute.Value {
	m := map[attribute.Key]attribute.Value{}
	for _, kv := range s.Attributes() {
		m[kv.Key] = kv.Value
	}
	return m
}

func wantAttrs(t *testing.T, s sdktrace.ReadOnlySpan, want map[string]any) {
	t.Helper()
	got := attrs(s)
	for k, v := range want {
		g, ok := got[attribute.Key(k)]
		if !ok {
			t.Errorf("span %q has no %s (it has %v)", s.Name(), k, s.Attributes())
			continue
		}
		if g.Emit() != attribute.StringValue(toString(v)).Emit() {
			t.Errorf("span %q: %s = %s, want %v", s.Name(), k, g.Emit(), v)
		}
	}
}

func toString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case bool:
		return attribute.BoolValue(v).Emit()
	case int:
		return attribute.IntValue(v).Emit()
	case []string:
		return attribute.StringSliceValue(v).Emit()
	}
	panic("unsupported")
}

func TestNewWithoutAProviderIsTracingOff(t *testing.T) {
	if tracing.New(nil) != nil {
		t.Fatal("New(nil) is not nil: tracing off must be a nil *Tracer")
	}
}

func TestARequestContinuesTheIncomingTraceparentAndItsAttemptsAreItsChildren(t *testing.T) {
	tr, rec := newTracer(t, tracing.WithProviderNames(func(up string) string {
		if up == "bedrock-us" {
			return tracing.ProviderName("bedrock")
		}
		return tracing.ProviderName("anthropic")
	}))
	h := http.Header{"Traceparent": {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}}
	ctx, rq := tr.StartRequest(context.Background(), h, "messages")
	rq.SetModel("claude-sonnet-5-5", 256)

	actx, a1 := tr.StartAttempt(ctx, engine.Attempt{Model: "claude-sonnet-5-5", N: 1}, engine.AttemptStart{Deployment: "claude-sonnet-5-5"})
	if !trace.SpanFromContext(actx).IsRecording() {
		t.Fatal("the attempt's context carries no recording span")
	}
	a1.End(engine.Record{Model: "claude-sonnet-5-5", N: 1, Class: taxonomy.Overloaded, Status: 529},
		&taxonomy.Result{Status: 529, ErrorType: "overloaded_error"})
	tr.Skipped(ctx, "claude-opus-5-5", breaker.SkipOpen)
	actx, a2 := tr.StartAttempt(ctx, engine.Attempt{Model: "claude-sonnet-5-5", Upstream: "bedrock-us", Tier: 1, N: 1},
		engine.AttemptStart{Deployment: "claude-sonnet-5-5@bedrock-us", From: "claude-sonnet-5-5", Waited: 120 * time.Millisecond, Stream: true})
	tracing.RecordEvent(trace.SpanFromContext(actx), "message_start",
		[]byte(`{"type":"message_start","message":{"id":"msg_01","model":"claude-sonnet-5-5","usage":{"input_tokens":10,"cache_read_input_tokens":90,"output_tokens":1}}}`))
	tracing.RecordEvent(trace.SpanFromContext(actx), "message_delta",
		[]byte(`{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":42}}`))
	tracing.RecordServer(trace.SpanFromContext(actx), &url.URL{Scheme: "https", Host: "bedrock-runtime.us-east-1.amazonaws.com"})
	a2.End(engine.Record{Model: "claude-sonnet-5-5@bedrock-us", N: 1, Class: taxonomy.Success, Status: 200}, &taxonomy.Result{Status: 200})
	rq.End(tracing.Outcome{RequestID: "req_1", Status: 200, Report: &engine.Report{Reason: engine.Answered, Model: "claude-sonnet-5-5",
		Upstream: "bedrock-us", Attempts: []engine.Record{{}, {}}}, StreamEnd: "complete",
		Usage: catalog.Usage{InputTokens: 10, CacheReadInputTokens: 90, OutputTokens: 42}, HasUsage: true})

	spans := rec.Ended()
	if len(spans) != 3 {
		t.Fatalf("%d spans ended, want 3", len(spans))
	}
	first, second, req := spans[0], spans[1], spans[2]
	if req.Parent().TraceID().String() != "4bf92f3577b34da6a3ce929d0e0e4736" || req.Parent().SpanID().String() != "00f067aa0ba902b7" {
		t.Fatalf("request span's parent = %v, want the traceparent's span", req.Parent())
	}
	if req.Name() != "chat claude-sonnet-5-5" || req.SpanKind() != trace.SpanKindServer {
		t.Fatalf("request span %q kind %v, want \"chat claude-sonnet-5-5\", server", req.Name(), req.SpanKind())
	}
	for _, a := range []sdktrace.ReadOnlySpan{first, second} {
		if a.Parent().SpanID() != req.SpanContext().SpanID() || a.SpanKind() != trace.SpanKindClient || a.Name() != "chat claude-sonnet-5-5" {
			t.Fatalf("attempt span %q (kind %v) under %v, want a client child of the request's span", a.Name(), a.SpanKind(), a.Parent().SpanID())
		}
	}
	wantAttrs(t, first, map[string]any{"gen_ai.operation.name": "chat", "gen_ai.provider.name": "anthropic",
		"gen_ai.request.model": "claude-sonnet-5-5", "gen_ai.request.max_tokens": 256, "error.type": "overloaded_error",
		"bulwark.class": "overloaded", "bulwark.status": 529, "bulwark.upstream": "anthropic", "bulwark.retry": 0})
	if first.Status().Code != codes.Error {
		t.Errorf("the overloaded attempt's status = %v, want error", first.Status())
	}
	wantAttrs(t, second, map[string]any{"gen_ai.provider.name": "aws.bedrock", "bulwark.upstream": "bedrock-us",
		"bulwark.deployment": "claude-sonnet-5-5@bedrock-us", "bulwark.fallback_from": "claude-sonnet-5-5", "bulwark.waited_ms": 120,
		"bulwark.tier": 1, "gen_ai.request.stream": true, "gen_ai.response.id": "msg_01", "gen_ai.response.model": "claude-sonnet-5-5",
		"gen_ai.usage.input_tokens": 100, "gen_ai.usage.cache_read.input_tokens": 90, "gen_ai.usage.output_tokens": 42,
		"gen_ai.response.finish_reasons": []string{"end_turn"}, "bulwark.class": "success",
		"server.address": "bedrock-runtime.us-east-1.amazonaws.com", "server.port": 443})
	if _, ok := attrs(second)["error.type"]; ok || second.Status().Code == codes.Error {
		t.Errorf("the answering attempt has an error: %v", second.Status())
	}
	wantAttrs(t, req, map[string]any{"bulwark.request_id": "req_1", "http.response.status_code": 200, "bulwark.outcome": "answered",
		"bulwark.attempts": 2, "gen_ai.response.model": "claude-sonnet-5-5", "gen_ai.provider.name": "aws.bedrock",
		"bulwark.stream_end": "complete", "gen_ai.usage.input_tokens": 100, "gen_ai.usage.output_tokens": 42, "bulwark.endpoint": "messages"})
	if ev := req.Events(); len(ev) != 1 || ev[0].Name != "bulwark.tier_skipped" {
		t.Errorf("request span events = %v, want one bulwark.tier_skipped", ev)
	}
}

func TestAHedgeNamesTheDeploymentItRacesAndACanceledLoserIsNoError(t *testing.T) {
	tr, rec := newTracer(t)
	_, sp := tr.StartAttempt(context.Background(), engine.Attempt{Model: "claude-haiku-5-5", Tier: 1, N: 1},
		engine.AttemptStart{Deployment: "claude-haiku-5-5", From: "claude-sonnet-5-5", Hedge: true})
	sp.End(engine.Record{Class: taxonomy.Canceled}, &taxonomy.Result{Canceled: true})
	s := rec.Ended()[0]
	wantAttrs(t, s, map[string]any{"bulwark.hedge": true, "bulwark.hedge_of": "claude-sonnet-5-5", "error.type": "canceled"})
	if _, ok := attrs(s)["bulwark.fallback_from"]; ok {
		t.Error("a hedge is not a fallback")
	}
	if s.Status().Code == codes.Error {
		t.Error("a cancelled hedge loser's span is an error")
	}
}

func TestAServerErrorStatusMakesTheRequestSpanAnError(t *testing.T) {
	tr, rec := newTracer(t)
	_, rq := tr.StartRequest(context.Background(), http.Header{}, "messages")
	rq.End(tracing.Outcome{Status: 529, Report: &engine.Report{Reason: engine.Exhausted}})
	s := rec.Ended()[0]
	if s.Status().Code != codes.Error || s.Parent().IsValid() {
		t.Fatalf("status %v, parent %v: want an error, and a root span with no traceparent", s.Status(), s.Parent())
	}
	wantAttrs(t, s, map[string]any{"error.type": "529", "bulwark.outcome": "exhausted"})
}

func TestAttemptsUnderWithoutAttemptsGetNoSpan(t *testing.T) {
	tr, rec := newTracer(t)
	ctx, sp := tr.StartAttempt(tracing.WithoutAttempts(context.Background()), engine.Attempt{Model: "m", N: 1}, engine.AttemptStart{})
	sp.End(engine.Record{}, &taxonomy.Result{})
	if len(rec.Ended()) != 0 || trace.SpanFromContext(ctx).SpanContext().IsValid() {
		t.Fatalf("%d spans for a passthrough attempt, want none", len(rec.Ended()))
	}
}

func TestAnUnsampledRequestsAnswerIsNotRead(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.NeverSample()), sdktrace.WithSpanProcessor(rec))
	tr := tracing.New(tp)
	ctx, _ := tr.StartAttempt(context.Background(), engine.Attempt{Model: "m", N: 1}, engine.AttemptStart{})
	body := []byte(`{"id":"msg_1","model":"m","usage":{"input_tokens":1}}`)
	allocs := testing.AllocsPerRun(100, func() { tracing.RecordMessage(trace.SpanFromContext(ctx), body) })
	if allocs != 0 {
		t.Fatalf("RecordMessage on an unsampled span allocates %v times, want 0: the answer must not be parsed", allocs)
	}
}
