package chaos

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/backoff"
	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/gateway"
	"github.com/bulwarkhq/bulwark/sim"
)

// countingListener counts the connections it accepted that are still open.
type countingListener struct {
	net.Listener
	open     atomic.Int64
	accepted atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.open.Add(1)
	l.accepted.Add(1)
	return &countedConn{Conn: c, l: l}, nil
}

type countedConn struct {
	net.Conn
	l    *countingListener
	once sync.Once
}

func (c *countedConn) Close() error {
	c.once.Do(func() { c.l.open.Add(-1) })
	return c.Conn.Close()
}

// inproc is a gateway and a simulator served on loopback in this process,
// where their goroutines and connections can be counted.
type inproc struct {
	sim    *sim.Server
	simURL string
	simLn  *countingListener
	gw     *gateway.Server
	gwURL  string
	gwAddr string
	// tr is the gateway's upstream transport.
	tr   *http.Transport
	logs *syncBuffer
}

// syncBuffer collects log lines written from many goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  []byte
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b = append(s.b, p...)
	return len(p), nil
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return string(s.b)
}

// shortProfile is the profile of the process tests, in Go.
func shortProfile() engine.Profile {
	return engine.Profile{
		Name:              "interactive",
		Attempts:          2,
		Backoff:           backoff.Policy{Initial: 10 * time.Millisecond, Max: 40 * time.Millisecond},
		Deadline:          deadline,
		AttemptTimeout:    attemptLimit,
		FirstTokenTimeout: 200 * time.Millisecond,
		IdleTimeout:       200 * time.Millisecond,
	}
}

// patient sets a profile of long timeouts (10 s per attempt and to the first
// token): for tests about cancellation, where a timeout must not end
// anything first even on a loaded machine.
func patient() gateway.Option {
	return gateway.WithProfiles(map[string]engine.Profile{"interactive": {
		Name: "interactive", Attempts: 2, Deadline: 20 * time.Second, AttemptTimeout: 10 * time.Second,
		FirstTokenTimeout: 10 * time.Second, IdleTimeout: 10 * time.Second}})
}

// startInProc serves a simulator (simOpts) and a gateway in front of it
// (the short profile, then gwOpts) on loopback. Both are shut down when the
// test ends.
func startInProc(t *testing.T, simOpts []sim.Option, gwOpts ...gateway.Option) *inproc {
	t.Helper()
	p := &inproc{logs: &syncBuffer{}}

	p.sim = sim.New(append([]sim.Option{sim.WithSeed(11)}, simOpts...)...)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.simLn = &countingListener{Listener: ln}
	p.simURL = "http://" + ln.Addr().String()
	hs := &http.Server{Handler: p.sim, ReadHeaderTimeout: 5 * time.Second}
	simDone := make(chan struct{})
	go func() { defer close(simDone); _ = hs.Serve(p.simLn) }()

	p.tr = &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true, IdleConnTimeout: 30 * time.Second}
	log := slog.New(slog.NewJSONHandler(p.logs, nil))
	opts := []gateway.Option{
		gateway.WithUpstream(p.simURL),
		gateway.WithAPIKey("sk-chaos-inproc"),
		gateway.WithProfiles(map[string]engine.Profile{"interactive": shortProfile()}),
		gateway.WithTransport(p.tr),
		gateway.WithLogger(log),
		gateway.WithGrace(time.Second),
	}
	p.gw, err = gateway.New(append(opts, gwOpts...)...)
	if err != nil {
		t.Fatal(err)
	}
	gln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.gwAddr = gln.Addr().String()
	p.gwURL = "http://" + p.gwAddr
	ctx, cancel := context.WithCancel(context.Background())
	gwDone := make(chan error, 1)
	go func() { gwDone <- p.gw.Serve(ctx, gln) }()

	t.Cleanup(func() {
		cancel()
		if err := <-gwDone; err != nil {
			t.Errorf("gateway Serve: %v", err)
		}
		p.sim.Close()
		sctx, scancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer scancel()
		if hs.Shutdown(sctx) != nil {
			_ = hs.Close()
		}
		<-simDone
		p.tr.CloseIdleConnections()
		// CHAOS_LOG_FILE=path keeps the whole gateway log for debugging.
		if path := os.Getenv("CHAOS_LOG_FILE"); path != "" {
			_ = os.WriteFile(path, []byte(p.logs.String()), 0o600)
		}
		if t.Failed() {
			logs := p.logs.String()
			if len(logs) > 4000 {
				logs = "...\n" + logs[len(logs)-4000:]
			}
			t.Logf("gateway logs:\n%s", logs)
		}
	})
	return p
}

// settle closes the idle keep-alive connections of client and of the
// gateway's upstream transport, then waits for the goroutine count to come
// back to at most baseline.
func (p *inproc) settle(t *testing.T, client *http.Client, baseline int) {
	t.Helper()
	client.CloseIdleConnections()
	p.tr.CloseIdleConnections()
	eventually(t, 3*time.Second, func() string {
		buf := make([]byte, 1<<16)
		n := runtime.Stack(buf, true)
		return fmt.Sprintf("%d goroutines, baseline %d:\n%s", runtime.NumGoroutine(), baseline, buf[:n])
	}, func() bool { return runtime.NumGoroutine() <= baseline })
}

// healthy checks GET /healthz.
func (p *inproc) healthy(t *testing.T, client *http.Client) {
	t.Helper()
	resp, err := client.Get(p.gwURL + "/healthz")
	if err != nil {
		t.Fatalf("healthz: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("healthz: %d", resp.StatusCode)
	}
}
