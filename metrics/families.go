package metrics

import "github.com/prometheus/client_golang/prometheus"

// Histogram buckets, in seconds.
var (
	// DurationBuckets are the buckets of bulwark_request_duration_seconds:
	// from a cache hit (5 ms) to a long stream (5 min).
	DurationBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 25, 60, 120, 300}
	// TTFTBuckets are the buckets of bulwark_time_to_first_token_seconds.
	TTFTBuckets = []float64{.05, .1, .25, .5, 1, 2, 5, 10, 20, 30, 60}
)

// families are the Prometheus metric families, before any label is resolved.
type families struct {
	requests        *prometheus.CounterVec
	duration        *prometheus.HistogramVec
	ttft            prometheus.Histogram
	hardTimeouts    prometheus.Counter
	attempts        *prometheus.CounterVec
	retries         *prometheus.CounterVec
	fallbacks       *prometheus.CounterVec
	skips           *prometheus.CounterVec
	breakerState    *prometheus.GaugeVec
	transitions     *prometheus.CounterVec
	cooldowns       *prometheus.CounterVec
	userCutoffs     prometheus.Counter
	misconfig       *prometheus.CounterVec
	tokens          *prometheus.CounterVec
	cost            *prometheus.CounterVec
	unknownTokens   *prometheus.CounterVec
	discardedTokens *prometheus.CounterVec
	discardedCost   *prometheus.CounterVec
}

func newFamilies() *families {
	c := func(name, help string, labels ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: "bulwark_" + name, Help: help}, labels)
	}
	return &families{
		requests: c("requests_total", "Requests by how they ended (answered, fallback, cache, static, rejected, exhausted, deadline, canceled, user_blocked, bad_request).", "outcome"),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "bulwark_request_duration_seconds", Help: "Time from a request's arrival to its last byte, by outcome.",
			Buckets: DurationBuckets,
		}, []string{"outcome"}),
		ttft: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "bulwark_time_to_first_token_seconds", Help: "Time from a request's arrival to its first content token.",
			Buckets: TTFTBuckets,
		}),
		hardTimeouts: prometheus.NewCounter(prometheus.CounterOpts{Name: "bulwark_hard_timeouts_total", Help: "Requests that ran out of their deadline."}),
		attempts:     c("upstream_attempts_total", "Upstream attempts by model and status class (2xx, 4xx, 5xx, 429, 529, network, timeout, canceled).", "model", "status_class"),
		retries:      c("retries_total", "Retries on the same model, by the class of the failure retried.", "model", "reason"),
		fallbacks:    c("fallbacks_total", "Moves from one model tier to the next.", "from", "to"),
		skips:        c("tier_skips_total", "Model tiers skipped without an attempt, by reason (open, cooldown).", "model", "reason"),
		breakerState: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "bulwark_breaker_state", Help: "State of a model's breaker: 0 closed, 1 half-open, 2 open.",
		}, []string{"model"}),
		transitions: c("breaker_transitions_total", "Breaker state changes made by this replica, by the state entered.", "model", "to"),
		cooldowns:   c("cooldowns_total", "Rate-limit cooldowns started (a 429 with retry-after).", "model"),
		userCutoffs: prometheus.NewCounter(prometheus.CounterOpts{Name: "bulwark_user_cutoffs_total", Help: "Users cut off by the per-user breaker."}),
		misconfig:   c("misconfig_total", "Failures that need a person (bad key, no credit, unknown or retired model), by model and class.", "model", "class"),
		tokens:      c("tokens_total", "Tokens of answered requests, by model and kind (input, output, cache_write, cache_read).", "model", "kind"),
		cost:        c("cost_usd_total", "Spend in USD on answered requests, for models with a known price.", "model"),
		unknownTokens: c("cost_unknown_tokens_total",
			"Tokens (answered or discarded) of models with no known price: spend that cannot be priced.", "model"),
		discardedTokens: c("discarded_tokens_total", "Tokens of attempts thrown away (a timeout after tokens flowed).", "model"),
		discardedCost:   c("discarded_cost_usd_total", "Spend in USD on attempts thrown away, for models with a known price.", "model"),
	}
}

func (f *families) collectors() []prometheus.Collector {
	return []prometheus.Collector{
		f.requests, f.duration, f.ttft, f.hardTimeouts, f.attempts, f.retries, f.fallbacks, f.skips,
		f.breakerState, f.transitions, f.cooldowns, f.userCutoffs, f.misconfig, f.tokens, f.cost,
		f.unknownTokens, f.discardedTokens, f.discardedCost,
	}
}
