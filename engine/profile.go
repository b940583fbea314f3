package engine

import (
	"time"

	"github.com/bulwarkhq/bulwark/backoff"
)

// Defaults of the deadline-budgeting fields of [Profile] (DESIGN §3), the one
// home of these values: config's defaults are built from them.
const (
	// DefaultFallbackReserve is Profile.FallbackReserve's default: the time
	// kept back for the next model tier before any of its attempts was
	// measured.
	DefaultFallbackReserve = 8 * time.Second
	// DefaultMinFallbackReserve is Profile.MinFallbackReserve's default: the
	// least time ever kept back for the next model tier.
	DefaultMinFallbackReserve = 2 * time.Second
	// DefaultMinAttempt is Profile.MinAttempt's default: the least attempt
	// time a retry must have to be worth making.
	DefaultMinAttempt = 2 * time.Second
	// DefaultAttemptTimeout is Profile.AttemptTimeout's default.
	DefaultAttemptTimeout = 20 * time.Second
)

// Profile is the timing policy of one kind of caller (DESIGN §3).
type Profile struct {
	// Name is "interactive", "batch" or a configured name; used in logs.
	Name string
	// Attempts is the number of attempts per model tier; default 3.
	Attempts int
	// PrimaryAttempts, when > 0, overrides Attempts on the first tier.
	PrimaryAttempts int
	// Backoff is the wait between attempts on one tier; default 1s..60s, full jitter.
	Backoff backoff.Policy
	// Deadline bounds the whole chain, wall clock; 0 means none.
	Deadline time.Duration
	// AttemptTimeout bounds one attempt; default 20s.
	AttemptTimeout time.Duration
	// FirstTokenTimeout bounds a stream attempt from its start to the first
	// content_block_delta; default 10s, 0 means only AttemptTimeout bounds
	// it. Enforced by the AttemptFunc (internal/watch).
	FirstTokenTimeout time.Duration
	// IdleTimeout is the longest gap between stream events after the first
	// token; default 30s, 0 means none. Enforced by the stream reader
	// (internal/watch).
	IdleTimeout time.Duration

	// FallbackReserve is the time a tier that has a next model tier keeps
	// back for it before that next tier has any measured attempt. Once it
	// has, the reserve is the p90 of its recent successful attempts of the
	// same kind (stream: time to first token; otherwise: time to the whole
	// answer). Either is clamped to [MinFallbackReserve, AttemptTimeout].
	// 0 means DefaultFallbackReserve (8s).
	FallbackReserve time.Duration
	// MinFallbackReserve is the least fallback reserve; 0 means
	// DefaultMinFallbackReserve (2s).
	MinFallbackReserve time.Duration
	// MinAttempt is the least attempt time a retry must get, after its wait
	// and the fallback reserve, to be made (at most AttemptTimeout); 0
	// means DefaultMinAttempt (2s).
	MinAttempt time.Duration

	// Hedge is the hedged first token of streamed calls (DESIGN §14);
	// the zero value is off, and so are both default profiles.
	Hedge Hedge
}

// Hedge is the policy of hedged first tokens (DESIGN §14): when a streamed
// attempt's first token is late, a second attempt starts on the next
// deployment or tier of the chain; the first to reach its commit point
// answers and the other is cancelled at once. Hedges apply to streamed
// calls only (a whole answer has no first token to be late) and each is
// paid for with a token of the retry budget.
type Hedge struct {
	// Max is the number of hedges one run may send; 0 turns hedging off.
	Max int
	// After is how long an attempt waits for its first token before a
	// hedge starts. 0 means the deployment's recent p95 time to first
	// token, at least MinHedgeAfter, or DefaultHedgeAfter before any
	// stream of it was measured.
	After time.Duration
}

// Defaults of [Hedge.After] when it follows the deployment's p95.
const (
	// MinHedgeAfter is the least wait before a hedge that follows the p95:
	// below it a hedge would double the calls of a fast, healthy model for
	// a gain nobody sees.
	MinHedgeAfter = 100 * time.Millisecond
	// DefaultHedgeAfter is the wait before a hedge that follows the p95
	// while the deployment has no measured stream.
	DefaultHedgeAfter = 2 * time.Second
)

// Interactive returns the profile for a person waiting on the answer:
// 3 attempts per tier, 25 s deadline, 20 s per attempt, an 8 s fallback
// reserve (at least 2 s) and 2 s at least for a retry.
func Interactive() Profile {
	return Profile{
		Name:               "interactive",
		Attempts:           3,
		Backoff:            backoff.Policy{Initial: time.Second, Max: time.Minute},
		Deadline:           25 * time.Second,
		AttemptTimeout:     DefaultAttemptTimeout,
		FirstTokenTimeout:  10 * time.Second,
		IdleTimeout:        30 * time.Second,
		FallbackReserve:    DefaultFallbackReserve,
		MinFallbackReserve: DefaultMinFallbackReserve,
		MinAttempt:         DefaultMinAttempt,
	}
}

// Batch returns the profile for unattended work: 1 attempt on the primary,
// then up to 5 on each fallback, no deadline, 10 min per attempt (the longest
// the API lets a non-streaming request run, so a long answer is never cut
// short), 60 s to the first token and between stream events. Its fallback reserve and
// minimum attempt are Interactive's; they matter only when the caller's
// context sets a deadline.
func Batch() Profile {
	return Profile{
		Name:               "batch",
		Attempts:           5,
		PrimaryAttempts:    1,
		Backoff:            backoff.Policy{Initial: time.Second, Max: time.Minute},
		AttemptTimeout:     10 * time.Minute,
		FirstTokenTimeout:  time.Minute,
		IdleTimeout:        time.Minute,
		FallbackReserve:    DefaultFallbackReserve,
		MinFallbackReserve: DefaultMinFallbackReserve,
		MinAttempt:         DefaultMinAttempt,
	}
}

// attempts returns the number of attempts allowed on tier i.
func (p *Profile) attempts(i int) int {
	if i == 0 && p.PrimaryAttempts > 0 {
		return p.PrimaryAttempts
	}
	if p.Attempts > 0 {
		return p.Attempts
	}
	return 1
}

func (p *Profile) attemptTimeout() time.Duration {
	return orDefault(p.AttemptTimeout, DefaultAttemptTimeout)
}

func (p *Profile) fallbackReserve() time.Duration {
	return orDefault(p.FallbackReserve, DefaultFallbackReserve)
}

func (p *Profile) minFallbackReserve() time.Duration {
	return orDefault(p.MinFallbackReserve, DefaultMinFallbackReserve)
}

func (p *Profile) minAttempt() time.Duration { return orDefault(p.MinAttempt, DefaultMinAttempt) }

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}
