package config

import (
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"

	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/internal/redact"
	"github.com/bulwarkhq/bulwark/tracing/otlp"
)

// Validate checks that c can run and returns every problem found, as *Error
// values joined with [errors.Join] (nil when there is none). Each names the
// key path, e.g. "profiles.interactive.attempts: must be at least 1".
//
// The rules: addr is host:port; upstream, when set, is an http(s) URL; redis,
// when set, is a redis://, rediss:// or unix:// URL; a "default" chain
// exists; every chain names at least one tier, no tier twice, and "cache" and
// "static" only at its end, "cache" before "static"; the "interactive" and
// "batch" profiles exist; attempts ≥ 1, primary_attempts ≥ 0, durations ≥ 0,
// attempt_timeout, fallback_reserve, min_fallback_reserve and min_attempt
// > 0, backoff max ≥ initial and jitter "full" or "decorrelated"; breaker and user_breaker failures ≥ 1 and windows > 0,
// half_open_probes ≥ 1; retry_budget ratio in [0, 1] and min_per_second ≥ 0;
// cache ttl > 0 when enabled; no message is empty; prices are ≥ 0; every
// client has a key_env that is an environment variable name, each once;
// admin_key_env, when set, is an environment variable name; tracing's
// endpoint, when set, is an http(s) URL, its protocol "http/protobuf" or
// "grpc" (or empty), its sample_ratio in (0, 1].
func (c Config) Validate() error {
	v := &validator{}
	v.addr(c.Addr)
	v.url("upstream", c.Upstream, "http", "https")
	v.url("redis", c.Redis, "redis", "rediss", "unix")
	v.chains(c.Chains)
	v.upstreams(c.Upstream, c.Upstreams, c.Chains)
	v.profiles(c.Profiles)

	b := c.Breaker
	v.atLeast("breaker.failures", b.Failures, 1)
	v.positive("breaker.window", b.Window)
	v.positive("breaker.open_for", b.OpenFor)
	v.atLeast("breaker.half_open_probes", b.HalfOpenProbes, 1)
	if r := b.FailureRatio; !(r >= 0 && r <= 1) {
		v.add("breaker.failure_ratio", "must be between 0 and 1, got %v", r)
	}
	v.atLeast("breaker.min_requests", b.MinRequests, 0)
	v.nonNegative("breaker.recovery_probe_interval", b.RecoveryProbeInterval)

	if r := c.RetryBudget.Ratio; !(r >= 0 && r <= 1) {
		v.add("retry_budget.ratio", "must be between 0 and 1, got %v", r)
	}
	v.atLeast("retry_budget.min_per_second", c.RetryBudget.MinPerSecond, 0)

	v.atLeast("user_breaker.failures", c.UserBreaker.Failures, 1)
	v.positive("user_breaker.window", c.UserBreaker.Window)

	if c.Cache.Enabled {
		v.positive("cache.ttl", c.Cache.TTL)
	} else {
		v.nonNegative("cache.ttl", c.Cache.TTL)
	}

	v.text("messages.unavailable", c.Messages.Unavailable)
	v.text("messages.timeout", c.Messages.Timeout)
	v.text("messages.notice", c.Messages.Notice)

	for _, m := range sortedKeys(c.Prices) {
		p := c.Prices[m]
		if strings.TrimSpace(m) == "" {
			v.add("prices", "a model name is empty")
		}
		for _, f := range []struct {
			key string
			val float64
		}{{"input", p.Input}, {"output", p.Output}, {"cache_write", p.CacheWrite}, {"cache_read", p.CacheRead}} {
			if !(f.val >= 0) {
				v.add("prices."+m+"."+f.key, "must not be negative, got %v", f.val)
			}
		}
	}

	seen := map[string]bool{}
	for i, cl := range c.Clients {
		key := fmt.Sprintf("clients[%d].key_env", i)
		switch {
		case cl.KeyEnv == "":
			v.add(key, "is required: name the environment variable that holds the client key")
		case !isEnvName(cl.KeyEnv):
			v.add(key, "%q is not an environment variable name (letters, digits and _, not starting with a digit)", cl.KeyEnv)
		case seen[cl.KeyEnv]:
			v.add(key, "%s is listed twice", cl.KeyEnv)
		}
		seen[cl.KeyEnv] = true
	}
	if e := c.AdminKeyEnv; e != "" && !isEnvName(e) {
		v.add("admin_key_env", "%q is not an environment variable name (letters, digits and _, not starting with a digit)", e)
	}
	v.tracing(c.Tracing)
	return join(v.errs)
}

type validator struct{ errs []*Error }

