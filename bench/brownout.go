package bench

import (
	"fmt"
	"strings"
	"time"

	"github.com/bulwarkhq/bulwark/engine"
)

// The brownout scenarios' shape and bounds (issue 14, DESIGN §14).
const (
	// BrownoutLate is how late the browned-out first tokens come.
	BrownoutLate = 5 * time.Second
	// BrownoutShare is the share of the primary deployment's streams whose
	// first token is late.
	BrownoutShare = 0.1
	// BrownoutCallsPerRequest is the most upstream calls per request with
	// the hedge on: the late tenth hedged once, and a little slack.
	BrownoutCallsPerRequest = 1.15
	// brownoutClientTimeout bounds each request of the brownout load: an
	// unhedged late first token is waited for (the shipped first-token
	// timeout is 10 s), so it must not be cut by the load generator.
	brownoutClientTimeout = 15 * time.Second
)

// ChaosBrownoutConfigYAML is the gateway's config in the brownout scenario:
// the shipped timings, the primary model on two Anthropic keys tried in
// order, then the fallback model; the hedge follows the first key's p95
// time to first token. brownout-unhedged is the same without the hedge.
const ChaosBrownoutConfigYAML = `# written by bulwark bench chaos (brownout): shipped timings, the primary model on two keys
profiles:
  interactive:
    hedge: {after: p95, max: 1}
user_breaker: {failures: 1000000, window: 1s}
upstreams:
  anthropic-a: {kind: anthropic, base_url: "{{sim}}/anthropic-a", api_key_env: ANTHROPIC_API_KEY_A}
  anthropic-b: {kind: anthropic, base_url: "{{sim}}/anthropic-b", api_key_env: ANTHROPIC_API_KEY_B}
chains:
  default:
    - {model: claude-sonnet-5-5, via: [anthropic-a, anthropic-b], balance: ordered}
    - claude-haiku-5-5
    - static
`

// brownoutScenarios are brownout (the hedge on) and brownout-unhedged:
// a tenth of the first key's streams start BrownoutLate late. Each is run
// first without the fault on a fresh gateway (its Fresh baseline).
func brownoutScenarios() []ChaosScenario {
	rules := fmt.Sprintf(`[{"model":%q,"upstream":"anthropic-a","latency":%q,"rate":%g}]`, primary, BrownoutLate.String(), BrownoutShare)
	about := fmt.Sprintf("streamed; %d%% of the primary key's first tokens come %s late (the shipped 10 s first-token timeout "+
		"waits for them); a second key for the primary model, then the fallback", int(BrownoutShare*100), BrownoutLate)
	env := []string{"ANTHROPIC_API_KEY_A=sk-bench-first-key", "ANTHROPIC_API_KEY_B=sk-bench-second-key"}
	hedged := ChaosScenario{
		Name: "brownout", About: about + "; hedge: {after: p95, max: 1}",
		Rules: rules, Stream: true, Baseline: true, ClientTimeout: brownoutClientTimeout,
		Config: ChaosBrownoutConfigYAML, Env: env,
		judge: func(r, _ *ChaosResult) []Check {
			bound := brownoutBound(r.Fresh)
			return []Check{
				AtLeast("success", r.Result.SuccessRate(), 1),
				AtMost("p99 time to first token", r.Result.TTFB.Percentile(99), bound),
				AtMostRatio("upstream calls/request", r.CallsPerRequest(), BrownoutCallsPerRequest),
			}
		},
	}
	plain := hedged
	plain.Name, plain.About = "brownout-unhedged", about+"; no hedge, for comparison"
	plain.Config = strings.Replace(ChaosBrownoutConfigYAML, "    hedge: {after: p95, max: 1}\n", "    attempts: 3\n", 1)
	plain.judge = func(r, _ *ChaosResult) []Check {
		return []Check{AtLeast("success", r.Result.SuccessRate(), 1)}
	}
	return []ChaosScenario{hedged, plain}
}

// brownoutBound is the brownout target (issue 14): 2 × the healthy p99 time
// to first token + the hedge delay, which with `after: p95` is the healthy
// p95, at least engine.MinHedgeAfter.
func brownoutBound(healthy *ChaosResult) time.Duration {
	if healthy == nil {
		return 0
	}
	ttfb := &healthy.Result.TTFB
	return 2*ttfb.Percentile(99) + max(ttfb.Percentile(95), engine.MinHedgeAfter)
}

// brownoutNote gives a baseline-run scenario's times to first token beside
// its baseline's.
func brownoutNote(r *ChaosResult) string {
	if !r.Scenario.Baseline || r.Fresh == nil {
		return ""
	}
	h := &r.Fresh.Result.TTFB
	return fmt.Sprintf(" Time to first token p50 / p99: %s / %s (without the fault: %s / %s).",
		FormatDuration(r.Result.TTFB.Percentile(50)), FormatDuration(r.Result.TTFB.Percentile(99)),
		FormatDuration(h.Percentile(50)), FormatDuration(h.Percentile(99)))
}
