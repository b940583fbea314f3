package config

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/catalog"
)

func TestValidate(t *testing.T) {
	setProfile := func(name string, f func(*Profile)) func(*Config) {
		return func(c *Config) {
			p := c.Profiles[name]
			f(&p)
			c.Profiles[name] = p
		}
	}
	tests := []struct {
		name string
		edit func(*Config)
		want string // "" for valid
	}{
		{"defaults", func(c *Config) {}, ""},
		{"a chain with cache and static", func(c *Config) { c.Chains["x"] = Tiers("a", "b", "cache", "static") }, ""},
		{"a chain ending in a model", func(c *Config) { c.Chains["x"] = Tiers("a", "b") }, ""},
		{"a static-only chain", func(c *Config) { c.Chains["maintenance"] = Tiers("static") }, ""},
		{"a deadline of 0 is none", setProfile("interactive", func(p *Profile) { p.Deadline = 0 }), ""},
		{"redis URL", func(c *Config) { c.Redis = "redis://localhost:6379/0" }, ""},
		{"redis socket", func(c *Config) { c.Redis = "unix:///run/redis.sock" }, ""},
		{"any-host addr", func(c *Config) { c.Addr = ":8080" }, ""},
		{"clients", func(c *Config) { c.Clients = []Client{{KeyEnv: "A_1"}, {KeyEnv: "_B", User: "u"}} }, ""},
		{"tracing to a collector over grpc", func(c *Config) {
			c.Tracing = Tracing{Endpoint: "https://otel.internal:4317", Protocol: "grpc", SampleRatio: 0.1}
		}, ""},

		{"a tracing endpoint that is no URL", func(c *Config) { c.Tracing.Endpoint = "otel:4318" },
			`tracing.endpoint: "otel:4318" is not a URL with scheme http, https`},
		{"a tracing protocol the exporter lacks", func(c *Config) { c.Tracing.Protocol = "http/json" },
			`tracing.protocol: must be "http/protobuf" or "grpc", got "http/json"`},
		{"a sample ratio of 0", func(c *Config) { c.Tracing.SampleRatio = 0 },
			`tracing.sample_ratio: must be above 0 and at most 1, got 0 (to trace nothing, leave tracing.endpoint empty)`},
		{"a sample ratio above 1", func(c *Config) { c.Tracing.SampleRatio = 1.5 }, `tracing.sample_ratio: must be above 0 and at most 1, got 1.5`},
		{"an empty tracing header name", func(c *Config) { c.Tracing.Headers = map[string]string{" ": "v"} },
			`tracing.headers: a header name is empty`},

		{"no default chain", func(c *Config) { delete(c.Chains, "default") },
			`chains: a "default" chain is required: it serves requested models that no chain names`},
		{"empty chain", func(c *Config) { c.Chains["default"] = nil }, "chains.default: must name at least one tier"},
		{"empty tier", func(c *Config) { c.Chains["default"] = Tiers("a", "") }, "chains.default[1]: a tier name is empty"},
		{"model after static", func(c *Config) { c.Chains["default"] = Tiers("a", "static", "b") },
			`chains.default[2]: model b comes after "static"; "cache" and "static" may only end a chain`},
		{"model after cache", func(c *Config) { c.Chains["default"] = Tiers("cache", "b") },
			`chains.default[1]: model b comes after "cache"`},
		{"cache after static", func(c *Config) { c.Chains["default"] = Tiers("a", "static", "cache") },
			`chains.default[2]: "cache" must come before "static"`},
		{"static twice", func(c *Config) { c.Chains["default"] = Tiers("a", "static", "static") },
			"chains.default[2]: static is named twice"},
		{"model twice", func(c *Config) { c.Chains["x"] = Tiers("a", "b", "a") }, "chains.x[2]: a is named twice"},
		{"empty chain name", func(c *Config) { c.Chains[""] = Tiers("a") }, "chains: a chain name is empty"},

		{"missing batch profile", func(c *Config) { delete(c.Profiles, "batch") }, `profiles: the "batch" profile is required`},
		{"missing interactive profile", func(c *Config) { delete(c.Profiles, "interactive") }, `profiles: the "interactive" profile is required`},
		{"zero attempts", setProfile("interactive", func(p *Profile) { p.Attempts = 0 }),
			"profiles.interactive.attempts: must be at least 1, got 0"},
		{"negative primary attempts", setProfile("batch", func(p *Profile) { p.PrimaryAttempts = -1 }),
			"profiles.batch.primary_attempts: must be at least 0, got -1"},
		{"zero attempt timeout", setProfile("batch", func(p *Profile) { p.AttemptTimeout = 0 }),
			"profiles.batch.attempt_timeout: must be longer than 0, got 0s"},
		{"negative deadline", setProfile("interactive", func(p *Profile) { p.Deadline = Duration(-time.Second) }),
			"profiles.interactive.deadline: must not be negative, got -1s"},
		{"negative first token timeout", setProfile("interactive", func(p *Profile) { p.FirstTokenTimeout = -1 }),
			"profiles.interactive.first_token_timeout: must not be negative"},
		{"negative idle timeout", setProfile("interactive", func(p *Profile) { p.IdleTimeout = -1 }),
			"profiles.interactive.idle_timeout: must not be negative"},
		{"zero fallback reserve", setProfile("interactive", func(p *Profile) { p.FallbackReserve = 0 }),
			"profiles.interactive.fallback_reserve: must be longer than 0, got 0s"},
		{"negative min fallback reserve", setProfile("batch", func(p *Profile) { p.MinFallbackReserve = -1 }),
			"profiles.batch.min_fallback_reserve: must be longer than 0"},
		{"zero min attempt", setProfile("interactive", func(p *Profile) { p.MinAttempt = 0 }),
			"profiles.interactive.min_attempt: must be longer than 0, got 0s"},
		{"negative backoff", setProfile("interactive", func(p *Profile) { p.Backoff.Initial = Duration(-time.Second) }),
			"profiles.interactive.backoff.initial: must not be negative, got -1s"},
		{"backoff max below initial", setProfile("interactive", func(p *Profile) { p.Backoff.Max = Duration(500 * time.Millisecond) }),
			"profiles.interactive.backoff.max: must be at least backoff.initial (1s), got 500ms"},
		{"a hedge in the interactive profile", setProfile("interactive", func(p *Profile) { p.Hedge.Max = 1 }), ""},
		{"too many hedges", setProfile("interactive", func(p *Profile) { p.Hedge.Max = 4 }),
			"profiles.interactive.hedge.max: must be 0 to 3, got 4"},
		{"a hedge in the batch profile", setProfile("batch", func(p *Profile) { p.Hedge.Max = 1 }),
			"profiles.batch.hedge: hedges are for interactive streams"},
		{"unknown jitter", setProfile("interactive", func(p *Profile) { p.Backoff.Jitter = "equal" }),
			`profiles.interactive.backoff.jitter: must be "full" or "decorrelated", got "equal"`},
		{"a new profile is checked too", func(c *Config) { c.Profiles["fast"] = Profile{Attempts: 1, Backoff: Backoff{Jitter: "full"}} },
			"profiles.fast.attempt_timeout: must be longer than 0, got 0s"},

		{"breaker failures", func(c *Config) { c.Breaker.Failures = 0 }, "breaker.failures: must be at least 1, got 0"},
		{"breaker window", func(c *Config) { c.Breaker.Window = 0 }, "breaker.window: must be longer than 0, got 0s"},
		{"breaker open_for", func(c *Config) { c.Breaker.OpenFor = -1 }, "breaker.open_for: must be longer than 0"},
		{"breaker recovery_probe_interval", func(c *Config) { c.Breaker.RecoveryProbeInterval = -1 }, "breaker.recovery_probe_interval: "},
		{"breaker probes", func(c *Config) { c.Breaker.HalfOpenProbes = 0 }, "breaker.half_open_probes: must be at least 1, got 0"},
		{"ratio above 1", func(c *Config) { c.RetryBudget.Ratio = 1.5 }, "retry_budget.ratio: must be between 0 and 1, got 1.5"},
		{"ratio below 0", func(c *Config) { c.RetryBudget.Ratio = -0.1 }, "retry_budget.ratio: must be between 0 and 1, got -0.1"},
		{"ratio 0 and 1 are fine", func(c *Config) { c.RetryBudget.Ratio = 1; c.RetryBudget.MinPerSecond = 0 }, ""},
		{"negative min per second", func(c *Config) { c.RetryBudget.MinPerSecond = -1 }, "retry_budget.min_per_second: must be at least 0, got -1"},
		{"user breaker failures", func(c *Config) { c.UserBreaker.Failures = 0 }, "user_breaker.failures: must be at least 1"},
		{"user breaker window", func(c *Config) { c.UserBreaker.Window = 0 }, "user_breaker.window: must be longer than 0"},
		{"cache on without ttl", func(c *Config) { c.Cache = Cache{Enabled: true} }, "cache.ttl: must be longer than 0, got 0s"},
		{"cache off with zero ttl is fine", func(c *Config) { c.Cache = Cache{} }, ""},
		{"negative cache ttl", func(c *Config) { c.Cache.TTL = -1 }, "cache.ttl: must not be negative"},

		{"empty addr", func(c *Config) { c.Addr = "" }, "addr: is required, e.g. 127.0.0.1:8080"},
		{"addr without port", func(c *Config) { c.Addr = "localhost" }, `addr: "localhost" is not host:port`},
		{"upstream without scheme", func(c *Config) { c.Upstream = "api.anthropic.com" }, `upstream: "api.anthropic.com" is not a URL with scheme http, https`},
		{"a bad URL's password is not shown", func(c *Config) { c.Redis = "http://user:pa55word-x@host:6379" },
			`redis: "http://host:6379" is not a URL with scheme redis, rediss, unix`},
		{"redis without scheme", func(c *Config) { c.Redis = "localhost:6379" }, `redis: "localhost:6379" is not a URL with scheme redis, rediss, unix`},
		{"empty message", func(c *Config) { c.Messages.Unavailable = " " }, "messages.unavailable: must not be empty"},
		{"empty timeout message", func(c *Config) { c.Messages.Timeout = "" }, "messages.timeout: must not be empty"},
		{"empty notice", func(c *Config) { c.Messages.Notice = "" }, "messages.notice: must not be empty"},
		{"negative price", func(c *Config) { c.Prices["m"] = catalog.Price{Output: -1} }, "prices.m.output: must not be negative, got -1"},
		{"client without key_env", func(c *Config) { c.Clients = []Client{{User: "u"}} },
			"clients[0].key_env: is required: name the environment variable that holds the client key"},
		{"client key_env not a name", func(c *Config) { c.Clients = []Client{{KeyEnv: "1KEY"}} }, `clients[0].key_env: "1KEY" is not an environment variable name`},
		{"client key_env twice", func(c *Config) { c.Clients = []Client{{KeyEnv: "K"}, {KeyEnv: "K"}} }, "clients[1].key_env: K is listed twice"},
		{"admin_key_env not a name", func(c *Config) { c.AdminKeyEnv = "ADMIN-KEY" }, `admin_key_env: "ADMIN-KEY" is not an environment variable name`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.edit(&c)
			err := c.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want %q", tt.want)
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("Validate() =\n%v\nwant a message starting with\n%s", err, tt.want)
			}
			var ce *Error
			if !errors.As(err, &ce) || ce.Key == "" || ce.Line != 0 || ce.File != "" {
				t.Errorf("Validate() error fields = %+v", ce)
			}
		})
	}
}

