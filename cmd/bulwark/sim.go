package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/bulwarkhq/bulwark/sim"
)

// rpmFlag collects repeatable --rpm MODEL=N values.
type rpmFlag []struct {
	model string
	n     int
}

func (f *rpmFlag) String() string {
	var parts []string
	for _, v := range *f {
		parts = append(parts, fmt.Sprintf("%s=%d", v.model, v.n))
	}
	return strings.Join(parts, ",")
}

func (f *rpmFlag) Set(s string) error {
	model, n, ok := strings.Cut(s, "=")
	v, err := strconv.Atoi(n)
	if !ok || model == "" || err != nil || v < 1 {
		return fmt.Errorf("want MODEL=N with N >= 1, e.g. claude-sonnet-5-5=50 or *=100")
	}
	*f = append(*f, struct {
		model string
		n     int
	}{model, v})
	return nil
}

// runSim runs the Anthropic API simulator until ctx is cancelled.
func runSim(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("sim", "Run an imitation of the Anthropic Messages API with scriptable faults.\n"+
		"Point any Anthropic client's base URL at it; change faults live with PUT /_sim/faults\n"+
		"and read counters at GET /_sim/stats.\n\n"+
		"Rate limits are token buckets per upstream name and model that refill continuously, as the API's:\n"+
		"  {\"limits\":[{\"upstream\":\"anthropic-b\",\"model\":\"*\",\"requests_per_minute\":50,\n"+
		"    \"input_tokens_per_minute\":20000,\"output_tokens_per_minute\":8000}]}   (--limits FILE, PUT /_sim/limits)\n"+
		"A request takes its input tokens and its max_tokens (what it does not produce comes back at its end);\n"+
		"one the buckets cannot hold gets 429 rate_limit_error with retry-after. First-party-wire answers\n"+
		"carry anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-{limit,remaining,reset}.\n\n"+
		"It also speaks each provider's wire, under an optional upstream name (http://SIM/NAME/...):\n"+
		"  /v1/messages, /v1/messages/count_tokens, /v1/models   first-party (any key), and the same at the\n"+
		"      clouds (bedrock-mantle, aws, google-cloud, foundry; /anthropic/v1/... too), told by credential\n"+
		"  /model/ID/invoke, /model/ID/invoke-with-response-stream   Bedrock (SigV4 or a Bedrock API key)\n"+
		"  /v1/projects/P/locations/L/publishers/anthropic/models/ID:rawPredict, :streamRawPredict   Vertex\n"+
		"  POST /_sim/google/token, GET /_sim/google/service-account.json, /computeMetadata/v1/...   Google auth\n"+
		"Rules take \"upstream\" (a name or a kind). Test credentials: see the sim package doc.", stderr)
	addr := fs.String("addr", "127.0.0.1:8081", "listen address (`host:port`; port 0 picks a free one)")
	faults := fs.String("faults", "", "fault rules to start with, a JSON `file` of {\"rules\":[...]}")
	script := fs.String("script", "", "a timeline of fault phases, a JSON `file` of {\"phases\":[...],\"loop\":bool}")
	seed := fs.Int64("seed", 0, "seed for fault draws and answer texts, to make a run repeatable (default random)")
	tokenDelay := fs.Duration("token-delay", 0, "pause before each streamed text delta, e.g. 2ms")
	tlsCert := fs.String("tls-cert", "", "serve TLS (HTTP/2 and HTTP/1.1) with this PEM certificate `file` (needs --tls-key)")
	tlsKey := fs.String("tls-key", "", "the PEM private key `file` of --tls-cert")
	limits := fs.String("limits", "", "rate limits to start with, a JSON `file` of {\"limits\":[...]} (see above)")
	var rpm rpmFlag
	fs.Var(&rpm, "rpm", "requests-per-minute limit as `MODEL=N` (\"*\" for every model), a sliding window on every\nupstream together, besides --limits; repeatable")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *tokenDelay < 0 {
		fmt.Fprintln(stderr, "--token-delay must not be negative")
		return errUsage
	}
	if (*tlsCert == "") != (*tlsKey == "") {
		fmt.Fprintln(stderr, "--tls-cert and --tls-key go together")
		return errUsage
	}

	var opts []sim.Option
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "seed" {
			opts = append(opts, sim.WithSeed(*seed))
		}
	})
	opts = append(opts, sim.WithTokenDelay(*tokenDelay))
	for _, r := range rpm {
		opts = append(opts, sim.WithRPM(r.model, r.n))
	}
	fileOpts, err := simFileOptions(*faults, *script, *limits)
	if err != nil {
		return err
	}
	opts = append(opts, fileOpts...)
	var tlsConfig *tls.Config
	if *tlsCert != "" {
		// Go's server negotiates h2 over TLS by itself (ALPN), as the real
		// API does; a client that does not ask for it gets HTTP/1.1.
		cert, err := tls.LoadX509KeyPair(*tlsCert, *tlsKey)
		if err != nil {
			return fmt.Errorf("--tls-cert/--tls-key: %w", err)
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	s := sim.New(opts...)
	defer s.Close()
	fmt.Fprintf(stderr, "bulwark sim: %d fault rules", len(s.Rules()))
	if *script != "" {
		fmt.Fprintf(stderr, ", script %s", *script)
	}
	if n := len(s.Limits()); n > 0 {
		fmt.Fprintf(stderr, ", %d rate limits", n)
	}
	fmt.Fprintln(stderr, "; admin at /_sim/faults, /_sim/limits, /_sim/stats, /_sim/reset; Google tokens at /_sim/google/token")
	return serveSim(ctx, s, ln, tlsConfig, stdout)
}

// simFileOptions reads the --faults, --script and --limits files, when given.
func simFileOptions(faults, script, limits string) ([]sim.Option, error) {
	var opts []sim.Option
	if limits != "" {
		data, err := os.ReadFile(limits)
		if err != nil {
			return nil, fmt.Errorf("--limits: %w", err)
		}
		ls, err := sim.ParseLimits(data)
		if err != nil {
			return nil, fmt.Errorf("--limits %s: %w", limits, err)
		}
		opts = append(opts, sim.WithLimits(ls))
	}
	if faults != "" {
		data, err := os.ReadFile(faults)
		if err != nil {
			return nil, fmt.Errorf("--faults: %w", err)
		}
		rules, err := sim.ParseRules(data)
		if err != nil {
			return nil, fmt.Errorf("--faults %s: %w", faults, err)
		}
		opts = append(opts, sim.WithRules(rules))
	}
	if script != "" {
		data, err := os.ReadFile(script)
		if err != nil {
			return nil, fmt.Errorf("--script: %w", err)
		}
		sc, err := sim.ParseScript(data)
		if err != nil {
			return nil, fmt.Errorf("--script %s: %w", script, err)
		}
		opts = append(opts, sim.WithScript(sc))
	}
	return opts, nil
}

// serveSim serves s on ln (over TLS when tlsConfig is set) until ctx is
// done, having printed "listening on URL" to stdout, then shuts down.
func serveSim(ctx context.Context, s *sim.Server, ln net.Listener, tlsConfig *tls.Config, stdout io.Writer) error {
	hs := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second, TLSConfig: tlsConfig, ConnState: s.ConnState}
	scheme := "http"
	if tlsConfig != nil {
		scheme = "https"
	}
	fmt.Fprintf(stdout, "listening on %s://%s\n", scheme, ln.Addr())
	served := make(chan error, 1)
	go func() {
		if tlsConfig != nil {
			served <- hs.ServeTLS(ln, "", "")
			return
		}
		served <- hs.Serve(ln)
	}()
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	s.Close() // release hung requests and stalls first, so shutdown is quick
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("shutdown: %w", err)
	}
	_ = hs.Close()
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}
