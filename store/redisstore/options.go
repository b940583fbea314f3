package redisstore

import (
	"log/slog"
	"time"

	"github.com/bulwarkhq/bulwark/breaker"
)

// Defaults of the options.
const (
	// DefaultTimeout bounds each Redis call made on a request's path
	// (counting a user failure, reading the cache).
	DefaultTimeout = 50 * time.Millisecond
	// DefaultKeyPrefix starts every key and the channel name.
	DefaultKeyPrefix = "bulwark:"
	// DefaultQueueSize is how many cache writes may wait for Redis; more
	// are dropped.
	DefaultQueueSize = 1024
)

// Background timing (wall clock; not options).
const (
	// bgTimeout bounds each Redis call made off the request path.
	bgTimeout = time.Second
	// pingEvery is how often an idle subscription is pinged; one that has not
	// answered within 2×pingEvery counts as lost.
	pingEvery = 250 * time.Millisecond
	// minBackoff and maxBackoff bound the wait between reconnection tries.
	minBackoff = 100 * time.Millisecond
	maxBackoff = 2 * time.Second
	// eventQueue is how many breaker, cooldown and cut-off events may wait
	// to be published; more go to the outbox for the next recovery.
	eventQueue = 256
	// maxOutbox bounds the events kept while Redis is down.
	maxOutbox = 10_000
	// maxShared bounds each set of entries in force in Redis (cut-offs,
	// breaker opens, cooldowns), and the peers' and this replica's events
	// kept in memory: past it, the entries that end soonest are dropped.
	maxShared = 10_000
)

// Option configures a [Store].
type Option func(*config)

type config struct {
	timeout  time.Duration
	prefix   string
	queue    int
	instance string
	openFor  time.Duration
	logger   *slog.Logger
}

func newConfig(opts []Option) config {
	c := config{
		timeout: DefaultTimeout,
		prefix:  DefaultKeyPrefix,
		queue:   DefaultQueueSize,
		openFor: breaker.DefaultOpenFor,
		logger:  slog.Default(),
	}
	for _, o := range opts {
		o(&c)
	}
	if c.instance == "" {
		c.instance = newInstanceID()
	}
	return c
}

// WithTimeout bounds each Redis call on a request's path: counting a user's
// failure ([Store.UserFailed]) and reading the cache ([Store.CacheGet]). A
// call that takes longer is abandoned, the store serves from local state and
// counts Redis as down until it answers pings within d again. Zero or
// negative keeps the default, 50 ms.
func WithTimeout(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.timeout = d
		}
	}
}

// WithKeyPrefix sets the prefix of every Redis key and of the pub/sub channel
// (default "bulwark:"). Replicas share state exactly when they use the same
// Redis database and prefix. An empty prefix keeps the default.
func WithKeyPrefix(p string) Option {
	return func(c *config) {
		if p != "" {
			c.prefix = p
		}
	}
}

// WithQueueSize sets how many cache writes may wait for Redis (default
// 1024); when the queue is full, further writes are dropped (the local cache
// still has them). Zero or negative keeps the default.
func WithQueueSize(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.queue = n
		}
	}
}

// WithInstanceID names this replica on the channel, so that it ignores its
// own events. The default is random and unique per Store; set it only to
// make logs or tests readable, never to the same value on two replicas.
func WithInstanceID(id string) Option {
	return func(c *config) {
		if id != "" {
			c.instance = id
		}
	}
}

// WithOpenFor sets how long a shared breaker open lasts on the peers
// (until = Change.At + d) when no registry is attached; with one attached,
// its Settings().OpenFor is used. Default [breaker.DefaultOpenFor] (30 s).
func WithOpenFor(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.openFor = d
		}
	}
}

// WithLogger sets the logger for outages and recoveries (one line each).
// Default slog.Default().
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.logger = l
		}
	}
}
