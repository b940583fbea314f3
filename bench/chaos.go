package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/bulwarkhq/bulwark/sim"
)

// The gateway settings of a chaos run (ChaosConfigYAML), short so that
// scenarios run in seconds.
const (
	ChaosDeadline          = 2 * time.Second
	ChaosAttemptTimeout    = 500 * time.Millisecond
	ChaosFirstTokenTimeout = 500 * time.Millisecond
	ChaosIdleTimeout       = 300 * time.Millisecond
	// ChaosSlack is how far past the deadline an answer may come (DESIGN §1:
	// within 50 ms of the bound).
	ChaosSlack = 50 * time.Millisecond
	// ChaosAddedLatency is the most an open primary breaker may add to a
	// request's latency (DESIGN §12).
	ChaosAddedLatency = time.Millisecond
	// ChaosCallsPerRequest is the most upstream calls per request once the
	// primary's breaker is open (DESIGN §12).
	ChaosCallsPerRequest = 1.05
)

// ChaosConfigYAML is the gateway's config file in a chaos run (DESIGN §7b
// keys): a 2 s deadline, 500 ms attempts, 2 attempts per tier with 20–100 ms
// backoff, 300 ms stream idle timeout, a breaker that opens after 5
// failures in 10 s for 10 s, and a per-user breaker that never trips (every
// bench request comes from the same user).
const ChaosConfigYAML = `# written by bulwark bench chaos
profiles:
  interactive:
    attempts: 2
    backoff: {initial: 20ms, max: 100ms, jitter: full}
    deadline: 2s
    attempt_timeout: 500ms
    first_token_timeout: 500ms
    idle_timeout: 300ms
breaker: {failures: 5, window: 10s, open_for: 10s, half_open_probes: 1}
retry_budget: {ratio: 0.2, min_per_second: 10}
user_breaker: {failures: 1000000, window: 1s}
`

// ChaosBlipConfigYAML is the gateway's config file in the blip scenario: the
// shipped timing defaults (25 s deadline, 20 s attempts, 1 s..60 s backoff,
// 8 s fallback reserve) — the point of the scenario — with the breaker in
// rate mode, since a primary failing every other call would open the
// default count-mode breaker (5 failures in 30 s) within seconds.
const ChaosBlipConfigYAML = `# written by bulwark bench chaos (blip): shipped timing defaults
breaker: {failure_ratio: 0.6}
`

// ChaosBlipCallsPerRequest is the most upstream calls per request in the
// blip scenario: the failed first call and its retry (issue 11).
const ChaosBlipCallsPerRequest = 2.1

// ChaosScenario is a named fault scenario.
type ChaosScenario struct {
	// Name identifies it on the command line.
	Name string
	// About says what it does.
	About string
	// Rules are the simulator's fault rules, a JSON array.
	Rules string
	// Stream asks for streamed answers.
	Stream bool
	// Warmup is run (unmeasured) before the measured load, e.g. to open a
	// breaker first.
	Warmup time.Duration
	// Junk, when > 0, is the requests for made-up model names (each failing
	// upstream) sent before the faults; the scenario is then also run on a
	// fresh gateway without them, for comparison (flood).
	Junk int
	// Config, when set, is the gateway's config file instead of
	// ChaosConfigYAML. In it {{sim}} is the simulator's URL and
	// {{google_credentials}} the path of the simulator's service-account
	// file (its token endpoint is the simulator's).
	Config string
	// Env is added to the gateway's environment: the credentials of the
	// scenario's upstreams.
	Env []string
	// Concurrency, when above 0, replaces the open-loop load with a closed
	// loop of this many requests in flight.
	Concurrency int
	// Rate, when above 0, replaces the run's open-loop arrival rate.
	Rate float64
	// Limits are the simulator's rate limits during the measured load, a
	// JSON array of sim.Limit ("" for none).
	Limits string
	// Baseline runs the scenario first without its Rules, on a fresh
	// gateway with the same config, as its own healthy baseline
	// (ChaosResult.Fresh).
	Baseline bool
	// ClientTimeout, when above 0, bounds each request of the load instead
	// of the chaos deadline + 3 s.
	ClientTimeout time.Duration
	// Heal lifts the faults when the measured load starts (after Warmup
	// under them) and records in ChaosResult.Recovery how long the first
	// model answer took after that (recovery).
	Heal bool
	// judge returns the scenario's checks.
	judge func(r *ChaosResult, healthy *ChaosResult) []Check
}

