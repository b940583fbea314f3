package tracing

import (
	"context"
	"net/http"
	"strconv"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.41.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/bulwarkhq/bulwark/catalog"
	"github.com/bulwarkhq/bulwark/engine"
)

// Request is the server span of one gateway request ("chat {model}"): the
// parent of its attempts' spans. Make one with [Tracer.StartRequest]; its
// methods are for the request's own goroutine.
type Request struct {
	t         *Tracer
	sp        trace.Span
	maxTokens int
}

type requestKey struct{}

// requestOf returns the Request whose context ctx is, or nil.
func requestOf(ctx context.Context) *Request {
	rq, _ := ctx.Value(requestKey{}).(*Request)
	return rq
}

// StartRequest continues the trace context that h carries (a W3C
// traceparent, by default) and starts the server span of a request to
// endpoint ("messages", "agent") under it. Attempts run under the context
// it returns are its children.
func (t *Tracer) StartRequest(ctx context.Context, h http.Header, endpoint string) (context.Context, *Request) {
	ctx = t.prop.Extract(ctx, propagation.HeaderCarrier(h))
	ctx, sp := t.tr.Start(ctx, "chat", trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(semconv.GenAIOperationNameChat, keyEndpoint.String(endpoint)))
	rq := &Request{t: t, sp: sp}
	return context.WithValue(ctx, requestKey{}, rq), rq
}

// Span returns the request's span.
func (r *Request) Span() trace.Span { return r.sp }

// SetModel names the model the client asked for: the span becomes
// "chat {model}" with gen_ai.request.model, and maxTokens (0: not known)
// goes on it and on its attempts as gen_ai.request.max_tokens. Call it
// before the request's attempts start.
func (r *Request) SetModel(model string, maxTokens int) {
	r.maxTokens = maxTokens
	if model == "" || !r.sp.IsRecording() {
		return
	}
	r.sp.SetName("chat " + model)
	attrs := []attribute.KeyValue{semconv.GenAIRequestModel(model)}
	if maxTokens > 0 {
		attrs = append(attrs, semconv.GenAIRequestMaxTokens(maxTokens))
	}
	r.sp.SetAttributes(attrs...)
}

// Outcome is how a request ended, for its span.
type Outcome struct {
	// RequestID is the gateway's id of the request (bulwark.request_id).
	RequestID string
	// Status is the HTTP status sent (499: the client went away first).
	Status int
	// Report is the engine's account of the run; nil when none ran.
	Report *engine.Report
	// Degraded names the degraded path that answered ("cache", "static",
	// "user_breaker"), "" for none.
	Degraded string
	// StreamEnd says how a committed stream ended ("complete", "cut", ...).
	StreamEnd string
	// Usage is the answer's token usage, when HasUsage.
	Usage    catalog.Usage
	HasUsage bool
}

// End sets the request's outcome on its span and ends it: the status
// (http.response.status_code; an error status from 500 on, with
// error.type), and from the run the answering model and provider
// (gen_ai.response.model, gen_ai.provider.name), bulwark.outcome,
// bulwark.fallback, bulwark.attempts, bulwark.hedges, and the answer's
// usage.
func (r *Request) End(o Outcome) {
	sp := r.sp
	if sp.IsRecording() {
		attrs := make([]attribute.KeyValue, 0, 16)
		attrs = append(attrs, keyRequestID.String(o.RequestID), semconv.HTTPResponseStatusCode(o.Status))
		if rep := o.Report; rep != nil {
			attrs = append(attrs, keyOutcome.String(rep.Reason.String()), keyFallback.Bool(rep.Fallback),
				keyAttempts.Int(rep.UpstreamCalls()))
			if rep.Hedges > 0 {
				attrs = append(attrs, keyHedges.Int(rep.Hedges))
			}
			if rep.Model != "" {
				attrs = append(attrs, semconv.GenAIResponseModel(rep.Model), keyUpstream.String(upstreamName(rep.Upstream)),
					semconv.GenAIProviderNameKey.String(r.t.provider(rep.Upstream)))
			}
		}
		if o.Degraded != "" {
			attrs = append(attrs, keyDegraded.String(o.Degraded))
		}
		if o.StreamEnd != "" {
			attrs = append(attrs, keyStreamEnd.String(o.StreamEnd))
		}
		if o.HasUsage {
			u := o.Usage
			attrs = append(attrs,
				semconv.GenAIUsageInputTokens(int(u.InputTokens+u.CacheCreationInputTokens+u.CacheReadInputTokens)),
				semconv.GenAIUsageOutputTokens(int(u.OutputTokens)))
		}
		if o.Status >= 500 {
			attrs = append(attrs, semconv.ErrorTypeKey.String(strconv.Itoa(o.Status)))
			sp.SetStatus(codes.Error, http.StatusText(o.Status))
		}
		sp.SetAttributes(attrs...)
	}
	sp.End()
}
