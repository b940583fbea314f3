package gateway_test

import (
	"context"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/bulwarkhq/bulwark/config"
	"github.com/bulwarkhq/bulwark/gateway"
)

// discardExporter is an OTLP exporter's place in the SDK's pipeline that
// sends nothing: the benchmarks measure making, batching and handing over
// spans, not a network.
type discardExporter struct{}

func (discardExporter) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discardExporter) Shutdown(context.Context) error                             { return nil }

// BenchmarkHandlerTracingOff is BenchmarkHandlerNoNetworkObserved as serve
// runs it with no tracing endpoint: no tracer, so no span is made and
// nothing is allocated for one (compare its allocs with the next two).
func BenchmarkHandlerTracingOff(b *testing.B) {
	benchHandler(b, fixedRoundTripper{}, gateway.WithObserver(discardObserver{}))
}

// BenchmarkHandlerTracingOn is the same with traces on: the SDK's
// provider, every request sampled (a request span, an attempt span with
// the answer's gen_ai.* attributes), batched to an exporter that discards.
func BenchmarkHandlerTracingOn(b *testing.B) {
	benchTraced(b, sdktrace.AlwaysSample())
}

// BenchmarkHandlerTracingUnsampled is traces on with no request sampled:
// the cost of the non-recording spans alone.
func BenchmarkHandlerTracingUnsampled(b *testing.B) {
	benchTraced(b, sdktrace.NeverSample())
}

func benchTraced(b *testing.B, s sdktrace.Sampler) {
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(s), sdktrace.WithBatcher(discardExporter{}))
	b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	benchHandler(b, fixedRoundTripper{}, gateway.WithObserver(discardObserver{}),
		gateway.WithTracer(gateway.NewTracer(config.Default(), tp)))
}
