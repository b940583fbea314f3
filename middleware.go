package bulwark

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/internal/jsonscan"
	"github.com/bulwarkhq/bulwark/internal/redact"
	"github.com/bulwarkhq/bulwark/internal/watch"
	"github.com/bulwarkhq/bulwark/sse"
	"github.com/bulwarkhq/bulwark/taxonomy"
)

// Middleware returns an SDK middleware that runs the Messages calls of an
// existing anthropic.Client through bulwark's engine — the one behind a
// Guard and the gateway: retries with backoff that honour retry-after, the
// error taxonomy (a 400 fails at once), fallback along the chain, a breaker
// per model, 429 cooldowns, the retry budget and the deadline. The calls
// themselves stay as they are:
//
//	client := anthropic.NewClient(
//		option.WithMiddleware(bulwark.Middleware(bulwark.WithChain("claude-sonnet-5-5", "claude-haiku-5-5"))),
//		option.WithMaxRetries(0), // optional: the middleware already stops the SDK's retries
//	)
//	msg, err := client.Messages.New(ctx, params)        // msg.Model: the model that answered
//	stream := client.Messages.NewStreaming(ctx, params) // falls back until its first token
//
// Every POST to a path ending in /v1/messages is one engine run: each
// attempt goes through the SDK's own next step (its HTTP client, auth and
// base URL) with the request's body re-sent, its "model" set to the tier's
// model. A streamed call (`"stream": true`) commits at its first content
// (DESIGN §5): until then a failure — an error status, an SSE error event,
// a cut, the first-token timeout — is retried or falls back unseen; after it
// the SDK reads the stream as it comes, its idle timeout still applies (a
// stall ends the body's read with [ErrStalled], a stream without
// message_stop with [ErrStreamCut]), and how it ends counts for or against
// its model's breaker. Other requests (count_tokens, models, batches, files)
// pass straight through, as do bodies the engine cannot read (not a JSON
// object, no string "model"), for the API to answer.
//
// The SDK retries failed calls on its own (2 retries by default). It never
// retries on top of bulwark: every error response the middleware returns
// carries x-should-retry: false, which the SDK honours; the middleware
// returns an error (no response) only when the caller's context is done.
// When no tier answered the response is:
//
//   - the request's fault (Rejected: a 400, 401, 413, ...): the upstream's
//     error response as it came;
//   - every tier failed or the deadline ran out: the gateway's answer
//     (engine.FailureOf), an Anthropic-shaped error of bulwark's own — 429
//     rate_limit_error with retry-after when rate limiting kept every tier
//     from answering, 504 timeout_error when the deadline ran out, 529
//     overloaded_error when the last failure was an overload, else 503 —
//     except that a last tier failing with a retired model's 404 or a
//     credit balance 400 passes the upstream's own answer back.
//
// The SDK turns each into an *anthropic.Error, as it would the API's own.
// The chain's "static" tier is not served (the SDK wants a model's
// message): a chain's last model failing is an error. The options that
// shape a Guard's own client — WithAPIKey, WithBaseURL, WithHTTPClient,
// WithRequestOptions — do nothing here (the client's own are used), and
// WithUpstream deployments (MODEL@NAME) are refused. The returned
// middleware holds its own breakers and retry budget: make it once and
// share it, as a Guard. Middleware panics when the options are invalid
// (the error NewMiddleware returns), as regexp.MustCompile does.
func Middleware(opts ...Option) option.Middleware {
	m, err := NewMiddleware(opts...)
	if err != nil {
		panic(err)
	}
	return m
}

// NewMiddleware is Middleware returning the options' error instead of
// panicking: a chain the rules refuse (see WithChain), or one that names a
// deployment of another upstream.
func NewMiddleware(opts ...Option) (option.Middleware, error) {
	s := defaultSettings()
	for _, o := range opts {
		o(&s)
	}
	chain, err := parseChain(s.chain)
	if err != nil {
		return nil, err
	}
	for _, k := range chain.Models {
		if _, up := engine.SplitDeployment(k); up != "" {
			return nil, fmt.Errorf("bulwark: Middleware: chain tier %s: a deployment of another upstream needs a Guard (WithUpstream)", k)
		}
	}
	s.redactLogger()
	m := &middleware{eng: s.newEngine(chain), chain: chain, profile: s.profile}
	return m.serve, nil
}

