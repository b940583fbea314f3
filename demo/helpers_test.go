package demo

import (
	"time"

	"github.com/bulwarkhq/bulwark/catalog"
)

// fixture is a small finished run: 3 phases of 1 s, 4 requests a phase.
func fixture() *Result {
	phases := []Phase{
		{Name: "healthy", About: "every model answers", Start: 0, End: time.Second},
		{Name: "outage", About: "Sonnet <down> & out", Start: time.Second, End: 2 * time.Second},
		{Name: "recovery", About: "back", Start: 2 * time.Second, End: 3 * time.Second},
	}
	var plain, guard []Request
	seq := 0
	add := func(phase int, p, g Request) {
		start := time.Duration(phase)*time.Second + time.Duration(len(plain)%4)*250*time.Millisecond
		p.Seq, p.Phase, p.Start = seq, phase, start
		g.Seq, g.Phase, g.Start = seq, phase, start
		plain, guard = append(plain, p), append(guard, g)
		seq++
	}
	ok := Request{Verdict: Answered, Took: 400 * time.Millisecond, Model: Primary}
	fb := Request{Verdict: Answered, Took: 600 * time.Millisecond, Model: Fallback, Fallback: true}
	for range 4 {
		add(0, ok, ok)
	}
	add(1, Request{Verdict: Failed, Took: 2 * time.Second}, fb)
	add(1, Request{Verdict: Failed, Took: 2 * time.Second}, fb)
	add(1, Request{Verdict: Blank, Took: 10 * time.Second}, fb)
	add(1, Request{Verdict: Blank, Took: time.Second}, Request{Verdict: Degraded, Took: 50 * time.Millisecond})
	for range 4 {
		add(2, ok, ok)
	}
	return &Result{
		Duration: 3 * time.Second, Elapsed: 5 * time.Second, RPS: 4, Seed: 7, GiveUp: 10 * time.Second,
		Phases: phases,
		Plain: Side{Name: "plain SDK", Requests: plain, UpstreamCalls: 20,
			Usage: map[string]catalog.Usage{Primary: {InputTokens: 100, OutputTokens: 300}}},
		Bulwark: Side{Name: "bulwark", Requests: guard, UpstreamCalls: 13,
			Usage: map[string]catalog.Usage{Primary: {InputTokens: 80, OutputTokens: 240}, "claude-haiku-4-5": {InputTokens: 30, OutputTokens: 90}}},
		Breaker: []BreakerChange{
			{At: 1100 * time.Millisecond, Model: Primary, From: "closed", To: "open"},
			{At: 2100 * time.Millisecond, Model: Primary, From: "open", To: "half_open"},
			{At: 2300 * time.Millisecond, Model: Primary, From: "half_open", To: "closed"},
		},
		Prices: catalog.DefaultPrices(),
	}
}
