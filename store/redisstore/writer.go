package redisstore

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
)

// writer makes the Redis writes that requests do not wait for: publishing
// local events (first), then rate-limit headers (headroom.go) and cache
// writes.
func (s *Store) writer() {
	defer s.wg.Done()
	for {
		select {
		case <-s.ctx.Done():
			return
		case ev := <-s.events:
			s.publish(ev)
		case <-s.headWake:
			s.drainEvents()
			s.publishHeadroom()
		case p := <-s.puts:
			s.drainEvents()
			s.store(p)
		}
	}
}

func (s *Store) drainEvents() {
	for {
		select {
		case ev := <-s.events:
			s.publish(ev)
		default:
			return
		}
	}
}

// publish records ev in its state set and publishes it; on failure it goes
// to the outbox.
func (s *Store) publish(ev event) {
	if !s.link.isUp() {
		s.toOutbox(ev)
		return
	}
	ctx, cancel := context.WithTimeout(s.ctx, bgTimeout)
	defer cancel()
	err := shareScript.Run(ctx, s.rdb, []string{s.keys.state(ev.Kind)},
		ev.Key, ev.Until, s.clock.Now().UnixMilli(), s.keys.channel, encodeEvent(ev), maxShared,
	).Err()
	if err != nil {
		s.fault(s.ctx, err)
		s.toOutbox(ev)
	}
}

// store writes a cache entry with what is left of its TTL.
func (s *Store) store(p cachePut) {
	if !s.link.isUp() {
		s.dropped.Add(1)
		return
	}
	ttl := p.entry.StoredAt.Add(s.mem.CacheTTL()).Sub(s.clock.Now())
	if ttl < time.Millisecond {
		return
	}
	ctx, cancel := context.WithTimeout(s.ctx, bgTimeout)
	defer cancel()
	err := s.rdb.Set(ctx, s.keys.cache(p.key), encodeEntry(p.entry), ttl).Err()
	if err != nil && !errors.Is(err, redis.Nil) {
		s.dropped.Add(1)
		s.fault(s.ctx, err)
	}
}
