package metrics

import (
	"fmt"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/catalog"
	"github.com/bulwarkhq/bulwark/taxonomy"
)

func TestRequestCountsOutcomeDurationAndTTFT(t *testing.T) {
	tests := []struct {
		outcome Outcome
		label   string
	}{
		{OutcomeAnswered, "answered"},
		{OutcomeFallback, "fallback"},
		{OutcomeCache, "cache"},
		{OutcomeStatic, "static"},
		{OutcomeRejected, "rejected"},
		{OutcomeExhausted, "exhausted"},
		{OutcomeDeadline, "deadline"},
		{OutcomeCanceled, "canceled"},
		{OutcomeUserBlocked, "user_blocked"},
		{OutcomeBadRequest, "bad_request"},
		{Outcome(200), "unknown"},
		{0, "unknown"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.label, "/", int(tt.outcome)), func(t *testing.T) {
			m, _ := newTest(t)
			m.Request(RequestInfo{Outcome: tt.outcome, Duration: 1500 * time.Millisecond, TTFT: 200 * time.Millisecond})
			if got := val(t, m, "bulwark_requests_total", "outcome", tt.label); got != 1 {
				t.Errorf("requests_total{outcome=%q} = %v, want 1", tt.label, got)
			}
			mt, _ := sample(t, m, "bulwark_request_duration_seconds", map[string]string{"outcome": tt.label})
			if h := mt.GetHistogram(); h.GetSampleCount() != 1 || !near(h.GetSampleSum(), 1.5) {
				t.Errorf("duration histogram = %d samples, sum %v; want 1, 1.5", h.GetSampleCount(), h.GetSampleSum())
			}
			if got := val(t, m, "bulwark_time_to_first_token_seconds"); got != 1 {
				t.Errorf("ttft samples = %v, want 1", got)
			}
		})
	}
}

func TestRequestWithoutTTFTDoesNotObserveIt(t *testing.T) {
	m, _ := newTest(t)
	m.Request(RequestInfo{Outcome: OutcomeAnswered, Duration: time.Second})
	if got := val(t, m, "bulwark_time_to_first_token_seconds"); got != 0 {
		t.Errorf("ttft samples = %v, want 0", got)
	}
}

func TestRequestCountsHardTimeouts(t *testing.T) {
	m, _ := newTest(t)
	m.Request(RequestInfo{Outcome: OutcomeDeadline, HardTimeout: true})
	m.Request(RequestInfo{Outcome: OutcomeAnswered})
	if got := val(t, m, "bulwark_hard_timeouts_total"); got != 1 {
		t.Errorf("hard_timeouts_total = %v, want 1", got)
	}
}

func TestRequestPricesTokensByModel(t *testing.T) {
	prices := catalog.Prices{"claude-haiku-4-5": {Input: 1, Output: 5, CacheWrite: 1.25, CacheRead: 0.1}}
	u := catalog.Usage{InputTokens: 1000, OutputTokens: 200, CacheCreationInputTokens: 300, CacheReadInputTokens: 4000}
	want, _ := prices.Cost("claude-haiku-4-5", u)
	tests := []struct {
		name, model, label string
		priced             bool
	}{
		{"alias", "claude-haiku-4-5", "claude-haiku-4-5", true},
		{"dated id priced by its alias", "claude-haiku-4-5-20251001", "claude-haiku-4-5-20251001", true},
		{"no price", "claude-sonnet-5-5", "claude-sonnet-5-5", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _ := newTest(t, WithPrices(prices))
			m.Request(RequestInfo{Outcome: OutcomeAnswered, Model: tt.model, Usage: u})
			m.Request(RequestInfo{Outcome: OutcomeAnswered, Model: tt.model, Usage: u})
			for kind, n := range map[string]int64{"input": 1000, "output": 200, "cache_write": 300, "cache_read": 4000} {
				if got := val(t, m, "bulwark_tokens_total", "model", tt.label, "kind", kind); got != float64(2*n) {
					t.Errorf("tokens_total{kind=%s} = %v, want %d", kind, got, 2*n)
				}
			}
			if tt.priced {
				if got := val(t, m, "bulwark_cost_usd_total", "model", tt.label); !near(got, 2*want) {
					t.Errorf("cost_usd_total = %v, want %v", got, 2*want)
				}
				if has(t, m, "bulwark_cost_unknown_tokens_total", "model", tt.label) {
					t.Error("a priced model has a cost_unknown_tokens_total series")
				}
				return
			}
			if has(t, m, "bulwark_cost_usd_total", "model", tt.label) {
				t.Error("a model with no price has a cost_usd_total series: its spend would read as zero")
			}
			if got := val(t, m, "bulwark_cost_unknown_tokens_total", "model", tt.label); got != 2*5500 {
				t.Errorf("cost_unknown_tokens_total = %v, want 11000", got)
			}
		})
	}
}

func TestUsdOfMatchesCatalogCost(t *testing.T) {
	prices := catalog.DefaultPrices()
	u := catalog.Usage{InputTokens: 12_345, OutputTokens: 678, CacheCreationInputTokens: 9, CacheReadInputTokens: 100_000}
	for model, p := range prices {
		want, _ := prices.Cost(model, u)
		if got := usdOf(p, u); got != want {
			t.Errorf("%s: usdOf = %v, catalog says %v", model, got, want)
		}
	}
}

