package demo

import (
	"testing"
	"time"
)

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

func TestPercentileNearestRank(t *testing.T) {
	one := []time.Duration{ms(7)}
	ten := []time.Duration{ms(1), ms(2), ms(3), ms(4), ms(5), ms(6), ms(7), ms(8), ms(9), ms(10)}
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = ms(i + 1)
	}
	withBlank := []time.Duration{ms(1), ms(2), ms(3), Never}
	for _, tc := range []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
		ok     bool
	}{
		{"empty", nil, 50, 0, false},
		{"one value is every percentile", one, 99, ms(7), true},
		{"p50 of ten", ten, 50, ms(5), true},
		{"p99 of ten is the largest", ten, 99, ms(10), true},
		{"p90 of ten", ten, 90, ms(9), true},
		{"p99 of a hundred", hundred, 99, ms(99), true},
		{"p100", hundred, 100, ms(100), true},
		{"a tiny p is the smallest", hundred, 0.001, ms(1), true},
		{"p50 below a blank", withBlank, 50, ms(2), true},
		{"p99 on a blank is never", withBlank, 99, Never, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := Percentile(tc.sorted, tc.p)
			if got != tc.want || ok != tc.ok {
				t.Errorf("Percentile(p%g) = %s, %v; want %s, %v", tc.p, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestLatenciesSortAndCountBlanksAsNever(t *testing.T) {
	got := Latencies([]Request{
		{Took: ms(300), Verdict: Answered},
		{Took: ms(10_000), Verdict: Blank},
		{Took: ms(100), Verdict: Degraded},
		{Took: ms(200), Verdict: Failed},
	})
	want := []time.Duration{ms(100), ms(200), ms(300), Never}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Latencies = %v, want %v", got, want)
		}
	}
}

func TestCountTalliesVerdictsAndFallbacks(t *testing.T) {
	c := Count([]Request{
		{Verdict: Answered}, {Verdict: Answered, Fallback: true}, {Verdict: Degraded},
		{Verdict: Failed}, {Verdict: Blank}, {Verdict: Blank},
	})
	want := Counts{Total: 6, Answered: 2, Fallbacks: 1, Degraded: 1, Failed: 1, Blank: 2}
	if c != want {
		t.Fatalf("Count = %+v, want %+v", c, want)
	}
	if s := c.Share(c.Blank); s != 2.0/6 {
		t.Errorf("Share(blank) = %v", s)
	}
	if s := (Counts{}).Share(0); s != 0 {
		t.Errorf("Share of nothing = %v", s)
	}
}

func TestCountByPhase(t *testing.T) {
	got := CountByPhase([]Request{{Phase: 0}, {Phase: 1, Verdict: Failed}, {Phase: 1}, {Phase: 5}, {Phase: -1}}, 2)
	if got[0].Total != 1 || got[1].Total != 2 || got[1].Failed != 1 {
		t.Fatalf("CountByPhase = %+v", got)
	}
}

func TestBucketsSplitByTimeSent(t *testing.T) {
	reqs := []Request{
		{Start: 0}, {Start: ms(999)}, {Start: ms(1000), Verdict: Blank}, {Start: ms(2500)}, {Start: ms(3000)}, {Start: ms(9000)},
	}
	got := Buckets(reqs, 3*time.Second, 3)
	if got[0].Total != 2 || got[1].Total != 1 || got[1].Blank != 1 || got[2].Total != 3 {
		t.Fatalf("Buckets = %+v", got)
	}
	if b := Buckets(reqs, 0, 0); len(b) != 1 || b[0].Total != len(reqs) {
		t.Fatalf("Buckets with no time = %+v", b)
	}
}
