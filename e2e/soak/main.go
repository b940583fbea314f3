// Command soak runs a bulwark gateway process in front of a simulator
// process for a while at a fixed request rate with mixed faults, and samples
// the gateway's memory and goroutines over time: VmRSS from /proc/PID/status,
// go_goroutines and go_memstats_heap_inuse_bytes from its /metrics. It
// prints a table over time and a verdict, flat or growing, and exits 1 when
// memory or goroutines grow or an answer was not well formed.
//
// It is run by scripts/soak (not in CI):
//
//	scripts/soak [MINUTES]
//	go run ./e2e/soak --bulwark PATH [--minutes 5] [--rate 200] [--every 10s]
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// faults is the simulator's rule set: every kind of fault at a low rate.
const faults = `{"rules":[
	{"model":"*","latency":"20ms","rate":0.3},
	{"model":"claude-sonnet-5-5","status":529,"rate":0.05},
	{"model":"*","status":500,"rate":0.02},
	{"model":"claude-sonnet-5-5","status":429,"retry_after":"1s","rate":0.005},
	{"model":"*","status":400,"rate":0.01},
	{"model":"*","latency":"700ms","rate":0.01},
	{"model":"*","hang":true,"rate":0.005},
	{"model":"*","reset":true,"rate":0.01},
	{"model":"*","malformed":true,"rate":0.01},
	{"model":"*","stream_stall":true,"stall":"1s","rate":0.01},
	{"model":"*","stall_after_tokens":3,"stall":"1s","rate":0.01},
	{"model":"*","stream_error":true,"rate":0.01},
	{"model":"*","stream_error_after_tokens":3,"rate":0.01}]}`

// config is the gateway's: a 2 s deadline, and breakers that open and close
// again within seconds, so that every state is visited over and over.
const config = `
profiles:
  interactive: {attempts: 2, backoff: {initial: 20ms, max: 200ms}, deadline: 2s, attempt_timeout: 600ms,
                first_token_timeout: 400ms, idle_timeout: 400ms}
breaker: {failures: 50, window: 5s, open_for: 2s}
`

func main() {
	bin := flag.String("bulwark", "", "the bulwark `binary` to run (required)")
	minutes := flag.Float64("minutes", 5, "how long to run the load")
	rate := flag.Int("rate", 200, "requests per second")
	every := flag.Duration("every", 0, "sampling interval (default: 10s, or minutes*2s past 5 minutes)")
	maxInFlight := flag.Int("max-in-flight", 1024, "requests in flight at most; ticks beyond it are skipped and counted")
	flag.Parse()
	if *bin == "" || *minutes <= 0 || *rate <= 0 {
		flag.Usage()
		os.Exit(2)
	}
	if *every <= 0 {
		*every = max(10*time.Second, time.Duration(*minutes*2*float64(time.Second)))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *bin, time.Duration(*minutes*float64(time.Minute)), *rate, *every, *maxInFlight); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
}

