// Package tracing makes bulwark's OpenTelemetry traces (DESIGN §9): one
// span per request and one child span per upstream attempt, with the
// attributes of the OpenTelemetry GenAI semantic conventions (gen_ai.*,
// semconv v1.41.0 — the last release of the Go semconv packages to carry
// them) and bulwark's own (bulwark.*: upstream, status, class, wait,
// retry, fallback, hedge).
//
// The pieces, one file each:
//
//   - tracer.go: [Tracer] is the engine's [engine.Tracer]: a client span per
//     attempt ("chat {model}"), a child of the request's, safe while a
//     hedge and the attempt it hedges run at once.
//   - request.go: [Tracer.StartRequest] continues an incoming W3C
//     traceparent and opens the gateway's server span of one request
//     ([Request]), ended with how the request went.
//   - response.go: [Response] reads what an answer says of itself (id,
//     model, finish reason, usage) from a message or its stream events.
//   - provider.go: [ProviderName] maps an upstream kind to
//     gen_ai.provider.name.
//
// The SDK and its OTLP exporters are in the subpackage otlp, which only the
// binary's wiring needs: this package depends on the OpenTelemetry API
// alone, so the library can take any TracerProvider.
//
// Off means free: with no provider the gateway and the engine hold a nil
// *Tracer and make no call into this package on the request path (no span,
// no allocation; see BENCHMARKS.md). Prompt and answer text is never put on
// a span.
package tracing
