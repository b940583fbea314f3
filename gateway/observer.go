package gateway

import (
	"time"

	"github.com/bulwarkhq/bulwark/catalog"
	"github.com/bulwarkhq/bulwark/engine"
)

// Observer is told about every finished request, for metrics. Completed is
// called once per request, synchronously, after the answer was written; it
// must be fast and must not keep c after it returns. Per-attempt events come
// from the engine's own observer (engine.WithObserver).
type Observer interface {
	Completed(c *Completion)
}

// CutOffObserver is an Observer that also wants to know when the per-user
// breaker cuts a user off (metrics.Metrics has this method).
type CutOffObserver interface {
	UserCutOff(user string)
}

// Endpoint names, as in Completion.Endpoint.
const (
	EndpointMessages    = "messages"
	EndpointAgent       = "agent"
	EndpointPassthrough = "passthrough"
)

// Degraded names the degraded path that answered a request, if any.
type Degraded uint8

// Degraded paths.
const (
	// DegradedNone: a model answered, or an error did.
	DegradedNone Degraded = iota
	// DegradedCache: the cache tier answered ("cache").
	DegradedCache
	// DegradedStatic: the static tier answered, on /v1/agent ("static").
	DegradedStatic
	// DegradedUserBreaker: the per-user breaker cut the user off, with no
	// upstream call ("user_breaker").
	DegradedUserBreaker
)

var degradedNames = [...]string{"", "cache", "static", "user_breaker"}

// String returns the name logged as "degraded" (and sent as
// bulwark-degraded: cache); "" for DegradedNone.
func (d Degraded) String() string {
	if int(d) < len(degradedNames) {
		return degradedNames[d]
	}
	return "unknown"
}

// Completion describes one finished request.
type Completion struct {
	// RequestID is the gateway's id of the request.
	RequestID string
	// Endpoint is "messages", "agent" or "passthrough".
	Endpoint string
	// Model is the model the client asked for; empty when none.
	Model string
	// ModelUsed is the model that answered; empty when none did.
	ModelUsed string
	// Fallback is true when a tier after the first answered.
	Fallback bool
	// Degraded says which degraded path answered: DegradedCache,
	// DegradedStatic (agent endpoint), DegradedUserBreaker; DegradedNone
	// otherwise.
	Degraded Degraded
	// Stream is true for a streamed request.
	Stream bool
	// Status is the HTTP status sent; 499 when the client went away first.
	Status int
	// Outcome is the engine's account of the run; nil when the request
	// ended before one (bad request, cut-off user).
	Outcome *engine.Report
	// Duration is from the request's arrival to its last byte.
	Duration time.Duration
	// FirstByte is when the first body byte of a stream was sent, from
	// arrival; 0 when not a stream.
	FirstByte time.Duration
	// StreamEnd says how a committed stream ended: "complete", "stalled",
	// "cut", "malformed", "upstream_error", "client_gone" or "shutdown" (cut
	// when a shutdown's grace ended); empty when not a committed stream.
	StreamEnd string
	// User is the user the request counted against (per-user breaker);
	// empty when none. Never a metric label.
	User string
	// Usage is the answer's token usage, when HasUsage.
	Usage    catalog.Usage
	HasUsage bool
	// Discarded is the usage of stream attempts that failed after the
	// upstream had started them (message_start sent): billed, never
	// delivered. DiscardedModel is the model of the last of them.
	Discarded      catalog.Usage
	DiscardedModel string
}
