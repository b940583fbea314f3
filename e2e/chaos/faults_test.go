package chaos

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/sim"
)

// scenario is one fault setting of the simulator and what must hold under it
// besides one well-formed, timely answer per request.
type scenario struct {
	name  string
	rules string // the simulator's rules, a JSON array
	// outcome is the simulator outcome the fault shows as; the scenario
	// must have produced it at least once.
	outcome string
	// minAnswered is the least share of requests a model must answer.
	minAnswered float64
	// streamErrors: streams cut after their first token must end with an
	// SSE error event (at least one must).
	streamErrors bool
	n            int
	// breakers: run with the breakers of gatewayConfig; else none opens.
	breakers bool
}

// faultScenarios has every fault of DESIGN §8 alone, on every model, at a
// rate that leaves retries and the fallback something to do; the fault
// must still have struck.
var faultScenarios = []scenario{
	{name: "overloaded", rules: `[{"model":"*","status":529,"rate":0.5}]`, outcome: "status_529", minAnswered: 0.6},
	{name: "api_error", rules: `[{"model":"*","status":500,"rate":0.5}]`, outcome: "status_500", minAnswered: 0.6},
	{name: "bad_key", rules: `[{"model":"*","status":401,"rate":0.3}]`, outcome: "status_401", minAnswered: 0.4},
	{name: "latency_past_the_attempt_timeout", rules: `[{"model":"*","latency":"350ms","rate":0.5}]`, outcome: "ok", minAnswered: 0.5},
	{name: "hang", rules: `[{"model":"*","hang":true,"rate":0.5}]`, outcome: "hang", minAnswered: 0.5},
	{name: "reset", rules: `[{"model":"*","reset":true,"rate":0.5}]`, outcome: "reset", minAnswered: 0.6},
	{name: "malformed", rules: `[{"model":"*","malformed":true,"rate":0.5}]`, outcome: "malformed", minAnswered: 0.6},
	{name: "stall_before_the_first_token", rules: `[{"model":"*","stream_stall":true,"stall":"2s","rate":0.5}]`, outcome: "stall", minAnswered: 0.6},
	{name: "stall_after_tokens", rules: `[{"model":"*","stall_after_tokens":3,"stall":"1s","rate":0.5}]`, outcome: "stall", streamErrors: true},
	{name: "stream_error_before_the_first_token", rules: `[{"model":"*","stream_error":true,"rate":0.5}]`, outcome: "stream_error", minAnswered: 0.6},
	{name: "stream_error_after_tokens", rules: `[{"model":"*","stream_error_after_tokens":3,"rate":0.5}]`, outcome: "stream_error", streamErrors: true},
	{name: "mixed", n: 300, minAnswered: 0.6, rules: mixedRules},
	// The same with real breakers: at these rates they open within a few
	// requests and most answers are quick errors; each must still be one
	// well-formed answer in time.
	{name: "mixed_with_breakers", n: 300, breakers: true, rules: mixedRules},
}

// mixedRules has every fault at once, each at a low rate.
const mixedRules = `[
	{"model":"*","latency":"20ms","rate":0.3},
	{"model":"claude-sonnet-5-5","status":529,"rate":0.15},
	{"model":"*","status":500,"rate":0.04},
	{"model":"claude-sonnet-5-5","status":429,"retry_after":"200ms","rate":0.03},
	{"model":"*","status":400,"rate":0.02},
	{"model":"*","status":401,"rate":0.01},
	{"model":"*","latency":"350ms","rate":0.04},
	{"model":"*","hang":true,"rate":0.03},
	{"model":"*","reset":true,"rate":0.04},
	{"model":"*","malformed":true,"rate":0.04},
	{"model":"*","stream_stall":true,"stall":"1s","rate":0.05},
	{"model":"*","stall_after_tokens":2,"stall":"1s","rate":0.04},
	{"model":"*","stream_error":true,"rate":0.04},
	{"model":"*","stream_error_after_tokens":3,"rate":0.04}]`

