package engine

import (
	"testing"
	"time"
)

func TestTheHedgeDelayFollowsTheP95WithAFloorAndADefault(t *testing.T) {
	for _, c := range []struct {
		name string
		p95  time.Duration
		ok   bool
		want time.Duration
	}{
		{"no stream measured yet", 0, false, DefaultHedgeAfter},
		{"a slow model's p95", 1500 * time.Millisecond, true, 1500 * time.Millisecond},
		{"a fast model's p95 is floored", 3 * time.Millisecond, true, MinHedgeAfter},
		{"exactly the floor", MinHedgeAfter, true, MinHedgeAfter},
	} {
		if got := hedgeDelay(c.p95, c.ok); got != c.want {
			t.Errorf("%s: hedgeDelay(%v, %v) = %v, want %v", c.name, c.p95, c.ok, got, c.want)
		}
	}
}
