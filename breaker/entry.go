package breaker

import (
	"sync"
	"sync/atomic"

	"github.com/bulwarkhq/bulwark/taxonomy"
	"github.com/failsafe-go/failsafe-go/circuitbreaker"
)

// entry is one model's breaker and cooldown.
//
// Every call into cb is made with mu held, so the state-change listener
// (which failsafe-go calls synchronously from inside those calls) may write
// the fields guarded by mu.
type entry struct {
	r     *Registry
	model string
	cb    circuitbreaker.CircuitBreaker[any]

	// se packs the state (low 8 bits) and the epoch (the rest), which grows
	// by one on every state change. Written with mu held; read lock-free.
	se atomic.Uint64
	// cooldown is the end of the cooldown in ns since r.base; 0 for none.
	cooldown atomic.Int64

	mu        sync.Mutex
	openUntil int64 // end of the open state in ns since r.base, while open
	probes    int   // probe permits of this half-open epoch not yet done
	remote    bool  // the change in progress comes from Force
	// lastFailure is when the latest failure was counted while closed (ns
	// since r.base); valid when failed.
	lastFailure int64
	failed      bool
	pending     [2]Change
	npending    int
}

func newEntry(r *Registry, model string) *entry {
	e := &entry{r: r, model: model}
	e.cb = r.settings.build(e.onStateChanged)
	return e
}

func pack(s State, epoch uint64) uint64 { return epoch<<8 | uint64(s) }
func stateOf(se uint64) State           { return State(se & 0xff) }
func epochOf(se uint64) uint64          { return se >> 8 }

// onStateChanged is failsafe-go's listener. Requires e.mu (held by whoever
// called into cb).
func (e *entry) onStateChanged(ev circuitbreaker.StateChangedEvent) {
	now := e.r.clock.Now()
	se := e.se.Load()
	from, to := stateOf(se), fromFailsafe(ev.NewState)
	e.se.Store(pack(to, epochOf(se)+1))
	e.probes = 0
	if to == Open {
		e.openUntil = e.r.offset(now) + int64(e.r.settings.OpenFor)
	}
	if e.npending < len(e.pending) { // at most one change per call into cb
		e.pending[e.npending] = Change{Model: e.model, From: from, To: to, At: now, Remote: e.remote}
		e.npending++
	}
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
	if f := e.r.onChange; f != nil {
		for _, c := range out[:n] {
			f(c)
		}
	}
}

// advance moves an open breaker whose time is up to half-open. Requires e.mu.
func (e *entry) advance(now int64) {
	if stateOf(e.se.Load()) == Open && now >= e.openUntil {
		e.cb.HalfOpen() // calls onStateChanged
	}
}

// acquireSlow is Acquire for a breaker that is not closed (or was not when
// the fast path looked).
func (e *entry) acquireSlow() (Permit, Verdict) {
	e.mu.Lock()
	if stateOf(e.se.Load()) == Open {
		e.advance(e.r.offset(e.r.clock.Now()))
	}
	se := e.se.Load()
	switch stateOf(se) {
	case Closed:
		e.unlockAndEmit()
		return Permit{r: e.r, e: e, model: e.model, epoch: epochOf(se)}, Allow
	case HalfOpen:
		if e.cb.TryAcquirePermit() {
			e.probes++
			e.unlockAndEmit()
			return Permit{r: e.r, e: e, model: e.model, epoch: epochOf(se), probe: true}, Allow
		}
	}
	e.unlockAndEmit()
	return Permit{}, SkipOpen
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

	e.mu.Lock()
	se := e.se.Load()
	switch stateOf(se) {
	case Closed:
		switch eff {
		case taxonomy.CountSuccess:
			e.cb.RecordSuccess()
		case taxonomy.CountFailure:
			e.lastFailure, e.failed = e.r.offset(e.r.clock.Now()), true
			e.cb.RecordFailure()
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
			e.cb.RecordFailure()
		} else {
			e.cb.RecordSuccess() // Neutral: the model answered
		}
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
