package config

import (
	"github.com/bulwarkhq/bulwark/catalog"
	"github.com/bulwarkhq/bulwark/engine"
)

// Reserved tier names: they may end a chain, after its model tiers (the
// engine's names and rules: [engine.CheckTiers]).
const (
	// TierCache is the stale-cache tier: the last good answer to the same
	// request. It answers only when a chain names it and Cache.Enabled is true.
	TierCache = engine.TierCache
	// TierStatic is the static tier: a friendly message, never a blank screen.
	TierStatic = engine.TierStatic
)

// The two profiles every Config has (DESIGN §3). A request picks one with the
// bulwark-profile header.
const (
	ProfileInteractive = "interactive"
	ProfileBatch       = "batch"
)

// DefaultChain is the chain key used for requested models that no chain names.
const DefaultChain = "default"

// Config is bulwark's configuration: the YAML file of DESIGN §7b, with flags
// applied over it. The zero value is not usable; start from [Default],
// [Parse] or [Load]. The yaml (and json) key of each field is the contract.
type Config struct {
	// Addr is the gateway's listen address, host:port. Default "127.0.0.1:8080".
	Addr string `yaml:"addr" json:"addr"`
	// Upstream is the base URL of the Anthropic API to call, e.g.
	// "https://api.anthropic.com". Default "": the caller falls back to
	// $ANTHROPIC_BASE_URL, then the real API (or the built-in simulator when
	// there is no API key).
	Upstream string `yaml:"upstream" json:"upstream"`
	// Chains maps a requested model to its tiers ([Tier]), in order: models, then
	// optionally "cache", then optionally "static". The "default" chain must
	// exist; see [Config.Chain] for how a model picks one. A file's chains are
	// added to the defaults key by key. Default ([DefaultChains]):
	// {"default": [claude-sonnet-5-5, claude-haiku-5-5, cache, static],
	// "claude-opus-5-5": [claude-opus-5-5, claude-sonnet-5-5,
	// claude-haiku-5-5, cache, static]}.
	Chains map[string][]Tier `yaml:"chains" json:"chains"`
	// Upstreams names the places models are served from (DESIGN §13), by
	// name; a tier's via picks among them. "anthropic" ([DefaultUpstream],
	// kind anthropic, base URL [Config.Upstream]) is always present. A
	// file's upstreams are added to it key by key.
	Upstreams map[string]Upstream `yaml:"upstreams" json:"upstreams"`
	// Profiles holds the timing and retry settings by profile name. After
	// defaults are applied "interactive" and "batch" are always present; a
	// profile in a file is merged field by field over its default (a new
	// profile name starts from "interactive"). See [Profile].
	Profiles map[string]Profile `yaml:"profiles" json:"profiles"`
	// Breaker configures the per-(upstream, model) circuit breaker.
	Breaker Breaker `yaml:"breaker" json:"breaker"`
	// RetryBudget caps retries across the whole process.
	RetryBudget RetryBudget `yaml:"retry_budget" json:"retry_budget"`
	// UserBreaker configures the per-user breaker.
	UserBreaker UserBreaker `yaml:"user_breaker" json:"user_breaker"`
	// Cache configures the stale-cache tier.
	Cache Cache `yaml:"cache" json:"cache"`
	// Redis is the URL of the Redis server that holds state shared by gateway
	// replicas (redis://host:port/db, rediss://..., unix://...). Default "":
	// state lives in process memory.
	Redis string `yaml:"redis" json:"redis"`
	// Messages are the texts end users read when no model could answer.
	Messages Messages `yaml:"messages" json:"messages"`
	// Prices is the price table, USD per million tokens by model, used to
	// report spend. A file's entries are merged over [catalog.DefaultPrices]:
	// a model with a default price keeps the fields the file leaves out; for
	// another model they are 0. A model in no entry has unknown spend.
	Prices catalog.Prices `yaml:"prices" json:"prices"`
	// Clients lists the client keys the gateway accepts. Default empty: no
	// client key is required.
	Clients []Client `yaml:"clients" json:"clients"`
	// AdminKeyEnv names the environment variable holding the admin key,
	// which opens GET /v1/status, /metrics and the dashboard (as every
	// client key does) but not the API. With client keys or an admin key
	// configured those paths need a key; with neither they are open. The
	// key is read from the environment, never from the file. Default "":
	// no admin key.
	AdminKeyEnv string `yaml:"admin_key_env" json:"admin_key_env"`
	// Tracing configures OpenTelemetry traces over OTLP ([Tracing]): off
	// unless it or OTEL_EXPORTER_OTLP_ENDPOINT names an endpoint.
	Tracing Tracing `yaml:"tracing" json:"tracing"`
}

