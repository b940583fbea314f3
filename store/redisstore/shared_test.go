package redisstore

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/breaker"
	"github.com/bulwarkhq/bulwark/clock"
	"github.com/bulwarkhq/bulwark/internal/redistest"
	"github.com/bulwarkhq/bulwark/store"
	"github.com/bulwarkhq/bulwark/taxonomy"
)

func TestUserCutOffOnOneReplicaIsRefusedOnTheOtherWithinASecond(t *testing.T) {
	_, a, b := startPair(t)
	if failN(a, "alice", 4) {
		t.Fatal("4 failures cut alice off")
	}
	if !a.UserFailed(context.Background(), "alice") {
		t.Fatal("the 5th failure did not cut alice off")
	}
	if ok, _ := a.UserAllowed("alice"); ok {
		t.Fatal("A lets alice through right after cutting her off")
	}
	took := within(t, converge, "B refuses alice", refused(b, "alice"))
	t.Logf("cut-off reached B in %v", took)
	if ok, left := b.UserAllowed("alice"); ok || left <= 55*time.Second || left > 60*time.Second {
		t.Fatalf("B: UserAllowed(alice) = %v, %v; want refused for about 60s", ok, left)
	}
	if ok, _ := b.UserAllowed("bob"); !ok {
		t.Fatal("B refuses bob, who never failed")
	}
}

func TestUserFailuresOnDifferentReplicasCountTogether(t *testing.T) {
	_, a, b := startPair(t)
	failN(a, "carol", 2)
	failN(b, "carol", 2)
	if !a.UserFailed(context.Background(), "carol") {
		t.Fatal("the 5th failure fleet-wide (3 on A, 2 on B) did not cut carol off")
	}
	within(t, converge, "B refuses carol", refused(b, "carol"))
}

func TestCutOffIsLiftedOnEveryReplicaWhenTheWindowPasses(t *testing.T) {
	c := clock.NewFake(time.Now())
	_, a, b := startPair(t, store.WithClock(c), store.WithUserLimit(2, time.Minute))
	failN(a, "dave", 2)
	within(t, converge, "B refuses dave", refused(b, "dave"))
	c.Advance(time.Minute)
	for _, r := range []*replica{a, b} {
		if ok, _ := r.UserAllowed("dave"); !ok {
			t.Fatal("dave still refused once the window passed")
		}
	}
}

func TestBreakerOpenedOnOneReplicaOpensOnTheOther(t *testing.T) {
	_, a, b := startPair(t)
	const model = "claude-sonnet-5-5"
	for i := 0; i < 3; i++ {
		a.reg.Record(model, taxonomy.CountFailure)
	}
	if got := a.reg.State(model); got != breaker.Open {
		t.Fatalf("A's breaker is %v after 3 failures, want open", got)
	}
	took := within(t, converge, "B's breaker opens", func() bool { return b.reg.State(model) == breaker.Open })
	t.Logf("breaker open reached B in %v", took)
	if v := b.reg.Allow(model); v != breaker.SkipOpen {
		t.Fatalf("B: Allow = %v, want SkipOpen", v)
	}
	if v := b.reg.Allow("claude-haiku-5-5"); v != breaker.Allow {
		t.Fatalf("B: another model's Allow = %v", v)
	}
}

func TestCooldownOnOneReplicaAppliesOnTheOther(t *testing.T) {
	_, a, b := startPair(t)
	const model = "claude-haiku-5-5"
	a.reg.Cooldown(model, 20*time.Second)
	took := within(t, converge, "B's cooldown", func() bool { return b.reg.Allow(model) == breaker.SkipCooldown })
	t.Logf("cooldown reached B in %v", took)
}

func TestRemoteChangesAreNotPublishedBack(t *testing.T) {
	srv, a, b := startPair(t)
	const model = "claude-sonnet-5-5"
	for i := 0; i < 3; i++ {
		a.reg.Record(model, taxonomy.CountFailure)
	}
	within(t, converge, "B's breaker opens", func() bool { return b.reg.State(model) == breaker.Open })
	// A third replica joining now sees one open, published by A only.
	c := newReplica(t, srv.URL, "C")
	if got := c.reg.State(model); got != breaker.Open {
		t.Fatalf("a replica started after the open sees %v, want open (loaded at connect)", got)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.mine.m) != 0 {
		t.Fatalf("C published events it only received: %v", c.mine)
	}
}

func TestCachePutOnOneReplicaIsReadableOnTheOther(t *testing.T) {
	_, a, b := startPair(t)
	ctx := context.Background()
	e := store.Entry{Model: "claude-haiku-5-5", Body: []byte(`{"type":"message"}`)}
	a.CachePut(ctx, "req-hash", e)
	within(t, converge, "B reads the answer", func() bool {
		got, ok := b.CacheGet(ctx, "req-hash")
		return ok && got.Model == e.Model && string(got.Body) == string(e.Body)
	})
	if _, ok := b.CacheGet(ctx, "other"); ok {
		t.Fatal("B found an answer never stored")
	}
}

func TestCacheEntryHasTheTTLInRedis(t *testing.T) {
	srv := redistest.Start(t)
	a := newReplica(t, srv.URL, "A", store.WithCacheTTL(90*time.Second))
	a.CachePut(context.Background(), "k", store.Entry{Body: []byte("x")})
	within(t, converge, "the write reaches Redis", func() bool {
		ttl, err := a.rdb.PTTL(context.Background(), a.keys.cache("k")).Result()
		return err == nil && ttl > 85*time.Second && ttl <= 90*time.Second
	})
}

func TestBadURLIsRejected(t *testing.T) {
	_, err := New(context.Background(), "http://localhost:6379", nil)
	if !errors.Is(err, ErrBadURL) {
		t.Fatalf("New(http://...) error = %v, want ErrBadURL", err)
	}
}

func TestCloseIsIdempotentAndTheStoreStaysUsableLocally(t *testing.T) {
	srv := redistest.Start(t)
	s, err := New(context.Background(), srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 4; i++ {
		s.UserFailed(context.Background(), "u")
	}
	if !s.UserFailed(context.Background(), "u") {
		t.Fatal("after Close the 5th failure did not cut off locally")
	}
	s.CachePut(context.Background(), "k", store.Entry{Body: []byte("x")})
	if _, ok := s.CacheGet(context.Background(), "k"); !ok {
		t.Fatal("after Close the local cache does not answer")
	}
	s.BreakerChanged(breaker.Change{Model: "m", From: breaker.Closed, To: breaker.Open, At: time.Now()})
	if h := s.Health(); h.OK || h.Backend != "redis" {
		t.Fatalf("Health after Close = %+v", h)
	}
}

func TestACallerCancellationIsNotAnOutage(t *testing.T) {
	_, a, _ := startPair(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	a.UserFailed(ctx, "u")
	a.CacheGet(ctx, "k")
	if h := a.Health(); !h.OK {
		t.Fatalf("a cancelled request marked Redis down: %+v", h)
	}
}
