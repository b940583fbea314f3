package gateway_test

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/gateway"
	"github.com/bulwarkhq/bulwark/sim"
)

// countConns makes hs count the connections it accepts in conns.
func countConns(hs *httptest.Server, conns *atomic.Int64) {
	hs.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			conns.Add(1)
		}
	}
}

// trusting returns a NewTransport that trusts hs's certificate.
func trusting(t *testing.T, hs *httptest.Server) *gateway.Transport {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AddCert(hs.Certificate())
	tr := gateway.NewTransportTLS(&tls.Config{RootCAs: pool})
	t.Cleanup(tr.CloseIdleConnections)
	return tr
}

// tlsSim serves a simulator over TLS with HTTP/2 enabled, as the real API is
// served, and returns it with a NewTransport that trusts its certificate;
// conns counts the connections it accepted.
func tlsSim(t *testing.T, conns *atomic.Int64, opts ...sim.Option) (*sim.Server, string, *gateway.Transport) {
	t.Helper()
	s := sim.New(append([]sim.Option{sim.WithSeed(7)}, opts...)...)
	hs := httptest.NewUnstartedServer(s)
	hs.EnableHTTP2 = true
	countConns(hs, conns)
	hs.StartTLS()
	t.Cleanup(func() { s.Close(); hs.Close() })
	return s, hs.URL, trusting(t, hs)
}

func TestGatewayReachesATLSUpstreamOverHTTP2AndMultiplexesItsStreams(t *testing.T) {
	var conns atomic.Int64
	s, upstream, tr := tlsSim(t, &conns, sim.WithTokenDelay(20*time.Millisecond))
	g := startGateway(t, upstream, gateway.WithTransport(tr))
	if resp, body := call(t, "POST", g.url+"/v1/messages", messagesBody("claude-sonnet-5-5", "hi", false)); resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	// Three streams at once (each lasts 140 ms or more): over HTTP/1.1
	// each would need a connection of its own.
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			resp, body := call(t, "POST", g.url+"/v1/messages", messagesBody("claude-sonnet-5-5", "hi", true))
			if resp.StatusCode != 200 || !strings.Contains(string(body), "message_stop") {
				t.Errorf("stream: %d %s", resp.StatusCode, body)
			}
		})
	}
	wg.Wait()
	if got := s.Stats().Protocols; got["HTTP/2.0"] != 4 || len(got) != 1 {
		t.Errorf("the upstream saw %v, want 4 requests over HTTP/2", got)
	}
	// The first call's connection, and the one the calls after it share
	// (one dial at a time, once the host is known to speak HTTP/2).
	if n := conns.Load(); n > 2 {
		t.Errorf("%d upstream connections, want at most 2", n)
	}
}

// gate holds a server's answers until every call of the burst it expects
// is in: a burst answered whole was carried at once, all its calls in flight
// together, whatever the machine's speed.
type gate struct {
	mu   sync.Mutex
	want int
	in   int
	open chan struct{}
}

// expect makes the gate hold the next n calls until the nth arrives.
func (g *gate) expect(n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.want, g.in, g.open = n, 0, make(chan struct{})
}

// arrive counts a call in and returns the channel closed once the burst is in.
func (g *gate) arrive() <-chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.in++
	if g.in == g.want {
		close(g.open)
	}
	return g.open
}

// gatedServer answers with its protocol over TLS once the gate's burst is in
// (or the call is cancelled): HTTP/2 with a limit of maxStreams streams per
// connection when h2, else HTTP/1.1 only; on addr when given.
func gatedServer(t *testing.T, g *gate, h2 bool, maxStreams int, conns *atomic.Int64, addr ...string) *httptest.Server {
	t.Helper()
	hs := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-g.arrive():
			io.WriteString(w, r.Proto)
		case <-r.Context().Done():
		}
	}))
	if len(addr) > 0 {
		ln, err := net.Listen("tcp", addr[0])
		if err != nil {
			t.Skipf("cannot listen on %s again: %v", addr[0], err)
		}
		hs.Listener.Close()
		hs.Listener = ln
	}
	hs.EnableHTTP2 = h2
	hs.Config.HTTP2 = &http.HTTP2Config{MaxConcurrentStreams: maxStreams}
	countConns(hs, conns)
	hs.StartTLS()
	t.Cleanup(hs.Close)
	return hs
}

