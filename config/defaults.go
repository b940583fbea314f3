package config

import (
	"github.com/bulwarkhq/bulwark/backoff"
	"github.com/bulwarkhq/bulwark/breaker"
	"github.com/bulwarkhq/bulwark/budget"
	"github.com/bulwarkhq/bulwark/catalog"
	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/provider"
	"github.com/bulwarkhq/bulwark/store"
	"github.com/bulwarkhq/bulwark/tracing/otlp"
)

// Default texts of [Messages]: the engine's, which the library uses too.
const (
	DefaultUnavailableMessage = engine.DefaultUnavailableMessage
	DefaultTimeoutMessage     = engine.DefaultTimeoutMessage
	DefaultNoticeMessage      = engine.DefaultNoticeMessage
)

// Every default below is built from the packages that use it (engine,
// backoff, breaker, budget, store): each default has one home, and the
// library and the gateway read the same values.

// DefaultInteractive returns the default "interactive" profile, built from
// [engine.Interactive]: 3 attempts per tier, backoff 1s..60s with full
// jitter, 25s deadline, 20s per attempt, 10s to the first token, 30s between
// stream events, and the engine's fallback reserve defaults (8s before
// history, 2s at least, 2s at least per retry).
func DefaultInteractive() Profile { return FromEngine(engine.Interactive()) }

// DefaultBatch returns the default "batch" profile, built from
// [engine.Batch]: 1 attempt on the primary, then up to 5 per fallback tier,
// backoff 1s..60s with full jitter, no deadline, 10m per attempt (the longest
// the API lets a non-streaming request run), 60s to the first token and 60s
// between stream events, and the engine's fallback reserve defaults (they
// matter only under a deadline).
func DefaultBatch() Profile { return FromEngine(engine.Batch()) }

// FromEngine returns the configured form of an engine profile (its Name is
// the profile's key, not a field). A zero backoff field is written as the
// backoff package's default, a zero reserve field as the engine's.
func FromEngine(p engine.Profile) Profile {
	j := JitterFull
	if p.Backoff.Jitter == backoff.Decorrelated {
		j = JitterDecorrelated
	}
	return Profile{
		Attempts:        p.Attempts,
		PrimaryAttempts: p.PrimaryAttempts,
		Backoff: Backoff{
			Initial: Duration(or(p.Backoff.Initial, backoff.DefaultInitial)),
			Max:     Duration(or(p.Backoff.Max, backoff.DefaultMax)),
			Jitter:  j,
		},
		Deadline:           Duration(p.Deadline),
		AttemptTimeout:     Duration(or(p.AttemptTimeout, engine.DefaultAttemptTimeout)),
		FirstTokenTimeout:  Duration(p.FirstTokenTimeout),
		IdleTimeout:        Duration(p.IdleTimeout),
		FallbackReserve:    Duration(or(p.FallbackReserve, engine.DefaultFallbackReserve)),
		MinFallbackReserve: Duration(or(p.MinFallbackReserve, engine.DefaultMinFallbackReserve)),
		MinAttempt:         Duration(or(p.MinAttempt, engine.DefaultMinAttempt)),
		Hedge:              Hedge{After: HedgeAfter(p.Hedge.After), Max: p.Hedge.Max},
	}
}

func or[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// OpusModel is the model Claude Code asks for unless told otherwise; its
// default chain falls back to the default chain's models.
const OpusModel = "claude-opus-5-5"

// DefaultChains returns the chains used when there is no file: "default"
// ([engine.DefaultTiers]: claude-sonnet-5-5, claude-haiku-5-5, cache,
// static) and claude-opus-5-5 in front of the same tiers, so that a client
// that asks for Opus — Claude Code by default — falls back to Sonnet and
// Haiku on a bad day instead of to the static error. Each call returns new
// maps and slices.
func DefaultChains() map[string][]Tier {
	return map[string][]Tier{
		DefaultChain: Tiers(engine.DefaultTiers()...),
		OpusModel:    Tiers(append([]string{OpusModel}, engine.DefaultTiers()...)...),
	}
}

// Default returns the configuration used when there is no file: every
// default named on the fields of [Config]. Each call returns new maps and
// slices.
func Default() Config {
	return Config{
		Addr:      "127.0.0.1:8080",
		Upstream:  "",
		Chains:    DefaultChains(),
		Upstreams: map[string]Upstream{DefaultUpstream: {Kind: provider.Anthropic}},
		Profiles: map[string]Profile{
			ProfileInteractive: DefaultInteractive(),
			ProfileBatch:       DefaultBatch(),
		},
		Breaker: Breaker{
			Failures:              breaker.DefaultFailures,
			Window:                Duration(breaker.DefaultWindow),
			OpenFor:               Duration(breaker.DefaultOpenFor),
			HalfOpenProbes:        breaker.DefaultHalfOpenProbes,
			MinRequests:           breaker.DefaultMinRequests,
			RecoveryProbeInterval: Duration(breaker.DefaultRecoveryProbeInterval),
		},
		RetryBudget: RetryBudget{Ratio: budget.DefaultRatio, MinPerSecond: int(budget.DefaultMinPerSecond)},
		UserBreaker: UserBreaker{Failures: store.DefaultUserFailures, Window: Duration(store.DefaultUserWindow)},
		Cache:       Cache{Enabled: false, TTL: Duration(store.DefaultCacheTTL)},
		Redis:       "",
		Messages: Messages{
			Unavailable: DefaultUnavailableMessage,
			Timeout:     DefaultTimeoutMessage,
			Notice:      DefaultNoticeMessage,
		},
		Prices:  catalog.DefaultPrices(),
		Clients: []Client{},
		Tracing: Tracing{SampleRatio: otlp.DefaultSampleRatio, Headers: map[string]string{}},
	}
}

// defaultProfile is what a profile named in a file is merged over.
func defaultProfile(name string) Profile {
	if name == ProfileBatch {
		return DefaultBatch()
	}
	return DefaultInteractive()
}
