package otlp_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/bulwarkhq/bulwark/tracing/otlp"
)

// clearOTEL unsets the variables Start reads, for the test.
func clearOTEL(t *testing.T) {
	t.Helper()
	for _, k := range []string{"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL",
		"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_SDK_DISABLED",
		"OTEL_TRACES_EXPORTER", "OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES"} {
		t.Setenv(k, "")
	}
}

func TestWithNoEndpointAnywhereTracingIsOffAndStartReturnsNoProvider(t *testing.T) {
	clearOTEL(t)
	tp, err := otlp.Start(context.Background(), otlp.Settings{ServiceName: "x"})
	if tp != nil || err != nil {
		t.Fatalf("Start = %v, %v; want nil, nil", tp, err)
	}
}

func TestAnEndpointInTheEnvironmentOrTheSettingsTurnsTracingOn(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		s    otlp.Settings
		want bool
	}{
		{"settings", nil, otlp.Settings{Endpoint: "http://c:4318"}, true},
		{"OTEL_EXPORTER_OTLP_ENDPOINT", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}, otlp.Settings{}, true},
		{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://c:4318/v1/traces"}, otlp.Settings{}, true},
		{"OTEL_SDK_DISABLED wins", map[string]string{"OTEL_SDK_DISABLED": "true"}, otlp.Settings{Endpoint: "http://c:4318"}, false},
		{"OTEL_TRACES_EXPORTER=none wins", map[string]string{"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}, otlp.Settings{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clearOTEL(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			if got := tc.s.Enabled(); got != tc.want {
				t.Fatalf("Enabled() = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestTheSettingsWinOverTheVariablesOfTheSameMeaning(t *testing.T) {
	clearOTEL(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://env:4318")
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
	s := otlp.Settings{Endpoint: "http://file:4318", Protocol: otlp.ProtocolHTTP}
	if s.ExportEndpoint() != "http://file:4318" || s.ExportProtocol() != otlp.ProtocolHTTP {
		t.Fatalf("endpoint %q protocol %q, want the settings'", s.ExportEndpoint(), s.ExportProtocol())
	}
	if s := (otlp.Settings{}); s.ExportEndpoint() != "http://env:4318" || s.ExportProtocol() != "grpc" {
		t.Fatalf("endpoint %q protocol %q, want the variables'", s.ExportEndpoint(), s.ExportProtocol())
	}
}

func TestBadSettingsAreErrors(t *testing.T) {
	clearOTEL(t)
	for _, s := range []otlp.Settings{
		{Endpoint: "collector:4318"},
		{Endpoint: "http://c:4318", Protocol: "http/json"},
		{Endpoint: "http://c:4318", SampleRatio: 2},
	} {
		if tp, err := otlp.Start(context.Background(), s); !errors.Is(err, otlp.ErrSettings) || tp != nil {
			t.Errorf("Start(%+v) = %v, %v; want ErrSettings", s, tp, err)
		}
	}
}

func TestSpansArePostedToEndpointV1TracesWithTheHeadersAndFlushedAtShutdown(t *testing.T) {
	clearOTEL(t)
	t.Setenv("OTEL_EXPORTER_OTLP_HEADERS", "x-from-env=a,x-both=env%20value")
	var mu sync.Mutex
	var got []*http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		got = append(got, r)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	defer srv.Close()
	tp, err := otlp.Start(context.Background(), otlp.Settings{Endpoint: srv.URL + "/base/", Headers: map[string]string{"x-both": "file"}})
	if err != nil || tp == nil {
		t.Fatalf("Start = %v, %v", tp, err)
	}
	_, sp := tp.Tracer("t").Start(context.Background(), "one")
	sp.End()
	if err := tp.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 {
		t.Fatalf("%d exports, want the one Shutdown flushed", len(got))
	}
	r := got[0]
	if r.URL.Path != "/base/v1/traces" || r.Header.Get("x-from-env") != "a" || r.Header.Get("x-both") != "file" {
		t.Fatalf("POST %s with x-from-env=%q x-both=%q; want /base/v1/traces, the variable's header and the settings' over it",
			r.URL.Path, r.Header.Get("x-from-env"), r.Header.Get("x-both"))
	}
}

func TestParseHeadersReadsTheOTELFormat(t *testing.T) {
	h := otlp.ParseHeaders(" api-key = s%3Dcret ,bad, x=1,=v")
	if len(h) != 2 || h["api-key"] != "s=cret" || h["x"] != "1" {
		t.Fatalf("ParseHeaders = %v", h)
	}
}
