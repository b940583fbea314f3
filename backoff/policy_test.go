package backoff

import (
	"math"
	"testing"
	"time"
)

func fixed(r float64) func() float64 { return func() float64 { return r } }

func TestFullJitterGrowsExponentiallyUpToMax(t *testing.T) {
	p := Policy{Initial: time.Second, Max: 60 * time.Second}
	tests := []struct {
		name string
		n    int
		r    float64
		want time.Duration
	}{
		{"first retry, top of range", 1, 0.999999999, time.Second - 1},
		{"first retry, half", 1, 0.5, 500 * time.Millisecond},
		{"first retry, zero", 1, 0, 0},
		{"second retry doubles", 2, 0.5, time.Second},
		{"third retry doubles again", 3, 0.5, 2 * time.Second},
		{"sixth retry under max", 6, 0.5, 16 * time.Second},
		{"seventh retry capped at max", 7, 0.5, 30 * time.Second},
		{"n below 1 counts as 1", 0, 0.5, 500 * time.Millisecond},
		{"negative n counts as 1", -5, 0.5, 500 * time.Millisecond},
		{"huge n does not overflow", 1000, 0.5, 30 * time.Second},
		{"n at shift limit", 64, 0.5, 30 * time.Second},
		{"rnd of one is clamped to the ceiling", 1, 1, time.Second},
		{"negative rnd is clamped to zero", 2, -0.5, 0},
		{"NaN rnd is clamped to zero", 2, math.NaN(), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := p.Delay(tt.n, 0, fixed(tt.r)); got != tt.want {
				t.Errorf("Delay(%d) = %v, want %v", tt.n, got, tt.want)
			}
		})
	}
}

func TestDecorrelatedJitterGrowsFromPreviousWait(t *testing.T) {
	p := Policy{Initial: time.Second, Max: 10 * time.Second, Jitter: Decorrelated}
	tests := []struct {
		name string
		prev time.Duration
		r    float64
		want time.Duration
	}{
		{"first retry: prev 0 acts as Initial, low end", 0, 0, time.Second},
		{"first retry: range [1s, 3s], middle", 0, 0.5, 2 * time.Second},
		{"prev below Initial acts as Initial", 100 * time.Millisecond, 0.5, 2 * time.Second},
		{"range [1s, 6s] from prev 2s", 2 * time.Second, 0.4, 3 * time.Second},
		{"never below Initial", 5 * time.Second, 0, time.Second},
		{"capped at Max", 5 * time.Second, 0.99, 10 * time.Second},
		{"huge prev does not overflow", math.MaxInt64, 0.5, 10 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := p.Delay(3, tt.prev, fixed(tt.r)); got != tt.want {
				t.Errorf("Delay(prev=%v, r=%v) = %v, want %v", tt.prev, tt.r, got, tt.want)
			}
		})
	}
}

func TestZeroFieldsTakeDefaults(t *testing.T) {
	tests := []struct {
		name string
		p    Policy
		n    int
		want time.Duration
	}{
		{"zero policy, first retry", Policy{}, 1, DefaultInitial},
		{"zero policy, capped at 60s", Policy{}, 30, DefaultMax},
		{"negative fields take defaults", Policy{Initial: -1, Max: -1}, 30, DefaultMax},
		{"only Max set", Policy{Max: 4 * time.Second}, 5, 4 * time.Second},
		{"Initial above Max is lowered to Max", Policy{Initial: time.Minute, Max: time.Second}, 1, time.Second},
		{"decorrelated zero policy", Policy{Jitter: Decorrelated}, 1, 3 * DefaultInitial},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// r just under 1 gives the top of the range.
			got := tt.p.Delay(tt.n, 0, fixed(math.Nextafter(1, 0)))
			if diff := tt.want - got; diff < 0 || diff > time.Microsecond {
				t.Errorf("Delay = %v, want about %v", got, tt.want)
			}
		})
	}
}

func TestDelayStaysInRangeWithRealRandomness(t *testing.T) {
	for _, j := range []Jitter{Full, Decorrelated} {
		p := Policy{Initial: 10 * time.Millisecond, Max: time.Second, Jitter: j}
		var prev time.Duration
		for n := 1; n <= 200; n++ {
			d := p.Delay(n, prev, nil)
			if d < 0 || d > time.Second {
				t.Fatalf("%v: Delay(%d) = %v, out of [0, 1s]", j, n, d)
			}
			if j == Decorrelated && d < 10*time.Millisecond {
				t.Fatalf("decorrelated Delay(%d) = %v, below Initial", n, d)
			}
			prev = d
		}
	}
}

func TestMaxInt64BoundsDoNotOverflow(t *testing.T) {
	p := Policy{Initial: math.MaxInt64, Max: math.MaxInt64}
	for _, j := range []Jitter{Full, Decorrelated} {
		p.Jitter = j
		for _, r := range []float64{0, 0.5, math.Nextafter(1, 0)} {
			if d := p.Delay(100, math.MaxInt64, fixed(r)); d < 0 {
				t.Errorf("%v r=%v: Delay = %v, overflowed", j, r, d)
			}
		}
	}
}
