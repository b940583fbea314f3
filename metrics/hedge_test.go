package metrics

import "testing"

func TestHedgesAreCountedByTheLateDeploymentAndRacesByWhoAnswered(t *testing.T) {
	m, _ := newTest(t)
	const sonnet, haiku = "claude-sonnet-5-5", "claude-haiku-5-5"
	m.Hedged(sonnet, haiku)
	m.Hedged(sonnet, haiku)
	m.HedgeSettled(haiku, true)
	m.HedgeSettled(sonnet, false)
	m.HedgeSettled("", false)
	m.HedgeSettled(haiku, true)
	if got := val(t, m, "bulwark_hedges_total", "model", sonnet); got != 2 {
		t.Errorf("hedges{model=%s} = %v, want 2", sonnet, got)
	}
	for wonBy, want := range map[string]float64{"hedge": 2, "hedged": 1, "none": 1} {
		if got := val(t, m, "bulwark_hedge_races_total", "won_by", wonBy); got != want {
			t.Errorf("hedge_races{won_by=%s} = %v, want %v", wonBy, got, want)
		}
	}
}
