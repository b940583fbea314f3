package gateway

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/internal/jsonscan"
	"github.com/bulwarkhq/bulwark/internal/redact"
	"github.com/bulwarkhq/bulwark/taxonomy"
	"github.com/bulwarkhq/bulwark/tracing"
	"go.opentelemetry.io/otel/trace"
)

// maxErrorBody bounds an upstream error body read to classify it: 1 MiB.
const maxErrorBody = 1 << 20

// errTooLarge marks an upstream answer over the size the gateway reads whole.
var errTooLarge = errors.New("upstream answer too large")

// upstream makes the attempts of one exchange (the upstream role): it
// builds each call from the inbound request, sends it through the Server's
// transport with every secret redacted from what comes back (redact.go),
// and reads the answer up to what the engine classifies — whole
// (attemptWhole), to the commit point (attemptStream) or to the headers
// (passthrough.go) — returning it as the attempt's reply.
type upstream struct {
	s *Server
	*inbound
	// rec is told about the usage of attempts thrown away.
	rec      *record
	upHeader http.Header
	red      *redact.Redactor // see redactor()
}

// concurrent readies up for attempts made at once (a hedge and the one it
// hedged, engine.Hedge): what the attempts would otherwise build on first
// use — the redactor and the default upstream's headers — is built now.
func (up *upstream) concurrent() {
	up.redactor()
	if up.upHeader == nil {
		up.upHeader = up.upstreamHeaders()
	}
}

// forwardedHeaders are the client's headers that go upstream, without
// credentials.
func (up *upstream) forwardedHeaders() http.Header {
	h := make(http.Header, 8)
	for k, vv := range up.r.Header {
		if forwarded(k) {
			h[k] = vv
		}
	}
	return h
}

// upstreamHeaders builds the headers of every call of this request to the
// default upstream.
func (up *upstream) upstreamHeaders() http.Header {
	h := up.forwardedHeaders()
	switch {
	case up.s.set.apiKey != "":
		h["X-Api-Key"] = []string{up.s.set.apiKey}
	case up.s.clients == nil:
		// No upstream key: the client's own credentials go through.
		if v, ok := up.r.Header["X-Api-Key"]; ok {
			h["X-Api-Key"] = v
		}
		if v, ok := up.r.Header["Authorization"]; ok {
			h["Authorization"] = v
		}
	}
	if up.r.Method != http.MethodGet && up.r.Method != http.MethodHead && h.Get("Content-Type") == "" {
		h["Content-Type"] = []string{"application/json"}
	}
	return h
}

// forwarded reports whether a client request header goes upstream.
func forwarded(k string) bool {
	switch k {
	case "Content-Type", "Accept", "User-Agent":
		return true
	}
	return strings.HasPrefix(k, "Anthropic-") || strings.HasPrefix(k, "X-Stainless-")
}

// bodyReader serves a request body from up to three byte slices (the parts
// around a rewritten model), so that a rewrite copies nothing.
type bodyReader struct {
	parts [3][]byte
	i     int
}

func (b *bodyReader) Read(p []byte) (int, error) {
	n := 0
	for b.i < len(b.parts) && n < len(p) {
		c := copy(p[n:], b.parts[b.i])
		n += c
		b.parts[b.i] = b.parts[b.i][c:]
		if len(b.parts[b.i]) == 0 {
			b.i++
		}
	}
	if n == 0 && b.i >= len(b.parts) {
		return 0, io.EOF
	}
	return n, nil
}

