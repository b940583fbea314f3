package backoff

import (
	"math"
	"math/rand/v2"
	"time"
)

// Defaults for the zero fields of a [Policy] (DESIGN §3).
const (
	// DefaultInitial is the base wait before the first retry.
	DefaultInitial = time.Second
	// DefaultMax is the longest wait [Policy.Delay] returns.
	DefaultMax = 60 * time.Second
)

// Policy is an exponential backoff with jitter. The zero value is usable:
// 1 s initial, 60 s max, full jitter. A Policy is a plain value, safe to copy
// and to use from many goroutines.
type Policy struct {
	// Initial is the base wait: the upper bound of the first full-jitter
	// wait and the lower bound of every decorrelated wait. Zero or negative
	// means DefaultInitial (1 s). An Initial above Max is lowered to Max.
	Initial time.Duration
	// Max caps every wait. Zero or negative means DefaultMax (60 s).
	Max time.Duration
	// Jitter selects the randomisation; the zero value is Full.
	Jitter Jitter
}

// Delay returns the wait before retry number n (n = 1 is the first retry;
// n < 1 counts as 1). prev is the previous wait, used only by Decorrelated
// jitter (pass 0 for the first retry). rnd returns a uniform float in [0, 1);
// nil means math/rand/v2's Float64.
//
// The result is always in [0, Max] and never overflows, however large n or
// prev are.
func (p Policy) Delay(n int, prev time.Duration, rnd func() float64) time.Duration {
	initial, maxWait := p.bounds()
	if rnd == nil {
		rnd = rand.Float64
	}
	if p.Jitter == Decorrelated {
		return decorrelated(initial, maxWait, prev, rnd())
	}
	return full(initial, maxWait, n, rnd())
}

// bounds returns Initial and Max with defaults applied and Initial ≤ Max.
func (p Policy) bounds() (initial, maxWait time.Duration) {
	initial, maxWait = p.Initial, p.Max
	if initial <= 0 {
		initial = DefaultInitial
	}
	if maxWait <= 0 {
		maxWait = DefaultMax
	}
	return min(initial, maxWait), maxWait
}

// full is uniform in [0, min(maxWait, initial·2^(n-1))].
func full(initial, maxWait time.Duration, n int, r float64) time.Duration {
	ceiling := maxWait
	if shift := max(n, 1) - 1; shift < 63 && initial <= maxWait>>shift {
		ceiling = initial << shift // ≤ maxWait, so no overflow
	}
	return scale(0, ceiling, r)
}

// decorrelated is min(maxWait, uniform in [initial, 3·prev]), prev raised to
// at least initial. 3·prev is formed in floating point, so it cannot overflow.
func decorrelated(initial, maxWait, prev time.Duration, r float64) time.Duration {
	lo := float64(initial)
	hi := 3 * float64(max(prev, initial))
	if !(r > 0) { // also catches NaN
		return initial
	}
	if d := lo + min(r, 1)*(hi-lo); d < float64(maxWait) {
		return time.Duration(d)
	}
	return maxWait
}

// scale maps r in [0, 1) onto [lo, hi], clamped so that float rounding can
// neither leave the range nor overflow.
func scale(lo, hi time.Duration, r float64) time.Duration {
	if hi <= lo || !(r > 0) { // also catches NaN
		return lo
	}
	span := float64(hi - lo)
	d := r * span
	if d >= span || d >= math.MaxInt64 {
		return hi
	}
	return lo + time.Duration(d)
}