// run starts a simulator with mixed faults and a gateway in front of it,
// sends rate requests a second for dur (half of them streamed, at most
// maxInFlight at once), samples the gateway every interval and judges the
// samples.
func run(ctx context.Context, bin string, dur time.Duration, rate int, every time.Duration, maxInFlight int) error {
	gw, stop, err := startStack(bin)
	if err != nil {
		return err
	}
	defer stop()

	client := &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{
		MaxIdleConns: 512, MaxIdleConnsPerHost: 512, DisableCompression: true}}
	defer client.CloseIdleConnections()
	lg := &loadGen{client: client, url: gw.url}

	fmt.Printf("soak: %v at %d req/s, mixed faults, gateway pid %d, sampling every %v\n", dur, rate, gw.cmd.Process.Pid, every)
	fmt.Printf("%8s %10s %10s %10s %8s %8s %8s %8s %8s %9s %9s\n",
		"elapsed", "rss_MiB", "heap_MiB", "goroutines", "req/s", "ok", "errors", "bad", "skipped", "p50_ms", "p99_ms")
	var samples []sample
	take := func(elapsed time.Duration) error {
		s, err := gw.sample(elapsed)
		if err != nil {
			return err
		}
		s.interval = lg.interval()
		samples = append(samples, s)
		fmt.Println(s.row(every))
		return nil
	}
	if err := take(0); err != nil {
		return err
	}
	begin := time.Now()
	if err := lg.drive(ctx, dur, rate, maxInFlight, every, func() error { return take(time.Since(begin)) }); err != nil {
		return err
	}
	if err := take(time.Since(begin)); err != nil {
		return err
	}
	// After the load: the client's keep-alive connections closed, what is
	// left in the gateway (its pool of idle upstream connections aside)?
	client.CloseIdleConnections()
	time.Sleep(2 * time.Second)
	after, err := gw.sample(time.Since(begin))
	if err != nil {
		return err
	}
	fmt.Printf("idle after the load: rss %.1f MiB, heap %.1f MiB, %d goroutines (%d before the load)\n",
		mib(after.rss), mib(after.heap), after.goroutines, samples[0].goroutines)
	fmt.Printf("answers: %d sent, %d well formed (%d model answers, %d errors), %d not well formed, %d skipped at the in-flight bound\n",
		lg.sent.Load(), lg.ok.Load()+lg.errs.Load(), lg.ok.Load(), lg.errs.Load(), lg.bad.Load(), lg.skipped.Load())
	for _, b := range lg.badSamples() {
		fmt.Println("  not well formed:", b)
	}
	return verdict(samples, lg.bad.Load())
}

// startStack writes the faults and the configuration to a temporary
// directory and starts the simulator and the gateway in front of it; stop
// ends both and removes the directory.
func startStack(bin string) (gw *proc, stop func(), err error) {
	dir, err := os.MkdirTemp("", "bulwark-soak-")
	if err != nil {
		return nil, nil, err
	}
	var stops []func()
	stop = func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}
	stops = append(stops, func() { os.RemoveAll(dir) })
	faultsFile, cfgFile := filepath.Join(dir, "faults.json"), filepath.Join(dir, "bulwark.yaml")
	if err := os.WriteFile(faultsFile, []byte(faults), 0o600); err != nil {
		stop()
		return nil, nil, err
	}
	if err := os.WriteFile(cfgFile, []byte(config), 0o600); err != nil {
		stop()
		return nil, nil, err
	}
	simp, err := start(bin, nil, "sim", "--addr", "127.0.0.1:0", "--seed", "1", "--token-delay", "1ms", "--faults", faultsFile)
	if err != nil {
		stop()
		return nil, nil, err
	}
	stops = append(stops, simp.stop)
	gw, err = start(bin, []string{"ANTHROPIC_API_KEY=sk-soak-upstream"}, "serve", "--addr", "127.0.0.1:0",
		"--upstream", simp.url, "--config", cfgFile, "--log-format", "json")
	if err != nil {
		stop()
		return nil, nil, err
	}
	stops = append(stops, gw.stop)
	return gw, stop, nil
}

// drive sends rate requests a second, open loop, for dur or until ctx is
// cancelled, half of them streamed (a seeded draw), at most maxInFlight at
// once (a tick beyond is skipped and counted), and calls take every
// interval. It returns once the requests sent have ended.
func (l *loadGen) drive(ctx context.Context, dur time.Duration, rate, maxInFlight int, every time.Duration, take func() error) error {
	loadCtx, cancel := context.WithTimeout(ctx, dur)
	defer cancel()
	var wg sync.WaitGroup
	defer wg.Wait()
	sem := make(chan struct{}, maxInFlight)
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	sampleTick := time.NewTicker(every)
	defer sampleTick.Stop()
	rng := rand.New(rand.NewPCG(1, 2))
	n := 0
	for {
		select {
		case <-loadCtx.Done():
			return nil
		case <-sampleTick.C:
			if err := take(); err != nil {
				return err
			}
		case <-tick.C:
			stream := rng.IntN(2) == 0
			n++
			select {
			case sem <- struct{}{}:
			default:
				l.skipped.Add(1)
				continue
			}
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				defer func() { <-sem }()
				l.one(i, stream)
			}(n)
		}
	}
}

