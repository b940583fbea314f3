// Package budget is bulwark's process-wide retry budget, the retry-storm
// guard of DESIGN §3 (after gRPC's retry throttling and Envoy's retry
// budgets).
//
// When an upstream has a bad minute, every request wants to retry at once;
// unbounded, retries multiply the load exactly when the upstream can least
// take it. A [Budget] lets retries across the whole process add at most
// ratio × first attempts plus minPerSecond × window seconds within a sliding
// window (default 10 s in 10 buckets). The engine calls [Budget.OnAttempt] for
// every first attempt and [Budget.TryRetry] before every retry; when TryRetry
// says no, the engine does not retry and moves on to the next tier.
//
// Why not failsafe-go's budget package: it bounds concurrent in-flight
// retries relative to in-flight executions (a concurrency limit), while
// DESIGN §3 asks for a rate over a time window, which also caps retries that
// are spread out in time. The window here is about 50 lines.
//
// Time comes from an injected [clock.Clock]; tests move it by hand.
package budget
