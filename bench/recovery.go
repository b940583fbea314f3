package bench

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// The recovery scenario's bounds (issue 14, DESIGN §4).
const (
	// RecoveryOutage is how long every model is down before the measured
	// load, long enough for every breaker to open.
	RecoveryOutage = 5 * time.Second
	// RecoveryBound is the longest the first model answer may take after the
	// outage ends: recovery probes notice it within about a second, where
	// the breakers alone would wait their open_for (10 s in a chaos run).
	RecoveryBound = 1500 * time.Millisecond
)

// recoveryScenario is the recovery scenario: every model answers 500 for
// RecoveryOutage under load (every breaker opens), then the simulator is
// healthy again from the start of the measured load; the check is the time
// from that switch to the first 200 that a model (not the static tier) gave.
func recoveryScenario() ChaosScenario {
	return ChaosScenario{
		Name: "recovery",
		About: "every model answers 500 for 5 s (every breaker opens), then all are healthy from the start of the " +
			"measured load; measured: the time from the switch to the first 200 from a model",
		Rules:  `[{"model":"*","status":500}]`,
		Warmup: RecoveryOutage,
		Heal:   true,
		judge: func(r, _ *ChaosResult) []Check {
			if r.Recovery <= 0 {
				return []Check{{What: "first model answer after the switch", Text: "none came", Miss: "every request"}}
			}
			return []Check{recoveryCheck(r.Recovery)}
		},
	}
}

// firstModelAnswer wraps a Classify to note when the first 200 whose
// bulwark-model-used names a model (the static tier names none) was read.
type firstModelAnswer struct {
	mu    sync.Mutex
	first time.Time
}

func (f *firstModelAnswer) classify(next func(a *Answer) Verdict) func(a *Answer) Verdict {
	return func(a *Answer) Verdict {
		if a.Response != nil && a.Response.StatusCode == http.StatusOK && a.Err == nil &&
			a.Response.Header.Get("bulwark-model-used") != "" {
			now := time.Now()
			f.mu.Lock()
			if f.first.IsZero() || now.Before(f.first) {
				f.first = now
			}
			f.mu.Unlock()
		}
		return next(a)
	}
}

// runHealed lifts the faults and runs the measured load at once, returning
// its result and how long after lifting the first model answer came (0 when
// none did).
func runHealed(ctx context.Context, sim *SimControl, gwURL string, load *Load, shape Shape, d time.Duration) (*Result, time.Duration, error) {
	var f firstModelAnswer
	healed := &Load{Transport: load.Transport, Request: load.Request, Timeout: load.Timeout,
		MaxRequests: load.MaxRequests, Classify: f.classify(load.Classify)}
	if err := sim.SetFaults(ctx, ""); err != nil {
		return nil, 0, err
	}
	at := time.Now()
	res, err := healed.Run(ctx, gwURL, shape, d)
	if err != nil {
		return nil, 0, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.first.IsZero() {
		return res, 0, nil
	}
	return res, f.first.Sub(at), nil
}

// recoveryNote is a recovery scenario's line in the chaos table's notes.
func recoveryNote(r *ChaosResult) string {
	if !r.Scenario.Heal {
		return ""
	}
	if r.Recovery <= 0 {
		return " No model answered after the switch."
	}
	return " First 200 from a model " + FormatDuration(r.Recovery) + " after the switch."
}

// recoveryCheck is AtMost for the recovery time, in milliseconds.
func recoveryCheck(got time.Duration) Check {
	c := Check{What: "first model answer after the switch", Met: got <= RecoveryBound,
		Text: FormatDuration(got) + " ≤ " + FormatDuration(RecoveryBound)}
	if !c.Met {
		c.Text = FormatDuration(got) + " > " + FormatDuration(RecoveryBound)
		c.Miss = FormatDuration(got - RecoveryBound)
	}
	return c
}