// sample is one reading of the gateway.
type sample struct {
	elapsed    time.Duration
	rss, heap  int64 // bytes
	goroutines int
	interval   interval
}

func (s sample) row(every time.Duration) string {
	iv := s.interval
	rps := 0.0
	if s.elapsed > 0 {
		rps = float64(iv.n) / every.Seconds()
	}
	return fmt.Sprintf("%8s %10.1f %10.1f %10d %8.0f %8d %8d %8d %8d %9.1f %9.1f",
		s.elapsed.Round(time.Second), mib(s.rss), mib(s.heap), s.goroutines, rps, iv.ok, iv.errs, iv.bad, iv.skipped,
		ms(iv.p50), ms(iv.p99))
}

func mib(b int64) float64        { return float64(b) / (1 << 20) }
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// verdict compares the last third of the samples taken under load with the
// first third (the very first sample, before any load, left out): memory or
// goroutines more than 20% higher, and by more than a small absolute amount,
// is growth.
func verdict(samples []sample, bad int64) error {
	under := samples[1:]
	if len(under) < 6 {
		fmt.Println("verdict: too few samples to judge (run longer or sample more often)")
		return nil
	}
	third := len(under) / 3
	first, last := under[:third], under[len(under)-third:]
	med := func(s []sample, f func(sample) float64) float64 {
		v := make([]float64, len(s))
		for i, x := range s {
			v[i] = f(x)
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	var growing []string
	for _, m := range []struct {
		name  string
		f     func(sample) float64
		floor float64 // absolute growth below this is noise
		unit  string
	}{
		{"rss", func(s sample) float64 { return mib(s.rss) }, 8, "MiB"},
		{"heap", func(s sample) float64 { return mib(s.heap) }, 8, "MiB"},
		{"goroutines", func(s sample) float64 { return float64(s.goroutines) }, 64, ""},
	} {
		a, b := med(first, m.f), med(last, m.f)
		fmt.Printf("  %-10s first third %8.1f%s, last third %8.1f%s (x%.2f)\n", m.name, a, m.unit, b, m.unit, b/max(a, 1e-9))
		if b > a*1.2 && b-a > m.floor {
			growing = append(growing, m.name)
		}
	}
	switch {
	case len(growing) > 0:
		fmt.Printf("verdict: GROWING (%s)\n", strings.Join(growing, ", "))
		return errors.New("memory or goroutines grew")
	case bad > 0:
		fmt.Printf("verdict: flat, but %d answers were not well formed\n", bad)
		return errors.New("answers not well formed")
	}
	fmt.Println("verdict: flat")
	return nil
}

// proc is a running bulwark process.
type proc struct {
	cmd *exec.Cmd
	url string
}

func start(bin string, env []string, args ...string) (*proc, error) {
	cmd := exec.Command(bin, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ANTHROPIC_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &proc{cmd: cmd}
	first := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		if sc.Scan() {
			first <- sc.Text()
		}
		close(first)
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case line := <-first:
		u, ok := strings.CutPrefix(line, "listening on ")
		if !ok {
			p.stop()
			return nil, fmt.Errorf("bulwark %s: first line %q", args[0], line)
		}
		p.url = u
	case <-time.After(15 * time.Second):
		p.stop()
		return nil, fmt.Errorf("bulwark %s printed nothing", args[0])
	}
	return p, nil
}

func (p *proc) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
	}
}

// sample reads the process's VmRSS and its /metrics.
func (p *proc) sample(elapsed time.Duration) (sample, error) {
	s := sample{elapsed: elapsed}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return s, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return s, fmt.Errorf("VmRSS %q: %w", v, err)
			}
			s.rss = kb << 10
		}
	}
	resp, err := http.Get(p.url + "/metrics")
	if err != nil {
		return s, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return s, err
	}
	g, ok1 := metric(b, "go_goroutines")
	h, ok2 := metric(b, "go_memstats_heap_inuse_bytes")
	if !ok1 || !ok2 {
		return s, errors.New("/metrics has no go_goroutines or go_memstats_heap_inuse_bytes")
	}
	s.goroutines, s.heap = int(g), int64(h)
	return s, nil
}

