package redisstore

import (
	"context"
	"time"
)

// ProbeSlot grants the recovery probe of deployment key for interval to
// one replica of the fleet (DESIGN §4): a SET NX PX of the key's probe slot,
// one call bounded by the timeout option, made only on the path where every
// model tier of a request was skipped. The replica whose SET created the slot
// sends the probe; the others are refused until it expires. With Redis down,
// slow or failing it grants (each replica then probes on its own, as one
// process would), so that a Redis outage never delays a recovery.
func (s *Store) ProbeSlot(ctx context.Context, key string, interval time.Duration) bool {
	if !s.link.isUp() || interval <= 0 {
		return true
	}
	opCtx, cancel := context.WithTimeout(ctx, s.cfg.timeout)
	ok, err := s.rdb.SetNX(opCtx, s.keys.probe(key), s.cfg.instance, interval).Result()
	cancel()
	if err != nil {
		s.fault(ctx, err)
		return true
	}
	return ok
}
