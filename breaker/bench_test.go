package breaker

import (
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/clock"
	"github.com/bulwarkhq/bulwark/taxonomy"
)

// Hot paths as the engine calls them, on the real clock, for a configured
// model.

func seen(s Settings) *Registry {
	return New(s, WithClock(clock.Real), WithModels(model, "claude-haiku-5-5"))
}

func BenchmarkAllowRecordSuccess(b *testing.B) {
	r := seen(Settings{})
	b.ReportAllocs()
	for b.Loop() {
		if r.Allow(model) == Allow {
			r.Record(model, taxonomy.CountSuccess)
		}
	}
}

func BenchmarkAcquireDoneSuccess(b *testing.B) {
	r := seen(Settings{})
	b.ReportAllocs()
	for b.Loop() {
		if p, v := r.Acquire(model); v == Allow {
			p.Done(taxonomy.CountSuccess)
		}
	}
}

func BenchmarkAllowRecordSuccessParallel(b *testing.B) {
	r := seen(Settings{})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if p, v := r.Acquire(model); v == Allow {
				p.Done(taxonomy.CountSuccess)
			}
		}
	})
}

// Rate mode counts every success in the window: the entry's lock and a clock
// read.
func BenchmarkAllowRecordSuccessRateMode(b *testing.B) {
	r := seen(Settings{FailureRatio: 0.5})
	b.ReportAllocs()
	for b.Loop() {
		if p, v := r.Acquire(model); v == Allow {
			p.Done(taxonomy.CountSuccess)
		}
	}
}

// A failure that does not open (huge threshold): the entry's lock and a clock
// read.
func BenchmarkAllowRecordFailure(b *testing.B) {
	r := seen(Settings{Failures: 1 << 30})
	b.ReportAllocs()
	for b.Loop() {
		if p, v := r.Acquire(model); v == Allow {
			p.Done(taxonomy.CountFailure)
		}
	}
}

func BenchmarkAllowWhileOpen(b *testing.B) {
	r := seen(Settings{})
	r.Force(model, time.Now().Add(time.Hour))
	b.ReportAllocs()
	for b.Loop() {
		if r.Allow(model) != SkipOpen {
			b.Fatal("not open")
		}
	}
}

func BenchmarkAllowDuringCooldown(b *testing.B) {
	r := seen(Settings{})
	r.Cooldown(model, time.Hour)
	b.ReportAllocs()
	for b.Loop() {
		if r.Allow(model) != SkipCooldown {
			b.Fatal("not cooling down")
		}
	}
}

func BenchmarkAllowUnseenModel(b *testing.B) {
	r := seen(Settings{})
	b.ReportAllocs()
	for b.Loop() {
		r.Allow("claude-opus-5")
		r.Record("claude-opus-5", taxonomy.Neutral)
	}
}
