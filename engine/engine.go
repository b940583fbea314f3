package engine

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/bulwarkhq/bulwark/breaker"
	"github.com/bulwarkhq/bulwark/budget"
	"github.com/bulwarkhq/bulwark/catalog"
	"github.com/bulwarkhq/bulwark/clock"
	"github.com/bulwarkhq/bulwark/taxonomy"
)

// Chain is the ordered list of tiers a request may be answered by.
type Chain struct {
	// Models are the model tiers, primary first. A model may be named by
	// consecutive tiers: the same model on several upstreams.
	Models []string
	// Upstreams names who serves each model tier: Upstreams[i] serves
	// Models[i]; "" (or an index past its end, so nil for all) is the
	// default upstream. Each (model, upstream) pair is a deployment with its
	// own breaker, cooldown and latency window, keyed [Chain.Key].
	Upstreams []string
	// Cache: the caller may answer from its cache of good answers when every
	// model tier failed.
	Cache bool
	// Static: the caller answers with a friendly static message as a last resort.
	Static bool
}

// Upstream returns the upstream of model tier i ("" for the default one).
func (c Chain) Upstream(i int) string {
	if i < len(c.Upstreams) {
		return c.Upstreams[i]
	}
	return ""
}

// Key returns the deployment key of model tier i ([Deployment]): the key of
// its breaker, cooldown, latency window and metrics.
func (c Chain) Key(i int) string { return Deployment(c.Models[i], c.Upstream(i)) }

// Keys returns the deployment key of every model tier, in order.
func (c Chain) Keys() []string {
	keys := make([]string, len(c.Models))
	for i := range c.Models {
		keys[i] = c.Key(i)
	}
	return keys
}

// Attempt describes one upstream call the engine asks for.
type Attempt struct {
	// Model to call (the tier's model, without its upstream).
	Model string
	// Upstream names who serves Model for this attempt; "" is the default
	// upstream (see [Deployment]).
	Upstream string
	// Tier is the index of the model in Chain.Models.
	Tier int
	// N is the attempt number on this tier, from 1.
	N int
	// Timeout bounds the attempt: the AttemptFunc must give up after it (for
	// a stream: until its first token) and report Result.TimedOut. It already
	// accounts for the chain's deadline.
	Timeout time.Duration
}

// AttemptFunc performs one upstream call and returns what it brought back
// (its payload: an answer read whole, a live stream, an error to pass back —
// the caller's type T) with what it saw (the Result the engine classifies).
// ctx is the caller's context; the function itself enforces a.Timeout, so
// that a stream can outlive its attempt once it has committed. A result with
// Status 2xx and no error means the attempt succeeded and the run ends. A
// stream attempt returns at its commit point (its first token), a
// whole-answer attempt once the answer is read: the engine times successful
// attempts from the call to the return, so these are the latencies behind
// the fallback reserve.
//
// A zero payload means the attempt brought nothing back (a refused
// connection): it leaves the run's latest payload as it was. A non-zero one
// replaces it, and the one replaced goes to [Call.Discard].
type AttemptFunc[T comparable] func(ctx context.Context, a Attempt) (T, taxonomy.Result)

// Call is one request to run; T is the payload of its attempts (see
// [AttemptFunc]), usually a pointer.
type Call[T comparable] struct {
	// RequestID is added to every log line of the run.
	RequestID string
	Chain     Chain
	// Profile is the timing policy; nil means Interactive().
	Profile *Profile
	// Stream says the attempts are streams, which return at their first
	// token (see AttemptFunc): their latencies are kept apart from those of
	// whole answers.
	Stream bool
	// Do performs one attempt. With Profile.Hedge on and Stream set, a
	// hedge and the attempt it hedges run at once: Do must then be safe for
	// concurrent calls, and return promptly once its ctx is cancelled.
	Do AttemptFunc[T]
	// Discard releases a payload the run no longer holds (pooled buffers, an
	// open body): every payload Do returned but the one left in
	// [Outcome.Answer], which is the caller's to release. It is called on
	// the run's goroutine, before Run returns. nil: payloads need no release.
	Discard func(T)
}

