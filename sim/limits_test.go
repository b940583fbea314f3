package sim_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/clock"
	"github.com/bulwarkhq/bulwark/sim"
)

var t0 = time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)

func TestRPMLimitAnswersTheReal429(t *testing.T) {
	clk := clock.NewFake(t0)
	s := sim.New(sim.WithClock(clk), sim.WithRPM("claude-haiku-5-5", 2), sim.WithRPM("*", 3))
	send := func(model string) (int, http.Header) {
		rec := serve(s, "POST", "/v1/messages", body(model, "hi"))
		return rec.Code, rec.Header()
	}
	for i, want := range []string{"1", "0"} {
		code, h := send("claude-haiku-5-5")
		if code != 200 || h.Get("anthropic-ratelimit-requests-limit") != "2" || h.Get("anthropic-ratelimit-requests-remaining") != want {
			t.Fatalf("request %d: %d limit %s remaining %s", i, code, h.Get("anthropic-ratelimit-requests-limit"), h.Get("anthropic-ratelimit-requests-remaining"))
		}
		clk.Advance(10 * time.Second)
	}
	rec := serve(s, "POST", "/v1/messages", body("claude-haiku-5-5", "hi"))
	if rec.Code != 429 {
		t.Fatalf("third request in a minute: %d", rec.Code)
	}
	if e := decodeError(t, rec.Body.Bytes()); e.Error.Type != "rate_limit_error" {
		t.Errorf("type %s", e.Error.Type)
	}
	if got := rec.Header().Get("retry-after"); got != "40" { // the first slot frees 60s after t0; now is t0+20s
		t.Errorf("retry-after %q, want 40", got)
	}
	// "*" limits every other model on its own count.
	for i := range 3 {
		if code, _ := send("claude-sonnet-5-5"); code != 200 {
			t.Fatalf("sonnet request %d: %d", i, code)
		}
	}
	if code, _ := send("claude-sonnet-5-5"); code != 429 {
		t.Errorf("fourth sonnet request: %d", code)
	}
	clk.Advance(40 * time.Second)
	if code, _ := send("claude-haiku-5-5"); code != 200 {
		t.Errorf("after the window: %d", code)
	}
	st := s.Stats()
	if st.Models["claude-haiku-5-5"].Outcomes["rate_limited"] != 1 || st.Models["claude-sonnet-5-5"].Outcomes["rate_limited"] != 1 {
		t.Errorf("rate_limited not counted: %+v", st.Models)
	}
	// Reset clears the windows too.
	s.Reset()
	for range 3 {
		if code, _ := send("claude-sonnet-5-5"); code != 200 {
			t.Fatalf("after Reset: %d", code)
		}
	}
}

func TestScriptPhasesFollowTheClock(t *testing.T) {
	clk := clock.NewFake(t0)
	script := sim.Script{Phases: []sim.Phase{
		{Name: "calm", Duration: sim.Duration(10 * time.Second)},
		{Name: "outage", Duration: sim.Duration(5 * time.Second), Rules: []sim.Rule{{Model: "claude-sonnet-5-5", Status: 529}}},
		{Name: "limits", Duration: sim.Duration(5 * time.Second), Rules: []sim.Rule{{Model: "*", Status: 429}}},
	}}
	codes := func(s *sim.Server) (int, string) {
		rec := serve(s, "POST", "/v1/messages", body("claude-sonnet-5-5", "hi"))
		var doc struct {
			Phase string `json:"phase"`
		}
		_ = json.Unmarshal(serve(s, "GET", "/_sim/faults", "").Body.Bytes(), &doc)
		return rec.Code, doc.Phase
	}
	s := sim.New(sim.WithClock(clk), sim.WithScript(script))
	for _, step := range []struct {
		advance time.Duration
		code    int
		phase   string
	}{
		{0, 200, "calm"},
		{9 * time.Second, 200, "calm"},
		{time.Second, 529, "outage"},
		{5 * time.Second, 429, "limits"},
		{time.Hour, 429, "limits"}, // the last phase stays
	} {
		clk.Advance(step.advance)
		if code, phase := codes(s); code != step.code || phase != step.phase {
			t.Errorf("at +%v: %d in %q, want %d in %q", clk.Now().Sub(t0), code, phase, step.code, step.phase)
		}
	}

	script.Loop = true
	clk = clock.NewFake(t0)
	s = sim.New(sim.WithClock(clk), sim.WithScript(script))
	clk.Advance(20*time.Second + 11*time.Second) // second lap, in the outage
	if code, phase := codes(s); code != 529 || phase != "outage" {
		t.Errorf("looping: %d in %q, want 529 in outage", code, phase)
	}

	// Live rules come first.
	s.SetRules([]sim.Rule{{Model: "*", Status: 500}})
	if code, _ := codes(s); code != 500 {
		t.Errorf("live rule over the phase: %d", code)
	}
}

func TestLatencyWaitsOnTheInjectedClock(t *testing.T) {
	clk := clock.NewFake(t0)
	s := sim.New(sim.WithClock(clk), sim.WithRules([]sim.Rule{{Model: "*", Latency: sim.Duration(time.Minute)}}))
	done := make(chan int)
	go func() { done <- serve(s, "POST", "/v1/messages", body("m", "hi")).Code }()
	clk.WaitForTimers(1)
	select {
	case <-done:
		t.Fatal("answered before the clock moved")
	default:
	}
	clk.Advance(time.Minute)
	if code := <-done; code != 200 {
		t.Errorf("code %d", code)
	}
}
