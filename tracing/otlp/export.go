package otlp

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.41.0"
)

// The OTLP protocols [Settings.Protocol] takes.
const (
	ProtocolHTTP = "http/protobuf"
	ProtocolGRPC = "grpc"
)

// DefaultServiceName is service.name when neither [Settings.ServiceName]
// nor OTEL_SERVICE_NAME sets one.
const DefaultServiceName = "bulwark"

// DefaultSampleRatio is the share of new traces sampled when
// [Settings.SampleRatio] is 0: every one.
const DefaultSampleRatio = 1.0

// ErrSettings wraps every error [Start] returns about its settings.
var ErrSettings = errors.New("otlp: bad settings")

// Settings say where and how traces are exported (the config's tracing:
// key). Each field that is set wins over the OpenTelemetry variable of the
// same meaning; one left empty leaves that variable to the SDK. The SDK
// reads the others as usual (OTEL_EXPORTER_OTLP_TIMEOUT, _COMPRESSION,
// _CERTIFICATE, OTEL_RESOURCE_ATTRIBUTES, OTEL_BSP_*, ...).
type Settings struct {
	// Endpoint is the OTLP receiver's base URL, as OTEL_EXPORTER_OTLP_ENDPOINT
	// is: http/protobuf posts to Endpoint + "/v1/traces", grpc dials its
	// host and port; an http:// URL is sent without TLS. Default "":
	// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, then OTEL_EXPORTER_OTLP_ENDPOINT;
	// with neither, tracing is off.
	Endpoint string
	// Protocol is ProtocolHTTP or ProtocolGRPC. Default "":
	// OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, then OTEL_EXPORTER_OTLP_PROTOCOL,
	// then ProtocolHTTP.
	Protocol string
	// SampleRatio is the share of new traces sampled, in (0, 1]; a
	// request that continues a trace follows its traceparent's sampled
	// flag (parent-based). Default 0: DefaultSampleRatio, every trace.
	SampleRatio float64
	// ServiceName is the resource's service.name. Default "":
	// OTEL_SERVICE_NAME, then DefaultServiceName.
	ServiceName string
	// ServiceVersion is the resource's service.version; "" for none.
	ServiceVersion string
	// Headers are sent with every export, added over those of
	// OTEL_EXPORTER_OTLP_TRACES_HEADERS (else OTEL_EXPORTER_OTLP_HEADERS):
	// a name in both takes the value here. Treat their values as secrets
	// (a tracing vendor's key): the caller's redactor should know them.
	Headers map[string]string
}

// Enabled reports whether s, with the environment, turns tracing on: an
// endpoint is set (s.Endpoint, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or
// OTEL_EXPORTER_OTLP_ENDPOINT), and neither OTEL_SDK_DISABLED=true nor
// OTEL_TRACES_EXPORTER=none turns it off.
func (s Settings) Enabled() bool {
	if strings.EqualFold(os.Getenv("OTEL_SDK_DISABLED"), "true") || strings.EqualFold(os.Getenv("OTEL_TRACES_EXPORTER"), "none") {
		return false
	}
	return s.Endpoint != "" || os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != "" || os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != ""
}

// ExportEndpoint is the endpoint traces go to: s.Endpoint, else the
// environment's (for a log line; "" when tracing is off).
func (s Settings) ExportEndpoint() string {
	for _, e := range []string{s.Endpoint, os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"), os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT")} {
		if e != "" {
			return e
		}
	}
	return ""
}

// ExportProtocol is the protocol traces are sent with (see
// [Settings.Protocol]).
func (s Settings) ExportProtocol() string { return s.protocol() }

// protocol returns the protocol s and the environment pick.
func (s Settings) protocol() string {
	for _, p := range []string{s.Protocol, os.Getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"), os.Getenv("OTEL_EXPORTER_OTLP_PROTOCOL")} {
		if p != "" {
			return p
		}
	}
	return ProtocolHTTP
}

