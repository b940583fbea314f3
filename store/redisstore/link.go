package redisstore

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bulwarkhq/bulwark/clock"
	"github.com/bulwarkhq/bulwark/store"
)

// Link states.
const (
	linkConnecting = iota // before the first connection attempt resolved
	linkUp
	linkDown
	linkClosed
)

// link tracks whether Redis can be used, and logs each change of that once:
// one line when an outage starts, one when it ends, whatever the number of
// requests in between.
type link struct {
	up    atomic.Bool // fast read for the request path
	clock clock.Clock
	log   *slog.Logger
	addr  string

	mu    sync.Mutex
	state int
	err   string
	since time.Time
}

func newLink(c clock.Clock, log *slog.Logger, addr string) *link {
	return &link{clock: c, log: log, addr: addr, state: linkConnecting, err: "connecting", since: c.Now()}
}

// isUp reports whether Redis may be used now.
func (l *link) isUp() bool { return l.up.Load() }

// markDown records a failure of Redis. It logs and reports true only when it
// starts an outage.
func (l *link) markDown(err error) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.state == linkClosed {
		return false
	}
	wasUp := l.state == linkUp
	l.up.Store(false)
	if l.state == linkDown {
		return false
	}
	l.state, l.err, l.since = linkDown, err.Error(), l.clock.Now()
	if wasUp {
		l.log.Warn("store.redis_unavailable", "addr", l.addr, "err", err,
			"detail", "serving on local state until Redis answers again")
	} else {
		l.log.Warn("store.redis_unavailable", "addr", l.addr, "err", err,
			"detail", "could not reach Redis at start; serving on local state and retrying")
	}
	return true
}

// markUp records that Redis answers and state is shared again. It logs only
// when it ends an outage (or completes the first connection).
func (l *link) markUp() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.state == linkUp || l.state == linkClosed {
		return
	}
	now := l.clock.Now()
	if l.state == linkDown {
		l.log.Info("store.redis_recovered", "addr", l.addr, "down_for", now.Sub(l.since).Round(time.Millisecond).String())
	} else {
		l.log.Info("store.redis_connected", "addr", l.addr)
	}
	l.state, l.err, l.since = linkUp, "", now
	l.up.Store(true)
}

// close marks the link closed for good.
func (l *link) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.up.Store(false)
	l.state, l.err, l.since = linkClosed, errClosed.Error(), l.clock.Now()
}

func (l *link) health() store.Health {
	l.mu.Lock()
	defer l.mu.Unlock()
	return store.Health{Backend: "redis", OK: l.state == linkUp, Error: l.err, Since: l.since}
}
