package gateway

import (
	"net"
	"net/http"
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

// NewTransport returns the upstream transport the gateway uses unless given
// one (WithTransport): HTTP/2 over TLS, as the Anthropic API speaks it (one
// connection multiplexes many streams, so an open stream costs the gateway
// no upstream file descriptor and no goroutine of its own beyond the one the
// HTTP/2 client keeps per request), HTTP/1.1 otherwise; the system's trusted
// roots (on Linux SSL_CERT_FILE replaces them: bench trusts its test
// certificate that way); keep-alive, 1,024 idle connections (256 per host);
// health checks of HTTP/2 connections (UpstreamPingAfter); no transparent
// compression (the gateway asks for gzip itself where it pays and decodes
// every gzip answer, whatever the transport); 4 KiB buffers. bench's bare
// proxy uses it too, so that the floor it measures against is tuned the
// same way.
func NewTransport() *http.Transport {
	return &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		DialContext: (&net.Dialer{
			Timeout:   10 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		// A custom DialContext turns HTTP/2 off unless asked for.
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
