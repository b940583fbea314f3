package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// TargetStreamBytes is the most memory one open stream may cost the gateway
// (DESIGN §12): 64 KiB.
const TargetStreamBytes = 64 << 10

// StreamsConfigYAML is the gateway's config file in a streams run: bounds
// long enough for slow streams (the default interactive deadline of 25 s
// would cut them).
const StreamsConfigYAML = `# written by bulwark bench streams
profiles:
  interactive:
    deadline: 10m
    attempt_timeout: 10m
    first_token_timeout: 1m
    idle_timeout: 1m
user_breaker: {failures: 1000000, window: 1s}
`

// StreamsConfig configures RunStreams.
type StreamsConfig struct {
	// Launcher starts the simulator and the gateway.
	Launcher *Launcher
	// N is the number of streams to hold open at once.
	N int
	// TokenDelay is the simulator's pause per streamed token; a stream of
	// its ~7–17 deltas lasts that many times longer. Default 3 s.
	TokenDelay time.Duration
	// Opening bounds the streams being connected and sent at once (the
	// rest wait; the gateway answers only at the first token); default 256.
	Opening int
	// Timeout bounds the whole run; default 5 min.
	Timeout time.Duration
	// Settle is the pause after the warm-up before the idle memory is read;
	// default 500 ms, negative for none.
	Settle time.Duration
	// Progress, when set, gets progress lines.
	Progress io.Writer
}

// StreamsReport is the outcome of RunStreams.
type StreamsReport struct {
	// N is the number of streams asked for.
	N int
	// TokenDelay is the simulator's pause per token.
	TokenDelay time.Duration
	// Opened counts streams whose first byte arrived; Completed those that
	// ended with message_stop; Failed the others.
	Opened, Completed, Failed int
	// Peak is the most streams open at once.
	Peak int
	// Failures counts the failed streams by kind.
	Failures map[string]int64
	// FirstError is the first failure's error text.
	FirstError string
	// Before is the gateway's memory after a warm-up, with no stream open;
	// PeakRSS the highest VmRSS sampled while streams were open; HWM the
	// kernel's VmHWM at the end.
	Before         Memory
	PeakRSS, HWM   int64
	PeakGoroutines int64 // from the gateway's /metrics, when it has them (else 0)
	HeapInuse      int64 // go_memstats_heap_inuse_bytes at the peak, when available
	StackInuse     int64 // go_memstats_stack_inuse_bytes at the peak, when available
	// SoftLimit and HardLimit are the RLIMIT_NOFILE in force (inherited by
	// the children).
	SoftLimit, HardLimit uint64
	// TTFB holds the time to each stream's first byte.
	TTFB Latencies
	// Ramp is how long opening the streams took: until the last first byte.
	Ramp time.Duration
}

// PerStream is (peak RSS − RSS before) / peak open streams, in bytes.
func (r *StreamsReport) PerStream() float64 {
	if r.Peak == 0 {
		return 0
	}
	return float64(r.PeakRSS-r.Before.RSS) / float64(r.Peak)
}