const (
	primary  = "claude-sonnet-5-5"
	fallback = "claude-haiku-5-5"
)

// ChaosScenarios returns every scenario, the healthy baseline first.
func ChaosScenarios() []ChaosScenario {
	success := func(r *ChaosResult) Check {
		return AtLeast("success", r.Result.SuccessRate(), 1)
	}
	return append([]ChaosScenario{
		{
			Name:  "healthy",
			About: "no faults: the baseline the others are compared with",
			judge: func(r, _ *ChaosResult) []Check { return []Check{success(r)} },
		},
		{
			Name:   "primary-down",
			About:  "the primary answers 529 to everything; measured once its breaker is open (after 1 s of load)",
			Rules:  `[{"model":"` + primary + `","status":529}]`,
			Warmup: time.Second,
			judge: func(r, h *ChaosResult) []Check {
				cs := []Check{success(r), AtMostRatio("upstream calls/request", r.CallsPerRequest(), ChaosCallsPerRequest)}
				if h != nil {
					cs = append(cs, AtMost("added p50 vs healthy", r.Result.Latency.Percentile(50)-h.Result.Latency.Percentile(50), ChaosAddedLatency))
				}
				return cs
			},
		},
		{
			Name:  "429-storm",
			About: "the primary answers 429 rate_limit_error with retry-after: 1 to everything",
			Rules: `[{"model":"` + primary + `","status":429,"retry_after":"1s"}]`,
			judge: func(r, _ *ChaosResult) []Check {
				return []Check{success(r), AtMostRatio("upstream calls/request", r.CallsPerRequest(), ChaosCallsPerRequest)}
			},
		},
		{
			Name:  "hangs",
			About: "the primary never answers; attempts time out at 500 ms, the breaker opens",
			Rules: `[{"model":"` + primary + `","hang":true}]`,
			judge: func(r, _ *ChaosResult) []Check {
				return []Check{success(r), AtMost("slowest answer past the 2 s deadline", r.Max()-ChaosDeadline, ChaosSlack)}
			},
		},
		{
			Name:  "all-hang",
			About: "every model hangs: answers must still come by the 2 s deadline",
			Rules: `[{"model":"*","hang":true}]`,
			judge: func(r, _ *ChaosResult) []Check {
				return []Check{AtMost("slowest answer past the 2 s deadline", r.Max()-ChaosDeadline, ChaosSlack)}
			},
		},
		{
			Name: "blip",
			About: "the primary answers 529 to every other call, one request at a time, so each request's first call " +
				"fails and its retry does not; the shipped timing defaults",
			Rules:       `[{"model":"` + primary + `","status":529,"every":2}]`,
			Config:      ChaosBlipConfigYAML,
			Concurrency: 1,
			judge: func(r, _ *ChaosResult) []Check {
				byPrimary := Ratio(float64(r.Result.Outcomes["200 "+primary]), float64(r.Result.Requests()))
				return []Check{success(r), AtLeast("answered by the primary", byPrimary, 1),
					AtMostRatio("upstream calls/request", r.CallsPerRequest(), ChaosBlipCallsPerRequest)}
			},
		},
		{
			Name:   "stalls",
			About:  "streamed; half the primary's streams go silent for good after 3 tokens (idle timeout 300 ms)",
			Rules:  `[{"model":"` + primary + `","stall_after_tokens":3,"rate":0.5}]`,
			Stream: true,
			judge: func(r, _ *ChaosResult) []Check {
				silent := float64(r.Result.Outcomes[labelSilent(primary)] + r.Result.Outcomes[labelSilent(fallback)])
				return []Check{AtMostRatio("streams cut without an error event", silent, 0)}
			},
		},
		floodScenario(),
		providerDownScenario(),
		recoveryScenario(),
	}, append(approachingLimitScenarios(), brownoutScenarios()...)...)
}

