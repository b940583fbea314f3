package budget

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/clock"
)

var t0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// retriesAllowed calls TryRetry until it refuses and returns how many it granted.
func retriesAllowed(b *Budget) int {
	n := 0
	for b.TryRetry() {
		n++
		if n > 1e6 {
			panic("budget never refused")
		}
	}
	return n
}

func TestBudgetAllowsRatioOfAttemptsPlusMinimum(t *testing.T) {
	tests := []struct {
		name         string
		ratio        float64
		minPerSecond float64
		window       time.Duration
		attempts     int
		want         int
	}{
		{"defaults, no traffic: only the floor (10/s × 10 s)", 0, 0, 0, 0, 100},
		{"defaults, 1000 attempts: 0.2 × 1000 + 100", 0, 0, 0, 1000, 300},
		{"ratio 0.5, no floor", 0.5, -1, 0, 100, 50},
		{"no ratio, floor 2/s over 5 s", -1, 2, 5 * time.Second, 1000, 10},
		{"no ratio, no floor: no retries at all", -1, -1, 0, 1000, 0},
		{"fractional allowance rounds down", 0.1, -1, 0, 15, 1},
		{"ratio 1: one retry per attempt", 1, -1, 0, 7, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := New(tt.ratio, tt.minPerSecond, WithClock(clock.NewFake(t0)), WithWindow(tt.window))
			for range tt.attempts {
				b.OnAttempt()
			}
			if got := retriesAllowed(b); got != tt.want {
				t.Errorf("retries allowed = %d, want %d", got, tt.want)
			}
			attempts, retries := b.Stats()
			if attempts != int64(tt.attempts) || retries != int64(tt.want) {
				t.Errorf("Stats() = %d, %d; want %d, %d", attempts, retries, tt.attempts, tt.want)
			}
		})
	}
}

func TestRefusedRetriesAreNotCounted(t *testing.T) {
	b := New(1, -1, WithClock(clock.NewFake(t0)))
	b.OnAttempt()
	if !b.TryRetry() {
		t.Fatal("first retry refused")
	}
	for range 10 {
		if b.TryRetry() {
			t.Fatal("retry over budget granted")
		}
	}
	if _, r := b.Stats(); r != 1 {
		t.Fatalf("retries = %d, want 1 (refusals must not count)", r)
	}
	b.OnAttempt() // one more attempt buys exactly one more retry
	if !b.TryRetry() || b.TryRetry() {
		t.Fatal("one new attempt should allow exactly one retry")
	}
}

func TestCountsLeaveTheWindowOneBucketAtATime(t *testing.T) {
	clk := clock.NewFake(t0)
	b := New(1, -1, WithClock(clk), WithWindow(10*time.Second))

	for range 10 { // 10 attempts at t=0
		b.OnAttempt()
	}
	clk.Advance(5 * time.Second)
	for range 5 { // 5 more at t=5s
		b.OnAttempt()
	}
	if got := retriesAllowed(b); got != 15 {
		t.Fatalf("at 5s: %d retries, want 15", got)
	}

	clk.Advance(5 * time.Second) // t=10s: the t=0 bucket leaves the window
	if a, r := b.Stats(); a != 5 || r != 15 {
		t.Fatalf("at 10s: Stats() = %d, %d; want 5 attempts, 15 retries", a, r)
	}
	if b.TryRetry() {
		t.Fatal("at 10s: 15 retries against 5 attempts, yet a retry was granted")
	}

	clk.Advance(5 * time.Second) // t=15s: everything has left
	if a, r := b.Stats(); a != 0 || r != 0 {
		t.Fatalf("at 15s: Stats() = %d, %d; want 0, 0", a, r)
	}
	b.OnAttempt()
	if !b.TryRetry() {
		t.Fatal("after the window passed, a fresh attempt should allow a retry")
	}
}

