package engine

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/bulwarkhq/bulwark/breaker"
	"github.com/bulwarkhq/bulwark/taxonomy"
)

// pass is one series of attempts on a tier.
type pass struct {
	ti int
	// model is the tier's deployment key (Chain.Key).
	model string
	// from is the number, on this tier, of the pass's first attempt.
	from int
	// hasNext: a model tier follows, for which the pass keeps a reserve.
	hasNext bool
	// revisit: the tier is tried again after its cooldown, once every tier
	// failed; the pass's first attempt waits for the cooldown, as a retry.
	revisit bool
	// permit, when set, is a recovery probe's (recover): the attempt uses it
	// instead of asking the breaker.
	permit *breaker.Permit
}

// step is how one attempt of a pass went.
type step uint8

const (
	stepFailed  step = iota // the attempt failed; the pass may go on
	stepSkipped             // the breaker refused it: no upstream call
	stepOver                // the run is over (answered, canceled, deadline)
)

// tier makes the attempts of one pass. It returns the pass, the last
// decision, whether any attempt was made, and whether the run is over.
func (r *run[T]) tier(ps pass) (_ pass, last taxonomy.Decision, tried, done bool) {
	// A revisited tier ended rate limited; only a new outcome changes that
	// (a revisit the retry budget refuses leaves it so).
	r.tierRL, r.inTier, r.cur, r.outOfTime = ps.revisit, true, ps.ti, false
	reserve := r.reserve(ps)
	var prevWait time.Duration
	for n := ps.from; n <= r.p.attempts(ps.ti); n++ {
		var t try
		if n == 1 && !ps.revisit {
			t.start = r.e.clock.Now()
			left := r.left(t.start)
			if left <= 0 {
				r.hardTimeout()
				return ps, last, tried, true
			}
			t.timeout = firstTimeout(r.at, left, reserve, r.p.minAttempt(), ps.hasNext)
		} else {
			var ok bool
			if t, ok, done = r.retryWait(ps, n, last, reserve, &prevWait); !ok {
				return ps, last, tried, done
			}
		}
		d, st := r.attempt(ps, n, last, t)
		switch st {
		case stepSkipped:
			return ps, last, tried, false
		case stepOver:
			return ps, d, true, true
		}
		last, tried = d, true
	}
	return ps, last, tried, false
}

// reserve is the time pass ps keeps back for the next model tier: the p90 of
// the next model's recent successful attempts of this call's kind, or the
// profile's FallbackReserve before any, clamped to [MinFallbackReserve,
// attempt timeout]; 0 when no model tier follows.
func (r *run[T]) reserve(ps pass) time.Duration {
	if !ps.hasNext {
		return 0
	}
	expected := r.p.fallbackReserve()
	if d, ok := r.e.lat.track(r.call.Chain.Key(ps.ti + 1)).p90(r.call.Stream); ok {
		expected = d
	}
	return clampReserve(expected, r.p.minFallbackReserve(), r.at)
}

// try is an attempt about to be made: after waiting wait, from start (a
// clock reading the attempt reuses), with its timeout.
type try struct {
	wait, timeout time.Duration
	start         time.Time
}

