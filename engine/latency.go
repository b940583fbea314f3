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

// latencies keeps, for each fallback model (and each hedged one), its
// recent successful attempt times by kind (stream or not). It is safe for
// concurrent use; reading a p90 or p95 takes no lock.
type latencies struct {
	mu sync.Mutex // held to add a model
	// m is copied on write (at most latencyModels times), read lock-free.
	m atomic.Pointer[map[string]*modelLatency]
}

// modelLatency holds one model's windows: [0] whole answers, [1] streams.
type modelLatency struct {
	mu    sync.Mutex // held to add a sample
	kinds [2]window
	// p90s and p95s hold each window's p90 and p95 plus 1 ns; 0 before
	// any sample.
	p90s, p95s [2]atomic.Int64
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
	m.p90s[k].Store(int64(w.rank(90)) + 1)
	m.p95s[k].Store(int64(w.rank(95)) + 1)
	m.mu.Unlock()
}

// p90 returns the p90 of model's window of that kind; ok=false before any
// sample (or when model has no window).
func (m *modelLatency) p90(stream bool) (time.Duration, bool) {
	if m == nil {
		return 0, false
	}
	return load(&m.p90s[kindOf(stream)])
}

// p95 returns the p95 of model's window of that kind, as p90 does.
func (m *modelLatency) p95(stream bool) (time.Duration, bool) {
	if m == nil {
		return 0, false
	}
	return load(&m.p95s[kindOf(stream)])
}

func load(v *atomic.Int64) (time.Duration, bool) {
	n := v.Load()
	return time.Duration(n - 1), n > 0
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

// rank is the nearest-rank pct-th percentile of a window with samples: the
// smallest sample at or above pct% of them.
func (w *window) rank(pct int) time.Duration {
	return w.sorted[(pct*w.n+99)/100-1]
}