// Engine runs calls. It is safe for concurrent use; create one per process
// (or per Guard) so that breakers and the retry budget are shared.
type Engine struct {
	clock    clock.Clock
	breakers *breaker.Registry
	budget   *budget.Budget
	log      *slog.Logger
	obs      Observer
	reserve  time.Duration
	rnd      func() float64
	// lat holds the fallback models' recent latencies (fallback reserve).
	lat latencies
	// window is a model's context window (context overflow, DESIGN §14).
	window func(model string) (tokens int, ok bool)
	// probeGate grants a recovery probe fleet-wide (nil: always).
	probeGate ProbeGate
	// tracer starts the attempts' spans (nil: no traces).
	tracer Tracer
}

// ProbeGate grants a recovery probe of the deployment key (DESIGN §4) across
// the replicas of a fleet: true for the one caller per interval that may
// send it. It is called only when every model tier of a request was skipped
// and the deployment's breaker has already granted the probe locally, so it
// may make one bounded round trip (store.Shared.ProbeSlot); when it cannot
// tell, it should grant.
type ProbeGate func(ctx context.Context, key string, interval time.Duration) bool

// Option configures an Engine.
type Option func(*Engine)

// WithClock sets the clock; default clock.Real.
func WithClock(c clock.Clock) Option { return func(e *Engine) { e.clock = c } }

// WithBreakers sets the model breakers and cooldowns; default
// breaker.New(breaker.Settings{}) on the engine's clock.
func WithBreakers(b *breaker.Registry) Option { return func(e *Engine) { e.breakers = b } }

// WithBudget sets the process-wide retry budget; default budget.New(0.2, 10).
func WithBudget(b *budget.Budget) Option { return func(e *Engine) { e.budget = b } }

// WithLogger sets the logger; default discards.
func WithLogger(l *slog.Logger) Option { return func(e *Engine) { e.log = l } }

// WithObserver sets the observer of attempts, retries and fallbacks (metrics).
func WithObserver(o Observer) Option { return func(e *Engine) { e.obs = o } }

// WithReserve sets the time kept back from the deadline for answering;
// default 20ms.
func WithReserve(d time.Duration) Option { return func(e *Engine) { e.reserve = d } }

// WithRand sets the source of jitter, uniform in [0,1); default math/rand/v2.
func WithRand(f func() float64) Option { return func(e *Engine) { e.rnd = f } }

// WithContextWindows sets where a model's context window (tokens) comes
// from, for a context overflow to move to a tier whose model has a larger
// one (DESIGN §14); ok=false for a model it does not know, which never takes
// an overflow. Default [catalog.ContextWindow].
func WithContextWindows(f func(model string) (tokens int, ok bool)) Option {
	return func(e *Engine) { e.window = f }
}

// WithProbeGate sets the fleet-wide grant of recovery probes (see
// [ProbeGate]); default none: the breakers' own one probe per
// breaker.Settings.RecoveryProbeInterval per deployment, in this process.
func WithProbeGate(g ProbeGate) Option { return func(e *Engine) { e.probeGate = g } }

// New returns an engine.
func New(opts ...Option) *Engine {
	e := &Engine{clock: clock.Real, reserve: 20 * time.Millisecond, rnd: rand.Float64}
	for _, o := range opts {
		o(e)
	}
	if e.breakers == nil {
		e.breakers = breaker.New(breaker.Settings{}, breaker.WithClock(e.clock))
	}
	if e.budget == nil {
		e.budget = budget.New(0.2, 10, budget.WithClock(e.clock))
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.obs == nil {
		e.obs = nopObserver{}
	}
	if e.window == nil {
		e.window = catalog.ContextWindow
	}
	return e
}

// Breakers returns the engine's model breakers.
func (e *Engine) Breakers() *breaker.Registry { return e.breakers }

// Budget returns the engine's retry budget.
func (e *Engine) Budget() *budget.Budget { return e.budget }

// Clock returns the engine's clock.
func (e *Engine) Clock() clock.Clock { return e.clock }

// Deadline returns the wall-clock bound of a run that starts now with profile
// p under ctx: the earlier of p.Deadline and ctx's deadline; ok=false when
// there is none.
func (e *Engine) Deadline(ctx context.Context, p *Profile, now time.Time) (time.Time, bool) {
	var dl time.Time
	if p.Deadline > 0 {
		dl = now.Add(p.Deadline)
	}
	if d, ok := ctx.Deadline(); ok {
		// ctx deadlines are on the wall clock; carry the time left over to ours.
		c := now.Add(time.Until(d))
		if dl.IsZero() || c.Before(dl) {
			dl = c
		}
	}
	return dl, !dl.IsZero()
}
