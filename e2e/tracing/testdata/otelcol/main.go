// Command otelcol-bulwarktest is an OpenTelemetry Collector (otelcol
// v0.165.0, its service and telemetry) with the Collector's OTLP receiver
// and one exporter of its own, jsonl, which appends every batch of spans
// it is given to a file as one line of OTLP JSON: the real receiver of
// bulwark's trace tests (e2e/tracing). Run it as any Collector:
// otelcol-bulwarktest --config=file:config.yaml.
package main

import (
	"context"
	"errors"
	"os"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/provider/fileprovider"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/otelcol"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/otlpreceiver"
	"go.opentelemetry.io/collector/service/telemetry/otelconftelemetry"
)

// jsonlConfig is the jsonl exporter's configuration.
type jsonlConfig struct {
	// Path is the file the spans are appended to.
	Path string `mapstructure:"path"`
}

// jsonl is the exporter: one line of OTLP JSON per batch.
type jsonl struct {
	path string
	mu   sync.Mutex
	f    *os.File
}

func (e *jsonl) Start(context.Context, component.Host) error {
	f, err := os.OpenFile(e.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	e.f = f
	return err
}

func (e *jsonl) Shutdown(context.Context) error {
	if e.f == nil {
		return nil
	}
	return e.f.Close()
}

func (e *jsonl) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }

func (e *jsonl) ConsumeTraces(_ context.Context, td ptrace.Traces) error {
	b, err := (&ptrace.JSONMarshaler{}).MarshalTraces(td)
	if err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	_, err = e.f.Write(append(b, '\n'))
	return err
}

func jsonlFactory() exporter.Factory {
	return exporter.NewFactory(component.MustNewType("jsonl"),
		func() component.Config { return &jsonlConfig{} },
		exporter.WithTraces(func(_ context.Context, _ exporter.Settings, cfg component.Config) (exporter.Traces, error) {
			c := cfg.(*jsonlConfig)
			if c.Path == "" {
				return nil, errors.New("jsonl: path is required")
			}
			return &jsonl{path: c.Path}, nil
		}, component.StabilityLevelDevelopment))
}

func factories() (otelcol.Factories, error) {
	rs, err := otelcol.MakeFactoryMap[receiver.Factory](otlpreceiver.NewFactory())
	if err != nil {
		return otelcol.Factories{}, err
	}
	es, err := otelcol.MakeFactoryMap[exporter.Factory](jsonlFactory())
	if err != nil {
		return otelcol.Factories{}, err
	}
	return otelcol.Factories{Receivers: rs, Exporters: es, Telemetry: otelconftelemetry.NewFactory()}, nil
}

func main() {
	cmd := otelcol.NewCommand(otelcol.CollectorSettings{
		BuildInfo: component.BuildInfo{Command: "otelcol-bulwarktest", Description: "bulwark's test collector", Version: "0.165.0"},
		Factories: factories,
		ConfigProviderSettings: otelcol.ConfigProviderSettings{ResolverSettings: confmap.ResolverSettings{
			ProviderFactories: []confmap.ProviderFactory{fileprovider.NewFactory()},
			DefaultScheme:     "file",
		}},
	})
	if err := cmd.Execute(); err != nil {
		os.Exit(1)
	}
}
