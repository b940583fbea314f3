// Package otlp starts the OpenTelemetry SDK's TracerProvider that exports
// bulwark's spans (package tracing) to an OTLP receiver (DESIGN §9):
// [Start] reads [Settings] (the config's tracing: key) and the standard
// OTEL_* variables, and returns nil when neither names an endpoint, so
// that nothing is traced and nothing is paid for. Export is batched
// (the SDK's BatchSpanProcessor, tuned by OTEL_BSP_*); Shutdown flushes it.
//
// Precedence: a field set in Settings wins over the variable of the same
// meaning (as the SDK's own options do); a field left empty leaves it to
// the variable. Headers are the one merge: the file's are added over the
// variable's.
package otlp
