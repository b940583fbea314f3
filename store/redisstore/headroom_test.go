package redisstore

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/headroom"
)

// heard collects the limits a replica's OnHeadroom gets.
type heard struct {
	mu sync.Mutex
	m  map[string]headroom.Limits
	n  int
}

func listen(r *replica) *heard {
	h := &heard{m: map[string]headroom.Limits{}}
	r.OnHeadroom(func(key string, l headroom.Limits) {
		h.mu.Lock()
		h.m[key] = l
		h.n++
		h.mu.Unlock()
	})
	return h
}

func (h *heard) get(key string) (headroom.Limits, int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.m[key], h.n
}

func limitsAt(seen time.Time, remaining int64) headroom.Limits {
	return headroom.Limits{
		Requests:     headroom.Bucket{Limit: 60, Remaining: remaining, Reset: seen.Add(time.Minute).Truncate(time.Millisecond), Known: true},
		OutputTokens: headroom.Bucket{Limit: 8000, Remaining: 7000, Known: true},
		Seen:         seen.Truncate(time.Millisecond),
	}
}

func TestHeadroomSeenOnOneReplicaReachesTheOther(t *testing.T) {
	_, a, b := startPair(t)
	hb, ha := listen(b), listen(a)
	const key = "claude-sonnet-5-5@anthropic-b"
	want := limitsAt(time.Now(), 3)
	a.HeadroomSeen(key, want)
	within(t, time.Second, "B hears A's limits", func() bool { _, n := hb.get(key); return n > 0 })
	got, _ := hb.get(key)
	if got != want {
		t.Fatalf("B heard %+v, want %+v", got, want)
	}
	if _, n := ha.get(key); n != 0 {
		t.Fatal("A heard its own limits back")
	}
}

func TestHeadroomIsCoalescedToTheLatestPerDeployment(t *testing.T) {
	_, a, b := startPair(t)
	hb := listen(b)
	const key = "claude-sonnet-5-5"
	now := time.Now().Add(-time.Second) // seen in the past: a peer's limits are never newer than now
	a.headMu.Lock()                     // hold the writer off while 100 answers arrive
	for i := range 100 {
		a.headPending[key] = limitsAt(now.Add(time.Duration(i)*time.Millisecond), int64(100-i)%60)
	}
	a.headMu.Unlock()
	last := limitsAt(now.Add(100*time.Millisecond), 7)
	a.HeadroomSeen(key, last)
	within(t, time.Second, "B hears A's latest limits", func() bool { l, _ := hb.get(key); return l == last })
	time.Sleep(50 * time.Millisecond) // anything else published would have arrived by now
	if _, n := hb.get(key); n != 1 {
		t.Fatalf("B heard %d messages for 101 observations; want one, the latest", n)
	}
}

func TestImplausibleOrOversizedHeadroomFromAPeerIsDroppedAndLoggedOnce(t *testing.T) {
	_, a, b := startPair(t)
	hb := listen(b)
	ctx := context.Background()
	now := time.Now().UnixMilli()
	bad := []string{
		`{"src":"A","kind":"headroom","key":"m","head":{"b":[[60,61,0],[-1,0,0],[-1,0,0],[-1,0,0]],"seen":` + itoa(now) + `}}`, // remaining > limit
		`{"src":"A","kind":"headroom","key":"m","head":{"b":[[-5,0,0],[-1,0,0],[-1,0,0],[-1,0,0]],"seen":` + itoa(now) + `}}`,  // negative
		`{"src":"A","kind":"headroom","key":"m","head":{"b":[[60,1,` + itoa(now+int64(48*time.Hour/time.Millisecond)) + `],[-1,0,0],[-1,0,0],[-1,0,0]],"seen":` + itoa(now) + `}}`,
		`{"src":"A","kind":"headroom","key":"m"}`, // no limits
		`{"src":"A","kind":"headroom","key":"` + strings.Repeat("k", 5000) + `","head":{"b":[[1,1,0],[-1,0,0],[-1,0,0],[-1,0,0]],"seen":1}}`,
	}
	for _, msg := range bad {
		if err := a.rdb.Publish(ctx, a.keys.channel, msg).Err(); err != nil {
			t.Fatal(err)
		}
	}
	good := limitsAt(time.Now(), 5)
	a.HeadroomSeen("good", good)
	within(t, time.Second, "B hears the good limits", func() bool { l, _ := hb.get("good"); return l == good })
	if _, n := hb.get("m"); n != 1 {
		// n counts every call: only "good" may have arrived.
		t.Fatalf("B took %d messages; want only the good one", n)
	}
	if c := b.logs.count("redis.bad_event"); c != 1 {
		t.Fatalf("redis.bad_event logged %d times, want once", c)
	}
}

func TestAPeersClockAheadDoesNotMakeItsLimitsNewerThanNow(t *testing.T) {
	future := limitsAt(time.Now().Add(time.Hour), 1)
	got, err := fromWire(toWire(future), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if got.Seen.After(time.Now()) {
		t.Fatalf("seen %v: a peer's clock ahead of ours made its limits newer than now", got.Seen)
	}
}

func TestHeadroomWhileRedisIsDownIsDroppedWithoutBlocking(t *testing.T) {
	srv, a, _ := startPair(t)
	srv.Kill()
	within(t, time.Second, "Health reports the outage", func() bool { return !a.Health().OK })
	start := time.Now()
	for i := range 10_000 {
		a.HeadroomSeen("claude-sonnet-5-5", limitsAt(start, int64(i%60)))
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("10,000 observations took %v with Redis down: HeadroomSeen must never wait", d)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
