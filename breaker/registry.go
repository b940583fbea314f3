package breaker

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/bulwarkhq/bulwark/clock"
	"github.com/bulwarkhq/bulwark/internal/lru"
	"github.com/bulwarkhq/bulwark/taxonomy"
)

// Registry holds one breaker and one cooldown per model. It is safe for
// concurrent use. Create it with [New]; the zero value is not usable.
// DESIGN §4 keys breakers by (upstream, model): use one Registry per
// upstream.
//
// State is bounded and cannot be crowded out (DESIGN §4). The configured
// models ([WithModels], [Registry.Reserve]) have their state from the start
// and keep it for the Registry's life; their Allow is a lock-free lookup.
// Every other model shares a table bounded in entries and bytes
// ([WithOtherModels]) that evicts the least recently used model first and
// forgets a model unused for its idle time: a client sending made-up model
// names can fill that table, never take a configured model's breaker.
//
// An unconfigured model gets its state on first need: the first outcome that
// counts ([Registry.Record] or [Permit.Done] with CountFailure, or
// CountSuccess in rate mode), or a Cooldown, Force or ForceCooldown. Until
// then it is closed and Allow lets it through without allocating. Neutral
// outcomes (such as the 404 of a misspelt model), and successes in count
// mode, never create state.
type Registry struct {
	settings   Settings
	clock      clock.Clock
	base       time.Time // offsets (ns) are counted from here; monotonic when the clock is
	width      int64     // a Window bucket's span in ns: Window / buckets, at least 1
	onChange   func(Change)
	onCooldown func(model string, until time.Time)

	// pinned holds the configured models: a read-only map, replaced whole
	// (under mu) when models are reserved, so that lookups take no lock.
	pinned atomic.Pointer[map[string]*entry]
	// others holds every other model, under mu; nOthers is its length, so
	// that a lookup while it is empty takes no lock.
	others      *lru.Table[*entry]
	nOthers     atomic.Int64
	othersLimit limits
	configured  []string // given to WithModels, reserved by New
	mu          sync.Mutex
	// closed is closed (and replaced) whenever a breaker closes: see Closed.
	closed atomic.Pointer[chan struct{}]
}

// Change is one state change of a model's breaker, as passed to the
// [WithOnChange] callback.
type Change struct {
	// Model is the model whose breaker changed.
	Model string
	// From and To are the states before and after.
	From, To State
	// At is when it changed, on the Registry's clock.
	At time.Time
	// Remote is true when a peer caused it through [Registry.Force]. The
	// callback should not publish remote changes back to the peers.
	Remote bool
}

// Option configures a [Registry].
type Option func(*Registry)

// WithClock sets the clock every breaker's Window and OpenFor and every
// cooldown run on; the default is [clock.Real].
func WithClock(c clock.Clock) Option {
	return func(r *Registry) {
		if c != nil {
			r.clock = c
		}
	}
}

// WithOnChange sets a callback called on every state change of every
// breaker (closed → open, open → half_open, half_open → closed or open),
// once per change. It is called synchronously by the goroutine whose call
// caused the change (Record, Done, Allow, Acquire, State, Snapshot or
// Force), after every lock is released, so it may call back into the
// Registry. Changes of one model that happen close together may reach the
// callback from different goroutines; At orders them.
func WithOnChange(f func(Change)) Option {
	return func(r *Registry) { r.onChange = f }
}

// WithOnCooldown sets a callback called when [Registry.Cooldown] starts or
// extends a model's cooldown, with the model and the new end of the cooldown.
// It is called synchronously, outside locks. It is not called by
// [Registry.ForceCooldown], so that a cooldown learnt from a peer is not
// published back to the peers, nor when a Cooldown call did not extend the
// existing cooldown.
func WithOnCooldown(f func(model string, until time.Time)) Option {
	return func(r *Registry) { r.onCooldown = f }
}

// New returns a Registry whose breakers all follow s (zero fields take their
// defaults; see [Settings]).
func New(s Settings, opts ...Option) *Registry {
	r := &Registry{settings: s.withDefaults(), clock: clock.Real}
	r.othersLimit = limits{entries: DefaultMaxOtherModels, bytes: DefaultMaxOtherBytes, idle: DefaultOtherIdle}
	for _, opt := range opts {
		opt(r)
	}
	r.othersLimit.idle = max(r.othersLimit.idle, r.settings.OpenFor, r.settings.Window)
	r.base = r.clock.Now()
	r.width = max(int64(r.settings.Window)/buckets, 1)
	r.pinned.Store(&map[string]*entry{})
	ch := make(chan struct{})
	r.closed.Store(&ch)
	r.others = lru.New[*entry](r.othersLimit.entries, r.othersLimit.bytes)
	r.Reserve(r.configured...)
	r.configured = nil
	return r
}

