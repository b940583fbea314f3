package engine

import (
	"sync/atomic"
	"time"

	"github.com/bulwarkhq/bulwark/breaker"
	"github.com/bulwarkhq/bulwark/taxonomy"
)

// Pending is the breaker permit of a stream that committed (DESIGN §5). The
// attempt ended at the commit point, but whether the stream succeeds is known
// only at its real end: the caller settles it then, exactly once, against the
// permit the stream was admitted with. So a stream let through while the
// breaker was closed that dies after the breaker went half-open cannot count
// as the half-open probe's result, and a stream that was the probe holds the
// probe until it ends.
type Pending struct {
	e       *Engine
	permit  breaker.Permit
	settled atomic.Bool
	// span is the stream attempt's span, ended by Settle with rec (the
	// attempt's record at its commit point) and the stream's start.
	span  AttemptSpan
	rec   Record
	start time.Time
}

// Settle classifies how the stream ended, through the same decision table as
// every attempt (taxonomy.Classify), and counts its breaker effect on the
// stream's own permit: Result{Status: 200} for a stream that reached
// message_stop; TimedOut for a stall; Err (with Status 200) for a cut or a
// malformed event; StreamError with ErrorType for an SSE error event;
// Canceled when the client went away (which counts nothing). With a
// [Tracer], it also ends the stream attempt's span, with that class and
// the whole stream's time. Only the first call counts; later ones, and
// calls on a nil *Pending, do nothing.
func (p *Pending) Settle(res taxonomy.Result) {
	if p == nil || !p.settled.CompareAndSwap(false, true) {
		return
	}
	now := p.e.clock.Now()
	d := taxonomy.Classify(res, now)
	settle(p.permit, d)
	if p.span != nil {
		rec := p.rec
		rec.Class, rec.Took = d.Class, now.Sub(p.start)
		end := res // a copy: res itself must not escape, or every Settle allocates
		p.span.End(rec, &end)
	}
}

// settle ends permit with decision d: a cancelled attempt releases it
// (breaker.Permit.Release: it says nothing of the model, not even in
// half-open), any other counts d's effect.
func settle(permit breaker.Permit, d taxonomy.Decision) {
	if d.Class == taxonomy.Canceled {
		permit.Release()
		return
	}
	permit.Done(d.Model)
}