// RunStreams opens N concurrent streams through one gateway process in front
// of a simulator with a slow token delay, samples the gateway's resident
// memory (/proc/PID/status) before and while they are open, and reports the
// memory per stream. It raises RLIMIT_NOFILE to what N needs (or the hard
// limit), which the children inherit.
func RunStreams(ctx context.Context, cfg StreamsConfig) (*StreamsReport, error) {
	if cfg.N <= 0 {
		return nil, errors.New("streams: N must be at least 1")
	}
	if cfg.TokenDelay <= 0 {
		cfg.TokenDelay = 3 * time.Second
	}
	if cfg.Opening <= 0 {
		cfg.Opening = 256
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	rep := &StreamsReport{N: cfg.N, TokenDelay: cfg.TokenDelay, Failures: map[string]int64{}}
	var err error
	// The gateway holds a client and an upstream connection per stream.
	rep.SoftLimit, rep.HardLimit, err = RaiseFileLimit(uint64(2*cfg.N + 1024))
	if err != nil {
		return nil, fmt.Errorf("raising RLIMIT_NOFILE: %w", err)
	}
	dir, err := os.MkdirTemp("", "bulwark-streams-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	cfgFile := filepath.Join(dir, "gateway.yaml")
	if err := os.WriteFile(cfgFile, []byte(StreamsConfigYAML), 0o600); err != nil {
		return nil, err
	}
	simP, err := cfg.Launcher.Start(ctx, "sim", SimArgs(cfg.TokenDelay)...)
	if err != nil {
		return nil, err
	}
	gw, err := cfg.Launcher.Start(ctx, "gateway", ServeArgs(simP.URL, cfgFile)...)
	if err != nil {
		return nil, err
	}

	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 30 * time.Second}).DialContext,
		MaxIdleConnsPerHost: -1, // every stream has its own connection, closed after
		DisableCompression:  true,
		ReadBufferSize:      4 << 10,
		WriteBufferSize:     4 << 10,
	}
	defer tr.CloseIdleConnections()
	rq := MessagesRequest(primary, true)
	url := strings.TrimRight(gw.URL, "/") + "/v1/messages"

	// Warm up (connections, pools, lazy set-up), then read the idle memory.
	warm := make(chan error, 4)
	for range cap(warm) {
		go func() {
			_, err := openStream(ctx, tr, url, rq.Body, nil, nil, nil)
			warm <- err
		}()
	}
	for range cap(warm) {
		if err := <-warm; err != nil {
			return nil, fmt.Errorf("warm-up stream: %w", err)
		}
	}
	if cfg.Settle == 0 {
		cfg.Settle = 500 * time.Millisecond
	}
	time.Sleep(max(cfg.Settle, 0))
	if rep.Before, err = ReadMemory(gw.PID()); err != nil {
		return nil, err
	}

	var (
		open, peak        atomic.Int64
		opened, completed atomic.Int64
		mu                sync.Mutex
		started           = time.Now()
		rampDone          = make(chan struct{})
		openedAll         sync.Once
		sem               = make(chan struct{}, cfg.Opening)
		wg                sync.WaitGroup
		stopSampling      = make(chan struct{})
		samplerDone       = make(chan struct{})
		peakRSS, lastOpen atomic.Int64 // lastOpen: ns after started
	)
	go func() { // sample the gateway's memory while streams run
		defer close(samplerDone)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stopSampling:
				return
			case <-t.C:
			}
			if m, err := ReadMemory(gw.PID()); err == nil && m.RSS > peakRSS.Load() {
				peakRSS.Store(m.RSS)
			}
		}
	}()
	if cfg.Progress != nil {
		fmt.Fprintf(cfg.Progress, "streams: opening %d streams (%d at a time), gateway RSS before: %s\n",
			cfg.N, cfg.Opening, FormatBytes(float64(rep.Before.RSS)))
	}
	for i := 0; i < cfg.N && ctx.Err() == nil; i++ {
		sem <- struct{}{}
		wg.Go(func() {
			var once sync.Once
			release := func() { once.Do(func() { <-sem }) }
			defer release()
			onOpen := func(ttfb time.Duration) {
				n := open.Add(1)
				for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
				}
				at := int64(time.Since(started))
				for l := lastOpen.Load(); at > l && !lastOpen.CompareAndSwap(l, at); l = lastOpen.Load() {
				}
				if opened.Add(1) == int64(cfg.N) {
					openedAll.Do(func() { close(rampDone) })
				}
				mu.Lock()
				rep.TTFB.Add(ttfb)
				mu.Unlock()
			}
			onClose := func() { open.Add(-1) }
			label, err := openStream(ctx, tr, url, rq.Body, release, onOpen, onClose)
			if err == nil {
				completed.Add(1)
				return
			}
			mu.Lock()
			rep.Failures[label]++
			if rep.FirstError == "" {
				rep.FirstError = err.Error()
			}
			mu.Unlock()
		})
		if cfg.Progress != nil && (i+1)%2000 == 0 {
			fmt.Fprintf(cfg.Progress, "streams: %d started, %d open\n", i+1, open.Load())
		}
	}
	// Once every stream is open (or should be), read the gateway's own
	// count of goroutines and heap, when it exports them.
	select {
	case <-rampDone:
	case <-time.After(2*cfg.TokenDelay + 2*time.Second):
	case <-ctx.Done():
	}
	if m, ok := scrapeGoMetrics(ctx, gw.URL); ok {
		rep.PeakGoroutines, rep.HeapInuse, rep.StackInuse = m.goroutines, m.heapInuse, m.stackInuse
	}
	wg.Wait()
	close(stopSampling)
	<-samplerDone
	rep.Ramp = time.Duration(lastOpen.Load())
	rep.Opened, rep.Completed, rep.Peak = int(opened.Load()), int(completed.Load()), int(peak.Load())
	rep.Failed = cfg.N - rep.Completed
	rep.PeakRSS = peakRSS.Load()
	if m, err := ReadMemory(gw.PID()); err == nil {
		rep.HWM = m.HWM
	}
	if err := ctx.Err(); err != nil {
		return rep, fmt.Errorf("streams: stopped after %v: %w", cfg.Timeout, err)
	}
	return rep, nil
}

