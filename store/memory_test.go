package store

import (
	"context"
	"fmt"
	"hash/maphash"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/clock"
)

var t0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

func newTestMemory(opts ...Option) (*Memory, *clock.Fake) {
	c := clock.NewFake(t0)
	return NewMemory(append([]Option{WithClock(c)}, opts...)...), c
}

func TestUserIsCutOffAfterTheFifthFailureUntilTheWindowPasses(t *testing.T) {
	m, c := newTestMemory()
	ctx := context.Background()
	for i := 1; i <= 4; i++ {
		if m.UserFailed(ctx, "alice") {
			t.Fatalf("failure %d cut alice off; the limit is 5", i)
		}
		if ok, _ := m.UserAllowed("alice"); !ok {
			t.Fatalf("alice refused after %d failures", i)
		}
		c.Advance(time.Second)
	}
	if !m.UserFailed(ctx, "alice") {
		t.Fatal("the 5th failure within 60 s did not cut alice off")
	}
	ok, left := m.UserAllowed("alice")
	if ok || left != 60*time.Second {
		t.Fatalf("UserAllowed(alice) = %v, %v; want false, 60s", ok, left)
	}
	if ok, left := m.UserAllowed("bob"); !ok || left != 0 {
		t.Fatalf("UserAllowed(bob) = %v, %v; other users must be untouched", ok, left)
	}

	c.Advance(59 * time.Second)
	if ok, left := m.UserAllowed("alice"); ok || left != time.Second {
		t.Fatalf("1 s before the end: UserAllowed = %v, %v; want false, 1s", ok, left)
	}
	c.Advance(time.Second)
	if ok, _ := m.UserAllowed("alice"); !ok {
		t.Fatal("alice still refused once the window passed")
	}
	if m.UserFailed(ctx, "alice") {
		t.Fatal("one failure after the cut-off cut alice off again: counting must start afresh")
	}
}

func TestUserFailuresSpreadBeyondTheWindowDoNotCutOff(t *testing.T) {
	m, c := newTestMemory()
	for i := 0; i < 20; i++ {
		if m.UserFailed(context.Background(), "alice") {
			t.Fatalf("failure %d, 15 s apart, cut alice off", i+1)
		}
		c.Advance(15 * time.Second)
	}
}

func TestFailuresDuringACutOffAreNotCounted(t *testing.T) {
	m, c := newTestMemory(WithUserLimit(2, 10*time.Second))
	ctx := context.Background()
	m.UserFailed(ctx, "u")
	if !m.UserFailed(ctx, "u") {
		t.Fatal("the 2nd failure did not cut off with a limit of 2")
	}
	c.Advance(5 * time.Second)
	for i := 0; i < 5; i++ {
		if m.UserFailed(ctx, "u") {
			t.Fatal("a failure during the cut-off started a new one")
		}
	}
	if _, left := m.UserAllowed("u"); left != 5*time.Second {
		t.Fatalf("cut-off left = %v, want 5s (not extended)", left)
	}
}

func TestCutOffFromElsewhereNeverShortens(t *testing.T) {
	m, c := newTestMemory()
	if m.CutOff("u", t0.Add(-time.Second)) {
		t.Fatal("a cut-off in the past took effect")
	}
	if ok, _ := m.UserAllowed("u"); !ok {
		t.Fatal("refused after a cut-off in the past")
	}
	if !m.CutOff("u", t0.Add(30*time.Second)) {
		t.Fatal("CutOff did not start a cut-off")
	}
	if m.CutOff("u", t0.Add(10*time.Second)) {
		t.Fatal("a shorter cut-off replaced a longer one")
	}
	if _, left := m.UserAllowed("u"); left != 30*time.Second {
		t.Fatalf("left = %v, want 30s", left)
	}
	c.Advance(30 * time.Second)
	if ok, _ := m.UserAllowed("u"); !ok {
		t.Fatal("still refused after the cut-off's end")
	}
}

func TestExpiredCutOffsAndStaleWindowsAreDropped(t *testing.T) {
	m, c := newTestMemory(WithUserLimit(2, time.Minute))
	ctx := context.Background()
	for i := 0; i < 100; i++ {
		u := fmt.Sprint("user", i)
		m.UserFailed(ctx, u)
		m.UserFailed(ctx, u)
	}
	if got := m.cut.live.Load(); got != 100 {
		t.Fatalf("live cut-offs = %d, want 100", got)
	}
	for i := 0; i < 100; i++ {
		m.UserFailed(ctx, fmt.Sprint("once", i))
	}
	c.Advance(2 * time.Minute)
	n := len(cutInEveryShard(m, "new"))
	if got := m.cut.live.Load(); got != int64(n) {
		t.Fatalf("live cut-offs = %d, want %d (the expired 100 pruned)", got, n)
	}
	if got, _ := m.fails.usage(); got != 0 {
		t.Fatalf("failure windows held = %d, want 0 (stale ones swept, tripped ones dropped)", got)
	}
}

