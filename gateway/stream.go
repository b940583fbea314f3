package gateway

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/bulwarkhq/bulwark/catalog"
	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/internal/jsonscan"
	"github.com/bulwarkhq/bulwark/internal/watch"
	"github.com/bulwarkhq/bulwark/sse"
	"github.com/bulwarkhq/bulwark/taxonomy"
	"github.com/bulwarkhq/bulwark/tracing"
	"go.opentelemetry.io/otel/trace"
)

// maxHeld bounds the events held back before the commit point: 4 MiB.
const maxHeld = 4 << 20

// errHeldTooLarge: the upstream sent too much before its first token.
var errHeldTooLarge = errors.New("too many bytes before the first token")

// liveStream is an upstream answer that is being forwarded as it arrives: a
// committed SSE stream (rd set) or a 2xx passthrough body.
type liveStream struct {
	resp   *http.Response
	rd     *sse.Reader
	held   *bytes.Buffer // events up to and including the commit event
	cancel context.CancelFunc
	// watch bounds the waits for events after the commit (idle timeout).
	watch *watch.Watcher
	model string
	// events is the number of held events.
	events int
	// stopped is set when message_stop was among the held events.
	stopped bool
	// usage is message_start's usage, when hasUsage (read only when an
	// observer wants it): the answer's once the stream is forwarded.
	usage    catalog.Usage
	hasUsage bool
	// span is the attempt's span, which lasts until the stream ends
	// (engine.Pending); nil when the Server has no tracer.
	span trace.Span
}

func (l *liveStream) close() {
	l.watch.Stop()
	l.cancel()
	l.resp.Body.Close()
	putReader(l.rd)
	putBuf(l.held)
	l.rd, l.held = nil, nil
}

// forwardStream sends a committed stream to the client: the held events,
// then every event as it arrives, flushed one by one. A gap longer than the
// profile's idle timeout, a cut or the end of a shutdown's grace ends the
// stream with an SSE error event, never a silent clean close; a client that
// hangs up cancels the upstream at once (its context is the request's). The
// stream's breaker permit is settled once, here, by how the stream ended.
func (x *exchange) forwardStream(out *outcome) {
	// The loop below waits for upstream events for the whole life of the
	// stream on the connection's goroutine: it keeps its frame small
	// (sendHeld and upstreamStreamError are apart), so that the garbage
	// collector can halve a grown goroutine stack (DESIGN §12).
	l := out.Answer.live
	rc := x.sendHeld(&out.Report, l)
	if rc == nil {
		return
	}
	var shutdown atomic.Bool
	untrack := x.s.cut.track(func() { shutdown.Store(true); l.cancel() })
	defer untrack()
	defer l.watch.Stop()
	idle := x.profile.IdleTimeout
	var scan jsonscan.Response
	for {
		l.watch.Await()
		ev, err := l.rd.Next()
		l.watch.Arrived()
		if err != nil {
			x.streamFailed(rc, l, err, endOf(shutdown.Load(), l.watch.Expired() == watch.Stall, err), idle)
			return
		}
		if !scanEvent(ev.Data, &scan) {
			x.streamFailed(rc, l, taxonomy.ErrMalformed, "malformed", idle)
			return
		}
		if string(ev.Name) == "error" {
			x.upstreamStreamError(rc, l, ev)
			return
		}
		// Flush per burst: when the next event is already here, it goes out
		// in the same flush, so nothing waits and fewer writes are made.
		if !x.send(rc, ev.Raw, !l.rd.Ready()) {
			x.clientGone()
			return
		}
		x.events++
		switch string(ev.Name) {
		case "message_delta":
			if x.s.obs != nil {
				if u, ok := jsonscan.DecodeUsage(scan.Usage); ok {
					x.usage.OutputTokens = u.OutputTokens
				}
			}
			if l.span != nil {
				tracing.RecordEvent(l.span, "message_delta", ev.Data)
			}
		case "message_stop":
			x.streamComplete(l)
			return
		}
	}
}

// sendHeld writes a committed stream's status, headers and held events,
// then lets go of what the stream no longer needs. It returns nil when the
// stream ended there: the client went away, or message_stop was held.
func (x *exchange) sendHeld(out *engine.Report, l *liveStream) *http.ResponseController {
	x.usage, x.hasUsage = l.usage, l.hasUsage
	h := x.w.Header()
	copyHeaders(h, l.resp.Header)
	h.Del("Content-Length")
	x.setOutcomeHeaders(out)
	x.status = l.resp.StatusCode
	x.w.WriteHeader(l.resp.StatusCode)
	rc := http.NewResponseController(x.w)
	held := l.held.Bytes()
	x.events = l.events
	if !x.write(rc, held) {
		x.clientGone()
		return nil
	}
	x.firstByte = time.Since(x.start)
	// A stream may last minutes: what it no longer needs goes back now (the
	// held events, the request body; nothing is retried after the commit).
	putBuf(l.held)
	l.held = nil
	x.releaseBody()
	if l.stopped {
		x.streamComplete(l)
		return nil
	}
	return rc
}

