package bench

import (
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
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// DESIGN §12 targets for one open stream through the gateway, with an
// HTTP/2 upstream.
const (
	// TargetStreamBytes is the most memory one open stream may cost: 32 KiB.
	TargetStreamBytes = 32 << 10
	// TargetStreamGoroutines is the most goroutines one open stream may
	// hold: the two net/http keeps per client connection and at most one of
	// the upstream side's.
	TargetStreamGoroutines = 3
	// TargetStreamFDs is the file descriptors one open stream may hold: its
	// client connection (the upstream streams share a few HTTP/2
	// connections).
	TargetStreamFDs = 1
	// streamCountSlack is the share by which the per-stream goroutines and
	// descriptors may exceed their targets: what the shared upstream
	// connections hold (a descriptor and a goroutine per ~250 streams) and
	// the bench's own scrape are counted with the streams.
	streamCountSlack = 1.02
)

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
	// TLS makes the simulator serve TLS, so that the gateway reaches it over
	// HTTP/2 as it does the real API (LoopbackCert, trusted through
	// SSL_CERT_FILE); the bench talks HTTP/1.1 to the gateway either way.
	TLS bool
	// Progress, when set, gets progress lines.
	Progress io.Writer
}

// ProcCounts are a process's goroutines and open file descriptors.
type ProcCounts struct {
	// Goroutines is go_goroutines from the gateway's /metrics (0 when it
	// serves none).
	Goroutines int64
	// FDs counts /proc/PID/fd.
	FDs int
}

