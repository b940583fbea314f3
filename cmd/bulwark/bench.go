package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/bulwarkhq/bulwark/bench"
)

// benchCommands are the visible `bulwark bench` subcommands.
var benchCommands = []struct{ name, short string }{
	{"overhead", "latency and throughput: direct, through a bare reverse proxy and through the gateway"},
	{"chaos", "named fault scenarios against the simulator and the gateway"},
	{"streams", "memory per open stream with thousands of concurrent streams"},
}

// runBench runs `bulwark bench SUBCOMMAND`.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		w := stdout
		if len(args) == 0 {
			w = stderr
		}
		benchUsage(w)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	switch args[0] {
	case "overhead":
		return runBenchOverhead(ctx, args[1:], stdout, stderr)
	case "chaos":
		return runBenchChaos(ctx, args[1:], stdout, stderr)
	case "streams":
		return runBenchStreams(ctx, args[1:], stdout, stderr)
	case "proxy": // hidden: the bare reverse proxy the overhead is measured against
		return runBenchProxy(ctx, args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "unknown bench %q\n\n", args[0])
	benchUsage(stderr)
	return errUsage
}

func benchUsage(w io.Writer) {
	fmt.Fprintln(w, "Usage: bulwark bench <overhead|chaos|streams> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Measure bulwark (DESIGN §12). Each bench starts the simulator and the gateway as separate")
	fmt.Fprintln(w, "processes on loopback, prints Markdown tables to stdout and progress to stderr.")
	fmt.Fprintln(w)
	for _, c := range benchCommands {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.short)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'bulwark bench <name> --help' for its flags.")
}

// launcher returns a Launcher whose children log to dir (a temporary
// directory when ""), and a cleanup that stops them and removes the
// temporary directory.
func launcher(dir string, stderr io.Writer) (*bench.Launcher, func(), error) {
	tmp := ""
	if dir == "" {
		var err error
		if tmp, err = os.MkdirTemp("", "bulwark-bench-"); err != nil {
			return nil, nil, err
		}
		dir = tmp
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, err
	}
	l := &bench.Launcher{LogDir: dir}
	return l, func() {
		if err := l.StopAll(); err != nil {
			fmt.Fprintf(stderr, "bulwark bench: stopping children: %v\n", err)
		}
		if tmp != "" {
			_ = os.RemoveAll(tmp)
		}
	}, nil
}

// header prints the machine and the command line above the tables.
func header(w io.Writer, sub string, args []string) {
	fmt.Fprintf(w, "Machine: %s\n\n", bench.Machine())
	fmt.Fprintf(w, "Command: `bulwark bench %s", sub)
	for _, a := range args {
		fmt.Fprintf(w, " %s", a)
	}
	fmt.Fprint(w, "`\n\n")
}

// parseRates reads "500,1000,2000" as rates per second; "" is none.
func parseRates(s string) ([]float64, error) {
	var out []float64
	for _, f := range splitList(s) {
		r, err := strconv.ParseFloat(f, 64)
		if err != nil || r <= 0 || r > 1e6 {
			return nil, fmt.Errorf("--rates: %q is not a rate between 0 and 1000000 requests/s", f)
		}
		out = append(out, r)
	}
	return out, nil
}

