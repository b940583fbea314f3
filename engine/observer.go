package engine

import (
	"time"

	"github.com/bulwarkhq/bulwark/breaker"
	"github.com/bulwarkhq/bulwark/taxonomy"
)

// Observer is told about each step of a run, for metrics. Its methods are
// called synchronously on the request path and must be fast.
type Observer interface {
	// Attempted: one upstream attempt on model ended with decision d after took.
	Attempted(model string, status int, d taxonomy.Decision, took time.Duration)
	// Retried: the engine is about to retry model after a failure of class c.
	Retried(model string, c taxonomy.Class)
	// Skipped: the tier of model was skipped (breaker open or cooldown).
	Skipped(model string, v breaker.Verdict)
	// FellBack: the run moved on from one model tier to the next.
	FellBack(from, to string)
}

type nopObserver struct{}

func (nopObserver) Attempted(string, int, taxonomy.Decision, time.Duration) {}
func (nopObserver) Retried(string, taxonomy.Class)                          {}
func (nopObserver) Skipped(string, breaker.Verdict)                         {}
func (nopObserver) FellBack(string, string)                                 {}
