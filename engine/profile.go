package engine

import (
	"time"

	"github.com/bulwarkhq/bulwark/backoff"
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
	// content_block_delta; default 10s. Enforced by the AttemptFunc.
	FirstTokenTimeout time.Duration
	// IdleTimeout is the longest gap between stream events after the first
	// token; default 30s. Enforced by the stream reader.
	IdleTimeout time.Duration
}

// Interactive returns the profile for a person waiting on the answer:
// 3 attempts per tier, 25 s deadline, 20 s per attempt.
func Interactive() Profile {
	return Profile{
		Name:              "interactive",
		Attempts:          3,
		Backoff:           backoff.Policy{Initial: time.Second, Max: time.Minute},
		Deadline:          25 * time.Second,
		AttemptTimeout:    20 * time.Second,
		FirstTokenTimeout: 10 * time.Second,
		IdleTimeout:       30 * time.Second,
	}
}

// Batch returns the profile for unattended work: 1 attempt on the primary,
// then up to 5 on each fallback, no deadline.
func Batch() Profile {
	return Profile{
		Name:              "batch",
		Attempts:          5,
		PrimaryAttempts:   1,
		Backoff:           backoff.Policy{Initial: time.Second, Max: time.Minute},
		AttemptTimeout:    5 * time.Minute,
		FirstTokenTimeout: time.Minute,
		IdleTimeout:       time.Minute,
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
	if p.AttemptTimeout > 0 {
		return p.AttemptTimeout
	}
	return 20 * time.Second
}