// upstreamStreamError forwards the SSE error event an upstream sent after
// the commit point (its text redacted: it is the upstream's own) and ends
// the stream with it.
func (x *exchange) upstreamStreamError(rc *http.ResponseController, l *liveStream, ev sse.Event) {
	if !x.send(rc, x.redactor().Bytes(ev.Raw), !l.rd.Ready()) {
		x.clientGone()
		return
	}
	x.events++
	x.streamEnd = "upstream_error"
	errType, msg := parseError(x.redactor().Bytes(ev.Data))
	x.settle(taxonomy.Result{Status: l.resp.StatusCode, StreamError: true, ErrorType: errType, Message: msg})
	x.logf(slog.LevelWarn, "stream.upstream_error", slog.String("model", l.model),
		slog.String("error_type", errType), slog.Int("events", x.events), slog.Int64("bytes", x.sent))
}

// settle settles the breaker permit of the committed stream, if any (only the
// first call counts).
func (x *exchange) settle(res taxonomy.Result) {
	if x.out != nil {
		x.out.Pending.Settle(res)
	}
}

// streamComplete ends a stream that reached message_stop.
func (x *exchange) streamComplete(l *liveStream) {
	x.streamEnd = "complete"
	x.settle(taxonomy.Result{Status: l.resp.StatusCode})
	drain(l.resp.Body)
}

// clientGone ends a stream whose client went away: nothing is counted
// against the model.
func (x *exchange) clientGone() {
	x.streamEnd = "client_gone"
	x.settle(taxonomy.Result{Canceled: true})
}

// endOf names why a committed stream's read failed with err.
func endOf(shutdown, stalled bool, err error) string {
	switch {
	case shutdown:
		return "shutdown"
	case stalled:
		return "stalled"
	case errors.Is(err, sse.ErrEventTooLarge):
		return "malformed"
	}
	return "cut"
}

// streamFailed ends a committed stream that failed (why: "stalled",
// "malformed", "cut" or "shutdown") with an SSE error event, and settles its
// breaker permit through the decision table: a stall as a timeout, a cut or
// a malformed event as a network failure, a shutdown as nothing the model did.
func (x *exchange) streamFailed(rc *http.ResponseController, l *liveStream, err error, why string, idle time.Duration) {
	if x.ctx.Err() != nil {
		x.clientGone()
		return
	}
	x.streamEnd = why
	status := l.resp.StatusCode
	errType, res := "overloaded_error", taxonomy.Result{Status: status, Err: err}
	var msg string
	n := strconv.Itoa(x.events)
	switch why {
	case "stalled":
		errType, res = "timeout_error", taxonomy.Result{Status: status, TimedOut: true, Err: err}
		msg = "The upstream stream stalled: no event for " + idle.String() + " after " + n + " events."
	case "malformed":
		res.Err = taxonomy.ErrMalformed
		msg = "The upstream sent a malformed event after " + n + " events."
	case "shutdown":
		res = taxonomy.Result{Canceled: true}
		msg = "The gateway is shutting down: the stream was cut after " + n + " events."
	default:
		msg = "The upstream stream ended unexpectedly after " + n + " events."
	}
	x.settle(res)
	var b [512]byte
	ev := sse.AppendEvent(b[:0], "error", sse.AppendError(nil, errType, msg, ""))
	x.write(rc, ev)
	x.logf(slog.LevelWarn, "stream.stalled", slog.String("model", l.model), slog.String("why", x.streamEnd),
		slog.Int("events", x.events), slog.Int64("bytes", x.sent), slog.String("error", x.redactor().Text(err.Error())))
}

// drain reads what is left of a finished body (at most 4 KiB) so that its
// connection can be reused.
func drain(body io.Reader) {
	_, _ = io.CopyN(io.Discard, body, 4<<10)
}

// hopHeaders are not copied from an upstream response.
var hopHeaders = map[string]bool{
	"Connection": true, "Keep-Alive": true, "Proxy-Connection": true, "Transfer-Encoding": true,
	"Te": true, "Trailer": true, "Upgrade": true, "Content-Length": true,
}

// copyHeaders copies an upstream response's headers, except hop-by-hop ones
// and Content-Length (set by the gateway).
func copyHeaders(dst, src http.Header) {
	for k, vv := range src {
		if !hopHeaders[k] {
			dst[k] = vv
		}
	}
}