// openStream sends one streamed request and reads it to its end. sent is
// called once the request is written (or failed to be), onOpen at its first
// body byte, onClose when it ends (if it opened). Each may be nil. It
// returns a failure label and error, or nil when the stream ended with
// message_stop.
func openStream(ctx context.Context, tr http.RoundTripper, url string, body []byte, sent func(), onOpen func(time.Duration), onClose func()) (string, error) {
	if sent != nil {
		ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) { sent() }})
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return "request", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Anthropic-Version", "2023-06-01")
	req.Header.Set("X-Api-Key", "bench-placeholder-key")
	start := time.Now()
	resp, err := tr.RoundTrip(req)
	if err != nil {
		return connLabel(err), err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Sprintf("status %d %s", resp.StatusCode, errorType(b)), fmt.Errorf("%s: %s", resp.Status, bytes.TrimSpace(b))
	}
	buf := make([]byte, 2048)
	var tail []byte
	isOpen := false
	for {
		n, rerr := resp.Body.Read(buf)
		if n > 0 {
			if !isOpen {
				isOpen = true
				if onOpen != nil {
					onOpen(time.Since(start))
				}
				if onClose != nil {
					defer onClose()
				}
			}
			tail = append(tail, buf[:n]...)
			if len(tail) > tailSize {
				tail = append(tail[:0], tail[len(tail)-tailSize:]...)
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return "cut: " + connLabel(rerr), rerr
		}
	}
	if !StreamComplete(tail) {
		if bytes.Contains(tail, []byte("event: error")) {
			return "error event (" + errorType(tail) + ")", errors.New("stream ended with an error event")
		}
		return "ended without message_stop", errors.New("stream ended without message_stop")
	}
	return "", nil
}

// connLabel names a connection error briefly.
func connLabel(err error) string {
	switch {
	case errors.Is(err, syscall.EMFILE), errors.Is(err, syscall.ENFILE):
		return "too many open files"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return "no free local port"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "connection closed"
	}
	return "transport error"
}

// goMetrics are a few of the Go runtime's own figures from a /metrics page.
type goMetrics struct{ goroutines, heapInuse, stackInuse int64 }

// scrapeGoMetrics reads go_goroutines, go_memstats_heap_inuse_bytes and
// go_memstats_stack_inuse_bytes from the gateway's /metrics, when it serves
// them.
func scrapeGoMetrics(ctx context.Context, base string) (goMetrics, bool) {
	var m goMetrics
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(base, "/")+"/metrics", nil)
	if err != nil {
		return m, false
	}
	tr := &http.Transport{DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	resp, err := tr.RoundTrip(req)
	if err != nil {
		return m, false
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return m, false
	}
	return parseGoMetrics(io.LimitReader(resp.Body, 8<<20))
}