// splitList splits a comma-separated list, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func runBenchOverhead(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench overhead", "Drive the same load straight at the simulator, through a bare reverse proxy and through\n"+
		"the gateway, interleaved slice by slice: one request in flight, open-loop rates (latency\n"+
		"counted from the scheduled send) and saturation. Prints p50/p99 and throughput per target\n"+
		"and the gateway's own cost over the proxy against the DESIGN §12 targets. Starts the\n"+
		"simulator (no latency), the proxy and the gateway as processes unless their URLs are given.", stderr)
	duration := fs.Duration("duration", 10*time.Second, "measured time of each target in each scenario")
	rates := fs.String("rates", "500,1000,2000", "open-loop `rates` in requests/s, comma-separated (\"\" for none)")
	stream := fs.Bool("stream", false, "also run every scenario with streamed answers (time to first byte and to the end)")
	conc := fs.Int("concurrency", 64, "requests in flight at saturation")
	slice := fs.Duration("slice", time.Second, "one target's turn; targets alternate turn by turn")
	warmup := fs.Duration("warmup", 300*time.Millisecond, "unmeasured load per target before each scenario (0 for none)")
	targets := fs.String("targets", "direct,proxy,gateway", "`targets` to drive, in order, comma-separated")
	direct := fs.String("direct", "", "base `URL` of a running simulator (default: start one)")
	proxy := fs.String("proxy", "", "base `URL` of a running bare proxy (default: start one)")
	gateway := fs.String("gateway", "", "base `URL` of a running gateway (default: start one)")
	logs := fs.String("logs", "", "keep the started processes' stderr in this `dir` (default: a temporary one)")
	useTLS := fs.Bool("tls", false, "the started simulator serves TLS and HTTP/2 with a self-signed certificate that the\n"+
		"started proxy and gateway trust (SSL_CERT_FILE): the real API's transport")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	rs, want, err := overheadShape(*rates, *targets, *duration, *slice, *conc)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return errUsage
	}
	w := *warmup
	if w == 0 {
		w = -1 // none
	}

	l, cleanup, err := launcher(*logs, stderr)
	if err != nil {
		return err
	}
	defer cleanup()
	var files *bench.TLSFiles
	if *useTLS {
		if files, err = bench.WriteTLSFiles(l.LogDir); err != nil {
			return err
		}
	}
	eps, err := bench.StartStack(ctx, bench.StackConfig{
		Launcher: l, Want: want, DirectURL: *direct, ProxyURL: *proxy, GatewayURL: *gateway, TLS: files,
	})
	if err != nil {
		return err
	}
	for _, ep := range eps {
		if err := bench.Preflight(ctx, ep, "claude-sonnet-5-5"); err != nil {
			return fmt.Errorf("preflight: %w", err)
		}
		fmt.Fprintf(stderr, "bulwark bench: %s at %s\n", ep.Name, ep.URL)
	}
	rep, err := bench.RunOverhead(ctx, bench.OverheadConfig{
		Endpoints: eps,
		Scenarios: bench.Scenarios(rs, *conc, *stream),
		Duration:  *duration,
		Slice:     *slice,
		Warmup:    w,
		Progress:  stderr,
	})
	if err != nil {
		return err
	}
	header(stdout, "overhead", args)
	fmt.Fprintf(stdout, "Each target ran %v per scenario in %v turns, interleaved with the others.\n\n", *duration, min(*slice, *duration))
	if *useTLS {
		fmt.Fprint(stdout, "The simulator served TLS: the proxy and the gateway reached it over HTTP/2, the load generator\n"+
			"(direct) over HTTP/1.1 with TLS; the proxy and the gateway were reached over plain HTTP/1.1.\n\n")
	}
	rep.WriteTables(stdout)
	return nil
}

// overheadShape checks the flags of bench overhead that shape the load and
// returns its open-loop rates and targets.
func overheadShape(rates, targets string, duration, slice time.Duration, conc int) ([]float64, []string, error) {
	rs, err := parseRates(rates)
	want := splitList(targets)
	switch {
	case err != nil:
		return nil, nil, err
	case duration <= 0 || slice <= 0:
		return nil, nil, errors.New("--duration and --slice must be positive")
	case conc < 1:
		return nil, nil, errors.New("--concurrency must be at least 1")
	case len(want) == 0:
		return nil, nil, errors.New("--targets names no target")
	}
	for _, t := range want {
		if t != bench.Direct && t != bench.Proxied && t != bench.Gateway {
			return nil, nil, fmt.Errorf("--targets: unknown target %q (want direct, proxy, gateway)", t)
		}
	}
	return rs, want, nil
}