// Settings returns the settings in force, defaults applied.
func (r *Registry) Settings() Settings { return r.settings }

// Allow reports whether a request may be sent to model now. On [Allow] the
// caller must call [Registry.Record] exactly once with the outcome; in
// half-open the verdict takes one of the HalfOpenProbes probe permits. A
// cooldown is checked first ([SkipCooldown]), then the breaker ([SkipOpen]).
//
// Allow cannot tell Record which breaker state it was given in; prefer
// [Registry.Acquire], whose [Permit] can.
func (r *Registry) Allow(model string) Verdict {
	_, v := r.Acquire(model)
	return v
}

// Record reports the outcome of a request that [Registry.Allow] let through,
// exactly once per such request. CountFailure counts against the model;
// CountSuccess counts for it; Neutral counts nothing while closed and as a
// success of a half-open probe (the model did answer).
//
// While half-open, Record takes the outcome as a probe's as long as probes
// are out; a result that comes back in half-open when none are out (from a
// request let through before the breaker opened) is not counted. While open,
// nothing is counted.
func (r *Registry) Record(model string, e taxonomy.Effect) {
	en := r.lookup(model)
	if en == nil && r.settings.creates(e) {
		en = r.getOrCreate(model)
	}
	if en != nil {
		en.record(e, false, 0, false)
	}
}

// Acquire is [Registry.Allow] that returns a [Permit] to report the outcome
// with. The Permit is meaningful only when the verdict is [Allow]; then its
// Done must be called exactly once.
func (r *Registry) Acquire(model string) (Permit, Verdict) {
	e := r.lookup(model)
	if e == nil {
		return Permit{r: r, model: model}, Allow
	}
	if cd := e.cooldown.Load(); cd != 0 {
		if r.offset(r.clock.Now()) < cd {
			return Permit{}, SkipCooldown
		}
		e.cooldown.CompareAndSwap(cd, 0) // passed: back to the clockless path
	}
	if se := e.se.Load(); stateOf(se) == Closed {
		return Permit{r: r, e: e, model: model, epoch: epochOf(se)}, Allow
	}
	return e.acquireSlow()
}

// Permit is the right to send one request, given by [Registry.Acquire]. It
// remembers the model and the breaker epoch it was given in, so that a result
// that comes back after the breaker changed state is judged correctly. The
// zero Permit does nothing.
type Permit struct {
	r     *Registry
	e     *entry
	model string
	epoch uint64
	probe bool
	// recovery: given by AcquireRecovery; Done settles it by afterRecovery.
	recovery bool
}

// Probe reports whether the permit is one of the half-open probes.
func (p Permit) Probe() bool { return p.probe }

// Recovery reports whether the permit is a recovery probe's
// ([Registry.AcquireRecovery]).
func (p Permit) Recovery() bool { return p.recovery }

// AcquireRecovery gives a recovery probe (DESIGN §4): the right to send one
// request to model although its breaker is open (or half-open with every
// probe out), for a request that every model tier of its chain skipped. It
// gives one per [Settings.RecoveryProbeInterval] per model — the first that
// long after the breaker opened — and never while model is cooling down
// after a 429: a cooldown is the server's own word on when to come back,
// and the engine already tries a tier again when its cooldown ends inside
// the deadline, so a probe would only earn another 429 (a cooldown is never
// ended early). It reports false for a closed breaker (Acquire lets requests
// through) and when no probe is due.
//
// Done must be called once on the permit given: a success (or a Neutral
// outcome: the model answered) closes the breaker, a failure leaves an open
// breaker open with its OpenFor unchanged and opens a half-open one. A probe
// whose breaker changed state while it was out counts nothing.
func (r *Registry) AcquireRecovery(model string) (Permit, bool) {
	e := r.lookup(model)
	if e == nil {
		return Permit{}, false
	}
	now := r.offset(r.clock.Now())
	if cd := e.cooldown.Load(); cd != 0 && now < cd {
		return Permit{}, false
	}
	return e.acquireRecovery(now)
}

// Done reports the request's outcome; call it exactly once per permit given
// with [Allow]. Effects count as for [Registry.Record], except that in
// half-open only the probes given in the current half-open period count: a
// result from before (a slow request let through while closed, or a probe
// of an earlier half-open period) is ignored and releases nothing.
func (p Permit) Done(e taxonomy.Effect) {
	if p.recovery {
		p.e.recordRecovery(e, p.epoch)
		return
	}
	en := p.e
	if en == nil && p.r != nil && p.r.settings.creates(e) {
		en = p.r.getOrCreate(p.model)
	}
	if en != nil {
		en.record(e, true, p.epoch, p.probe)
	}
}

