package gateway

import (
	"bufio"
	"compress/gzip"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
)

// acceptGzip is the Accept-Encoding of non-streamed Messages calls: their
// answers are JSON read whole, which gzip shrinks several times over the
// network; streams never ask (a decoder per open stream would cost ~40 KiB
// each, and compression makes an upstream hold events back).
var acceptGzip = []string{"gzip"}

// gunzipTransport decodes every upstream answer sent with
// Content-Encoding: gzip, asked for or not, so that the gateway classifies,
// checks, caches and forwards the JSON and SSE it reads as such, and a
// client gets it unencoded (the gateway never forwards Accept-Encoding). Go's
// own transport decodes only what it asked for itself; the gateway's does not
// ask (DisableCompression), and a WithTransport one may do either.
type gunzipTransport struct{ rt http.RoundTripper }

func (t gunzipTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.rt.RoundTrip(req)
	if err != nil || !gzipped(resp.Header) {
		return resp, err
	}
	resp.Body = &gunzipBody{src: resp.Body}
	resp.Header.Del("Content-Encoding")
	resp.Header.Del("Content-Length")
	resp.ContentLength = -1
	resp.Uncompressed = true
	return resp, nil
}

// gzipped reports whether h says the body is gzip-encoded (and nothing else).
func gzipped(h http.Header) bool {
	vv := h["Content-Encoding"]
	if len(vv) != 1 {
		return false
	}
	v := strings.TrimSpace(vv[0])
	return strings.EqualFold(v, "gzip") || strings.EqualFold(v, "x-gzip")
}

// decoder is a gzip decoder with its input buffer, pooled: together about
// 45 KiB (the 32 KiB window, the Huffman tables, a 4 KiB buffer).
type decoder struct {
	br *bufio.Reader
	zr gzip.Reader
}

var decoders = sync.Pool{New: func() any { return &decoder{br: bufio.NewReaderSize(nil, 4<<10)} }}

// errBodyClosed is returned by a Read after Close.
var errBodyClosed = errors.New("gateway: read on a closed upstream body")

// gunzipBody decodes src. Its decoder is taken from the pool at the first
// Read (a bad gzip header is then a read error, as a cut body is) and given
// back at Close. Close may be called while a Read waits: it closes src first,
// which ends the Read.
type gunzipBody struct {
	src    io.ReadCloser
	mu     sync.Mutex
	d      *decoder
	err    error
	closed bool
}

func (b *gunzipBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.closed:
		return 0, errBodyClosed
	case b.err != nil:
		return 0, b.err
	case b.d == nil:
		b.d = decoders.Get().(*decoder)
		b.d.br.Reset(b.src)
		if err := b.d.zr.Reset(b.d.br); err != nil {
			b.err = err
			return 0, err
		}
	}
	n, err := b.d.zr.Read(p)
	if err != nil {
		b.err = err
	}
	return n, err
}

func (b *gunzipBody) Close() error {
	err := b.src.Close()
	b.mu.Lock()
	if b.d != nil {
		b.d.br.Reset(nil) // do not keep the body reachable from the pool
		decoders.Put(b.d)
		b.d = nil
	}
	b.closed = true
	b.mu.Unlock()
	return err
}