// Start returns an SDK TracerProvider that batches spans to the OTLP
// receiver s names, or nil (and no error) when tracing is off
// ([Settings.Enabled]). The caller must Shutdown the provider when done,
// which sends the spans still batched. Nothing is dialled here: a
// receiver that is down costs dropped spans, never a failed start.
func Start(ctx context.Context, s Settings) (*sdktrace.TracerProvider, error) {
	if !s.Enabled() {
		return nil, nil
	}
	if r := s.SampleRatio; !(r >= 0 && r <= 1) {
		return nil, fmt.Errorf("%w: sample ratio must be in (0, 1], got %v", ErrSettings, r)
	}
	exp, err := s.exporter(ctx)
	if err != nil {
		return nil, err
	}
	res, err := s.resource(ctx)
	if err != nil {
		return nil, err
	}
	ratio := s.SampleRatio
	if ratio == 0 {
		ratio = DefaultSampleRatio
	}
	return sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exp),
		sdktrace.WithResource(res),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(ratio))),
	), nil
}

// exporter builds the OTLP exporter of s's protocol.
func (s Settings) exporter(ctx context.Context) (sdktrace.SpanExporter, error) {
	var u *url.URL
	if s.Endpoint != "" {
		var err error
		if u, err = url.Parse(s.Endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("%w: endpoint must be an http:// or https:// URL, got %q", ErrSettings, s.Endpoint)
		}
	}
	switch p := s.protocol(); p {
	case ProtocolHTTP:
		var opts []otlptracehttp.Option
		if u != nil {
			v := *u
			v.Path = strings.TrimSuffix(v.Path, "/") + "/v1/traces"
			opts = append(opts, otlptracehttp.WithEndpointURL(v.String()))
		}
		if h := s.headers(); h != nil {
			opts = append(opts, otlptracehttp.WithHeaders(h))
		}
		return otlptracehttp.New(ctx, opts...)
	case ProtocolGRPC:
		var opts []otlptracegrpc.Option
		if u != nil {
			opts = append(opts, otlptracegrpc.WithEndpointURL(u.String()))
		}
		if h := s.headers(); h != nil {
			opts = append(opts, otlptracegrpc.WithHeaders(h))
		}
		return otlptracegrpc.New(ctx, opts...)
	default:
		return nil, fmt.Errorf("%w: protocol must be %s or %s, got %q", ErrSettings, ProtocolHTTP, ProtocolGRPC, p)
	}
}

// resource describes the process: service.name (s.ServiceName, else
// OTEL_SERVICE_NAME, else DefaultServiceName), service.version, the SDK,
// and OTEL_RESOURCE_ATTRIBUTES.
func (s Settings) resource(ctx context.Context) (*resource.Resource, error) {
	opts := []resource.Option{
		resource.WithAttributes(semconv.ServiceName(DefaultServiceName)),
		resource.WithTelemetrySDK(),
		resource.WithFromEnv(), // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES over the default
	}
	if s.ServiceName != "" {
		opts = append(opts, resource.WithAttributes(semconv.ServiceName(s.ServiceName)))
	}
	if s.ServiceVersion != "" {
		opts = append(opts, resource.WithAttributes(semconv.ServiceVersion(s.ServiceVersion)))
	}
	res, err := resource.New(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("otlp: resource: %w", err)
	}
	return res, nil
}

// headers returns s.Headers over the environment's OTLP headers, or nil
// when s has none (the exporter then reads the environment itself).
func (s Settings) headers() map[string]string {
	if len(s.Headers) == 0 {
		return nil
	}
	env := os.Getenv("OTEL_EXPORTER_OTLP_TRACES_HEADERS")
	if env == "" {
		env = os.Getenv("OTEL_EXPORTER_OTLP_HEADERS")
	}
	h := ParseHeaders(env)
	for k, v := range s.Headers {
		h[k] = v
	}
	return h
}

// ParseHeaders reads the value of OTEL_EXPORTER_OTLP_HEADERS: name=value
// pairs separated by commas, each part URL-encoded (W3C Baggage's
// format). A pair it cannot read is left out, as the SDK does.
func ParseHeaders(s string) map[string]string {
	h := map[string]string{}
	for _, pair := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(pair, "=")
		if !ok {
			continue
		}
		name, err1 := url.PathUnescape(strings.TrimSpace(k))
		val, err2 := url.PathUnescape(strings.TrimSpace(v))
		if err1 != nil || err2 != nil || name == "" {
			continue
		}
		h[name] = val
	}
	return h
}