func TestRequestCountsDiscardedSpendOnItsOwnModel(t *testing.T) {
	prices := catalog.Prices{"claude-opus-4-5": {Input: 5, Output: 25}}
	m, _ := newTest(t, WithPrices(prices))
	disc := catalog.Usage{InputTokens: 1000, OutputTokens: 400}
	m.Request(RequestInfo{
		Outcome: OutcomeFallback, Model: "claude-haiku-5-5", Fallback: true,
		Usage:          catalog.Usage{InputTokens: 10, OutputTokens: 10},
		DiscardedUsage: disc, DiscardedModel: "claude-opus-4-5", User: "u1",
	})
	m.Request(RequestInfo{Outcome: OutcomeAnswered, Model: "claude-sonnet-5-5", DiscardedUsage: disc})

	want, _ := prices.Cost("claude-opus-4-5", disc)
	if got := val(t, m, "bulwark_discarded_cost_usd_total", "model", "claude-opus-4-5"); !near(got, want) {
		t.Errorf("discarded_cost_usd_total{opus} = %v, want %v", got, want)
	}
	if got := val(t, m, "bulwark_discarded_tokens_total", "model", "claude-opus-4-5"); got != 1400 {
		t.Errorf("discarded_tokens_total{opus} = %v, want 1400", got)
	}
	if got := val(t, m, "bulwark_discarded_tokens_total", "model", "claude-sonnet-5-5"); got != 1400 {
		t.Errorf("discarded_tokens_total{sonnet} = %v, want 1400 (DiscardedModel empty means Model)", got)
	}
	// Unpriced discarded tokens are unknown spend, never zero.
	if got := val(t, m, "bulwark_cost_unknown_tokens_total", "model", "claude-sonnet-5-5"); got != 1400 {
		t.Errorf("cost_unknown_tokens_total{sonnet} = %v, want 1400", got)
	}
	if has(t, m, "bulwark_discarded_cost_usd_total", "model", "claude-sonnet-5-5") {
		t.Error("an unpriced model has a discarded_cost_usd_total series")
	}
	sp := m.Status().Spend
	if !near(sp.DiscardedUSD, want) || !near(sp.TotalUSD, want) {
		t.Errorf("spend total %v discarded %v, want both %v", sp.TotalUSD, sp.DiscardedUSD, want)
	}
	if sp.UnknownTokens != 20+1400 {
		t.Errorf("spend unknown tokens = %d, want 1420", sp.UnknownTokens)
	}
	if len(sp.Users) != 1 || !near(sp.Users[0].USD, want) || sp.Users[0].UnknownTokens != 20 {
		t.Errorf("users = %+v, want u1 with %v USD and 20 unknown tokens", sp.Users, want)
	}
}

func TestModelsPastTheCapCountAsOtherAndArePricedByTheirOwnModel(t *testing.T) {
	prices := catalog.Prices{"a": {Input: 1}, "c": {Input: 2}}
	m, _ := newTest(t, WithPrices(prices), WithMaxModels(2), WithModels("b"))
	for _, model := range []string{"a", "b", "c", "d"} {
		m.Request(RequestInfo{Outcome: OutcomeAnswered, Model: model, Usage: catalog.Usage{InputTokens: 1_000_000}})
	}
	if got := val(t, m, "bulwark_cost_usd_total", "model", "a"); got != 1 {
		t.Errorf("cost{a} = %v, want 1", got)
	}
	if got := val(t, m, "bulwark_cost_unknown_tokens_total", "model", "b"); got != 1e6 {
		t.Errorf("unknown{b} = %v, want 1e6", got)
	}
	if has(t, m, "bulwark_tokens_total", "model", "c") || has(t, m, "bulwark_tokens_total", "model", "d") {
		t.Error("models past the cap got their own label")
	}
	if got := val(t, m, "bulwark_cost_usd_total", "model", OtherModel); got != 2 {
		t.Errorf("cost{other} = %v, want 2 (c priced at its own price)", got)
	}
	if got := val(t, m, "bulwark_cost_unknown_tokens_total", "model", OtherModel); got != 1e6 {
		t.Errorf("unknown{other} = %v, want 1e6 (d has no price)", got)
	}
}

func TestMadeUpModelNamesShareTheOtherLabel(t *testing.T) {
	m, fc := newTest(t, WithModels("claude-sonnet-5-5"))
	for i := range 1000 {
		feedEveryEntryPoint(m, fc, OutcomeStatic, fmt.Sprintf("junk-model-%d", i), "claude-sonnet-5-5", "u", 1)
	}
	d := taxonomy.Classify(taxonomy.Result{Status: 500}, t0)
	m.Attempted("claude-opus-5-5", 500, d, time.Millisecond) // not configured, but a real model
	fams, err := m.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, f := range fams {
		for _, mt := range f.GetMetric() {
			for _, lp := range mt.GetLabel() {
				n := lp.GetName()
				if n == "model" || f.GetName() == "bulwark_fallbacks_total" && (n == "from" || n == "to") {
					seen[lp.GetValue()] = true
				}
			}
		}
	}
	want := map[string]bool{"claude-sonnet-5-5": true, "claude-opus-5-5": true, OtherModel: true}
	if len(seen) != len(want) {
		t.Fatalf("model label values = %v, want %v", seen, want)
	}
	for v := range seen {
		if !want[v] {
			t.Fatalf("model label values = %v, want %v", seen, want)
		}
	}
	if got := val(t, m, "bulwark_cost_unknown_tokens_total", "model", OtherModel); got != 1000 {
		t.Errorf("unknown{other} = %v, want 1000", got)
	}
}

func TestRequestWithNoUsageCreatesNoModelSeries(t *testing.T) {
	m, _ := newTest(t)
	m.Request(RequestInfo{Outcome: OutcomeBadRequest, Model: "whatever-the-client-sent"})
	if has(t, m, "bulwark_tokens_total", "model", "whatever-the-client-sent") {
		t.Error("a request without usage created model series")
	}
}