// Tracing is where and how traces are exported (DESIGN §9; package
// tracing/otlp). A key set here wins over the OpenTelemetry variable of
// the same meaning; a key left empty leaves it to the variable (the SDK
// reads OTEL_EXPORTER_OTLP_* and OTEL_RESOURCE_ATTRIBUTES as usual).
type Tracing struct {
	// Endpoint is the OTLP receiver's base URL (http:// or https://), as
	// OTEL_EXPORTER_OTLP_ENDPOINT is: http/protobuf posts to
	// ENDPOINT/v1/traces, grpc dials its host:port. Default "":
	// $OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, then $OTEL_EXPORTER_OTLP_ENDPOINT;
	// with none, tracing is off and costs nothing.
	Endpoint string `yaml:"endpoint" json:"endpoint"`
	// Protocol is "http/protobuf" or "grpc". Default "":
	// $OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, then $OTEL_EXPORTER_OTLP_PROTOCOL,
	// then "http/protobuf".
	Protocol string `yaml:"protocol" json:"protocol"`
	// SampleRatio is the share of new traces sampled, in (0, 1]; a request
	// with a traceparent follows its sampled flag. Default 1
	// (otlp.DefaultSampleRatio).
	SampleRatio float64 `yaml:"sample_ratio" json:"sample_ratio"`
	// ServiceName is the service.name of the spans. Default "":
	// $OTEL_SERVICE_NAME, then "bulwark" (otlp.DefaultServiceName).
	ServiceName string `yaml:"service_name" json:"service_name"`
	// Headers are sent with every export, over those of
	// $OTEL_EXPORTER_OTLP_HEADERS (a name in both takes this value). A
	// secret (a vendor's API key) belongs in the variable, not the file;
	// every value is redacted from the logs either way. Default none.
	Headers map[string]string `yaml:"headers" json:"headers"`
}

// Profile is the retry and timing policy for one kind of caller. Every
// Duration of 0 means "no bound" except AttemptTimeout, FallbackReserve,
// MinFallbackReserve and MinAttempt, which must be > 0.
type Profile struct {
	// Attempts is the number of attempts per model tier, at least 1.
	// Default 3 (interactive), 5 (batch).
	Attempts int `yaml:"attempts" json:"attempts"`
	// PrimaryAttempts is the number of attempts on the chain's first tier;
	// 0 means Attempts. Default 0 (interactive), 1 (batch).
	PrimaryAttempts int `yaml:"primary_attempts" json:"primary_attempts"`
	// Backoff is the wait between attempts on the same tier.
	Backoff Backoff `yaml:"backoff" json:"backoff"`
	// Deadline bounds the whole chain, wall clock; 0 means none.
	// Default 25s (interactive), 0 (batch).
	Deadline Duration `yaml:"deadline" json:"deadline"`
	// AttemptTimeout bounds one upstream attempt; must be > 0.
	// Default 20s (interactive), 10m (batch).
	AttemptTimeout Duration `yaml:"attempt_timeout" json:"attempt_timeout"`
	// FirstTokenTimeout bounds a stream from attempt start to its first
	// content_block_delta; 0 means none. Default 10s (interactive), 60s (batch).
	FirstTokenTimeout Duration `yaml:"first_token_timeout" json:"first_token_timeout"`
	// IdleTimeout bounds the gap between stream events after the first token;
	// 0 means none. Default 30s (interactive), 60s (batch).
	IdleTimeout Duration `yaml:"idle_timeout" json:"idle_timeout"`
	// FallbackReserve is the time a tier keeps back for the next model tier
	// before that tier has any measured attempt; afterwards the reserve is
	// the p90 of its recent successful attempts of the same kind (streams:
	// time to first token), clamped to [MinFallbackReserve,
	// AttemptTimeout]. Must be > 0. Default engine.DefaultFallbackReserve
	// (8s) in both profiles.
	FallbackReserve Duration `yaml:"fallback_reserve" json:"fallback_reserve"`
	// MinFallbackReserve is the least time kept back for the next model
	// tier. Must be > 0. Default engine.DefaultMinFallbackReserve (2s).
	MinFallbackReserve Duration `yaml:"min_fallback_reserve" json:"min_fallback_reserve"`
	// MinAttempt is the least attempt time a retry must get, after its wait
	// and the fallback reserve, to be made (at most AttemptTimeout). Must be
	// > 0. Default engine.DefaultMinAttempt (2s).
	MinAttempt Duration `yaml:"min_attempt" json:"min_attempt"`
	// Hedge is the hedged first token of streamed requests ([Hedge]); off
	// by default.
	Hedge Hedge `yaml:"hedge" json:"hedge"`
}

// AttemptsFor returns the number of attempts for the tier at index tier of a
// chain (0 is the first): PrimaryAttempts for tier 0 when it is set, else
// Attempts.
func (p Profile) AttemptsFor(tier int) int {
	if tier == 0 && p.PrimaryAttempts > 0 {
		return p.PrimaryAttempts
	}
	return p.Attempts
}

