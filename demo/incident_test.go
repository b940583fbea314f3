package demo

import (
	"testing"
	"time"
)

func TestIncidentFillsTheDurationWithItsSixPhases(t *testing.T) {
	for _, total := range []time.Duration{45 * time.Second, 15 * time.Second, 3 * time.Second, time.Second, 7777 * time.Millisecond} {
		phases := Incident(total)
		names := []string{"healthy", "429 storm", "overloaded", "hung", "all down", "recovery"}
		if len(phases) != len(names) {
			t.Fatalf("%s: %d phases, want %d", total, len(phases), len(names))
		}
		var at time.Duration
		for i, p := range phases {
			if p.Name != names[i] {
				t.Errorf("%s: phase %d is %q, want %q", total, i, p.Name, names[i])
			}
			if p.Start != at || p.Duration() <= 0 {
				t.Errorf("%s: phase %q spans %s..%s; want it to start at %s and last", total, p.Name, p.Start, p.End, at)
			}
			if p.About == "" || len(p.Rules) == 0 {
				t.Errorf("%s: phase %q has no description or no rules", total, p.Name)
			}
			at = p.End
		}
		if at != total {
			t.Errorf("%s: phases end at %s", total, at)
		}
	}
}

func TestIncidentKeepsThePhasesShares(t *testing.T) {
	phases := Incident(45 * time.Second)
	want := []time.Duration{8437, 8437, 8437, 8437, 4218, 7034} // ms: 3,3,3,3,1.5,2.5 of 16
	for i, p := range phases {
		if got := p.Duration() / time.Millisecond; got != want[i] {
			t.Errorf("phase %q lasts %dms, want %dms", p.Name, got, want[i])
		}
	}
}

func TestRetryAfterScalesWithinOneToTwoSeconds(t *testing.T) {
	for _, tc := range []struct {
		total, want time.Duration
	}{
		{3 * time.Second, time.Second},
		{15 * time.Second, time.Second},
		{30 * time.Second, 1500 * time.Millisecond},
		{45 * time.Second, 2 * time.Second},
		{10 * time.Minute, 2 * time.Second},
	} {
		storm := Incident(tc.total)[1]
		if got := time.Duration(storm.Rules[0].RetryAfter); storm.Rules[0].Status != 429 || got != tc.want {
			t.Errorf("%s: storm rule %+v, want a 429 with retry-after %s", tc.total, storm.Rules[0], tc.want)
		}
	}
}

func TestEveryPhaseHasAnswerLatency(t *testing.T) {
	for _, p := range Incident(15 * time.Second) {
		var latency int
		for _, r := range p.Rules {
			if r.Model == "*" && r.Latency > 0 {
				latency++
			}
		}
		if latency != len(answerLatency()) {
			t.Errorf("phase %q has %d latency rules", p.Name, latency)
		}
	}
}

func TestScaleRoundsToMillisecondsAndAddsUp(t *testing.T) {
	got := scale([]float64{1, 1, 1}, time.Second)
	want := []time.Duration{333 * time.Millisecond, 333 * time.Millisecond, 334 * time.Millisecond}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("scale = %v, want %v", got, want)
		}
	}
}

func TestScriptPlaysThePhases(t *testing.T) {
	phases := Incident(15 * time.Second)
	sc := Script(phases)
	if sc.Loop || len(sc.Phases) != len(phases) {
		t.Fatalf("script %+v", sc)
	}
	for i, p := range sc.Phases {
		if p.Name != phases[i].Name || time.Duration(p.Duration) != phases[i].Duration() || len(p.Rules) != len(phases[i].Rules) {
			t.Errorf("script phase %d = %+v, want %+v", i, p, phases[i])
		}
	}
}

func TestPhaseAt(t *testing.T) {
	phases := []Phase{{Name: "a", End: time.Second}, {Name: "b", Start: time.Second, End: 3 * time.Second}}
	for _, tc := range []struct {
		at   time.Duration
		want int
	}{
		{-time.Second, 0}, {0, 0}, {999 * time.Millisecond, 0}, {time.Second, 1}, {2 * time.Second, 1}, {time.Hour, 1},
	} {
		if got := PhaseAt(phases, tc.at); got != tc.want {
			t.Errorf("PhaseAt(%s) = %d, want %d", tc.at, got, tc.want)
		}
	}
}
