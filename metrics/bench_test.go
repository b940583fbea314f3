package metrics

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bulwarkhq/bulwark/breaker"
	"github.com/bulwarkhq/bulwark/catalog"
	"github.com/bulwarkhq/bulwark/clock"
	"github.com/bulwarkhq/bulwark/taxonomy"
)

// A typical answered request: priced model, tokens, a user.
var benchInfo = RequestInfo{
	Outcome: OutcomeAnswered, Model: "claude-haiku-4-5", Stream: true,
	Duration: 850 * time.Millisecond, TTFT: 320 * time.Millisecond, User: "user-1",
	Usage: catalog.Usage{InputTokens: 1200, OutputTokens: 340, CacheReadInputTokens: 5000},
}

func benchMetrics() *Metrics {
	return New(WithRegistry(prometheus.NewRegistry()), WithClock(clock.Real), WithModels("claude-haiku-4-5"))
}

func TestRequestAndObserverDoNotAllocate(t *testing.T) {
	m := benchMetrics()
	ok := taxonomy.Classify(taxonomy.Result{Status: 200}, t0)
	overloaded := taxonomy.Classify(taxonomy.Result{Status: 529}, t0)
	warm := func() {
		m.Request(benchInfo)
		m.Attempted("claude-haiku-4-5", 200, ok, time.Second)
		m.Attempted("claude-haiku-4-5", 529, overloaded, time.Second)
		m.Retried("claude-haiku-4-5", taxonomy.Overloaded)
		m.Skipped("claude-haiku-4-5", breaker.SkipOpen)
		m.FellBack("claude-haiku-4-5", "claude-sonnet-5-5")
	}
	warm()
	for _, c := range []struct {
		name string
		f    func()
	}{
		{"Request", func() { m.Request(benchInfo) }},
		{"Attempted", func() { m.Attempted("claude-haiku-4-5", 529, overloaded, time.Second) }},
		{"Retried", func() { m.Retried("claude-haiku-4-5", taxonomy.Overloaded) }},
		{"Skipped", func() { m.Skipped("claude-haiku-4-5", breaker.SkipOpen) }},
		{"FellBack", func() { m.FellBack("claude-haiku-4-5", "claude-sonnet-5-5") }},
	} {
		if n := testing.AllocsPerRun(100, c.f); n != 0 {
			t.Errorf("%s: %v allocations per call, want 0", c.name, n)
		}
	}
}

// BenchmarkRequest is the per-request cost of the gateway's end-of-request
// hook.
func BenchmarkRequest(b *testing.B) {
	m := benchMetrics()
	m.Request(benchInfo)
	b.ReportAllocs()
	for b.Loop() {
		m.Request(benchInfo)
	}
}

// BenchmarkRequestParallel is BenchmarkRequest from every core at once.
func BenchmarkRequestParallel(b *testing.B) {
	m := benchMetrics()
	m.Request(benchInfo)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.Request(benchInfo)
		}
	})
}

// BenchmarkOneRequestPath is what a successful request costs in all: one
// attempt observed and the end-of-request hook.
func BenchmarkOneRequestPath(b *testing.B) {
	m := benchMetrics()
	d := taxonomy.Classify(taxonomy.Result{Status: 200}, t0)
	m.Request(benchInfo)
	m.Attempted("claude-haiku-4-5", 200, d, time.Second)
	b.ReportAllocs()
	for b.Loop() {
		m.Attempted("claude-haiku-4-5", 200, d, time.Second)
		m.Request(benchInfo)
	}
}

func BenchmarkStatus(b *testing.B) {
	m := benchMetrics()
	for i := range 1000 {
		info := benchInfo
		info.User = "user-" + string(rune('a'+i%26)) + string(rune('a'+i/26))
		m.Request(info)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = m.Status()
	}
}

// BenchmarkRequestWithEnd is BenchmarkRequest with End given, as the
// gateway does, which saves reading the clock.
func BenchmarkRequestWithEnd(b *testing.B) {
	m := benchMetrics()
	info := benchInfo
	info.End = time.Now()
	m.Request(info)
	b.ReportAllocs()
	for b.Loop() {
		m.Request(info)
	}
}