// middleware is what Middleware returns, once per process.
type middleware struct {
	eng     *engine.Engine
	chain   engine.Chain
	profile engine.Profile
}

// maxErrorBody bounds an upstream error body read to classify it: 1 MiB.
// maxHeld bounds the events held back before a stream's commit point: 4 MiB.
const (
	maxErrorBody = 1 << 20
	maxHeld      = 4 << 20
)

// errHeldTooLarge fails a stream attempt whose events before the commit
// point exceed maxHeld.
var errHeldTooLarge = errors.New("bulwark: stream events before the first token exceed 4 MiB")

// serve is the middleware: one engine run per Messages request.
func (m *middleware) serve(req *http.Request, next option.MiddlewareNext) (*http.Response, error) {
	if req.Method != http.MethodPost || !strings.HasSuffix(req.URL.Path, "/v1/messages") || req.Body == nil || req.Body == http.NoBody {
		return next(req)
	}
	body, err := readRequestBody(req)
	if err != nil {
		return nil, fmt.Errorf("bulwark: reading the request body: %w", err)
	}
	c := &mwCall{m: m, req: req, next: next, body: body}
	if jsonscan.ScanRequest(body, &c.f) != nil || !c.f.ModelIsString {
		return next(withBody(req, req.Context(), body))
	}
	ctx := req.Context()
	do := c.whole
	if c.f.Stream {
		do = c.stream
	}
	out := engine.Run(ctx, m.eng, engine.Call[*mwReply]{
		RequestID: requestID(ctx),
		Chain:     m.chain,
		Profile:   &m.profile,
		Stream:    c.f.Stream,
		Do:        do,
		Discard:   (*mwReply).release,
	})
	return c.respond(ctx, &out)
}

// readRequestBody reads the body of req, from GetBody when there is one (the
// SDK's buffered body), and closes req.Body.
func readRequestBody(req *http.Request) ([]byte, error) {
	defer req.Body.Close()
	src := req.Body
	if req.GetBody != nil {
		rc, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		src = rc
	}
	return io.ReadAll(src)
}

// withBody returns a copy of req in ctx that sends b, and can send it again.
func withBody(req *http.Request, ctx context.Context, b []byte) *http.Request {
	r := req.Clone(ctx)
	r.Body = io.NopCloser(bytes.NewReader(b))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	r.ContentLength = int64(len(b))
	return r
}

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

// respond turns how the run ended into what the SDK gets (see Middleware).
func (c *mwCall) respond(ctx context.Context, out *engine.Outcome[*mwReply]) (*http.Response, error) {
	a := out.Answer
	if out.Reason == engine.Answered {
		if a.live != nil {
			a.live.pending = out.Pending
		}
		return a.resp, nil
	}
	if a != nil && a.live != nil { // committed as the caller gave up
		a.release()
		a = nil
	}
	if out.Reason == engine.Canceled {
		return nil, fmt.Errorf("%w: %w", out.Err, context.Cause(ctx))
	}
	var f engine.Failure
	if out.Reason != engine.Rejected {
		f = engine.FailureOf(&out.Report)
	}
	var resp *http.Response
	if a != nil && a.resp != nil && (out.Reason == engine.Rejected || f.PassBack) {
		// The request's own fault, or the upstream's words on a retired
		// model or the credit balance: the caller's program needs them.
		resp = a.resp
	} else {
		if a != nil && a.resp != nil {
			a.resp.Body.Close()
		}
		resp = c.errorResponse(f.Status, "bulwark: "+f.Message+" ("+attempts(&out.Report)+")")
	}
	// bulwark's verdict after its own retries and fallbacks: the SDK must
	// not retry it again.
	resp.Header.Set("X-Should-Retry", "false")
	if f.RetryAfter > 0 && resp.Header.Get("Retry-After") == "" {
		resp.Header.Set("Retry-After", strconv.FormatInt(int64((f.RetryAfter+time.Second-1)/time.Second), 10))
	}
	return resp, nil
}

