package gateway

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/bulwarkhq/bulwark/sse"
)

// Response headers the gateway adds.
const (
	hModelUsed  = "Bulwark-Model-Used"
	hUpstream   = "Bulwark-Upstream" // the upstream name of the deployment that answered
	hFallback   = "Bulwark-Fallback"
	hAttempts   = "Bulwark-Attempts"
	hRequestID  = "Bulwark-Request-Id"
	hDegraded   = "Bulwark-Degraded"
	hUpstreamID = "Request-Id"
	// hShouldRetry tells the official SDKs and Claude Code whether to retry.
	hShouldRetry = "X-Should-Retry"
)

// shouldRetryFalse is the value of x-should-retry on the gateway's own
// errors; shared, never modified.
var shouldRetryFalse = []string{"false"}

// writeError writes an Anthropic-shaped error:
// {"type":"error","error":{"type":...,"message":...},"request_id":...}.
// request-id carries the gateway's id unless an upstream's is already set.
// It is the gateway's own answer, after its policy (every tier failed, the
// deadline, a per-user cut-off, the caller's mistake), so it carries
// x-should-retry: false (DESIGN §7): the SDKs' retries must not multiply the
// gateway's. retryAfter > 0 is sent as retry-after, in whole seconds.
func writeError(w http.ResponseWriter, id string, status int, errType, message string, retryAfter time.Duration) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	if h.Get(hUpstreamID) == "" {
		h.Set(hUpstreamID, id) // no upstream answered (or it sent no id)
	}
	h[hShouldRetry] = shouldRetryFalse
	if retryAfter > 0 {
		h.Set("Retry-After", retryAfterValue(retryAfter))
	}
	var small [256]byte
	b := sse.AppendError(small[:0], errType, message, id)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// retryAfterValue is d as a retry-after header value: whole seconds,
// rounded up.
func retryAfterValue(d time.Duration) string {
	return strconv.FormatInt(int64((d+time.Second-1)/time.Second), 10)
}

// upstreamError is the error part of an Anthropic error body.
type upstreamError struct {
	Error struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	} `json:"error"`
}

// parseError reads error.type and error.message from an error body; both
// are empty when it is not Anthropic's shape.
func parseError(body []byte) (errType, message string) {
	var e upstreamError
	if json.Unmarshal(body, &e) != nil {
		return "", ""
	}
	return e.Error.Type, e.Error.Message
}
