package bench

import (
	"testing"
	"time"
)

func samples(us ...int) *Latencies {
	l := &Latencies{}
	for _, v := range us {
		l.Add(time.Duration(v) * time.Microsecond)
	}
	return l
}

func TestPercentileIsTheNearestRankOfTheSortedSamples(t *testing.T) {
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = 100 - i // 100..1, unsorted
	}
	tests := []struct {
		name string
		l    *Latencies
		p    float64
		want int
	}{
		{"no samples", samples(), 50, 0},
		{"one sample, p0", samples(7), 0, 7},
		{"one sample, p99", samples(7), 99, 7},
		{"p50 of four is the second", samples(4, 1, 3, 2), 50, 2},
		{"p51 of four is the third", samples(4, 1, 3, 2), 51, 3},
		{"p100 is the max", samples(4, 1, 3, 2), 100, 4},
		{"p below 0 is the min", samples(4, 1, 3, 2), -5, 1},
		{"p above 100 is the max", samples(4, 1, 3, 2), 150, 4},
		{"p50 of 1..100", samples(hundred...), 50, 50},
		{"p99 of 1..100", samples(hundred...), 99, 99},
		{"p99.9 of 1..100", samples(hundred...), 99.9, 100},
		{"p1 of 1..100", samples(hundred...), 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.l.Percentile(tt.p); got != time.Duration(tt.want)*time.Microsecond {
				t.Errorf("Percentile(%v) = %v, want %dµs", tt.p, got, tt.want)
			}
		})
	}
}

func TestLatenciesMergeMeanMaxAndReset(t *testing.T) {
	a, b := samples(10, 30), samples(20)
	a.Percentile(50) // sorted; a merge must re-sort
	a.Merge(b)
	a.Merge(nil)
	if a.Len() != 3 || a.Percentile(50) != 20*time.Microsecond || a.Max() != 30*time.Microsecond || a.Mean() != 20*time.Microsecond {
		t.Errorf("after merge: len %d p50 %v max %v mean %v, want 3, 20µs, 30µs, 20µs", a.Len(), a.Percentile(50), a.Max(), a.Mean())
	}
	a.Add(time.Microsecond)
	if a.Percentile(0) != time.Microsecond {
		t.Errorf("an Add after sorting is not seen: min %v", a.Percentile(0))
	}
	a.Reset()
	if a.Len() != 0 || a.Mean() != 0 || a.Max() != 0 {
		t.Errorf("after Reset: len %d mean %v max %v", a.Len(), a.Mean(), a.Max())
	}
}
