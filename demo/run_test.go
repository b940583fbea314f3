package demo

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"defaults", Config{}, true},
		{"15 s", Config{Duration: 15 * time.Second}, true},
		{"too short", Config{Duration: 500 * time.Millisecond}, false},
		{"negative rps", Config{RPS: -1}, false},
		{"absurd rps", Config{RPS: 1e6}, false},
		{"not one request", Config{Duration: time.Second, RPS: 0.5}, false},
		{"negative give-up", Config{GiveUp: -time.Second}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.cfg.Validate(); (err == nil) != tc.ok {
				t.Errorf("Validate() = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func TestRunShowsBulwarkKeepingUsersAnswered(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the demo for a few seconds")
	}
	const duration = 3 * time.Second
	var progress strings.Builder
	begin := time.Now()
	res, err := Run(context.Background(), Config{Duration: duration, RPS: 30, Seed: 1, Progress: &progress})
	took := time.Since(begin)
	if err != nil {
		t.Fatal(err)
	}
	// The hard stop is 5 s after the traffic (bulwark's deadline + 1 s).
	if took > duration+6*time.Second {
		t.Errorf("the run took %s for %s of traffic", took, duration)
	}
	if res.Interrupted {
		t.Error("interrupted")
	}
	if n := len(res.Plain.Requests); n != 90 || len(res.Bulwark.Requests) != n {
		t.Fatalf("%d and %d requests, want 90 each", n, len(res.Bulwark.Requests))
	}

	g := Count(res.Bulwark.Requests)
	if g.Blank != 0 {
		t.Errorf("bulwark left %d users with a blank screen", g.Blank)
	}
	var plainOK, bulwarkOK int
	pc, gc := CountByPhase(res.Plain.Requests, len(res.Phases)), CountByPhase(res.Bulwark.Requests, len(res.Phases))
	for i := 1; i < len(res.Phases)-1; i++ { // the outage phases
		plainOK += pc[i].Answered
		bulwarkOK += gc[i].Answered
	}
	if bulwarkOK <= plainOK {
		t.Errorf("during the outage bulwark answered %d, the plain SDK %d", bulwarkOK, plainOK)
	}
	if p := Count(res.Plain.Requests); p.Failed+p.Blank == 0 {
		t.Errorf("the plain SDK went through the incident unharmed: %+v", p)
	}
	if res.Plain.UpstreamCalls < int64(len(res.Plain.Requests)) || res.Bulwark.UpstreamCalls == 0 {
		t.Errorf("upstream calls %d and %d", res.Plain.UpstreamCalls, res.Bulwark.UpstreamCalls)
	}
	if len(res.Bulwark.Usage) == 0 || len(res.Plain.Usage) == 0 {
		t.Error("no token usage was metered")
	}
	for _, c := range res.Breaker {
		if c.Model != Primary && c.Model != Fallback || c.At <= 0 || c.From == c.To {
			t.Errorf("breaker change %+v", c)
		}
	}
	if !strings.Contains(progress.String(), "plain SDK:") || strings.Contains(progress.String(), "\x1b") {
		t.Errorf("progress:\n%s", progress.String())
	}

	var summary, report strings.Builder
	if err := WriteSummary(&summary, res); err != nil {
		t.Fatal(err)
	}
	if err := WriteReport(&report, res); err != nil {
		t.Fatal(err)
	}
	svg := 0
	for _, e := range parseHTML(t, report.String()) {
		if e.name == "svg" {
			svg++
		}
	}
	if svg != 1 {
		t.Errorf("%d svg elements in the report", svg)
	}
	t.Logf("run took %s\n%s", took, summary.String())
}

func TestRunStopsWhenCancelled(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the demo for a second")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	begin := time.Now()
	res, err := Run(ctx, Config{Duration: 20 * time.Second, RPS: 10})
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(begin); took > 4*time.Second {
		t.Errorf("a cancelled run took %s", took)
	}
	if !res.Interrupted || len(res.Plain.Requests) == 0 || len(res.Plain.Requests) > 15 {
		t.Errorf("interrupted=%v with %d requests", res.Interrupted, len(res.Plain.Requests))
	}
	// Healthy so far: what had not ended when the run stopped is blank.
	for _, r := range append(res.Plain.Requests, res.Bulwark.Requests...) {
		if r.Verdict != Answered && r.Verdict != Blank {
			t.Errorf("request %d in the healthy phase: %s", r.Seq, r.Verdict)
		}
	}
}
