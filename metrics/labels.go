package metrics

import (
	"github.com/bulwarkhq/bulwark/breaker"
	"github.com/bulwarkhq/bulwark/taxonomy"
)

// Outcome is how a request ended, the type of [RequestInfo].Outcome. Its
// label text (the outcome label of bulwark_requests_total, the keys of
// [Status].Requests) is computed here, once: callers pass the value, never
// a string.
type Outcome uint8

// Outcomes of a request. The zero value, and any value not listed, counts
// as OutcomeUnknown.
const (
	OutcomeUnknown     Outcome = iota // "unknown": an Outcome not set, or not listed here
	OutcomeAnswered                   // "answered": the first model tier answered
	OutcomeFallback                   // "fallback": a later model tier answered
	OutcomeCache                      // "cache": every model tier failed; the cache tier answered
	OutcomeStatic                     // "static": every tier failed; the static tier answered
	OutcomeRejected                   // "rejected": the upstream rejected the request itself (400, 413)
	OutcomeExhausted                  // "exhausted": every tier failed; the client got an error
	OutcomeDeadline                   // "deadline": the deadline ran out; the client got a timeout error
	OutcomeCanceled                   // "canceled": the client gave up
	OutcomeUserBlocked                // "user_blocked": the per-user breaker answered without an upstream call
	OutcomeBadRequest                 // "bad_request": malformed input, refused by the gateway itself
	nOutcomes
)

var outcomeNames = [nOutcomes]string{
	"unknown", "answered", "fallback", "cache", "static", "rejected", "exhausted",
	"deadline", "canceled", "user_blocked", "bad_request",
}

// index is o, or OutcomeUnknown for a value not listed.
func (o Outcome) index() Outcome {
	if o >= nOutcomes {
		return OutcomeUnknown
	}
	return o
}

// String returns the outcome's label value.
func (o Outcome) String() string { return outcomeNames[o.index()] }

// Flags of an outcome for the rates of [Status].
const (
	// fFallback: served by something other than the primary model
	// (a fallback model, the cache or the static tier).
	fFallback uint8 = 1 << iota
	// fStatic: served by the static tier.
	fStatic
	// fError: no tier answered and the client got an error.
	fError
)

func (o Outcome) flags() uint8 {
	switch o {
	case OutcomeFallback, OutcomeCache:
		return fFallback
	case OutcomeStatic:
		return fFallback | fStatic
	case OutcomeExhausted, OutcomeDeadline:
		return fError
	}
	return 0
}

// statusClass indexes the status_class label values of upstream attempts.
type statusClass uint8

const (
	sc2xx statusClass = iota
	sc4xx
	sc5xx
	sc429
	sc529
	scNetwork
	scTimeout
	scCanceled
	nStatusClasses
)

var statusClassNames = [nStatusClasses]string{"2xx", "4xx", "5xx", "429", "529", "network", "timeout", "canceled"}

// statusClassOf buckets an attempt by its decision's class, which also covers
// an SSE error event that came with HTTP 200.
func statusClassOf(status int, c taxonomy.Class) statusClass {
	switch c {
	case taxonomy.Success:
		return sc2xx
	case taxonomy.RateLimited:
		return sc429
	case taxonomy.Overloaded:
		return sc529
	case taxonomy.ServerError:
		return sc5xx
	case taxonomy.Network:
		return scNetwork
	case taxonomy.Timeout:
		return scTimeout
	case taxonomy.Canceled:
		return scCanceled
	case taxonomy.BadRequest, taxonomy.Credit, taxonomy.Auth, taxonomy.NotFound, taxonomy.TooLarge,
		taxonomy.Conflict, taxonomy.OtherClient:
		return sc4xx
	}
	switch {
	case status >= 500:
		return sc5xx
	case status >= 400:
		return sc4xx
	case status >= 200 && status < 300:
		return sc2xx
	}
	return scNetwork
}

// nClasses bounds taxonomy.Class values (retry reasons, misconfig classes);
// larger values are clamped to the last slot, labelled "unknown".
const nClasses = 16

func classIndex(c taxonomy.Class) int { return min(int(c), nClasses-1) }

// Token kinds, the kind label of bulwark_tokens_total.
var tokenKinds = [4]string{"input", "output", "cache_write", "cache_read"}

// Skip reasons, the reason label of bulwark_tier_skips_total.
var skipReasons = [3]string{"other", "open", "cooldown"}

func skipIndex(v breaker.Verdict) int {
	switch v {
	case breaker.SkipOpen:
		return 1
	case breaker.SkipCooldown:
		return 2
	}
	return 0
}

// Breaker states as gauge values and label values ("half_open" as in
// breaker.State's String and /v1/status).
const nStates = 3

func stateIndex(s breaker.State) int {
	switch s {
	case breaker.HalfOpen:
		return 1
	case breaker.Open:
		return 2
	}
	return 0
}

var stateNames = [nStates]string{"closed", "half_open", "open"}
