package store

import (
	"context"
	"fmt"
	"hash/maphash"
	"strings"
	"testing"
	"time"
)

// longID is a distinct user id of n bytes.
func longID(i, n int) string {
	p := fmt.Sprintf("user-%d-", i)
	return p + strings.Repeat("x", n-len(p))
}

func TestUserTablesStayWithinTheirBoundsUnderAFloodOfLongIDs(t *testing.T) {
	const entries, bytes = 640, 64 << 10
	m, c := newTestMemory(WithUserLimit(3, time.Minute), WithUserBounds(entries, bytes))
	ctx := context.Background()
	for i := range 20_000 {
		u := longID(i, 256)
		for range 1 + i%3 { // a third of them are cut off
			m.UserFailed(ctx, u)
		}
		if i%500 == 0 {
			c.Advance(time.Second)
		}
		if u := m.Usage(); u.FailingUsers > entries || u.FailingUserBytes > bytes || u.CutOffUsers > entries || u.CutOffBytes > bytes {
			t.Fatalf("after %d users: %+v; bounds %d entries, %d bytes", i+1, u, entries, bytes)
		}
	}
	u := m.Usage()
	t.Logf("usage after 20,000 users with 256-byte ids: %+v", u)
	if u.FailingUserBytes < bytes/2 || u.CutOffBytes < bytes/2 {
		t.Fatalf("%+v: the tables hold far less than their bound; the test did not fill them", u)
	}
	if ok, _ := m.UserAllowed(longID(19_997, 256)); ok { // the last user who failed 3 times: the latest cut-off is kept
		t.Fatal("the most recent cut-off was dropped")
	}
}

func TestUserTablesForgetIdleUsers(t *testing.T) {
	m, c := newTestMemory(WithUserLimit(2, time.Minute))
	ctx := context.Background()
	for i := range 1000 {
		u := longID(i, 256)
		m.UserFailed(ctx, u)
		if i%2 == 0 {
			m.UserFailed(ctx, u) // cut off
		}
	}
	if u := m.Usage(); u.FailingUsers != 500 || u.CutOffUsers != 500 {
		t.Fatalf("usage = %+v, want 500 failing, 500 cut off", u)
	}
	c.Advance(time.Minute)
	// Each shard forgets what aged out at its next write; write to all.
	later := cutInEveryShard(m, "later-")
	n, want := len(later), int64(0)
	for _, u := range later {
		want += cutSize(u)
	}
	if u := m.Usage(); u.FailingUsers != 0 || u.CutOffUsers != n || u.CutOffBytes != want {
		t.Fatalf("usage = %+v after a minute, want no failing user and the %d new cut-offs (%d bytes) only", u, n, want)
	}
}

// sameShard returns n user ids that hash to one shard of m.
func sameShard(m *Memory, n int) []string {
	var out []string
	want := maphash.String(m.seed, "u-0") & (shardCount - 1)
	for i := 0; len(out) < n; i++ {
		u := fmt.Sprint("u-", i)
		if maphash.String(m.seed, u)&(shardCount-1) == want {
			out = append(out, u)
		}
	}
	return out
}

func TestAFullFailureTableDropsTheUserWhoFailedLeastRecently(t *testing.T) {
	m, _ := newTestMemory(WithUserLimit(3, time.Minute), WithUserBounds(2*shardCount, 1<<20)) // 2 per shard
	ctx := context.Background()
	fail := func(u string, n int) {
		for range n {
			m.UserFailed(ctx, u)
		}
	}
	u := sameShard(m, 3)
	a, b, c := u[0], u[1], u[2]
	fail(a, 2)
	fail(b, 2)
	fail(c, 1) // the shard is full: a, who failed least recently, is dropped
	fail(a, 1) // counts from 1, and drops b
	if ok, _ := m.UserAllowed(a); !ok {
		t.Fatal("a was cut off: its 2 earlier failures should have been dropped")
	}
	fail(c, 2) // c's window was kept: 3 failures
	if ok, _ := m.UserAllowed(c); ok {
		t.Fatal("c not cut off: its window was dropped instead of the least recent one")
	}
}

func TestCacheDropsExpiredAnswersWhenItStoresOne(t *testing.T) {
	m, c := newTestMemory(WithCacheTTL(time.Minute))
	ctx := context.Background()
	for i := range 100 {
		m.CachePut(ctx, fmt.Sprint("k", i), Entry{Body: make([]byte, 1000)})
	}
	c.Advance(time.Minute)
	m.CachePut(ctx, "new", Entry{Body: []byte("x")})
	if u := m.Usage(); u.CacheEntries != 1 || u.CacheBytes != entrySize("new", Entry{Body: []byte("x")}) {
		t.Fatalf("usage = %+v, want the new answer only", u)
	}
}