// StreamsReport is the outcome of RunStreams.
type StreamsReport struct {
	// N is the number of streams asked for.
	N int
	// TokenDelay is the simulator's pause per token.
	TokenDelay time.Duration
	// TLS reports an HTTP/2-over-TLS upstream (StreamsConfig.TLS).
	TLS bool
	// Opened counts streams whose first byte arrived; Completed those that
	// ended with message_stop; Failed the others.
	Opened, Completed, Failed int
	// Peak is the most streams open at once: sent to the gateway and not
	// yet ended (a stream is answered only at its first token, seconds
	// later).
	Peak int
	// Failures counts the failed streams by kind.
	Failures map[string]int64
	// FirstError is the first failure's error text.
	FirstError string
	// Before is the gateway's memory after a warm-up, with no stream open;
	// PeakRSS the highest VmRSS sampled while streams were open; HWM the
	// kernel's VmHWM at the end.
	Before       Memory
	PeakRSS, HWM int64
	// Idle are the gateway's counts after the warm-up; Loaded the same once
	// every stream had opened, when LoadedOpen streams were open.
	Idle, Loaded ProcCounts
	LoadedOpen   int
	// HeapInuse and StackInuse are go_memstats_heap_inuse_bytes and
	// go_memstats_stack_inuse_bytes at Loaded, when available (else 0).
	HeapInuse, StackInuse int64
	// UpstreamProtocols counts the simulator's requests by HTTP version
	// (its /_sim/stats), read at the end.
	UpstreamProtocols map[string]int64
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

// GoroutinesPerStream is (Loaded − Idle goroutines) / LoadedOpen, or 0
// when not measured.
func (r *StreamsReport) GoroutinesPerStream() float64 {
	if r.LoadedOpen == 0 || r.Loaded.Goroutines == 0 {
		return 0
	}
	return float64(r.Loaded.Goroutines-r.Idle.Goroutines) / float64(r.LoadedOpen)
}

// FDsPerStream is (Loaded − Idle descriptors) / LoadedOpen, or 0 when not
// measured.
func (r *StreamsReport) FDsPerStream() float64 {
	if r.LoadedOpen == 0 || r.Loaded.FDs == 0 {
		return 0
	}
	return float64(r.Loaded.FDs-r.Idle.FDs) / float64(r.LoadedOpen)
}

// Checks judges the DESIGN §12 per-stream targets: memory, goroutines (when
// measured) and file descriptors (when measured).
func (r *StreamsReport) Checks() []Check {
	per := r.PerStream()
	mem := Check{What: "memory per stream", Met: per <= TargetStreamBytes && r.Peak > 0,
		Text: FormatBytes(per) + " ≤ " + FormatBytes(TargetStreamBytes)}
	if !mem.Met {
		mem.Text = FormatBytes(per) + " > " + FormatBytes(TargetStreamBytes)
		mem.Miss = FormatBytes(per - TargetStreamBytes)
	}
	out := []Check{mem}
	if g := r.GoroutinesPerStream(); g > 0 {
		out = append(out, AtMostPer("goroutines per stream", g, TargetStreamGoroutines*streamCountSlack))
	}
	if f := r.FDsPerStream(); f > 0 {
		out = append(out, AtMostPer("descriptors per stream", f, TargetStreamFDs*streamCountSlack))
	}
	return out
}

// RunStreams opens N concurrent streams through one gateway process in front
// of a simulator with a slow token delay, samples the gateway's resident
// memory (/proc/PID/status) before and while they are open, counts its
// goroutines and descriptors once they are all open, and reports them per
// stream. It raises RLIMIT_NOFILE to what N needs (or the hard limit), which
// the children inherit.
func RunStreams(ctx context.Context, cfg StreamsConfig) (*StreamsReport, error) {
	if cfg.N <= 0 {
		return nil, errors.New("streams: N must be at least 1")
	}
	cfg = cfg.withDefaults()
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	rep := &StreamsReport{N: cfg.N, TokenDelay: cfg.TokenDelay, TLS: cfg.TLS, Failures: map[string]int64{}}
	var err error
	// Over HTTP/1.1 the gateway holds a client and an upstream connection
	// per stream.
	rep.SoftLimit, rep.HardLimit, err = RaiseFileLimit(uint64(2*cfg.N + 1024))
	if err != nil {
		return nil, fmt.Errorf("raising RLIMIT_NOFILE: %w", err)
	}
	dir, err := os.MkdirTemp("", "bulwark-streams-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	simP, gw, err := startStreamsStack(ctx, cfg, dir)
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
	run := &streamsRun{cfg: cfg, rep: rep, tr: tr, gw: gw, body: MessagesRequest(primary, true).Body,
		url: strings.TrimRight(gw.URL, "/") + "/v1/messages", sentAll: make(chan struct{})}
	if err := run.warmUp(ctx); err != nil {
		return nil, err
	}
	run.openAll(ctx)
	if st, err := (&SimControl{URL: simP.URL}).Stats(ctx); err == nil {
		rep.UpstreamProtocols = st.Protocols
	}
	if err := ctx.Err(); err != nil {
		return rep, fmt.Errorf("streams: stopped after %v: %w", cfg.Timeout, err)
	}
	return rep, nil
}

func (cfg StreamsConfig) withDefaults() StreamsConfig {
	if cfg.TokenDelay <= 0 {
		cfg.TokenDelay = 3 * time.Second
	}
	if cfg.Opening <= 0 {
		cfg.Opening = 256
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Minute
	}
	if cfg.Settle == 0 {
		cfg.Settle = 500 * time.Millisecond
	}
	return cfg
}

// startStreamsStack starts the simulator and the gateway of a streams run,
// with their files in dir (the gateway reads SSL_CERT_FILE at its first
// upstream call, not at its start).
func startStreamsStack(ctx context.Context, cfg StreamsConfig, dir string) (simP, gw *Proc, err error) {
	cfgFile := filepath.Join(dir, "gateway.yaml")
	if err := os.WriteFile(cfgFile, []byte(StreamsConfigYAML), 0o600); err != nil {
		return nil, nil, err
	}
	var files *TLSFiles
	if cfg.TLS {
		if files, err = WriteTLSFiles(dir); err != nil {
			return nil, nil, err
		}
	}
	if simP, err = cfg.Launcher.Start(ctx, "sim", files.simArgs(SimArgs(cfg.TokenDelay))...); err != nil {
		return nil, nil, err
	}
	gw, err = cfg.Launcher.StartEnv(ctx, "gateway", files.Env(), ServeArgs(simP.URL, cfgFile)...)
	return simP, gw, err
}

// streamsRun is one RunStreams in progress.
type streamsRun struct {
	cfg       StreamsConfig
	rep       *StreamsReport
	tr        *http.Transport
	gw        *Proc
	url       string
	body      []byte
	started   time.Time
	sentAll   chan struct{} // closed once every stream has been sent
	sentCount atomic.Int64

	open, peak, opened, completed atomic.Int64
	lastOpen                      atomic.Int64 // ns after started
	mu                            sync.Mutex   // guards rep's TTFB and failures
}

// warmUp opens 4 streams (connections, pools, lazy set-up), waits for them
// to end and settle, then reads the gateway's idle figures.
func (s *streamsRun) warmUp(ctx context.Context) error {
	warm := make(chan error, 4)
	for range cap(warm) {
		go func() {
			_, err := openStream(ctx, s.tr, s.url, s.body, nil, nil)
			warm <- err
		}()
	}
	for range cap(warm) {
		if err := <-warm; err != nil {
			return fmt.Errorf("warm-up stream: %w", err)
		}
	}
	time.Sleep(max(s.cfg.Settle, 0))
	var err error
	if s.rep.Before, err = ReadMemory(s.gw.PID()); err != nil {
		return err
	}
	s.rep.Idle = s.counts(ctx)
	return nil
}

// counts reads the gateway's goroutines (from /metrics) and descriptors.
func (s *streamsRun) counts(ctx context.Context) ProcCounts {
	var c ProcCounts
	if m, ok := scrapeGoMetrics(ctx, s.gw.URL); ok {
		c.Goroutines = m.goroutines
	}
	c.FDs, _ = CountFDs(s.gw.PID())
	return c
}

// openAll opens the N streams, Opening at a time, samples the gateway's
// memory while they run, takes its counts once they have all been sent,
// and waits for them to end.
func (s *streamsRun) openAll(ctx context.Context) {
	s.started = time.Now()
	stopSampling := s.sampleRSS()
	if s.cfg.Progress != nil {
		fmt.Fprintf(s.cfg.Progress, "streams: opening %d streams (%d at a time), gateway RSS before: %s\n",
			s.cfg.N, s.cfg.Opening, FormatBytes(float64(s.rep.Before.RSS)))
	}
	sem := make(chan struct{}, s.cfg.Opening)
	var wg sync.WaitGroup
	for i := 0; i < s.cfg.N && ctx.Err() == nil; i++ {
		sem <- struct{}{}
		wg.Go(func() { s.one(ctx, sem) })
		if s.cfg.Progress != nil && (i+1)%2000 == 0 {
			fmt.Fprintf(s.cfg.Progress, "streams: %d started, %d open\n", i+1, s.open.Load())
		}
	}
	// Once every stream has been sent, and for one token delay more (a
	// stream lasts 7 or more: the gateway has called upstream, and the
	// extra upstream connections the HTTP/2 client dials while its others
	// are full have been closed), count the gateway's goroutines and
	// descriptors and read its heap, against the streams open then (the
	// mean of before and after, which differ by the few that ended).
	select {
	case <-s.sentAll:
		time.Sleep(min(s.cfg.TokenDelay, 5*time.Second))
	case <-ctx.Done():
	}
	before := s.open.Load()
	s.rep.Loaded = s.counts(ctx)
	if m, ok := scrapeGoMetrics(ctx, s.gw.URL); ok {
		s.rep.HeapInuse, s.rep.StackInuse = m.heapInuse, m.stackInuse
	}
	s.rep.LoadedOpen = int((before + s.open.Load()) / 2)
	wg.Wait()
	rep := s.rep
	rep.PeakRSS = stopSampling()
	rep.Ramp = time.Duration(s.lastOpen.Load())
	rep.Opened, rep.Completed, rep.Peak = int(s.opened.Load()), int(s.completed.Load()), int(s.peak.Load())
	rep.Failed = s.cfg.N - rep.Completed
	if m, err := ReadMemory(s.gw.PID()); err == nil {
		rep.HWM = m.HWM
	}
}

// sampleRSS reads the gateway's VmRSS every 100 ms until the returned
// function is called, which returns the highest seen.
func (s *streamsRun) sampleRSS() (stop func() int64) {
	var peak atomic.Int64
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-quit:
				return
			case <-t.C:
			}
			if m, err := ReadMemory(s.gw.PID()); err == nil && m.RSS > peak.Load() {
				peak.Store(m.RSS)
			}
		}
	}()
	return func() int64 {
		close(quit)
		<-done
		return peak.Load()
	}
}

