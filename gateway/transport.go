package gateway

import (
	"crypto/tls"
	"net"
	"net/http"
	"sync"
	"time"
)

// Health checks of an HTTP/2 upstream connection (NewTransport). Over HTTP/2
// one connection carries up to ~100–250 streams, so a connection that died
// without a close (a NAT or load balancer that dropped it) would stall all
// of them and every new call given to it: it is pinged once nothing arrived
// for UpstreamPingAfter and closed when the answer does not come within
// UpstreamPingTimeout, or when a write makes no progress for
// UpstreamWriteTimeout. Its streams then fail as cuts and new calls go to a
// new connection.
const (
	UpstreamPingAfter    = 10 * time.Second
	UpstreamPingTimeout  = 5 * time.Second
	UpstreamWriteTimeout = 10 * time.Second
)

// Transport is the gateway's upstream round tripper (NewTransport). It
// speaks HTTP/2 over TLS where the upstream offers it, as the Anthropic API
// does, and HTTP/1.1 otherwise.
//
// To a host that has answered over HTTP/2 it opens one new connection at a
// time. net/http's HTTP/2 client, left alone, dials a connection for every
// call that arrives while its connections are full (each has the server's
// stream limit, 100–250) and closes all but one once their TLS handshakes
// are done: a burst of new streams became a burst of handshakes and of
// file descriptors (2,800 upstream connections for 10,000 streams opened at
// ~500/s, where 40 carry them; bench streams --tls). Calls to a host not
// known to speak HTTP/2 (a first call, plain http://, an HTTP/1.1 server)
// keep one connection each, without limit; a host that answers over
// HTTP/1.1 again is moved back there.
type Transport struct {
	any  *http.Transport // HTTP/1.1 or HTTP/2, as negotiated; no limit
	h2   *http.Transport // the same, one dial at a time per host
	mu   sync.RWMutex
	over map[string]bool // scheme://host known to speak HTTP/2
}

// NewTransport returns the upstream transport the gateway uses unless given
// one (WithTransport): HTTP/2 over TLS where offered, with one dial at a time
// per HTTP/2 host (see Transport), so that an open stream costs the gateway
// no upstream file descriptor and no goroutine of its own beyond the one the
// HTTP/2 client keeps per call; HTTP/1.1 otherwise; the system's trusted
// roots (on Linux SSL_CERT_FILE replaces them: bench trusts its test
// certificate that way); keep-alive, 1,024 idle connections (256 per host);
// health checks of HTTP/2 connections (UpstreamPingAfter); no transparent
// compression (the gateway asks for gzip itself where it pays and decodes
// every gzip answer, whatever the transport); 4 KiB buffers. bench's bare
// proxy uses it too, so that the floor it measures against is tuned the
// same way.
func NewTransport() *Transport { return newTransport(nil) }

// newTransport is NewTransport with a TLS configuration (nil: the
// default, the system's roots).
func newTransport(tlsConfig *tls.Config) *Transport {
	h2 := newHTTPTransport(tlsConfig)
	// For HTTP/2 this bounds the dials in progress, not the connections
	// (net/http counts an HTTP/2 connection out again when it is full).
	h2.MaxConnsPerHost = 1
	return &Transport{any: newHTTPTransport(tlsConfig), h2: h2, over: map[string]bool{}}
}

func newHTTPTransport(tlsConfig *tls.Config) *http.Transport {
	return &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		DialContext: (&net.Dialer{
			Timeout:   10 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		TLSClientConfig: tlsConfig,
		// A custom DialContext or TLS configuration turns HTTP/2 off
		// unless asked for.
		ForceAttemptHTTP2: true,
		HTTP2: &http.HTTP2Config{
			SendPingTimeout:  UpstreamPingAfter,
			PingTimeout:      UpstreamPingTimeout,
			WriteByteTimeout: UpstreamWriteTimeout,
		},
		MaxIdleConns:          1024,
		MaxIdleConnsPerHost:   256,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		// The gateway decides where to ask for gzip (non-streamed
		// Messages calls) and decodes it itself: no transparent gzip.
		DisableCompression: true,
		// Buffers stay at the 4 KiB default: over HTTP/1.1 a stream holds
		// its connection for minutes (DESIGN §12).
	}
}

// RoundTrip sends req over HTTP/2 with one dial at a time when its host is
// known to speak it, else as negotiated; it learns from the answer's
// protocol which way the next call to the host goes.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	key := req.URL.Scheme + "://" + req.URL.Host
	t.mu.RLock()
	h2 := t.over[key]
	t.mu.RUnlock()
	rt := t.any
	if h2 {
		rt = t.h2
	}
	resp, err := rt.RoundTrip(req)
	if err == nil && (resp.ProtoMajor == 2) != h2 {
		t.mu.Lock()
		if resp.ProtoMajor == 2 {
			t.over[key] = true
		} else {
			delete(t.over, key)
		}
		t.mu.Unlock()
	}
	return resp, err
}

// CloseIdleConnections closes the idle connections of both ways.
func (t *Transport) CloseIdleConnections() {
	t.any.CloseIdleConnections()
	t.h2.CloseIdleConnections()
}

// HTTP2Config returns the HTTP/2 settings every connection uses.
func (t *Transport) HTTP2Config() http.HTTP2Config { return *t.any.HTTP2 }
