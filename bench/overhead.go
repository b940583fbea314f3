package bench

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"time"
)

// Target names of an overhead run.
const (
	Direct  = "direct"  // the simulator itself
	Proxied = "proxy"   // the bare reverse proxy in front of it
	Gateway = "gateway" // bulwark serve in front of it
)

// DESIGN §12 targets, gateway against the bare proxy, over a plain HTTP/1.1
// upstream and over TLS + HTTP/2 alike.
const (
	// TargetP50 is the most the gateway may add to the proxy's p50, at one
	// request in flight and at 1,000 requests/s.
	TargetP50 = 25 * time.Microsecond
	// TargetP99 is the most it may add to the p99 there.
	TargetP99 = 150 * time.Microsecond
	// TargetTTFB is the most it may add to a stream's time to first byte.
	TargetTTFB = 50 * time.Microsecond
	// TargetThroughput is the least share of the proxy's saturation
	// throughput the gateway must reach.
	TargetThroughput = 0.95
	// JudgedRate is the open-loop rate the latency targets apply to.
	JudgedRate = 1000
)

// Endpoint is one server an overhead run drives.
type Endpoint struct {
	// Name is Direct, Proxied, Gateway or another label.
	Name string
	// URL is its base URL.
	URL string
}

// Scenario is one load shape of an overhead run.
type Scenario struct {
	// Name is e.g. "1 in flight", "open 1000/s", "saturation c=64".
	Name string
	// Shape is how the load runs.
	Shape Shape
	// Stream asks for streamed answers.
	Stream bool
}

// Scenarios returns the scenarios of an overhead run: one request in flight,
// each open-loop rate, and saturation at concurrency; all non-streamed, then
// all again streamed when stream is set.
func Scenarios(rates []float64, concurrency int, stream bool) []Scenario {
	var out []Scenario
	kinds := []bool{false}
	if stream {
		kinds = append(kinds, true)
	}
	for _, st := range kinds {
		out = append(out, Scenario{Name: "1 in flight", Shape: Shape{Concurrency: 1}, Stream: st})
		for _, r := range rates {
			out = append(out, Scenario{Name: fmt.Sprintf("open %g/s", r), Shape: Shape{Rate: r}, Stream: st})
		}
		out = append(out, Scenario{Name: fmt.Sprintf("saturation c=%d", concurrency), Shape: Shape{Concurrency: concurrency}, Stream: st})
	}
	return out
}

// OverheadConfig configures RunOverhead.
type OverheadConfig struct {
	// Endpoints are driven in turn, slice by slice.
	Endpoints []Endpoint
	// Scenarios are run one after the other.
	Scenarios []Scenario
	// Duration is the measured time of each endpoint in each scenario.
	Duration time.Duration
	// Slice is the length of one endpoint's turn; default 1 s (at most
	// Duration).
	Slice time.Duration
	// Warmup runs each scenario's load on each endpoint, unmeasured, before
	// its slices; default 300 ms. Negative: none.
	Warmup time.Duration
	// Model is the model requested; default claude-sonnet-5-5.
	Model string
	// Progress, when set, gets a line per scenario.
	Progress io.Writer
}

// ScenarioResult is what every endpoint did in one scenario.
type ScenarioResult struct {
	// Scenario is what was run.
	Scenario Scenario
	// Results by endpoint name.
	Results map[string]*Result
}

// OverheadReport is the outcome of RunOverhead.
type OverheadReport struct {
	// Endpoints are the targets, in the order given.
	Endpoints []Endpoint
	// Scenarios hold the results, in the order run.
	Scenarios []ScenarioResult
	// Duration is each endpoint's measured time per scenario.
	Duration time.Duration
	// Slice is the length of one endpoint's turn.
	Slice time.Duration
}