// retryWait decides whether attempt n of pass ps (a retry, or a revisit's
// first attempt) is made, and waits for it. ok=false means no: done then
// says whether the run is over.
func (r *run[T]) retryWait(ps pass, n int, last taxonomy.Decision, reserve time.Duration, prevWait *time.Duration) (_ try, ok, done bool) {
	in := retryInput{Reserve: reserve, MinAttempt: r.p.minAttempt(), AttemptTimeout: r.at, HasNext: ps.hasNext}
	switch {
	case ps.revisit && n == ps.from:
		// A retry after the cooldown (and a backoff, if the tier failed
		// before).
		in.RetryAfter = r.e.breakers.CooldownLeft(ps.model)
		if n > 1 {
			in.Backoff = r.p.Backoff.Delay(n-1, 0, r.e.rnd)
		}
	case !last.Retry:
		return try{}, false, false
	default:
		in.Backoff = r.p.Backoff.Delay(n-1, *prevWait, r.e.rnd)
		*prevWait = in.Backoff
		if last.HasRetryAfter {
			in.RetryAfter = last.RetryAfter
		}
	}
	now := r.e.clock.Now()
	in.Left = r.left(now)
	plan := planRetry(in)
	if plan.Skip != retryFits {
		// An attempt that timed out with no time left for another: the
		// deadline, not the model, is what ends the pass.
		r.outOfTime = plan.Skip == skipDeadline && last.Class == taxonomy.Timeout
		r.log(slog.LevelInfo, "agent.retry_skipped", slog.String("model", ps.model),
			slog.Int64("wait_ms", plan.Wait.Milliseconds()), slog.String("why", plan.Skip.String()))
		return try{}, false, false
	}
	if !r.e.budget.TryRetryAt(now) {
		r.log(slog.LevelWarn, "agent.retry_skipped", slog.String("model", ps.model), slog.String("why", "retry_budget"))
		return try{}, false, false
	}
	if !r.sleep(plan.Wait) {
		return try{}, false, true
	}
	t := try{wait: plan.Wait, start: r.e.clock.Now()}
	left := r.left(t.start)
	if left <= 0 {
		r.hardTimeout()
		return try{}, false, true
	}
	t.timeout = min(plan.Timeout, left)
	return t, true, false
}

// attempt makes attempt n of pass ps, if the model's breaker lets it
// through, and records it.
func (r *run[T]) attempt(ps pass, n int, last taxonomy.Decision, t try) (taxonomy.Decision, step) {
	model, wait, timeout, now := ps.model, t.wait, t.timeout, t.start
	permit, v := r.admit(ps)
	if v != breaker.Allow {
		r.skip(model, n, v, wait)
		return taxonomy.Decision{}, stepSkipped
	}
	if n == 1 && !ps.revisit {
		r.e.budget.OnAttemptAt(now)
	} else {
		// Counted once the breaker lets the retry through: a retry the
		// breaker refuses is a skip, not a retry.
		class, after := last.Class, last.Class.String()
		if ps.revisit && n == ps.from {
			class, after = taxonomy.RateLimited, "cooldown"
		}
		r.e.obs.Retried(model, class)
		r.log(slog.LevelWarn, "agent.retry", slog.String("model", model), slog.Int("attempt", n),
			slog.Int64("wait_ms", wait.Milliseconds()), slog.String("after", after), r.lastErr)
	}
	if r.e.log.Enabled(r.ctx, slog.LevelDebug) {
		r.log(slog.LevelDebug, "agent.call", slog.String("model", model), slog.Int("attempt", n),
			slog.Int64("timeout_ms", timeout.Milliseconds()))
	}
	c := &r.call.Chain
	f := &flight[T]{ps: ps, n: n, permit: permit, start: now, wait: wait,
		a: Attempt{Model: c.Models[ps.ti], Upstream: c.Upstream(ps.ti), Tier: ps.ti, N: n, Timeout: timeout}}
	if n == ps.from {
		f.from, r.fellFrom = r.fellFrom, ""
	}
	if r.hedging(ps) {
		return r.race(f)
	}
	f.payload, f.res = r.call.Do(r.startSpan(r.ctx, f), f.a)
	f.end = r.e.clock.Now()
	r.keep(f.payload)
	d := r.classify(f)
	r.land(f, d, true)
	return d, r.settle(ps, d, &f.res, f.took())
}