// ChaosConfig configures RunChaos.
type ChaosConfig struct {
	// Launcher starts the simulator and, per scenario, a fresh gateway.
	Launcher *Launcher
	// Duration is each scenario's measured time.
	Duration time.Duration
	// Rate is the open-loop arrival rate, requests per second; default 100.
	Rate float64
	// Scenarios to run, by name; default all ("healthy" is always run
	// first when primary-down or provider-down is, as their baseline).
	Scenarios []string
	// Progress, when set, gets a line per scenario.
	Progress io.Writer
}

// ChaosResult is one scenario's outcome.
type ChaosResult struct {
	// Scenario is the scenario run.
	Scenario ChaosScenario
	// Result is the client's view.
	Result *Result
	// Upstream is the simulator's counters over the measured load.
	Upstream sim.Stats
	// Checks are the scenario's verdicts.
	Checks []Check
	// Healthy is the baseline run, when there was one.
	Healthy *ChaosResult
	// Junk is what the junk requests got, for a scenario with Junk; Fresh
	// is the same scenario on a fresh gateway, without them.
	Junk  *JunkResult
	Fresh *ChaosResult
	// Recovery is, for a scenario with Heal, the time from the faults'
	// end to the first 200 from a model; 0 when none came.
	Recovery time.Duration
}

// CallsPerRequest is upstream calls (the simulator's requests) per client
// request.
func (r *ChaosResult) CallsPerRequest() float64 {
	return Ratio(float64(r.Upstream.Requests), float64(r.Result.Requests()))
}

// Max is the slowest answer, successful or not.
func (r *ChaosResult) Max() time.Duration {
	return max(r.Result.Latency.Max(), r.Result.FailLatency.Max())
}

