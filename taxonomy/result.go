package taxonomy

import (
	"errors"
	"net/http"
)

// Result is what one upstream attempt observed.
type Result struct {
	// Status is the HTTP status code; 0 when no response arrived.
	Status int
	// ErrorType is Anthropic's error.type from the error body or from an SSE
	// error event (e.g. "overloaded_error"); empty when there was none.
	ErrorType string
	// Message is the upstream's error.message. It is used to spot a too-low
	// credit balance and for operators' logs; never shown to end users.
	Message string
	// Header holds the response headers (retry-after, x-should-retry); may be nil.
	Header http.Header
	// Err is a transport failure: connection refused or reset, a body cut
	// short, garbage instead of JSON. Nil when a well-formed answer arrived.
	Err error
	// TimedOut is set when the attempt's own timeout (or first-token timeout)
	// fired before an answer.
	TimedOut bool
	// Canceled is set when the caller gave up (its context was cancelled).
	Canceled bool
	// StreamError is set when the error arrived as an SSE error event after an
	// HTTP 200 (before the commit point, or after it when a stream's end is
	// settled).
	StreamError bool
	// Committed is set by a streamed attempt that succeeded by reaching its
	// commit point: the stream goes on after the attempt, and its breaker
	// outcome is known only at its real end. The engine then leaves the
	// attempt's breaker permit unsettled and hands it back in the run's
	// outcome (engine.Outcome.Pending).
	Committed bool
	// NoRetry is set when the attempt must not be made again whatever its
	// class: the request may have had a lasting effect upstream (a message
	// batch or a file created) and was sent before it failed (DESIGN §7).
	NoRetry bool
}

// ErrMalformed marks an upstream answer that could not be parsed.
var ErrMalformed = errors.New("malformed upstream response")
