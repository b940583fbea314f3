package gateway

import (
	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/metrics"
)

// MetricsObserver returns an Observer that records every completed request
// in m (requests by outcome, durations, time to first token, tokens and cost).
// Attempts, retries and fallbacks reach m through the engine: pass m to
// engine.WithObserver and to NewEngine's listeners as well.
func MetricsObserver(m *metrics.Metrics) Observer { return metricsObserver{m} }

type metricsObserver struct{ m *metrics.Metrics }

func (o metricsObserver) Completed(c *Completion) {
	info := metrics.RequestInfo{
		Outcome:     outcomeOf(c),
		Model:       c.ModelUsed,
		Fallback:    c.Fallback,
		Stream:      c.Stream,
		Duration:    c.Duration,
		TTFT:        c.FirstByte,
		User:        c.User,
		HardTimeout: c.Outcome != nil && c.Outcome.Reason == engine.DeadlineExceeded,
	}
	if info.Model != "" && c.Outcome != nil {
		// Spend and tokens are kept per deployment (DESIGN §13).
		info.Model = engine.Deployment(info.Model, c.Outcome.Upstream)
	}
	if info.Model == "" && c.Outcome != nil && len(c.Outcome.Attempts) > 0 {
		info.Model = c.Outcome.Attempts[len(c.Outcome.Attempts)-1].Model
	}
	if c.HasUsage {
		info.Usage = c.Usage
	}
	info.DiscardedUsage, info.DiscardedModel = c.Discarded, c.DiscardedModel
	o.m.Request(info)
}

// UserCutOff passes per-user cut-offs on to the metrics.
func (o metricsObserver) UserCutOff(user string) { o.m.UserCutOff(user) }

// outcomeOf maps a completion to one of the metrics' bounded outcomes
// (their label text is the metrics package's).
func outcomeOf(c *Completion) metrics.Outcome {
	switch c.Degraded {
	case DegradedUserBreaker:
		return metrics.OutcomeUserBlocked
	case DegradedCache:
		return metrics.OutcomeCache
	case DegradedStatic:
		return metrics.OutcomeStatic
	}
	if c.Outcome == nil {
		if c.Status == statusClientClosed {
			return metrics.OutcomeCanceled
		}
		return metrics.OutcomeBadRequest
	}
	switch c.Outcome.Reason {
	case engine.Answered:
		if c.Fallback {
			return metrics.OutcomeFallback
		}
		return metrics.OutcomeAnswered
	case engine.Rejected:
		return metrics.OutcomeRejected
	case engine.DeadlineExceeded:
		return metrics.OutcomeDeadline
	case engine.Canceled:
		return metrics.OutcomeCanceled
	}
	return metrics.OutcomeExhausted
}
