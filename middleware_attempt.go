package bulwark

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sync"

	"github.com/anthropics/anthropic-sdk-go/v2/option"

	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/internal/jsonscan"
	"github.com/bulwarkhq/bulwark/internal/redact"
	"github.com/bulwarkhq/bulwark/internal/watch"
	"github.com/bulwarkhq/bulwark/sse"
	"github.com/bulwarkhq/bulwark/taxonomy"
)

// maxErrorBody bounds an upstream error body read to classify it: 1 MiB.
// maxHeld bounds the events held back before a stream's commit point: 4 MiB.
const (
	maxErrorBody = 1 << 20
	maxHeld      = 4 << 20
)

// errHeldTooLarge fails a stream attempt whose events before the commit
// point exceed maxHeld.
var errHeldTooLarge = errors.New("bulwark: stream events before the first token exceed 4 MiB")

// mwCall is one Messages request through the middleware: its attempts
// (whole, stream) and its answer (respond). Attempts may run at once under
// WithHedge: what they share is read-only or behind mu.
type mwCall struct {
	m    *middleware
	req  *http.Request
	next option.MiddlewareNext
	body []byte
	f    jsonscan.Request

	mu     sync.Mutex
	bodies map[string][]byte // the body per model, built on first use
	red    *redact.Redactor  // the request's credentials, built on first use
}

// bodyFor returns the request body with its top-level "model" set to model,
// every other byte as the caller sent it.
func (c *mwCall) bodyFor(model string) []byte {
	if model == c.f.Model {
		return c.body
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if b, ok := c.bodies[model]; ok {
		return b
	}
	head, q, tail := c.f.ReplaceModel(c.body, jsonscan.AppendString(nil, model))
	b := make([]byte, 0, len(head)+len(q)+len(tail))
	b = append(append(append(b, head...), q...), tail...)
	if c.bodies == nil {
		c.bodies = make(map[string][]byte, len(c.m.chain.Models))
	}
	c.bodies[model] = b
	return b
}

// redactor returns a redactor of the request's own credentials (x-api-key,
// a bearer token), so that an upstream that echoes one back in an error
// message does not put it in bulwark's logs.
func (c *mwCall) redactor() *redact.Redactor {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.red == nil {
		c.red = redact.New(redact.Credentials(c.req.Header)...)
	}
	return c.red
}

// failure is what an attempt that got no complete answer saw, with the
// request's credentials out of its error's text.
func (c *mwCall) failure(parent, actx context.Context, err error) taxonomy.Result {
	return resultOf(parent, actx, c.redactor().Error(err))
}

// mwReply is what one attempt brought back: an HTTP response whose body is
// read whole (an answer, or an error to pass back), or a committed stream
// (live, which is resp's body).
type mwReply struct {
	resp *http.Response
	live *liveBody
}

// release frees a reply the caller does not get: a committed stream's
// upstream call is ended.
func (r *mwReply) release() {
	if r != nil && r.live != nil {
		_ = r.live.Close()
	}
}

// whole makes one non-streamed attempt and reads its answer.
func (c *mwCall) whole(ctx context.Context, a engine.Attempt) (*mwReply, taxonomy.Result) {
	actx, cancel := context.WithTimeout(ctx, a.Timeout)
	defer cancel()
	resp, err := c.next(withBody(c.req, actx, c.bodyFor(a.Model)))
	if err != nil {
		closeResponse(resp)
		return nil, c.failure(ctx, actx, err)
	}
	return c.readWhole(ctx, actx, resp, true)
}

// closeResponse closes the body of resp, if any.
func closeResponse(resp *http.Response) {
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
}

// readWhole reads and classifies a whole answer, kept as the reply with its
// body buffered (none when the body could not be read, or, with checkJSON, a
// 2xx body is not JSON).
func (c *mwCall) readWhole(parent, actx context.Context, resp *http.Response, checkJSON bool) (*mwReply, taxonomy.Result) {
	ok := resp.StatusCode >= 200 && resp.StatusCode < 300
	src := resp.Body
	if !ok {
		src = io.NopCloser(io.LimitReader(resp.Body, maxErrorBody))
	}
	b, err := io.ReadAll(src)
	resp.Body.Close()
	res := taxonomy.Result{Status: resp.StatusCode, Header: resp.Header}
	if err != nil {
		r := c.failure(parent, actx, err)
		r.Status, r.Header = res.Status, res.Header
		return nil, r
	}
	if ok && checkJSON && !jsonscan.Valid(b) {
		res.Err = taxonomy.ErrMalformed
		return nil, res
	}
	if !ok {
		res.ErrorType, res.Message = parseAPIError(b)
		res.Message = c.redactor().Text(res.Message)
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	resp.ContentLength = int64(len(b))
	return &mwReply{resp: resp}, res
}

// parseAPIError reads error.type and error.message from an Anthropic error
// body (or an SSE error event's data); empty when it is not one.
func parseAPIError(b []byte) (errType, message string) {
	var e struct {
		Error struct {
			Type    string `json:"type"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(b, &e) != nil {
		return "", ""
	}
	return e.Error.Type, e.Error.Message
}

// stream makes one streamed attempt and reads it up to its commit point
// (sse.CommitPoint), watched by the first-token bound; there the reply is
// the live stream, which the SDK reads on from the events held back.
func (c *mwCall) stream(ctx context.Context, a engine.Attempt) (*mwReply, taxonomy.Result) {
	sctx, cancel := context.WithCancel(ctx)
	w := watch.New(c.m.eng.Clock(), watch.FirstTokenBound(a.Timeout, c.m.profile.FirstTokenTimeout), c.m.profile.IdleTimeout, cancel)
	resp, err := c.next(withBody(c.req, sctx, c.bodyFor(a.Model)))
	if err != nil {
		w.Stop()
		cancel()
		closeResponse(resp)
		return nil, c.failure(ctx, sctx, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		rep, res := c.readWhole(ctx, sctx, resp, false)
		w.Stop()
		cancel()
		return rep, res
	}
	rd := sse.NewReader(resp.Body)
	var held []byte
	fail := func(r taxonomy.Result) (*mwReply, taxonomy.Result) {
		w.Stop()
		cancel()
		resp.Body.Close()
		r.Status, r.Header = resp.StatusCode, resp.Header
		return nil, r
	}
	for {
		ev, err := rd.Next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF // the stream ended before its first token
			}
			return fail(c.failure(ctx, sctx, err))
		}
		if string(ev.Name) == "error" {
			errType, msg := parseAPIError(ev.Data)
			msg = c.redactor().Text(msg)
			return fail(taxonomy.Result{StreamError: true, ErrorType: errType, Message: msg})
		}
		if len(ev.Data) > 0 && !jsonscan.Valid(ev.Data) {
			return fail(taxonomy.Result{Err: taxonomy.ErrMalformed})
		}
		if len(held)+len(ev.Raw) > maxHeld {
			return fail(taxonomy.Result{Err: errHeldTooLarge})
		}
		held = append(held, ev.Raw...)
		if !sse.CommitPoint(ev.Name, ev.Data) {
			continue
		}
		if !w.Commit() { // the first-token timer fired as the token came
			return fail(taxonomy.Result{TimedOut: true, Err: context.DeadlineExceeded})
		}
		live := &liveBody{rd: rd, up: resp.Body, out: held, watch: w, cancel: cancel, parent: ctx, sctx: sctx,
			stopped: string(ev.Name) == "message_stop"}
		resp.Body, resp.ContentLength = live, -1
		return &mwReply{resp: resp, live: live}, taxonomy.Result{Status: resp.StatusCode, Header: resp.Header, Committed: true}
	}
}
