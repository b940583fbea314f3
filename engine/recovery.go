package engine

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/bulwarkhq/bulwark/breaker"
	"github.com/bulwarkhq/bulwark/taxonomy"
)

// ProbeObserver is an [Observer] that is also told about recovery probes
// (DESIGN §4); the engine calls it when its observer implements it.
type ProbeObserver interface {
	// RecoveryProbed: a recovery probe of model ended with decision d (d.OK:
	// the model answered and its breaker closed).
	RecoveryProbed(model string, d taxonomy.Decision)
}

// recover is the last resort of a run whose every model tier was skipped
// (breakers open, cooldowns) and that made no upstream call: in chain order,
// each deployment whose breaker grants a recovery probe
// ([breaker.Registry.AcquireRecovery]), and the fleet too ([ProbeGate]),
// gets one attempt. Nothing is lost for it: the request would have had the
// static answer. It reports whether the run is over (answered, rejected,
// canceled, out of time).
func (r *run[T]) recover() bool {
	c := &r.call.Chain
	interval := r.e.breakers.Settings().RecoveryProbeInterval
	for ti := range c.Models {
		key := c.Key(ti)
		if !r.ovf.fits(r.window(ti)) {
			continue
		}
		now := r.e.clock.Now()
		left := r.left(now)
		if left <= 0 {
			return false
		}
		permit, ok := r.e.breakers.AcquireRecovery(key)
		if !ok {
			continue
		}
		if r.e.probeGate != nil && !r.e.probeGate(r.ctx, key, interval) {
			r.log(slog.LevelInfo, "agent.recovery_probe_skipped", slog.String("model", key), slog.String("why", "another_replica"))
			continue
		}
		hasNext := ti < len(c.Models)-1
		ps := pass{ti: ti, model: key, from: 1, hasNext: hasNext, permit: &permit}
		t := try{start: r.e.clock.Now()}
		t.timeout = firstTimeout(r.at, r.left(t.start), r.reserve(ps), r.p.minAttempt(), hasNext)
		r.tierRL, r.inTier, r.cur, r.outOfTime = false, true, ti, false
		r.out.Probes++
		r.log(slog.LevelWarn, "agent.recovery_probe", slog.String("model", key))
		d, st := r.attempt(ps, 1, taxonomy.Decision{}, t)
		if po, ok := r.e.obs.(ProbeObserver); ok {
			po.RecoveryProbed(key, d)
		}
		if st != stepOver {
			r.log(slog.LevelWarn, "agent.recovery_probe_failed", slog.String("model", key), slog.String("class", d.Class.String()), r.lastErr)
		} else if d.OK() {
			r.log(slog.LevelWarn, "agent.recovery_probe_answered", slog.String("model", key))
		}
		if r.endTier(ps, d, true, st == stepOver) {
			return true
		}
	}
	return false
}

// admit asks model's breaker for the attempt of pass ps, or uses the
// recovery probe's permit the pass was given.
func (r *run[T]) admit(ps pass) (breaker.Permit, breaker.Verdict) {
	if ps.permit != nil {
		return *ps.permit, breaker.Allow
	}
	return r.e.breakers.Acquire(ps.model)
}

// maxChanceWaits bounds the passes a run makes while it waits for a chance
// (waitForRecovery): bounded work whatever the clock does.
const maxChanceWaits = 8

// waitForRecovery is for a run whose every model tier was skipped and that
// sent nothing, not even a probe (none was due, or other requests took
// them): for up to one recovery probe interval, while a wait and a minimal
// attempt still fit before the deadline, it waits for the soonest chance any
// tier has of taking a request (breaker.Registry.NextChance: a recovery probe
// due, an open period or a cooldown over) or for a breaker to close
// (breaker.Registry.Closed: another request's probe found the model back),
// then makes another pass. So a request that arrives just after an outage
// ends is answered by the model instead of getting the static answer; during
// the outage the static answer comes after at most one interval. It reports
// whether the run is over.
func (r *run[T]) waitForRecovery() bool {
	interval := r.e.breakers.Settings().RecoveryProbeInterval
	if interval <= 0 {
		return false
	}
	until := r.e.clock.Now().Add(interval)
	prevZero := false
	for range maxChanceWaits {
		if r.out.UpstreamCalls() > 0 {
			return false
		}
		now := r.e.clock.Now()
		limit := min(until.Sub(now), r.left(now)-r.p.minAttempt())
		if limit <= 0 {
			return false
		}
		d, ok := r.nextChance()
		if !ok || (d <= 0 && prevZero) {
			// Another request took the way through: wait for its result
			// (a breaker closes) instead of spinning.
			d = limit
		}
		d = min(d, limit)
		prevZero = d <= 0
		r.log(slog.LevelInfo, "agent.wait_for_recovery", slog.Int64("wait_ms", d.Milliseconds()))
		if !r.waitChance(d) {
			return true
		}
		if r.pass() {
			return true
		}
	}
	return false
}

// nextChance is the soonest chance of the chain's model tiers that may take
// the request (breaker.Registry.NextChance); ok=false for none.
func (r *run[T]) nextChance() (time.Duration, bool) {
	c := &r.call.Chain
	best, found := time.Duration(0), false
	for ti := range c.Models {
		if !r.ovf.fits(r.window(ti)) {
			continue
		}
		if d, ok := r.e.breakers.NextChance(c.Key(ti)); ok && (!found || d < best) {
			best, found = d, true
		}
	}
	return best, found
}

// waitChance waits d, or until a breaker closes; false when the run ended
// meanwhile (canceled, deadline).
func (r *run[T]) waitChance(d time.Duration) bool {
	if d <= 0 {
		return r.ctx.Err() == nil
	}
	closed := r.e.breakers.Closed()
	t := r.e.clock.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C():
		return true
	case <-closed:
		return true
	case <-r.ctx.Done():
		if errors.Is(r.ctx.Err(), context.DeadlineExceeded) {
			r.hardTimeout()
		} else {
			r.end(Canceled)
		}
		return false
	}
}
