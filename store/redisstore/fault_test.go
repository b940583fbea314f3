package redisstore

import (
	"context"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/breaker"
	"github.com/bulwarkhq/bulwark/internal/redistest"
	"github.com/bulwarkhq/bulwark/store"
	"github.com/bulwarkhq/bulwark/taxonomy"
)

// reconnect bounds how long a replica takes to notice Redis is back: the
// reconnection backoff tops out at 2 s.
const reconnect = 5 * time.Second

// slowest is the longest any method may take on a request's path with Redis
// gone or hung: its timeout, plus scheduling slack for -race on a busy machine.
const slowest = DefaultTimeout + 150*time.Millisecond

// exercise calls every method n times as requests would and fails the test
// if any call takes longer than slowest.
func exercise(t *testing.T, r *replica, n int) {
	t.Helper()
	ctx := context.Background()
	timed := func(what string, f func()) {
		start := time.Now()
		f()
		if d := time.Since(start); d > slowest {
			t.Fatalf("%s took %v with Redis failing; the bound is %v", what, d, slowest)
		}
	}
	for i := 0; i < n; i++ {
		timed("UserAllowed", func() { r.UserAllowed("someone") })
		timed("UserFailed", func() { r.UserFailed(ctx, "flaky") })
		timed("CachePut", func() { r.CachePut(ctx, "k", store.Entry{Body: []byte("x")}) })
		timed("CacheGet", func() { r.CacheGet(ctx, "k") })
		timed("BreakerChanged", func() {
			r.BreakerChanged(breaker.Change{Model: "m", From: breaker.Closed, To: breaker.Open, At: time.Now()})
		})
		timed("CooldownStarted", func() { r.CooldownStarted("m", time.Now().Add(time.Second)) })
		timed("Health", func() { r.Health() })
	}
}

func TestRedisKilledMidRunServesLocallyLogsOnceAndRecovers(t *testing.T) {
	srv, a, b := startPair(t)
	ctx := context.Background()
	srv.Kill()

	for _, r := range []*replica{a, b} {
		within(t, time.Second, "Health reports the outage", func() bool { return !r.Health().OK })
		if h := r.Health(); h.Error == "" || h.Backend != "redis" {
			t.Fatalf("Health = %+v; want the error", h)
		}
	}
	exercise(t, a, 100)

	// Local semantics hold: the per-user breaker, the cache.
	if failN(a, "erin", 4) || !a.UserFailed(ctx, "erin") {
		t.Fatal("with Redis down, the 5th failure did not cut erin off locally")
	}
	if ok, _ := a.UserAllowed("erin"); ok {
		t.Fatal("erin let through on A")
	}
	a.CachePut(ctx, "answer", store.Entry{Model: "m", Body: []byte("cached")})
	if e, ok := a.CacheGet(ctx, "answer"); !ok || string(e.Body) != "cached" {
		t.Fatal("local cache does not answer with Redis down")
	}
	// A breaker opened during the outage waits in the outbox.
	const model = "claude-sonnet-5-5"
	for i := 0; i < 3; i++ {
		a.reg.Record(model, taxonomy.CountFailure)
	}

	for _, r := range []*replica{a, b} {
		if n := r.logs.count("store.redis_unavailable"); n != 1 {
			t.Fatalf("outage logged %d times, want once:\n%s", n, r.logs)
		}
	}

	srv.Restart()
	for _, r := range []*replica{a, b} {
		within(t, reconnect, "Health OK again", func() bool { return r.Health().OK })
		within(t, time.Second, "recovery logged", func() bool { return r.logs.count("store.redis_recovered") == 1 })
	}
	// What happened during the outage reaches the peer.
	within(t, converge, "B learns the breaker A opened during the outage", func() bool {
		return b.reg.State(model) == breaker.Open
	})
	within(t, converge, "B learns the cut-off A made during the outage", refused(b, "erin"))
	// Sharing works again for new events.
	failN(a, "frank", 5)
	within(t, converge, "a new cut-off on A reaches B", refused(b, "frank"))

	for _, r := range []*replica{a, b} {
		if n := r.logs.count("store.redis_unavailable"); n != 1 {
			t.Fatalf("outage logged %d times in all, want once:\n%s", n, r.logs)
		}
		if n := r.logs.count("store.redis_recovered"); n != 1 {
			t.Fatalf("recovery logged %d times, want once:\n%s", n, r.logs)
		}
	}
}

func TestHungRedisDoesNotHoldRequestsBeyondTheTimeout(t *testing.T) {
	srv, a, b := startPair(t)
	srv.Freeze()
	ctx := context.Background()

	start := time.Now()
	a.UserFailed(ctx, "gina") // the call that finds Redis hung
	if d := time.Since(start); d > slowest {
		t.Fatalf("UserFailed took %v against a hung Redis", d)
	}
	within(t, time.Second, "A reports the outage", func() bool { return !a.Health().OK })
	within(t, 2*time.Second, "B notices through its pings", func() bool { return !b.Health().OK })
	exercise(t, a, 50)
	if n := a.logs.count("store.redis_unavailable"); n != 1 {
		t.Fatalf("outage logged %d times, want once:\n%s", n, a.logs)
	}

	srv.Thaw()
	for _, r := range []*replica{a, b} {
		within(t, reconnect, "Health OK after thaw", func() bool { return r.Health().OK })
	}
	failN(a, "hank", 5)
	within(t, converge, "sharing resumes", refused(b, "hank"))
}

func TestRedisDownAtStartStillServesAndConnectsLater(t *testing.T) {
	srv := redistest.Start(t)
	srv.Kill()

	start := time.Now()
	a := newReplica(t, srv.URL, "A")
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Fatalf("New took %v with Redis down", d)
	}
	h := a.Health()
	if h.OK || h.Error == "" {
		t.Fatalf("Health with Redis down at start = %+v", h)
	}
	exercise(t, a, 20)
	if failN(a, "ivan", 5) != true {
		t.Fatal("local per-user breaker does not work with Redis down at start")
	}
	if n := a.logs.count("store.redis_unavailable"); n != 1 {
		t.Fatalf("logged %d times, want once:\n%s", n, a.logs)
	}

	srv.Restart()
	within(t, reconnect, "connects once Redis is up", func() bool { return a.Health().OK })
	b := newReplica(t, srv.URL, "B")
	within(t, converge, "B learns the cut-off A made before Redis was up", refused(b, "ivan"))
}