// TestEveryRequestGetsExactlyOneWellFormedAnswerInTime runs each fault alone
// and then all of them mixed (fixed seeds: the simulator's draws and the
// requests' mix repeat, their interleaving does not), each scenario against
// a fresh gateway process with a 1 s deadline, 16 requests in flight, half
// of them streamed. Single faults run with breakers that never open, so
// that every request takes its slowest path (retries, then the fallback);
// the mixed run has real breakers.
func TestEveryRequestGetsExactlyOneWellFormedAnswerInTime(t *testing.T) {
	simp := startSimProc(t, 42)
	for i, sc := range faultScenarios {
		t.Run(sc.name, func(t *testing.T) {
			if sc.n == 0 {
				sc.n = 48
			}
			setFaults(t, simp.URL, sc.rules)
			cfg := noBreakerConfig
			if sc.breakers {
				cfg = gatewayConfig
			}
			gw := startGatewayProc(t, simp.URL, cfg, "ANTHROPIC_API_KEY=sk-chaos-upstream")
			before := goroutines(t, gw.URL)

			answers := load{n: sc.n, concurrency: 16, seed: uint64(100 + i), streamShare: 0.5}.run(gw.URL)

			kinds := map[string]int{}
			for _, a := range answers {
				if err := check(a); err != nil {
					t.Fatalf("%v\n%s", err, a)
				}
				if err := inTime(t, gw, a); err != nil {
					t.Errorf("%v: %s", err, a)
				}
				kinds[a.kind]++
				if a.errType != "" {
					kinds[a.kind+":"+a.errType]++
				}
			}
			st := stats(t, simp.URL)
			t.Logf("answers %v; upstream calls %d: %s", kinds, st.Requests, outcomes(st))
			if sc.outcome != "" && count(st, sc.outcome) == 0 {
				t.Errorf("the fault %q never struck", sc.outcome)
			}
			if got := float64(kinds["message"]+kinds["stream"]) / float64(sc.n); got < sc.minAnswered {
				t.Errorf("a model answered %.0f%% of requests, want at least %.0f%%", 100*got, 100*sc.minAnswered)
			}
			if sc.streamErrors && kinds["stream_error"] == 0 {
				t.Error("no stream was cut after its first token")
			}
			exactlyOneLogLine(t, gw, answers)

			// Nothing the scenario started lives on in the gateway: only
			// the keep-alive connections to the simulator may remain, two
			// goroutines each (the transport may hold more of them than
			// requests were in flight, so the simulator counts them).
			eventually(t, 3*time.Second, func() string {
				return fmt.Sprintf("gateway goroutines %d, %d before the load, %d connections open at the simulator",
					goroutines(t, gw.URL), before, stats(t, simp.URL).Connections)
			}, func() bool { return goroutines(t, gw.URL) <= before+2*int(stats(t, simp.URL).Connections)+8 })
		})
	}
}

// exactlyOneLogLine checks that the gateway finished each answered request
// exactly once: one agent.request_complete line per request id, and no
// other.
func exactlyOneLogLine(t *testing.T, gw *proc, answers []*answer) {
	t.Helper()
	ids := map[string]int{}
	for _, a := range answers {
		ids[a.header.Get("bulwark-request-id")]++
	}
	if len(ids) != len(answers) {
		t.Fatalf("%d distinct request ids for %d answers", len(ids), len(answers))
	}
	var lines []map[string]any
	eventually(t, 2*time.Second, func() string {
		return fmt.Sprintf("%d agent.request_complete lines for %d requests", len(lines), len(answers))
	}, func() bool {
		lines = logLines(gw, "agent.request_complete")
		return len(lines) >= len(answers)
	})
	if len(lines) != len(answers) {
		t.Fatalf("%d agent.request_complete lines for %d requests", len(lines), len(answers))
	}
	for _, l := range lines {
		id, _ := l["request_id"].(string)
		if ids[id] != 1 {
			t.Fatalf("log line for request %q, which no client saw once: %v", id, l)
		}
		ids[id] = 0
	}
}

func count(st sim.Stats, outcome string) int64 {
	var n int64
	for _, m := range st.Models {
		n += m.Outcomes[outcome]
	}
	return n
}

func outcomes(st sim.Stats) string {
	var parts []string
	for name, m := range st.Models {
		parts = append(parts, fmt.Sprintf("%s %v", name, m.Outcomes))
	}
	sort.Strings(parts)
	return strings.Join(parts, "; ")
}

