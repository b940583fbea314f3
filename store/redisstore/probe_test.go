package redisstore

import (
	"context"
	"testing"
	"time"
)

func TestOneReplicaPerIntervalGetsTheProbeSlot(t *testing.T) {
	_, a, b := startPair(t)
	ctx := context.Background()
	const key = "claude-sonnet-5-5@bedrock-us"
	if !a.ProbeSlot(ctx, key, time.Second) {
		t.Fatal("the first replica to ask did not get the slot")
	}
	if b.ProbeSlot(ctx, key, time.Second) || a.ProbeSlot(ctx, key, time.Second) {
		t.Fatal("a second probe was granted in the same interval")
	}
	if !b.ProbeSlot(ctx, "claude-haiku-5-5", time.Second) {
		t.Fatal("another deployment's slot was taken")
	}
	ttl, err := a.rdb.PTTL(ctx, a.keys.probe(key)).Result()
	if err != nil || ttl <= 0 || ttl > time.Second {
		t.Fatalf("the slot's TTL is %v (%v), want at most the 1 s interval", ttl, err)
	}
}

func TestTheProbeSlotIsGrantedWhileRedisIsDown(t *testing.T) {
	srv, a, _ := startPair(t)
	srv.Kill()
	within(t, time.Second, "Health reports the outage", func() bool { return !a.Health().OK })
	for range 3 {
		if !a.ProbeSlot(context.Background(), "claude-sonnet-5-5", time.Second) {
			t.Fatal("a probe was refused with Redis down: recovery would wait on Redis")
		}
	}
}
