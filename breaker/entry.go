package breaker

import (
	"math"
	"sync"
	"sync/atomic"

	"github.com/bulwarkhq/bulwark/taxonomy"
)

// entry is one model's breaker and cooldown. The decisions are [next]'s;
// entry keeps the counts, the lock and the permits.
type entry struct {
	r     *Registry
	model string

	// se packs the state (low 8 bits) and the epoch (the rest), which grows
	// by one on every state change. Written with mu held; read lock-free.
	se atomic.Uint64
	// cooldown is the end of the cooldown in ns since r.base; 0 for none.
	cooldown atomic.Int64

	mu        sync.Mutex
	win       window // closed: the outcomes within Window
	openUntil int64  // open: when it goes half-open, ns since r.base
	openedBy  int    // open: the failures counted when it opened
	probedAt  int64  // not closed: the last recovery probe, or the opening (ns since r.base)
	probes    int    // half-open: probes of this period out
	tried     tally  // half-open: outcomes of this period's probes
	pending   [2]Change
	npending  int
}

func newEntry(r *Registry, model string) *entry { return &entry{r: r, model: model} }

func pack(s State, epoch uint64) uint64 { return epoch<<8 | uint64(s) }
func stateOf(se uint64) State           { return State(se & 0xff) }
func epochOf(se uint64) uint64          { return se >> 8 }

// counts returns what [next] needs for state s at time now. Requires e.mu.
func (e *entry) counts(s State, now int64) counts {
	switch s {
	case Closed:
		t := e.win.total(now, e.r.width)
		return counts{failures: t.failures, successes: t.successes}
	case HalfOpen:
		return counts{failures: e.tried.failures, successes: e.tried.successes}
	}
	return counts{openUntil: e.openUntil}
}

// step moves the breaker to the state [next] decides at now. Requires e.mu.
func (e *entry) step(now int64) {
	s := stateOf(e.se.Load())
	c := e.counts(s, now)
	if to := next(s, c, e.r.settings, now); to != s {
		e.moveTo(to, c, now, false)
	}
}

// moveTo changes the state to to (c being the counts that led there) and
// queues the change for unlockAndEmit. Requires e.mu.
func (e *entry) moveTo(to State, c counts, now int64, remote bool) {
	se := e.se.Load()
	from := stateOf(se)
	e.se.Store(pack(to, epochOf(se)+1))
	switch to {
	case Open:
		e.openUntil = addSat(now, int64(e.r.settings.OpenFor))
		e.openedBy = c.failures
		e.probedAt = now
	case HalfOpen:
		e.probes, e.tried = 0, tally{}
	case Closed:
		e.win.reset()
	}
	if e.npending < len(e.pending) { // at most two changes per locked call
		e.pending[e.npending] = Change{Model: e.model, From: from, To: to, At: e.r.at(now), Remote: remote}
		e.npending++
	}
}

// addSat returns a + d, or the largest time when that overflows (d ≥ 0).
func addSat(a, d int64) int64 {
	if d > math.MaxInt64-a {
		return math.MaxInt64
	}
	return a + d
}

// unlockAndEmit releases e.mu and then reports the changes made under it.
func (e *entry) unlockAndEmit() {
	n := e.npending
	if n == 0 {
		e.mu.Unlock()
		return
	}
	out := e.pending
	e.npending = 0
	e.mu.Unlock()
	for _, c := range out[:n] {
		if c.To == Closed {
			e.r.signalClosed()
			break
		}
	}
	if f := e.r.onChange; f != nil {
		for _, c := range out[:n] {
			f(c)
		}
	}
}

// advance moves an open breaker whose time is up to half-open. Requires e.mu.
func (e *entry) advance(now int64) {
	if stateOf(e.se.Load()) == Open {
		e.step(now)
	}
}