func TestLongIdleEmptiesTheWholeWindow(t *testing.T) {
	clk := clock.NewFake(t0)
	b := New(0, 0, WithClock(clk))
	for range 50 {
		b.OnAttempt()
	}
	retriesAllowed(b)
	clk.Advance(1000 * time.Hour)
	if a, r := b.Stats(); a != 0 || r != 0 {
		t.Fatalf("Stats() after a long idle = %d, %d; want 0, 0", a, r)
	}
	if got := retriesAllowed(b); got != 100 {
		t.Fatalf("after idle: %d retries, want the floor of 100", got)
	}
}

func TestTinyWindowStillWorks(t *testing.T) {
	clk := clock.NewFake(t0)
	b := New(1, -1, WithClock(clk), WithWindow(5)) // 5 ns: rounded up to buckets of 1 ns
	b.OnAttempt()
	if !b.TryRetry() {
		t.Fatal("retry refused")
	}
	clk.Advance(9 * time.Nanosecond)
	if a, r := b.Stats(); a != 1 || r != 1 {
		t.Fatalf("Stats() = %d, %d; want 1, 1", a, r)
	}
	clk.Advance(time.Nanosecond)
	if a, r := b.Stats(); a != 0 || r != 0 {
		t.Fatalf("Stats() = %d, %d; want 0, 0", a, r)
	}
}

func TestNaNSettingsMeanNone(t *testing.T) {
	nan := func() float64 { var z float64; return z / z }()
	b := New(nan, nan, WithClock(clock.NewFake(t0)))
	b.OnAttempt()
	if b.TryRetry() {
		t.Fatal("NaN settings should allow no retries")
	}
}

func TestFloodOfRetriesStaysWithinBudget(t *testing.T) {
	// Every request wants a retry; many goroutines; the clock stands still,
	// so everything falls in one window.
	const ratio, minPerSecond, window = 0.2, 10.0, 10 * time.Second
	b := New(ratio, minPerSecond, WithClock(clock.NewFake(t0)), WithWindow(window))

	var granted atomic.Int64
	var wg sync.WaitGroup
	const workers, perWorker = 8, 2000
	for range workers {
		wg.Go(func() {
			for range perWorker {
				b.OnAttempt()
				for range 3 { // up to three retries per request
					if !b.TryRetry() {
						break
					}
					granted.Add(1)
				}
			}
		})
	}
	wg.Wait()

	attempts := workers * perWorker
	limit := ratio*float64(attempts) + minPerSecond*window.Seconds()
	if g := granted.Load(); float64(g) > limit {
		t.Fatalf("granted %d retries, budget is %.0f", g, limit)
	}
	a, r := b.Stats()
	if a != int64(attempts) || r != granted.Load() {
		t.Fatalf("Stats() = %d, %d; want %d, %d", a, r, attempts, granted.Load())
	}
	if float64(r) < limit-1 {
		t.Fatalf("granted only %d of a budget of %.0f: the flood should use it up", r, limit)
	}
}

func TestConcurrentUseWhileTimeMoves(t *testing.T) {
	clk := clock.NewFake(t0)
	b := New(0, 0, WithClock(clk), WithWindow(time.Second))
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				b.OnAttempt()
				b.TryRetry()
				b.Stats()
			}
		})
	}
	for range 200 {
		clk.Advance(37 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	a, r := b.Stats()
	if a < 0 || r < 0 || float64(r) > 0.2*float64(a)+10 {
		t.Fatalf("Stats() = %d, %d: inconsistent after concurrent use", a, r)
	}
}

func TestAtVariantsUseTheGivenTime(t *testing.T) {
	clk := clock.NewFake(t0)
	b := New(1, -1, WithClock(clk), WithWindow(10*time.Second))
	b.OnAttemptAt(t0)
	b.OnAttemptAt(t0.Add(9 * time.Second))
	if !b.TryRetryAt(t0.Add(9 * time.Second)) {
		t.Fatal("TryRetryAt refused within budget")
	}
	// At 10s the first attempt leaves the window: 1 attempt, 1 retry.
	if b.TryRetryAt(t0.Add(10 * time.Second)) {
		t.Fatal("TryRetryAt granted over budget")
	}
	b.OnAttemptAt(t0.Add(10 * time.Second))
	if !b.TryRetryAt(t0.Add(10 * time.Second)) {
		t.Fatal("TryRetryAt refused after a new attempt")
	}
}
