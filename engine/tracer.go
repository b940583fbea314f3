package engine

import (
	"context"
	"time"

	"github.com/bulwarkhq/bulwark/breaker"
	"github.com/bulwarkhq/bulwark/taxonomy"
)

// Tracer is told when each upstream attempt starts and ends, for traces
// (DESIGN §9; package tracing implements it over OpenTelemetry). The engine
// calls it only when one is set ([WithTracer]): without one, a run makes no
// call and no allocation for it.
type Tracer interface {
	// StartAttempt is called on the run's goroutine just before attempt a
	// is sent. The context it returns is the one the attempt's Do gets
	// (the attempt's span in it, a child of ctx's); the span is ended
	// exactly once. Under hedging several attempts of a run are open at
	// once, so what it returns must be safe for concurrent use.
	StartAttempt(ctx context.Context, a Attempt, s AttemptStart) (context.Context, AttemptSpan)
	// Skipped: the tier of deployment was skipped with no upstream call
	// (breaker open, cooldown); ctx is the run's.
	Skipped(ctx context.Context, deployment string, v breaker.Verdict)
}

// AttemptStart is what the engine knows of an attempt as it starts, beyond
// its [Attempt].
type AttemptStart struct {
	// Deployment is the tier's deployment key ([Deployment]).
	Deployment string
	// Waited is how long the engine waited before the attempt (backoff,
	// retry-after, a cooldown).
	Waited time.Duration
	// From is, for the first attempt on a tier the run fell back to, the
	// deployment it fell back from; for a hedge, the deployment whose late
	// first token it hedges; "" otherwise.
	From string
	// Hedge, Probe: the attempt is a hedge (DESIGN §14), a recovery probe
	// (DESIGN §4).
	Hedge, Probe bool
	// Stream: the attempt is a stream ([Call.Stream]).
	Stream bool
}

// AttemptSpan is the span of one attempt, from [Tracer.StartAttempt].
type AttemptSpan interface {
	// End ends the span with the attempt's record and what it saw. The
	// engine calls it on the run's goroutine once the attempt landed;
	// for a stream that committed and answered, [Pending.Settle] calls it
	// when the stream really ends (rec.Class and rec.Took then the whole
	// stream's, res how it ended). res is not kept after End returns.
	End(rec Record, res *taxonomy.Result)
}

// WithTracer sets the tracer of attempts (traces, DESIGN §9); default none.
// A nil t leaves the engine without one.
func WithTracer(t Tracer) Option { return func(e *Engine) { e.tracer = t } }

// startSpan starts f's span under ctx when the engine has a tracer, and
// returns the context f's Do gets.
func (r *run[T]) startSpan(ctx context.Context, f *flight[T]) context.Context {
	if r.e.tracer == nil {
		return ctx
	}
	s := AttemptStart{Deployment: f.ps.model, Waited: f.wait, From: f.from, Hedge: f.hedge,
		Probe: f.ps.permit != nil, Stream: r.call.Stream}
	ctx, f.span = r.e.tracer.StartAttempt(ctx, f.a, s)
	return ctx
}
