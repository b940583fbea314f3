package engine

import "time"

// noDeadline is the time left of a run without a deadline.
const noDeadline = time.Duration(1<<63 - 1)

// skipWhy says why a retry is not made.
type skipWhy uint8

const (
	// retryFits: the retry is made.
	retryFits skipWhy = iota
	// skipDeadline: the wait and a minimal attempt do not fit in the time left.
	skipDeadline
	// skipReserve: they fit, but only in the time kept back for the next
	// model tier.
	skipReserve
)

var skipNames = [...]string{"", "deadline", "fallback_reserve"}

func (w skipWhy) String() string { return skipNames[w] }

// retryInput is what the wait rule looks at before a retry (DESIGN §3).
type retryInput struct {
	// Backoff is the jittered backoff delay of this retry.
	Backoff time.Duration
	// RetryAfter is the server's retry-after; 0 when it gave none.
	RetryAfter time.Duration
	// Left is the time left before the deadline, less the answering reserve;
	// noDeadline when the run has none.
	Left time.Duration
	// Reserve is the fallback reserve of the next model tier (see reserve).
	Reserve time.Duration
	// MinAttempt is the least attempt time that makes a retry worth it.
	MinAttempt time.Duration
	// AttemptTimeout is the profile's bound on one attempt.
	AttemptTimeout time.Duration
	// HasNext is set when a model tier follows this one.
	HasNext bool
}

// retryPlan is the wait rule's answer: wait Wait, then attempt with Timeout;
// or, when Skip is set, no retry.
type retryPlan struct {
	Wait    time.Duration
	Timeout time.Duration
	Skip    skipWhy
}

// planRetry is the wait rule, a pure function. The wait is max(backoff,
// retry-after): jitter never shortens a server's retry-after. The retry is
// made only if the wait plus a minimal attempt (MinAttempt, or the whole
// attempt timeout if shorter) fits in the time left less, when a model tier
// follows, the fallback reserve; its timeout is then the attempt timeout cut
// to what is left after the wait and the reserve.
func planRetry(in retryInput) retryPlan {
	wait := max(in.Backoff, in.RetryAfter)
	reserve := time.Duration(0)
	if in.HasNext {
		reserve = in.Reserve
	}
	need := max(min(in.MinAttempt, in.AttemptTimeout), 1)
	switch {
	case wait > in.Left-need:
		return retryPlan{Wait: wait, Skip: skipDeadline}
	case wait > in.Left-reserve-need:
		return retryPlan{Wait: wait, Skip: skipReserve}
	}
	return retryPlan{Wait: wait, Timeout: min(in.AttemptTimeout, in.Left-wait-reserve)}
}

// firstTimeout is the timeout of a tier's first attempt, which is always made
// while time is left: the attempt timeout, cut to leave the fallback reserve
// when a model tier follows — but never below a minimal attempt (MinAttempt,
// the attempt timeout or the time left, whichever is least).
func firstTimeout(attemptTimeout, left, reserve, minAttempt time.Duration, hasNext bool) time.Duration {
	t := min(attemptTimeout, left)
	if !hasNext {
		return t
	}
	return min(t, max(left-reserve, minAttempt))
}

// clampReserve bounds the next tier's expected time to [minReserve,
// attemptTimeout]; attemptTimeout wins when minReserve exceeds it.
func clampReserve(expected, minReserve, attemptTimeout time.Duration) time.Duration {
	return min(max(expected, minReserve), attemptTimeout)
}
