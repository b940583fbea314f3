package budget

import (
	"sync"
	"time"

	"github.com/bulwarkhq/bulwark/clock"
)

// Defaults for [New] and [WithWindow] (DESIGN §3, config key retry_budget).
const (
	// DefaultRatio is the share of first attempts that may be retried.
	DefaultRatio = 0.2
	// DefaultMinPerSecond is the retry rate always allowed, in retries per
	// second, however few first attempts there were.
	DefaultMinPerSecond = 10.0
	// DefaultWindow is the span of the sliding window.
	DefaultWindow = 10 * time.Second
	// Buckets is the number of buckets the window is divided into; counts
	// leave the window one bucket (Window/Buckets) at a time.
	Buckets = 10
)

// Budget is a sliding-window retry budget. It is safe for concurrent use.
// Create one with [New]; the zero value is not usable.
type Budget struct {
	clock     clock.Clock
	start     time.Time     // bucket epochs count from here (monotonic when the clock is)
	bucket    time.Duration // Window / Buckets
	ratio     float64
	allowance float64 // minPerSecond × window seconds

	mu       sync.Mutex
	head     int64 // epoch of the newest bucket
	attempts [Buckets]int64
	retries  [Buckets]int64
	sumA     int64 // sum of attempts over the buckets
	sumR     int64 // sum of retries over the buckets
}

// Option configures a [Budget].
type Option func(*options)

type options struct {
	clock  clock.Clock
	window time.Duration
}

// WithClock sets the clock the window follows; the default is [clock.Real].
func WithClock(c clock.Clock) Option {
	return func(o *options) {
		if c != nil {
			o.clock = c
		}
	}
}

// WithWindow sets the span of the sliding window, divided into [Buckets]
// buckets; zero or negative means [DefaultWindow] (10 s). The window is
// rounded down to a multiple of Buckets nanoseconds, and is at least 10 ns.
func WithWindow(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.window = d
		}
	}
}

// New returns a budget that allows, within any window, at most
// ratio × first attempts + minPerSecond × window seconds retries.
//
// ratio is a fraction (0.2 = one retry per five first attempts); 0 means
// [DefaultRatio] and a negative value means none (only the minPerSecond
// allowance). minPerSecond is in retries per second; 0 means
// [DefaultMinPerSecond] and a negative value means none.
func New(ratio, minPerSecond float64, opts ...Option) *Budget {
	o := options{clock: clock.Real, window: DefaultWindow}
	for _, opt := range opts {
		opt(&o)
	}
	ratio = orDefault(ratio, DefaultRatio)
	minPerSecond = orDefault(minPerSecond, DefaultMinPerSecond)
	bucket := max(o.window/Buckets, 1)
	return &Budget{
		clock:     o.clock,
		start:     o.clock.Now(),
		bucket:    bucket,
		ratio:     ratio,
		allowance: minPerSecond * (bucket * Buckets).Seconds(),
	}
}

func orDefault(v, def float64) float64 {
	switch {
	case v == 0:
		return def
	case v < 0 || v != v: // negative or NaN: none
		return 0
	}
	return v
}

// OnAttempt counts one first attempt (not a retry). Call it once per request
// per tier before the first upstream call.
func (b *Budget) OnAttempt() { b.OnAttemptAt(b.clock.Now()) }

// OnAttemptAt is [Budget.OnAttempt] at a time the caller has just read from
// the Budget's clock. The engine reads the clock for each attempt anyway;
// passing it saves a second read, which is most of OnAttempt's cost where
// reading the clock is slow (about 100 ns on some VMs).
func (b *Budget) OnAttemptAt(now time.Time) {
	b.mu.Lock()
	i := b.advance(now)
	b.attempts[i]++
	b.sumA++
	b.mu.Unlock()
}

// TryRetry takes one retry from the budget and reports whether it may run.
// It returns true, and counts the retry, only if the retries in the window,
// this one included, stay at or below ratio × first attempts in the window
// plus minPerSecond × window seconds. A false costs nothing and is not
// counted.
func (b *Budget) TryRetry() bool { return b.TryRetryAt(b.clock.Now()) }

// TryRetryAt is [Budget.TryRetry] at a time the caller has just read from the
// Budget's clock (see [Budget.OnAttemptAt]).
func (b *Budget) TryRetryAt(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	i := b.advance(now)
	if float64(b.sumR+1) > b.ratio*float64(b.sumA)+b.allowance {
		return false
	}
	b.retries[i]++
	b.sumR++
	return true
}

// Stats returns the first attempts and the retries counted in the current
// window.
func (b *Budget) Stats() (attempts, retries int64) {
	now := b.clock.Now()
	b.mu.Lock()
	defer b.mu.Unlock()
	b.advance(now)
	return b.sumA, b.sumR
}

// advance slides the window to now, emptying the buckets that left it, and
// returns the index of the current bucket. Requires b.mu.
func (b *Budget) advance(now time.Time) int {
	epoch := int64(now.Sub(b.start) / b.bucket)
	if epoch > b.head {
		n := min(epoch-b.head, Buckets)
		for k := int64(1); k <= n; k++ {
			i := (b.head + k) % Buckets
			b.sumA -= b.attempts[i]
			b.sumR -= b.retries[i]
			b.attempts[i], b.retries[i] = 0, 0
		}
		b.head = epoch
	}
	// A clock that went back (not the monotonic one) keeps counting in the
	// newest bucket.
	return int(b.head % Buckets)
}
