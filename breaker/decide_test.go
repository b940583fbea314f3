package breaker

import (
	"testing"
	"time"
)

func TestNextDecidesEachTransition(t *testing.T) {
	count := Settings{Failures: 3, HalfOpenProbes: 2}.withDefaults()
	rate := Settings{FailureRatio: 0.5, MinRequests: 4, HalfOpenProbes: 1}.withDefaults()
	tests := []struct {
		name string
		s    State
		c    counts
		st   Settings
		now  int64
		want State
	}{
		{"closed below the failure count stays", Closed, counts{failures: 2, successes: 100}, count, 0, Closed},
		{"closed at the failure count opens", Closed, counts{failures: 3}, count, 0, Open},
		{"closed over the failure count opens", Closed, counts{failures: 4, successes: 9}, count, 0, Open},
		{"rate mode below the minimum stays", Closed, counts{failures: 3}, rate, 0, Closed},
		{"rate mode at the ratio and minimum opens", Closed, counts{failures: 2, successes: 2}, rate, 0, Open},
		{"rate mode under the ratio stays", Closed, counts{failures: 1, successes: 3}, rate, 0, Closed},
		{"rate mode ignores the failure count", Closed, counts{failures: 5, successes: 100}, rate, 0, Closed},
		{"rate mode with nothing counted stays", Closed, counts{}, Settings{FailureRatio: 1, MinRequests: 1}, 0, Closed},
		{"open before its end stays", Open, counts{openUntil: 10}, count, 9, Open},
		{"open at its end goes half-open", Open, counts{openUntil: 10}, count, 10, HalfOpen},
		{"open ignores counts", Open, counts{failures: 9, openUntil: 10}, count, 9, Open},
		{"half-open with no result stays", HalfOpen, counts{}, count, 0, HalfOpen},
		{"half-open short of the probes stays", HalfOpen, counts{successes: 1}, count, 0, HalfOpen},
		{"half-open with every probe passed closes", HalfOpen, counts{successes: 2}, count, 0, Closed},
		{"half-open with one failed probe opens", HalfOpen, counts{failures: 1, successes: 1}, count, 0, Open},
		{"half-open: a failure outweighs the successes", HalfOpen, counts{failures: 1, successes: 2}, count, 0, Open},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := next(tt.s, tt.c, tt.st, tt.now); got != tt.want {
				t.Fatalf("next(%v, %+v, now %d) = %v, want %v", tt.s, tt.c, tt.now, got, tt.want)
			}
		})
	}
}

func TestWindowForgetsOutcomesOneBucketAtATime(t *testing.T) {
	const width = int64(time.Second) // a 10 s window
	var w window
	w.add(0, width, true)
	w.add(int64(500*time.Millisecond), width, false)
	if got := w.total(int64(time.Second), width); got != (tally{failures: 1, successes: 1}) {
		t.Fatalf("total at 1s = %+v", got)
	}
	w.add(int64(3*time.Second), width, true)
	tests := []struct {
		at   time.Duration
		want tally
	}{
		{3 * time.Second, tally{failures: 2, successes: 1}},
		{10*time.Second - 1, tally{failures: 2, successes: 1}}, // bucket 0 is still in
		{10 * time.Second, tally{failures: 1}},                 // bucket 0 left
		{13 * time.Second, tally{}},
		{time.Hour, tally{}},
	}
	for _, tt := range tests {
		if got := w.total(int64(tt.at), width); got != tt.want {
			t.Fatalf("total at %v = %+v, want %+v", tt.at, got, tt.want)
		}
	}
	w.add(int64(time.Hour), width, true)
	w.add(0, width, true) // a clock that went back counts in the newest bucket
	if got := w.total(int64(time.Hour), width); got != (tally{failures: 2}) {
		t.Fatalf("total = %+v, want 2 failures", got)
	}
	w.reset()
	if got := w.total(int64(time.Hour), width); got != (tally{}) {
		t.Fatalf("total after reset = %+v", got)
	}
}