// WriteTo lets the transport write the parts without an intermediate copy.
func (b *bodyReader) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for ; b.i < len(b.parts); b.i++ {
		if len(b.parts[b.i]) == 0 {
			continue
		}
		n, err := w.Write(b.parts[b.i])
		total += int64(n)
		b.parts[b.i] = b.parts[b.i][n:]
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

func (b *bodyReader) Close() error { return nil }

// bodyFor returns the request body for model: the client's bytes, with the
// top-level "model" value replaced when model differs from it.
func (up *upstream) bodyFor(model string) (io.ReadCloser, int64) {
	n := int64(len(up.body))
	if n == 0 {
		return http.NoBody, 0
	}
	br := &bodyReader{}
	if !up.f.ModelIsString || model == up.f.Model || model == "" {
		br.parts[0] = up.body
		return br, n
	}
	q := up.chain.quoted[model]
	if q == nil {
		q = jsonscan.AppendString(nil, model)
	}
	br.parts[0], br.parts[1], br.parts[2] = up.f.ReplaceModel(up.body, q)
	return br, int64(len(br.parts[0]) + len(br.parts[1]) + len(br.parts[2]))
}

// newRequest builds one upstream request.
func (up *upstream) newRequest(ctx context.Context, method string, u *url.URL, model string) *http.Request {
	body, n := up.bodyFor(model)
	if up.upHeader == nil {
		up.upHeader = up.upstreamHeaders()
	}
	req := &http.Request{
		Method:        method,
		URL:           u,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        up.upHeader,
		Body:          body,
		ContentLength: n,
		Host:          u.Host,
	}
	return req.WithContext(ctx)
}

// failureOf classifies an attempt that got no complete answer: the caller
// gave up (parent done), the attempt's own time ran out, or the network failed.
func failureOf(parent, attempt context.Context, err error, timedOut bool) taxonomy.Result {
	switch {
	case parent.Err() != nil:
		return taxonomy.Result{Canceled: true, Err: err}
	case timedOut || attempt.Err() != nil:
		return taxonomy.Result{TimedOut: true, Err: err}
	}
	return taxonomy.Result{Err: err}
}

// readAll reads resp's body into buf, failing past limit bytes.
func readAll(buf *bytes.Buffer, resp *http.Response, limit int64) error {
	if n := resp.ContentLength; n > limit {
		return fmt.Errorf("%w: %d bytes", errTooLarge, n)
	} else if n > 0 {
		buf.Grow(int(n))
	}
	_, err := buf.ReadFrom(io.LimitReader(resp.Body, limit+1))
	if err == nil && int64(buf.Len()) > limit {
		return errTooLarge
	}
	return err
}

// attemptWhole makes one non-streamed Messages call and reads its answer.
func (up *upstream) attemptWhole(ctx context.Context, a engine.Attempt) (reply, taxonomy.Result) {
	actx, cancel := context.WithTimeout(ctx, a.Timeout)
	defer cancel()
	req, p, err := up.messagesRequest(actx, a)
	if err != nil {
		return reply{}, attemptFailure(err)
	}
	if up.s.tracer != nil {
		tracing.RecordServer(trace.SpanFromContext(ctx), req.URL)
	}
	req.Header["Accept-Encoding"] = acceptGzip // the exchange's header: every call of it is non-streamed
	resp, err := up.roundTrip(req)
	if err != nil {
		return reply{}, failureOf(ctx, actx, err, false)
	}
	resp = p.translate(resp, false)
	return up.readAnswer(ctx, actx, resp, a.Model, up.s.set.maxResponse, true)
}

// readAnswer reads and classifies a whole upstream answer, which it returns
// as the attempt's reply (none when the body could not be read, or a 2xx
// body is malformed). When checkJSON is set, a 2xx body that is not JSON is
// malformed.
func (up *upstream) readAnswer(parent, actx context.Context, resp *http.Response, model string, limit int64, checkJSON bool) (reply, taxonomy.Result) {
	ok := resp.StatusCode >= 200 && resp.StatusCode < 300
	if !ok {
		limit = min(limit, maxErrorBody)
	}
	buf := getBuf()
	err := readAll(buf, resp, limit)
	resp.Body.Close()
	res := taxonomy.Result{Status: resp.StatusCode, Header: resp.Header}
	if err != nil {
		putBuf(buf)
		r := failureOf(parent, actx, err, false)
		r.Status, r.Header = res.Status, res.Header
		return reply{}, r
	}
	up.redactor().Buffer(buf)
	a := &upstreamAnswer{status: resp.StatusCode, header: resp.Header, body: buf, model: model}
	if ok {
		// One pass: the check and what the observer wants (DESIGN §11).
		var scan jsonscan.Response
		if !jsonscan.ScanResponse(buf.Bytes(), &scan) && checkJSON {
			putBuf(buf)
			res.Err = taxonomy.ErrMalformed
			return reply{}, res
		}
		if up.s.obs != nil {
			a.usage, a.hasUsage = jsonscan.DecodeUsage(scan.Usage)
		}
		if up.s.tracer != nil && checkJSON {
			tracing.RecordMessage(trace.SpanFromContext(parent), buf.Bytes())
		}
	} else {
		res.ErrorType, res.Message = parseError(buf.Bytes())
	}
	return reply{whole: a}, res
}

// scanEvent checks one stream event's data in one pass, leaving in scan
// where its usage is: false when the data is there but is not JSON.
func scanEvent(data []byte, scan *jsonscan.Response) bool {
	if len(data) == 0 {
		*scan = jsonscan.Response{}
		return true
	}
	return jsonscan.ScanResponse(data, scan)
}
