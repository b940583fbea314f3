package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"github.com/bulwarkhq/bulwark/config"
	"github.com/bulwarkhq/bulwark/dashboard"
	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/gateway"
	"github.com/bulwarkhq/bulwark/internal/redact"
	"github.com/bulwarkhq/bulwark/metrics"
	"github.com/bulwarkhq/bulwark/sim"
	"github.com/bulwarkhq/bulwark/store"
	"github.com/bulwarkhq/bulwark/store/redisstore"
	"github.com/bulwarkhq/bulwark/tracing"
	"github.com/bulwarkhq/bulwark/tracing/otlp"
	"go.opentelemetry.io/otel"
)

// runServe runs the gateway until ctx is cancelled (SIGINT/SIGTERM), then
// shuts down gracefully. The first line on stdout is "listening on
// http://HOST:PORT".
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", "Run the Anthropic-compatible resilient gateway. Point any Anthropic client's base URL at it.\n"+
		"The upstream key is $ANTHROPIC_API_KEY (never logged). With no key and no upstream, the built-in\n"+
		"simulator is started and used as the upstream. Other places that serve the same models (a second\n"+
		"key, AWS Bedrock, Vertex AI, Foundry, ...) are the config file's upstreams: (DESIGN.md §13). Traces go over\n"+
		"OTLP when $OTEL_EXPORTER_OTLP_ENDPOINT or the config's tracing.endpoint names a receiver (DESIGN.md §9).", stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address (`host:port`; port 0 picks a free one)")
	upstream := fs.String("upstream", "", "base `URL` of the Messages API (default $ANTHROPIC_BASE_URL, else https://api.anthropic.com)")
	chain := fs.String("chain", "", "the default chain, tiers in order: `model,model,...[,cache][,static]`")
	cfgPath := fs.String("config", "", "YAML configuration `file` (every key: config/example.yaml; DESIGN.md §7b); flags override it")
	redis := fs.String("redis", "", "Redis `URL` for state shared by replicas (redis://host:port/db)")
	logFormat := fs.String("log-format", "json", "log format on stderr: json or text")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	ov := config.Overrides{Upstream: *upstream, Redis: *redis}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "addr" {
			ov.Addr = *addr
		}
	})
	if *chain != "" {
		for _, t := range strings.Split(*chain, ",") {
			ov.Chain = append(ov.Chain, strings.TrimSpace(t))
		}
	}

	// Every line goes through the redactor the gateway registers its
	// secrets into: no key, token or URL password is ever logged.
	red := redact.New()
	log, err := newLogger(*logFormat, red, stderr)
	if err != nil {
		return err
	}
	cfg, err := loadServeConfig(*cfgPath, ov)
	if err != nil {
		return err
	}
	apiKey := os.Getenv(defaultKeyEnv(cfg))
	var simURL string
	if cfg.Upstream == "" && apiKey == "" {
		_, base, stop, err := sim.Start()
		if err != nil {
			return fmt.Errorf("starting the built-in simulator: %w", err)
		}
		defer stop()
		cfg.Upstream, simURL = base, base
	}
	if cfg.Upstream == "" {
		cfg.Upstream = gateway.DefaultUpstream
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	st, err := newStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	tracer, stopTracing, err := startTracing(ctx, cfg, red, log)
	if err != nil {
		return err
	}
	defer stopTracing()
	srv, err := newGateway(cfg, apiKey, red, log, st, tracer)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "listening on http://%s\n", ln.Addr())
	if simURL != "" {
		fmt.Fprintf(stdout, "no ANTHROPIC_API_KEY and no upstream: started the built-in simulator at %s and using it as the upstream\n", simURL)
	}
	log.Info("serve.start", slog.String("addr", ln.Addr().String()), slog.String("upstream", redact.Userinfo(cfg.Upstream)),
		slog.Bool("simulator", simURL != ""), slog.Any("default_chain", cfg.Chains[config.DefaultChain]),
		slog.Bool("upstream_key", apiKey != ""), slog.Int("client_keys", len(cfg.Clients)),
		slog.Bool("admin_key", cfg.AdminKeyEnv != ""))
	if err := srv.Serve(ctx, ln); err != nil && !errors.Is(err, net.ErrClosed) {
		return err
	}
	log.Info("serve.stopped")
	return nil
}

// newLogger returns the serve log on stderr in format ("json" or "text"),
// every line through red. Another format is a usage error, told on stderr.
func newLogger(format string, red *redact.Redactor, stderr io.Writer) (*slog.Logger, error) {
	switch format {
	case "json":
		return slog.New(red.Handler(slog.NewJSONHandler(stderr, nil))), nil
	case "text":
		return slog.New(red.Handler(slog.NewTextHandler(stderr, nil))), nil
	}
	fmt.Fprintf(stderr, "--log-format must be json or text, not %q\n", format)
	return nil, errUsage
}

