package gateway

import (
	"context"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"

	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/internal/watch"
	"github.com/bulwarkhq/bulwark/taxonomy"
)

// Pseudo-tier names of forwarded endpoints: each has a breaker of its own
// (GET /v1/status lists them beside the models).
const (
	tierCountTokens = "passthrough:count_tokens"
	tierModels      = "passthrough:models"
	tierOther       = "passthrough:other"
)

// passthroughTier names the pseudo-tier of a forwarded path; a fixed set, so
// that clients cannot grow the breaker registry.
func passthroughTier(path string) string {
	switch {
	case path == "/v1/messages/count_tokens":
		return tierCountTokens
	case path == "/v1/models" || strings.HasPrefix(path, "/v1/models/"):
		return tierModels
	}
	return tierOther
}

// handlePassthrough forwards POST /v1/messages/count_tokens, GET /v1/models
// and every other /v1/* request to the upstream with retries (the same
// engine, a chain of one pseudo-tier, no model fallback) and the body
// untouched. An upstream answer is passed back as it came, error or not;
// the gateway answers on its own only when no upstream answered at all. A
// 2xx body streams through as it arrives. Request bodies are bounded like
// Messages bodies (32 MiB by default).
func (s *Server) handlePassthrough(w http.ResponseWriter, r *http.Request) {
	x := s.newExchange(w, r, EndpointPassthrough)
	defer x.finish()
	if !x.authenticate() || !x.readBody() || !x.checkCountTokens() || !x.pickProfile() {
		return
	}
	u := *s.base
	u.Path = s.base.Path + r.URL.Path
	u.RawPath = ""
	if r.URL.RawPath != "" {
		u.RawPath = s.base.EscapedPath() + r.URL.RawPath
	}
	u.RawQuery = r.URL.RawQuery
	tier := passthroughTier(r.URL.Path)
	x.chain = &resolved{chain: engine.Chain{Models: []string{tier}}}
	stopped := false // a request with a side effect failed once sent: not resent
	out := engine.Run(x.ctx, s.eng, engine.Call[reply]{
		RequestID: x.id,
		Chain:     x.chain.chain,
		Profile:   x.profile,
		Do: x.boundary(func(ctx context.Context, a engine.Attempt) (reply, taxonomy.Result) {
			return x.attemptPassthrough(ctx, a, &u, &stopped)
		}),
		Discard: reply.release,
	})
	x.out = &out
	switch {
	case out.Reason == engine.Canceled:
		x.status = statusClientClosed
	case out.Answer.live != nil:
		x.forwardBody(&out)
	case out.Answer.whole != nil:
		x.forwardWhole(&out)
	default:
		v := decide(&out.Report)
		if stopped {
			v = notResent(&out.Report)
		}
		x.setOutcomeHeaders(&out.Report)
		x.fail(v.status, v.errType, v.message, v.retryAfter)
	}
}

// checkCountTokens applies the Messages input rules (DESIGN §7) to a
// count_tokens body, but for stream, which count_tokens does not take.
func (x *exchange) checkCountTokens() bool {
	if x.r.Method != http.MethodPost || x.r.URL.Path != "/v1/messages/count_tokens" {
		return true
	}
	return x.checkContentType() && x.checkBody(false)
}

// attemptPassthrough makes one forwarded call. A request that may have a
// side effect is traced to know whether a connection was made, and marked
// NoRetry when it may have reached the upstream and failed in a way that does
// not say the upstream did nothing (mayRetry); stopped is then set.
func (up *upstream) attemptPassthrough(ctx context.Context, a engine.Attempt, u *url.URL, stopped *bool) (reply, taxonomy.Result) {
	side := sideEffect(up.r.Method, up.r.URL.Path)
	if !side {
		return up.forwardOnce(ctx, a, u, nil)
	}
	var ct connTrace
	rep, res := up.forwardOnce(ctx, a, u, &ct)
	if res.Status >= 200 && res.Status < 300 && res.Err == nil && !res.TimedOut {
		return rep, res
	}
	end := attemptEnd{connected: ct.connected(), status: res.Status}
	if res.Header != nil {
		end.shouldRetry = res.Header.Get(hShouldRetry) == "true"
	}
	if !mayRetry(up.r.Method, up.r.URL.Path, end) {
		res.NoRetry, *stopped = true, true
	}
	return rep, res
}

// forwardOnce makes one forwarded call, traced by ct when it is not nil.
// The attempt's timeout bounds the wait for the response headers (and for
// an error body); a 2xx body is then streamed to the client with no bound
// but the client's.
func (up *upstream) forwardOnce(ctx context.Context, a engine.Attempt, u *url.URL, ct *connTrace) (reply, taxonomy.Result) {
	actx, cancel := context.WithCancel(ctx)
	// A passthrough commits at its 2xx response headers: the watcher bounds
	// the wait for them by the attempt's timeout, and nothing after them.
	w := watch.New(up.s.eng.Clock(), max(a.Timeout, 0), 0, cancel)
	req := up.newRequest(actx, up.r.Method, u, "")
	if ct != nil {
		req = req.WithContext(httptrace.WithClientTrace(actx, ct.clientTrace()))
		// Lets the transport resend on a fresh connection what it never
		// wrote on a stale one, the only resend it makes of a POST.
		req.GetBody = func() (io.ReadCloser, error) { b, _ := up.bodyFor(""); return b, nil }
	}
	resp, err := up.roundTrip(req)
	if err != nil {
		w.Stop()
		res := failureOf(ctx, actx, err, w.Expired() == watch.FirstToken) // before cancel: a reset is no timeout
		cancel()
		return reply{}, res
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if !w.Commit() {
			resp.Body.Close()
			cancel()
			return reply{}, taxonomy.Result{TimedOut: true, Err: context.DeadlineExceeded}
		}
		live := &liveStream{resp: resp, cancel: cancel, watch: w}
		return reply{live: live}, taxonomy.Result{Status: resp.StatusCode, Header: resp.Header}
	}
	rep, res := up.readAnswer(ctx, actx, resp, "", maxErrorBody, false)
	w.Stop()
	cancel()
	if w.Expired() == watch.FirstToken && res.Err != nil {
		res.TimedOut = true
	}
	return rep, res
}

// forwardBody streams a 2xx passthrough answer to the client.
func (x *exchange) forwardBody(out *outcome) {
	resp := out.Answer.live.resp
	h := x.w.Header()
	copyHeaders(h, resp.Header)
	if resp.ContentLength >= 0 {
		h.Set("Content-Length", itoa64(resp.ContentLength))
	}
	x.setOutcomeHeaders(&out.Report)
	x.status = resp.StatusCode
	x.w.WriteHeader(resp.StatusCode)
	rc := http.NewResponseController(x.w)
	buf := getBuf()
	defer putBuf(buf)
	buf.Grow(32 << 10)
	p := buf.AvailableBuffer()[:32<<10]
	for {
		n, err := resp.Body.Read(p)
		if n > 0 && !x.write(rc, p[:n]) {
			return
		}
		if err != nil {
			return
		}
	}
}