// flight is one upstream attempt: what the engine asked for, and once it
// landed (its AttemptFunc returned) what it brought back.
type flight[T comparable] struct {
	ps pass
	n  int
	a  Attempt
	// permit is the breaker's for the attempt.
	permit breaker.Permit
	// start is when it was sent, after a wait of wait; end when it landed.
	start, end time.Time
	wait       time.Duration
	payload    T
	res        taxonomy.Result
	// hedge: a hedge of a late first token (hedge.go); cancel ends a
	// flight of a race.
	hedge  bool
	cancel context.CancelFunc
	// from is the deployment the flight fell back from or hedges
	// (AttemptStart.From); span its span, when the engine has a tracer.
	from string
	span AttemptSpan
}

func (f *flight[T]) took() time.Duration { return f.end.Sub(f.start) }

// classify is the decision about the landed flight f.
func (r *run[T]) classify(f *flight[T]) taxonomy.Decision {
	if err := r.ctx.Err(); err != nil && !f.res.TimedOut {
		f.res.Canceled = true
	}
	return taxonomy.Classify(f.res, f.end)
}

// land accounts for the landed flight f with decision d: its breaker
// permit (left pending for the caller when f is the answer, a committed
// stream), its cooldown, the observer and the run's record. A hedge's does
// not become the run's last decision: the pass goes on from its own attempt.
func (r *run[T]) land(f *flight[T], d taxonomy.Decision, answer bool) {
	took := f.took()
	rec := Record{Model: f.ps.model, N: f.n, Class: d.Class, Status: f.res.Status,
		Waited: f.wait, Took: took, Probe: f.ps.permit != nil, Hedge: f.hedge}
	if f.res.Committed && d.OK() && answer {
		// A committed stream is settled at its real end, by the caller;
		// its span lasts until then.
		r.out.Pending = &Pending{e: r.e, permit: f.permit, span: f.span, rec: rec, start: f.start}
	} else {
		settle(f.permit, d)
		if f.span != nil {
			f.span.End(rec, &f.res)
		}
	}
	if d.Cooldown > 0 {
		r.e.breakers.Cooldown(f.ps.model, d.Cooldown)
	}
	r.e.obs.Attempted(f.ps.model, f.res.Status, d, took)
	r.out.Attempts = append(r.out.Attempts, rec)
	if !f.hedge || answer {
		r.lastErr = attemptErr(f.res.Err)
		r.out.Last, r.out.Tier = d, f.ps.ti
	}
}

// settle ends the run on an answer or a cancellation, and otherwise notes
// what the failure means for the rate-limit account and the pager.
func (r *run[T]) settle(ps pass, d taxonomy.Decision, res *taxonomy.Result, took time.Duration) step {
	switch {
	case d.OK():
		r.e.lat.record(ps.model, r.call.Stream, took)
		c := &r.call.Chain
		r.out.Model, r.out.Upstream = c.Models[ps.ti], c.Upstream(ps.ti)
		r.out.Fallback = r.out.Model != c.Models[0]
		r.end(Answered)
		return stepOver
	case d.Class == taxonomy.Canceled:
		if errors.Is(r.ctx.Err(), context.DeadlineExceeded) {
			r.hardTimeout()
		} else {
			r.end(Canceled)
		}
		return stepOver
	}
	r.tierRL = d.Class == taxonomy.RateLimited
	if r.tierRL {
		r.cooledUntil(d.Cooldown)
	}
	r.failed(ps, d, res)
	return stepFailed
}

// failed notes what a failed attempt of pass ps means beyond its pass: an
// answer that asked for no retry rules out a revisit of its tier, and one
// that needs a person pages.
func (r *run[T]) failed(ps pass, d taxonomy.Decision, res *taxonomy.Result) {
	if !d.Retry && ps.ti < 64 {
		r.noRetry |= 1 << ps.ti
	}
	if d.Severity == taxonomy.Page {
		r.out.Paged = true
		r.log(slog.LevelError, "agent.misconfig", slog.String("model", ps.model), slog.Int("status", res.Status),
			slog.String("class", d.Class.String()), slog.String("error_type", res.ErrorType),
			slog.String("upstream_message", truncate(res.Message, 200)), slog.Bool("page", true))
	}
}
