package engine

import (
	"net/http"
	"time"

	"github.com/bulwarkhq/bulwark/taxonomy"
)

// Failure is how a run that ended without an answer is told to an HTTP
// client (DESIGN §7). Both faces that speak the Messages API — the
// gateway's /v1/messages and the library's SDK middleware — answer with it,
// so that a client sees the same verdict whichever it goes through.
type Failure struct {
	// Status is the HTTP status: 429 when rate limiting kept every tier
	// from answering, 504 when the deadline ran out, 529 when the last
	// failure was an overload, else 503.
	Status int
	// Type is the Anthropic error.type of Status (taxonomy.ErrorType).
	Type string
	// Message is user-safe: it quotes no upstream text.
	Message string
	// RetryAfter, with a 429, is the soonest any tier frees up (at least
	// 1 s), for the retry-after header; 0 otherwise.
	RetryAfter time.Duration
	// PassBack is true when the last tier failed with a request error that
	// names the problem (a retired model's 404, a credit balance 400): the
	// upstream's own answer is passed back instead, when the caller has it.
	PassBack bool
}

// StatusOverloaded is the API's own status for overloaded_error.
const StatusOverloaded = 529

// FailureOf returns the Failure of a run that ended Exhausted or
// DeadlineExceeded. A pure function of the report.
func FailureOf(r *Report) Failure {
	var f Failure
	switch {
	case r.RateLimited:
		f.Status = http.StatusTooManyRequests
		f.Message = "Every model of the chain is rate limited right now; retry after the time in the retry-after header."
		f.RetryAfter = max(r.RetryAfter, time.Second)
	case r.Reason == DeadlineExceeded:
		f.Status = http.StatusGatewayTimeout
		f.Message = "No model of the chain answered within the request's deadline."
	case r.Last.Class == taxonomy.NotFound || r.Last.Class == taxonomy.Credit:
		f.PassBack = true
		f.Status = http.StatusServiceUnavailable
		f.Message = "No model of the chain is available right now."
	case r.Last.Class == taxonomy.Overloaded:
		f.Status = StatusOverloaded
		f.Message = "Every model of the chain is overloaded right now. Please retry shortly."
	default:
		f.Status = http.StatusServiceUnavailable
		f.Message = "No model of the chain is available right now. Please retry shortly."
	}
	f.Type = taxonomy.ErrorType(f.Status)
	return f
}