// tracing checks the tracing: key: an http(s) endpoint, a protocol the
// exporter speaks, a sample ratio in (0, 1] and named headers.
func (v *validator) tracing(t Tracing) {
	v.url("tracing.endpoint", t.Endpoint, "http", "https")
	switch t.Protocol {
	case "", otlp.ProtocolHTTP, otlp.ProtocolGRPC:
	default:
		v.add("tracing.protocol", "must be %q or %q, got %q", otlp.ProtocolHTTP, otlp.ProtocolGRPC, t.Protocol)
	}
	if r := t.SampleRatio; !(r > 0 && r <= 1) {
		v.add("tracing.sample_ratio", "must be above 0 and at most 1, got %v (to trace nothing, leave tracing.endpoint empty)", r)
	}
	for _, k := range sortedKeys(t.Headers) {
		if strings.TrimSpace(k) == "" {
			v.add("tracing.headers", "a header name is empty")
		}
	}
}

func (v *validator) add(key, format string, args ...any) {
	v.errs = append(v.errs, &Error{Key: key, Msg: fmt.Sprintf(format, args...)})
}

func (v *validator) atLeast(key string, n, min int) {
	if n < min {
		v.add(key, "must be at least %d, got %d", min, n)
	}
}

func (v *validator) positive(key string, d Duration) {
	if d <= 0 {
		v.add(key, "must be longer than 0, got %s", d)
	}
}

func (v *validator) nonNegative(key string, d Duration) {
	if d < 0 {
		v.add(key, "must not be negative, got %s", d)
	}
}

func (v *validator) text(key, s string) {
	if strings.TrimSpace(s) == "" {
		v.add(key, "must not be empty: people read it instead of an answer")
	}
}

func (v *validator) addr(a string) {
	if a == "" {
		v.add("addr", "is required, e.g. 127.0.0.1:8080")
		return
	}
	if _, _, err := net.SplitHostPort(a); err != nil {
		v.add("addr", "%q is not host:port, e.g. 127.0.0.1:8080 or :8080", a)
	}
}

func (v *validator) url(key, s string, schemes ...string) {
	if s == "" {
		return
	}
	u, err := url.Parse(s)
	if err != nil || !slices.Contains(schemes, u.Scheme) || (u.Host == "" && u.Scheme != "unix") {
		v.add(key, "%q is not a URL with scheme %s", redact.Userinfo(s), strings.Join(schemes, ", "))
	}
}

func (v *validator) chains(chains map[string][]Tier) {
	if _, ok := chains[DefaultChain]; !ok {
		v.add("chains", "a %q chain is required: it serves requested models that no chain names", DefaultChain)
	}
	for _, name := range sortedKeys(chains) {
		tiers := chains[name]
		key := "chains." + name
		if strings.TrimSpace(name) == "" {
			v.add("chains", "a chain name is empty")
		}
		// The rules of a chain are the engine's, one home for both faces.
		for _, e := range engine.CheckTiers(Names(tiers)) {
			k := key
			if e.Tier >= 0 {
				k = fmt.Sprintf("%s[%d]", key, e.Tier)
			}
			v.add(k, "%s", e.Msg)
		}
	}
}

func (v *validator) profiles(profiles map[string]Profile) {
	for _, name := range []string{ProfileInteractive, ProfileBatch} {
		if _, ok := profiles[name]; !ok {
			v.add("profiles", "the %q profile is required", name)
		}
	}
	for _, name := range sortedKeys(profiles) {
		p := profiles[name]
		key := "profiles." + name + "."
		v.atLeast(key+"attempts", p.Attempts, 1)
		v.atLeast(key+"primary_attempts", p.PrimaryAttempts, 0)
		v.nonNegative(key+"backoff.initial", p.Backoff.Initial)
		v.nonNegative(key+"backoff.max", p.Backoff.Max)
		if p.Backoff.Max < p.Backoff.Initial && p.Backoff.Max >= 0 {
			v.add(key+"backoff.max", "must be at least backoff.initial (%s), got %s", p.Backoff.Initial, p.Backoff.Max)
		}
		if p.Backoff.Jitter != JitterFull && p.Backoff.Jitter != JitterDecorrelated {
			v.add(key+"backoff.jitter", "must be %q or %q, got %q", JitterFull, JitterDecorrelated, p.Backoff.Jitter)
		}
		v.nonNegative(key+"deadline", p.Deadline)
		v.positive(key+"attempt_timeout", p.AttemptTimeout)
		v.nonNegative(key+"first_token_timeout", p.FirstTokenTimeout)
		v.nonNegative(key+"idle_timeout", p.IdleTimeout)
		v.positive(key+"fallback_reserve", p.FallbackReserve)
		v.positive(key+"min_fallback_reserve", p.MinFallbackReserve)
		v.positive(key+"min_attempt", p.MinAttempt)
		if p.Hedge.Max < 0 || p.Hedge.Max > MaxHedges {
			v.add(key+"hedge.max", "must be 0 to %d, got %d", MaxHedges, p.Hedge.Max)
		}
		if name == ProfileBatch && p.Hedge.Max > 0 {
			v.add(key+"hedge", "hedges are for interactive streams: no one waits on a batch request's first token")
		}
	}
}

func isEnvName(s string) bool {
	for i, c := range s {
		switch {
		case c == '_', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return s != ""
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
