package redisstore

import (
	"context"
	"errors"
	"fmt"
	"github.com/bulwarkhq/bulwark/headroom"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"

	"github.com/bulwarkhq/bulwark/breaker"
	"github.com/bulwarkhq/bulwark/clock"
	"github.com/bulwarkhq/bulwark/store"
)

// Store is the Redis-backed [store.Shared]. Create it with [New]; it is safe
// for concurrent use. Every method answers from local state when Redis
// cannot be used, and none returns a Redis error.
type Store struct {
	mem   *store.Memory
	rdb   *redis.Client
	cfg   config
	keys  keys
	clock clock.Clock
	link  *link

	events  chan event    // local events to publish
	puts    chan cachePut // cache writes to make
	seq     atomic.Uint64 // makes failure members unique
	dropped atomic.Int64  // cache writes dropped (queue full or Redis down)

	mu     sync.Mutex
	reg    *breaker.Registry
	remote eventTimes // peers' breaker opens and cooldowns in force (ms)
	mine   eventTimes // this replica's, as published (ms)
	outbox eventTimes // this replica's events not yet published (ms)

	psMu sync.Mutex
	ps   *redis.PubSub // the live subscription, for Close to cut

	// headPending holds the latest limits per deployment waiting to be
	// published (headroom.go); headWake wakes the writer for them.
	headMu      sync.Mutex
	headPending map[string]headroom.Limits
	headWake    chan struct{}
	onHead      atomic.Pointer[func(string, headroom.Limits)]
	badLogged   atomic.Bool // a dropped channel message was logged

	ctx       context.Context
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	started   chan struct{} // closed once the first connection attempt resolved
	startOnce sync.Once
	closeOnce sync.Once
}

var _ store.Shared = (*Store)(nil)

// New returns a Store on the Redis at url (redis://[user:password@]host:port/db)
// that keeps its local state in local (nil: a [store.NewMemory] with
// defaults). Per-user limits, cache TTL and clock come from local.
//
// New fails only on a malformed URL ([ErrBadURL]). It waits for the first
// connection attempt, at most until ctx ends or about a second passes; when
// Redis is down it logs that once and returns a Store that serves on local
// state and keeps reconnecting in the background.
func New(ctx context.Context, url string, local *store.Memory, opts ...Option) (*Store, error) {
	ropt, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadURL, err)
	}
	if local == nil {
		local = store.NewMemory()
	}
	cfg := newConfig(opts)
	tune(ropt)

	s := &Store{
		mem:     local,
		rdb:     redis.NewClient(ropt),
		cfg:     cfg,
		keys:    newKeys(cfg.prefix),
		clock:   local.Clock(),
		events:  make(chan event, eventQueue),
		puts:    make(chan cachePut, cfg.queue),
		remote:  newEventTimes(maxShared),
		mine:    newEventTimes(maxShared),
		outbox:  newEventTimes(maxOutbox),
		started: make(chan struct{}),

		headPending: map[string]headroom.Limits{},
		headWake:    make(chan struct{}, 1),
	}
	s.link = newLink(s.clock, cfg.logger, ropt.Addr)
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.wg.Add(2)
	go s.subscriber()
	go s.writer()

	select {
	case <-s.started:
	case <-ctx.Done():
	}
	return s, nil
}

// tune makes the client fail fast and leave retrying to the store.
func tune(o *redis.Options) {
	o.MaxRetries = -1              // one try per call: the store falls back instead
	o.DialerRetries = 1            // one dial per call, no dial backoff
	o.ContextTimeoutEnabled = true // per-call timeouts come from contexts
	o.DialTimeout = bgTimeout      // ceilings for calls without a deadline
	o.ReadTimeout = bgTimeout
	o.WriteTimeout = bgTimeout
	o.PoolTimeout = bgTimeout
	o.DisableIdentity = true // no CLIENT SETINFO (not in older servers)
	o.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
}

// Local returns the local state the store answers from.
func (s *Store) Local() *store.Memory { return s.mem }

// UserAllowed reports whether user may send requests now, from the local
// cut-off table (no I/O; see [store.Memory.UserAllowed]).
func (s *Store) UserAllowed(user string) (bool, time.Duration) { return s.mem.UserAllowed(user) }

// UserFailed counts a request-caused failure of user locally and in Redis
// (one call, bounded by the timeout option), and reports whether it cut the
// user off. A cut-off decided in Redis reaches every replica through the
// channel; one decided locally (Redis down or behind) is published too.
func (s *Store) UserFailed(ctx context.Context, user string) bool {
	if ok, _ := s.mem.UserAllowed(user); !ok {
		return false // failures of requests let through before a cut-off
	}
	localCut, localUntil := s.mem.RecordFailure(user)
	if !s.link.isUp() {
		if localCut {
			s.share(event{Kind: kindUser, Key: user, Until: localUntil.UnixMilli()})
		}
		return localCut
	}
	failures, window := s.mem.UserLimit()
	now := s.clock.Now()
	until := now.Add(window)
	ev := event{Src: s.cfg.instance, Kind: kindUser, Key: user, Until: until.UnixMilli()}
	member := s.cfg.instance + ":" + strconv.FormatUint(s.seq.Add(1), 36)

	opCtx, cancel := context.WithTimeout(ctx, s.cfg.timeout)
	cut, err := failScript.Run(opCtx, s.rdb,
		[]string{s.keys.failures(user), s.keys.state(kindUser)},
		now.UnixMilli(), window.Milliseconds(), failures, member,
		s.keys.channel, encodeEvent(ev), user, ev.Until, maxShared,
	).Int()
	cancel()
	switch {
	case err != nil:
		s.fault(ctx, err)
	case cut == 1:
		s.mem.CutOff(user, until)
		return true
	}
	if localCut { // this replica saw the limit that Redis did not (or could not) count
		s.share(event{Kind: kindUser, Key: user, Until: localUntil.UnixMilli()})
	}
	return localCut
}

// fault records a failed Redis call made for a request. A call cut short by
// the caller's own context says nothing about Redis; an error reply means
// Redis answered.
func (s *Store) fault(ctx context.Context, err error) {
	if ctx.Err() != nil || errors.Is(err, redis.Nil) {
		return
	}
	var reply redis.Error
	if errors.As(err, &reply) {
		return
	}
	s.link.markDown(err)
}

// Health reports whether Redis is in use (OK) or the store serves on local
// state, with the error that made it so and since when.
func (s *Store) Health() store.Health { return s.link.health() }

// Close stops the background goroutines and closes the connections. The
// Store keeps answering from local state afterwards. Close returns nil.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.link.close()
		s.cancel()
		s.psMu.Lock()
		if s.ps != nil {
			_ = s.ps.Close() // unblocks a pending receive
		}
		s.psMu.Unlock()
		s.wg.Wait()
		_ = s.rdb.Close()
	})
	return nil
}

// signalStarted ends New's wait for the first connection attempt.
func (s *Store) signalStarted() { s.startOnce.Do(func() { close(s.started) }) }