// cutInEveryShard cuts off new users (prefix0, prefix1, ...; each fails
// twice, the limit of the tests that call it) until every shard has had a
// write, each write pruning its shard, and returns them. Users hash to
// shards with a random seed: it loops until all are hit rather than hope a
// fixed count does.
func cutInEveryShard(m *Memory, prefix string) []string {
	hit := map[uint64]bool{}
	var users []string
	for n := 0; len(hit) < shardCount; n++ {
		u := fmt.Sprint(prefix, n)
		hit[maphash.String(m.seed, u)&(shardCount-1)] = true
		m.UserFailed(context.Background(), u)
		m.UserFailed(context.Background(), u)
		users = append(users, u)
	}
	return users
}

func TestUserAllowedDoesNotAllocate(t *testing.T) {
	m, _ := newTestMemory()
	m.CutOff("someone", t0.Add(time.Minute)) // so the lookup path runs
	if n := testing.AllocsPerRun(100, func() { m.UserAllowed("unknown-user") }); n != 0 {
		t.Fatalf("UserAllowed allocated %v times per call", n)
	}
}

func TestCacheEntryExpiresAfterTTL(t *testing.T) {
	m, c := newTestMemory(WithCacheTTL(10 * time.Minute))
	ctx := context.Background()
	m.CachePut(ctx, "k", Entry{Model: "claude-haiku-5-5", Body: []byte(`{"id":"msg_1"}`)})
	e, ok := m.CacheGet(ctx, "k")
	if !ok || e.Model != "claude-haiku-5-5" || string(e.Body) != `{"id":"msg_1"}` || !e.StoredAt.Equal(t0) {
		t.Fatalf("CacheGet = %+v, %v", e, ok)
	}
	c.Advance(10*time.Minute - time.Nanosecond)
	if _, ok := m.CacheGet(ctx, "k"); !ok {
		t.Fatal("entry gone before its TTL")
	}
	c.Advance(time.Nanosecond)
	if _, ok := m.CacheGet(ctx, "k"); ok {
		t.Fatal("entry served after its TTL")
	}
	if n, _ := m.cache.stats(); n != 0 {
		t.Fatalf("expired entry still held: %d entries", n)
	}
}

func TestCacheTTLCountsFromStoredAt(t *testing.T) {
	m, _ := newTestMemory(WithCacheTTL(time.Minute))
	ctx := context.Background()
	m.CachePut(ctx, "old", Entry{Body: []byte("x"), StoredAt: t0.Add(-2 * time.Minute)})
	if _, ok := m.CacheGet(ctx, "old"); ok {
		t.Fatal("an answer stored before the TTL was served")
	}
	m.CachePut(ctx, "recent", Entry{Body: []byte("x"), StoredAt: t0.Add(-30 * time.Second)})
	if _, ok := m.CacheGet(ctx, "recent"); !ok {
		t.Fatal("an answer stored within the TTL was not served")
	}
}

func TestCacheEvictsLeastRecentlyUsedOverTheEntryBound(t *testing.T) {
	m, _ := newTestMemory(WithCacheSize(3, 1<<20))
	ctx := context.Background()
	for _, k := range []string{"a", "b", "c"} {
		m.CachePut(ctx, k, Entry{Body: []byte(k)})
	}
	m.CacheGet(ctx, "a") // a is now the most recently used; b the least
	m.CachePut(ctx, "d", Entry{Body: []byte("d")})
	for k, want := range map[string]bool{"a": true, "b": false, "c": true, "d": true} {
		if _, ok := m.CacheGet(ctx, k); ok != want {
			t.Errorf("CacheGet(%q) found = %v, want %v", k, ok, want)
		}
	}
}

func TestCacheStaysWithinTheByteBound(t *testing.T) {
	const bound = 4 * (entryOverhead + 1 + 1000)
	m, _ := newTestMemory(WithCacheSize(1000, bound))
	ctx := context.Background()
	body := make([]byte, 1000)
	for i := 0; i < 10; i++ {
		m.CachePut(ctx, fmt.Sprint(i), Entry{Body: body})
	}
	n, bytes := m.cache.stats()
	if n != 4 || bytes > bound {
		t.Fatalf("cache holds %d entries, %d bytes; want 4 entries within %d", n, bytes, bound)
	}
	if _, ok := m.CacheGet(ctx, "9"); !ok {
		t.Fatal("the newest entry was evicted")
	}
	m.CachePut(ctx, "9", Entry{Body: make([]byte, bound)})
	if _, ok := m.CacheGet(ctx, "9"); ok {
		t.Fatal("an entry larger than the bound was stored")
	}
}

func TestMemoryHealthIsAlwaysOK(t *testing.T) {
	m, _ := newTestMemory()
	h := m.Health()
	if !h.OK || h.Backend != "memory" || h.Error != "" || !h.Since.Equal(t0) {
		t.Fatalf("Health = %+v", h)
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
}