// Jitter kinds for [Backoff.Jitter].
const (
	// JitterFull waits a random time in [0, the exponential backoff].
	JitterFull = "full"
	// JitterDecorrelated waits a random time in [Initial, 3 × the last wait],
	// capped at Max.
	JitterDecorrelated = "decorrelated"
)

// Backoff is exponential backoff with jitter. A server's retry-after is
// never shortened by it: the wait is max(retry-after, backoff).
type Backoff struct {
	// Initial is the first backoff, before jitter. Default 1s.
	Initial Duration `yaml:"initial" json:"initial"`
	// Max caps every backoff; at least Initial. Default 60s.
	Max Duration `yaml:"max" json:"max"`
	// Jitter is "full" or "decorrelated". Default "full".
	Jitter string `yaml:"jitter" json:"jitter"`
}

// Breaker configures the circuit breaker kept for each (upstream, model).
type Breaker struct {
	// Failures within Window that open the breaker, at least 1. Default 5.
	Failures int `yaml:"failures" json:"failures"`
	// Window is the span failures are counted over, > 0. Default 30s.
	Window Duration `yaml:"window" json:"window"`
	// OpenFor is how long an open breaker skips its model before letting
	// probes through, > 0. Default 30s.
	OpenFor Duration `yaml:"open_for" json:"open_for"`
	// HalfOpenProbes is how many real requests a half-open breaker lets
	// through, at least 1. Default 1.
	HalfOpenProbes int `yaml:"half_open_probes" json:"half_open_probes"`
	// FailureRatio, when above 0, opens the breaker on a share of failures
	// (0 < r <= 1) among at least MinRequests outcomes within Window,
	// instead of on a count of Failures: better for high, steady traffic,
	// where a handful of failures says little. Default 0 (count mode).
	FailureRatio float64 `yaml:"failure_ratio" json:"failure_ratio"`
	// MinRequests is the number of outcomes within Window before
	// FailureRatio applies, at least 0; default 10 (0 also means 10).
	MinRequests int `yaml:"min_requests" json:"min_requests"`
	// RecoveryProbeInterval is how often, at most, an open breaker lets one
	// request through as a recovery probe when every model tier of a request
	// was skipped (DESIGN §4; fleet-wide with Redis); a probe that succeeds
	// closes the breaker. ≥ 0; 0 turns recovery probes off. Default 1s.
	RecoveryProbeInterval Duration `yaml:"recovery_probe_interval" json:"recovery_probe_interval"`
}

// RetryBudget caps retries across the process: retries may add at most Ratio
// of first attempts plus MinPerSecond retries per second. Over budget, a
// failed attempt moves to the next tier instead of retrying.
type RetryBudget struct {
	// Ratio of retries to first attempts, in [0, 1]. Default 0.2.
	Ratio float64 `yaml:"ratio" json:"ratio"`
	// MinPerSecond is the number of retries per second always allowed, ≥ 0.
	// Default 10.
	MinPerSecond int `yaml:"min_per_second" json:"min_per_second"`
}

// UserBreaker configures the per-user breaker: a user whose own requests fail
// Failures times within Window is answered from the static tier until the
// window passes.
type UserBreaker struct {
	// Failures within Window that trip the user's breaker, at least 1. Default 5.
	Failures int `yaml:"failures" json:"failures"`
	// Window is the span failures are counted over, > 0. Default 60s.
	Window Duration `yaml:"window" json:"window"`
}

// Cache configures the stale-cache tier.
type Cache struct {
	// Enabled turns the cache tier on. It answers only in chains that also
	// name the "cache" tier. Default false.
	Enabled bool `yaml:"enabled" json:"enabled"`
	// TTL is how long a good answer is kept, > 0 when Enabled. Default 10m.
	TTL Duration `yaml:"ttl" json:"ttl"`
}

// Messages are the user-facing texts of the static tier and the agent
// endpoint. None may be empty: people read these instead of an error.
type Messages struct {
	// Unavailable is the answer when every tier failed.
	Unavailable string `yaml:"unavailable" json:"unavailable"`
	// Timeout is the answer when the deadline expired.
	Timeout string `yaml:"timeout" json:"timeout"`
	// Notice accompanies an answer from a fallback model.
	Notice string `yaml:"notice" json:"notice"`
}

// Client is one accepted client key. The key itself is read from the
// environment variable KeyEnv, never from the file.
type Client struct {
	// KeyEnv names the environment variable holding the key; required.
	KeyEnv string `yaml:"key_env" json:"key_env"`
	// User is the user id requests with this key count against; "" means
	// the key itself identifies the user.
	User string `yaml:"user" json:"user"`
}
