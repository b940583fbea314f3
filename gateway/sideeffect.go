package gateway

import (
	"net/http"
	"net/http/httptrace"
	"sync/atomic"

	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/taxonomy"
)

// sideEffect reports whether a request may have a lasting effect upstream
// (DESIGN §7): any method but GET, HEAD, OPTIONS and TRACE — a message batch
// or a file created, a batch cancelled, a file deleted — except POST
// /v1/messages and /v1/messages/count_tokens, which make nothing that
// lasts.
func sideEffect(method, path string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return false
	case http.MethodPost:
		return path != "/v1/messages" && path != "/v1/messages/count_tokens"
	}
	return true
}

// attemptEnd is how far a failed forwarded attempt got.
type attemptEnd struct {
	// connected: a connection to the upstream was made, so the request may
	// have reached it.
	connected bool
	// status is the upstream's answer; 0 when none arrived (a reset, a
	// timeout, a cut).
	status int
	// shouldRetry: the answer carried x-should-retry: true.
	shouldRetry bool
}

// mayRetry reports whether a failed forwarded attempt may be sent again. A
// request with no side effect may (the taxonomy decides whether it is
// worth it); one that may have a side effect only when the upstream
// certainly did not act on it: no connection was made, or it answered 429
// or 529, or said x-should-retry: true, before doing anything. After a reset
// or a timeout once sent it never is: a duplicate batch or file costs money.
func mayRetry(method, path string, e attemptEnd) bool {
	if !sideEffect(method, path) || !e.connected {
		return true
	}
	switch {
	case e.status == http.StatusTooManyRequests || e.status == 529:
		return true
	case e.status != 0 && e.shouldRetry:
		return true
	}
	return false
}

// connTrace tells, through httptrace, whether an attempt got a connection.
type connTrace struct {
	asked, got atomic.Bool
}

func (c *connTrace) clientTrace() *httptrace.ClientTrace {
	return &httptrace.ClientTrace{
		GetConn: func(string) { c.asked.Store(true) },
		GotConn: func(httptrace.GotConnInfo) { c.got.Store(true) },
	}
}

// connected reports whether the request may have reached the upstream: a
// connection was handed to it, or the round tripper does not say (one that
// is not an *http.Transport calls no hooks, so nothing is known for sure).
func (c *connTrace) connected() bool { return c.got.Load() || !c.asked.Load() }

// notResent is the answer when a request that may have had a side effect
// failed after it was sent and no upstream answer came back: 504 after a
// timeout, else 502, saying that it may have taken effect.
func notResent(out *engine.Report) verdict {
	v := verdict{kind: answerError, status: http.StatusBadGateway}
	what := "the connection to the upstream failed"
	if out.Last.Class == taxonomy.Timeout {
		v.status, what = http.StatusGatewayTimeout, "the upstream did not answer in time"
	}
	v.errType = taxonomy.ErrorType(v.status)
	v.message = "The request was sent, then " + what + ". It was not sent again because it may have taken effect " +
		"(a batch or a file created): check before sending it again."
	return v
}
