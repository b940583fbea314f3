package gateway

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/provider"
	"github.com/bulwarkhq/bulwark/store"
	"github.com/bulwarkhq/bulwark/taxonomy"
)

// handleMessages serves POST /v1/messages.
func (s *Server) handleMessages(w http.ResponseWriter, r *http.Request) {
	x := s.newExchange(w, r, EndpointMessages)
	defer x.finish()
	if !x.authenticate() || !x.readBody() || !x.parseMessages() || !x.pickProfile() || !x.checkUser(x.f.UserID) {
		return
	}
	if x.trace != nil {
		x.trace.SetModel(x.f.Model, int(maxTokens(x.body, &x.f)))
	}
	x.chain = s.servable(s.steer(s.chainFor(x.f.Model), x.body, &x.f), provider.OpMessages, r.Header, x.body)
	if x.chain.chain.Cache {
		x.cacheKey = x.requestCacheKey()
	}
	x.respond(x.run())
}

// parseMessages checks the request (DESIGN §7): a JSON content type and a
// JSON object with a valid model, messages and a boolean stream, if any.
// Anything else is the caller's mistake: 400, no upstream call.
func (x *exchange) parseMessages() bool {
	return x.checkContentType() && x.checkBody(true)
}

// run takes the request through its chain. The exchange keeps the outcome:
// its reply is released when the request ends.
func (x *exchange) run() *outcome {
	do := x.attemptWhole
	if x.f.Stream {
		do = x.attemptStream
		if x.profile.Hedge.Max > 0 {
			x.concurrent()
		}
	}
	out := engine.Run(x.ctx, x.s.eng, engine.Call[reply]{
		RequestID: x.id,
		Chain:     x.chain.chain,
		Profile:   x.profile,
		Stream:    x.f.Stream,
		Do:        x.boundary(do),
		Discard:   x.discardReply,
	})
	x.out = &out
	x.afterRun(&out.Report)
	return &out
}

// discardReply releases a reply the run no longer holds. A live stream
// among them is a hedge race's loser that committed too (engine.Hedge): the
// upstream had started it, so its input is counted as thrown away.
func (x *exchange) discardReply(r reply) {
	if r.live != nil && r.live.hasUsage {
		x.rec.discard(r.live.model, r.live.usage)
	}
	r.release()
}

// respond answers the client after a run.
func (x *exchange) respond(out *outcome) {
	v := decide(&out.Report)
	switch v.kind {
	case answerModel:
		x.modelUsed, x.fallback = out.Model, out.Fallback
		if out.Answer.live != nil {
			x.forwardStream(out)
			return
		}
		x.forwardWhole(out)
		x.cachePut(out.Answer.whole)
	case answerPassBack:
		x.passBack(out)
	case answerNone:
		x.status = statusClientClosed
	case answerError:
		if v.tryCache && x.serveCache(&out.Report) {
			return
		}
		if v.passBack && out.Answer.whole != nil {
			x.passBack(out)
			return
		}
		x.setOutcomeHeaders(&out.Report)
		x.fail(v.status, v.errType, v.message, v.retryAfter)
	}
}

// forwardWhole sends the run's latest upstream answer (out.Answer.whole,
// which is set) as it came, with the gateway's headers added.
func (x *exchange) forwardWhole(out *outcome) {
	a := out.Answer.whole
	h := x.w.Header()
	copyHeaders(h, a.header)
	x.setOutcomeHeaders(&out.Report)
	if gaveUp(&out.Report) {
		// The upstream's error, but the gateway's verdict after its own
		// retries: the SDKs must not retry it again, and a rate-limited
		// one says when to come back (DESIGN §7).
		h[hShouldRetry] = shouldRetryFalse
		if out.RateLimited && h.Get("Retry-After") == "" {
			h.Set("Retry-After", retryAfterValue(max(out.RetryAfter, time.Second)))
		}
	}
	if a.body == nil {
		// An SSE error event before the first token: answer it as the HTTP
		// error it stands for, with the upstream's type and message.
		msg := a.message
		if msg == "" {
			msg = "The upstream stream failed with " + a.errType + " before its first token."
		}
		x.fail(taxonomy.StatusOf(a.errType), a.errType, msg, 0)
		return
	}
	body := a.body.Bytes()
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	x.status = a.status
	x.w.WriteHeader(a.status)
	_, _ = x.w.Write(body)
	if x.s.obs != nil && a.status >= 200 && a.status < 300 {
		x.usage, x.hasUsage = a.usage, a.hasUsage
	}
}

// passBack returns the upstream's rejection of the request as it is.
func (x *exchange) passBack(out *outcome) {
	if out.Answer.whole == nil {
		x.setOutcomeHeaders(&out.Report)
		x.fail(http.StatusBadGateway, "api_error", "The upstream rejected the request.", 0)
		return
	}
	x.forwardWhole(out)
}

// cachePut stores a, a good non-streamed answer, for the cache tier, off
// the request path.
func (x *exchange) cachePut(a *upstreamAnswer) {
	if x.cacheKey == "" || a == nil || a.body == nil || a.status != http.StatusOK {
		return
	}
	e := store.Entry{Model: a.model, Body: append([]byte(nil), a.body.Bytes()...), StoredAt: time.Now()}
	key, st := x.cacheKey, x.s.store
	x.s.bg.Add(1)
	go func() {
		defer x.s.bg.Done()
		st.CachePut(context.Background(), key, e)
	}()
}