// burst sends n calls at once through tr to a server behind g, and returns
// how many failed or came over another protocol than want. A transport that
// cannot carry the n calls at once fails them at the test's deadline.
func burst(t *testing.T, tr http.RoundTripper, g *gate, url string, n int, want string) int64 {
	t.Helper()
	ctx := deadlineCtx(t)
	g.expect(n)
	var wg sync.WaitGroup
	var bad atomic.Int64
	for range n {
		wg.Go(func() {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			resp, err := tr.RoundTrip(req)
			if err != nil {
				bad.Add(1)
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(b) != want {
				bad.Add(1)
			}
		})
	}
	wg.Wait()
	return bad.Load()
}

func TestNewTransportOpensOneHTTP2ConnectionAtATimeWhenABurstFindsItsConnectionsFull(t *testing.T) {
	var conns atomic.Int64
	g := &gate{}
	hs := gatedServer(t, g, true, 10, &conns)
	tr := trusting(t, hs)
	if bad := burst(t, tr, g, hs.URL, 1, "HTTP/2.0"); bad != 0 { // the host is now known to speak HTTP/2
		t.Fatal("first call failed")
	}
	// 100 calls at once over connections of 10 streams: 10 connections
	// carry them. net/http alone dialed one per call waiting (~100).
	if bad := burst(t, tr, g, hs.URL, 100, "HTTP/2.0"); bad != 0 {
		t.Fatalf("%d of 100 calls failed", bad)
	}
	if n := conns.Load(); n > 12 {
		t.Errorf("%d connections for 100 calls of 10 streams each, want about 11", n)
	}
}

func TestNewTransportKeepsOneConnectionPerCallToAnHTTP1Host(t *testing.T) {
	var conns atomic.Int64
	g := &gate{}
	hs := gatedServer(t, g, false, 0, &conns)
	tr := trusting(t, hs)
	// Answered only once all 20 are in: not serialized on one connection.
	if bad := burst(t, tr, g, hs.URL, 20, "HTTP/1.1"); bad != 0 {
		t.Fatalf("%d of 20 calls failed: not carried in parallel", bad)
	}
	if n := conns.Load(); n < 20 {
		t.Errorf("20 calls at once over %d connections, want one each", n)
	}
}

func TestNewTransportGoesBackToAConnectionPerCallWhenAnHTTP2HostAnswersOverHTTP1(t *testing.T) {
	var conns atomic.Int64
	g := &gate{}
	h2 := gatedServer(t, g, true, 10, &conns)
	tr := trusting(t, h2)
	if bad := burst(t, tr, g, h2.URL, 1, "HTTP/2.0"); bad != 0 {
		t.Fatal("first call failed")
	}
	// The same host and port now speaks HTTP/1.1 only (httptest has one
	// certificate for all its servers).
	addr := h2.Listener.Addr().String()
	h2.Close()
	tr.CloseIdleConnections()
	h1 := gatedServer(t, g, false, 0, &conns, addr)
	if bad := burst(t, tr, g, h1.URL, 1, "HTTP/1.1"); bad != 0 {
		t.Fatal("first HTTP/1.1 call failed")
	}
	// Answered only once all 20 are in: not one connection at a time.
	if bad := burst(t, tr, g, h1.URL, 20, "HTTP/1.1"); bad != 0 {
		t.Fatalf("%d of 20 calls failed: not carried in parallel", bad)
	}
}

func TestNewTransportHealthChecksItsHTTP2Connections(t *testing.T) {
	// One HTTP/2 connection carries many streams: one that died silently
	// must be found and closed, not left to stall them all.
	h2 := gateway.NewTransport().HTTP2Config()
	if h2.SendPingTimeout != gateway.UpstreamPingAfter || h2.PingTimeout != gateway.UpstreamPingTimeout ||
		h2.WriteByteTimeout != gateway.UpstreamWriteTimeout || gateway.UpstreamPingAfter <= 0 {
		t.Errorf("HTTP/2 settings %+v", h2)
	}
}
