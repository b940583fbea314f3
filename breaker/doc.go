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
// # Recovery probes
//
// When every model tier of a request was skipped, the engine asks
// [Registry.AcquireRecovery] for a recovery probe (DESIGN §4): an open
// breaker (or a half-open one with every probe out) lets one request through
// per [Settings.RecoveryProbeInterval] (default 1 s), never during a
// cooldown. A probe that succeeds closes the breaker at once, instead of
// after OpenFor; one that fails changes nothing on an open breaker.
// [Registry.NextChance] says how long until a model may take a request
// again, and [Registry.Closed] signals the next breaker to close, for a
// request that waits for either. The decisions are decide.go's recoveryDue,
// afterRecovery and nextChance.
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
// # Why our own state machine, not failsafe-go
//
// The breaker is a small state machine of this package's (decide.go: the
// pure [next] decision, table-tested; window.go: the time-bucketed failure
// window; entry.go: the lock, permits and epochs), about 200 lines, on the
// Registry's [clock.Clock], as budget and backoff are. It used to wrap
// failsafe-go's circuitbreaker, with more code around eight calls into it
// than it saved:
//
//   - Time. failsafe-go reads the wall clock and cannot be given another, so
//     its open delay had to be set to forever and moved by hand on the
//     injected clock, while its failure window still ran on wall time: tests
//     could not move the window, and a fake clock saw failures it had long
//     forgotten. Here Window and OpenFor both run on the Registry's clock.
//   - Stale results. failsafe-go cannot tell which state a result belongs
//     to: a stream let through while closed that dies during half-open would
//     release a probe permit it never took. The wrapper kept its own probe
//     count beside failsafe-go's. Here one epoch/permit model does it: a
//     [Permit] remembers the breaker epoch it was taken in, and a result from
//     an earlier epoch is not counted in half-open.
//   - Counts. failsafe-go expires its window only when it records, so the
//     wrapper corrected the failures it showed by hand; here the window
//     slides on every read.
//
// What this package adds besides: a lock-free fast path (Allow on a
// configured model's closed breaker without a cooldown is a lock-free map
// lookup and two atomic loads, with no clock read; a success while closed in
// count mode cannot change a decision, so it takes no lock), cooldowns,
// Force from peers, neutral outcomes, a bounded per-model registry, and
// snapshots for /v1/status.
package breaker
