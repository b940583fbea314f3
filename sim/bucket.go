package sim

import (
	"math/bits"
	"time"
)

// bucket is one of the API's rate-limit buckets (requests, input tokens or
// output tokens): it holds up to perMinute units and refills continuously at
// perMinute per minute, so capacity comes back gradually instead of at a
// fixed window's end. It is kept as the time it is full again (the
// "theoretical arrival time" of the generic cell rate algorithm), so it
// needs no ticking: at now it holds perMinute × (1 − (full − now)/1 min),
// which is below zero while a request larger than the bucket has left it in
// debt. The zero full time is a full bucket. Its methods are pure.
type bucket struct {
	perMinute int64     // capacity and refill per minute; > 0
	full      time.Time // when the bucket is full again
}

// maxCost bounds the units one call charges, so that the arithmetic cannot
// overflow (a 32 MiB body is about 8.4 million input tokens).
const maxCost = 1 << 27

// span is the time the bucket takes to refill n units, rounded down to the
// nanosecond.
func (b bucket) span(n int64) time.Duration {
	return time.Duration(mulDiv(min(max(n, 0), maxCost), int64(time.Minute), b.perMinute, false))
}

// remaining is the whole units the bucket holds at now (negative in debt).
func (b bucket) remaining(now time.Time) int64 {
	d := b.full.Sub(now)
	if d <= 0 {
		return b.perMinute
	}
	return b.perMinute - mulDiv(b.perMinute, int64(d), int64(time.Minute), true)
}

// reset is when the bucket is full again: now when it is full.
func (b bucket) reset(now time.Time) time.Time {
	if b.full.After(now) {
		return b.full
	}
	return now
}

// wait is how long a call of cost units waits at now before the bucket can
// hold it; 0 when it can now. A cost above the capacity waits for a full
// bucket (and then leaves it in debt), so that no call is refused forever.
func (b bucket) wait(cost int64, now time.Time) time.Duration {
	need := min(max(cost, 0), b.perMinute)
	return max(0, b.reset(now).Add(b.span(need)).Sub(now)-time.Minute)
}

// take charges cost units at now; call it when wait is 0.
func (b bucket) take(cost int64, now time.Time) bucket {
	b.full = b.reset(now).Add(b.span(cost))
	return b
}

// refund gives n units back at now (an estimate that was too high); the
// bucket never holds more than its capacity.
func (b bucket) refund(n int64, now time.Time) bucket {
	b.full = b.full.Add(-b.span(n))
	if !b.full.After(now) {
		b.full = time.Time{}
	}
	return b
}

// mulDiv is a×b/c for a, b >= 0 and c > 0, rounded down (or up with ceil),
// without overflowing in between; a quotient too large for an int64
// saturates.
func mulDiv(a, b, c int64, ceil bool) int64 {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	if hi >= uint64(c) {
		return 1<<63 - 1
	}
	q, r := bits.Div64(hi, lo, uint64(c))
	if ceil && r != 0 {
		q++
	}
	if q > 1<<63-1 {
		return 1<<63 - 1
	}
	return int64(q)
}
