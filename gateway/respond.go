package gateway

import (
	"net/http"
	"strconv"
	"time"

	"github.com/bulwarkhq/bulwark/engine"
)

// responder is what the exchange writes to its client (the respond role):
// the status, the body's bytes and, for a stream, its events and how it
// ended. The handlers decide what to answer; the responder writes it.
type responder struct {
	w http.ResponseWriter
	// status is the status sent; 0 until one is.
	status    int
	streamEnd string // how a committed stream ended (Completion.StreamEnd)
	events    int
	sent      int64
	firstByte time.Duration
}

// fail answers with one of the gateway's own errors.
func (x *exchange) fail(status int, errType, message string, retryAfter time.Duration) {
	x.status = status
	writeError(x.w, x.id, status, errType, message, retryAfter)
}

// setOutcomeHeaders adds bulwark-model-used, bulwark-upstream, bulwark-fallback and
// bulwark-attempts.
func (o *responder) setOutcomeHeaders(out *engine.Report) {
	h := o.w.Header()
	if out.Model != "" {
		h[hModelUsed] = []string{out.Model}
		h[hUpstream] = []string{upstreamName(out.Upstream)}
	}
	if out.Fallback {
		h[hFallback] = []string{"true"}
	} else {
		h[hFallback] = []string{"false"}
	}
	h[hAttempts] = []string{strconv.Itoa(out.UpstreamCalls())}
}

// write sends b to the client and flushes it.
func (o *responder) write(rc *http.ResponseController, b []byte) bool { return o.send(rc, b, true) }

// send sends b to the client, and flushes it when flush is set.
func (o *responder) send(rc *http.ResponseController, b []byte, flush bool) bool {
	n, err := o.w.Write(b)
	o.sent += int64(n)
	if err != nil {
		return false
	}
	return !flush || rc.Flush() == nil
}
