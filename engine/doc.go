// Package engine runs one request through a chain of model tiers: for every
// attempt it asks the model's breaker, makes the attempt, classifies the result
// with package taxonomy and decides whether to retry, wait, fall back or stop,
// within one wall-clock deadline (DESIGN §1–4).
//
// The engine knows nothing about HTTP or the SDK: the caller runs [Run] with
// an [AttemptFunc] that performs one upstream call and returns its payload
// (the caller's type: a message, a live stream, an error body) with the
// Result the engine classifies. The [Outcome] carries the latest payload
// (Answer: the answer, when a model answered) beside the run's account
// ([Report]); every payload it replaced goes to [Call.Discard], so that no
// pooled buffer or open stream is left behind. The caller renders the cache
// and static tiers itself when Reason says no model answered. The library
// (package bulwark) and the gateway are two such callers. A streamed attempt
// that reaches its commit point reports Result.Committed; the engine then
// leaves its breaker permit to the caller ([Report.Pending]), who settles it
// when the stream really ends.
//
// Deadline budgeting (DESIGN §3): a tier that has a next model tier keeps a
// fallback reserve for it — the p90 of the next model's recent successful
// attempts of the same kind ([Call.Stream]), or [Profile.FallbackReserve]
// before any — so that its first attempt is cut to leave the reserve and a
// retry is made only when its wait and [Profile.MinAttempt] fit before it.
// When every tier failed, a tier that was rate limited is tried again if its
// cooldown ends inside the deadline. When every tier was skipped (breakers
// open, cooldowns) and nothing was sent, each deployment whose breaker
// grants a recovery probe (breaker.Registry.AcquireRecovery, one per
// interval; fleet-wide through a [ProbeGate]) gets one attempt, and a run
// with none due waits, up to one interval and while a minimal attempt fits,
// for the next chance of a tier (breaker.Registry.NextChance) or for a
// breaker to close (breaker.Registry.Closed), so recovery is noticed within
// about a second (DESIGN §4). A context overflow
// (taxonomy.ContextOverflow) moves on only to a tier whose model has a
// larger context window ([WithContextWindows], default the catalog's), and
// to the caller when none has (DESIGN §14). With [Profile.Hedge] set, a
// stream attempt whose first token is late (its deployment's recent p95, or
// Hedge.After) gets a hedge on the next tier that takes it, paid for by the
// retry budget; the first to commit answers and the others are cancelled
// and waited for (their payloads discarded, their permits released as
// neutral), so Do must then be safe for concurrent calls (DESIGN §14). Files: run.go (the chain, revisits,
// the payloads kept and discarded), outcome.go (the outcome and its report), tier.go (one tier's attempts), wait.go (the wait rule, pure
// functions), latency.go (the bounded latency windows), profile.go (the
// timing policy and its defaults), chain.go (the one parser and rules of a
// chain of tier names, the default chain and the default user-facing texts,
// shared by the library, the gateway and config), pending.go (a committed stream's permit),
// recovery.go (recovery probes), hedge.go (hedged first tokens: the race),
// tracer.go (the Tracer hook: a span per attempt, DESIGN §9),
// context.go (the context-overflow rule, pure
// functions).
package engine
