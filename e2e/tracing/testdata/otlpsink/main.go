// Command otlpsink is a real OTLP receiver reduced to what a test needs:
// the OpenTelemetry Collector's own OTLP receiver (otlpreceiver, OTLP over
// HTTP and OTLP/gRPC) feeding a consumer that appends every batch of spans it receives
// to a file, one line of OTLP JSON per batch. It prints "ready" once it
// listens and stops on SIGINT or SIGTERM.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/otlpreceiver"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:4318", "OTLP/HTTP listen address")
	grpcAddr := flag.String("grpc-addr", "127.0.0.1:4317", "OTLP/gRPC listen address")
	out := flag.String("out", "spans.jsonl", "file the spans are appended to")
	flag.Parse()
	if err := run(*addr, *grpcAddr, *out); err != nil {
		fmt.Fprintln(os.Stderr, "otlpsink:", err)
		os.Exit(1)
	}
}

func run(addr, grpcAddr, out string) error {
	f, err := os.OpenFile(out, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	var mu sync.Mutex
	sink, err := consumer.NewTraces(func(_ context.Context, td ptrace.Traces) error {
		b, err := (&ptrace.JSONMarshaler{}).MarshalTraces(td)
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		_, err = f.Write(append(b, '\n'))
		return err
	})
	if err != nil {
		return err
	}
	fac := otlpreceiver.NewFactory()
	cfg := fac.CreateDefaultConfig()
	conf := confmap.NewFromStringMap(map[string]any{"protocols": map[string]any{
		"http": map[string]any{"endpoint": addr},
		"grpc": map[string]any{"endpoint": grpcAddr},
	}})
	if err := conf.Unmarshal(cfg); err != nil {
		return err
	}
	set := receiver.Settings{ID: component.NewID(fac.Type()), TelemetrySettings: componenttest.NewNopTelemetrySettings(),
		BuildInfo: component.NewDefaultBuildInfo()}
	ctx := context.Background()
	rcv, err := fac.CreateTraces(ctx, set, cfg, sink)
	if err != nil {
		return err
	}
	if err := rcv.Start(ctx, componenttest.NewNopHost()); err != nil {
		return err
	}
	fmt.Println("ready")
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	return rcv.Shutdown(ctx)
}