// acquireSlow is Acquire for a breaker that is not closed (or was not when
// the fast path looked).
func (e *entry) acquireSlow() (Permit, Verdict) {
	e.mu.Lock()
	e.advance(e.r.offset(e.r.clock.Now()))
	se := e.se.Load()
	switch stateOf(se) {
	case Closed:
		e.unlockAndEmit()
		return Permit{r: e.r, e: e, model: e.model, epoch: epochOf(se)}, Allow
	case HalfOpen:
		if e.probes < e.r.settings.HalfOpenProbes {
			e.probes++
			e.unlockAndEmit()
			return Permit{r: e.r, e: e, model: e.model, epoch: epochOf(se), probe: true}, Allow
		}
	}
	e.unlockAndEmit()
	return Permit{}, SkipOpen
}

// acquireRecovery gives a recovery probe's permit when [recoveryDue] says
// one is due at now, and notes it as the last probe.
func (e *entry) acquireRecovery(now int64) (Permit, bool) {
	e.mu.Lock()
	e.advance(now)
	se := e.se.Load()
	if !recoveryDue(stateOf(se), e.probedAt, now, e.r.settings.RecoveryProbeInterval) {
		e.unlockAndEmit()
		return Permit{}, false
	}
	e.probedAt = now
	e.unlockAndEmit()
	return Permit{r: e.r, e: e, model: e.model, epoch: epochOf(se), recovery: true}, true
}

// recordRecovery counts the outcome of a recovery probe given in epoch: if
// the breaker has not changed state since, it moves as [afterRecovery]
// decides. A probe of an earlier epoch counts nothing.
func (e *entry) recordRecovery(eff taxonomy.Effect, epoch uint64) {
	now := e.r.offset(e.r.clock.Now())
	e.mu.Lock()
	se := e.se.Load()
	if s := stateOf(se); epochOf(se) == epoch {
		if to := afterRecovery(s, eff); to != s {
			e.moveTo(to, e.counts(s, now), now, false)
		}
	}
	e.unlockAndEmit()
}

// record counts one outcome. With a permit (hasPermit), epoch and probe are
// the permit's; without one (Registry.Record), a half-open outcome is taken
// as a probe's while probes are out.
func (e *entry) record(eff taxonomy.Effect, hasPermit bool, epoch uint64, probe bool) {
	// Fast path: outcomes that cannot change anything.
	switch stateOf(e.se.Load()) {
	case Closed:
		if eff == taxonomy.Neutral || (eff == taxonomy.CountSuccess && !e.r.settings.rateMode()) {
			return // count mode opens on failures alone
		}
	case Open:
		return
	}

	now := e.r.offset(e.r.clock.Now())
	e.mu.Lock()
	se := e.se.Load()
	switch stateOf(se) {
	case Closed:
		if eff != taxonomy.Neutral {
			e.win.add(now, e.r.width, eff == taxonomy.CountFailure)
			e.step(now)
		}
	case HalfOpen:
		mine := e.probes > 0
		if hasPermit {
			mine = probe && epoch == epochOf(se)
		}
		if !mine {
			break // not a probe of this half-open period: releases nothing
		}
		e.probes--
		if eff == taxonomy.CountFailure {
			e.tried.failures++
		} else {
			e.tried.successes++ // Neutral: the model answered
		}
		e.step(now)
	}
	e.unlockAndEmit()
}

// release frees a half-open probe of epoch that ended with no outcome.
func (e *entry) release(epoch uint64) {
	e.mu.Lock()
	if se := e.se.Load(); stateOf(se) == HalfOpen && epochOf(se) == epoch && e.probes > 0 {
		e.probes--
	}
	e.mu.Unlock()
}

// force opens the breaker at now until u (ns since r.base) as a peer asked;
// an open one only has its end moved later.
func (e *entry) force(now, u int64) {
	e.mu.Lock()
	if s := stateOf(e.se.Load()); s == Open {
		e.openUntil = max(e.openUntil, u)
	} else {
		e.moveTo(Open, e.counts(s, now), now, true)
		e.openUntil = u
	}
	e.unlockAndEmit()
}

// extendCooldown moves the end of the cooldown to until if that is later,
// and reports whether it did.
func (e *entry) extendCooldown(until int64) bool {
	for {
		cur := e.cooldown.Load()
		if cur >= until {
			return false
		}
		if e.cooldown.CompareAndSwap(cur, until) {
			return true
		}
	}
}
