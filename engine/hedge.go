package engine

import (
	"context"
	"log/slog"
	"time"

	"github.com/bulwarkhq/bulwark/breaker"
	"github.com/bulwarkhq/bulwark/taxonomy"
)

// HedgeObserver is an [Observer] that is also told about hedges (DESIGN
// §14); the engine calls it when its observer implements it.
type HedgeObserver interface {
	// Hedged: the first token of an attempt on deployment from was late,
	// and a hedge started on deployment to.
	Hedged(from, to string)
	// HedgeSettled: a race of an attempt and its hedges ended. winner is
	// the deployment whose stream answered ("" when none did); hedge says
	// whether that was a hedge rather than the attempt it hedged.
	HedgeSettled(winner string, hedge bool)
}

// hedging reports whether the attempt of pass ps may be hedged: a stream,
// a profile with hedges left to send, a tier after ps's to send them to,
// and not a recovery probe (which exists to find out about its own model).
func (r *run[T]) hedging(ps pass) bool {
	return r.call.Stream && r.out.Hedges < r.p.Hedge.Max && ps.ti < len(r.call.Chain.Models)-1 && ps.permit == nil
}

// hedgeAfter is how long the attempt of pass ps waits for its first token
// before a hedge starts: Profile.Hedge.After, or else the deployment's
// recent p95 time to first token (hedgeDelay).
func (r *run[T]) hedgeAfter(ps pass) time.Duration {
	if r.p.Hedge.After > 0 {
		return r.p.Hedge.After
	}
	return hedgeDelay(r.e.lat.track(ps.model).p95(true))
}

// hedgeDelay is the wait before a hedge that follows a deployment's p95
// time to first token: the p95, at least MinHedgeAfter; DefaultHedgeAfter
// when none was measured (ok=false).
func hedgeDelay(p95 time.Duration, ok bool) time.Duration {
	if !ok {
		return DefaultHedgeAfter
	}
	return max(p95, MinHedgeAfter)
}

// race makes f, a stream attempt of a profile with hedges, and hedges it
// (DESIGN §14): each time the latest attempt in flight has gone without a
// first token for hedgeAfter, a hedge starts on the next tier that takes
// it, until Profile.Hedge.Max. The first attempt to commit answers; every
// other is cancelled at once, and the race waits for them to land, so that
// their payloads are discarded and their permits released before it
// returns. A hedge that fails does not end the race; f failing stops new
// hedges, and the race waits for those in flight. With no winner, the pass
// goes on from f's decision.
func (r *run[T]) race(f *flight[T]) (taxonomy.Decision, step) {
	lands := make(chan *flight[T], 1+r.p.Hedge.Max)
	all := []*flight[T]{f}
	r.fly(f, lands)
	timer := r.e.clock.NewTimer(r.hedgeAfter(f.ps))
	defer timer.Stop()
	due := timer.C()
	var won *flight[T]
	var wonD, first taxonomy.Decision
	for out := 1; out > 0; {
		select {
		case <-due:
			due = nil
			if h := r.hedge(all); h != nil {
				all = append(all, h)
				r.fly(h, lands)
				out++
				if r.out.Hedges < r.p.Hedge.Max {
					timer.Reset(r.hedgeAfter(h.ps))
					due = timer.C()
				}
			}
		case l := <-lands:
			out--
			if won != nil {
				r.lose(l)
				continue
			}
			d := r.classify(l)
			switch {
			case d.OK():
				won, wonD, due = l, d, nil
				for _, o := range all {
					if o != l {
						o.cancel()
					}
				}
				r.keep(l.payload)
				r.land(l, d, true)
			case l == f:
				first, due = d, nil
				r.keep(l.payload)
				r.land(l, d, false)
			default:
				r.drop(l.payload)
				r.land(l, d, false)
				r.failed(l.ps, d, &l.res)
			}
		}
	}
	if len(all) > 1 {
		r.settleHedges(won)
	}
	if won == nil {
		return first, r.settle(f.ps, first, &f.res, f.took())
	}
	return wonD, r.settle(won.ps, wonD, &won.res, won.took())
}

// fly sends flight f on its own goroutine, under a context of its own that
// the race cancels if f loses (the winner's is left to end with the run's:
// its stream lives on under it); f lands on lands.
func (r *run[T]) fly(f *flight[T], lands chan<- *flight[T]) {
	ctx, cancel := context.WithCancel(r.ctx)
	f.cancel = cancel
	ctx = r.startSpan(ctx, f)
	go func() {
		f.payload, f.res = r.call.Do(ctx, f.a)
		f.end = r.e.clock.Now()
		lands <- f
	}()
}

// hedge starts a hedge of the flights in all on the first tier after the
// last of them whose context window fits, whose breaker lets it through
// and for which the retry budget has a token; nil when there is none, or
// no minimal attempt fits before the deadline.
func (r *run[T]) hedge(all []*flight[T]) *flight[T] {
	c := &r.call.Chain
	from := all[len(all)-1]
	for j := from.ps.ti + 1; j < len(c.Models); j++ {
		if !r.ovf.fits(r.window(j)) {
			continue
		}
		now := r.e.clock.Now()
		left := r.left(now)
		if left < r.p.minAttempt() {
			return nil
		}
		key := c.Key(j)
		permit, v := r.e.breakers.Acquire(key)
		if v != breaker.Allow {
			continue
		}
		if !r.e.budget.TryRetryAt(now) {
			permit.Release()
			r.log(slog.LevelWarn, "agent.hedge_skipped", slog.String("model", key), slog.String("why", "retry_budget"))
			return nil
		}
		ps := pass{ti: j, model: key, from: 1, hasNext: j < len(c.Models)-1}
		n := r.calls(key) + 1
		timeout := firstTimeout(r.at, left, r.reserve(ps), r.p.minAttempt(), ps.hasNext)
		r.out.Hedges++
		r.log(slog.LevelWarn, "agent.hedge", slog.String("from", from.ps.model), slog.String("to", key),
			slog.Int64("after_ms", now.Sub(from.start).Milliseconds()))
		if ho, ok := r.e.obs.(HedgeObserver); ok {
			ho.Hedged(from.ps.model, key)
		}
		return &flight[T]{ps: ps, n: n, permit: permit, start: now, hedge: true, from: from.ps.model,
			a: Attempt{Model: c.Models[j], Upstream: c.Upstream(j), Tier: j, N: n, Timeout: timeout}}
	}
	return nil
}

// lose accounts for l, a flight that landed after the race was won: it
// was cancelled (even if it committed too), so it counts for nothing
// against its breaker, and its payload is discarded.
func (r *run[T]) lose(l *flight[T]) {
	r.drop(l.payload)
	l.res = taxonomy.Result{Status: l.res.Status, Canceled: true, Err: context.Canceled}
	r.land(l, taxonomy.Classify(l.res, l.end), false)
}

// drop discards a payload the run never keeps.
func (r *run[T]) drop(v T) {
	var zero T
	if v != zero && r.call.Discard != nil {
		r.call.Discard(v)
	}
}

// settleHedges logs and reports how a race with hedges ended.
func (r *run[T]) settleHedges(won *flight[T]) {
	winner, hedge := "", false
	if won != nil {
		winner, hedge = won.ps.model, won.hedge
	}
	r.log(slog.LevelInfo, "agent.hedge_settled", slog.String("winner", winner), slog.Bool("hedge_won", hedge))
	if ho, ok := r.e.obs.(HedgeObserver); ok {
		ho.HedgeSettled(winner, hedge)
	}
}
