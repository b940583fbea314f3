package redisstore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/internal/redistest"
	"github.com/bulwarkhq/bulwark/store"
	"github.com/bulwarkhq/bulwark/taxonomy"
)

func TestEveryKeyTheStoreWritesExpires(t *testing.T) {
	srv := redistest.Start(t)
	a := newReplica(t, srv.URL, "A", store.WithUserLimit(2, time.Minute))
	ctx := context.Background()
	a.UserFailed(ctx, "once") // fail:once
	failN(a, "twice", 2)      // state:user
	for range 3 {             // state:breaker
		a.reg.Record("claude-sonnet-5-5", taxonomy.CountFailure)
	}
	a.reg.Cooldown("claude-haiku-5-5", 20*time.Second)   // state:cooldown
	a.CachePut(ctx, "k", store.Entry{Body: []byte("x")}) // cache:k
	want := []string{a.keys.failures("once"), a.keys.state(kindUser), a.keys.state(kindBreaker),
		a.keys.state(kindCooldown), a.keys.cache("k")}
	within(t, converge, "every write reaches Redis", func() bool {
		n, err := a.rdb.Exists(ctx, want...).Result()
		return err == nil && n == int64(len(want))
	})
	keys, err := a.rdb.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != len(want) {
		t.Errorf("keys = %q, want %q", keys, want)
	}
	for _, k := range keys {
		ttl, err := a.rdb.PTTL(ctx, k).Result()
		if err != nil || ttl <= 0 || ttl > 10*time.Minute+time.Second {
			t.Errorf("%s: PTTL = %v (%v), want an expiry within its window", k, ttl, err)
		}
	}
	// The set of cut-offs lives until its last cut-off ends: a minute.
	if ttl, _ := a.rdb.PTTL(ctx, a.keys.state(kindUser)).Result(); ttl < 55*time.Second || ttl > time.Minute+time.Second {
		t.Errorf("state:user PTTL = %v, want about a minute", ttl)
	}
}

func TestSharedSetsKeepTheEntriesThatEndLastWithinTheirBound(t *testing.T) {
	srv := redistest.Start(t)
	a := newReplica(t, srv.URL, "A")
	ctx := context.Background()
	key := a.keys.state(kindBreaker)
	now := time.Now().UnixMilli()
	for i := range 10 {
		err := shareScript.Run(ctx, a.rdb, []string{key}, fmt.Sprint("m", i), now+int64(60_000+i), now,
			"test-channel", "{}", 3).Err()
		if err != nil {
			t.Fatal(err)
		}
	}
	got, err := a.rdb.ZRange(ctx, key, 0, -1).Result()
	if err != nil || fmt.Sprint(got) != "[m7 m8 m9]" {
		t.Fatalf("set = %v (%v), want the 3 that end last", got, err)
	}
}

func TestEventTimesStayWithinTheirBoundAndDropEndedEntries(t *testing.T) {
	et := newEventTimes(3)
	for i := range 5 {
		et.put(eventKey{kindBreaker, fmt.Sprint(i)}, 2_000, 0)
	}
	if len(et.m) != 3 {
		t.Fatalf("%d entries held, bound 3", len(et.m))
	}
	if !et.put(eventKey{kindBreaker, "0"}, 5_000, 0) || et.m[eventKey{kindBreaker, "0"}] != 5_000 {
		t.Fatal("a held key was not lengthened")
	}
	if !et.put(eventKey{kindBreaker, "new"}, 9_000, 3_000) || len(et.m) != 2 {
		t.Fatalf("after the entries ended: %v, want 0 and new", et.m)
	}
}
