package gateway_test

import (
	"crypto/x509"
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

// tlsSim serves a simulator over TLS with HTTP/2 enabled, as the real API is
// served, and returns it with a NewTransport that trusts its certificate.
// conns counts the connections the simulator accepted.
func tlsSim(t *testing.T, conns *atomic.Int64, opts ...sim.Option) (*sim.Server, string, *http.Transport) {
	t.Helper()
	s := sim.New(append([]sim.Option{sim.WithSeed(7)}, opts...)...)
	hs := httptest.NewUnstartedServer(s)
	hs.EnableHTTP2 = true
	hs.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			conns.Add(1)
		}
	}
	hs.StartTLS()
	t.Cleanup(func() { s.Close(); hs.Close() })
	pool := x509.NewCertPool()
	pool.AddCert(hs.Certificate())
	tr := gateway.NewTransport()
	tr.TLSClientConfig = hs.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
	tr.TLSClientConfig.RootCAs = pool
	t.Cleanup(tr.CloseIdleConnections)
	return s, hs.URL, tr
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
	if n := conns.Load(); n != 1 {
		t.Errorf("%d upstream connections, want the one, shared", n)
	}
}

func TestNewTransportHealthChecksItsHTTP2Connections(t *testing.T) {
	// One HTTP/2 connection carries many streams: one that died silently
	// must be found and closed, not left to stall them all.
	h2 := gateway.NewTransport().HTTP2
	if h2 == nil || h2.SendPingTimeout != gateway.UpstreamPingAfter || h2.PingTimeout != gateway.UpstreamPingTimeout ||
		h2.WriteByteTimeout != gateway.UpstreamWriteTimeout || gateway.UpstreamPingAfter <= 0 {
		t.Errorf("HTTP/2 settings %+v", h2)
	}
}
