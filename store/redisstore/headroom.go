package redisstore

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/bulwarkhq/bulwark/headroom"
)

// Headroom sharing (DESIGN §14): each replica publishes the latest
// rate-limit headers it saw per deployment, off the request path and
// coalesced (HeadroomSeen keeps the latest per key; the writer publishes
// what is pending, one key at a time), and hands its peers' to the
// OnHeadroom function. Nothing is stored in Redis: limits are only worth
// their freshness, so a Redis that went away costs freshness and nothing
// else, and a replica that starts learns from the next answers.

const (
	// kindHeadroom is the event kind of a deployment's rate-limit headers.
	kindHeadroom = "headroom"
	// maxHeadroomKeys bounds the deployments whose limits wait to be
	// published; the gateway shares only its configured deployments.
	maxHeadroomKeys = 256
	// maxEventBytes bounds a message read from the channel: larger ones are
	// dropped unread.
	maxEventBytes = 4 << 10
	// maxLimit bounds every count of a bucket read from a peer.
	maxLimit = int64(1) << 40
	// maxResetAhead bounds how far after it was seen a bucket's reset may be.
	maxResetAhead = 24 * time.Hour
)

// errBadHeadroom marks limits from the channel that cannot be true.
var errBadHeadroom = errors.New("redisstore: implausible rate-limit headers")

// wireLimits is headroom.Limits on the channel: per bucket (requests,
// tokens, input tokens, output tokens) its limit, remaining and reset (unix
// ms, 0 for none), a limit of -1 for a bucket the answer did not carry;
// and when the answer was seen (unix ms).
type wireLimits struct {
	B    [4][3]int64 `json:"b"`
	Seen int64       `json:"seen"`
}

func buckets(l *headroom.Limits) [4]*headroom.Bucket {
	return [4]*headroom.Bucket{&l.Requests, &l.Tokens, &l.InputTokens, &l.OutputTokens}
}

func toWire(l headroom.Limits) *wireLimits {
	w := &wireLimits{Seen: l.Seen.UnixMilli()}
	for i, b := range buckets(&l) {
		if !b.Known {
			w.B[i] = [3]int64{-1, 0, 0}
			continue
		}
		var reset int64
		if !b.Reset.IsZero() {
			reset = b.Reset.UnixMilli()
		}
		w.B[i] = [3]int64{b.Limit, b.Remaining, reset}
	}
	return w
}

// fromWire checks limits from a peer and returns them, their Seen no later
// than now (a peer's clock ahead of ours must not make its limits win
// forever).
func fromWire(w *wireLimits, now time.Time) (headroom.Limits, error) {
	var l headroom.Limits
	if w == nil || w.Seen <= 0 {
		return l, errBadHeadroom
	}
	l.Seen = time.UnixMilli(w.Seen)
	if l.Seen.After(now) {
		l.Seen = now
	}
	for i, b := range buckets(&l) {
		lim, rem, reset := w.B[i][0], w.B[i][1], w.B[i][2]
		if lim == -1 {
			continue
		}
		if lim < 0 || lim > maxLimit || rem < 0 || rem > lim || reset < 0 ||
			(reset > 0 && time.UnixMilli(reset).Sub(l.Seen) > maxResetAhead) {
			return headroom.Limits{}, errBadHeadroom
		}
		b.Limit, b.Remaining, b.Known = lim, rem, true
		if reset > 0 {
			b.Reset = time.UnixMilli(reset)
		}
	}
	return l, nil
}

// HeadroomSeen keeps l as the latest limits of deployment key to publish,
// and wakes the writer; it never waits. Past maxHeadroomKeys pending keys,
// a new key's limits are dropped.
func (s *Store) HeadroomSeen(key string, l headroom.Limits) {
	s.headMu.Lock()
	if _, ok := s.headPending[key]; ok || len(s.headPending) < maxHeadroomKeys {
		s.headPending[key] = l
	}
	s.headMu.Unlock()
	select {
	case s.headWake <- struct{}{}:
	default:
	}
}

// OnHeadroom sets the function that gets the peers' limits.
func (s *Store) OnHeadroom(f func(key string, l headroom.Limits)) {
	if f == nil {
		s.onHead.Store(nil)
		return
	}
	s.onHead.Store(&f)
}

// publishHeadroom publishes the pending limits, the latest per key (the
// writer's: one write at a time). With the link down they are dropped.
func (s *Store) publishHeadroom() {
	s.headMu.Lock()
	pending := s.headPending
	s.headPending = make(map[string]headroom.Limits, len(pending))
	s.headMu.Unlock()
	for key, l := range pending {
		if !s.link.isUp() || s.ctx.Err() != nil {
			return
		}
		ctx, cancel := context.WithTimeout(s.ctx, bgTimeout)
		err := s.rdb.Publish(ctx, s.keys.channel,
			encodeEvent(event{Src: s.cfg.instance, Kind: kindHeadroom, Key: key, Head: toWire(l)})).Err()
		cancel()
		if err != nil {
			s.fault(s.ctx, err)
			return
		}
	}
}

// applyHeadroom hands a peer's limits to the OnHeadroom function; limits
// that cannot be true are dropped, and the first such logged.
func (s *Store) applyHeadroom(ev event) {
	f := s.onHead.Load()
	if f == nil {
		return
	}
	l, err := fromWire(ev.Head, s.clock.Now())
	if err != nil {
		s.badPeer(err, ev.Key)
		return
	}
	(*f)(ev.Key, l)
}

// badPeer logs, once per Store, a message from the channel that was dropped.
func (s *Store) badPeer(err error, key string) {
	if s.badLogged.CompareAndSwap(false, true) {
		s.cfg.logger.Warn("redis.bad_event", slog.String("error", err.Error()), slog.Int("key_bytes", len(key)),
			slog.String("note", "dropped; further ones are dropped without a log line"))
	}
}
