package budget

import (
	"testing"

	"github.com/bulwarkhq/bulwark/clock"
)

// The hot path, as the engine calls it: the real clock, one bucket.

func BenchmarkOnAttempt(b *testing.B) {
	bud := New(0, 0, WithClock(clock.Real))
	b.ReportAllocs()
	for b.Loop() {
		bud.OnAttempt()
	}
}

func BenchmarkTryRetry(b *testing.B) {
	bud := New(0, 0, WithClock(clock.Real))
	b.ReportAllocs()
	for b.Loop() {
		bud.OnAttempt()
		bud.TryRetry()
	}
}

func BenchmarkTryRetryParallel(b *testing.B) {
	bud := New(0, 0, WithClock(clock.Real))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			bud.OnAttempt()
			bud.TryRetry()
		}
	})
}

// The engine's way: one clock read per attempt, shared.
func BenchmarkTryRetryAt(b *testing.B) {
	bud := New(0, 0, WithClock(clock.Real))
	now := clock.Real.Now()
	b.ReportAllocs()
	for b.Loop() {
		bud.OnAttemptAt(now)
		bud.TryRetryAt(now)
	}
}
