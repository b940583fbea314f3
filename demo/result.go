package demo

import (
	"time"

	"github.com/bulwarkhq/bulwark/catalog"
)

// Result is everything a run saw, the input of the summary and the report.
type Result struct {
	// Duration is the traffic's length, as asked.
	Duration time.Duration
	// Elapsed is how long the run took, end to end.
	Elapsed time.Duration
	// RPS is the request rate, per second, of each side.
	RPS float64
	// Seed is the simulators' seed.
	Seed int64
	// GiveUp is how long a user waits for a reply before giving up.
	GiveUp time.Duration
	// Interrupted is set when the run was stopped before its end.
	Interrupted bool
	// Phases is the incident.
	Phases []Phase
	// Plain and Bulwark are the two sides.
	Plain, Bulwark Side
	// Breaker lists the state changes of bulwark's model breakers, in order.
	Breaker []BreakerChange
	// Prices prices the tokens used.
	Prices catalog.Prices
}

// Side is what one side of the demo did.
type Side struct {
	// Name labels the side, e.g. "plain SDK".
	Name string
	// Requests are the users' requests, by Seq.
	Requests []Request
	// UpstreamCalls counts the requests its simulator received.
	UpstreamCalls int64
	// Usage is the token usage of the answers its simulator sent, by model.
	Usage map[string]catalog.Usage
}

// CallsPerRequest is UpstreamCalls over the users' requests; 0 for none.
func (s Side) CallsPerRequest() float64 {
	if len(s.Requests) == 0 {
		return 0
	}
	return float64(s.UpstreamCalls) / float64(len(s.Requests))
}

// BreakerChange is one state change of one of bulwark's model breakers.
type BreakerChange struct {
	// At is when, from the start of the run.
	At time.Duration
	// Model is the breaker's model.
	Model string
	// From and To are the states ("closed", "open", "half_open").
	From, To string
}