// loadServeConfig reads the configuration: the defaults or the file at path,
// then the flags' overrides, then upstreams.anthropic.base_url or
// $ANTHROPIC_BASE_URL when no upstream is set.
// It does not validate.
func loadServeConfig(path string, ov config.Overrides) (config.Config, error) {
	cfg := config.Default()
	if path != "" {
		var err error
		if cfg, err = config.Load(path); err != nil {
			return cfg, err
		}
	}
	cfg.ApplyOverrides(ov)
	if cfg.Upstream == "" {
		cfg.Upstream = cfg.Upstreams[config.DefaultUpstream].BaseURL
	}
	if cfg.Upstream == "" {
		cfg.Upstream = os.Getenv("ANTHROPIC_BASE_URL")
	}
	return cfg, nil
}

// defaultKeyEnv names the variable holding the default upstream's key:
// upstreams.anthropic.api_key_env, else ANTHROPIC_API_KEY.
func defaultKeyEnv(cfg config.Config) string {
	if e := cfg.Upstreams[config.DefaultUpstream].APIKeyEnv; e != "" {
		return e
	}
	return "ANTHROPIC_API_KEY"
}

// newGateway builds the gateway of cfg with its metrics, dashboard and
// engine, and its traces when tracer is not nil.
func newGateway(cfg config.Config, apiKey string, red *redact.Redactor, log *slog.Logger, st store.Shared,
	tracer *tracing.Tracer) (*gateway.Server, error) {
	m := metrics.New(metrics.WithPrices(cfg.Prices), metrics.WithModels(cfg.Deployments()...))
	engOpts := []engine.Option{engine.WithObserver(m)}
	if tracer != nil {
		engOpts = append(engOpts, engine.WithTracer(tracer))
	}
	eng := gateway.NewEngine(cfg, log, st, []gateway.BreakerListener{m}, engOpts...)
	return gateway.New(
		gateway.WithTracer(tracer),
		gateway.WithConfig(cfg),
		gateway.WithAPIKey(apiKey),
		gateway.WithRedactor(red),
		gateway.WithEngine(eng),
		gateway.WithStore(st),
		gateway.WithLogger(log),
		gateway.WithObserver(gateway.MetricsObserver(m)),
		gateway.WithStatusFields(func() any { return m.Status() }),
		gateway.WithHandler("GET /metrics", m.Handler()),
		gateway.WithHandler("GET /{$}", dashboard.Handler("/v1/status")),
	)
}

// startTracing starts the OTLP export of traces when cfg.Tracing or the
// OTEL_* variables name an endpoint (otlp.Start; the file's keys win over
// the variables), and returns the gateway's tracer with the function that
// flushes and stops the export (within 5 s) at shutdown. With no endpoint
// the tracer is nil: no SDK, no spans, nothing paid on the request path.
// Export headers are secrets to the redactor; export errors are logged as
// tracing.export_failed.
func startTracing(ctx context.Context, cfg config.Config, red *redact.Redactor, log *slog.Logger) (*tracing.Tracer, func(), error) {
	set := otlp.Settings{Endpoint: cfg.Tracing.Endpoint, Protocol: cfg.Tracing.Protocol, SampleRatio: cfg.Tracing.SampleRatio,
		ServiceName: cfg.Tracing.ServiceName, ServiceVersion: version, Headers: cfg.Tracing.Headers}
	tp, err := otlp.Start(ctx, set)
	if err != nil || tp == nil {
		return nil, func() {}, err
	}
	for _, env := range []string{"OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS"} {
		for _, v := range otlp.ParseHeaders(os.Getenv(env)) {
			red.Add(v)
		}
	}
	for _, v := range cfg.Tracing.Headers {
		red.Add(v)
	}
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		log.Warn("tracing.export_failed", slog.String("error", err.Error()))
	}))
	log.Info("tracing.start", slog.String("endpoint", redact.Userinfo(set.ExportEndpoint())), slog.String("protocol", set.ExportProtocol()),
		slog.Float64("sample_ratio", cfg.Tracing.SampleRatio))
	stop := func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := tp.Shutdown(sctx); err != nil {
			log.Warn("tracing.shutdown_failed", slog.String("error", err.Error()))
		}
	}
	return gateway.NewTracer(cfg, tp), stop, nil
}

// newStore returns the shared state: in memory, or in Redis when cfg.Redis is
// set. A Redis that is down at start is no error: the store serves on local
// state and reconnects by itself.
func newStore(ctx context.Context, cfg config.Config, log *slog.Logger) (store.Shared, error) {
	mem := store.NewMemory(
		store.WithUserLimit(cfg.UserBreaker.Failures, cfg.UserBreaker.Window.Std()),
		store.WithCacheTTL(cfg.Cache.TTL.Std()),
	)
	if cfg.Redis == "" {
		return mem, nil
	}
	rs, err := redisstore.New(ctx, cfg.Redis, mem, redisstore.WithLogger(log), redisstore.WithOpenFor(cfg.Breaker.OpenFor.Std()))
	if err != nil {
		mem.Close()
		return nil, err
	}
	return rs, nil
}