func metric(exposition []byte, name string) (float64, bool) {
	for _, line := range strings.Split(string(exposition), "\n") {
		if rest, ok := strings.CutPrefix(line, name+" "); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			return v, err == nil
		}
	}
	return 0, false
}

// loadGen sends requests and keeps counts, in all and per sampling interval.
type loadGen struct {
	client *http.Client
	url    string

	sent, ok, errs, bad, skipped atomic.Int64

	mu      sync.Mutex
	cur     interval
	lat     []time.Duration
	badSeen []string
}

// interval is what happened between two samples.
type interval struct {
	n, ok, errs, bad, skipped int64
	p50, p99                  time.Duration
}

// interval returns the counts since the last call and starts a new one.
func (l *loadGen) interval() interval {
	l.mu.Lock()
	defer l.mu.Unlock()
	iv := l.cur
	iv.skipped = l.skipped.Swap(0)
	l.cur = interval{}
	if len(l.lat) > 0 {
		slices.Sort(l.lat)
		iv.p50, iv.p99 = l.lat[len(l.lat)/2], l.lat[len(l.lat)*99/100]
	}
	l.lat = l.lat[:0]
	return iv
}

func (l *loadGen) badSamples() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.badSeen...)
}

// one sends request i and judges its answer.
func (l *loadGen) one(i int, stream bool) {
	l.sent.Add(1)
	body := fmt.Sprintf(`{"model":"claude-sonnet-5-5","max_tokens":%d,"stream":%t,"messages":[{"role":"user","content":"soak request %d"}]}`,
		8+i%24, stream, i)
	req, _ := http.NewRequest(http.MethodPost, l.url+"/v1/messages", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	start := time.Now()
	resp, err := l.client.Do(req)
	var first time.Duration
	var b []byte
	if err == nil {
		first = time.Since(start)
		b, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		if !(stream && resp.StatusCode == 200) {
			first = time.Since(start)
		}
	}
	kind := "bad"
	var why string
	switch {
	case err != nil:
		why = err.Error()
	default:
		kind, why = judge(resp.StatusCode, stream, b)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cur.n++
	l.lat = append(l.lat, first)
	switch kind {
	case "ok":
		l.ok.Add(1)
		l.cur.ok++
	case "error":
		l.errs.Add(1)
		l.cur.errs++
	default:
		l.bad.Add(1)
		l.cur.bad++
		if len(l.badSeen) < 10 {
			l.badSeen = append(l.badSeen, why)
		}
	}
}

// judge tells a model answer ("ok") or an Anthropic-shaped error ("error",
// an error status or a stream ending in an error event) from anything else
// ("bad", with why).
func judge(status int, stream bool, b []byte) (kind, why string) {
	if status != 200 {
		var e struct {
			Type  string `json:"type"`
			Error struct{ Type, Message string }
		}
		if json.Unmarshal(b, &e) != nil || e.Type != "error" || e.Error.Type == "" || e.Error.Message == "" {
			return "bad", fmt.Sprintf("%d %.200s", status, b)
		}
		return "error", ""
	}
	if !stream {
		var m struct{ Type string }
		if json.Unmarshal(b, &m) != nil || m.Type != "message" {
			return "bad", fmt.Sprintf("200 %.200s", b)
		}
		return "ok", ""
	}
	// The last event of a stream must be message_stop or error.
	events := bytes.Split(bytes.TrimSpace(b), []byte("\n\n"))
	if len(events) == 0 || !bytes.HasPrefix(events[0], []byte("event: message_start")) {
		return "bad", fmt.Sprintf("stream %.200s", b)
	}
	last := events[len(events)-1]
	switch {
	case bytes.HasPrefix(last, []byte("event: message_stop")):
		return "ok", ""
	case bytes.HasPrefix(last, []byte("event: error")):
		return "error", ""
	}
	return "bad", fmt.Sprintf("stream ends with %.200s", last)
}