// RunChaos runs the fault scenarios: one simulator for all, a fresh gateway
// (with ChaosConfigYAML) per scenario so breakers start closed, 300 ms of
// healthy warm-up load (or, for a scenario with Junk, the junk requests),
// the faults set, the scenario's own warm-up if any, the simulator's
// counters reset, then an open-loop load for Duration.
func RunChaos(ctx context.Context, cfg ChaosConfig) ([]*ChaosResult, error) {
	all := ChaosScenarios()
	picked, err := pickScenarios(all, cfg.Scenarios)
	if err != nil {
		return nil, err
	}
	rate := cfg.Rate
	if rate <= 0 {
		rate = 100
	}
	dir, err := os.MkdirTemp("", "bulwark-chaos-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	cfgFile := filepath.Join(dir, "gateway.yaml")
	if err := os.WriteFile(cfgFile, []byte(ChaosConfigYAML), 0o600); err != nil {
		return nil, err
	}
	simP, err := cfg.Launcher.Start(ctx, "sim", SimArgs(0)...)
	if err != nil {
		return nil, err
	}
	sim := &SimControl{URL: simP.URL}
	shape := Shape{Rate: rate, Concurrency: int(rate*(ChaosDeadline+time.Second).Seconds()) + 16}
	var out []*ChaosResult
	var healthy *ChaosResult
	for _, sc := range picked {
		if cfg.Progress != nil {
			fmt.Fprintf(cfg.Progress, "chaos: %s: %s\n", sc.Name, sc.About)
		}
		r, err := runScenario(ctx, cfg, sim, simP.URL, cfgFile, sc, shape)
		if err != nil {
			return out, fmt.Errorf("%s: %w", sc.Name, err)
		}
		if sc.Name == "healthy" {
			healthy = r
		}
		r.Checks = sc.judge(r, healthy)
		if healthy != r {
			r.Healthy = healthy
		}
		out = append(out, r)
	}
	return out, nil
}

func pickScenarios(all []ChaosScenario, names []string) ([]ChaosScenario, error) {
	if len(names) == 0 {
		return all, nil
	}
	want := map[string]bool{}
	for _, n := range names {
		found := false
		for _, s := range all {
			found = found || s.Name == n
		}
		if !found {
			var known []string
			for _, s := range all {
				known = append(known, s.Name)
			}
			return nil, fmt.Errorf("unknown scenario %q (known: %s)", n, strings.Join(known, ", "))
		}
		want[n] = true
	}
	if want["primary-down"] || want["provider-down"] {
		want["healthy"] = true
	}
	var out []ChaosScenario
	for _, s := range all {
		if want[s.Name] {
			out = append(out, s)
		}
	}
	return out, nil
}

func runScenario(ctx context.Context, cfg ChaosConfig, sim *SimControl, simURL, cfgFile string, sc ChaosScenario, shape Shape) (*ChaosResult, error) {
	var fresh *ChaosResult
	if sc.Junk > 0 || sc.Baseline {
		base := sc
		base.Junk, base.Baseline = 0, false
		if sc.Baseline {
			base.Rules = ""
		}
		var err error
		if fresh, err = runScenario(ctx, cfg, sim, simURL, cfgFile, base, shape); err != nil {
			return nil, err
		}
	}
	if err := sim.SetFaults(ctx, ""); err != nil {
		return nil, err
	}
	if sc.Config != "" {
		var err error
		if cfgFile, err = writeScenarioConfig(ctx, filepath.Dir(cfgFile), simURL, sc); err != nil {
			return nil, err
		}
	}
	if sc.Concurrency > 0 {
		shape = Shape{Concurrency: sc.Concurrency}
	}
	if sc.Rate > 0 {
		shape = Shape{Rate: sc.Rate, Concurrency: int(sc.Rate*(ChaosDeadline+time.Second).Seconds()) + 16}
	}
	if err := sim.SetLimits(ctx, ""); err != nil {
		return nil, err
	}
	gw, err := cfg.Launcher.StartEnv(ctx, "gateway-"+sc.Name, sc.Env, ServeArgs(simURL, cfgFile)...)
	if err != nil {
		return nil, err
	}
	defer gw.Stop()
	load := &Load{
		Request:  MessagesRequest(primary, sc.Stream),
		Timeout:  ChaosDeadline + 3*time.Second,
		Classify: ChaosClassify,
	}
	if sc.ClientTimeout > 0 {
		load.Timeout = sc.ClientTimeout
	}
	// A healthy warm-up first, so that connections and pools are ready
	// and only the faults make a difference. With junk, the junk is the
	// warm-up: the gateway sees it before it sees the primary.
	var junk *JunkResult
	if sc.Junk > 0 {
		junk, err = sendJunk(ctx, sim, gw.URL, sc.Junk)
	} else {
		_, err = load.Run(ctx, gw.URL, shape, chaosWarmup)
	}
	if err != nil {
		return nil, err
	}
	if err := sim.SetFaults(ctx, sc.Rules); err != nil {
		return nil, err
	}
	if err := sim.SetLimits(ctx, sc.Limits); err != nil {
		return nil, err
	}
	if sc.Warmup > 0 {
		if _, err := load.Run(ctx, gw.URL, shape, sc.Warmup); err != nil {
			return nil, err
		}
	}
	if err := sim.Reset(ctx); err != nil {
		return nil, err
	}
	var res *Result
	var recovery time.Duration
	if sc.Heal {
		res, recovery, err = runHealed(ctx, sim, gw.URL, load, shape, cfg.Duration)
	} else {
		res, err = load.Run(ctx, gw.URL, shape, cfg.Duration)
	}
	if err != nil {
		return nil, err
	}
	st, err := sim.Stats(ctx)
	if err != nil {
		return nil, err
	}
	if err := gw.Stop(); err != nil {
		return nil, err
	}
	return &ChaosResult{Scenario: sc, Result: res, Upstream: st, Junk: junk, Fresh: fresh, Recovery: recovery}, nil
}

// chaosWarmup is the healthy load a fresh gateway gets before the faults.
const chaosWarmup = 300 * time.Millisecond

func labelSilent(model string) string { return "200 " + model + " cut silently" }

// ChaosClassify labels an answer by status and bulwark-model-used, and a
// stream by how it ended: "200 MODEL complete", "200 MODEL error event
// (TYPE)" or "200 MODEL cut silently". Success is a 200 with a whole answer.
func ChaosClassify(a *Answer) Verdict {
	if a.Response == nil {
		return Verdict{Label: "transport error"}
	}
	model := a.Response.Header.Get("bulwark-model-used")
	if model == "" {
		model = "(no model)"
	}
	if a.Response.StatusCode != http.StatusOK {
		return Verdict{Label: fmt.Sprintf("%d %s", a.Response.StatusCode, errorType(a.Tail))}
	}
	if !a.Stream {
		if a.Err != nil {
			return Verdict{Label: "200 " + model + " body cut"}
		}
		return Verdict{Label: "200 " + model, OK: true}
	}
	switch {
	case StreamComplete(a.Tail):
		return Verdict{Label: "200 " + model + " complete", OK: true}
	case bytes.Contains(a.Tail, []byte("event: error")):
		return Verdict{Label: "200 " + model + " error event (" + errorType(a.Tail) + ")"}
	}
	return Verdict{Label: labelSilent(model)}
}

// errorType finds error.type in an Anthropic error body or SSE error event.
func errorType(tail []byte) string {
	const key = `"error":{"type":"`
	i := bytes.LastIndex(tail, []byte(key))
	if i < 0 {
		return "?"
	}
	rest := tail[i+len(key):]
	if j := bytes.IndexByte(rest, '"'); j >= 0 {
		return string(rest[:j])
	}
	return "?"
}

// WriteChaosTable prints the chaos results.
func WriteChaosTable(w io.Writer, rs []*ChaosResult) {
	t := &Table{
		Title:  "Chaos scenarios (gateway with a 2 s deadline, 500 ms attempts, 300 ms stream idle timeout)",
		Header: []string{"scenario", "requests", "success", "p50", "p99", "slowest", "vs healthy p50 / p99", "upstream calls/request", "verdict"},
	}
	var notes []string
	for _, r := range rs {
		res := r.Result
		p50, p99 := res.Latency.Percentile(50), res.Latency.Percentile(99)
		if res.OK == 0 {
			p50, p99 = res.FailLatency.Percentile(50), res.FailLatency.Percentile(99)
		}
		vs := "—"
		if h := r.Healthy; h != nil && res.OK > 0 {
			vs = FormatDelta(p50-h.Result.Latency.Percentile(50)) + " / " + FormatDelta(p99-h.Result.Latency.Percentile(99))
		}
		t.Add(r.Scenario.Name, fmt.Sprint(res.Requests()), FormatPercent(res.SuccessRate()),
			FormatDuration(p50), FormatDuration(p99), FormatDuration(r.Max()), vs,
			fmt.Sprintf("%.3f", r.CallsPerRequest()), JoinChecks(r.Checks))
		notes = append(notes, fmt.Sprintf("- **%s** (%s). Client saw: %s. Upstream saw: %s.%s%s",
			r.Scenario.Name, r.Scenario.About, FormatOutcomes(res.Outcomes), FormatOutcomes(r.Upstream.Outcomes()), firstErr(res),
			ownSetup(r.Scenario))+floodNote(r)+recoveryNote(r)+brownoutNote(r))
	}
	t.Notes = append([]string{"p50/p99 are of successful requests (of all requests when none succeeded); slowest is of all."}, notes...)
	t.Write(w)
}

// ownSetup describes a scenario's own load shape and gateway config, if any.
func ownSetup(sc ChaosScenario) string {
	var b strings.Builder
	if sc.Concurrency > 0 {
		fmt.Fprintf(&b, " Closed loop, %d in flight.", sc.Concurrency)
	}
	if sc.Config != "" {
		var lines []string
		for _, l := range strings.Split(strings.TrimSpace(sc.Config), "\n") {
			if !strings.HasPrefix(l, "#") {
				lines = append(lines, l)
			}
		}
		fmt.Fprintf(&b, " Gateway config: `%s`.", strings.Join(lines, "; "))
	}
	return b.String()
}
