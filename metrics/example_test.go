package metrics_test

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/bulwarkhq/bulwark/catalog"
	"github.com/bulwarkhq/bulwark/clock"
	"github.com/bulwarkhq/bulwark/metrics"
)

func ExampleMetrics_Status() {
	fc := clock.NewFake(time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC))
	m := metrics.New(metrics.WithClock(fc), metrics.WithRegistry(prometheus.NewRegistry()),
		metrics.WithPrices(catalog.Prices{"claude-haiku-4-5": {Input: 1, Output: 5}}))

	m.Request(metrics.RequestInfo{Outcome: metrics.OutcomeAnswered, Model: "claude-sonnet-5-5",
		Usage: catalog.Usage{InputTokens: 900, OutputTokens: 100}})
	m.Request(metrics.RequestInfo{Outcome: metrics.OutcomeFallback, Model: "claude-haiku-4-5", Fallback: true,
		Usage: catalog.Usage{InputTokens: 1_000_000, OutputTokens: 100_000}})

	s := m.Status()
	fmt.Printf("1m: %d requests, fallback ratio %.2f\n", s.Rates.OneMinute.Requests, s.Rates.OneMinute.FallbackRatio)
	for _, ms := range s.Spend.Models {
		usd, _ := json.Marshal(ms.USD)
		fmt.Printf("%s: usd %s, unknown tokens %d\n", ms.Model, usd, ms.UnknownTokens)
	}
	// Output:
	// 1m: 2 requests, fallback ratio 0.50
	// claude-haiku-4-5: usd 1.5, unknown tokens 0
	// claude-sonnet-5-5: usd null, unknown tokens 1000
}
