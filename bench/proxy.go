package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/bulwarkhq/bulwark/gateway"
)

// NewUpstreamTransport returns the transport of the bare proxy: the
// gateway's own (gateway.NewTransport), so that both are tuned the same way.
func NewUpstreamTransport() *gateway.Transport { return gateway.NewTransport() }

// NewProxy returns the floor every gateway measurement is compared with: a
// bare httputil.ReverseProxy to upstream with no logic at all (no retries,
// no parsing, no headers added), a tuned transport (NewUpstreamTransport) and
// a pool of copy buffers. Server-sent events are flushed as they arrive
// (ReverseProxy does so for text/event-stream and for bodies of unknown
// length).
//
// One stock behaviour is worked around, because it cuts answers: the
// transport, having sent Content-Length bytes of the client's body, reads it
// once more to check that it ends, while the HTTP/1 server closes an unread
// request body as soon as the response starts (golang/go#40747, #15527). When
// the upstream answers before that last read — a stream with no token delay
// does — the read fails, the transport drops the upstream connection and the
// client's stream is cut (2–3% of streams here). The proxy therefore gives
// the transport a body that ends after Content-Length bytes by itself.
func NewProxy(upstream string) (http.Handler, error) {
	u, err := url.Parse(strings.TrimRight(upstream, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("upstream %q is not an http(s) URL", upstream)
	}
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(u)
			if n := pr.In.ContentLength; n > 0 && pr.Out.Body != nil {
				pr.Out.Body = &sizedBody{r: pr.In.Body, left: n}
			}
		},
		Transport:  NewUpstreamTransport(),
		BufferPool: bufferPool{},
		ErrorLog:   log.New(os.Stderr, "DBG ", 0),
	}, nil
}

var copyBuffers = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

type bufferPool struct{}

func (bufferPool) Get() []byte  { return *copyBuffers.Get().(*[]byte) }
func (bufferPool) Put(b []byte) { copyBuffers.Put(&b) }

// ServeProxy runs NewProxy(upstream) on addr until ctx is done, printing
// "listening on http://HOST:PORT" to stdout first. Its server has the
// gateway's timeouts (10 s to read headers, 60 s to read a request, 120 s
// idle) and no write timeout.
func ServeProxy(ctx context.Context, addr, upstream string, stdout io.Writer) error {
	h, err := NewProxy(upstream)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	hs := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	fmt.Fprintf(stdout, "listening on http://%s\n", ln.Addr())
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		_ = hs.Close()
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// sizedBody reads exactly left bytes of r, then reports io.EOF without
// reading r again. Closing it leaves r to its server.
type sizedBody struct {
	r    io.Reader
	left int64
}

func (b *sizedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	if err == io.EOF && b.left > 0 {
		err = io.ErrUnexpectedEOF
	} else if err == nil && b.left == 0 {
		err = io.EOF
	}
	return n, err
}

func (b *sizedBody) Close() error { return nil }
