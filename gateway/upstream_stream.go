package gateway

import (
	"context"
	"errors"
	"io"
	"net/http"

	"github.com/bulwarkhq/bulwark/catalog"
	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/internal/jsonscan"
	"github.com/bulwarkhq/bulwark/internal/watch"
	"github.com/bulwarkhq/bulwark/sse"
	"github.com/bulwarkhq/bulwark/taxonomy"
	"github.com/bulwarkhq/bulwark/tracing"
	"go.opentelemetry.io/otel/trace"
)

// attemptStream makes one streamed Messages call and reads it up to the
// commit point (DESIGN §5, sse.CommitPoint): the first content_block_delta
// that carries content, or message_stop. Until then every failure — an error
// status, an SSE error event, a cut, the first-token timeout — is reported to
// the engine and the client sees none of it. At the commit point the stream
// is the attempt's reply and the attempt succeeds as Committed: the attempt's
// timeout no longer applies, and its breaker permit is settled when the
// stream ends (forwardStream).
func (up *upstream) attemptStream(ctx context.Context, a engine.Attempt) (reply, taxonomy.Result) {
	sctx, cancel := context.WithCancel(ctx)
	w := watch.New(up.s.eng.Clock(), watch.FirstTokenBound(a.Timeout, up.profile.FirstTokenTimeout),
		up.profile.IdleTimeout, cancel)
	req, p, err := up.messagesRequest(sctx, a)
	if err != nil {
		w.Stop()
		cancel()
		return reply{}, attemptFailure(err)
	}
	if up.s.tracer != nil {
		tracing.RecordServer(trace.SpanFromContext(ctx), req.URL)
	}
	resp, err := up.roundTrip(req)
	if err != nil {
		w.Stop()
		cancel()
		return reply{}, failureOf(ctx, sctx, err, w.Expired() == watch.FirstToken)
	}
	resp = p.translate(resp, true)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		rep, res := up.readAnswer(ctx, sctx, resp, a.Model, maxErrorBody, false)
		w.Stop()
		cancel()
		if w.Expired() == watch.FirstToken && res.Err != nil {
			res.TimedOut = true
		}
		return rep, res
	}
	return up.readToCommit(ctx, sctx, cancel, w, a, resp)
}

// readToCommit reads the 2xx stream resp of attempt a up to its commit point,
// holding its events back, and returns the live stream there. A failure
// before it (a cut, an SSE error event, a malformed or oversized event, the
// first-token timeout) ends the attempt: w stopped, cancel called, resp
// closed. ctx is the attempt's context; sctx, under it, the upstream call's,
// which cancel ends.
func (up *upstream) readToCommit(ctx, sctx context.Context, cancel context.CancelFunc, w *watch.Watcher,
	a engine.Attempt, resp *http.Response) (reply, taxonomy.Result) {
	rd := getReader()
	rd.Reset(resp.Body)
	held := getBuf()
	events := 0
	// message_start's usage becomes the answer's only if this attempt
	// commits: a failed attempt's tokens must not be counted as answered.
	var startU catalog.Usage
	var hasStartU bool
	fail := func(r taxonomy.Result) (reply, taxonomy.Result) {
		if hasStartU { // the upstream started, so its input was billed: thrown away
			up.rec.discard(a.Model, startU)
		}
		w.Stop()
		cancel()
		resp.Body.Close()
		putReader(rd)
		putBuf(held)
		r.Status, r.Header = resp.StatusCode, resp.Header
		return reply{}, r
	}
	var scan jsonscan.Response
	for {
		ev, err := rd.Next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF // ended before its first token
			}
			r := failureOf(ctx, sctx, err, w.Expired() == watch.FirstToken)
			return fail(r)
		}
		if !scanEvent(ev.Data, &scan) {
			return fail(taxonomy.Result{Err: taxonomy.ErrMalformed})
		}
		switch string(ev.Name) {
		case "error":
			errType, msg := parseError(up.redactor().Bytes(ev.Data))
			_, res := fail(taxonomy.Result{StreamError: true, ErrorType: errType, Message: msg})
			return reply{whole: &upstreamAnswer{status: resp.StatusCode, header: resp.Header, model: a.Model,
				errType: errType, message: msg}}, res
		case "message_start":
			if up.s.obs != nil {
				startU, hasStartU = jsonscan.DecodeUsage(scan.MessageUsage)
			}
			if up.s.tracer != nil {
				tracing.RecordEvent(trace.SpanFromContext(ctx), "message_start", ev.Data)
			}
		}
		if held.Len()+len(ev.Raw) > maxHeld {
			return fail(taxonomy.Result{Err: errHeldTooLarge})
		}
		held.Write(ev.Raw)
		events++
		if !sse.CommitPoint(ev.Name, ev.Data) {
			continue
		}
		if !w.Commit() { // the first-token timeout fired as the token came
			return fail(taxonomy.Result{TimedOut: true, Err: context.DeadlineExceeded})
		}
		live := &liveStream{resp: resp, rd: rd, held: held, cancel: cancel, watch: w, model: a.Model,
			events: events, stopped: string(ev.Name) == "message_stop", usage: startU, hasUsage: hasStartU}
		if up.s.tracer != nil {
			live.span = trace.SpanFromContext(ctx)
		}
		return reply{live: live}, taxonomy.Result{Status: resp.StatusCode, Header: resp.Header, Committed: true}
	}
}
