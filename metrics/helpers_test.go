package metrics

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/bulwarkhq/bulwark/breaker"
	"github.com/bulwarkhq/bulwark/catalog"
	"github.com/bulwarkhq/bulwark/clock"
	"github.com/bulwarkhq/bulwark/taxonomy"
)

var t0 = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

// newTest returns a Metrics on a fake clock at t0 and its own registry.
func newTest(t testing.TB, opts ...Option) (*Metrics, *clock.Fake) {
	t.Helper()
	fc := clock.NewFake(t0)
	return New(append([]Option{WithClock(fc), WithRegistry(prometheus.NewRegistry())}, opts...)...), fc
}

// sample finds the series of name whose labels include want; ok is false
// when there is none.
func sample(t testing.TB, m *Metrics, name string, want map[string]string) (*dto.Metric, bool) {
	t.Helper()
	fams, err := m.Gatherer().Gather()
	if err != nil {
		t.Fatalf("Gather: %v", err)
	}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
	next:
		for _, mt := range f.GetMetric() {
			have := map[string]string{}
			for _, lp := range mt.GetLabel() {
				have[lp.GetName()] = lp.GetValue()
			}
			for k, v := range want {
				if have[k] != v {
					continue next
				}
			}
			return mt, true
		}
	}
	return nil, false
}

// val returns the value of a counter or gauge series, failing when it does
// not exist.
func val(t testing.TB, m *Metrics, name string, labels ...string) float64 {
	t.Helper()
	want := map[string]string{}
	for i := 0; i+1 < len(labels); i += 2 {
		want[labels[i]] = labels[i+1]
	}
	mt, ok := sample(t, m, name, want)
	if !ok {
		t.Fatalf("no series %s%v", name, want)
	}
	switch {
	case mt.Counter != nil:
		return mt.Counter.GetValue()
	case mt.Gauge != nil:
		return mt.Gauge.GetValue()
	case mt.Histogram != nil:
		return float64(mt.Histogram.GetSampleCount())
	}
	t.Fatalf("series %s%v has no value", name, want)
	return 0
}

// has reports whether a series of name with labels exists.
func has(t testing.TB, m *Metrics, name string, labels ...string) bool {
	t.Helper()
	want := map[string]string{}
	for i := 0; i+1 < len(labels); i += 2 {
		want[labels[i]] = labels[i+1]
	}
	_, ok := sample(t, m, name, want)
	return ok
}

func near(a, b float64) bool {
	d := a - b
	return d < 1e-12 && d > -1e-12
}

// feedEveryEntryPoint sends one request of model (by user, with tokens input
// tokens) and one of every observer and breaker event about it, as a busy
// gateway would; model falls back to "to".
func feedEveryEntryPoint(m *Metrics, fc *clock.Fake, outcome Outcome, model, to, user string, tokens int64) {
	d := taxonomy.Classify(taxonomy.Result{Status: 529}, t0)
	m.Request(RequestInfo{Outcome: outcome, Model: model, User: user, Usage: catalog.Usage{InputTokens: tokens}})
	m.Attempted(model, 529, d, time.Millisecond)
	m.Retried(model, taxonomy.Overloaded)
	m.Skipped(model, breaker.SkipCooldown)
	m.FellBack(model, to)
	m.BreakerChanged(breaker.Change{Model: model, To: breaker.Open, At: fc.Now()})
	m.CooldownStarted(model, fc.Now().Add(time.Second))
}
