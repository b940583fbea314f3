// Package engine runs one request through a chain of model tiers: for every
// attempt it asks the model's breaker, makes the attempt, classifies the result
// with package taxonomy and decides whether to retry, wait, fall back or stop,
// within one wall-clock deadline (DESIGN §1–4).
//
// The engine knows nothing about HTTP or the SDK: the caller passes an
// [AttemptFunc] that performs one upstream call, and renders the cache and
// static tiers itself when [Outcome.Reason] says no model answered. The library
// (package bulwark) and the gateway are two such callers. A streamed attempt
// that reaches its commit point reports Result.Committed; the engine then
// leaves its breaker permit to the caller ([Outcome.Pending]), who settles it
// when the stream really ends.
package engine