// RunOverhead drives the same load at every endpoint, interleaved: each
// scenario is cut in slices, and each round gives every endpoint one slice,
// starting with a different endpoint each round, so that machine noise falls
// on all of them alike.
func RunOverhead(ctx context.Context, cfg OverheadConfig) (*OverheadReport, error) {
	if len(cfg.Endpoints) == 0 || len(cfg.Scenarios) == 0 || cfg.Duration <= 0 {
		return nil, fmt.Errorf("overhead: need endpoints, scenarios and a duration")
	}
	slice := cfg.Slice
	if slice <= 0 {
		slice = time.Second
	}
	slice = min(slice, cfg.Duration)
	rounds := int((cfg.Duration + slice - 1) / slice)
	warmup := cfg.Warmup
	if warmup == 0 {
		warmup = 300 * time.Millisecond
	}
	model := cfg.Model
	if model == "" {
		model = "claude-sonnet-5-5"
	}
	rep := &OverheadReport{Endpoints: cfg.Endpoints, Duration: cfg.Duration, Slice: slice}
	loads := map[bool]*Load{
		false: {Request: MessagesRequest(model, false)},
		true:  {Request: MessagesRequest(model, true)},
	}
	for _, sc := range cfg.Scenarios {
		load := loads[sc.Stream]
		if cfg.Progress != nil {
			kind := "non-streamed"
			if sc.Stream {
				kind = "streamed"
			}
			fmt.Fprintf(cfg.Progress, "overhead: %s, %s: %d × %v per endpoint\n", sc.Name, kind, rounds, slice)
		}
		sr := ScenarioResult{Scenario: sc, Results: map[string]*Result{}}
		for _, ep := range cfg.Endpoints {
			sr.Results[ep.Name] = &Result{}
			if warmup > 0 {
				if _, err := load.Run(ctx, ep.URL, sc.Shape, warmup); err != nil {
					return rep, err
				}
			}
		}
		left := cfg.Duration
		for r := 0; r < rounds; r++ {
			d := min(slice, left)
			left -= d
			for i := range cfg.Endpoints {
				ep := cfg.Endpoints[(r+i)%len(cfg.Endpoints)]
				runtime.GC() // the load generator's own garbage is not charged to the next slice
				res, err := load.Run(ctx, ep.URL, sc.Shape, d)
				if res != nil {
					sr.Results[ep.Name].Merge(res)
				}
				if err != nil {
					return rep, err
				}
				time.Sleep(10 * time.Millisecond) // let the last answers' work settle
			}
		}
		rep.Scenarios = append(rep.Scenarios, sr)
	}
	return rep, nil
}

// Cost is the gateway's own cost in one scenario: gateway minus bare proxy.
type Cost struct {
	// Scenario is the scenario compared.
	Scenario Scenario
	// P50 and P99 are the differences of the full-answer latencies.
	P50, P99 time.Duration
	// TTFB50 and TTFB99 are the differences of the times to first byte.
	TTFB50, TTFB99 time.Duration
	// Ratio is the gateway's throughput over the proxy's.
	Ratio float64
	// Checks are the DESIGN §12 targets that apply to the scenario.
	Checks []Check
}

// Costs compares endpoint a (the gateway) with endpoint b (the proxy) in
// every scenario where both ran, and judges the DESIGN §12 targets: p50 and
// p99 at one request in flight and at 1,000/s (non-streamed), time to first
// byte at one in flight and at 1,000/s (streamed), and throughput at
// saturation.
func (r *OverheadReport) Costs(a, b string) []Cost {
	var out []Cost
	for _, sr := range r.Scenarios {
		ga, gb := sr.Results[a], sr.Results[b]
		if ga == nil || gb == nil {
			continue
		}
		c := Cost{
			Scenario: sr.Scenario,
			P50:      ga.Latency.Percentile(50) - gb.Latency.Percentile(50),
			P99:      ga.Latency.Percentile(99) - gb.Latency.Percentile(99),
			TTFB50:   ga.TTFB.Percentile(50) - gb.TTFB.Percentile(50),
			TTFB99:   ga.TTFB.Percentile(99) - gb.TTFB.Percentile(99),
			Ratio:    Ratio(ga.Throughput(), gb.Throughput()),
		}
		sh := sr.Scenario.Shape
		judged := (sh.Rate == 0 && sh.Concurrency == 1) || sh.Rate == JudgedRate
		switch {
		case judged && !sr.Scenario.Stream:
			c.Checks = append(c.Checks, AtMost("Δp50", c.P50, TargetP50), AtMost("Δp99", c.P99, TargetP99))
		case judged && sr.Scenario.Stream:
			c.Checks = append(c.Checks, AtMost("ΔTTFB p50", c.TTFB50, TargetTTFB))
		case sh.Rate == 0 && sh.Concurrency > 1:
			c.Checks = append(c.Checks, AtLeast("throughput ratio", c.Ratio, TargetThroughput))
		}
		out = append(out, c)
	}
	return out
}