func runBenchChaos(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var names []string
	for _, s := range bench.ChaosScenarios() {
		names = append(names, s.Name)
	}
	fs := newFlagSet("bench chaos", "Run named fault scenarios against the simulator and a fresh gateway per scenario (config:\n"+
		"2 s deadline, 500 ms attempts, 300 ms stream idle timeout) and report success, latency,\n"+
		"upstream calls per request and outcomes. Scenarios: "+strings.Join(names, ", ")+".", stderr)
	duration := fs.Duration("duration", 10*time.Second, "measured time of each scenario")
	rate := fs.Float64("rate", 100, "open-loop arrival rate, requests/s")
	scenarios := fs.String("scenarios", "", "`names` of the scenarios to run, comma-separated (default all)")
	logs := fs.String("logs", "", "keep the started processes' stderr in this `dir` (default: a temporary one)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *duration <= 0 || *rate <= 0 || *rate > 100000 {
		fmt.Fprintln(stderr, "--duration must be positive and --rate between 0 and 100000")
		return errUsage
	}
	l, cleanup, err := launcher(*logs, stderr)
	if err != nil {
		return err
	}
	defer cleanup()
	rs, err := bench.RunChaos(ctx, bench.ChaosConfig{
		Launcher: l, Duration: *duration, Rate: *rate, Scenarios: splitList(*scenarios), Progress: stderr,
	})
	if err != nil && len(rs) == 0 {
		return err
	}
	header(stdout, "chaos", args)
	fmt.Fprintf(stdout, "Open loop at %g requests/s for %v per scenario (a scenario's own load and config, if any, are in its note). Gateway config:\n\n```yaml\n%s```\n\n", *rate, *duration, bench.ChaosConfigYAML)
	bench.WriteChaosTable(stdout, rs)
	return err
}

func runBenchStreams(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench streams", "Open N concurrent streams through one gateway process in front of a simulator with a slow\n"+
		"token delay, sample the gateway's resident memory before and while they are open, and\n"+
		"report the memory, goroutines and file descriptors per stream (DESIGN §12, with an HTTP/2\n"+
		"upstream: at most 32 KiB, 3 goroutines and one descriptor). Raises RLIMIT_NOFILE as needed.", stderr)
	n := fs.Int("n", 10000, "concurrent streams to open")
	delay := fs.Duration("token-delay", 3*time.Second, "the simulator's pause per streamed token (a stream has ~7-17 deltas)")
	opening := fs.Int("opening", 256, "streams being connected at once")
	timeout := fs.Duration("timeout", 5*time.Minute, "bound on the whole run")
	logs := fs.String("logs", "", "keep the started processes' stderr in this `dir` (default: a temporary one)")
	useTLS := fs.Bool("tls", false, "the simulator serves TLS and HTTP/2 (self-signed, trusted by the gateway): the real API's transport")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *n < 1 || *n > 1_000_000 || *delay <= 0 || *opening < 1 || *timeout <= 0 {
		fmt.Fprintln(stderr, "--n must be 1..1000000, --token-delay, --opening and --timeout positive")
		return errUsage
	}
	l, cleanup, err := launcher(*logs, stderr)
	if err != nil {
		return err
	}
	defer cleanup()
	rep, err := bench.RunStreams(ctx, bench.StreamsConfig{
		Launcher: l, N: *n, TokenDelay: *delay, Opening: *opening, Timeout: *timeout, TLS: *useTLS, Progress: stderr,
	})
	if rep == nil {
		return err
	}
	header(stdout, "streams", args)
	bench.WriteStreamsTable(stdout, rep)
	return err
}

func runBenchProxy(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench proxy", "Run the bare reverse proxy bulwark's overhead is measured against (no logic).", stderr)
	addr := fs.String("addr", "127.0.0.1:0", "listen address (`host:port`; port 0 picks a free one)")
	upstream := fs.String("upstream", "", "base `URL` to forward to (required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *upstream == "" {
		fmt.Fprintln(stderr, "--upstream is required")
		return errUsage
	}
	return bench.ServeProxy(ctx, *addr, *upstream, stdout)
}
