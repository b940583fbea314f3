package sim

import (
	"time"

	"github.com/bulwarkhq/bulwark/clock"
)

// Option configures a Server made by New or Start.
type Option func(*config)

type config struct {
	seed       int64
	seeded     bool
	rules      []Rule
	script     *Script
	tokenDelay time.Duration
	rpm        map[string]int
	limits     []Limit
	clock      clock.Clock
}

// WithSeed seeds the server's generator, making fault draws (for a given
// order of requests) and answer texts repeatable. Default: a random seed, so
// each Server draws differently. Answer texts depend only on the seed, the
// model and the prompt, never on the order of requests.
func WithSeed(seed int64) Option {
	return func(c *config) { c.seed, c.seeded = seed, true }
}

// WithRules sets the initial live fault rules (see SetRules). Default: none.
// Invalid values are treated as described at SetRules; use ParseRules to
// check rules from a file.
func WithRules(rules []Rule) Option {
	return func(c *config) { c.rules = append([]Rule(nil), rules...) }
}

// WithScript runs a timeline of fault phases starting at New (see Script).
// Default: no script.
func WithScript(sc Script) Option {
	return func(c *config) {
		cp := Script{Loop: sc.Loop, Phases: make([]Phase, len(sc.Phases))}
		for i, p := range sc.Phases {
			cp.Phases[i] = Phase{Name: p.Name, Duration: p.Duration, Rules: append([]Rule(nil), p.Rules...)}
		}
		c.script = &cp
	}
}

// WithTokenDelay sets the pause before each streamed content_block_delta
// (so a stream of n deltas takes about n×d). It does not slow non-streaming
// answers. Default 0: no pause.
func WithTokenDelay(d time.Duration) Option {
	return func(c *config) { c.tokenDelay = d }
}

// WithRPM limits the Messages requests for model to n per minute with a
// sliding 60-second window, on every upstream together; "*" sets the limit
// of every model that has no limit of its own, each model counted
// separately. It predates WithLimits, whose token buckets refill
// continuously as the API's do, and applies besides them (a request must
// pass both; the requests headers show the one with less remaining). A request over the limit
// gets the real API's 429 rate_limit_error with retry-after (seconds until a
// slot frees) and is not counted in the window. n <= 0 removes the limit.
// Default: no limit (the headers then advertise 4000 requests per minute).
func WithRPM(model string, n int) Option {
	return func(c *config) {
		if c.rpm == nil {
			c.rpm = map[string]int{}
		}
		if n <= 0 {
			delete(c.rpm, model)
			return
		}
		c.rpm[model] = n
	}
}

// WithLimits sets the rate limits to start with (see Limit and
// SetLimits). Default: none, so nothing is refused and the headers
// advertise 4000 requests, 2,000,000 input and 400,000 output tokens per
// minute, always full.
func WithLimits(limits []Limit) Option {
	return func(c *config) { c.limits = append([]Limit(nil), limits...) }
}

// WithClock sets the clock that times latency, stalls, token delays, the
// script timeline, the rate-limit buckets and RPM windows, and arrival
// times. Default clock.Real. With a clock.Fake every such wait lasts until the test advances the clock.
func WithClock(c clock.Clock) Option {
	return func(cfg *config) { cfg.clock = c }
}
