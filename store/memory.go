package store

import (
	"context"
	"github.com/bulwarkhq/bulwark/headroom"
	"hash/maphash"
	"time"

	"github.com/bulwarkhq/bulwark/breaker"
	"github.com/bulwarkhq/bulwark/clock"
)

// Memory is the one-process [Shared] store: per-user breakers and the cache
// tier live in this process only, and breaker events have no one to go to.
// It is also the local state of the Redis store, which calls its exported
// methods to apply what other replicas decided. Create it with [NewMemory].
type Memory struct {
	cfg   config
	seed  maphash.Seed
	cut   *cutTable
	fails *failTable
	cache *lruCache
	since time.Time
}

var _ Shared = (*Memory)(nil)

// NewMemory returns a memory store configured by opts (see [WithUserLimit],
// [WithUserBounds], [WithCacheTTL], [WithCacheSize], [WithClock]).
func NewMemory(opts ...Option) *Memory {
	cfg := newConfig(opts)
	return &Memory{
		cfg:   cfg,
		seed:  maphash.MakeSeed(),
		cut:   &cutTable{maxEntries: perShard(cfg.userEntries), maxBytes: int64(perShard(int(cfg.userBytes)))},
		fails: newFailTable(cfg.userEntries, cfg.userBytes),
		cache: newLRU(cfg.cacheEntries, cfg.cacheBytes),
		since: cfg.clock.Now(),
	}
}

// Usage is what a [Memory] store holds: each table's entries and the bytes
// they are counted as (ids, keys and bodies plus a fixed overhead each).
type Usage struct {
	// FailingUsers is the users with request-caused failures in the window.
	FailingUsers int `json:"failing_users"`
	// FailingUserBytes is the bytes of their failure windows.
	FailingUserBytes int64 `json:"failing_user_bytes"`
	// CutOffUsers is the users cut off (ended cut-offs included until the
	// next write to their shard drops them).
	CutOffUsers int `json:"cut_off_users"`
	// CutOffBytes is the bytes of the cut-off table.
	CutOffBytes int64 `json:"cut_off_bytes"`
	// CacheEntries is the cached answers.
	CacheEntries int `json:"cache_entries"`
	// CacheBytes is the bytes of the cached answers.
	CacheBytes int64 `json:"cache_bytes"`
}

// Usage returns what the store holds now.
func (m *Memory) Usage() Usage {
	var u Usage
	u.FailingUsers, u.FailingUserBytes = m.fails.usage()
	u.CutOffUsers, u.CutOffBytes = int(m.cut.live.Load()), m.cut.bytes.Load()
	u.CacheEntries, u.CacheBytes = m.cache.stats()
	return u
}

// UserLimit returns the per-user breaker's settings in force: failures within
// window cut a user off for window.
func (m *Memory) UserLimit() (failures int, window time.Duration) {
	return m.cfg.userFailures, m.cfg.userWindow
}

// CacheTTL returns how long a cached answer stays servable.
func (m *Memory) CacheTTL() time.Duration { return m.cfg.cacheTTL }

// CacheMaxBytes returns the local cache's byte bound; larger answers are not cached.
func (m *Memory) CacheMaxBytes() int64 { return m.cfg.cacheBytes }

// Clock returns the clock the store runs on.
func (m *Memory) Clock() clock.Clock { return m.cfg.clock }

// UserAllowed reports whether user may send requests now, and if not, how
// long the cut-off lasts. It takes no lock, does no I/O and, for a user who
// is not cut off, does not allocate.
func (m *Memory) UserAllowed(user string) (bool, time.Duration) {
	if m.cut.live.Load() == 0 {
		return true, 0
	}
	until, ok := m.cut.lookup(maphash.String(m.seed, user), user)
	if !ok {
		return true, 0
	}
	now := m.cfg.clock.Now().UnixNano()
	if now >= until {
		return true, 0
	}
	return false, time.Duration(until - now)
}

// UserFailed counts one request-caused failure of user and reports whether it
// cut the user off. Failures while the user is cut off are not counted (they
// come from requests let through before the cut-off).
func (m *Memory) UserFailed(_ context.Context, user string) bool {
	cut, _ := m.RecordFailure(user)
	return cut
}

// RecordFailure is [Memory.UserFailed] that also returns the end of the
// cut-off it started (zero when it started none).
func (m *Memory) RecordFailure(user string) (cutOff bool, until time.Time) {
	now := m.cfg.clock.Now()
	ns := now.UnixNano()
	h := maphash.String(m.seed, user)
	if end, ok := m.cut.lookup(h, user); ok && end > ns {
		return false, time.Time{}
	}
	window := int64(m.cfg.userWindow)
	if !m.fails.record(h, user, m.cfg.userFailures, ns, window) {
		return false, time.Time{}
	}
	until = now.Add(m.cfg.userWindow)
	m.cut.extend(h, user, until.UnixNano(), ns)
	return true, until
}

// CutOff cuts user off until until, as decided elsewhere (another replica).
// It never shortens a cut-off in force; an until in the past does nothing. It
// reports whether the cut-off was started or lengthened.
func (m *Memory) CutOff(user string, until time.Time) bool {
	now := m.cfg.clock.Now().UnixNano()
	end := until.UnixNano()
	if end <= now {
		return false
	}
	return m.cut.extend(maphash.String(m.seed, user), user, end, now)
}

// CacheGet returns the answer stored under key unless it expired.
// The returned Body is shared: callers must not modify it.
func (m *Memory) CacheGet(_ context.Context, key string) (Entry, bool) {
	return m.cache.get(key, m.cfg.clock.Now().UnixNano())
}

// CachePut stores e under key for the cache TTL, counted from e.StoredAt
// (set to now when zero). The store keeps e.Body as it is: callers must not
// modify it afterwards. An answer larger than the byte bound is not stored.
func (m *Memory) CachePut(_ context.Context, key string, e Entry) {
	now := m.cfg.clock.Now()
	if e.StoredAt.IsZero() || e.StoredAt.After(now) {
		e.StoredAt = now
	}
	expires := e.StoredAt.Add(m.cfg.cacheTTL).UnixNano()
	if expires <= now.UnixNano() {
		return
	}
	m.cache.put(key, e, expires, now.UnixNano())
}

// BreakerChanged does nothing: one process has no peers.
func (m *Memory) BreakerChanged(breaker.Change) {}

// CooldownStarted does nothing: one process has no peers.
func (m *Memory) CooldownStarted(string, time.Time) {}

// Attach does nothing: one process has no peers.
func (m *Memory) Attach(*breaker.Registry) {}

// ProbeSlot grants every probe: one process has no peers, and its breakers
// already give one probe per interval per deployment.
func (m *Memory) ProbeSlot(context.Context, string, time.Duration) bool { return true }

// HeadroomSeen does nothing: with one process there is no one to tell.
func (m *Memory) HeadroomSeen(string, headroom.Limits) {}

// OnHeadroom does nothing: no other replica ever calls.
func (m *Memory) OnHeadroom(func(string, headroom.Limits)) {}

// Health reports the memory backend, always OK.
func (m *Memory) Health() Health {
	return Health{Backend: "memory", OK: true, Since: m.since}
}

// Close does nothing and returns nil.
func (m *Memory) Close() error { return nil }
