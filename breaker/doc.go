// Package breaker keeps a dead or overloaded model out of the way (DESIGN §4):
// one circuit breaker per model, plus the 429 cooldowns.
//
// A [Registry] holds a breaker and a cooldown per model: always for the
// configured models ([WithModels], [Registry.Reserve]), and for other models
// in a table bounded in entries and bytes that evicts the least recently used
// first and forgets idle models ([WithOtherModels]), so that made-up model
// names sent by clients can never take a configured model's breaker (DESIGN
// §4). The engine asks it before each attempt and tells it the outcome after:
//
//	p, v := reg.Acquire(model)   // or v := reg.Allow(model)
//	if v != breaker.Allow { /* skip this tier at once */ }
//	d := taxonomy.Classify(attempt(), now)
//	p.Done(d.Model)              // or reg.Record(model, d.Model)
//	if d.Cooldown > 0 { reg.Cooldown(model, d.Cooldown) }
//
// A stream keeps its Permit past the attempt and calls Done once, when it
// really ends (engine.Pending), so that a stream admitted while closed that
// dies during half-open is judged by its own epoch, not taken as the probe's.
//
// # Breaker
//
// Closed: every request goes through; [Settings.Failures] failures within
// [Settings.Window] (or, in rate mode, a [Settings.FailureRatio] over at least
// [Settings.MinRequests] requests) open it. Open: every request is skipped with
// [SkipOpen] for [Settings.OpenFor]. Then half-open: up to
// [Settings.HalfOpenProbes] real requests at a time go through as probes;
// HalfOpenProbes successes close it, one failure opens it again.
//
// Outcomes are [taxonomy.Effect]s. A Neutral outcome (a 4xx caused by the
// request, a cancelled call) does not count while closed; in half-open it
// means the model answered, so it counts as a success and releases its probe.
//
// # Cooldown
//
// A 429 with retry-after puts the model in cooldown ([Registry.Cooldown]):
// requests are skipped with [SkipCooldown] until it passes, whatever the
// breaker's state. Cooldowns are checked first and are never shortened.
//
// # Shared state
//
// [Registry.Force] and [Registry.ForceCooldown] apply what a peer replica saw
// (DESIGN §6, Redis). They report through the same callbacks marked as remote
// (or not at all, for cooldowns) so that they are not echoed back.
//
// # Why failsafe-go, and what is added around it
//
// The breaker state machine is failsafe-go's circuitbreaker (DESIGN §4, §10):
// a well-kept implementation with "N failures within a period" counted in a
// time-bucketed sliding window (what Settings.Failures and Window mean), a
// failure-rate mode with a minimum of executions, permit accounting in
// half-open with a success threshold, and a state-change listener. This
// package adds what failsafe-go does not do:
//
//   - Injected time. failsafe-go reads the wall clock and offers no way to
//     replace it, so its own open delay is set to forever and this package
//     moves open → half-open itself on a [clock.Clock] ([Settings.OpenFor]).
//     failsafe-go's failure window still runs on wall time.
//   - Stale results. failsafe-go cannot tell which state a result belongs to:
//     a slow request let through while closed that finishes during half-open
//     would release a probe permit it never took, letting more than
//     HalfOpenProbes probes run at once. A [Permit] remembers the breaker
//     epoch it was taken in; results from an earlier epoch are not counted
//     in half-open.
//   - A lock-free fast path: Allow on a configured model's closed breaker
//     without a cooldown is a lock-free map lookup and two atomic loads, with
//     no clock read (an unconfigured model takes the table's lock); a
//     success while closed (count mode) cannot change failsafe-go's decision,
//     so it is not handed to it.
//   - Cooldowns, Force from peers, neutral outcomes, a bounded per-model
//     registry, snapshots for /v1/status.
package breaker
