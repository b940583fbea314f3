package metrics

import "github.com/prometheus/client_golang/prometheus"

// hedgeSeries are the series of hedged first tokens (DESIGN §14,
// engine.HedgeObserver).
type hedgeSeries struct {
	// started counts hedges by the deployment whose first token was late.
	started *prometheus.CounterVec
	// races counts races with hedges by who answered: [0] the attempt
	// hedged, [1] a hedge, [2] none.
	races    *prometheus.CounterVec
	raceWins [3]prometheus.Counter
}

var hedgeWinners = [3]string{"hedged", "hedge", "none"}

func newHedgeSeries() *hedgeSeries {
	h := &hedgeSeries{
		started: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "bulwark_hedges_total",
			Help: "Hedges started because the first token of an attempt on model was late."}, []string{"model"}),
		races: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "bulwark_hedge_races_total",
			Help: "Races of an attempt and its hedges, by who answered (hedged: the late attempt; hedge; none)."}, []string{"won_by"}),
	}
	for i, w := range hedgeWinners {
		h.raceWins[i] = h.races.WithLabelValues(w)
	}
	return h
}

// Hedged counts one hedge started because the first token of an attempt
// on deployment from was late (engine.HedgeObserver).
func (m *Metrics) Hedged(from, _ string) {
	m.hedges.started.WithLabelValues(m.models.get(from).name).Inc()
}

// HedgeSettled counts one race with hedges by who answered
// (engine.HedgeObserver).
func (m *Metrics) HedgeSettled(winner string, hedge bool) {
	i := 0
	switch {
	case winner == "":
		i = 2
	case hedge:
		i = 1
	}
	m.hedges.raceWins[i].Inc()
}
