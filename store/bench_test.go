package store

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkMemoryUserAllowed measures the per-request check for a user who is
// not cut off: with no cut-off anywhere, and with 1,000 other users cut off.
func BenchmarkMemoryUserAllowed(b *testing.B) {
	b.Run("no_cutoffs", func(b *testing.B) {
		m := NewMemory()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				m.UserAllowed("user-12345")
			}
		})
	})
	b.Run("1000_others_cut_off", func(b *testing.B) {
		m := NewMemory()
		for i := 0; i < 1000; i++ {
			m.CutOff(fmt.Sprint("bad-", i), time.Now().Add(time.Hour))
		}
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				m.UserAllowed("user-12345")
			}
		})
	})
}

// BenchmarkMemorySuccessPath measures what a successful request costs the
// store: the user check before it and the cache write after it.
func BenchmarkMemorySuccessPath(b *testing.B) {
	m := NewMemory()
	ctx := context.Background()
	e := Entry{Model: "claude-sonnet-5-5", Body: make([]byte, 2048)}
	keys := make([]string, 1024)
	for i := range keys {
		keys[i] = fmt.Sprintf("%064x", i)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if ok, _ := m.UserAllowed("user-12345"); !ok {
			b.Fatal("refused")
		}
		m.CachePut(ctx, keys[i&1023], e)
		i++
	}
}