// WriteTables prints the measurements, the proxy's cost over direct and the
// gateway's own cost over the proxy (with the §12 verdicts).
func (r *OverheadReport) WriteTables(w io.Writer) {
	for _, stream := range []bool{false, true} {
		t := &Table{Header: []string{"scenario", "target", "ok", "failed", "p50", "p99", "max", "req/s"}}
		t.Title = "Non-streamed: latency to the last byte, throughput"
		if stream {
			t.Title = "Streamed: time to first byte (TTFB) and to the last byte, throughput"
			t.Header = []string{"scenario", "target", "ok", "failed", "TTFB p50", "TTFB p99", "full p50", "full p99", "req/s"}
		}
		var notes []string
		for _, sr := range r.Scenarios {
			if sr.Scenario.Stream != stream {
				continue
			}
			for _, ep := range r.Endpoints {
				res := sr.Results[ep.Name]
				if res == nil {
					continue
				}
				row := []string{sr.Scenario.Name, ep.Name, fmt.Sprint(res.OK), fmt.Sprint(res.Failed)}
				if stream {
					row = append(row, FormatDuration(res.TTFB.Percentile(50)), FormatDuration(res.TTFB.Percentile(99)))
				}
				row = append(row, FormatDuration(res.Latency.Percentile(50)), FormatDuration(res.Latency.Percentile(99)))
				if !stream {
					row = append(row, FormatDuration(res.Latency.Max()))
				}
				row = append(row, FormatRate(res.Throughput()))
				t.Add(row...)
				if res.Failed > 0 {
					notes = append(notes, fmt.Sprintf("- %s, %s: failures %s%s", sr.Scenario.Name, ep.Name,
						FormatOutcomes(failedOutcomes(res)), firstErr(res)))
				}
				if res.Late > 0 && sr.Scenario.Shape.Rate > 0 {
					notes = append(notes, fmt.Sprintf("- %s, %s: %d requests found every worker busy at their send time (timed from it)",
						sr.Scenario.Name, ep.Name, res.Late))
				}
			}
		}
		if len(t.Rows) == 0 {
			continue
		}
		t.Notes = notes
		t.Write(w)
	}
	r.writeCost(w, Proxied, Direct, "The floor: bare proxy minus direct", false)
	r.writeCost(w, Gateway, Proxied, "bulwark's own cost: gateway minus bare proxy (DESIGN §12 targets)", true)
}

func (r *OverheadReport) writeCost(w io.Writer, a, b, title string, judge bool) {
	costs := r.Costs(a, b)
	if len(costs) == 0 {
		return
	}
	t := &Table{Title: title, Header: []string{"scenario", "stream", "Δp50", "Δp99", "ΔTTFB p50", "ΔTTFB p99", "throughput " + a + "/" + b}}
	if judge {
		t.Header = append(t.Header, "§12 target")
	}
	for _, c := range costs {
		row := []string{c.Scenario.Name, "no", FormatDelta(c.P50), FormatDelta(c.P99), "—", "—", fmt.Sprintf("%.2f", c.Ratio)}
		if c.Scenario.Stream {
			row[1], row[4], row[5] = "yes", FormatDelta(c.TTFB50), FormatDelta(c.TTFB99)
		}
		if judge {
			row = append(row, JoinChecks(c.Checks))
		}
		t.Add(row...)
	}
	t.Write(w)
}

func failedOutcomes(r *Result) map[string]int64 {
	m := map[string]int64{}
	for k, v := range r.Outcomes {
		if k != "ok" {
			m[k] = v
		}
	}
	return m
}

func firstErr(r *Result) string {
	if r.FirstError == "" {
		return ""
	}
	return " (first error: " + r.FirstError + ")"
}
