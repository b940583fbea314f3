package engine

import (
	"testing"
	"time"
)

const (
	ms = time.Millisecond
	s  = time.Second
)

func TestPlanRetryFollowsTheWaitRule(t *testing.T) {
	// The interactive defaults: deadline 25 s, attempt timeout 20 s,
	// fallback reserve 8 s before any history, 2 s at least per retry.
	defaults := func(in retryInput) retryInput {
		if in.Reserve == 0 {
			in.Reserve = 8 * s
		}
		if in.MinAttempt == 0 {
			in.MinAttempt = 2 * s
		}
		if in.AttemptTimeout == 0 {
			in.AttemptTimeout = 20 * s
		}
		return in
	}
	tests := []struct {
		name string
		in   retryInput
		want retryPlan
	}{
		{"DESIGN: Sonnet 429 retry-after 1 at 0.2 s waits 1 s and retries with a 15.8 s timeout",
			retryInput{Backoff: 500 * ms, RetryAfter: s, Left: 24800 * ms, HasNext: true},
			retryPlan{Wait: s, Timeout: 15800 * ms}},
		{"DESIGN: after a hung first attempt cut at 17 s no retry fits before the fallback's 8 s",
			retryInput{Backoff: 500 * ms, Left: 8 * s, HasNext: true},
			retryPlan{Wait: 500 * ms, Skip: skipReserve}},
		{"DESIGN: deadline 4 s, attempt timeout 1.5 s, after the first attempt cut at 1.5 s no retry fits",
			retryInput{Backoff: 500 * ms, Left: 2480 * ms, Reserve: 1500 * ms, AttemptTimeout: 1500 * ms, HasNext: true},
			retryPlan{Wait: 500 * ms, Skip: skipReserve}},
		{"a single 529 early on is retried after its backoff",
			retryInput{Backoff: 700 * ms, Left: 24900 * ms, HasNext: true},
			retryPlan{Wait: 700 * ms, Timeout: 16200 * ms}},
		{"with time to spare the retry gets the whole attempt timeout",
			retryInput{Backoff: 100 * ms, Left: 60 * s, HasNext: true},
			retryPlan{Wait: 100 * ms, Timeout: 20 * s}},
		{"the backoff is waited when longer than the retry-after",
			retryInput{Backoff: 3 * s, RetryAfter: s, Left: 24 * s, HasNext: true},
			retryPlan{Wait: 3 * s, Timeout: 13 * s}},
		{"jitter never shortens the retry-after",
			retryInput{Backoff: 10 * ms, RetryAfter: 2 * s, Left: 24 * s, HasNext: true},
			retryPlan{Wait: 2 * s, Timeout: 14 * s}},
		{"a retry-after longer than the time left is not waited",
			retryInput{RetryAfter: 30 * s, Left: 24 * s, HasNext: true},
			retryPlan{Wait: 30 * s, Skip: skipDeadline}},
		{"a wait that would eat into the next tier's reserve is not waited",
			retryInput{RetryAfter: 15 * s, Left: 24 * s, HasNext: true},
			retryPlan{Wait: 15 * s, Skip: skipReserve}},
		{"exactly wait + min_attempt + reserve fits",
			retryInput{RetryAfter: 14 * s, Left: 24 * s, HasNext: true},
			retryPlan{Wait: 14 * s, Timeout: 2 * s}},
		{"the last model tier keeps no reserve",
			retryInput{RetryAfter: 15 * s, Left: 24 * s, HasNext: false},
			retryPlan{Wait: 15 * s, Timeout: 9 * s}},
		{"the last model tier still needs a minimal attempt after the wait",
			retryInput{RetryAfter: 23 * s, Left: 24 * s, HasNext: false},
			retryPlan{Wait: 23 * s, Skip: skipDeadline}},
		{"a minimal attempt is at most the attempt timeout",
			retryInput{Backoff: 100 * ms, Left: 2 * s, Reserve: 500 * ms, AttemptTimeout: 500 * ms, HasNext: true},
			retryPlan{Wait: 100 * ms, Timeout: 500 * ms}},
		{"a better known fallback leaves more time for the retry",
			retryInput{RetryAfter: 15 * s, Left: 24 * s, Reserve: 2 * s, HasNext: true},
			retryPlan{Wait: 15 * s, Timeout: 7 * s}},
		{"no deadline: every wait fits and the retry gets the attempt timeout",
			retryInput{RetryAfter: time.Hour, Left: noDeadline, HasNext: true},
			retryPlan{Wait: time.Hour, Timeout: 20 * s}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := planRetry(defaults(tt.in)); got != tt.want {
				t.Fatalf("planRetry(%+v) = %+v, want %+v", defaults(tt.in), got, tt.want)
			}
		})
	}
}

func TestFirstTimeoutLeavesTheReserveButAlwaysMakesTheAttempt(t *testing.T) {
	tests := []struct {
		name                               string
		attemptTimeout, left, reserve, min time.Duration
		hasNext                            bool
		want                               time.Duration
	}{
		{"DESIGN: a hung Sonnet is cut at 17 s, leaving Haiku 8 s", 20 * s, 25 * s, 8 * s, 2 * s, true, 17 * s},
		{"DESIGN: deadline 4 s and attempt timeout 1.5 s: cut at 1.5 s", 1500 * ms, 4 * s, 1500 * ms, 2 * s, true, 1500 * ms},
		{"the fallback (no next model tier) gets what is left", 20 * s, 8 * s, 0, 2 * s, false, 8 * s},
		{"the attempt timeout bounds it when time is plenty", 20 * s, 60 * s, 8 * s, 2 * s, true, 20 * s},
		{"a deadline shorter than the reserve still gets a minimal attempt", 20 * s, 3 * s, 8 * s, 2 * s, true, 2 * s},
		{"with less than a minimal attempt left it gets all that is left", 20 * s, time.Second, 8 * s, 2 * s, true, time.Second},
		{"no deadline: the attempt timeout", 20 * s, noDeadline, 8 * s, 2 * s, true, 20 * s},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := firstTimeout(tt.attemptTimeout, tt.left, tt.reserve, tt.min, tt.hasNext); got != tt.want {
				t.Fatalf("firstTimeout = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestClampReserveKeepsItBetweenTheMinimumAndTheAttemptTimeout(t *testing.T) {
	tests := []struct{ expected, min, at, want time.Duration }{
		{8 * s, 2 * s, 20 * s, 8 * s},        // the default before history
		{300 * ms, 2 * s, 20 * s, 2 * s},     // a fast fallback still gets the minimum
		{45 * s, 2 * s, 20 * s, 20 * s},      // never more than one attempt
		{8 * s, 2 * s, 1500 * ms, 1500 * ms}, // the attempt timeout wins over the minimum
	}
	for _, tt := range tests {
		if got := clampReserve(tt.expected, tt.min, tt.at); got != tt.want {
			t.Errorf("clampReserve(%v, %v, %v) = %v, want %v", tt.expected, tt.min, tt.at, got, tt.want)
		}
	}
}
