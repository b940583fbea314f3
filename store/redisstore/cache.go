package redisstore

import (
	"context"
	"errors"

	"github.com/redis/go-redis/v9"

	"github.com/bulwarkhq/bulwark/store"
)

// cachePut is a cache write waiting for the writer.
type cachePut struct {
	key   string
	entry store.Entry
}

// CacheGet returns the newest of the answer under key in Redis (one call,
// bounded by the timeout option) and the local one. With Redis down it
// returns the local one. The returned Body must not be modified.
func (s *Store) CacheGet(ctx context.Context, key string) (store.Entry, bool) {
	local, ok := s.mem.CacheGet(ctx, key)
	if !s.link.isUp() {
		return local, ok
	}
	opCtx, cancel := context.WithTimeout(ctx, s.cfg.timeout)
	b, err := s.rdb.Get(opCtx, s.keys.cache(key)).Bytes()
	cancel()
	if err != nil {
		if !errors.Is(err, redis.Nil) {
			s.fault(ctx, err)
		}
		return local, ok
	}
	remote, err := decodeEntry(b)
	if err != nil || (ok && !remote.StoredAt.After(local.StoredAt)) {
		return local, ok
	}
	if !s.clock.Now().Before(remote.StoredAt.Add(s.mem.CacheTTL())) {
		return local, ok
	}
	s.mem.CachePut(ctx, key, remote) // so it survives a Redis outage here
	return remote, true
}

// CachePut stores e under key locally at once and in Redis in the background
// (with the TTL); it never waits for Redis. Writes are dropped while Redis is
// down or the queue (see [WithQueueSize]) is full. The store keeps e.Body:
// callers must not modify it afterwards.
func (s *Store) CachePut(ctx context.Context, key string, e store.Entry) {
	if now := s.clock.Now(); e.StoredAt.IsZero() || e.StoredAt.After(now) {
		e.StoredAt = now
	}
	s.mem.CachePut(ctx, key, e)
	if !s.link.isUp() || int64(len(e.Body)) > s.mem.CacheMaxBytes() {
		s.dropped.Add(1)
		return
	}
	select {
	case s.puts <- cachePut{key: key, entry: e}:
	default:
		s.dropped.Add(1)
	}
}

// Dropped returns how many cache writes were not sent to Redis (queue full,
// Redis down, or answer over the local byte bound) since New.
func (s *Store) Dropped() int64 { return s.dropped.Load() }