// TestNoRetryBeforeRetryAfter rate-limits every model with retry-after
// 300 ms while requests arrive every 10 ms for over a second: once a model
// has answered 429, no request reaches it again, retry or not, before the
// 300 ms have passed. Requests that were already on their way when the 429
// came (a burst of a few ms, 100 ms allowed) are the only ones that may
// arrive sooner.
func TestNoRetryBeforeRetryAfter(t *testing.T) {
	const retryAfter = 300 * time.Millisecond
	simp := startSimProc(t, 43)
	setFaults(t, simp.URL, `[{"model":"*","status":429,"retry_after":"300ms"}]`)
	gw := startGatewayProc(t, simp.URL, gatewayConfig, "ANTHROPIC_API_KEY=sk-chaos-upstream")

	answers := load{n: 130, concurrency: 16, seed: 7, streamShare: 0.3, every: 10 * time.Millisecond}.run(gw.URL)
	for _, a := range answers {
		if err := check(a); err != nil {
			t.Fatalf("%v\n%s", err, a)
		}
		if a.status != 429 || a.errType != "rate_limit_error" || a.header.Get("retry-after") != "1" {
			t.Fatalf("want 429 rate_limit_error with retry-after: 1 (300 ms, rounded up): %s", a)
		}
		if err := inTime(t, gw, a); err != nil {
			t.Errorf("%v: %s", err, a)
		}
	}
	st := stats(t, simp.URL)
	for _, model := range []string{primary, fallback} {
		arr := st.Models[model].Arrivals
		if len(arr) < 3 {
			t.Fatalf("%s: %d arrivals in %v; the test needs several cooldowns", model, len(arr), 130*10*time.Millisecond)
		}
		// Bursts: arrivals within 100 ms of a burst's first one may have
		// been on their way (past the breaker check) before that burst's
		// 429 came back; the window leaves room for a loaded machine and
		// is still a third of the retry-after.
		var bursts [][]time.Time
		for _, at := range arr {
			if n := len(bursts); n > 0 && at.Sub(bursts[n-1][0]) < 100*time.Millisecond {
				bursts[n-1] = append(bursts[n-1], at)
				continue
			}
			bursts = append(bursts, []time.Time{at})
		}
		for i := 1; i < len(bursts); i++ {
			prev := bursts[i-1][len(bursts[i-1])-1]
			if gap := bursts[i][0].Sub(prev); gap < retryAfter-time.Millisecond {
				t.Errorf("%s: a request %v after a 429 with retry-after %v (arrivals %v)", model, gap, retryAfter, gaps(arr))
			}
		}
		t.Logf("%s: %d arrivals in %d bursts, gaps %v", model, len(arr), len(bursts), gaps(arr))
	}
}

func gaps(arr []time.Time) []time.Duration {
	var out []time.Duration
	for i := 1; i < len(arr); i++ {
		out = append(out, arr[i].Sub(arr[i-1]).Round(time.Millisecond))
	}
	return out
}

// TestOneUpstreamCallPer400 checks that a 400 is never retried nor sent to
// the fallback: one upstream call per request, the upstream's answer passed
// back as it came.
func TestOneUpstreamCallPer400(t *testing.T) {
	const n = 64
	simp := startSimProc(t, 44)
	setFaults(t, simp.URL, `[{"model":"*","status":400,"message":"max_tokens: too many (simulated)"}]`)
	gw := startGatewayProc(t, simp.URL, gatewayConfig, "ANTHROPIC_API_KEY=sk-chaos-upstream")

	answers := load{n: n, concurrency: 16, seed: 8, streamShare: 0.5}.run(gw.URL)
	for _, a := range answers {
		if err := check(a); err != nil {
			t.Fatalf("%v\n%s", err, a)
		}
		if a.status != 400 || !strings.Contains(string(a.body), "max_tokens: too many (simulated)") ||
			a.header.Get("bulwark-attempts") != "1" {
			t.Fatalf("want the upstream's 400 after one attempt: %s", a)
		}
	}
	st := stats(t, simp.URL)
	if st.Requests != n || st.Models[primary].Requests != n || st.Models[fallback].Requests != 0 {
		t.Fatalf("%d upstream calls for %d requests: %s", st.Requests, n, outcomes(st))
	}
}
