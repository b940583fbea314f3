package tracing

import (
	"context"
	"strconv"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.41.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/bulwarkhq/bulwark/breaker"
	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/taxonomy"
)

// ScopeName is the instrumentation scope of bulwark's spans.
const ScopeName = "github.com/bulwarkhq/bulwark/tracing"

// DefaultUpstream is the name bulwark.upstream gives the default upstream
// (Attempt.Upstream ""), as the config does.
const DefaultUpstream = "anthropic"

// bulwark's own attribute keys.
const (
	// On an attempt span.
	keyUpstream     = attribute.Key("bulwark.upstream")      // the upstream's name in the config
	keyDeployment   = attribute.Key("bulwark.deployment")    // model@upstream, the breaker's key
	keyTier         = attribute.Key("bulwark.tier")          // index of the tier in the chain
	keyAttempt      = attribute.Key("bulwark.attempt")       // attempt number on the tier, from 1
	keyRetry        = attribute.Key("bulwark.retry")         // retries on the tier before this attempt
	keyWaited       = attribute.Key("bulwark.waited_ms")     // wait before the attempt, ms
	keyFallbackFrom = attribute.Key("bulwark.fallback_from") // deployment the run fell back from
	keyHedge        = attribute.Key("bulwark.hedge")         // a hedge of a late first token
	keyHedgeOf      = attribute.Key("bulwark.hedge_of")      // deployment the hedge races
	keyProbe        = attribute.Key("bulwark.probe")         // a recovery probe
	keyStatus       = attribute.Key("bulwark.status")        // upstream HTTP status, 0 for none
	keyClass        = attribute.Key("bulwark.class")         // the taxonomy's class of the result
	// On a request span.
	keyRequestID = attribute.Key("bulwark.request_id")
	keyEndpoint  = attribute.Key("bulwark.endpoint")
	keyOutcome   = attribute.Key("bulwark.outcome") // engine.Reason
	keyFallback  = attribute.Key("bulwark.fallback")
	keyDegraded  = attribute.Key("bulwark.degraded")
	keyAttempts  = attribute.Key("bulwark.attempts")
	keyHedges    = attribute.Key("bulwark.hedges")
	keyStreamEnd = attribute.Key("bulwark.stream_end")
	// The event of a tier skipped without an attempt.
	eventSkipped = "bulwark.tier_skipped"
	keyWhy       = attribute.Key("bulwark.why")
)

// Tracer makes bulwark's spans with one OpenTelemetry TracerProvider. A nil
// *Tracer is "tracing off": do not hand one to the engine
// (engine.WithTracer) or call its methods. It is safe for concurrent use.
type Tracer struct {
	tr       trace.Tracer
	prop     propagation.TextMapPropagator
	provider func(upstream string) string
}

var _ engine.Tracer = (*Tracer)(nil)

// Option configures a Tracer.
type Option func(*Tracer)

// WithProviderNames sets the gen_ai.provider.name of an attempt by the name
// of its upstream ("" for the default one); see [ProviderName]. Default:
// "anthropic" for every upstream.
func WithProviderNames(f func(upstream string) string) Option {
	return func(t *Tracer) { t.provider = f }
}

// WithPropagator sets how a request's incoming trace context is read;
// default the W3C Trace Context propagator (traceparent, tracestate).
func WithPropagator(p propagation.TextMapPropagator) Option {
	return func(t *Tracer) { t.prop = p }
}

// New returns a Tracer over tp, or nil when tp is nil (tracing off).
func New(tp trace.TracerProvider, opts ...Option) *Tracer {
	if tp == nil {
		return nil
	}
	t := &Tracer{tr: tp.Tracer(ScopeName), prop: propagation.TraceContext{},
		provider: func(string) string { return semconv.GenAIProviderNameAnthropic.Value.AsString() }}
	for _, o := range opts {
		o(t)
	}
	return t
}

// noAttempts marks a context whose attempts get no span (WithoutAttempts).
type noAttempts struct{}

// WithoutAttempts returns ctx marked so that the engine's attempts under it
// get no span: requests that are not a GenAI operation (the gateway's
// passthrough of other API paths).
func WithoutAttempts(ctx context.Context) context.Context {
	return context.WithValue(ctx, noAttempts{}, true)
}

