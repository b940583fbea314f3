package demo

import (
	"math"
	"slices"
	"time"
)

// Request is one user request as one side of the demo served it.
type Request struct {
	// Seq numbers the requests of a run from 0; both sides share it.
	Seq int
	// Phase is the index of the incident phase in force when it was sent.
	Phase int
	// Start is when it was sent, from the start of the run.
	Start time.Duration
	// Took is how long the user waited: until the reply, or until they gave
	// up (blank).
	Took time.Duration
	// Verdict is what the user saw.
	Verdict Verdict
	// Model is the model that answered; empty when none did.
	Model string
	// Fallback is true when a model after the primary answered.
	Fallback bool
}

// Counts tallies requests by verdict.
type Counts struct {
	Total, Answered, Degraded, Failed, Blank int
	// Fallbacks counts the answers that came from a fallback model (they
	// are among Answered).
	Fallbacks int
}

// Add counts one request.
func (c *Counts) Add(r Request) {
	c.Total++
	switch r.Verdict {
	case Answered:
		c.Answered++
		if r.Fallback {
			c.Fallbacks++
		}
	case Degraded:
		c.Degraded++
	case Failed:
		c.Failed++
	default:
		c.Blank++
	}
}

// Share returns n as a fraction of Total; 0 when there are none.
func (c Counts) Share(n int) float64 {
	if c.Total == 0 {
		return 0
	}
	return float64(n) / float64(c.Total)
}

// Count tallies reqs.
func Count(reqs []Request) Counts {
	var c Counts
	for _, r := range reqs {
		c.Add(r)
	}
	return c
}

// CountByPhase tallies reqs per phase; the result has n entries and requests
// of a phase outside 0..n-1 are not counted.
func CountByPhase(reqs []Request, n int) []Counts {
	out := make([]Counts, n)
	for _, r := range reqs {
		if r.Phase >= 0 && r.Phase < n {
			out[r.Phase].Add(r)
		}
	}
	return out
}

// Never is the latency of a request that got no reply: it sorts after
// every real latency.
const Never = time.Duration(math.MaxInt64)

// Latencies returns how long each request's user waited for a reply, sorted,
// with [Never] for the blank ones.
func Latencies(reqs []Request) []time.Duration {
	out := make([]time.Duration, len(reqs))
	for i, r := range reqs {
		if r.Verdict == Blank {
			out[i] = Never
		} else {
			out[i] = r.Took
		}
	}
	slices.Sort(out)
	return out
}

// Percentile returns the p-th percentile (0 < p ≤ 100) of sorted by the
// nearest-rank method: the smallest value that at least p% of the values are
// at or below. ok is false when sorted is empty.
func Percentile(sorted []time.Duration, p float64) (d time.Duration, ok bool) {
	if len(sorted) == 0 {
		return 0, false
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1], true
}

// Buckets tallies reqs by when they were sent, in n equal slices of total
// (n ≥ 1). A request sent at or after total counts in the last.
func Buckets(reqs []Request, total time.Duration, n int) []Counts {
	n = max(n, 1)
	out := make([]Counts, n)
	for _, r := range reqs {
		i := 0
		if total > 0 {
			i = int(int64(r.Start) * int64(n) / int64(total))
		}
		out[min(max(i, 0), n-1)].Add(r)
	}
	return out
}
