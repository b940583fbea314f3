package sim_test

import (
	"testing"

	"github.com/bulwarkhq/bulwark/sim"
)

func BenchmarkMessages(b *testing.B) {
	s := sim.New(sim.WithSeed(1))
	for _, c := range []struct{ name, body string }{
		{"json", body("claude-sonnet-5-5", "How do circuit breakers work?")},
		{"stream", body("claude-sonnet-5-5", "How do circuit breakers work?", `"stream":true`)},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if rec := serve(s, "POST", "/v1/messages", c.body); rec.Code != 200 {
					b.Fatal(rec.Code)
				}
			}
		})
	}
}
