package engine

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Bounds of the latency windows behind the fallback reserve (DESIGN §3).
const (
	// latencySamples is the number of recent successful attempts kept per
	// model and kind.
	latencySamples = 32
	// latencyModels caps the models that have a window. Windows are made
	// only for models some chain uses as a fallback (a tier after the
	// first): chains come from the configuration or the library's caller,
	// never from a client, so a configuration would need more than this
	// many fallback models to reach the cap; past it, new models get no
	// window and their reserve stays Profile.FallbackReserve.
	latencyModels = 64
)

// latencies keeps, for each fallback model, its recent successful attempt
// times by kind (stream or not). It is safe for concurrent use; reading a
// p90 takes no lock.
type latencies struct {
	mu sync.Mutex // held to add a model
	// m is copied on write (at most latencyModels times), read lock-free.
	m atomic.Pointer[map[string]*modelLatency]
}

// modelLatency holds one model's windows: [0] whole answers, [1] streams.
type modelLatency struct {
	mu    sync.Mutex // held to add a sample
	kinds [2]window
	// p90 holds each window's p90 plus 1 ns; 0 before any sample.
	p90s [2]atomic.Int64
}

// window is a rolling window of the last latencySamples durations, kept
// both in arrival order (to drop the oldest) and sorted (to read the p90).
type window struct {
	ring   [latencySamples]time.Duration
	sorted [latencySamples]time.Duration
	n      int // samples held, ≤ latencySamples
	next   int // ring index of the next sample (the oldest once full)
}

func kindOf(stream bool) int {
	if stream {
		return 1
	}
	return 0
}

func (l *latencies) lookup(model string) *modelLatency {
	if m := l.m.Load(); m != nil {
		return (*m)[model]
	}
	return nil
}

// track makes sure model has a window (within the cap) and returns it; nil
// when the cap is reached.
func (l *latencies) track(model string) *modelLatency {
	if m := l.lookup(model); m != nil {
		return m
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	old := map[string]*modelLatency{}
	if p := l.m.Load(); p != nil {
		old = *p
	}
	if m := old[model]; m != nil || len(old) >= latencyModels {
		return m
	}
	next := make(map[string]*modelLatency, len(old)+1)
	for k, v := range old {
		next[k] = v
	}
	m := &modelLatency{}
	next[model] = m
	l.m.Store(&next)
	return m
}

// record adds one successful attempt of model, if model has a window.
func (l *latencies) record(model string, stream bool, d time.Duration) {
	m := l.lookup(model)
	if m == nil {
		return
	}
	k := kindOf(stream)
	m.mu.Lock()
	w := &m.kinds[k]
	w.add(d)
	p, _ := w.p90()
	m.p90s[k].Store(int64(p) + 1)
	m.mu.Unlock()
}

// p90 returns the p90 of model's window of that kind; ok=false before any
// sample (or when model has no window).
func (m *modelLatency) p90(stream bool) (time.Duration, bool) {
	if m == nil {
		return 0, false
	}
	v := m.p90s[kindOf(stream)].Load()
	return time.Duration(v - 1), v > 0
}

func (w *window) add(d time.Duration) {
	if w.n < latencySamples {
		i, _ := slices.BinarySearch(w.sorted[:w.n], d)
		copy(w.sorted[i+1:w.n+1], w.sorted[i:w.n])
		w.sorted[i] = d
		w.n++
		w.ring[w.next] = d
		w.next = (w.next + 1) % latencySamples
		return
	}
	// Full: d takes the oldest sample's place, and only the samples
	// between the two positions move.
	old := w.ring[w.next]
	w.ring[w.next] = d
	w.next = (w.next + 1) % latencySamples
	if old == d {
		return
	}
	j, _ := slices.BinarySearch(w.sorted[:], old)
	for ; j+1 < latencySamples && w.sorted[j+1] < d; j++ {
		w.sorted[j] = w.sorted[j+1]
	}
	for ; j > 0 && w.sorted[j-1] > d; j-- {
		w.sorted[j] = w.sorted[j-1]
	}
	w.sorted[j] = d
}

// p90 is the nearest-rank 90th percentile: the smallest sample at or above
// 90% of them.
func (w *window) p90() (time.Duration, bool) {
	if w.n == 0 {
		return 0, false
	}
	return w.sorted[(9*w.n+9)/10-1], true
}
