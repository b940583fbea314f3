package bench

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestFormatting(t *testing.T) {
	tests := []struct{ got, want string }{
		{FormatDuration(0), "0µs"},
		{FormatDuration(312 * time.Microsecond), "312µs"},
		{FormatDuration(12345 * time.Microsecond), "12.35ms"},
		{FormatDuration(2010 * time.Millisecond), "2.01s"},
		{FormatDelta(23 * time.Microsecond), "+23µs"},
		{FormatDelta(-4 * time.Microsecond), "-4µs"},
		{FormatDelta(1250 * time.Microsecond), "+1250µs"},
		{FormatDelta(0), "+0µs"},
		{FormatRate(1234.4), "1234/s"},
		{FormatPercent(1), "100%"},
		{FormatPercent(0), "0%"},
		{FormatPercent(0.995), "99.50%"},
		{FormatBytes(42 * 1024), "42.0 KiB"},
		{FormatBytes(3 << 20), "3.0 MiB"},
		{FormatBytes(-2048), "-2.0 KiB"},
		{FormatOutcomes(map[string]int64{"b": 1, "a": 1, "ok": 5}), "ok 5, a 1, b 1"},
		{FormatOutcomes(nil), "—"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestChecksSayMetOrByHowMuchMissed(t *testing.T) {
	tests := []struct {
		c    Check
		want string
	}{
		{AtMost("Δp50", 23*time.Microsecond, 50*time.Microsecond), "met (Δp50 +23µs ≤ +50µs)"},
		{AtMost("Δp50", 50*time.Microsecond, 50*time.Microsecond), "met (Δp50 +50µs ≤ +50µs)"},
		{AtMost("Δp50", 62*time.Microsecond, 50*time.Microsecond), "MISSED by 12µs (Δp50 +62µs > +50µs)"},
		{AtMost("Δp99", -10*time.Microsecond, 300*time.Microsecond), "met (Δp99 -10µs ≤ +300µs)"},
		{AtLeast("ratio", 0.95, 0.9), "met (ratio 0.95 ≥ 0.90)"},
		{AtLeast("ratio", 0.72, 0.9), "MISSED by 0.18 (ratio 0.72 < 0.90)"},
		{AtMostRatio("calls", 1.0, 1.05), "met (calls 1.000 ≤ 1.05)"},
		{AtMostRatio("calls", 1.5, 1.05), "MISSED by 0.450 (calls 1.500 > 1.05)"},
		{AtMostPer("goroutines per stream", 3, 3), "met (goroutines per stream 3.00 ≤ 3)"},
		{AtMostPer("goroutines per stream", 4.01, 3), "MISSED by 1.01 (goroutines per stream 4.01 > 3)"},
	}
	for _, tt := range tests {
		if got := tt.c.String(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
	if got := JoinChecks(nil); got != "—" {
		t.Errorf("JoinChecks(nil) = %q", got)
	}
}

func TestTableLinesUpItsColumns(t *testing.T) {
	tb := &Table{Title: "T", Header: []string{"a", "long header"}, Notes: []string{"- note"}}
	tb.Add("µs wide", "1")
	tb.Add("x") // short row: padded
	var b bytes.Buffer
	tb.Write(&b)
	want := "**T**\n\n" +
		"| a       | long header |\n" +
		"| ------- | ----------- |\n" +
		"| µs wide | 1           |\n" +
		"| x       |             |\n" +
		"\n- note\n\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

// result returns a Result whose latencies are all us µs and whose
// throughput is ok requests over one second.
func result(us int, ok int64) *Result {
	r := &Result{OK: ok, Elapsed: time.Second}
	for range ok {
		r.Latency.Add(time.Duration(us) * time.Microsecond)
		r.TTFB.Add(time.Duration(us/2) * time.Microsecond)
	}
	return r
}

func TestCostsJudgeTheDesignTargetsPerScenario(t *testing.T) {
	rep := &OverheadReport{
		Endpoints: []Endpoint{{Name: Direct}, {Name: Proxied}, {Name: Gateway}},
		Scenarios: []ScenarioResult{
			{Scenario: Scenario{Name: "1 in flight", Shape: Shape{Concurrency: 1}},
				Results: map[string]*Result{Direct: result(100, 10), Proxied: result(400, 10), Gateway: result(420, 10)}},
			{Scenario: Scenario{Name: "open 500/s", Shape: Shape{Rate: 500}},
				Results: map[string]*Result{Proxied: result(400, 10), Gateway: result(900, 10)}},
			{Scenario: Scenario{Name: "open 1000/s", Shape: Shape{Rate: 1000}},
				Results: map[string]*Result{Proxied: result(400, 10), Gateway: result(480, 10)}},
			{Scenario: Scenario{Name: "saturation c=64", Shape: Shape{Concurrency: 64}},
				Results: map[string]*Result{Proxied: result(400, 100), Gateway: result(480, 85)}},
			{Scenario: Scenario{Name: "1 in flight", Shape: Shape{Concurrency: 1}, Stream: true},
				Results: map[string]*Result{Proxied: result(400, 10), Gateway: result(500, 10)}},
			{Scenario: Scenario{Name: "no proxy", Shape: Shape{Concurrency: 1}},
				Results: map[string]*Result{Gateway: result(500, 10)}},
		},
	}
	costs := rep.Costs(Gateway, Proxied)
	if len(costs) != 5 {
		t.Fatalf("%d costs, want 5 (the scenario without a proxy has none)", len(costs))
	}
	want := []struct {
		p50    time.Duration
		checks string
	}{
		{20 * time.Microsecond, "met (Δp50 +20µs ≤ +25µs); met (Δp99 +20µs ≤ +150µs)"},
		{500 * time.Microsecond, "—"}, // 500/s is measured, not judged
		{80 * time.Microsecond, "MISSED by 55µs (Δp50 +80µs > +25µs); met (Δp99 +80µs ≤ +150µs)"},
		{80 * time.Microsecond, "MISSED by 0.10 (throughput ratio 0.85 < 0.95)"},
		{100 * time.Microsecond, "met (ΔTTFB p50 +50µs ≤ +50µs)"},
	}
	for i, w := range want {
		if costs[i].P50 != w.p50 || JoinChecks(costs[i].Checks) != w.checks {
			t.Errorf("%s: Δp50 %v, checks %q; want %v, %q", costs[i].Scenario.Name, costs[i].P50, JoinChecks(costs[i].Checks), w.p50, w.checks)
		}
	}
	var b bytes.Buffer
	rep.WriteTables(&b)
	for _, s := range []string{"Non-streamed", "Streamed", "The floor: bare proxy minus direct", "bulwark's own cost", "| 1 in flight | no     | +300µs |"} {
		if !strings.Contains(b.String(), s) {
			t.Errorf("tables lack %q:\n%s", s, b.String())
		}
	}
}
