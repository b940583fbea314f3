package redisstore

import (
	"context"
	"fmt"
	"log/slog"
	"testing"

	"github.com/bulwarkhq/bulwark/internal/redistest"
	"github.com/bulwarkhq/bulwark/store"
)

func benchStore(b *testing.B) *Store {
	b.Helper()
	srv := redistest.Start(b)
	s, err := New(context.Background(), srv.URL, nil, WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	if !s.Health().OK {
		b.Fatal("not connected")
	}
	return s
}

// BenchmarkRedisUserAllowed measures the per-request check with the Redis
// store: the same local lookup as memory, no I/O.
func BenchmarkRedisUserAllowed(b *testing.B) {
	s := benchStore(b)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			s.UserAllowed("user-12345")
		}
	})
}

// BenchmarkRedisSuccessPath measures what a successful request costs the
// store: the user check and the cache write, which is queued (no round trip;
// writes beyond the queue are dropped and reported as dropped/op).
func BenchmarkRedisSuccessPath(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	e := store.Entry{Model: "claude-sonnet-5-5", Body: make([]byte, 2048)}
	keys := make([]string, 1024)
	for i := range keys {
		keys[i] = fmt.Sprintf("%064x", i)
	}
	before := s.Dropped()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if ok, _ := s.UserAllowed("user-12345"); !ok {
			b.Fatal("refused")
		}
		s.CachePut(ctx, keys[i&1023], e)
		i++
	}
	b.ReportMetric(float64(s.Dropped()-before)/float64(b.N), "dropped/op")
}

// BenchmarkRedisUserFailed measures the failure path: one script call.
func BenchmarkRedisUserFailed(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		s.UserFailed(ctx, fmt.Sprint("user-", i%100_000)) // under the limit for long runs
		i++
	}
}

// BenchmarkRedisCacheGet measures the cache path: one GET.
func BenchmarkRedisCacheGet(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	s.CachePut(ctx, "k", store.Entry{Body: make([]byte, 2048)})
	b.ReportAllocs()
	for b.Loop() {
		s.CacheGet(ctx, "k")
	}
}