// one opens one stream and reads it to its end, releasing its slot of sem
// once its request is sent; it counts as open from then to its end.
func (s *streamsRun) one(ctx context.Context, sem chan struct{}) {
	var once sync.Once
	sent := func() {
		once.Do(func() {
			<-sem
			raise(&s.peak, s.open.Add(1))
			if s.sentCount.Add(1) == int64(s.cfg.N) {
				close(s.sentAll)
			}
		})
	}
	defer func() {
		sent()
		s.open.Add(-1)
	}()
	onOpen := func(ttfb time.Duration) {
		raise(&s.lastOpen, int64(time.Since(s.started)))
		s.opened.Add(1)
		s.mu.Lock()
		s.rep.TTFB.Add(ttfb)
		s.mu.Unlock()
	}
	label, err := openStream(ctx, s.tr, s.url, s.body, sent, onOpen)
	if err == nil {
		s.completed.Add(1)
		return
	}
	s.mu.Lock()
	s.rep.Failures[label]++
	if s.rep.FirstError == "" {
		s.rep.FirstError = err.Error()
	}
	s.mu.Unlock()
}

// raise sets v to n when n is larger.
func raise(v *atomic.Int64, n int64) {
	for p := v.Load(); n > p && !v.CompareAndSwap(p, n); p = v.Load() {
	}
}

// openStream sends one streamed request and reads it to its end. sent is
// called once the request is written (or failed to be), onOpen at its first
// body byte; either may be nil. It returns a failure label and error, or nil
// when the stream ended with message_stop.
func openStream(ctx context.Context, tr http.RoundTripper, url string, body []byte, sent func(), onOpen func(time.Duration)) (string, error) {
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
