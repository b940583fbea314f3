package bulwark_test

import (
	"context"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/bulwarkhq/bulwark"
	"github.com/bulwarkhq/bulwark/sim"
)

func TestWithTracerProviderEachAttemptIsAChildSpanOfTheCallersSpan(t *testing.T) {
	f := newFixture(t, sim.Rule{Model: "claude-sonnet-5-5", Status: 529})
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	g := f.guard(t, bulwark.WithTracerProvider(tp), bulwark.WithAttempts(1))
	ctx, parent := tp.Tracer("app").Start(context.Background(), "handle question")
	_, out, err := g.Messages(ctx, anthropic.MessageNewParams{MaxTokens: 64,
		Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("Hello"))}})
	parent.End()
	if err != nil || !out.Fallback {
		t.Fatalf("err %v, fallback %v: want an answer from the fallback", err, out.Fallback)
	}
	spans := rec.Ended()
	if len(spans) != 3 {
		t.Fatalf("%d spans, want the caller's and one per attempt (2)", len(spans))
	}
	got := map[string]map[string]string{}
	for _, s := range spans[:2] {
		if s.Parent().SpanID() != parent.SpanContext().SpanID() {
			t.Fatalf("attempt span %q is not a child of the caller's span", s.Name())
		}
		a := map[string]string{}
		for _, kv := range s.Attributes() {
			a[string(kv.Key)] = kv.Value.Emit()
		}
		got[s.Name()] = a
	}
	if a := got["chat claude-sonnet-5-5"]; a["error.type"] != "overloaded_error" || a["gen_ai.provider.name"] != "anthropic" {
		t.Errorf("the failed attempt's span: %v", a)
	}
	if a := got["chat claude-haiku-5-5"]; a["gen_ai.response.model"] != "claude-haiku-5-5" || a["gen_ai.usage.output_tokens"] == "" ||
		a["bulwark.fallback_from"] != "claude-sonnet-5-5" || a["gen_ai.response.id"] == "" {
		t.Errorf("the answering attempt's span: %v", a)
	}
}

func TestWithTracerProviderAStreamsAttemptSpanEndsWithTheStreamAndItsFinalUsage(t *testing.T) {
	f := newFixture(t)
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	g := f.guard(t, bulwark.WithTracerProvider(tp))
	s := g.Stream(context.Background(), anthropic.MessageNewParams{MaxTokens: 64,
		Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("Hello"))}})
	if n := len(rec.Ended()); n != 0 {
		t.Fatalf("%d spans ended at the commit point, want the stream's still open", n)
	}
	for s.Next() {
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	spans := rec.Ended()
	if len(spans) != 1 {
		t.Fatalf("%d spans, want the stream attempt's", len(spans))
	}
	a := map[string]string{}
	for _, kv := range spans[0].Attributes() {
		a[string(kv.Key)] = kv.Value.Emit()
	}
	if a["gen_ai.response.finish_reasons"] != `["end_turn"]` || a["gen_ai.usage.output_tokens"] == "" || a["gen_ai.usage.output_tokens"] == "0" ||
		a["gen_ai.request.stream"] != "true" || a["bulwark.class"] != "success" {
		t.Fatalf("the stream attempt's span: %v", a)
	}
}
