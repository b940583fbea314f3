// Package tracing holds the end-to-end test of bulwark's traces (DESIGN
// §9): a real `bulwark serve` (on its embedded simulator) exports over
// OTLP (HTTP, and gRPC) to a real OTLP receiver, and the spans it received
// are read back and checked — a request's server span continuing the
// caller's traceparent, and its attempts' client spans as its children,
// with their gen_ai.* and bulwark.* attributes, through a retry and a
// streamed fallback — and the config's tracing: keys win over OTEL_*.
//
// The receiver is the OpenTelemetry Collector (otelcol, release v0.165.0,
// with its OTLP receiver) in a small distribution, testdata/otelcol, whose
// one exporter appends each batch it receives to a file as OTLP JSON. The
// test builds it with `go build` in a temporary module (its own go.mod and
// go.sum, GOFLAGS=-mod=mod, the shared module cache) once, and keeps the
// binary under the user cache directory (bulwark-e2e/otelcol-RELEASE-HASH):
// about 1.5 minutes on a cold 2-core machine (BENCHMARKS.md, "Traces").
// When it cannot be built (no module proxy, say) the tests skip, saying why.
//
// The package has no code of its own: everything is in its _test.go files.
package tracing
