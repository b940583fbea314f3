package backoff

import (
	"testing"
	"time"
)

var sink time.Duration

func BenchmarkDelay(b *testing.B) {
	rnd := func() float64 { return 0.5 }
	for _, j := range []Jitter{Full, Decorrelated} {
		p := Policy{Jitter: j}
		b.Run(j.String(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sink = p.Delay(4, 3*time.Second, rnd)
			}
		})
	}
	b.Run("math/rand", func(b *testing.B) {
		b.ReportAllocs()
		var p Policy
		for b.Loop() {
			sink = p.Delay(4, 0, nil)
		}
	})
}
