package redisstore

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// subscriber keeps a subscription to the event channel: it connects,
// catches up on the state in force, applies peers' events as they come and
// pings to notice a dead or hung Redis; when the connection is lost it marks
// the link down and reconnects with backoff (100 ms doubling to 2 s).
func (s *Store) subscriber() {
	defer s.wg.Done()
	defer s.signalStarted()
	backoff := minBackoff
	for {
		connected, err := s.session()
		if s.ctx.Err() != nil {
			return
		}
		s.link.markDown(err)
		s.signalStarted()
		if connected {
			backoff = minBackoff
		}
		if !s.sleep(backoff) {
			return
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// session runs one subscription until it fails. connected reports whether it
// got as far as sharing state.
func (s *Store) session() (connected bool, err error) {
	ps := s.rdb.Subscribe(s.ctx) // no channel yet: does not connect
	s.psMu.Lock()
	if s.ctx.Err() != nil {
		s.psMu.Unlock()
		_ = ps.Close()
		return false, s.ctx.Err()
	}
	s.ps = ps
	s.psMu.Unlock()
	defer func() {
		s.psMu.Lock()
		s.ps = nil
		s.psMu.Unlock()
		_ = ps.Close()
	}()

	ctx, cancel := context.WithTimeout(s.ctx, bgTimeout)
	err = ps.Subscribe(ctx, s.keys.channel)
	if err == nil {
		err = confirm(ctx, ps)
	}
	if err == nil { // subscribed first, so nothing published from now on is missed
		err = s.resync(ctx)
	}
	cancel()
	if err != nil {
		return false, fmt.Errorf("subscribe: %w", err)
	}
	s.online()
	if err := s.listen(ps); err != nil {
		return true, fmt.Errorf("subscription lost: %w", err)
	}
	return true, nil
}

// confirm waits for the server's confirmation of the subscription.
func confirm(ctx context.Context, ps *redis.PubSub) error {
	msg, err := ps.ReceiveTimeout(ctx, bgTimeout)
	if err != nil {
		return err
	}
	if _, ok := msg.(*redis.Subscription); !ok {
		return fmt.Errorf("redisstore: expected a subscription confirmation, got %T", msg)
	}
	return nil
}

// listen applies peers' events until the subscription fails. It pings when
// idle; a ping not answered within 2×pingEvery means a hung Redis. A pong
// while the link is down (a request's call failed) triggers a recheck.
func (s *Store) listen(ps *redis.PubSub) error {
	var lastPing time.Time
	pending := false
	for {
		if !pending && time.Since(lastPing) >= pingEvery {
			if err := ps.Ping(s.ctx); err != nil {
				return err
			}
			pending, lastPing = true, time.Now()
		}
		msg, err := ps.ReceiveTimeout(s.ctx, pingEvery)
		if s.ctx.Err() != nil {
			return s.ctx.Err()
		}
		if err != nil {
			if !isTimeout(err) {
				return err
			}
			if pending && time.Since(lastPing) >= 2*pingEvery {
				return errNoPong
			}
			continue
		}
		switch m := msg.(type) {
		case *redis.Message:
			s.receive(m.Payload)
		case *redis.Pong:
			pending = false
			if !s.link.isUp() {
				s.recheck()
			}
		}
	}
}

// receive applies one message from the channel, unless it is malformed or
// this replica's own.
func (s *Store) receive(payload string) {
	if len(payload) > maxEventBytes {
		s.badPeer(errBadEvent, "")
		return
	}
	ev, err := decodeEvent(payload)
	if err != nil || ev.Src == s.cfg.instance {
		return
	}
	if ev.Kind == kindHeadroom {
		s.applyHeadroom(ev)
		return
	}
	s.apply(ev)
}

// recheck brings the link back up after a request's call failed while the
// subscription stayed alive: Redis must answer a ping within the request
// timeout (so a still-slow Redis stays down), then state is caught up.
func (s *Store) recheck() {
	ctx, cancel := context.WithTimeout(s.ctx, s.cfg.timeout)
	err := s.rdb.Ping(ctx).Err()
	cancel()
	if err != nil {
		return
	}
	ctx, cancel = context.WithTimeout(s.ctx, bgTimeout)
	err = s.resync(ctx)
	cancel()
	if err == nil {
		s.online()
	}
}

// online marks the link up and publishes what waited in the outbox.
func (s *Store) online() {
	s.link.markUp()
	s.signalStarted()
	s.flushOutbox()
}

// resync loads the cut-offs, breaker opens and cooldowns in force from Redis
// and applies those this replica did not publish itself.
func (s *Store) resync(ctx context.Context) error {
	now := strconv.FormatInt(s.clock.Now().UnixMilli(), 10)
	kinds := []string{kindUser, kindBreaker, kindCooldown}
	cmds := make([]*redis.ZSliceCmd, len(kinds))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, kind := range kinds {
			cmds[i] = p.ZRangeByScoreWithScores(ctx, s.keys.state(kind), &redis.ZRangeBy{Min: "(" + now, Max: "+inf"})
		}
		return nil
	})
	if err != nil {
		return err
	}
	for i, kind := range kinds {
		for _, z := range cmds[i].Val() {
			key, _ := z.Member.(string)
			ev := event{Kind: kind, Key: key, Until: int64(z.Score)}
			if key == "" || (kind != kindUser && s.isMine(ev)) {
				continue
			}
			s.apply(ev)
		}
	}
	return nil
}

// sleep waits d (wall clock) or until Close; it reports false on Close.
func (s *Store) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-s.ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
