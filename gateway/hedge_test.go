package gateway_test

import (
	"strings"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/gateway"
	"github.com/bulwarkhq/bulwark/sim"
)

// hedgedProfile is the fast profile hedging one stream attempt after 100 ms.
func hedgedProfile() engine.Profile {
	p := fastProfile()
	p.AttemptTimeout, p.FirstTokenTimeout = 5*time.Second, 5*time.Second
	p.Hedge = engine.Hedge{Max: 1, After: 100 * time.Millisecond}
	return p
}

func TestALateFirstTokenIsHedgedAndTheHedgeAnswersWhileTheLateOneIsCancelled(t *testing.T) {
	s, up := startSim(t, sim.Rule{Model: sonnet, Latency: sim.Duration(3 * time.Second)})
	g := startGateway(t, up, gateway.WithProfiles(map[string]engine.Profile{"interactive": hedgedProfile()}))
	start := time.Now()
	resp, body := call(t, "POST", g.url+"/v1/messages", messagesBody(sonnet, "Hello", true))
	took := time.Since(start)
	if resp.StatusCode != 200 || resp.Header.Get("bulwark-model-used") != haiku {
		t.Fatalf("status %d from %q; want 200 from the hedge on %s", resp.StatusCode, resp.Header.Get("bulwark-model-used"), haiku)
	}
	if text := streamText(t, parseEvents(t, body)); text == "" {
		t.Fatal("the hedge's stream has no text")
	}
	// The late attempt would answer after 3 s: an answer well before says
	// that it was cancelled at once, not waited for.
	if took > 2*time.Second {
		t.Fatalf("answered after %v; the late attempt was waited for", took)
	}
	if requests(s, sonnet) != 1 || requests(s, haiku) != 1 {
		t.Fatalf("upstream calls: %s %d, %s %d; want one each", sonnet, requests(s, sonnet), haiku, requests(s, haiku))
	}
	hedges := g.logs.lines("agent.hedge")
	settled := g.logs.lines("agent.hedge_settled")
	if len(hedges) != 1 || hedges[0]["from"] != sonnet || hedges[0]["to"] != haiku {
		t.Fatalf("agent.hedge lines %v; want one from %s to %s", hedges, sonnet, haiku)
	}
	if len(settled) != 1 || settled[0]["winner"] != haiku || settled[0]["hedge_won"] != true {
		t.Fatalf("agent.hedge_settled lines %v; want the hedge on %s to have won", settled, haiku)
	}
}

func TestAHedgeThatFailsLeavesTheLateAttemptToAnswer(t *testing.T) {
	s, up := startSim(t, sim.Rule{Model: sonnet, Latency: sim.Duration(300 * time.Millisecond)},
		sim.Rule{Model: haiku, Status: 529})
	g := startGateway(t, up, gateway.WithProfiles(map[string]engine.Profile{"interactive": hedgedProfile()}))
	resp, body := call(t, "POST", g.url+"/v1/messages", messagesBody(sonnet, "Hello", true))
	if resp.StatusCode != 200 || resp.Header.Get("bulwark-model-used") != sonnet || resp.Header.Get("bulwark-fallback") != "false" {
		t.Fatalf("status %d from %q (fallback %s): %s; want the late primary's answer",
			resp.StatusCode, resp.Header.Get("bulwark-model-used"), resp.Header.Get("bulwark-fallback"), body)
	}
	if requests(s, haiku) == 0 {
		t.Fatal("no hedge was sent")
	}
	if l := g.logs.lines("agent.hedge_settled"); len(l) != 1 || l[0]["winner"] != sonnet || l[0]["hedge_won"] != false {
		t.Fatalf("agent.hedge_settled lines %v", l)
	}
}

func TestAWholeAnswerIsNotHedged(t *testing.T) {
	s, up := startSim(t, sim.Rule{Model: sonnet, Latency: sim.Duration(300 * time.Millisecond)})
	g := startGateway(t, up, gateway.WithProfiles(map[string]engine.Profile{"interactive": hedgedProfile()}))
	resp, body := call(t, "POST", g.url+"/v1/messages", messagesBody(sonnet, "Hello", false))
	if resp.StatusCode != 200 || resp.Header.Get("bulwark-model-used") != sonnet || requests(s, haiku) != 0 {
		t.Fatalf("status %d from %q, %d hedge calls: %s", resp.StatusCode, resp.Header.Get("bulwark-model-used"), requests(s, haiku),
			strings.TrimSpace(string(body)))
	}
}
