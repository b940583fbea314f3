package breaker

import (
	"time"

	"github.com/bulwarkhq/bulwark/taxonomy"
)

// Bounds of the table of models no configuration names (DESIGN §4); see
// [WithOtherModels].
const (
	// DefaultMaxOtherModels is the most unconfigured models a Registry holds
	// state for: 1,024.
	DefaultMaxOtherModels = 1024
	// DefaultMaxOtherBytes is the most bytes their state may take, each
	// model counted as its name plus [EntryBytes]: 2 MiB.
	DefaultMaxOtherBytes = 2 << 20
	// DefaultOtherIdle is how long an unconfigured model's state is kept
	// after its last use: 10 minutes (and never less than OpenFor or
	// Window).
	DefaultOtherIdle = 10 * time.Minute
	// EntryBytes is what one model's state is counted as on top of its
	// name, in bytes: the breaker with its sliding window (392 bytes,
	// unsafe.Sizeof) and the table's own node and map slot, rounded up.
	EntryBytes = 1024
	// MaxSnapshotOthers is the most unconfigured models [Registry.Snapshot]
	// lists.
	MaxSnapshotOthers = 64
)

type limits struct {
	entries int
	bytes   int64
	idle    time.Duration
}

// WithModels names the configured models: their breakers exist from the
// start, are never evicted, and Allow on them takes no lock. The gateway
// passes every model tier of its chains; the library its chain's models.
// Same as calling [Registry.Reserve] after New.
func WithModels(models ...string) Option {
	return func(r *Registry) { r.configured = append(r.configured, models...) }
}

// WithOtherModels bounds the state kept for models that are not configured
// (clients may send any model name): at most entries models and bytes bytes
// (each model counted as len(name) + [EntryBytes]), the least recently used
// evicted first, and a model's state forgotten once unused for idle (its
// open state and cooldown with it). Zero or negative values keep their
// defaults ([DefaultMaxOtherModels], [DefaultMaxOtherBytes],
// [DefaultOtherIdle]); idle is never less than Settings.OpenFor or Window.
// An evicted model starts afresh, closed, when it is next used.
func WithOtherModels(entries int, bytes int64, idle time.Duration) Option {
	return func(r *Registry) {
		if entries > 0 {
			r.othersLimit.entries = entries
		}
		if bytes > 0 {
			r.othersLimit.bytes = bytes
		}
		if idle > 0 {
			r.othersLimit.idle = idle
		}
	}
}

// Reserve makes models configured ones (see [WithModels]); a model that
// already had state as an unconfigured one keeps it. Empty names and models
// already reserved are skipped. It is meant for start-up: each call copies
// the table of configured models.
func (r *Registry) Reserve(models ...string) {
	if len(models) == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	old := *r.pinned.Load()
	next := make(map[string]*entry, len(old)+len(models))
	for k, v := range old {
		next[k] = v
	}
	now := r.offset(r.clock.Now())
	for _, m := range models {
		if _, ok := next[m]; ok || m == "" {
			continue
		}
		e, ok := r.others.Get(m, now)
		if ok {
			r.others.Delete(m)
		} else {
			e = newEntry(r, m)
		}
		next[m] = e
	}
	r.nOthers.Store(int64(r.others.Len()))
	r.pinned.Store(&next)
}

// Configured reports whether model is one of the configured models.
func (r *Registry) Configured(model string) bool {
	_, ok := (*r.pinned.Load())[model]
	return ok
}

// lookup returns model's state; nil when it has none.
func (r *Registry) lookup(model string) *entry {
	if e := (*r.pinned.Load())[model]; e != nil {
		return e
	}
	if r.nOthers.Load() == 0 {
		return nil
	}
	now := r.offset(r.clock.Now())
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.others.Get(model, now)
	if ok {
		r.touch(e, now)
	}
	r.expire(now)
	return e
}

// getOrCreate returns model's state, created if need be (evicting the least
// recently used unconfigured model when the table is full); nil only when
// model's name alone is over the table's byte bound.
func (r *Registry) getOrCreate(model string) *entry {
	if e := (*r.pinned.Load())[model]; e != nil {
		return e
	}
	now := r.offset(r.clock.Now())
	r.mu.Lock()
	defer r.mu.Unlock()
	if e := (*r.pinned.Load())[model]; e != nil { // reserved meanwhile
		return e
	}
	e, ok := r.others.Get(model, now)
	if !ok {
		e = newEntry(r, model)
	}
	if !r.touch(e, now) {
		e = nil
	}
	r.expire(now)
	return e
}

// touch (re)stores e as the most recently used, idle from now. Requires mu.
func (r *Registry) touch(e *entry, now int64) bool {
	return r.others.Put(e.model, e, int64(len(e.model))+EntryBytes, now+int64(r.othersLimit.idle))
}

// expire drops the unconfigured models idle past their time. Requires mu.
func (r *Registry) expire(now int64) {
	r.others.Expire(now)
	r.nOthers.Store(int64(r.others.Len()))
}

// othersHeld returns the unconfigured models' state, most recently used
// first.
func (r *Registry) othersHeld() []*entry {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]*entry, 0, r.others.Len())
	r.others.Each(func(_ string, e *entry) bool {
		out = append(out, e)
		return true
	})
	return out
}

// creates reports whether an outcome e of a model with no state must create
// its state: one that can change a decision (a failure; a success in rate
// mode). Neutral outcomes and count-mode successes change nothing.
func (s Settings) creates(e taxonomy.Effect) bool {
	return e == taxonomy.CountFailure || (e == taxonomy.CountSuccess && s.rateMode())
}
