package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bulwarkhq/bulwark/catalog"
)

// RequestInfo describes one finished request, for [Metrics.Request].
type RequestInfo struct {
	// Outcome is how the request ended ([OutcomeAnswered],
	// [OutcomeFallback], ...); the zero value, or a value not listed, counts
	// as [OutcomeUnknown].
	Outcome Outcome
	// Model is the model that answered, or the last model tried; its
	// usage is priced by it.
	Model string
	// Fallback is true when a model tier after the first answered. It makes
	// the request count as a fallback in [Status] whatever Outcome says.
	Fallback bool
	// Stream is true for a streaming request. It is not a label (TTFT is
	// observed for any request with TTFT > 0); it is kept for the gateway's
	// logs and for later use.
	Stream bool
	// Duration is the request's time, from arrival to its last byte.
	Duration time.Duration
	// TTFT is the time from arrival to the first content token; 0 when none
	// was sent (it is then not observed).
	TTFT time.Duration
	// Usage is the tokens of the answer, priced by Model.
	Usage catalog.Usage
	// User is the request's user, for spend by user (in memory only; never a
	// label). Empty for none.
	User string
	// DiscardedUsage is the tokens of attempts thrown away (a timeout after
	// tokens flowed): paid for, never delivered.
	DiscardedUsage catalog.Usage
	// DiscardedModel is the model DiscardedUsage was spent on; empty means
	// Model.
	DiscardedModel string
	// HardTimeout is true when the request ran out of its deadline.
	HardTimeout bool
	// End is when the request ended, which puts it in the per-second series
	// of [Status]. Zero means now on the Metrics clock; a gateway that has
	// just read the time for Duration passes it to save reading it again
	// (about 70 ns on a VM's clock).
	End time.Time
}

// Request records one finished request: its outcome, duration and TTFT, its
// tokens and their cost by model, its user's spend and the rates of
// [Status]. It is called once per request, at its end, and costs a few
// hundred nanoseconds with no allocation once the model has been seen.
func (m *Metrics) Request(r RequestInfo) {
	o := &m.byOut[r.Outcome.index()]
	o.requests.Inc()
	o.duration.Observe(r.Duration.Seconds())
	if r.TTFT > 0 {
		m.f.ttft.Observe(r.TTFT.Seconds())
	}
	if r.HardTimeout {
		m.f.hardTimeouts.Inc()
	}
	fl := o.flags
	if r.Fallback {
		fl |= fFallback
	}
	end := r.End
	if end.IsZero() {
		end = m.clock.Now()
	}
	m.win.add(end.Unix(), fl)

	var usd float64
	var unknown int64
	if r.Usage != (catalog.Usage{}) {
		e := m.models.get(r.Model)
		addTokens(e.tokens[0], r.Usage.InputTokens)
		addTokens(e.tokens[1], r.Usage.OutputTokens)
		addTokens(e.tokens[2], r.Usage.CacheCreationInputTokens)
		addTokens(e.tokens[3], r.Usage.CacheReadInputTokens)
		if c, ok := m.models.cost(e, r.Model, r.Usage); ok {
			addUSD(e.cost, c)
			usd += c
		} else {
			n := totalTokens(r.Usage)
			addTokens(e.unknownTokens, n)
			unknown += n
		}
	}
	if r.DiscardedUsage != (catalog.Usage{}) {
		name := r.DiscardedModel
		if name == "" {
			name = r.Model
		}
		e := m.models.get(name)
		n := totalTokens(r.DiscardedUsage)
		addTokens(e.discardedTokens, n)
		if c, ok := m.models.cost(e, name, r.DiscardedUsage); ok {
			addUSD(e.discardedCost, c)
			usd += c
		} else {
			addTokens(e.unknownTokens, n)
			unknown += n
		}
	}
	if r.User != "" {
		m.users.add(r.User, usd, unknown, end.UnixNano())
	}
}

// addTokens adds n to c, skipping the atomic operation for none (cache
// tokens are often 0). Negative counts, which no usage has, are ignored
// rather than making the counter panic.
func addTokens(c prometheus.Counter, n int64) {
	if n > 0 {
		c.Add(float64(n))
	}
}

// addUSD adds usd to c; a negative or NaN amount (a bad price in the
// config) is ignored rather than making the counter panic.
func addUSD(c prometheus.Counter, usd float64) {
	if usd > 0 {
		c.Add(usd)
	}
}