// parseGoMetrics reads the Prometheus text format for the goMetrics lines.
func parseGoMetrics(r io.Reader) (goMetrics, bool) {
	var m goMetrics
	found := 0
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		var dst *int64
		switch name {
		case "go_goroutines":
			dst = &m.goroutines
		case "go_memstats_heap_inuse_bytes":
			dst = &m.heapInuse
		case "go_memstats_stack_inuse_bytes":
			dst = &m.stackInuse
		default:
			continue
		}
		if f, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil {
			*dst = int64(f)
			found++
		}
	}
	return m, found > 0
}

// WriteStreamsTable prints a streams report, with why fewer streams than
// asked were reached.
func WriteStreamsTable(w io.Writer, r *StreamsReport) {
	t := &Table{
		Title: fmt.Sprintf("Concurrent streams through one gateway process (simulator token delay %v)", r.TokenDelay),
		Header: []string{"asked", "peak open", "completed", "failed", "TTFB p50", "TTFB p99", "opening took",
			"gateway RSS before", "RSS at peak", "per stream", "target < 64 KiB"},
	}
	per := r.PerStream()
	check := Check{What: "per stream", Met: per < TargetStreamBytes && r.Peak > 0,
		Text: FormatBytes(per) + " vs 64.0 KiB"}
	if !check.Met {
		check.Miss = FormatBytes(per - TargetStreamBytes)
	}
	t.Add(fmt.Sprint(r.N), fmt.Sprint(r.Peak), fmt.Sprint(r.Completed), fmt.Sprint(r.Failed),
		FormatDuration(r.TTFB.Percentile(50)), FormatDuration(r.TTFB.Percentile(99)), FormatDuration(r.Ramp),
		FormatBytes(float64(r.Before.RSS)), FormatBytes(float64(r.PeakRSS)), FormatBytes(per), check.String())
	t.Notes = append(t.Notes, fmt.Sprintf("- RLIMIT_NOFILE soft %d, hard %d (inherited by the gateway); gateway VmHWM %s.",
		r.SoftLimit, r.HardLimit, FormatBytes(float64(r.HWM))))
	if r.PeakGoroutines > 0 {
		n := float64(max(r.Peak, 1))
		t.Notes = append(t.Notes, fmt.Sprintf("- Gateway /metrics with the streams open: %d goroutines (%.1f per stream), "+
			"heap in use %s (%s per stream), goroutine stacks %s (%s per stream).",
			r.PeakGoroutines, float64(r.PeakGoroutines)/n, FormatBytes(float64(r.HeapInuse)), FormatBytes(float64(r.HeapInuse)/n),
			FormatBytes(float64(r.StackInuse)), FormatBytes(float64(r.StackInuse)/n)))
	}
	if r.Failed > 0 {
		t.Notes = append(t.Notes, fmt.Sprintf("- Failures: %s (first: %s).", FormatOutcomes(r.Failures), r.FirstError))
	}
	if r.Peak < r.N {
		t.Notes = append(t.Notes, "- "+r.ShortfallReason())
	}
	t.Write(w)
}

// ShortfallReason explains why fewer than N streams were open at once.
func (r *StreamsReport) ShortfallReason() string {
	need := uint64(2*r.N + 64)
	if r.SoftLimit > 0 && need > r.SoftLimit {
		return fmt.Sprintf("Only %d of %d streams were open at once: the gateway holds two file descriptors per stream "+
			"(the client's connection and its upstream connection), so %d streams need about %d, over this "+
			"machine's RLIMIT_NOFILE of %d (hard limit %d, which only a process with CAP_SYS_RESOURCE may raise); "+
			"the most this machine allows is just under %d.",
			r.Peak, r.N, r.N, need, r.SoftLimit, r.HardLimit, r.SoftLimit/2)
	}
	return fmt.Sprintf("Only %d of %d streams were open at once: the earliest streams ended before the last ones opened "+
		"(opening took %v); raise --token-delay, or see the failures above.", r.Peak, r.N, r.Ramp.Round(time.Millisecond))
}
