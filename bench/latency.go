package bench

import (
	"math"
	"slices"
	"time"
)

// Latencies holds exact latency samples and reports their percentiles by
// nearest rank over the sorted samples. The zero value is ready to use. It is
// not safe for concurrent use: give each worker its own and Merge them.
type Latencies struct {
	ns     []int64
	sorted bool
}

// Add records one sample.
func (l *Latencies) Add(d time.Duration) {
	l.ns = append(l.ns, int64(d))
	l.sorted = false
}

// Merge adds every sample of o.
func (l *Latencies) Merge(o *Latencies) {
	if o == nil || len(o.ns) == 0 {
		return
	}
	l.ns = append(l.ns, o.ns...)
	l.sorted = false
}

// Len is the number of samples.
func (l *Latencies) Len() int { return len(l.ns) }

// Reset drops every sample, keeping the memory.
func (l *Latencies) Reset() { l.ns, l.sorted = l.ns[:0], true }

func (l *Latencies) sort() {
	if !l.sorted {
		slices.Sort(l.ns)
		l.sorted = true
	}
}

// Percentile returns the p-th percentile (p in 0..100) by nearest rank: the
// smallest sample with at least p% of the samples at or below it. p <= 0
// gives the minimum and p >= 100 the maximum; no samples give 0.
func (l *Latencies) Percentile(p float64) time.Duration {
	n := len(l.ns)
	if n == 0 {
		return 0
	}
	l.sort()
	rank := int(math.Ceil(p / 100 * float64(n)))
	rank = min(max(rank, 1), n)
	return time.Duration(l.ns[rank-1])
}

// Max returns the largest sample (0 with none).
func (l *Latencies) Max() time.Duration { return l.Percentile(100) }

// Mean returns the arithmetic mean (0 with none).
func (l *Latencies) Mean() time.Duration {
	if len(l.ns) == 0 {
		return 0
	}
	var sum float64
	for _, v := range l.ns {
		sum += float64(v)
	}
	return time.Duration(sum / float64(len(l.ns)))
}
