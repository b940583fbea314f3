package config

import (
	"time"

	"github.com/bulwarkhq/bulwark/catalog"
	"github.com/bulwarkhq/bulwark/engine"
)

// Default texts of [Messages].
const (
	DefaultUnavailableMessage = "I'm having trouble answering right now. Please try again in a moment."
	DefaultTimeoutMessage     = "This is taking longer than it should. Please try again in a moment."
	DefaultNoticeMessage      = "Our main assistant is busy, so a backup answered. This reply may be a little shorter than usual."
)

// DefaultInteractive returns the default "interactive" profile: 3 attempts per
// tier, backoff 1s..60s with full jitter, 25s deadline, 20s per attempt, 10s
// to the first token, 30s between stream events, and the engine's fallback
// reserve defaults (8s before history, 2s at least, 2s at least per retry).
func DefaultInteractive() Profile {
	return Profile{
		Attempts:          3,
		Backoff:           Backoff{Initial: Duration(time.Second), Max: Duration(time.Minute), Jitter: JitterFull},
		Deadline:          Duration(25 * time.Second),
		AttemptTimeout:    Duration(20 * time.Second),
		FirstTokenTimeout: Duration(10 * time.Second),
		IdleTimeout:       Duration(30 * time.Second),
	}.withReserveDefaults()
}

// DefaultBatch returns the default "batch" profile: 1 attempt on the primary,
// then up to 5 per fallback tier, backoff 1s..60s with full jitter, no
// deadline, 10m per attempt (the longest the API lets a non-streaming request
// run), 60s to the first token and 60s between stream events, and the
// engine's fallback reserve defaults (they matter only under a deadline).
func DefaultBatch() Profile {
	return Profile{
		Attempts:          5,
		PrimaryAttempts:   1,
		Backoff:           Backoff{Initial: Duration(time.Second), Max: Duration(time.Minute), Jitter: JitterFull},
		Deadline:          0,
		AttemptTimeout:    Duration(10 * time.Minute),
		FirstTokenTimeout: Duration(time.Minute),
		IdleTimeout:       Duration(time.Minute),
	}.withReserveDefaults()
}

// withReserveDefaults sets the deadline-budgeting fields to the engine's
// defaults, their one home.
func (p Profile) withReserveDefaults() Profile {
	p.FallbackReserve = Duration(engine.DefaultFallbackReserve)
	p.MinFallbackReserve = Duration(engine.DefaultMinFallbackReserve)
	p.MinAttempt = Duration(engine.DefaultMinAttempt)
	return p
}

// Default returns the configuration used when there is no file: every
// default named on the fields of [Config]. Each call returns new maps and
// slices.
func Default() Config {
	return Config{
		Addr:     "127.0.0.1:8080",
		Upstream: "",
		Chains: map[string][]string{
			DefaultChain: {"claude-sonnet-5-5", "claude-haiku-5-5", TierCache, TierStatic},
		},
		Profiles: map[string]Profile{
			ProfileInteractive: DefaultInteractive(),
			ProfileBatch:       DefaultBatch(),
		},
		Breaker: Breaker{
			Failures: 5, Window: Duration(30 * time.Second), OpenFor: Duration(30 * time.Second), HalfOpenProbes: 1, MinRequests: 10,
		},
		RetryBudget: RetryBudget{Ratio: 0.2, MinPerSecond: 10},
		UserBreaker: UserBreaker{Failures: 5, Window: Duration(time.Minute)},
		Cache:       Cache{Enabled: false, TTL: Duration(10 * time.Minute)},
		Redis:       "",
		Messages: Messages{
			Unavailable: DefaultUnavailableMessage,
			Timeout:     DefaultTimeoutMessage,
			Notice:      DefaultNoticeMessage,
		},
		Prices:  catalog.DefaultPrices(),
		Clients: []Client{},
	}
}

// defaultProfile is what a profile named in a file is merged over.
func defaultProfile(name string) Profile {
	if name == ProfileBatch {
		return DefaultBatch()
	}
	return DefaultInteractive()
}
