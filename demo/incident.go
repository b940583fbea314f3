package demo

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/bulwarkhq/bulwark/sim"
)

// The models of the demo: the plain client calls Primary only; bulwark's
// chain is Primary, then Fallback, then its static message.
const (
	Primary  = "claude-sonnet-5-5"
	Fallback = "claude-haiku-5-5"
)

// Phase is one step of the incident, placed on the run's timeline.
type Phase struct {
	// Name is a short label, e.g. "429 storm".
	Name string
	// About says in a few words what the API does during the phase.
	About string
	// Start and End are offsets from the start of the run; End is exclusive.
	Start, End time.Duration
	// Rules are the simulator's fault rules in force during the phase
	// (the answer-latency rules included).
	Rules []sim.Rule
}

// Duration is how long the phase lasts.
func (p Phase) Duration() time.Duration { return p.End - p.Start }

// step is a phase of the incident before it is placed on a timeline. weight
// is its share of the run.
type step struct {
	name, about string
	weight      float64
	rules       func(t incidentTiming) []sim.Rule
}

// incidentTiming holds the few durations of the script that scale with the run.
type incidentTiming struct {
	retryAfter time.Duration
}

// answerLatency makes the simulator answer in realistic but short times:
// 200 ms always, +300 ms half the time, +900 ms one time in twenty (so
// 0.2–1.4 s, p50 about 0.5 s). Token delays slow only streams, and the demo's
// calls do not stream, so latency rules stand in for them.
func answerLatency() []sim.Rule {
	return []sim.Rule{
		{Model: "*", Latency: sim.Duration(200 * time.Millisecond)},
		{Model: "*", Latency: sim.Duration(300 * time.Millisecond), Rate: 0.5},
		{Model: "*", Latency: sim.Duration(900 * time.Millisecond), Rate: 0.05},
	}
}

// incident is the bad hour, in order. Weights sum to 16: at 45 s the four
// trouble phases last 8.4 s each, the total outage 4.2 s.
var incident = []step{
	{"healthy", "every model answers", 3, func(incidentTiming) []sim.Rule { return nil }},
	{"429 storm", "Sonnet rate-limited 70%, retry-after {retry-after}", 3, func(t incidentTiming) []sim.Rule {
		return []sim.Rule{{Model: Primary, Status: 429, Rate: 0.7, RetryAfter: sim.Duration(t.retryAfter)}}
	}},
	{"overloaded", "Sonnet 529 overloaded 90%, Haiku 10%", 3, func(incidentTiming) []sim.Rule {
		return []sim.Rule{
			{Model: Primary, Status: 529, Rate: 0.9},
			{Model: Fallback, Status: 529, Rate: 0.1},
		}
	}},
	{"hung", "Sonnet accepts requests and never answers", 3, func(incidentTiming) []sim.Rule {
		return []sim.Rule{{Model: Primary, Hang: true}}
	}},
	{"all down", "every model answers 500 api_error", 1.5, func(incidentTiming) []sim.Rule {
		return []sim.Rule{{Model: "*", Status: 500}}
	}},
	{"recovery", "every model answers again", 2.5, func(incidentTiming) []sim.Rule { return nil }},
}

// Incident returns the demo's incident scaled to total: healthy, a 429 storm
// on the primary, the primary overloaded, the primary hung, every model down
// (short), recovery. Phase lengths keep their shares of the run, rounded to
// the millisecond, and add up to total exactly. The 429s' retry-after is
// total/20, within 1..2 s.
func Incident(total time.Duration) []Phase {
	t := incidentTiming{retryAfter: min(max(total/20, time.Second), 2*time.Second)}
	weights := make([]float64, len(incident))
	for i, s := range incident {
		weights[i] = s.weight
	}
	lengths := scale(weights, total)
	phases := make([]Phase, len(incident))
	var at time.Duration
	for i, s := range incident {
		rules := append(s.rules(t), answerLatency()...)
		about := strings.ReplaceAll(s.about, "{retry-after}", t.retryAfter.String())
		phases[i] = Phase{Name: s.name, About: about, Start: at, End: at + lengths[i], Rules: rules}
		at += lengths[i]
	}
	return phases
}

// scale splits total into parts proportional to weights, each rounded down
// to the millisecond, the last taking what rounding left so that they add up
// to total. Weights must be positive.
func scale(weights []float64, total time.Duration) []time.Duration {
	var sum float64
	for _, w := range weights {
		sum += w
	}
	out := make([]time.Duration, len(weights))
	var used time.Duration
	for i, w := range weights {
		if i == len(weights)-1 {
			out[i] = total - used
			break
		}
		d := time.Duration(math.Floor(float64(total)*w/sum/float64(time.Millisecond))) * time.Millisecond
		out[i] = d
		used += d
	}
	return out
}

// Script is the simulator script that plays phases from the server's start.
func Script(phases []Phase) sim.Script {
	sc := sim.Script{Phases: make([]sim.Phase, len(phases))}
	for i, p := range phases {
		sc.Phases[i] = sim.Phase{Name: p.Name, Duration: sim.Duration(p.Duration()), Rules: p.Rules}
	}
	return sc
}

// PhaseAt returns the index of the phase in force at offset at: the first
// before the start, the last from its start on.
func PhaseAt(phases []Phase, at time.Duration) int {
	for i, p := range phases {
		if at < p.End {
			return i
		}
	}
	return len(phases) - 1
}

// span formats a phase's time window, e.g. "8.4–16.8s".
func span(p Phase) string {
	return fmt.Sprintf("%s–%ss", secs(p.Start), secs(p.End))
}

// secs formats d in seconds with one decimal, without the unit.
func secs(d time.Duration) string { return fmt.Sprintf("%.1f", d.Seconds()) }