// StartAttempt starts the client span of attempt a, "chat {model}", a
// child of ctx's span (the request's), with the attempt's gen_ai.* and
// bulwark.* attributes (engine.Tracer).
func (t *Tracer) StartAttempt(ctx context.Context, a engine.Attempt, s engine.AttemptStart) (context.Context, engine.AttemptSpan) {
	if ctx.Value(noAttempts{}) != nil {
		return ctx, noSpan{}
	}
	attrs := make([]attribute.KeyValue, 0, 16)
	attrs = append(attrs,
		semconv.GenAIOperationNameChat,
		semconv.GenAIProviderNameKey.String(t.provider(a.Upstream)),
		semconv.GenAIRequestModel(a.Model),
		keyUpstream.String(upstreamName(a.Upstream)),
		keyDeployment.String(s.Deployment),
		keyTier.Int(a.Tier),
		keyAttempt.Int(a.N),
		keyRetry.Int(a.N-1),
		keyWaited.Int64(s.Waited.Milliseconds()),
		keyHedge.Bool(s.Hedge),
	)
	if rq := requestOf(ctx); rq != nil && rq.maxTokens > 0 {
		attrs = append(attrs, semconv.GenAIRequestMaxTokens(rq.maxTokens))
	}
	if s.Stream {
		attrs = append(attrs, semconv.GenAIRequestStreamKey.Bool(true))
	}
	switch {
	case s.From != "" && s.Hedge:
		attrs = append(attrs, keyHedgeOf.String(s.From))
	case s.From != "":
		attrs = append(attrs, keyFallbackFrom.String(s.From))
	}
	if s.Probe {
		attrs = append(attrs, keyProbe.Bool(true))
	}
	ctx, sp := t.tr.Start(ctx, "chat "+a.Model, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
	return ctx, attemptSpan{sp}
}

// Skipped adds a bulwark.tier_skipped event to ctx's span (the request's):
// the deployment's breaker or cooldown let no attempt through
// (engine.Tracer).
func (t *Tracer) Skipped(ctx context.Context, deployment string, v breaker.Verdict) {
	sp := trace.SpanFromContext(ctx)
	if !sp.IsRecording() {
		return
	}
	sp.AddEvent(eventSkipped, trace.WithAttributes(keyDeployment.String(deployment), keyWhy.String(v.String())))
}

// attemptSpan is an attempt's span (engine.AttemptSpan).
type attemptSpan struct{ sp trace.Span }

// End sets the attempt's outcome — bulwark.status, bulwark.class,
// http.response.status_code and, for a failure, error.type and an error
// status — and ends the span.
func (s attemptSpan) End(rec engine.Record, res *taxonomy.Result) {
	if s.sp.IsRecording() {
		attrs := make([]attribute.KeyValue, 0, 4)
		attrs = append(attrs, keyStatus.Int(res.Status), keyClass.String(rec.Class.String()))
		if res.Status > 0 {
			attrs = append(attrs, semconv.HTTPResponseStatusCode(res.Status))
		}
		if rec.Class != taxonomy.Success {
			attrs = append(attrs, semconv.ErrorTypeKey.String(errorType(rec.Class, res)))
		}
		s.sp.SetAttributes(attrs...)
		if rec.Class != taxonomy.Success && rec.Class != taxonomy.Canceled {
			s.sp.SetStatus(codes.Error, rec.Class.String())
		}
	}
	s.sp.End()
}

// errorType is an attempt's error.type: the upstream's own error type
// (overloaded_error, rate_limit_error, ...) when it sent one, else its HTTP
// status when it is an error, else the taxonomy's class (timeout, network,
// canceled).
func errorType(c taxonomy.Class, res *taxonomy.Result) string {
	switch {
	case res.ErrorType != "":
		return res.ErrorType
	case res.Status >= 400:
		return strconv.Itoa(res.Status)
	}
	return c.String()
}

// noSpan is the span of an attempt that gets none.
type noSpan struct{}

func (noSpan) End(engine.Record, *taxonomy.Result) {}

// upstreamName is bulwark.upstream: the config's name of an upstream,
// DefaultUpstream for the default one.
func upstreamName(up string) string {
	if up == "" {
		return DefaultUpstream
	}
	return up
}