// attempts summarises a failed run for an error message: how many upstream
// calls it made and how the last one failed, without upstream text.
func attempts(out *engine.Report) string {
	n := out.UpstreamCalls()
	if n == 0 {
		return "no upstream call: every model was skipped"
	}
	return strconv.Itoa(n) + " upstream calls; the last: " + out.Last.Class.String()
}

// errorResponse is an Anthropic-shaped error response of bulwark's own.
func (c *mwCall) errorResponse(status int, message string) *http.Response {
	body := sse.AppendError(nil, taxonomy.ErrorType(status), message, "")
	return &http.Response{
		Status:        strconv.Itoa(status) + " " + http.StatusText(status),
		StatusCode:    status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       c.req,
	}
}

// liveBody is the body of a committed stream as the SDK reads it: the
// events held back before the commit point, then each event as it arrives,
// under the idle timeout. How the stream ends settles its breaker permit
// once: message_stop for it; a stall, a cut or an SSE error event against
// it; Close before the end counts nothing. It is read from one goroutine,
// as the SDK's stream is.
type liveBody struct {
	rd      *sse.Reader
	up      io.ReadCloser // the upstream body
	out     []byte        // bytes not yet read
	watch   *watch.Watcher
	cancel  context.CancelFunc
	pending *engine.Pending
	// parent is the caller's context and sctx the stream's, to classify how
	// the stream ended.
	parent, sctx context.Context
	stopped      bool  // message_stop came
	err          error // how the read ended, once it has
	closed       bool
}

// Read hands on the stream's bytes, a whole event at a time.
func (b *liveBody) Read(p []byte) (int, error) {
	for len(b.out) == 0 {
		if b.err != nil {
			return 0, b.err
		}
		b.watch.Await()
		ev, err := b.rd.Next()
		b.watch.Arrived()
		if err != nil {
			b.end(err)
			continue
		}
		switch string(ev.Name) {
		case "message_stop":
			b.stopped = true
			b.pending.Settle(taxonomy.Result{Status: 200})
		case "error":
			errType, msg := parseAPIError(ev.Data)
			b.pending.Settle(taxonomy.Result{Status: 200, StreamError: true, ErrorType: errType, Message: msg})
		}
		b.out = append(b.out[:0], ev.Raw...)
	}
	n := copy(p, b.out)
	b.out = b.out[n:]
	return n, nil
}

// end records how the upstream stream ended (err from its reader) and
// settles the permit if no event did.
func (b *liveBody) end(err error) {
	b.watch.Stop()
	switch {
	case errors.Is(err, io.EOF) && b.stopped:
		b.err = io.EOF
		b.pending.Settle(taxonomy.Result{Status: 200})
		b.cancel()
		return
	case b.watch.Expired() == watch.Stall:
		b.err = ErrStalled
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		b.err = ErrStreamCut
	default:
		b.err = err
	}
	res := resultOf(b.parent, b.sctx, err) // a stall cancelled sctx: a timeout
	if res.Err == nil && !res.Canceled && !res.TimedOut {
		res.Err = b.err
	}
	if res.Status == 0 {
		res.Status = 200 // the stream had answered 200
	}
	b.pending.Settle(res)
	b.cancel()
}

// Close ends the stream; before its end it counts nothing for or against
// the model (the caller left). It is safe to call more than once.
func (b *liveBody) Close() error {
	if b.closed {
		return nil
	}
	b.closed = true
	if b.err == nil {
		b.err = errors.New("bulwark: read on a closed stream")
		b.pending.Settle(taxonomy.Result{Canceled: true})
	}
	b.watch.Stop()
	b.cancel()
	return b.up.Close()
}
