// Package metrics is bulwark's observability (DESIGN §9): Prometheus metrics
// for /metrics and an in-memory snapshot for GET /v1/status and the dashboard.
//
// A [Metrics] is fed from three places:
//
//   - the engine, as its [engine.Observer] (Attempted, Retried, Skipped,
//     FellBack), once per upstream attempt, retry, skipped tier and fallback;
//   - the breaker registry, through [breaker.WithOnChange] and
//     [breaker.WithOnCooldown] set to [Metrics.BreakerChanged] and
//     [Metrics.CooldownStarted];
//   - the gateway, once at the end of each request ([Metrics.Request]) and on
//     the events only it sees ([Metrics.UserCutOff], [Metrics.Misconfig],
//     [Metrics.Incident]).
//
// Wiring, in the gateway:
//
//	m := metrics.New(metrics.WithPrices(cfg.Prices), metrics.WithModels(chainModels...))
//	reg := breaker.New(s, breaker.WithOnChange(m.BreakerChanged), breaker.WithOnCooldown(m.CooldownStarted))
//	eng := engine.New(..., engine.WithObserver(m))
//	mux.Handle("GET /metrics", m.Handler())
//	// GET /v1/status: m.Status() plus the breakers and the store, see [Status].
//
// # Metrics
//
// Every name has the prefix bulwark_ and every label is bounded: outcomes,
// status classes and reasons are fixed sets, passed in as typed values
// ([Outcome], taxonomy.Class, breaker.Verdict) whose label text is computed
// here, once (labels.go); a model has a label of its own
// only when it is configured ([WithModels]), priced or known to the catalog
// ([catalog.Known]), within [WithMaxModels], and any other name a client
// sends is counted as "other"; and no user or request id is ever a label.
// The "model" label names a deployment (DESIGN §13): the model alone on the
// default upstream, MODEL@UPSTREAM on another (engine.Deployment), each
// configured from the chains (config.Config.Deployments).
//
//	bulwark_requests_total{outcome}                    requests by how they ended
//	bulwark_request_duration_seconds{outcome}          histogram of request time
//	bulwark_time_to_first_token_seconds                histogram (streams and answers with a TTFT)
//	bulwark_hard_timeouts_total                        requests that ran out of deadline
//	bulwark_upstream_attempts_total{model,status_class} 2xx 4xx 5xx 429 529 network timeout canceled
//	bulwark_retries_total{model,reason}                reason: the failed attempt's class
//	bulwark_fallbacks_total{from,to}                   moves from one model tier to the next
//	bulwark_tier_skips_total{model,reason}             reason: open or cooldown
//	bulwark_breaker_state{model}                       0 closed, 1 half-open, 2 open
//	bulwark_breaker_transitions_total{model,to}        local changes only (not those learnt from peers)
//	bulwark_cooldowns_total{model}                     cooldowns started (not extended)
//	bulwark_user_cutoffs_total                         per-user breaker cut-offs
//	bulwark_misconfig_total{model,class}               page-severity failures (credit, auth, not_found, ...)
//	bulwark_tokens_total{model,kind}                   answered usage; kind: input output cache_write cache_read
//	bulwark_cost_usd_total{model}                      USD of answered usage, priced models only
//	bulwark_cost_unknown_tokens_total{model}           tokens (answered or discarded) of models with no price
//	bulwark_discarded_tokens_total{model}              tokens of attempts thrown away
//	bulwark_discarded_cost_usd_total{model}            USD of those, priced models only
//
// A model without a price never shows a cost of 0: it has no
// bulwark_cost_usd_total series, its tokens go to
// bulwark_cost_unknown_tokens_total, and [Status] shows its usd as null.
//
// # Cost on the request path
//
// Label values are resolved once per model and cached (a copy-on-write map
// read with one atomic load), so [Metrics.Request] and the Observer methods
// cost a few hundred nanoseconds and allocate nothing once a model has been
// seen; see BenchmarkRequest.
//
// # Status
//
// [Metrics.Status] returns rates over the last minute and five minutes, a
// per-second series of the last five minutes, spend by model and by user
// (bounded by [WithMaxUsers] and [WithMaxUserBytes], idle users forgotten
// after [WithUserIdle]), and the last 100 incidents, all kept in memory on
// the clock given by [WithClock]. The dashboard package documents the JSON
// it reads.
package metrics
