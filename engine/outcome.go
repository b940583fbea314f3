package engine

import (
	"errors"
	"time"

	"github.com/bulwarkhq/bulwark/breaker"
	"github.com/bulwarkhq/bulwark/taxonomy"
)

// Reason says how a run ended.
type Reason uint8

const (
	// Answered: a model tier answered.
	Answered Reason = iota
	// Rejected: the request itself was at fault (400, 413, a bad key): no
	// other tier would do better, and the upstream's answer should be passed back.
	Rejected
	// Exhausted: every model tier failed or was skipped.
	Exhausted
	// DeadlineExceeded: the chain's deadline ran out.
	DeadlineExceeded
	// Canceled: the caller gave up.
	Canceled
)

var reasonNames = [...]string{"answered", "rejected", "exhausted", "deadline", "canceled"}

// String returns the reason as one lower-case word.
func (r Reason) String() string {
	if int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return "unknown"
}

// Sentinel errors of a run that did not end with an answer; Report.Err wraps one.
var (
	ErrRejected  = errors.New("bulwark: request rejected by the upstream")
	ErrExhausted = errors.New("bulwark: every model tier failed")
	ErrDeadline  = errors.New("bulwark: deadline exceeded")
	ErrCanceled  = errors.New("bulwark: canceled by the caller")
)

var reasonErrs = [...]error{nil, ErrRejected, ErrExhausted, ErrDeadline, ErrCanceled}

// Record describes one attempt, or one tier skipped without an attempt.
type Record struct {
	// Model is the tier's deployment key ([Deployment]).
	Model string
	// N is the attempt number on this tier, from 1.
	N int
	// Skipped is set when the tier was skipped (breaker open, cooldown);
	// then no upstream call was made.
	Skipped breaker.Verdict
	// Class is the attempt's row of the decision table.
	Class taxonomy.Class
	// Status is the HTTP status seen; 0 for none.
	Status int
	// Waited is how long the engine waited before this attempt.
	Waited time.Duration
	// Took is how long the attempt ran.
	Took time.Duration
	// Probe is set on a recovery probe's attempt (DESIGN §4): every model
	// tier had been skipped, and the deployment's breaker let this one
	// request through.
	Probe bool
	// Hedge is set on a hedge's attempt (DESIGN §14): it started while an
	// earlier attempt of the run waited for its first token.
	Hedge bool
}

// Outcome is how one run ended: its account ([Report]) and what the
// attempts brought back.
type Outcome[T comparable] struct {
	Report
	// Answer is the payload of the latest attempt that returned one (see
	// [AttemptFunc]): the answering attempt's when Reason is Answered;
	// otherwise the last upstream answer seen (a rejection to pass back, an
	// error body), or zero when no attempt brought anything back. The caller
	// owns it and releases it; every other payload went to [Call.Discard].
	Answer T
}

// Report is the account of one run: how it ended and every attempt made.
// It holds no payload, so decisions about the answer (and metrics, logs)
// take it whatever the caller's payload type.
type Report struct {
	Reason Reason
	// Model is the model that answered; empty when none did.
	Model string
	// Upstream is who served Model ("" for the default upstream).
	Upstream string
	// Tier is the index in Chain.Models of the tier that answered, or of the
	// last tier tried.
	Tier int
	// Fallback is true when a model other than the primary's answered (the
	// primary model on another upstream is not a fallback).
	Fallback bool
	// Attempts lists every attempt and skip, in order.
	Attempts []Record
	// Last is the decision about the last attempt made (zero when none was).
	Last taxonomy.Decision
	// RateLimited is true when the run failed and every model tier it
	// reached ended rate limited (a 429, or skipped for a cooldown): the
	// failure then maps to a 429 for the client.
	RateLimited bool
	// RetryAfter is the shortest wait the rate-limited tiers asked for, when
	// RateLimited; the client may retry after it.
	RetryAfter time.Duration
	// Probes counts the recovery probes the run sent (see Record.Probe).
	Probes int
	// Hedges counts the hedges the run sent (see Record.Hedge).
	Hedges int
	// Paged is true when some attempt needs a person (401/403, 404 model,
	// credit balance).
	Paged bool
	// Took is the run's total time.
	Took time.Duration
	// Pending is the unsettled breaker permit of the stream that answered,
	// when the answering attempt's Result had Committed set; nil otherwise.
	// The caller must call its Settle once, when the stream really ends.
	Pending *Pending
	// Err is nil when Reason is Answered, else wraps one of the sentinels.
	Err error
}

// UpstreamCalls counts the attempts that reached the upstream.
func (o *Report) UpstreamCalls() int {
	n := 0
	for i := range o.Attempts {
		if o.Attempts[i].Skipped == breaker.Allow {
			n++
		}
	}
	return n
}
