package engine

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// naiveRank is the nearest-rank pct-th percentile of the last
// latencySamples of all.
func naiveRank(all []time.Duration, pct float64) time.Duration {
	last := slices.Clone(all[max(len(all)-latencySamples, 0):])
	slices.Sort(last)
	rank := int(math.Ceil(pct / 100 * float64(len(last))))
	return last[rank-1]
}

func TestWindowRanksAreTheNearestRanksOfTheLastSamples(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	var w window
	var all []time.Duration
	for i := range 500 {
		// Few distinct values, so that duplicates are evicted too.
		d := time.Duration(rnd.IntN(20)) * time.Millisecond
		if i%50 == 0 {
			d = time.Hour // outliers leave the window again
		}
		all = append(all, d)
		w.add(d)
		for _, pct := range []int{90, 95} {
			if got, want := w.rank(pct), naiveRank(all, float64(pct)); got != want {
				t.Fatalf("after %d samples p%d = %v, want %v", i+1, pct, got, want)
			}
		}
	}
}

func TestWindowP90OfFewSamples(t *testing.T) {
	var w window
	for _, d := range []time.Duration{3, 1, 2} {
		w.add(d * time.Second)
	}
	if got := w.rank(90); got != 3*time.Second {
		t.Fatalf("p90 of 1s, 2s, 3s = %v, want 3s", got)
	}
	for i := range 7 {
		w.add(time.Duration(i+4) * time.Second) // 1..10 s
	}
	if got := w.rank(90); got != 9*time.Second {
		t.Fatalf("p90 of 1..10 s = %v, want 9s", got)
	}
	if got := w.rank(95); got != 10*time.Second {
		t.Fatalf("p95 of 1..10 s = %v, want 10s", got)
	}
}

func TestLatenciesKeepStreamsAndWholeAnswersApart(t *testing.T) {
	var l latencies
	l.track("m")
	l.record("m", true, 300*time.Millisecond)
	l.record("m", false, 5*time.Second)
	m := l.track("m")
	if d, ok := m.p90(true); !ok || d != 300*time.Millisecond {
		t.Fatalf("stream p90 = %v %v", d, ok)
	}
	if d, ok := m.p90(false); !ok || d != 5*time.Second {
		t.Fatalf("whole p90 = %v %v", d, ok)
	}
	if d, ok := m.p95(true); !ok || d != 300*time.Millisecond {
		t.Fatalf("stream p95 = %v %v", d, ok)
	}
	if _, ok := l.track("other").p95(true); ok {
		t.Fatal("a model with no sample has a p95")
	}
}

func TestLatenciesAreKeptOnlyForTrackedModelsAndBounded(t *testing.T) {
	var l latencies
	l.record("untracked", false, time.Second)
	if l.lookup("untracked") != nil {
		t.Fatal("a model nobody falls back to got a window")
	}
	for i := range 10 * latencyModels {
		l.track(fmt.Sprintf("model-%d", i))
	}
	if n := len(*l.m.Load()); n != latencyModels {
		t.Fatalf("%d windows, want the cap %d", n, latencyModels)
	}
	if m := l.track("one-too-many"); m != nil {
		t.Fatal("a model past the cap got a window")
	}
	if _, ok := l.track("one-too-many").p90(false); ok {
		t.Fatal("a model without a window has a p90")
	}
	if l.track("model-0") == nil {
		t.Fatal("a tracked model lost its window")
	}
}