// Release gives the permit back without an outcome, instead of Done: the
// request was cancelled before its model said anything (a caller that gave
// up, the loser of a hedge race), so it says nothing of the model. A
// half-open probe's place is freed for another request; any other permit,
// a recovery probe's included (its next chance comes at its interval),
// counts nothing. Call Done or Release once per permit, not both.
func (p Permit) Release() {
	if p.probe && p.e != nil {
		p.e.release(p.epoch)
	}
}

// State returns model's breaker state. An open breaker whose OpenFor has
// passed moves to half-open here (and reports the change).
func (r *Registry) State(model string) State {
	e := r.lookup(model)
	if e == nil {
		return Closed
	}
	if st := stateOf(e.se.Load()); st != Open {
		return st
	}
	e.mu.Lock()
	e.advance(r.offset(r.clock.Now()))
	st := stateOf(e.se.Load())
	e.unlockAndEmit()
	return st
}

// Cooldown keeps model out (Allow answers [SkipCooldown]) for d from now. It
// never shortens a cooldown in force. d ≤ 0 does nothing. When the cooldown
// starts or is extended, the [WithOnCooldown] callback is called.
func (r *Registry) Cooldown(model string, d time.Duration) {
	if d <= 0 {
		return
	}
	until := addSat(r.offset(r.clock.Now()), int64(d))
	if e := r.getOrCreate(model); e != nil && e.extendCooldown(until) && r.onCooldown != nil {
		r.onCooldown(model, r.at(until))
	}
}

// Closed returns a channel that is closed the next time any of the
// Registry's breakers closes (a half-open probe or a recovery probe
// succeeded). A request that waits for a chance of a model (see
// [Registry.NextChance]) also waits on it, so that it goes as soon as a
// probe has shown the model is back. Each call returns the channel of the
// next close; it never returns nil.
func (r *Registry) Closed() <-chan struct{} { return *r.closed.Load() }

// signalClosed wakes the waiters of Closed and starts a new channel.
func (r *Registry) signalClosed() {
	ch := make(chan struct{})
	close(*r.closed.Swap(&ch))
}

// NextChance returns how long from now until model may take a request: at
// once for a closed breaker without a cooldown, else when its cooldown ends,
// its open period ends or its next recovery probe is due
// ([Settings.RecoveryProbeInterval]), whichever lets a request through
// first. ok is false when only the results of the requests already out can
// change that (half-open with every probe out and recovery probes off). The
// engine uses it to wait, once, for the next chance of a request whose every
// model tier was skipped, when that fits its deadline (DESIGN §4).
func (r *Registry) NextChance(model string) (time.Duration, bool) {
	e := r.lookup(model)
	if e == nil {
		return 0, true
	}
	now := r.offset(r.clock.Now())
	e.mu.Lock()
	c := chance{state: stateOf(e.se.Load()), now: now, cooldown: e.cooldown.Load(), openUntil: e.openUntil,
		probedAt: e.probedAt, probes: e.probes, maxProbes: r.settings.HalfOpenProbes, interval: r.settings.RecoveryProbeInterval}
	e.mu.Unlock()
	return nextChance(c)
}

// CooldownLeft returns how long model's cooldown lasts from now; 0 when it
// has none. The engine uses it for the retry-after of a 429 answered because
// every tier was cooling down.
func (r *Registry) CooldownLeft(model string) time.Duration {
	e := r.lookup(model)
	if e == nil {
		return 0
	}
	cd := e.cooldown.Load()
	if cd == 0 {
		return 0
	}
	return time.Duration(max(cd-r.offset(r.clock.Now()), 0))
}

// ForceCooldown puts model in cooldown until until, as a peer replica asked
// (shared state). Like Cooldown it never shortens a cooldown in force, and
// an until in the past does nothing. It does not call the [WithOnCooldown]
// callback, so that a cooldown learnt from a peer is not published back.
func (r *Registry) ForceCooldown(model string, until time.Time) {
	u := r.offset(until)
	if u <= r.offset(r.clock.Now()) {
		return
	}
	if e := r.getOrCreate(model); e != nil {
		e.extendCooldown(u)
	}
}

// Force opens model's breaker until until, as a peer replica asked (shared
// state): from then on it goes half-open as usual. A closed or half-open
// breaker opens (the change reaches [WithOnChange] with Remote set; probes
// out are forgotten); an open one stays open until the later of its own end
// and until, without a new change. An until in the past does nothing.
func (r *Registry) Force(model string, until time.Time) {
	now := r.clock.Now()
	u := r.offset(until)
	if u <= r.offset(now) {
		return
	}
	if e := r.getOrCreate(model); e != nil {
		e.force(r.offset(now), u)
	}
}

// offset returns t as nanoseconds since r.base (monotonic when both carry a
// monotonic reading).
func (r *Registry) offset(t time.Time) int64 { return int64(t.Sub(r.base)) }

// at is the inverse of offset.
func (r *Registry) at(off int64) time.Time { return r.base.Add(time.Duration(off)) }