func TestValidateReportsEveryProblemInOrder(t *testing.T) {
	c := Default()
	c.Addr = ""
	c.Breaker.Failures = 0
	c.Clients = []Client{{}}
	err := c.Validate()
	want := "addr: is required, e.g. 127.0.0.1:8080\n" +
		"breaker.failures: must be at least 1, got 0\n" +
		"clients[0].key_env: is required: name the environment variable that holds the client key"
	if err == nil || err.Error() != want {
		t.Fatalf("Validate() =\n%v\nwant\n%s", err, want)
	}
}

func TestBreakerFailureRatioMustBeAShare(t *testing.T) {
	for _, tc := range []struct {
		yaml string
		ok   bool
	}{
		{"breaker: {failure_ratio: 0.5, min_requests: 20}\n", true},
		{"breaker: {failure_ratio: 1.5}\n", false},
		{"breaker: {failure_ratio: -0.1}\n", false},
		{"breaker: {min_requests: -1}\n", false},
	} {
		c, err := Parse([]byte(tc.yaml))
		if (err == nil) != tc.ok {
			t.Fatalf("%q: err = %v", tc.yaml, err)
		}
		if tc.ok && (c.Breaker.FailureRatio != 0.5 || c.Breaker.MinRequests != 20 || c.Breaker.Failures != 5) {
			t.Fatalf("%q: %+v", tc.yaml, c.Breaker)
		}
	}
}
