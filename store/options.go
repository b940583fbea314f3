package store

import (
	"time"

	"github.com/bulwarkhq/bulwark/clock"
)

// Defaults of the options (DESIGN §6, §7b config keys user_breaker and cache).
const (
	// DefaultUserFailures is how many request-caused failures within
	// DefaultUserWindow cut a user off (config user_breaker.failures).
	DefaultUserFailures = 5
	// DefaultUserWindow is the window user failures are counted in, and how
	// long a cut-off lasts (config user_breaker.window).
	DefaultUserWindow = 60 * time.Second
	// DefaultCacheTTL is how long a cached answer stays servable (config cache.ttl).
	DefaultCacheTTL = 10 * time.Minute
	// DefaultCacheEntries is the most answers the local cache holds.
	DefaultCacheEntries = 10_000
	// DefaultCacheBytes is the most bytes (keys, models and bodies) the local
	// cache holds: 64 MiB.
	DefaultCacheBytes = 64 << 20
	// MaxUserFailures caps the per-user failure limit: each failing user
	// holds that many timestamps.
	MaxUserFailures = 1000
	// DefaultUserEntries is the most users each user table holds (the
	// failure windows, the cut-offs): 10,000.
	DefaultUserEntries = 10_000
	// DefaultUserBytes is the most bytes each user table holds, each user
	// counted as its id plus a fixed overhead (and 8 bytes per failure
	// timestamp): 4 MiB.
	DefaultUserBytes = 4 << 20
)

// Option configures a [Memory] store (and through it a Redis store, which
// keeps a Memory as its local state).
type Option func(*config)

type config struct {
	userFailures int
	userWindow   time.Duration
	userEntries  int
	userBytes    int64
	cacheTTL     time.Duration
	cacheEntries int
	cacheBytes   int64
	clock        clock.Clock
}

func newConfig(opts []Option) config {
	c := config{
		userFailures: DefaultUserFailures,
		userWindow:   DefaultUserWindow,
		userEntries:  DefaultUserEntries,
		userBytes:    DefaultUserBytes,
		cacheTTL:     DefaultCacheTTL,
		cacheEntries: DefaultCacheEntries,
		cacheBytes:   DefaultCacheBytes,
		clock:        clock.Real,
	}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// WithUserLimit sets the per-user breaker: failures request-caused failures
// within window cut the user off for window. A zero or negative value keeps
// its default (5 failures, 60 s); failures above [MaxUserFailures] count as
// MaxUserFailures.
func WithUserLimit(failures int, window time.Duration) Option {
	return func(c *config) {
		if failures > 0 {
			c.userFailures = min(failures, MaxUserFailures)
		}
		if window > 0 {
			c.userWindow = window
		}
	}
}

// WithUserBounds bounds each table keyed by user id (DESIGN §6: clients
// choose the ids): at most entries users and bytes bytes. A failure window
// is forgotten once its newest failure is a window old, a cut-off once it
// ends; when a table is full, the user who failed least recently (failure
// windows) or whose cut-off ends soonest (cut-offs; never the one being
// made) is dropped first. The bounds are split over 32 shards, so a table
// may be dropping users a little before it is full. A zero or negative
// value keeps its default ([DefaultUserEntries], [DefaultUserBytes]).
func WithUserBounds(entries int, bytes int64) Option {
	return func(c *config) {
		if entries > 0 {
			c.userEntries = entries
		}
		if bytes > 0 {
			c.userBytes = bytes
		}
	}
}

// WithCacheTTL sets how long a cached answer stays servable after it was
// stored. Zero or negative keeps the default, 10 minutes.
func WithCacheTTL(ttl time.Duration) Option {
	return func(c *config) {
		if ttl > 0 {
			c.cacheTTL = ttl
		}
	}
}

// WithCacheSize bounds the local cache to at most entries answers and at most
// bytes bytes (keys, model names and bodies counted); the least recently used
// answers are evicted first, and an answer larger than bytes is not cached. A
// zero or negative value keeps its default (10,000 entries, 64 MiB).
func WithCacheSize(entries int, bytes int64) Option {
	return func(c *config) {
		if entries > 0 {
			c.cacheEntries = entries
		}
		if bytes > 0 {
			c.cacheBytes = bytes
		}
	}
}

// WithClock sets the clock that windows, cut-offs and TTLs run on. The
// default is [clock.Real]; tests pass a [clock.Fake].
func WithClock(c clock.Clock) Option {
	return func(cfg *config) {
		if c != nil {
			cfg.clock = c
		}
	}
}
