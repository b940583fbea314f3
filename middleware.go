package bulwark

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/anthropics/anthropic-sdk-go/v2/option"

	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/internal/jsonscan"
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
