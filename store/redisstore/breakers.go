package redisstore

import (
	"time"

	"github.com/bulwarkhq/bulwark/breaker"
)

// BreakerChanged publishes a local breaker open to the other replicas as
// {model, until = c.At + open_for}; it never waits for Redis. Changes with
// Remote set (a peer's, applied here by Force) and changes to closed or
// half-open are not published: peers close on their own once until passes.
func (s *Store) BreakerChanged(c breaker.Change) {
	if c.Remote || c.To != breaker.Open {
		return
	}
	s.share(event{Kind: kindBreaker, Key: c.Model, Until: c.At.Add(s.openFor()).UnixMilli()})
}

// CooldownStarted publishes a local 429 cooldown of model until until to the
// other replicas; it never waits for Redis.
func (s *Store) CooldownStarted(model string, until time.Time) {
	s.share(event{Kind: kindCooldown, Key: model, Until: until.UnixMilli()})
}

// Attach makes the other replicas' breaker opens and cooldowns apply to reg
// (through reg.Force and reg.ForceCooldown), those already known at once. A
// later Attach replaces reg.
func (s *Store) Attach(reg *breaker.Registry) {
	now := s.clock.Now().UnixMilli()
	s.mu.Lock()
	s.reg = reg
	var known []event
	for k, until := range s.remote.m {
		if until > now {
			known = append(known, event{Kind: k.kind, Key: k.key, Until: until})
		}
	}
	s.mu.Unlock()
	for _, ev := range known {
		force(reg, ev)
	}
}

func (s *Store) openFor() time.Duration {
	s.mu.Lock()
	reg := s.reg
	s.mu.Unlock()
	if reg != nil {
		return reg.Settings().OpenFor
	}
	return s.cfg.openFor
}

func force(reg *breaker.Registry, ev event) {
	if reg == nil {
		return
	}
	switch ev.Kind {
	case kindBreaker:
		reg.Force(ev.Key, ev.until())
	case kindCooldown:
		reg.ForceCooldown(ev.Key, ev.until())
	}
}

// share sends a local event to the peers: through the writer when Redis is
// up, else (or when the queue is full) into the outbox for the recovery.
func (s *Store) share(ev event) {
	ev.Src = s.cfg.instance
	if ev.Kind != kindUser {
		s.mu.Lock()
		s.mine.put(ev.id(), ev.Until, s.clock.Now().UnixMilli())
		s.mu.Unlock()
	}
	if s.link.isUp() {
		select {
		case s.events <- ev:
			return
		default:
		}
	}
	s.toOutbox(ev)
}

// toOutbox keeps ev for the next recovery (the latest until per key, at most
// maxOutbox keys).
func (s *Store) toOutbox(ev event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.outbox.put(ev.id(), ev.Until, s.clock.Now().UnixMilli())
}

// flushOutbox queues the events kept during an outage that are still in force.
func (s *Store) flushOutbox() {
	now := s.clock.Now().UnixMilli()
	s.mu.Lock()
	pending := make([]event, 0, len(s.outbox.m))
	for k, until := range s.outbox.m {
		if until > now {
			pending = append(pending, event{Src: s.cfg.instance, Kind: k.kind, Key: k.key, Until: until})
		}
	}
	clear(s.outbox.m)
	s.mu.Unlock()
	for i, ev := range pending {
		select {
		case s.events <- ev:
		default:
			for _, rest := range pending[i:] {
				s.toOutbox(rest)
			}
			return
		}
	}
}

// apply makes a peer's event (or one loaded from Redis) take effect here.
func (s *Store) apply(ev event) {
	now := s.clock.Now().UnixMilli()
	if ev.Until <= now {
		return
	}
	if ev.Kind == kindUser {
		s.mem.CutOff(ev.Key, ev.until())
		return
	}
	s.mu.Lock()
	s.remote.put(ev.id(), ev.Until, now) // when full, applied all the same
	reg := s.reg
	s.mu.Unlock()
	force(reg, ev)
}

// isMine reports whether ev is one this replica published itself.
func (s *Store) isMine(ev event) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mine.m[ev.id()] >= ev.Until
}
