package gateway

import (
	"testing"

	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/metrics"
)

func TestOutcomeOfMapsEveryCompletionToItsTypedMetricsOutcome(t *testing.T) {
	run := func(r engine.Reason) *engine.Report { return &engine.Report{Reason: r} }
	tests := []struct {
		name string
		c    Completion
		want metrics.Outcome
	}{
		{"answered", Completion{Outcome: run(engine.Answered)}, metrics.OutcomeAnswered},
		{"fallback", Completion{Outcome: run(engine.Answered), Fallback: true}, metrics.OutcomeFallback},
		{"rejected", Completion{Outcome: run(engine.Rejected)}, metrics.OutcomeRejected},
		{"exhausted", Completion{Outcome: run(engine.Exhausted)}, metrics.OutcomeExhausted},
		{"deadline", Completion{Outcome: run(engine.DeadlineExceeded)}, metrics.OutcomeDeadline},
		{"canceled in the run", Completion{Outcome: run(engine.Canceled)}, metrics.OutcomeCanceled},
		{"cache", Completion{Outcome: run(engine.Exhausted), Degraded: DegradedCache}, metrics.OutcomeCache},
		{"static", Completion{Outcome: run(engine.Exhausted), Degraded: DegradedStatic}, metrics.OutcomeStatic},
		{"user cut off", Completion{Degraded: DegradedUserBreaker, Status: 429}, metrics.OutcomeUserBlocked},
		{"client gone before a run", Completion{Status: statusClientClosed}, metrics.OutcomeCanceled},
		{"bad request", Completion{Status: 400}, metrics.OutcomeBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := outcomeOf(&tt.c); got != tt.want {
				t.Fatalf("outcomeOf = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDegradedNamesAreTheLoggedAndHeaderTexts(t *testing.T) {
	for d, want := range map[Degraded]string{DegradedNone: "", DegradedCache: "cache", DegradedStatic: "static",
		DegradedUserBreaker: "user_breaker", Degraded(99): "unknown"} {
		if got := d.String(); got != want {
			t.Errorf("Degraded(%d).String() = %q, want %q", d, got, want)
		}
	}
}
